import { describe, expect, it } from 'vitest';
import type { Capability, FaultAction, OpenMessage } from '../../../src/bgp/wire/index.js';
import { decodeMessage, encodeMessage } from '../../../src/bgp/wire/index.js';
import { IBGP4, MARKER, decisive, decode, h, message, toHex } from './support.js';

interface GoldenOpen {
  readonly name: string;
  readonly hex: string;
  readonly value: OpenMessage;
}

const GOLDEN: GoldenOpen[] = [
  {
    name: 'a GoBGP-shaped OPEN (one parameter, FQDN kept raw)',
    hex:
      MARKER +
      '0039' + // length 57
      '01' + // OPEN
      '04' + // version 4
      'fc00' + // My AS 64512
      '005a' + // hold time 90
      'c000020b' + // BGP Identifier 192.0.2.11
      '1c' + // 28 bytes of optional parameters
      '02 1a' + // capabilities, 26 bytes
      '01 04 0001 00 80' + // multiprotocol 1/128
      '01 04 0001 00 84' + // multiprotocol 1/132
      '02 00' + // route refresh
      '41 04 0000fc00' + // 4-octet AS 64512
      '49 04 02 6777 00', // FQDN "gw" (unrecognised: raw)
    value: {
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: 0xc000020b,
      capabilities: [
        { code: 1, afi: 1, safi: 128 },
        { code: 1, afi: 1, safi: 132 },
        { code: 2 },
        { code: 65, asn: 64512 },
        { code: 73, raw: h('02677700') },
      ],
    },
  },
  {
    name: 'a BIRD-shaped OPEN from a 4-octet AS (AS_TRANS in My AS)',
    hex:
      MARKER +
      '0041' + // length 65
      '01' +
      '04' +
      '5ba0' + // My AS: AS_TRANS
      '00f0' + // hold time 240
      'c000020d' + // 192.0.2.13
      '24' + // 36 bytes of optional parameters
      '02 22' + // capabilities, 34 bytes
      '01 04 0001 00 01' + // multiprotocol 1/1
      '01 04 0001 00 80' + // multiprotocol 1/128
      '02 00' + // route refresh
      '46 00' + // enhanced route refresh
      '40 0a 0078 0001 01 00 0001 80 00' + // graceful restart 120 s, 1/1 and 1/128 without F
      '41 04 fa56ea00', // 4-octet AS 4200000000
    value: {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 240,
      bgpId: 0xc000020d,
      capabilities: [
        { code: 1, afi: 1, safi: 1 },
        { code: 1, afi: 1, safi: 128 },
        { code: 2 },
        { code: 70 },
        {
          code: 64,
          restarting: false,
          notification: false,
          restartTime: 120,
          families: [
            { afi: 1, safi: 1, forwarding: false },
            { afi: 1, safi: 128, forwarding: false },
          ],
        },
        { code: 65, asn: 4200000000 },
      ],
    },
  },
  {
    name: 'an OPEN like the control node sends (GR with R and F bits, ADD-PATH)',
    hex:
      MARKER +
      '0039' + // length 57
      '01' +
      '04' +
      'fc00' + // 64512
      '005a' + // 90 s
      'c0000201' + // 192.0.2.1
      '1c' + // 28 bytes
      '02 1a' + // capabilities, 26 bytes
      '01 04 0001 00 80' + // multiprotocol 1/128
      '40 06 c0b4 0001 80 80' + // GR: R and N set, 180 s, 1/128 with F
      '45 04 0001 80 03' + // ADD-PATH 1/128 send+receive
      '41 04 0000fc00', // 4-octet AS 64512
    value: {
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: 0xc0000201,
      capabilities: [
        { code: 1, afi: 1, safi: 128 },
        { code: 64, restarting: true, notification: true, restartTime: 180, families: [{ afi: 1, safi: 128, forwarding: true }] },
        { code: 69, families: [{ afi: 1, safi: 128, mode: 3 }] },
        { code: 65, asn: 64512 },
      ],
    },
  },
];

