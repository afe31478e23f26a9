import { describe, expect, it } from 'vitest';
import type { CodecContext, FaultAction, UpdateMessage } from '../../../src/bgp/wire/index.js';
import { AS_SEQUENCE, encodeMessage } from '../../../src/bgp/wire/index.js';
import { EBGP2, EBGP4, IBGP2, IBGP4, MARKER, attr, decisive, decode, h, message, toHex, update } from './support.js';

// ---------------------------------------------------------------- golden UPDATEs

interface GoldenUpdate {
  readonly name: string;
  readonly ctx: CodecContext;
  readonly hex: string;
  readonly value: UpdateMessage;
}

const FRR_VPN_PREFIX = { family: 'inet-vpn' as const, labels: 1001, rd: 0x0001_c000_020c_0001n, addr: 0xc6120a00, len: 24 };

const GOLDEN: GoldenUpdate[] = [
  {
    name: "a VPNv4 UPDATE shaped like FRR's 192.0.2.12:1:198.18.10.0/24 label 1001 RT 64512:1",
    ctx: IBGP4,
    hex:
      MARKER +
      '005a' + // length 90
      '02' + // UPDATE
      '0000' + // no withdrawn routes
      '0043' + // 67 bytes of attributes
      '800e20' + // MP_REACH_NLRI, optional, 32 bytes
      '0001 80' + // AFI 1, SAFI 128
      '0c 0000000000000000 c000020c' + // next hop: RD 0, 192.0.2.12
      '00' + // reserved
      '70 003e91 0001c000020c0001 c6120a' + // /112: label 1001 (S), RD 192.0.2.12:1, 198.18.10.0/24
      '40010102' + // ORIGIN INCOMPLETE
      '400200' + // AS_PATH empty
      '80040400000000' + // MED 0
      '40050400000064' + // LOCAL_PREF 100
      'c010080002fc0000000001', // EXT_COMMUNITIES target:64512:1
    value: {
      type: 'update',
      withdrawn: [],
      attrs: { origin: 2, asPath: [], med: 0, localPref: 100, extCommunities: [0x0002_fc00_0000_0001n] },
      mpReach: { afi: 1, safi: 128, family: 'inet-vpn' as const, nextHop: 0xc000020c, nlri: [FRR_VPN_PREFIX] },
      nlri: [],
    },
  },
  {
    name: "an RTC UPDATE shaped like GoBGP's 64512:64512:1",
    ctx: IBGP4,
    hex:
      MARKER +
      '003e' + // length 62
      '02' +
      '0000' + // no withdrawn routes
      '0027' + // 39 bytes of attributes
      '800e16' + // MP_REACH_NLRI, 22 bytes
      '0001 84' + // AFI 1, SAFI 132
      '04 c000020b' + // next hop 192.0.2.11
      '00' + // reserved
      '60 0000fc00 0002fc0000000001' + // /96: origin AS 64512, target:64512:1
      '40010100' + // ORIGIN IGP
      '400200' + // AS_PATH empty
      '40050400000064', // LOCAL_PREF 100
    value: {
      type: 'update',
      withdrawn: [],
      attrs: { origin: 0, asPath: [], localPref: 100 },
      mpReach: { afi: 1, safi: 132, family: 'route-target' as const, nextHop: 0xc000020b, nlri: [{ family: 'route-target' as const, len: 96, originAs: 64512, target: 0x0002_fc00_0000_0001n }] },
      nlri: [],
    },
  },
  {
    name: 'an IPv4 UPDATE from a 2-octet eBGP peer with withdrawn routes and NLRI',
    ctx: EBGP2,
    hex:
      MARKER +
      '003a' + // length 58
      '02' +
      '0002 080a' + // withdrawn: 10.0.0.0/8
      '0019' + // 25 bytes of attributes
      '40010100' + // ORIGIN IGP
      '40020402 01fde9' + // AS_PATH: AS_SEQUENCE 65001
      '400304c0000214' + // NEXT_HOP 192.0.2.20
      '80040400000000' + // MED 0
      '18c63364 18cb0071', // NLRI 198.51.100.0/24, 203.0.113.0/24
    value: {
      type: 'update',
      withdrawn: [{ family: 'inet' as const, addr: 0x0a000000, len: 8 }],
      attrs: { origin: 0, asPath: [{ type: AS_SEQUENCE, asns: [65001] }], nextHop: 0xc0000214, med: 0 },
      nlri: [
        { family: 'inet' as const, addr: 0xc6336400, len: 24 },
        { family: 'inet' as const, addr: 0xcb007100, len: 24 },
      ],
    },
  },
  {
    name: 'a VPNv4 withdrawal with the compatibility label',
    ctx: IBGP4,
    hex:
      MARKER +
      '002c' + // length 44
      '02' +
      '0000' +
      '0015' + // 21 bytes of attributes
      '800f12' + // MP_UNREACH_NLRI, 18 bytes
      '0001 80' + // AFI 1, SAFI 128
      '70 800000 0001c000020c0001 c6120a', // /112: label 0x800000, RD, 198.18.10.0/24
    value: {
      type: 'update',
      withdrawn: [],
      attrs: {},
      mpUnreach: { afi: 1, safi: 128, family: 'inet-vpn' as const, nlri: [{ ...FRR_VPN_PREFIX, labels: [] }] },
      nlri: [],
    },
  },
  {
    name: 'an IPv4 unicast UPDATE carried in MP_REACH_NLRI',
    ctx: IBGP4,
    hex:
      MARKER +
      '0038' + // length 56
      '02' +
      '0000' +
      '0021' + // 33 bytes of attributes
      '800e10' + // MP_REACH_NLRI, 16 bytes
      '0001 01' + // AFI 1, SAFI 1
      '04 c000020c 00' + // next hop 192.0.2.12, reserved
      '18 c6120a 10 0a01' + // 198.18.10.0/24, 10.1.0.0/16
      '40010100' + // ORIGIN IGP
      '400200' + // AS_PATH empty
      '40050400000064', // LOCAL_PREF 100
    value: {
      type: 'update',
      withdrawn: [],
      attrs: { origin: 0, asPath: [], localPref: 100 },
      mpReach: {
        afi: 1,
        safi: 1,
        family: 'inet',
        nextHop: 0xc000020c,
        nlri: [
          { family: 'inet' as const, addr: 0xc6120a00, len: 24 },
          { family: 'inet' as const, addr: 0x0a010000, len: 16 },
        ],
      },
      nlri: [],
    },
  },
];

