import { describe, expect, it } from 'vitest';
import {
  encapsulationCommunity,
  extCommunityToString,
  ipv4ToString,
  isRouteTarget,
  makeRd,
  originVnCommunities,
  parseIpv4,
  parsePrefix,
  parseRd,
  parseRouteTarget,
  parseRtMembership,
  prefixToString,
  rdToString,
  rtMembershipToString,
  securityGroupCommunities,
  vpnPrefixToString,
} from '../../../src/bgp/wire/index.js';

describe('IPv4 text forms', () => {
  it('formats and parses dotted quads', () => {
    expect(ipv4ToString(0xc0000201)).toBe('192.0.2.1');
    expect(ipv4ToString(0)).toBe('0.0.0.0');
    expect(ipv4ToString(0xffffffff)).toBe('255.255.255.255');
    expect(parseIpv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
  });

  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '', ' 1.2.3.4'])('rejects %j', (s) => {
    expect(parseIpv4(s)).toBeUndefined();
  });

  it('parses prefixes and clears host bits', () => {
    expect(parsePrefix('198.18.10.0/24')).toEqual({ family: 'inet' as const, addr: 0xc6120a00, len: 24 });
    expect(parsePrefix('10.1.2.3/8')).toEqual({ family: 'inet' as const, addr: 0x0a000000, len: 8 });
    expect(parsePrefix('0.0.0.0/0')).toEqual({ family: 'inet' as const, addr: 0, len: 0 });
    expect(parsePrefix('10.0.0.0/33')).toBeUndefined();
    expect(parsePrefix('10.0.0.0')).toBeUndefined();
    expect(prefixToString({ addr: 0xc6120a00, len: 24 })).toBe('198.18.10.0/24');
  });
});

describe('route distinguishers', () => {
  const cases: Array<[string, bigint]> = [
    ['64512:100', 0x0000_fc00_0000_0064n], // type 0: ASN 2 bytes, value 4 bytes
    ['192.0.2.12:1', 0x0001_c000_020c_0001n], // type 1: IPv4, value 2 bytes
    ['4200000000:7', 0x0002_fa56_ea00_0007n], // type 2: ASN 4 bytes, value 2 bytes
    ['100L:7', 0x0002_0000_0064_0007n], // type 2 with a small ASN keeps its type
    ['3:01:02:03:04:05:06', 0x0003_0102_0304_0506n], // unknown type, raw bytes
  ];
  it.each(cases)('formats and parses %s', (text, rd) => {
    expect(rdToString(rd)).toBe(text);
    expect(parseRd(text)).toBe(rd);
  });

  it('builds RDs from their fields', () => {
    expect(makeRd(1, 0xc000020c, 1)).toBe(0x0001_c000_020c_0001n);
    expect(makeRd(0, 64512, 100)).toBe(0x0000_fc00_0000_0064n);
    expect(() => makeRd(0, 70000, 1)).toThrow(RangeError);
    expect(() => makeRd(1, 1, 70000)).toThrow(RangeError);
  });

  it.each(['64512', '64512:4294967296', '4200000000:65536', '192.0.2.1:65536', 'x:1', '1.2.3:4'])('rejects %j', (s) => {
    expect(parseRd(s)).toBeUndefined();
  });
});

describe('route targets', () => {
  const cases: Array<[string, bigint]> = [
    ['target:64512:1', 0x0002_fc00_0000_0001n],
    ['target:64512:8000001', 0x0002_fc00_007a_1201n],
    ['target:192.0.2.1:5', 0x0102_c000_0201_0005n],
    ['target:4200000000:3', 0x0202_fa56_ea00_0003n],
    ['target:100L:3', 0x0202_0000_0064_0003n],
  ];
  it.each(cases)('formats and parses %s', (text, rt) => {
    expect(parseRouteTarget(text)).toBe(rt);
    expect(extCommunityToString(rt)).toBe(text);
    expect(isRouteTarget(rt)).toBe(true);
  });

  it('rejects malformed targets', () => {
    expect(parseRouteTarget('64512:1')).toBeUndefined();
    expect(parseRouteTarget('target:64512')).toBeUndefined();
    expect(parseRouteTarget('target:3:01:02:03:04:05:06')).toBeUndefined();
    expect(isRouteTarget(0x030c_0000_0000_0002n)).toBe(false);
  });
});

