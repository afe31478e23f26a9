import { describe, expect, it } from 'vitest';
import type { CodecContext, Fault, PathAttributes } from '../../../src/bgp/wire/index.js';
import { AS_SEQUENCE, AS_SET, encodePathAttributes } from '../../../src/bgp/wire/index.js';
import { decodeAttributes } from '../../../src/bgp/wire/attributes.js';
import { EBGP4, IBGP2, IBGP4, h, toHex } from './support.js';

function decodeList(hex: string, ctx: CodecContext): { attrs: PathAttributes; faults: Fault[] } {
  const buf = h(hex);
  const faults: Fault[] = [];
  const list = decodeAttributes(buf, 0, buf.length, false, ctx, faults);
  return { attrs: list.attrs, faults };
}

const seq = (...asns: number[]) => ({ type: AS_SEQUENCE, asns });
const set = (...asns: number[]) => ({ type: AS_SET, asns });

interface Golden {
  readonly name: string;
  readonly ctx: CodecContext;
  readonly hex: string;
  readonly value: PathAttributes;
}

const LONG_PATH = Array.from({ length: 256 }, (_, i) => 64512 + i);

const GOLDEN: Golden[] = [
  { name: 'ORIGIN IGP', ctx: IBGP4, hex: '40 01 01 00', value: { origin: 0 } },
  { name: 'ORIGIN INCOMPLETE', ctx: IBGP4, hex: '40 01 01 02', value: { origin: 2 } },
  { name: 'an empty iBGP AS_PATH', ctx: IBGP4, hex: '40 02 00', value: { asPath: [] } },
  {
    name: 'a 4-octet AS_PATH sequence',
    ctx: IBGP4,
    hex: '40 02 0a' + ' 02 02' + ' 0000fc00 fa56ea00', // AS_SEQUENCE of 2: 64512 4200000000
    value: { asPath: [seq(64512, 4200000000)] },
  },
  {
    name: 'a 2-octet AS_PATH sequence',
    ctx: IBGP2,
    hex: '40 02 06' + ' 02 02' + ' fde8 fde9', // AS_SEQUENCE 65000 65001
    value: { asPath: [seq(65000, 65001)] },
  },
  {
    name: 'an AS_PATH with a set after a sequence',
    ctx: IBGP4,
    hex: '40 02 10' + ' 02 01 0000fde8' + ' 01 02 0000fde9 0000fdea',
    value: { asPath: [seq(65000), set(65001, 65002)] },
  },
  {
    name: 'a 256-AS path as two segments with an extended length',
    ctx: IBGP4,
    hex:
      '50 02 0404' + // flags with Extended Length, type 2, length 1028
      ' 02 ff ' +
      LONG_PATH.slice(0, 255).map((a) => a.toString(16).padStart(8, '0')).join('') +
      ' 02 01 ' +
      (LONG_PATH[255] as number).toString(16).padStart(8, '0'),
    value: { asPath: [seq(...LONG_PATH.slice(0, 255)), seq(LONG_PATH[255] as number)] },
  },
  { name: 'NEXT_HOP', ctx: IBGP4, hex: '40 03 04 c000020c', value: { nextHop: 0xc000020c } },
  { name: 'MULTI_EXIT_DISC', ctx: IBGP4, hex: '80 04 04 000000c8', value: { med: 200 } },
  { name: 'LOCAL_PREF', ctx: IBGP4, hex: '40 05 04 00000064', value: { localPref: 100 } },
  { name: 'ATOMIC_AGGREGATE', ctx: IBGP4, hex: '40 06 00', value: { atomicAggregate: true } },
  {
    name: 'a 4-octet AGGREGATOR',
    ctx: IBGP4,
    hex: 'c0 07 08 0000fc00 c000020c', // AS 64512, 192.0.2.12
    value: { aggregator: { asn: 64512, address: 0xc000020c } },
  },
  {
    name: 'a 2-octet AGGREGATOR',
    ctx: IBGP2,
    hex: 'c0 07 06 fc00 c000020c',
    value: { aggregator: { asn: 64512, address: 0xc000020c } },
  },
  {
    name: 'COMMUNITIES with NO_EXPORT',
    ctx: IBGP4,
    hex: 'c0 08 08 fc000064 ffffff01',
    value: { communities: [0xfc000064, 0xffffff01] },
  },
  { name: 'ORIGINATOR_ID', ctx: IBGP4, hex: '80 09 04 c000020b', value: { originatorId: 0xc000020b } },
  {
    name: 'CLUSTER_LIST',
    ctx: IBGP4,
    hex: '80 0a 08 c0000201 c0000202',
    value: { clusterList: [0xc0000201, 0xc0000202] },
  },
  {
    name: 'the extended communities a Contrail control node attaches',
    ctx: IBGP4,
    hex:
      'c0 10 20' +
      ' 0002 fc00 007a1201' + // target:64512:8000001
      ' 030c 0000 0000 0002' + // encapsulation:gre
      ' 8071 fc00 00000004' + // originvn:64512:4
      ' 8004 fc00 007a1201', // secgroup:64512:8000001
    value: { extCommunities: [0x0002_fc00_007a_1201n, 0x030c_0000_0000_0002n, 0x8071_fc00_0000_0004n, 0x8004_fc00_007a_1201n] },
  },
  {
    name: 'LARGE_COMMUNITY',
    ctx: IBGP4,
    hex: 'c0 20 0c 0000fc00 00000001 00000002',
    value: { largeCommunities: [{ global: 64512, local1: 1, local2: 2 }] },
  },
  {
    name: 'an unknown optional transitive attribute (OTC, 35) with PARTIAL',
    ctx: IBGP4,
    hex: 'e0 23 04 0000fc00',
    value: { unknown: [{ flags: 0xe0, code: 35, value: h('0000fc00') }] },
  },
  {
    name: 'an unknown attribute keeping its extended length byte for byte',
    ctx: IBGP4,
    hex: 'f0 1d 0003 010203', // BGP-LS (29) with a 2-byte length field
    value: { unknown: [{ flags: 0xf0, code: 29, value: h('010203') }] },
  },
  {
    name: 'AS_PATH with AS_TRANS and AS4_PATH on a 2-octet session',
    ctx: IBGP2,
    hex:
      '40 02 06 02 02 fde9 5ba0' + // AS_PATH: 65001 AS_TRANS
      ' c0 11 0a 02 02 0000fde9 fa56ea00', // AS4_PATH: 65001 4200000000
    value: { asPath: [seq(65001, 4200000000)] },
  },
  {
    name: 'AGGREGATOR with AS_TRANS and AS4_AGGREGATOR on a 2-octet session',
    ctx: IBGP2,
    hex: 'c0 07 06 5ba0 c000020c' + ' c0 12 08 fa56ea00 c000020c',
    value: { aggregator: { asn: 4200000000, address: 0xc000020c } },
  },
];