describe('UPDATE golden vectors', () => {
  it.each(GOLDEN)('$name decodes and encodes', ({ ctx, hex, value }) => {
    const out = decode(h(hex), ctx);
    expect(out.faults).toEqual([]);
    expect(out.value).toEqual(value);
    expect(toHex(encodeMessage(value, ctx))).toBe(hex.replace(/ /g, ''));
  });

  it('accepts the same prefix withdrawn and announced in one UPDATE, leaving the order to the RIB', () => {
    const out = decode(
      update({ withdrawn: '18c63364', attrs: [attr(0x40, 1, '00'), attr(0x40, 2, ''), attr(0x40, 3, 'c000020c')], nlri: '18c63364' }),
    );
    expect(out.action).toBe('none');
    const u = out.value as UpdateMessage;
    expect(u.withdrawn).toEqual(u.nlri);
  });
});

// ---------------------------------------------------------------- RFC 7606 negative table

const VPN_NLRI = '70 003e91 0001c000020c0001 c6120a';
const CLASSIC_NLRI = '18 c63364';

/** A valid UPDATE's attributes: MP_REACH (VPN), ORIGIN, AS_PATH, NEXT_HOP, MED, EXT_COMMUNITIES. */
const BASE: ReadonlyArray<readonly [number, string]> = [
  [14, attr(0x80, 14, '0001 80 0c 0000000000000000 c000020c 00' + VPN_NLRI)],
  [1, attr(0x40, 1, '00')],
  [2, attr(0x40, 2, '')],
  [3, attr(0x40, 3, 'c000020c')],
  [4, attr(0x80, 4, '00000000')],
  [16, attr(0xc0, 16, '0002fc0000000001')],
];

