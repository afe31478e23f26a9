import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeExtCommunity,
  encodeExtCommunity,
  extCommunityToString,
  extCommunityType,
  type ExtCommunity,
} from '../../../src/bgp/wire/ext-communities/index.js';

/** 16 hex digits, spaces allowed between fields, to one community. */
const hex = (s: string): bigint => BigInt(`0x${s.replaceAll(' ', '')}`);

/**
 * Golden vectors: bytes (type, subtype, value fields), typed value, Contrail text.
 * Field layouts per contrail-control.md §3.2; 64512 = fc00, 4200000000 = fa56ea00.
 */
const GOLDEN: [string, string, ExtCommunity, string][] = [
  ['route target, 2-octet AS', '00 02 fc00 007a1201', { type: 'route-target', form: 'as2', admin: 64512, value: 8000001 }, 'target:64512:8000001'],
  ['route target, IPv4', '01 02 c0000201 0005', { type: 'route-target', form: 'ipv4', admin: 0xc0000201, value: 5 }, 'target:192.0.2.1:5'],
  ['route target, 4-octet AS', '02 02 fa56ea00 1f41', { type: 'route-target', form: 'as4', admin: 4200000000, value: 8001 }, 'target:4200000000:8001'],
  ['route target, 4-octet form with a small AS', '02 02 00000064 0003', { type: 'route-target', form: 'as4', admin: 100, value: 3 }, 'target:100L:3'],
  ['site of origin', '00 03 fc00 00000009', { type: 'site-of-origin', form: 'as2', admin: 64512, value: 9 }, 'soo:64512:9'],
  ['source AS, 2-octet', '00 09 fc00 00000000', { type: 'source-as', form: 'as2', asn: 64512, value: 0 }, 'source-as:64512:0'],
  ['source AS, 4-octet', '02 09 fa56ea00 0000', { type: 'source-as', form: 'as4', asn: 4200000000, value: 0 }, 'source-as:4200000000:0'],
  ['VRF route import', '01 0b c000020f 0002', { type: 'vrf-route-import', address: 0xc000020f, value: 2 }, 'rt-import:192.0.2.15:2'],
  ['load balance, Contrail\'s default five fields', '03 aa 3e 00 00 000000', { type: 'load-balance', fields: ['l3-source-address', 'l3-destination-address', 'l4-protocol', 'l4-source-port', 'l4-destination-port'], sourceBias: false }, 'load-balance:field-hash'],
  ['tunnel encapsulation gre', '03 0c 00000000 0002', { type: 'encapsulation', tunnelType: 2 }, 'encapsulation:gre'],
  ['tunnel encapsulation MPLS over UDP', '03 0c 00000000 000d', { type: 'encapsulation', tunnelType: 13 }, 'encapsulation:udp'],
  ['tunnel encapsulation, unknown type', '03 0c 00000000 9089', { type: 'encapsulation', tunnelType: 37001 }, 'encapsulation:37001'],
  ['load balance, field hash on l3 addresses', '03 aa 30 00 00 000000', { type: 'load-balance', fields: ['l3-source-address', 'l3-destination-address'], sourceBias: false }, 'load-balance:field-hash'],
  ['load balance, source bias', '03 aa 00 00 80 000000', { type: 'load-balance', fields: [], sourceBias: true }, 'load-balance:source-bias'],
  ['default gateway', '03 0d 000000000000', { type: 'default-gateway' }, 'defaultgw:0'],
  ['MAC mobility', '06 00 00 00 00000005', { type: 'mac-mobility', sticky: false, seq: 5 }, 'mobility:non-sticky:5'],
  ['sticky MAC mobility', '06 00 01 00 00000007', { type: 'mac-mobility', sticky: true, seq: 7 }, 'mobility:sticky:7'],
  ['router MAC', '06 03 005056010203', { type: 'router-mac', mac: '00:50:56:01:02:03' }, 'rtrmac:00:50:56:01:02:03'],
  ['E-Tree leaf with label 16', '06 05 01 0000 000100', { type: 'etree', leaf: true, label: 16 }, 'etree:leaf:16'],
  ['origin VN, 2-octet AS', '80 71 fc00 00000001', { type: 'origin-vn', form: 'as2', asn: 64512, index: 1 }, 'originvn:64512:1'],
  ['origin VN, 4-octet AS', '82 71 fa56ea00 0004', { type: 'origin-vn', form: 'as4', asn: 4200000000, index: 4 }, 'originvn:4200000000:4'],
  ['origin VN, AS_TRANS half', '82 71 fa56ea00 5ba0', { type: 'origin-vn', form: 'as4', asn: 4200000000, index: 23456 }, 'originvn:4200000000:23456'],
  ['security group, 2-octet AS', '80 04 fc00 007a1202', { type: 'security-group', form: 'as2', asn: 64512, id: 8000002 }, 'secgroup:64512:8000002'],
  ['security group, 4-octet AS (AS4, index)', '82 04 fa56ea00 0000', { type: 'security-group', form: 'as4', asn: 4200000000, id: 0 }, 'secgroup:4200000000:0'],
  ['security group, its pair (index, id)', '80 04 0000 007a1202', { type: 'security-group', form: 'as2', asn: 0, id: 8000002 }, 'secgroup:0:8000002'],
  ['tag, 2-octet AS', '80 84 fc00 00000003', { type: 'tag', form: 'as2', asn: 64512, id: 3 }, 'tag:64512:3'],
  ['tag, 4-octet AS', '82 84 fa56ea00 0001', { type: 'tag', form: 'as4', asn: 4200000000, id: 1 }, 'tag:4200000000:1'],
  ['sub-cluster, 2-octet AS', '80 85 fc00 00000002', { type: 'sub-cluster', form: 'as2', asn: 64512, id: 2 }, 'subcluster:64512:2'],
  ['sub-cluster, 4-octet AS', '82 85 fa56ea00 0002', { type: 'sub-cluster', form: 'as4', asn: 4200000000, id: 2 }, 'subcluster:4200000000:2'],
  ['local sequence number', 'c0 00 0000002a 0000', { type: 'local-sequence-number', seq: 42 }, 'local_sequence_number:42'],
  ['unknown type', '42 42 010203040506', { type: 'unknown', raw: 0x4242_0102_0304_0506n }, '0x4242010203040506'],
  ['known type byte, unknown subtype', '80 99 fc00 00000001', { type: 'unknown', raw: 0x8099_fc00_0000_0001n }, '0x8099fc0000000001'],
];