describe('path attribute golden vectors', () => {
  it.each(GOLDEN)('$name decodes and encodes', ({ ctx, hex, value }) => {
    const { attrs, faults } = decodeList(hex, ctx);
    expect(faults).toEqual([]);
    expect(attrs).toEqual(value);
    expect(toHex(encodePathAttributes(value, ctx))).toBe(hex.replace(/ /g, ''));
  });
});

describe('attribute list behaviour', () => {
  it('sets PARTIAL on an unknown optional transitive attribute when passing it on', () => {
    const { attrs } = decodeList('c0 23 04 0000fc00', IBGP4);
    expect(attrs.unknown).toEqual([{ flags: 0xe0, code: 35, value: h('0000fc00') }]);
    expect(toHex(encodePathAttributes(attrs, IBGP4))).toBe('e0230400' + '00fc00');
  });

  it('drops an unknown optional non-transitive attribute silently', () => {
    const { attrs, faults } = decodeList('80 f0 02 abcd 40 01 01 00', IBGP4);
    expect(attrs).toEqual({ origin: 0 });
    expect(faults).toEqual([]);
  });

  it('writes attributes in ascending type code with unknown ones interleaved', () => {
    const attrs: PathAttributes = {
      extCommunities: [0x0002_fc00_0000_0001n],
      origin: 0,
      unknown: [
        { flags: 0xe0, code: 35, value: h('0000fc00') },
        { flags: 0xe0, code: 12, value: h('01') },
      ],
      asPath: [],
      localPref: 100,
    };
    const hex = toHex(encodePathAttributes(attrs, IBGP4));
    expect(hex).toBe(
      '40010100' + // ORIGIN
        '400200' + // AS_PATH
        '40050400000064' + // LOCAL_PREF
        'e00c0101' + // unknown 12
        'c010080002fc0000000001' + // EXT_COMMUNITIES
        'e0230400' + '00fc00', // unknown 35
    );
  });

  it('leaves out empty lists, a false ATOMIC_AGGREGATE and unset fields', () => {
    const attrs: PathAttributes = { origin: 1, communities: [], extCommunities: [], atomicAggregate: false, clusterList: [] };
    expect(toHex(encodePathAttributes(attrs, IBGP4))).toBe('40010101');
  });

  it('writes AS4_PATH only for the non-confederation part of the path', () => {
    const attrs: PathAttributes = { asPath: [{ type: 3, asns: [65010] }, seq(4200000000)] };
    expect(toHex(encodePathAttributes(attrs, IBGP2))).toBe(
      '400208' + '0301fdf2' + '02015ba0' + // AS_PATH: confed seq 65010, seq AS_TRANS
        'c01106' + '0201fa56ea00', // AS4_PATH: seq 4200000000
    );
    const { attrs: back } = decodeList('4002080301fdf202015ba0c01106' + '0201fa56ea00', IBGP2);
    expect(back).toEqual(attrs);
  });
});

