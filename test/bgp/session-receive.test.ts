/**
 * The session's read side without sockets: the receive buffer (any split of
 * the byte stream yields the same messages, handed-out bytes are never
 * rewritten), RFC 4271 §4.1 framing faults, and the RFC 7606 §3.f sorting of
 * decode faults into reset / treat-as-withdraw / discard.
 */

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RxBuffer } from '../../src/bgp/session/rx-buffer.js';
import { receive, strongest } from '../../src/bgp/session/receive.js';
import type { Received } from '../../src/bgp/session/receive.js';
import { Timers } from '../../src/bgp/session/timers.js';
import { encodeKeepalive, encodeMessage, encodeNotification } from '../../src/bgp/wire/index.js';
import type { BgpMessage, CodecContext, Fault, UpdateMessage } from '../../src/bgp/wire/types.js';

const CTX: CodecContext = { fourOctetAs: true, ebgp: true, families: new Set(['1/1']) };

const UPDATE: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attrs: { origin: 0, asPath: [{ type: 2, asns: [64512] }], nextHop: 0xc0000201 },
  nlri: [{ family: 'inet' as const, addr: 0x0a000000, len: 8 }],
};

const MESSAGES: Uint8Array[] = [
  encodeMessage({ type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: 1, capabilities: [{ code: 2 }] }, CTX),
  encodeKeepalive(),
  encodeMessage(UPDATE, CTX),
  encodeMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 }, CTX),
  encodeNotification(6, 2, Uint8Array.of(2, 0x68, 0x69)),
];
const STREAM = concat(MESSAGES);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Feed `chunks` one by one, as socket reads, and collect what receive() reports. */
function feed(chunks: readonly Uint8Array[]): Received[] {
  const rx = new RxBuffer();
  const out: Received[] = [];
  for (const c of chunks) {
    rx.append(c);
    receive(rx, () => CTX, (r) => {
      out.push(r);
      return true;
    });
  }
  return out;
}

const types = (rs: readonly Received[]) => rs.map((r) => (r.kind === 'message' ? r.message.type : `fault ${r.fault.code}/${r.fault.subcode}`));
const EXPECTED = ['open', 'keepalive', 'update', 'route-refresh', 'notification'];

describe('receive buffer and framing', () => {
  it('a stream split at every byte offset yields the same five messages', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(types(feed([STREAM.subarray(0, i), STREAM.subarray(i)]))).toEqual(EXPECTED);
    }
  });

  it('a stream cut into arbitrary chunks yields the same messages with the same content', () => {
    const whole = feed([STREAM]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: STREAM.length }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...[...cuts].sort((a, b) => a - b), STREAM.length];
        const chunks = points.slice(1).map((end, i) => STREAM.slice(points[i], end));
        expect(feed(chunks)).toEqual(whole);
      }),
    );
  });

  it('one byte at a time still works', () => {
    expect(types(feed(Array.from(STREAM, (b) => Uint8Array.of(b))))).toEqual(EXPECTED);
  });

  it('never rewrites bytes it has handed out', () => {
    const rx = new RxBuffer();
    const first = STREAM.slice(0, 30);
    rx.append(first);
    rx.append(STREAM.slice(30, 40));
    const view = rx.pending();
    const snapshot = view.slice();
    rx.consume(25);
    rx.append(STREAM.slice(40));
    rx.consume(rx.length);
    rx.append(new Uint8Array(5000).fill(0xab));
    expect(view).toEqual(snapshot);
    expect(first).toEqual(STREAM.slice(0, 30)); // an adopted socket chunk is not written into
  });

  it('keeps the bytes of a partial message for the next read', () => {
    const rx = new RxBuffer();
    rx.append(STREAM.subarray(0, MESSAGES[0]!.length + 5));
    const got: Received[] = [];
    receive(rx, () => CTX, (r) => (got.push(r), true));
    expect(types(got)).toEqual(['open']);
    expect(rx.length).toBe(5);
  });

  it('a bad marker after good messages delivers those first, then a 1/1 fault', () => {
    const bad = encodeKeepalive().slice();
    bad[3] = 0;
    expect(types(feed([concat([MESSAGES[1]!, MESSAGES[2]!, bad])]))).toEqual(['keepalive', 'update', 'fault 1/1']);
  });

  it('a length field over 4096 is a 1/2 fault', () => {
    const bad = encodeKeepalive().slice();
    bad[16] = 0x10;
    bad[17] = 0x01;
    expect(types(feed([bad]))).toEqual(['fault 1/2']);
  });

  it('stops as soon as the consumer says the connection is gone', () => {
    const rx = new RxBuffer();
    rx.append(STREAM);
    const got: Received[] = [];
    receive(rx, () => CTX, (r) => {
      got.push(r);
      return got.length < 2;
    });
    expect(got).toHaveLength(2);
  });

  it('asks for the codec context again for every message', () => {
    const rx = new RxBuffer();
    rx.append(STREAM);
    let asked = 0;
    receive(rx, () => (asked++, CTX), () => true);
    expect(asked).toBe(MESSAGES.length);
  });
});

describe('RFC 7606 sorting of decode results', () => {
  const f = (action: Fault['action'], subcode = 1): Fault => ({ action, code: 3, subcode, reason: action });

  it('the strongest action wins, the first of equals kept', () => {
    expect(strongest([f('discard'), f('withdraw', 1), f('withdraw', 2), f('none')])).toEqual(f('withdraw', 1));
    expect(strongest([f('withdraw'), f('reset')])?.action).toBe('reset');
    expect(strongest([])).toBeUndefined();
  });

  it('an UPDATE with an invalid ORIGIN is delivered with action withdraw', () => {
    const [r] = feed([encodeMessage({ ...UPDATE, attrs: { ...UPDATE.attrs, origin: 7 } }, CTX)]);
    expect(r).toMatchObject({ kind: 'message', action: 'withdraw', message: { type: 'update' } });
  });

  it('a clean UPDATE is delivered with action none and no faults', () => {
    const [r] = feed([MESSAGES[2]!]);
    expect(r).toMatchObject({ kind: 'message', action: 'none', faults: [] });
    expect((r as { message: BgpMessage }).message).toMatchObject({ nlri: UPDATE.nlri });
  });
});

describe('session timers', () => {
  // Fake time: the deadlines are checked to the millisecond, with no wall-clock margin to flake on.
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fire once, can be re-armed, and a cancelled timer never fires', () => {
    const fired: string[] = [];
    const t = new Timers<'a' | 'b'>((n) => fired.push(n));
    t.arm('a', 0.02);
    t.arm('b', 0.02);
    t.cancel('b');
    t.arm('a', 0.03); // same name, new duration: restarts
    vi.advanceTimersByTime(29);
    expect(fired).toEqual([]);
    expect(t.running('a')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    expect(t.running('a')).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['a']);
  });

  it('re-arming with the same duration pushes the deadline back', () => {
    const fired: number[] = [];
    const start = Date.now();
    const t = new Timers<'hold'>(() => fired.push(Date.now() - start));
    t.arm('hold', 0.05);
    vi.advanceTimersByTime(30);
    t.arm('hold', 0.05);
    vi.advanceTimersByTime(49); // 79 ms in: the first deadline (50) has passed unfired
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([80]);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([80]);
  });
});