type Position = 'first' | 'middle' | 'last';

interface AttrCase {
  readonly name: string;
  /** The attribute to insert, as hex. */
  readonly bad: string;
  /** Type codes of base attributes it replaces. */
  readonly replaces?: readonly number[];
  readonly ctx?: CodecContext;
  readonly expectedAction: FaultAction;
  readonly code?: number;
  readonly subcode?: number;
  /** The MP_REACH NLRI is expected to be lost (the bad attribute replaced it). */
  readonly noMp?: boolean;
  /** SAFI of the family an 'afi-safi-disable' names (default 128). */
  readonly safi?: number;
}

function build(c: AttrCase, at: Position): Uint8Array {
  const list = BASE.filter(([code]) => !(c.replaces ?? []).includes(code)).map(([, hex]) => hex);
  const i = at === 'first' ? 0 : at === 'middle' ? Math.floor(list.length / 2) : list.length;
  list.splice(i, 0, c.bad);
  return update({ attrs: list, nlri: CLASSIC_NLRI });
}

const ATTR_CASES: AttrCase[] = [
  { name: 'U02 ORIGIN value 3', bad: attr(0x40, 1, '03'), replaces: [1], expectedAction: 'withdraw', code: 3, subcode: 6 },
  { name: 'U03 ORIGIN length 2', bad: attr(0x40, 1, '0000'), replaces: [1], expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'U04 ORIGIN with the optional flag', bad: attr(0xc0, 1, '00'), replaces: [1], expectedAction: 'withdraw', code: 3, subcode: 4 },
  { name: 'U07 NEXT_HOP length 5', bad: attr(0x40, 3, 'c000020c00'), replaces: [3], expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'U08 NEXT_HOP 0.0.0.0', bad: attr(0x40, 3, '00000000'), replaces: [3], expectedAction: 'withdraw', code: 3, subcode: 8 },
  { name: 'NEXT_HOP 127.0.0.1', bad: attr(0x40, 3, '7f000001'), replaces: [3], expectedAction: 'withdraw', code: 3, subcode: 8 },
  { name: 'U09 AS_PATH segment overrun', bad: attr(0x40, 2, '02 03 0000fde8'), replaces: [2], expectedAction: 'withdraw', code: 3, subcode: 11 },
  { name: 'AS_PATH 1-byte underrun', bad: attr(0x40, 2, '02 01 0000fde8 02'), replaces: [2], expectedAction: 'withdraw', code: 3, subcode: 11 },
  { name: 'U10 AS_PATH zero-length segment', bad: attr(0x40, 2, '02 00'), replaces: [2], expectedAction: 'withdraw', code: 3, subcode: 11 },
  { name: 'AS_PATH segment type 9', bad: attr(0x40, 2, '09 01 0000fde8'), replaces: [2], expectedAction: 'withdraw', code: 3, subcode: 11 },
  { name: 'AS_PATH with the transitive flag cleared', bad: attr(0x00, 2, ''), replaces: [2], expectedAction: 'withdraw', code: 3, subcode: 4 },
  { name: 'U12 MED length 3', bad: attr(0x80, 4, '000000'), replaces: [4], expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'MED flagged well-known', bad: attr(0x40, 4, '00000000'), replaces: [4], expectedAction: 'withdraw', code: 3, subcode: 4 },
  { name: 'U13 LOCAL_PREF from eBGP', bad: attr(0x40, 5, '00000064'), ctx: EBGP4, expectedAction: 'discard' },
  { name: 'LOCAL_PREF length 3', bad: attr(0x40, 5, '000064'), expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'U14 ATOMIC_AGGREGATE length 1', bad: attr(0x40, 6, '00'), expectedAction: 'discard', code: 3, subcode: 5 },
  { name: 'U15 AGGREGATOR length 3', bad: attr(0xc0, 7, '000001'), expectedAction: 'discard', code: 3, subcode: 5 },
  { name: 'AGGREGATOR length 6 on a 4-octet session', bad: attr(0xc0, 7, 'fde8c000020c'), expectedAction: 'discard', code: 3, subcode: 5 },
  { name: 'U16 COMMUNITIES length 3', bad: attr(0xc0, 8, '000001'), expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'COMMUNITIES length 0', bad: attr(0xc0, 8, ''), expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'ORIGINATOR_ID length 5', bad: attr(0x80, 9, 'c000020b00'), expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'CLUSTER_LIST length 6', bad: attr(0x80, 10, 'c000020b0000'), expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'U30 ORIGINATOR_ID from eBGP', bad: attr(0x80, 9, 'c000020b'), ctx: EBGP4, expectedAction: 'discard' },
  { name: 'CLUSTER_LIST from eBGP', bad: attr(0x80, 10, 'c000020b'), ctx: EBGP4, expectedAction: 'discard' },
  { name: 'U17/V07 EXT_COMMUNITIES length 7', bad: attr(0xc0, 16, '0002fc00000000'), replaces: [16], expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'U18 LARGE_COMMUNITY length 10', bad: attr(0xc0, 32, '0000fc000000000100'), expectedAction: 'withdraw', code: 3, subcode: 5 },
  { name: 'U19 a duplicate ORIGIN', bad: attr(0x40, 1, '02'), expectedAction: 'discard', code: 3, subcode: 1 },
  { name: 'a duplicate unknown attribute', bad: attr(0xc0, 16, '0002fc0000000002'), expectedAction: 'discard', code: 3, subcode: 1 },
  { name: 'U20 an unknown optional transitive attribute 0xF0', bad: attr(0xc0, 0xf0, 'deadbeef'), expectedAction: 'none' },
  { name: 'U21 an unknown well-known attribute 0xF0', bad: attr(0x40, 0xf0, 'deadbeef'), expectedAction: 'reset', code: 3, subcode: 2 },
  { name: 'U26 AS4_PATH overrun', bad: attr(0xc0, 17, '02 03 0000fde8'), ctx: IBGP2, expectedAction: 'discard', code: 3, subcode: 11 },
  { name: 'AS4_PATH of one byte (CVE-2026-41643 shape)', bad: attr(0xc0, 17, '02'), ctx: IBGP2, expectedAction: 'discard', code: 3, subcode: 11 },
  { name: 'AS4_AGGREGATOR length 6', bad: attr(0xc0, 18, 'fde8c000020c'), ctx: IBGP2, expectedAction: 'discard', code: 3, subcode: 5 },
  { name: 'U27 TUNNEL_ENCAP (23) with a garbage TLV', bad: attr(0xc0, 23, '0001ff00'), expectedAction: 'none' },
  { name: 'U28 BGP-LS (29) garbage', bad: attr(0x80, 29, 'ffff'), expectedAction: 'none' },
  { name: 'U29 AIGP (26) with a bad TLV length', bad: attr(0x80, 26, '01 ffff 00'), expectedAction: 'none' },
  { name: 'OTC (35) with a wrong length', bad: attr(0xc0, 35, '0000fc'), expectedAction: 'none' },
  {
    name: 'U31 MP_REACH for EVPN (AFI 25 / SAFI 70), a family not implemented',
    bad: attr(0x80, 14, '0019 46 04 c000020c 00 02 0c 0000000000000000 00000000'),
    replaces: [14],
    expectedAction: 'discard',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'MP_REACH with well-known flags',
    bad: attr(0x40, 14, '0001 80 0c 0000000000000000 c000020c 00' + VPN_NLRI),
    replaces: [14],
    expectedAction: 'withdraw',
    code: 3,
    subcode: 4,
  },
  {
    name: 'V02 VPNv4 prefix length 200 (CVE-2016-2342 shape)',
    bad: attr(0x80, 14, '0001 80 0c 0000000000000000 c000020c 00 c8 003e91 0001c000020c0001 c6120a' + '00'.repeat(9)),
    replaces: [14],
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'V03 VPNv4 prefix length 80',
    bad: attr(0x80, 14, '0001 80 0c 0000000000000000 c000020c 00 50 003e91 0001c000020c0001'),
    replaces: [14],
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'VPNv4 prefix length 0',
    bad: attr(0x80, 14, '0001 80 0c 0000000000000000 c000020c 00 00'),
    replaces: [14],
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'V04 MP_REACH next-hop length 5',
    bad: attr(0x80, 14, '0001 80 05 c000020c00 00' + VPN_NLRI),
    replaces: [14],
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'MP_REACH next-hop length 16 for VPNv4',
    bad: attr(0x80, 14, '0001 80 10 0000000000000000 c000020c 00000000 00' + VPN_NLRI),
    replaces: [14],
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  { name: 'V05 MP_REACH twice', bad: attr(0x80, 14, '0001 84 04 c000020b 00 00'), expectedAction: 'reset', code: 3, subcode: 1 },
  {
    name: 'V06 VPN NLRI truncated',
    bad: attr(0x80, 14, '0001 80 0c 0000000000000000 c000020c 00 70 003e91 0001c000'),
    replaces: [14],
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'an RTC membership of length 16',
    bad: attr(0x80, 14, '0001 84 04 c000020b 00 10 fc00'),
    replaces: [14],
    safi: 132,
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'MP_REACH too short to name its family',
    bad: attr(0x80, 14, '0001'),
    replaces: [14],
    expectedAction: 'reset',
    code: 3,
    subcode: 9,
    noMp: true,
  },
  {
    name: 'MP_UNREACH with trailing bytes after its NLRI (CVE-2023-47234 shape)',
    bad: attr(0x80, 15, '0001 80' + VPN_NLRI + '01'),
    expectedAction: 'afi-safi-disable',
    code: 3,
    subcode: 9,
  },
  { name: 'V08 a VPN route with no route target', bad: attr(0xc0, 8, 'fc000064'), replaces: [16], expectedAction: 'none' },
];

describe('RFC 7606 attribute errors, with the bad attribute first, in the middle and last', () => {
  const rows = ATTR_CASES.flatMap((c) => (['first', 'middle', 'last'] as const).map((at) => ({ ...c, at })));
  it.each(rows)('$name ($at) → $expectedAction', (c) => {
    const out = decode(build(c, c.at), c.ctx ?? IBGP4);
    expect(out.action).toBe(c.expectedAction);
    const f = decisive(out.faults);
    if (c.code !== undefined) expect([f?.code, f?.subcode]).toEqual([c.code, c.subcode]);
    if (c.expectedAction === 'reset') return;
    // Every NLRI is still found, so treat-as-withdraw withdraws all of them.
    const u = out.value as UpdateMessage;
    expect(u.nlri).toEqual([{ family: 'inet' as const, addr: 0xc6336400, len: 24 }]);
    if (c.noMp !== true) expect(u.mpReach?.nlri).toEqual([FRR_VPN_PREFIX]);
    if (c.expectedAction === 'afi-safi-disable') expect(f?.family).toEqual({ afi: 1, safi: c.safi ?? 128 });
  });
});

describe('RFC 7606 attribute errors in context', () => {
  it('keeps the first of duplicate attributes', () => {
    const out = decode(update({ attrs: [attr(0x40, 1, '01'), attr(0x40, 2, ''), attr(0x40, 1, '02'), attr(0x40, 3, 'c000020c')], nlri: CLASSIC_NLRI }));
    expect((out.value as UpdateMessage).attrs.origin).toBe(1);
  });

  it('sends the whole attribute as data for an unknown well-known attribute', () => {
    const out = decode(update({ attrs: [attr(0x40, 0xf0, 'deadbeef')] }));
    expect(toHex(decisive(out.faults)?.data ?? new Uint8Array())).toBe('40f004deadbeef');
  });

  it('passes an unknown optional transitive attribute on byte for byte with PARTIAL', () => {
    const out = decode(build(ATTR_CASES.find((c) => c.name.startsWith('U20')) as AttrCase, 'middle'));
    expect((out.value as UpdateMessage).attrs.unknown).toEqual([{ flags: 0xe0, code: 0xf0, value: h('deadbeef') }]);
  });

  it('leaves out the discarded attribute and keeps the others', () => {
    const out = decode(build({ name: '', bad: attr(0x40, 5, '00000064'), expectedAction: 'discard' }, 'middle'), EBGP4);
    const attrs = (out.value as UpdateMessage).attrs;
    expect(attrs.localPref).toBeUndefined();
    expect(attrs.origin).toBe(0);
    expect(attrs.extCommunities).toEqual([0x0002_fc00_0000_0001n]);
  });
});

interface WholeCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly ctx?: CodecContext;
  readonly expectedAction: FaultAction;
  readonly code?: number;
  readonly subcode?: number;
}