describe('RFC 6793 AS4 reconciliation on decode', () => {
  it('prepends the ASNs added by 2-octet speakers to AS4_PATH', () => {
    const { attrs } = decodeList(
      '40 02 08 02 03 fdea fde9 5ba0' + // AS_PATH 65002 65001 AS_TRANS
        ' c0 11 0a 02 02 0000fde9 fa56ea00', // AS4_PATH 65001 4200000000
      IBGP2,
    );
    expect(attrs.asPath).toEqual([seq(65002, 65001, 4200000000)]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const { attrs } = decodeList('40 02 04 02 01 5ba0' + ' c0 11 0a 02 02 00000001 fa56ea00', IBGP2);
    expect(attrs.asPath).toEqual([seq(23456)]);
  });

  it('ignores AS4_PATH and AS4_AGGREGATOR when AGGREGATOR is not AS_TRANS', () => {
    const { attrs } = decodeList(
      '40 02 04 02 01 5ba0' + ' c0 07 06 fde8 c000020c' + ' c0 11 06 02 01 fa56ea00' + ' c0 12 08 fa56ea00 c000020c',
      IBGP2,
    );
    expect(attrs).toEqual({ asPath: [seq(23456)], aggregator: { asn: 65000, address: 0xc000020c } });
  });

  it('ignores AS4_PATH between 4-octet speakers', () => {
    const { attrs, faults } = decodeList('40 02 06 02 01 0000fde8' + ' c0 11 06 02 01 fa56ea00', IBGP4);
    expect(attrs).toEqual({ asPath: [seq(65000)] });
    expect(faults).toEqual([]);
  });

  it('drops confederation segments from a received AS4_PATH', () => {
    const { attrs } = decodeList('40 02 04 02 01 5ba0' + ' c0 11 0c 03 01 0000fdf2 02 01 fa56ea00', IBGP2);
    expect(attrs.asPath).toEqual([seq(4200000000)]);
  });

  it('discards LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from eBGP peers but keeps the rest', () => {
    const { attrs, faults } = decodeList('40 01 01 00 40 05 04 00000064 80 09 04 c000020b 80 0a 04 c0000201', EBGP4);
    expect(attrs).toEqual({ origin: 0 });
    expect(faults.map((f) => [f.action, f.attr])).toEqual([
      ['discard', 5],
      ['discard', 9],
      ['discard', 10],
    ]);
  });
});
