import { describe, expect, it } from 'vitest';
import type { BgpMessage, FaultAction, UpdateMessage } from '../../../src/bgp/wire/index.js';
import {
  decodeMessage,
  encodeEndOfRib,
  encodeKeepalive,
  encodeMessage,
  encodeNotification,
  endOfRibFamily,
  frame,
} from '../../../src/bgp/wire/index.js';
import { IBGP4, MARKER, attr, decisive, decode, h, message, toHex, update } from './support.js';

describe('KEEPALIVE, NOTIFICATION and ROUTE-REFRESH golden vectors', () => {
  const cases: Array<{ name: string; hex: string; value: BgpMessage }> = [
    { name: 'KEEPALIVE', hex: MARKER + '0013' + '04', value: { type: 'keepalive' } },
    {
      name: 'NOTIFICATION Cease/Admin Shutdown with an RFC 9003 message',
      hex: MARKER + '0019' + '03' + '06 02' + '03 627965', // code 6, subcode 2, "bye"
      value: { type: 'notification', code: 6, subcode: 2, data: h('03627965') },
    },
    {
      name: 'NOTIFICATION Unsupported Version with the version we support',
      hex: MARKER + '0017' + '03' + '02 01' + '0004',
      value: { type: 'notification', code: 2, subcode: 1, data: h('0004') },
    },
    {
      name: 'NOTIFICATION Hold Timer Expired without data',
      hex: MARKER + '0015' + '03' + '04 00',
      value: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) },
    },
    {
      name: 'ROUTE-REFRESH for VPNv4',
      hex: MARKER + '0017' + '05' + '0001 00 80', // AFI 1, request, SAFI 128
      value: { type: 'route-refresh', afi: 1, safi: 128, subtype: 0 },
    },
    {
      name: 'ROUTE-REFRESH Beginning of Route Refresh (RFC 7313)',
      hex: MARKER + '0017' + '05' + '0001 01 84',
      value: { type: 'route-refresh', afi: 1, safi: 132, subtype: 1 },
    },
  ];
  it.each(cases)('$name decodes and encodes', ({ hex, value }) => {
    const out = decode(h(hex));
    expect(out.faults).toEqual([]);
    expect(out.value).toEqual(value);
    expect(toHex(encodeMessage(value, IBGP4))).toBe(hex.replace(/ /g, ''));
  });

  it('has shorthand encoders for KEEPALIVE and NOTIFICATION', () => {
    expect(toHex(encodeKeepalive())).toBe(MARKER + '001304');
    expect(toHex(encodeNotification(6, 2, h('03627965')))).toBe(MARKER + '0019030602' + '03627965');
    expect(toHex(encodeNotification(4, 0))).toBe(MARKER + '0015030400');
  });

  it('cuts NOTIFICATION data that would not fit in 4096 bytes', () => {
    expect(encodeNotification(3, 1, new Uint8Array(5000)).length).toBe(4096);
  });
});

describe('End-of-RIB', () => {
  const cases: Array<[string, string, { afi: number; safi: number }]> = [
    ['IPv4 unicast: an empty UPDATE', MARKER + '0017' + '02' + '0000' + '0000', { afi: 1, safi: 1 }],
    ['VPNv4: an empty MP_UNREACH_NLRI', MARKER + '001d' + '02' + '0000' + '0006' + '800f03 0001 80', { afi: 1, safi: 128 }],
    ['route target: an empty MP_UNREACH_NLRI', MARKER + '001d' + '02' + '0000' + '0006' + '800f03 0001 84', { afi: 1, safi: 132 }],
  ];
  it.each(cases)('%s', (_name, hex, family) => {
    expect(toHex(encodeEndOfRib(family))).toBe(hex.replace(/ /g, ''));
    const out = decode(h(hex));
    expect(out.faults).toEqual([]);
    expect(endOfRibFamily(out.value as UpdateMessage)).toEqual(family);
  });

  it('recognises an IPv4 End-of-RIB sent as MP_UNREACH, as Contrail does', () => {
    const u = decode(update({ attrs: [attr(0x80, 15, '000101')] })).value as UpdateMessage;
    expect(endOfRibFamily(u)).toEqual({ afi: 1, safi: 1 });
  });

  it('does not mistake UPDATEs with routes or attributes for End-of-RIB', () => {
    const withRoute = decode(update({ withdrawn: '18c63364' })).value as UpdateMessage;
    const withAttrs = decode(update({ attrs: [attr(0x40, 1, '00')] })).value as UpdateMessage;
    const withdrawal = decode(update({ attrs: [attr(0x80, 15, '000180 70 800000 0001c000020c0001 c6120a')] })).value as UpdateMessage;
    expect(endOfRibFamily(withRoute)).toBeUndefined();
    expect(endOfRibFamily(withAttrs)).toBeUndefined();
    expect(endOfRibFamily(withdrawal)).toBeUndefined();
  });
});

interface HeaderCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly expectedAction: FaultAction;
  readonly code: number;
  readonly subcode: number;
  readonly data?: string;
}

