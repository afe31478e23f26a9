import { describe, expect, it } from 'vitest';
import {
  autoRouteTarget,
  encapsulationCommunity,
  encapsulationsOf,
  extCommunityToString,
  isOriginVn,
  isRouteTarget,
  loadBalanceCommunity,
  loadBalanceOf,
  localSequenceCommunity,
  localSequenceOf,
  mobilityCommunity,
  mobilityOf,
  originVnCommunities,
  originVnOf,
  routerMacCommunity,
  routerMacOf,
  securityGroupCommunities,
  securityGroupRefs,
  securityGroupsOf,
  tagCommunities,
  tagsOf,
} from '../../../src/bgp/wire/ext-communities/index.js';

const hex = (s: string): bigint => BigInt(`0x${s.replaceAll(' ', '')}`);
const AS2 = 64512;
const AS4 = 4200000000; // fa56ea00

describe('security groups as Contrail builds them', () => {
  it('gives one 80:04 community per id under a 2-octet AS, and reads the ids back', () => {
    const ecs = securityGroupCommunities(AS2, [8000002, 7]);
    expect(ecs).toEqual([hex('80 04 fc00 007a1202'), hex('80 04 fc00 00000007')]);
    expect(securityGroupsOf(ecs, AS2)).toEqual([8000002, 7]);
  });

  it('gives an (AS4, index) 82:04 community paired with an (index, id) 80:04 community per id under a 4-octet AS', () => {
    const ecs = securityGroupCommunities(AS4, [8000002, 65536, 7]);
    expect(ecs).toEqual([
      hex('82 04 fa56ea00 0000'), hex('80 04 0000 007a1202'),
      hex('82 04 fa56ea00 0001'), hex('80 04 0001 00010000'),
      hex('82 04 fa56ea00 0002'), hex('80 04 0002 00000007'),
    ]);
    expect(ecs.map(extCommunityToString)).toContain('secgroup:4200000000:1');
  });

  it('reads the 4-octet-AS pairs back as the ids, in any community order', () => {
    const ecs = securityGroupCommunities(AS4, [8000002, 65536, 7]);
    const sorted = [...ecs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(securityGroupRefs(sorted)).toEqual([{ asn: AS4, id: 8000002 }, { asn: AS4, id: 65536 }, { asn: AS4, id: 7 }]);
    expect(securityGroupsOf(sorted, AS4)).toEqual([8000002, 65536, 7]);
  });

  it('gives agents only the local AS\'s groups and global ids (1..7999999) of other ASes', () => {
    const ecs = [...securityGroupCommunities(65000, [8000005, 12]), ...securityGroupCommunities(AS4, [8000002])];
    expect(securityGroupsOf(ecs, AS4)).toEqual([12, 8000002]);
    expect(securityGroupsOf(ecs, 65000)).toEqual([8000005, 12]);
  });

  it('reads a lone 82:04 community as (AS4, id) and leaves out ids that cannot be carried', () => {
    expect(securityGroupRefs([hex('82 04 fa56ea00 0009')])).toEqual([{ asn: AS4, id: 9 }]);
    expect(securityGroupCommunities(AS2, [2 ** 32, -1, 1.5])).toEqual([]);
  });
});

describe('tags as Contrail builds them', () => {
  it('pairs 82:84 with 80:84 under a 4-octet AS and uses 80:84 alone under a 2-octet AS', () => {
    expect(tagCommunities(AS2, [3])).toEqual([hex('80 84 fc00 00000003')]);
    const ecs = tagCommunities(AS4, [3, 100000]);
    expect(ecs).toEqual([hex('82 84 fa56ea00 0000'), hex('80 84 0000 00000003'), hex('82 84 fa56ea00 0001'), hex('80 84 0001 000186a0')]);
    expect(tagsOf(ecs)).toEqual([3, 100000]);
  });
});

describe('origin VN as Contrail builds it', () => {
  it.each([
    ['a 2-octet AS', AS2, 1, ['80 71 fc00 00000001']],
    ['a 2-octet AS and a global index', AS2, 8000001, ['80 71 fc00 007a1201']],
    ['a 4-octet AS and a 16-bit index', AS4, 4, ['82 71 fa56ea00 0004']],
    ['a 4-octet AS and an index over 16 bits (the AS_TRANS pair)', AS4, 70000, ['82 71 fa56ea00 5ba0', '80 71 5ba0 00011170']],
  ])('under %s is %j and reads back', (_name, asn, index, golden) => {
    const ecs = originVnCommunities(asn, index);
    expect(ecs).toEqual(golden.map(hex));
    expect(ecs.every(isOriginVn)).toBe(true);
    expect(originVnOf(ecs)).toEqual({ asn, index });
    expect(originVnOf([...ecs].reverse())).toEqual({ asn, index });
  });

  it('is absent from a path without one, and never built for an AS over 32 bits', () => {
    expect(originVnOf([hex('00 02 fc00 00000001')])).toBeUndefined();
    expect(originVnCommunities(2 ** 32, 1)).toEqual([]);
  });
});

describe('automatic route targets (§4.3)', () => {
  it.each([
    [AS2, 1, 'target:64512:8000001'], [AS2, 2, 'target:64512:8000002'], [AS2, 7, 'target:64512:8000007'],
    [AS4, 1, 'target:4200000000:8001'], [AS4, 2, 'target:4200000000:8002'], [AS4, 7, 'target:4200000000:8007'],
  ])('for AS %d and instance id %d is %s', (asn, id, text) => {
    const rt = autoRouteTarget(asn, id);
    expect(rt).toBeDefined();
    expect(isRouteTarget(rt!)).toBe(true);
    expect(extCommunityToString(rt!)).toBe(text);
  });

  it('does not exist when 8000 + id overflows a 4-octet-AS target\'s 16-bit value', () => {
    expect(extCommunityToString(autoRouteTarget(AS4, 57535)!)).toBe('target:4200000000:65535');
    expect(autoRouteTarget(AS4, 57536)).toBeUndefined();
  });
});

describe('other communities the agent path uses', () => {
  it('reads encapsulations, load balance and MAC mobility from a community list', () => {
    const ecs = [encapsulationCommunity(2)!, encapsulationCommunity(13)!, loadBalanceCommunity(['l4-protocol'], true), mobilityCommunity(9, true)!];
    expect(ecs).toEqual([hex('03 0c 00000000 0002'), hex('03 0c 00000000 000d'), hex('03 aa 08 00 80 000000'), hex('06 00 01 00 00000009')]);
    expect(encapsulationsOf(ecs)).toEqual(['gre', 'udp']);
    expect(loadBalanceOf(ecs)).toEqual({ fields: ['l4-protocol'], sourceBias: true });
    expect(mobilityOf(ecs)).toEqual({ seq: 9, sticky: true });
    expect(mobilityOf([])).toBeUndefined();
    expect(isRouteTarget(ecs[0]!)).toBe(false);
  });

  it('gives undefined, not an exception, for a tunnel type or sequence number that does not fit', () => {
    expect(encapsulationCommunity(70000)).toBeUndefined();
    expect(mobilityCommunity(2 ** 32, false)).toBeUndefined();
  });
});

describe('router MAC and local sequence number, as Contrail builds them from a next hop', () => {
  it('gives 06:03 with the six MAC bytes for a non-zero MAC, and reads it back', () => {
    const c = routerMacCommunity('52:54:00:8a:3e:01');
    expect(c).toBe(hex('06 03 5254 008a 3e01'));
    expect(routerMacOf([hex('00 02 fc00 00000064'), c!])).toBe('52:54:00:8a:3e:01');
    expect(extCommunityToString(c!)).toBe('rtrmac:52:54:00:8a:3e:01');
  });

  it('gives no router MAC community for the all-zero MAC or an unparsable one', () => {
    expect(routerMacCommunity('00:00:00:00:00:00')).toBeUndefined();
    expect(routerMacCommunity('52:54:00:8a:3e')).toBeUndefined();
  });

  it('gives c0:00 with the sequence in bytes 2..5 and two zero bytes, none for 0, and reads it back', () => {
    const c = localSequenceCommunity(7);
    expect(c).toBe(hex('c0 00 00000007 0000'));
    expect(localSequenceCommunity(0x80010001)).toBe(hex('c0 00 80010001 0000'));
    expect(localSequenceCommunity(0)).toBeUndefined();
    expect(localSequenceCommunity(2 ** 32)).toBeUndefined();
    expect(localSequenceOf([c!])).toBe(7);
    expect(extCommunityToString(c!)).toBe('local_sequence_number:7');
  });
});
