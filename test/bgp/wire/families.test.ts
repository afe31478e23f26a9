import { describe, expect, it } from 'vitest';
import type { Ipv4Prefix, RtMembership, VpnPrefix } from '../../../src/bgp/wire/index.js';
import { familyKey, familyName, familyOf } from '../../../src/bgp/wire/index.js';
import type { FamilyCodec } from '../../../src/bgp/wire/families/codec.js';
import type { FamilyName, NlriOf } from '../../../src/bgp/wire/types.js';
import { inetCodec } from '../../../src/bgp/wire/families/inet.js';
import { inetVpnCodec } from '../../../src/bgp/wire/families/inet-vpn.js';
import { compactLabels, firstLabel, labelCount, labelList, NO_LABELS } from '../../../src/bgp/wire/families/labeled.js';
import { rtargetCodec } from '../../../src/bgp/wire/families/rtarget.js';
import { Reader } from '../../../src/bgp/wire/reader.js';
import { Writer } from '../../../src/bgp/wire/writer.js';
import { h, toHex } from './support.js';

function decodeAll<F extends FamilyName>(codec: FamilyCodec<F>, bytes: Uint8Array): NlriOf[F][] | string {
  return codec.decodeNlri(new Reader(bytes));
}

function encodeAll<F extends FamilyName>(codec: FamilyCodec<F>, list: readonly NlriOf[F][]): string {
  const w = new Writer();
  for (const p of list) codec.encodeNlri(p, w);
  const out = w.finish();
  expect(out.length).toBe(list.reduce((n, p) => n + codec.nlriLength(p), 0));
  return toHex(out);
}

describe('family registry', () => {
  it('maps names, numbers and keys', () => {
    expect(familyOf('inet')).toMatchObject({ afi: 1, safi: 1 });
    expect(familyOf('inet6')).toMatchObject({ afi: 2, safi: 1 });
    expect(familyOf('inet-vpn')).toMatchObject({ afi: 1, safi: 128 });
    expect(familyOf('inet6-vpn')).toMatchObject({ afi: 2, safi: 128 });
    expect(familyOf('route-target')).toMatchObject({ afi: 1, safi: 132 });
    expect(familyName({ afi: 1, safi: 128 })).toBe('inet-vpn');
    expect(familyName({ afi: 2, safi: 1 })).toBe('inet6');
    expect(familyName({ afi: 2, safi: 128 })).toBe('inet6-vpn');
    expect(familyName({ afi: 25, safi: 70 })).toBeUndefined();
    expect(familyKey({ afi: 1, safi: 132 })).toBe('1/132');
  });
});

describe('inet NLRI (1/1)', () => {
  const cases: Array<[string, string, Ipv4Prefix[]]> = [
    ['a /24 takes three address bytes', '18 c6120a', [{ family: 'inet' as const, addr: 0xc6120a00, len: 24 }]],
    ['the default route takes none', '00', [{ family: 'inet' as const, addr: 0, len: 0 }]],
    ['a /32 takes four', '20 c0000201', [{ family: 'inet' as const, addr: 0xc0000201, len: 32 }]],
    ['a /17 takes three', '11 0a0080', [{ family: 'inet' as const, addr: 0x0a008000, len: 17 }]],
    ['several in a row', '08 0a 10 ac10', [{ family: 'inet' as const, addr: 0x0a000000, len: 8 }, { family: 'inet' as const, addr: 0xac100000, len: 16 }]],
  ];
  it.each(cases)('%s', (_name, hex, value) => {
    expect(decodeAll(inetCodec, h(hex))).toEqual(value);
    expect(encodeAll(inetCodec, value)).toBe(hex.replace(/ /g, ''));
  });

  it('clears host bits past the prefix length on decode', () => {
    expect(decodeAll(inetCodec, h('14 0a0fff'))).toEqual([{ family: 'inet' as const, addr: 0x0a0ff000, len: 20 }]);
  });

  it.each([
    ['prefix length 33', '21 0a000000 00'],
    ['a prefix running past the field', '18 0a00'],
  ])('rejects %s', (_name, hex) => {
    expect(typeof decodeAll(inetCodec, h(hex))).toBe('string');
  });
});

