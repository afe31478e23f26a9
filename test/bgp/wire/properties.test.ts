import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BgpMessage, CodecContext } from '../../../src/bgp/wire/index.js';
import { decodeMessage, encodeKeepalive, encodeMessage, frame } from '../../../src/bgp/wire/index.js';
import { contexts, notificationMessage, openMessage, routeRefreshMessage, updateMessage } from './arbitraries.js';
import { EBGP2, EBGP4, IBGP2, IBGP4, MARKER, h, toHex } from './support.js';

const CONTEXTS: Array<[string, CodecContext]> = [
  ['iBGP 4-octet', IBGP4],
  ['eBGP 4-octet', EBGP4],
  ['iBGP 2-octet', IBGP2],
  ['eBGP 2-octet', EBGP2],
];

function roundTrip(msg: BgpMessage, ctx: CodecContext): void {
  const d = decodeMessage(encodeMessage(msg, ctx), ctx);
  expect(d.faults).toEqual([]);
  expect(d.value).toEqual(msg);
}

/** Decoding must return, and never through the internal safety net. */
function decodesSafely(bytes: Uint8Array, ctx: CodecContext): void {
  const d = decodeMessage(bytes, ctx);
  for (const f of d.faults) expect(f.reason).not.toMatch(/^internal decoder error/);
  if (d.value !== undefined) expect(() => encodeMessage(d.value as BgpMessage, ctx)).not.toThrow(TypeError);
}

describe('decode(encode(x)) is x', () => {
  for (const [ctxName, ctx] of CONTEXTS) {
    for (const family of ['inet', 'inet-mp', 'inet-vpn', 'route-target'] as const) {
      it(`for ${family} UPDATEs on ${ctxName} sessions`, () => {
        fc.assert(fc.property(updateMessage(ctx, family), (u) => roundTrip(u, ctx)), { numRuns: 150 });
      });
    }
  }

  it('for OPENs', () => {
    fc.assert(fc.property(openMessage, (m) => roundTrip(m, IBGP4)), { numRuns: 300 });
  });

  it('for NOTIFICATIONs', () => {
    fc.assert(fc.property(notificationMessage, (m) => roundTrip(m, IBGP4)), { numRuns: 200 });
  });

  it('for ROUTE-REFRESHes', () => {
    fc.assert(fc.property(routeRefreshMessage, (m) => roundTrip(m, IBGP4)), { numRuns: 200 });
  });
});

describe('decoding never throws', () => {
  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), contexts, (b, ctx) => decodesSafely(b, ctx)), { numRuns: 2000 });
  });

  it('on random bodies behind a valid header of every type', () => {
    const arb = fc.record({ type: fc.integer({ min: 1, max: 5 }), body: fc.uint8Array({ maxLength: 400 }), ctx: contexts });
    fc.assert(
      fc.property(arb, ({ type, body, ctx }) => {
        const len = 19 + body.length;
        const bytes = Buffer.concat([h(MARKER), Uint8Array.of(len >> 8, len & 0xff, type), body]);
        decodesSafely(bytes, ctx);
      }),
      { numRuns: 3000 },
    );
  });

  it('on UPDATEs made of well-framed attributes with random flags, codes and values', () => {
    const code = fc.oneof(fc.integer({ min: 1, max: 18 }), fc.constant(32), fc.integer({ min: 0, max: 255 }));
    const known = fc.record({ flags: fc.integer({ min: 0, max: 255 }), code, value: fc.uint8Array({ maxLength: 40 }) });
    const arb = fc.record({ attrs: fc.array(known, { maxLength: 8 }), nlri: fc.uint8Array({ maxLength: 12 }), ctx: contexts });
    fc.assert(
      fc.property(arb, ({ attrs, nlri, ctx }) => {
        const parts = attrs.map(({ flags, code: c, value }) =>
          flags & 0x10 ? Buffer.from([flags, c, value.length >> 8, value.length & 0xff, ...value]) : Buffer.from([flags, c, value.length, ...value]),
        );
        const list = Buffer.concat(parts);
        const body = Buffer.concat([Uint8Array.of(0, 0, list.length >> 8, list.length & 0xff), list, nlri]);
        const len = 19 + body.length;
        decodesSafely(Buffer.concat([h(MARKER), Uint8Array.of(len >> 8, len & 0xff, 2), body]), ctx);
      }),
      { numRuns: 5000 },
    );
  });

  const mutation = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 });
  const validMessage = fc.oneof(
    updateMessage(IBGP4, 'inet'),
    updateMessage(IBGP4, 'inet-vpn'),
    updateMessage(IBGP4, 'route-target'),
    openMessage,
    notificationMessage,
    routeRefreshMessage,
  );

  it('on valid messages with random bytes changed after the header', () => {
    fc.assert(
      fc.property(validMessage, mutation, contexts, (msg, muts, ctx) => {
        const bytes = encodeMessage(msg, IBGP4);
        for (const m of muts) if (bytes.length > 19) bytes[19 + (m.at % (bytes.length - 19))] = m.value;
        decodesSafely(bytes, ctx);
      }),
      { numRuns: 3000 },
    );
  });

  it('on valid messages cut short or extended, with the length field kept consistent', () => {
    fc.assert(
      fc.property(validMessage, fc.integer({ min: -60, max: 60 }), (msg, delta) => {
        const bytes = encodeMessage(msg, IBGP4);
        const len = Math.max(19, Math.min(4096, bytes.length + delta));
        const out = new Uint8Array(len);
        out.set(bytes.subarray(0, len));
        out[16] = len >> 8;
        out[17] = len & 0xff;
        decodesSafely(out, IBGP4);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('framing a stream', () => {
  it('gives the same messages wherever the stream is split', () => {
    const messages = fc.array(
      fc.oneof(updateMessage(IBGP4, 'inet-vpn'), openMessage, notificationMessage, fc.constant({ type: 'keepalive' } as const)),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(messages, fc.array(fc.nat(), { maxLength: 4 }), (msgs, cuts) => {
        const encoded = msgs.map((m) => (m.type === 'keepalive' ? encodeKeepalive() : encodeMessage(m, IBGP4)));
        const stream = Buffer.concat(encoded);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        let pending: Uint8Array = new Uint8Array(0);
        const got: string[] = [];
        let prev = 0;
        for (const cut of [...points, stream.length]) {
          pending = Buffer.concat([pending, stream.subarray(prev, cut)]);
          prev = cut;
          const out = frame(pending);
          expect(out.fault).toBeUndefined();
          got.push(...out.messages.map(toHex));
          pending = pending.subarray(out.consumed);
        }
        expect(got).toEqual(encoded.map(toHex));
        expect(pending.length).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