describe('Contrail extended communities', () => {
  const cases: Array<[string, bigint, string]> = [
    ['encapsulation GRE', 0x030c_0000_0000_0002n, 'encapsulation:gre'],
    ['encapsulation MPLS-over-UDP', 0x030c_0000_0000_000dn, 'encapsulation:udp'],
    ['encapsulation VXLAN', 0x030c_0000_0000_0008n, 'encapsulation:vxlan'],
    ['legacy Contrail MPLS-o-UDP tunnel type', 0x030c_0000_0000_9089n, 'encapsulation:37001'],
    ['origin VN 64512:4', 0x8071_fc00_0000_0004n, 'originvn:64512:4'],
    ['origin VN with a 4-octet ASN', 0x8271_fa56_ea00_0004n, 'originvn:4200000000:4'],
    ['security group 8000001', 0x8004_fc00_007a_1201n, 'secgroup:64512:8000001'],
    ['tag', 0x8084_fc00_0000_0003n, 'tag:64512:3'],
    ['load balance, field hash', 0x03aa_f800_0000_0000n, 'load-balance:field-hash'],
    ['load balance, source bias', 0x03aa_0000_8000_0000n, 'load-balance:source-bias'],
    ['MAC mobility', 0x0600_0000_0000_0005n, 'mobility:non-sticky:5'],
    ['sticky MAC mobility', 0x0600_0100_0000_0007n, 'mobility:sticky:7'],
    ['router MAC', 0x0603_0050_5601_0203n, 'rtrmac:00:50:56:01:02:03'],
    ['site of origin', 0x0003_fc00_0000_0009n, 'soo:64512:9'],
    ['default gateway', 0x030d_0000_0000_0000n, 'defaultgw:0'],
    ['local sequence number', 0xc000_0000_002a_0000n, 'local_sequence_number:42'],
    ['unknown type', 0x4242_0102_0304_0506n, '0x4242010203040506'],
  ];
  it.each(cases)('formats %s', (_name, c, text) => {
    expect(extCommunityToString(c)).toBe(text);
  });

  it('builds the communities the control node attaches, pairing the 4-octet-AS forms instead of throwing', () => {
    expect(encapsulationCommunity(2)).toBe(0x030c_0000_0000_0002n);
    expect(originVnCommunities(64512, 4)).toEqual([0x8071_fc00_0000_0004n]);
    expect(securityGroupCommunities(64512, [8000001])).toEqual([0x8004_fc00_007a_1201n]);
    expect(securityGroupCommunities(4200000000, [5])).toEqual([0x8204_fa56_ea00_0000n, 0x8004_0000_0000_0005n]);
    expect(originVnCommunities(4200000000, 70000)).toEqual([0x8271_fa56_ea00_5ba0n, 0x8071_5ba0_0001_1170n]);
  });
});

describe('NLRI text forms', () => {
  it('formats a VPN prefix as RD:prefix', () => {
    const p = { family: 'inet-vpn' as const, labels: [1001], rd: 0x0001_c000_020c_0001n, addr: 0xc6120a00, len: 24 };
    expect(vpnPrefixToString(p)).toBe('192.0.2.12:1:198.18.10.0/24');
  });

  it('formats and parses route-target memberships', () => {
    const full = { family: 'route-target' as const, len: 96, originAs: 64512, target: 0x0002_fc00_0000_0001n };
    expect(rtMembershipToString(full)).toBe('64512:target:64512:1');
    expect(parseRtMembership('64512:target:64512:1')).toEqual(full);
    expect(rtMembershipToString({ family: 'route-target' as const, len: 0, originAs: 0, target: 0n })).toBe('default');
    expect(parseRtMembership('default')).toEqual({ family: 'route-target' as const, len: 0, originAs: 0, target: 0n });
    expect(parseRtMembership('0:target:0:0')).toEqual({ family: 'route-target' as const, len: 0, originAs: 0, target: 0n });
    const partial = { family: 'route-target' as const, len: 48, originAs: 64512, target: 0x0002_0000_0000_0000n };
    expect(rtMembershipToString(partial)).toBe('64512:0x0002000000000000/48');
    expect(parseRtMembership('64512:0x0002000000000000/48')).toEqual(partial);
    expect(parseRtMembership('64512:0x0002000000000000/20')).toBeUndefined();
  });
});