describe('OPEN golden vectors', () => {
  it.each(GOLDEN)('$name decodes and encodes', ({ hex, value }) => {
    const out = decode(h(hex));
    expect(out.faults).toEqual([]);
    expect(out.value).toEqual(value);
    expect(toHex(encodeMessage(value, IBGP4))).toBe(hex.replace(/ /g, ''));
  });

  it('decodes an FRR-shaped OPEN with one parameter per capability, and re-encodes it as one parameter', () => {
    const frr = message(
      1,
      '04 fc00 00b4 c000020c' + // version, AS 64512, hold 180, 192.0.2.12
        '37' + // 55 bytes of optional parameters
        '02 06 01 04 0001 00 80' + // multiprotocol 1/128
        '02 02 80 00' + // old Cisco route refresh (raw)
        '02 02 02 00' + // route refresh
        '02 02 46 00' + // enhanced route refresh
        '02 06 41 04 0000fc00' + // 4-octet AS
        '02 06 45 04 0001 80 01' + // ADD-PATH 1/128 receive
        '02 07 49 05 03 667272 00' + // FQDN "frr"
        '02 04 40 02 4078' + // GR with N, 120 s, no families
        '02 02 47 00', // LLGR, no families
    );
    const out = decode(frr);
    expect(out.faults).toEqual([]);
    const open = out.value as OpenMessage;
    expect(open.holdTime).toBe(180);
    expect(open.capabilities).toEqual([
      { code: 1, afi: 1, safi: 128 },
      { code: 128, raw: new Uint8Array(0) },
      { code: 2 },
      { code: 70 },
      { code: 65, asn: 64512 },
      { code: 69, families: [{ afi: 1, safi: 128, mode: 1 }] },
      { code: 73, raw: h('0366727200') },
      { code: 64, restarting: false, notification: true, restartTime: 120, families: [] },
      { code: 71, longLived: [] },
    ] satisfies Capability[]);
    const again = decodeMessage(encodeMessage(open, IBGP4), IBGP4);
    expect(again.value).toEqual(open);
  });

  it('recognises RFC 9072 extended optional parameters', () => {
    const ext = message(
      1,
      '04 fc00 005a c000020b' +
        'ff' + // Non-Ext OP Len 255
        'ff' + // Non-Ext OP Type 255: extended form follows
        '0009' + // Extended Opt. Parm. Length
        '02 0006' + // capabilities, 2-byte length 6
        '01 04 0001 00 80', // multiprotocol 1/128
    );
    const out = decode(ext);
    expect(out.faults).toEqual([]);
    expect((out.value as OpenMessage).capabilities).toEqual([{ code: 1, afi: 1, safi: 128 }]);
  });

  it('keeps repeated capabilities in order for the session to merge', () => {
    const out = decode(message(1, '04 fc00 005a c000020b 0e 02 0c 01 04 0001 00 80 01 04 0001 00 80'));
    expect((out.value as OpenMessage).capabilities).toEqual([
      { code: 1, afi: 1, safi: 128 },
      { code: 1, afi: 1, safi: 128 },
    ]);
  });

  it('keeps a recognised capability with an impossible length raw, without resetting', () => {
    const out = decode(message(1, '04 fc00 005a c000020b 07 02 05 01 03 0001 80'));
    expect(out.action).toBe('none');
    expect((out.value as OpenMessage).capabilities).toEqual([{ code: 1, raw: h('000180') }]);
  });
});

interface OpenCase {
  readonly name: string;
  readonly body: string;
  readonly expectedAction: FaultAction;
  readonly code: number;
  readonly subcode: number;
  readonly data?: string;
}

const HEAD = 'fc00 005a c000020b'; // AS 64512, hold 90, 192.0.2.11

const NEGATIVE: OpenCase[] = [
  { name: 'O04 version 3', body: '03 ' + HEAD + ' 00', expectedAction: 'reset', code: 2, subcode: 1, data: '0004' },
  { name: 'O01 hold time 2', body: '04 fc00 0002 c000020b 00', expectedAction: 'reset', code: 2, subcode: 6 },
  { name: 'hold time 1', body: '04 fc00 0001 c000020b 00', expectedAction: 'reset', code: 2, subcode: 6 },
  { name: 'O03 BGP Identifier 0.0.0.0', body: '04 fc00 005a 00000000 00', expectedAction: 'reset', code: 2, subcode: 3 },
  {
    name: 'O05 optional-parameter length overruns the OPEN (CVE-2022-40318 shape)',
    body: '04 ' + HEAD + ' 10 02 02 02 00',
    expectedAction: 'reset',
    code: 2,
    subcode: 0,
  },
  { name: 'a parameter overruns the optional parameters', body: '04 ' + HEAD + ' 04 02 08 01 04', expectedAction: 'reset', code: 2, subcode: 0 },
  { name: 'a parameter header cut in half', body: '04 ' + HEAD + ' 01 02', expectedAction: 'reset', code: 2, subcode: 0 },
  { name: 'bytes left after the optional parameters', body: '04 ' + HEAD + ' 02 02 00 ff', expectedAction: 'reset', code: 2, subcode: 0 },
  { name: 'O06 a capability overruns its parameter', body: '04 ' + HEAD + ' 06 02 04 41 08 0000', expectedAction: 'reset', code: 2, subcode: 0 },
  { name: 'a capability header cut in half', body: '04 ' + HEAD + ' 03 02 01 41', expectedAction: 'reset', code: 2, subcode: 0 },
  { name: 'an authentication parameter (type 1)', body: '04 ' + HEAD + ' 03 01 01 00', expectedAction: 'reset', code: 2, subcode: 4 },
  {
    name: 'an RFC 9072 extended length running past the OPEN (CVE-2022-40302 shape)',
    body: '04 ' + HEAD + ' ff ff 0100 02 0006 01 04 0001 00 80',
    expectedAction: 'reset',
    code: 2,
    subcode: 0,
  },
  {
    name: 'an RFC 9072 parameter length running past the parameters (CVE-2022-43681 shape)',
    body: '04 ' + HEAD + ' ff ff 0005 02 00ff 01 04',
    expectedAction: 'reset',
    code: 2,
    subcode: 0,
  },
  { name: 'an RFC 9072 extended length field cut short', body: '04 ' + HEAD + ' ff ff 00', expectedAction: 'reset', code: 2, subcode: 0 },
];

describe('OPEN errors', () => {
  it.each(NEGATIVE)('$name → $code/$subcode', (c) => {
    const out = decode(message(1, c.body));
    expect(out.action).toBe(c.expectedAction);
    const f = decisive(out.faults);
    expect([f?.code, f?.subcode]).toEqual([c.code, c.subcode]);
    if (c.data !== undefined) expect(toHex(f?.data ?? new Uint8Array())).toBe(c.data);
  });

  it('accepts hold times 0 and 3', () => {
    expect(decode(message(1, '04 fc00 0000 c000020b 00')).action).toBe('none');
    expect(decode(message(1, '04 fc00 0003 c000020b 00')).action).toBe('none');
  });

  it('treats an OPEN shorter than 29 bytes as a header length error', () => {
    const out = decode(message(1, '04 fc00 005a c000020b'));
    expect([decisive(out.faults)?.code, decisive(out.faults)?.subcode]).toEqual([1, 2]);
  });
});