const ORIGIN = attr(0x40, 1, '00');
const AS_PATH = attr(0x40, 2, '');
const NEXT_HOP = attr(0x40, 3, 'c000020c');

const WHOLE_CASES: WholeCase[] = [
  { name: 'U05 ORIGIN missing', bytes: update({ attrs: [AS_PATH, NEXT_HOP], nlri: CLASSIC_NLRI }), expectedAction: 'withdraw', code: 3, subcode: 3 },
  { name: 'AS_PATH missing', bytes: update({ attrs: [ORIGIN, NEXT_HOP], nlri: CLASSIC_NLRI }), expectedAction: 'withdraw', code: 3, subcode: 3 },
  { name: 'U06 NEXT_HOP missing', bytes: update({ attrs: [ORIGIN, AS_PATH], nlri: CLASSIC_NLRI }), expectedAction: 'withdraw', code: 3, subcode: 3 },
  { name: 'NEXT_HOP absent with only MP_REACH', bytes: update({ attrs: [BASE[0]?.[1] as string, ORIGIN, AS_PATH] }), expectedAction: 'none' },
  {
    name: 'ORIGIN missing with only MP_REACH',
    bytes: update({ attrs: [BASE[0]?.[1] as string, AS_PATH] }),
    expectedAction: 'withdraw',
    code: 3,
    subcode: 3,
  },
  { name: 'no attributes at all with NLRI (CVE-2023-41358 shape)', bytes: update({ nlri: CLASSIC_NLRI }), expectedAction: 'withdraw', code: 3, subcode: 3 },
  { name: 'a withdrawal needs no attributes', bytes: update({ withdrawn: CLASSIC_NLRI }), expectedAction: 'none' },
  {
    name: 'U22 the last attribute overruns Total Path Attribute Length',
    bytes: update({ attrs: [ORIGIN, AS_PATH, NEXT_HOP, '400504000000'], nlri: CLASSIC_NLRI }),
    expectedAction: 'withdraw',
    code: 3,
    subcode: 5,
  },
  {
    name: 'two stray bytes after the last attribute',
    bytes: update({ attrs: [ORIGIN, AS_PATH, NEXT_HOP, '4001'], nlri: CLASSIC_NLRI }),
    expectedAction: 'withdraw',
    code: 3,
    subcode: 1,
  },
  {
    name: 'an extended-length header cut after three bytes',
    bytes: update({ attrs: [ORIGIN, AS_PATH, NEXT_HOP, '500100'], nlri: CLASSIC_NLRI }),
    expectedAction: 'withdraw',
    code: 3,
    subcode: 1,
  },
  {
    name: 'U23 Total Path Attribute Length larger than the message',
    bytes: message(2, '0000' + '00ff' + ORIGIN + '00'),
    expectedAction: 'reset',
    code: 3,
    subcode: 1,
  },
  { name: 'U25 Withdrawn Routes Length overrun', bytes: message(2, '00ff 0000'), expectedAction: 'reset', code: 3, subcode: 1 },
  {
    name: 'a Withdrawn Routes Length leaving no room for the attribute length',
    bytes: message(2, '0002 08 0a 00'),
    expectedAction: 'reset',
    code: 3,
    subcode: 1,
  },
  {
    name: 'U24 an IPv4 NLRI prefix length 33',
    bytes: update({ attrs: [ORIGIN, AS_PATH, NEXT_HOP], nlri: '21 c6336400 00' }),
    expectedAction: 'reset',
    code: 3,
    subcode: 10,
  },
  { name: 'a withdrawn prefix length 33', bytes: update({ withdrawn: '21 c6336400 00' }), expectedAction: 'reset', code: 3, subcode: 10 },
  { name: 'a withdrawn prefix overrunning its field', bytes: update({ withdrawn: '18 c633' }), expectedAction: 'reset', code: 3, subcode: 10 },
  {
    name: 'an NLRI prefix overrunning the message',
    bytes: update({ attrs: [ORIGIN, AS_PATH, NEXT_HOP], nlri: '18 c633' }),
    expectedAction: 'reset',
    code: 3,
    subcode: 10,
  },
  {
    name: 'MP_UNREACH twice',
    bytes: update({ attrs: [attr(0x80, 15, '000180'), attr(0x80, 15, '000184')] }),
    expectedAction: 'reset',
    code: 3,
    subcode: 1,
  },
];