describe('inet-vpn NLRI (1/128)', () => {
  const frr: VpnPrefix = { family: 'inet-vpn' as const, labels: 1001, rd: 0x0001_c000_020c_0001n, addr: 0xc6120a00, len: 24 };
  const cases: Array<[string, string, VpnPrefix[]]> = [
    [
      'FRR 192.0.2.12:1:198.18.10.0/24 label 1001',
      '70' + // length 112 = 24 label + 64 RD + 24 prefix
        '003e91' + // label 1001 << 4, bottom of stack
        '0001 c000020c 0001' + // RD type 1 192.0.2.12:1
        'c6120a', // 198.18.10.0
      [frr],
    ],
    [
      'a two-label stack sets S only on the last label',
      '88' + // 136 = 48 + 64 + 24
        '000640' + // label 100, S=0
        '000c81' + // label 200, S=1
        '0000 fc00 00000064' + // RD type 0 64512:100
        '0a0101', // 10.1.1.0/24
      [{ family: 'inet-vpn' as const, labels: [100, 200], rd: 0x0000_fc00_0000_0064n, addr: 0x0a010100, len: 24 }],
    ],
    [
      'a withdrawal with the RFC 8277 compatibility label has no labels',
      '78' + // 120 = 24 + 64 + 32
        '800000' + // compatibility label
        '0002 fa56ea00 0007' + // RD type 2 4200000000:7
        'c0000201', // 192.0.2.1/32
      [{ family: 'inet-vpn' as const, labels: [], rd: 0x0002_fa56_ea00_0007n, addr: 0xc0000201, len: 32 }],
    ],
    [
      'an unknown RD type is kept raw and the default route has no address bytes',
      '58' + // 88 = 24 + 64 + 0
        '000031' + // label 3, S
        '0007 010203040506', // RD type 7
      [{ family: 'inet-vpn' as const, labels: 3, rd: 0x0007_0102_0304_0506n, addr: 0, len: 0 }],
    ],
  ];
  it.each(cases)('%s', (_name, hex, value) => {
    expect(decodeAll(inetVpnCodec, h(hex))).toEqual(value);
    expect(encodeAll(inetVpnCodec, value)).toBe(hex.replace(/ /g, ''));
  });

  it('writes each NLRI\'s own RD when consecutive NLRI alternate between RDs (the last RD\'s halves are reused only for an equal RD)', () => {
    const a = 0x0001_c000_020c_0001n;
    const b = 0x0002_fa56_ea00_0007n;
    const list: VpnPrefix[] = [a, a, b, a, (a << 1n) >> 1n].map((rd, i) => ({ family: 'inet-vpn' as const, labels: 16 + i, rd, addr: 0x0a000000 + i, len: 32 }));
    const hex = encodeAll(inetVpnCodec, list);
    // 16 bytes each: length, one label, RD, 4 address bytes.
    const rds = list.map((_, i) => hex.slice(32 * i + 8, 32 * i + 24));
    expect(rds).toEqual(['0001c000020c0001', '0001c000020c0001', '0002fa56ea000007', '0001c000020c0001', '0001c000020c0001']);
    expect(decodeAll(inetVpnCodec, h(hex))).toEqual(list);
  });

  it('decodes one label as a number, a stack as an array, and encodes a one-label list as its number', () => {
    const one = decodeAll(inetVpnCodec, h('70 003e91 0001c000020c0001 c6120a')) as VpnPrefix[];
    expect(one[0]!.labels).toBe(1001);
    const two = decodeAll(inetVpnCodec, h('88 000640 000c81 0000fc0000000064 0a0101')) as VpnPrefix[];
    expect(two[0]!.labels).toEqual([100, 200]);
    const asList = { ...one[0]!, labels: [1001] };
    expect(encodeAll(inetVpnCodec, [asList])).toBe(encodeAll(inetVpnCodec, one));
    expect([labelList(1001), labelList([100, 200]), labelList(NO_LABELS)]).toEqual([[1001], [100, 200], []]);
    expect([firstLabel(1001), firstLabel([100, 200]), firstLabel(NO_LABELS)]).toEqual([1001, 100, undefined]);
    expect([labelCount(7), labelCount([1, 2]), labelCount([]), compactLabels([5]), compactLabels([5, 6])]).toEqual([1, 2, 0, 5, [5, 6]]);
  });

  it('gives withdrawn NLRI one shared, frozen empty label list', () => {
    const hex = '78 800000 0002fa56ea000007 c0000201 78 800000 0002fa56ea000007 c0000202';
    const out = decodeAll(inetVpnCodec, h(hex)) as VpnPrefix[];
    expect(out.map((n) => n.addr)).toEqual([0xc0000201, 0xc0000202]);
    expect(out[0]!.labels).toBe(out[1]!.labels);
    expect(Object.isFrozen(out[0]!.labels)).toBe(true);
  });

  it.each([
    ['prefix length 200 (CVE-2016-2342 shape)', 'c8 003e91 0001c000020c0001 c6120a000000000000000000'],
    ['prefix length 80, below label + RD', '50 003e91 0001c000020c0001'],
    ['prefix length 0', '00'],
    ['a label stack with no bottom-of-stack bit', '70 003e90 0001c000020c0001 c6120a'],
    ['truncated inside the RD', '70 003e91 0001c000'],
    ['truncated inside the prefix', '70 003e91 0001c000020c0001 c612'],
  ])('rejects %s', (_name, hex) => {
    expect(typeof decodeAll(inetVpnCodec, h(hex))).toBe('string');
  });
});

describe('route-target NLRI (1/132)', () => {
  const cases: Array<[string, string, RtMembership[]]> = [
    [
      'GoBGP 64512:64512:1',
      '60' + // 96 bits
        '0000fc00' + // origin AS 64512
        '0002 fc00 00000001', // target:64512:1
      [{ family: 'route-target' as const, len: 96, originAs: 64512, target: 0x0002_fc00_0000_0001n }],
    ],
    ['the default membership', '00', [{ family: 'route-target' as const, len: 0, originAs: 0, target: 0n }]],
    [
      'a partial target of 16 bits (type and subtype)',
      '30' + // 48 bits
        '0000fc00' + // origin AS
        '0002', // first two target bytes
      [{ family: 'route-target' as const, len: 48, originAs: 64512, target: 0x0002_0000_0000_0000n }],
    ],
  ];
  it.each(cases)('%s', (_name, hex, value) => {
    expect(decodeAll(rtargetCodec, h(hex))).toEqual(value);
    expect(encodeAll(rtargetCodec, value)).toBe(hex.replace(/ /g, ''));
  });

  it('masks target bits past the prefix length', () => {
    expect(decodeAll(rtargetCodec, h('2c 0000fc00 00ff'))).toEqual([{ family: 'route-target' as const, len: 44, originAs: 64512, target: 0x00f0_0000_0000_0000n }]);
  });

  it.each([
    ['length 16', '10 fc00'],
    ['length 97', '61 0000fc00 0002fc0000000001 00'],
    ['truncated', '60 0000fc00 0002fc00'],
  ])('rejects %s', (_name, hex) => {
    expect(typeof decodeAll(rtargetCodec, h(hex))).toBe('string');
  });
});