describe('extended-community golden vectors', () => {
  it.each(GOLDEN)('%s decodes to its typed value and text', (_name, bytes, value, text) => {
    expect(decodeExtCommunity(hex(bytes))).toEqual(value);
    expect(extCommunityType(hex(bytes))).toBe(value.type);
    expect(extCommunityToString(hex(bytes))).toBe(text);
  });

  it.each(GOLDEN)('%s encodes back to the same bytes', (_name, bytes, value) => {
    expect(encodeExtCommunity(value)).toBe(hex(bytes));
  });
});

describe('extended-community encoding of values that do not fit', () => {
  const cases: [string, ExtCommunity][] = [
    ['a 2-octet-AS security group with a 4-octet AS', { type: 'security-group', form: 'as2', asn: 4200000000, id: 1 }],
    ['a 4-octet-AS security group with an id of 8000002', { type: 'security-group', form: 'as4', asn: 4200000000, id: 8000002 }],
    ['a 4-octet-AS origin VN with index 70000', { type: 'origin-vn', form: 'as4', asn: 4200000000, index: 70000 }],
    ['a route target with a negative value', { type: 'route-target', form: 'as2', admin: 1, value: -1 }],
    ['a route target with a fractional value', { type: 'route-target', form: 'as2', admin: 1, value: 1.5 }],
    ['a tunnel type over 16 bits', { type: 'encapsulation', tunnelType: 65536 }],
    ['a MAC mobility sequence over 32 bits', { type: 'mac-mobility', sticky: false, seq: 2 ** 32 }],
    ['a router MAC that is not a MAC', { type: 'router-mac', mac: '00:50:56:01:02' }],
    ['an E-Tree label over 20 bits', { type: 'etree', leaf: true, label: 2 ** 20 }],
    ['an unknown value over 64 bits', { type: 'unknown', raw: 1n << 64n }],
  ];
  it.each(cases)('returns undefined, without throwing, for %s', (_name, value) => {
    expect(encodeExtCommunity(value)).toBeUndefined();
  });
});

describe('extended-community properties', () => {
  it('decoding any 64-bit value never throws and re-encodes to a community of the same kind', () => {
    const tops = [0x0002, 0x0102, 0x0202, 0x0003, 0x0009, 0x0209, 0x010b, 0x030c, 0x030d, 0x03aa, 0x0600, 0x0603, 0x0605,
      0x8071, 0x8271, 0x8004, 0x8204, 0x8084, 0x8284, 0x8085, 0x8285, 0xc000];
    const known = fc.tuple(fc.constantFrom(...tops), fc.bigInt({ min: 0n, max: (1n << 48n) - 1n })).map(([t, v]) => (BigInt(t) << 48n) | v);
    const any = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), known);
    fc.assert(fc.property(any, (c) => {
      const d = decodeExtCommunity(c);
      const again = encodeExtCommunity(d);
      expect(again).toBeDefined();
      expect(decodeExtCommunity(again!)).toEqual(d);
      expect(typeof extCommunityToString(c)).toBe('string');
    }), { numRuns: 2000 });
  });

  it('decode(encode(x)) is x for Contrail experimental communities of either width', () => {
    const kinds = ['origin-vn', 'security-group', 'tag', 'sub-cluster'] as const;
    fc.assert(fc.property(fc.constantFrom(...kinds), fc.boolean(), fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffff }), (kind, wide, big, small) => {
      const asn = wide ? big : small;
      const v = wide ? small : big;
      const value: ExtCommunity = kind === 'origin-vn'
        ? { type: kind, form: wide ? 'as4' : 'as2', asn, index: v }
        : { type: kind, form: wide ? 'as4' : 'as2', asn, id: v };
      expect(decodeExtCommunity(encodeExtCommunity(value)!)).toEqual(value);
    }), { numRuns: 1000 });
  });
});