const HEADER_CASES: HeaderCase[] = [
  { name: 'M01 a bad marker', bytes: h('ffffffffffffffffffffffffffffff00', '0013', '04'), expectedAction: 'reset', code: 1, subcode: 1 },
  { name: 'M02 length 18', bytes: h(MARKER, '0012', '04'), expectedAction: 'reset', code: 1, subcode: 2, data: '0012' },
  { name: 'length 4097', bytes: h(MARKER, '1001', '02', '00'.repeat(4078)), expectedAction: 'reset', code: 1, subcode: 2, data: '1001' },
  { name: 'M03 message type 9', bytes: h(MARKER, '0013', '09'), expectedAction: 'reset', code: 1, subcode: 3, data: '09' },
  { name: 'message type 0', bytes: h(MARKER, '0013', '00'), expectedAction: 'reset', code: 1, subcode: 3, data: '00' },
  { name: 'M05 a KEEPALIVE with a payload byte', bytes: message(4, '00'), expectedAction: 'reset', code: 1, subcode: 2, data: '0014' },
  { name: 'a NOTIFICATION of 20 bytes', bytes: message(3, '06'), expectedAction: 'reset', code: 1, subcode: 2, data: '0014' },
  { name: 'an UPDATE of 22 bytes', bytes: message(2, '000000'), expectedAction: 'reset', code: 1, subcode: 2, data: '0016' },
  { name: 'a ROUTE-REFRESH of 22 bytes', bytes: message(5, '000100'), expectedAction: 'reset', code: 7, subcode: 1 },
  { name: 'a ROUTE-REFRESH of 24 bytes', bytes: message(5, '0001008000'), expectedAction: 'reset', code: 7, subcode: 1 },
  { name: 'fewer bytes than the length field says', bytes: h(MARKER, '0017', '02', '0000'), expectedAction: 'reset', code: 1, subcode: 2, data: '0017' },
  { name: 'fewer than 19 bytes', bytes: h(MARKER, '00'), expectedAction: 'reset', code: 1, subcode: 2 },
];

describe('message header errors', () => {
  it.each(HEADER_CASES)('$name → $code/$subcode', (c) => {
    const out = decode(c.bytes);
    expect(out.value).toBeUndefined();
    expect(out.action).toBe(c.expectedAction);
    const f = decisive(out.faults);
    expect([f?.code, f?.subcode]).toEqual([c.code, c.subcode]);
    if (c.data !== undefined) expect(toHex(f?.data ?? new Uint8Array())).toBe(c.data);
  });

  it('puts the whole ROUTE-REFRESH in the 7/1 data', () => {
    const bytes = message(5, '0001008000');
    expect(decisive(decode(bytes).faults)?.data).toEqual(bytes);
  });
});

describe('framing', () => {
  const keepalive = encodeKeepalive();
  const eor = encodeEndOfRib({ afi: 1, safi: 128 });
  const big = update({ attrs: [attr(0xd0, 0xf1, 'aa'.repeat(4096 - 23 - 4))] });

  it('cuts several messages out of one chunk and leaves a partial one', () => {
    const stream = Buffer.concat([keepalive, eor, big, keepalive.subarray(0, 10)]);
    const out = frame(stream);
    expect(out.fault).toBeUndefined();
    expect(out.messages.map((m) => m.length)).toEqual([19, eor.length, 4096]);
    expect(out.consumed).toBe(19 + eor.length + 4096);
  });

  it('counts consumed bytes from the offset it was given', () => {
    const stream = Buffer.concat([keepalive, keepalive]);
    const out = frame(stream, 19);
    expect(out.consumed).toBe(19);
    expect(out.messages.map(toHex)).toEqual([toHex(keepalive)]);
  });

  it('returns the messages before a bad header together with the fault', () => {
    const stream = Buffer.concat([keepalive, h(MARKER, '0013', '09'), keepalive]);
    const out = frame(stream);
    expect(out.messages).toHaveLength(1);
    expect(out.consumed).toBe(19);
    expect([out.fault?.code, out.fault?.subcode]).toEqual([1, 3]);
  });

  it('reports a bad length before the message body has arrived', () => {
    const out = frame(h(MARKER, '1001', '02'));
    expect([out.fault?.code, out.fault?.subcode]).toEqual([1, 2]);
  });

  it('yields the same messages whatever byte offset the stream is split at', () => {
    const stream = Buffer.concat([keepalive, eor, big, encodeNotification(6, 2, h('03627965')), keepalive]);
    const whole = frame(stream).messages.map(toHex);
    expect(whole).toHaveLength(5);
    for (let cut = 0; cut <= stream.length; cut++) {
      const first = frame(stream.subarray(0, cut));
      const rest = Buffer.concat([stream.subarray(first.consumed, cut), stream.subarray(cut)]);
      const second = frame(rest);
      expect(first.fault ?? second.fault).toBeUndefined();
      expect([...first.messages, ...second.messages].map(toHex)).toEqual(whole);
    }
  });

  it('decodes every framed message', () => {
    const stream = Buffer.concat([keepalive, eor, big]);
    const decoded = frame(stream).messages.map((m) => decodeMessage(m, IBGP4));
    expect(decoded.map((d) => d.value?.type)).toEqual(['keepalive', 'update', 'update']);
    expect(decoded.flatMap((d) => d.faults.filter((f) => f.action !== 'none' && f.action !== 'discard'))).toEqual([]);
  });
});