describe('RFC 7606 message-level errors', () => {
  it.each(WHOLE_CASES)('$name → $expectedAction', (c) => {
    const out = decode(c.bytes, c.ctx ?? IBGP4);
    expect(out.action).toBe(c.expectedAction);
    const f = decisive(out.faults);
    if (c.code !== undefined) expect([f?.code, f?.subcode]).toEqual([c.code, c.subcode]);
    if (c.expectedAction !== 'withdraw') return;
    const u = out.value as UpdateMessage;
    expect(u.nlri.length + (u.mpReach?.nlri.length ?? 0)).toBeGreaterThan(0);
  });

  it('reports a 2-octet AS_PATH on a 2-octet session as valid', () => {
    const out = decode(update({ attrs: [ORIGIN, attr(0x40, 2, '0201fde8'), NEXT_HOP], nlri: CLASSIC_NLRI }), IBGP2);
    expect(out.action).toBe('none');
  });
});

describe('VPN withdrawals as real speakers send them (RFC 8277 §2.4)', () => {
  // MP_UNREACH_NLRI: AFI 1, SAFI 128, one NLRI of 112 bits:
  // <label field> RD 192.0.2.12:1 (type 1) prefix 198.18.10.0/24.
  const withdrawal = (labelField: string): Uint8Array =>
    update({ attrs: [attr(0x90, 15, `0001 80 70 ${labelField} 0001 c000020c 0001 c6120a`)] });

  for (const [who, field] of [
    ['FRR 8.4 (0x000000, no bottom-of-stack bit)', '000000'],
    ['BIRD 2 (0x000001)', '000001'],
    ['GoBGP (the route label 1001 with bottom-of-stack)', '003e91'],
    ['RFC 8277 compatibility value 0x800000', '800000'],
  ] as const) {
    it(`reads one label field in a withdrawal from ${who} and ignores its value`, () => {
      const { value, faults } = decode(withdrawal(field), IBGP4);
      expect(faults).toEqual([]);
      const m = value as UpdateMessage;
      expect(m.mpUnreach?.nlri).toEqual([{ family: 'inet-vpn' as const, labels: [], rd: 0x0001c000020c0001n, addr: 0xc6120a00, len: 24 }]);
    });
  }
});
