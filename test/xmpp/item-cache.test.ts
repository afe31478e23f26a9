/**
 * ItemCache renders an item from pieces reused per attribute set; what it
 * sends must be exactly inetItemXml(outItem(dest)), the item built field by
 * field, for any mix of paths: ECMP sets with duplicate next hops, labels
 * zero or not, replicated copies resolved through route targets, origin
 * VNs, tags, security groups, mobility, load balance, IPv4 and IPv6.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encapsulationCommunity, loadBalanceCommunity, makeRd, mobilityCommunity, originVnCommunities, parseRouteTarget,
  securityGroupCommunities, tagCommunities,
} from '../../src/bgp/wire/index.js';
import type { PathAttributes } from '../../src/bgp/wire/types.js';
import { Rib } from '../../src/rib/rib.js';
import type { Path, PeerInfo } from '../../src/rib/types.js';
import { InstanceManager } from '../../src/routing-instances/manager.js';
import { parseInstanceName, type RoutingInstanceName } from '../../src/routing-instances/name.js';
import { outItem, vnResolver } from '../../src/xmpp/agent-routes.js';
import { ItemCache } from '../../src/xmpp/item-cache.js';
import { inetItemXml } from '../../src/xmpp/wire/index.js';

const ASN = 64512;
const BLUE = parseInstanceName('default-domain:demo:blue:blue') as RoutingInstanceName;
const RED = parseInstanceName('default-domain:demo:red:red') as RoutingInstanceName;
const RT_BLUE = parseRouteTarget('target:64512:100')!;
const RT_RED = parseRouteTarget('target:64512:200')!;

function setup(): { rib: Rib; manager: InstanceManager; peers: PeerInfo[] } {
  const rib = new Rib({ routerId: 1, asn: ASN, clusterId: 1, reflector: false });
  const manager = new InstanceManager(rib, ASN, [
    { name: BLUE, id: 1, vnIndex: 1, importTargets: [RT_BLUE, RT_RED], exportTargets: [RT_BLUE] },
    { name: RED, id: 2, vnIndex: 2, importTargets: [RT_RED], exportTargets: [RT_RED] },
  ]);
  const peers = [1, 2, 3].map((i): PeerInfo => ({
    id: rib.allocatePeerId(), name: `agent${i}`, kind: 'xmpp', address: 0x0a000000 + i, asn: ASN, ibgp: true, rrClient: false, routerId: i,
  }));
  return { rib, manager, peers };
}

/** One path's attributes: a few next hops (some shared) and every Contrail community the item shows. */
const attrsArb = fc.record({
  hop: fc.integer({ min: 0, max: 2 }),
  v6: fc.boolean(),
  localPref: fc.constantFrom(100, 200),
  med: fc.constantFrom(undefined, 0, 7),
  encaps: fc.subarray([2, 13, 15]),
  tags: fc.subarray([1, 0x80000001]),
  groups: fc.subarray([8000001, 5]),
  originVn: fc.constantFrom(0, 1, 2, 9),
  mobility: fc.constantFrom(undefined, { seq: 3, sticky: true }),
  lb: fc.boolean(),
  rts: fc.subarray([RT_BLUE, RT_RED]),
  communities: fc.subarray([0xfc000001, 0xffff0002]),
}).map((r): PathAttributes => {
  const ecs: bigint[] = [...r.rts];
  for (const e of r.encaps) ecs.push(encapsulationCommunity(e)!);
  ecs.push(...tagCommunities(ASN, r.tags), ...securityGroupCommunities(ASN, r.groups));
  if (r.originVn) ecs.push(...originVnCommunities(ASN, r.originVn));
  if (r.mobility) ecs.push(mobilityCommunity(r.mobility.seq, r.mobility.sticky)!);
  if (r.lb) ecs.push(loadBalanceCommunity(['l3-source-address', 'l4-protocol'], true));
  const a: PathAttributes = { origin: 2, asPath: [], localPref: r.localPref };
  if (r.v6) a.nextHop6 = (0x20010db8n << 96n) | BigInt(r.hop + 1);
  else a.nextHop = 0xc0000201 + r.hop;
  if (r.med !== undefined) a.med = r.med;
  if (r.communities.length > 0) a.communities = r.communities;
  if (ecs.length > 0) a.extCommunities = [...new Set(ecs)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return a;
});

const pathArb = fc.record({ attrs: fc.integer({ min: 0, max: 2 }), peer: fc.integer({ min: 0, max: 2 }), label: fc.constantFrom(0, 16, 99), replicated: fc.boolean() });

/** Destinations: each prefix with one to three paths, whose attributes come from a pool of three (as an agent's recur). */
const tableArb = fc.record({
  pool: fc.array(attrsArb, { minLength: 3, maxLength: 3 }),
  dests: fc.array(fc.record({ host: fc.integer({ min: 1, max: 40 }), paths: fc.array(pathArb, { minLength: 1, maxLength: 3 }) }), {
    minLength: 1, maxLength: 12,
  }),
});

describe('item cache', () => {
  it('renders every destination exactly as inetItemXml(outItem(dest)) does, for any mix of paths', () => {
    fc.assert(
      fc.property(tableArb, ({ pool, dests }) => {
        const { rib, manager, peers } = setup();
        const inst = manager.get(BLUE)!;
        const table = inst.table('inet')!;
        const cache = new ItemCache(inst, table, manager.instances.values(), ASN);
        const primary: Path = {
          peer: peers[0]!, attrs: rib.store.intern({ origin: 2, asPath: [] }), received: rib.store.intern({ origin: 2, asPath: [] }),
          labels: [], stamp: 0,
        };
        for (const d of dests) {
          d.paths.forEach((p, i) => {
            const set = rib.store.intern(pool[p.attrs]!);
            const rd = makeRd(1, 0x0a000001 + i, 1);
            table.upsert({ family: 'inet', addr: 0x0a010000 + d.host, len: 32 }, {
              peer: peers[p.peer]!, attrs: set, received: set, labels: [p.label], stamp: rib.nextStamp(), rd,
              ...(p.replicated ? { replicated: { fromTable: 'bgp.l3vpn.0', primary } } : {}),
            });
          });
        }
        const resolver = vnResolver(inst, manager.instances.values());
        let rendered = 0;
        for (const [key, dest] of table.entries()) {
          const want = outItem(dest, resolver, ASN);
          const got = cache.render(key);
          expect(got?.xml).toBe(want && inetItemXml(want));
          if (got) expect(got.bytes).toBe(Buffer.byteLength(got.xml, 'utf8'));
          if (want) rendered++;
        }
        // Twice: the second answer comes from the cache and is the same.
        for (const [key, dest] of table.entries()) {
          const want = outItem(dest, resolver, ASN);
          expect(cache.render(key)?.xml).toBe(want && inetItemXml(want));
        }
        expect(cache.hits).toBe(cache.misses);
        return rendered > 0;
      }),
      { numRuns: 150 },
    );
  });

  it('shows a next hop that two ECMP paths share once, with the best path first', () => {
    const { rib, manager, peers } = setup();
    const inst = manager.get(BLUE)!;
    const table = inst.table('inet')!;
    const cache = new ItemCache(inst, table, manager.instances.values(), ASN);
    const set = rib.store.intern({ origin: 2, asPath: [], nextHop: 0xc0000201, localPref: 100 });
    const other = rib.store.intern({ origin: 2, asPath: [], nextHop: 0xc0000202, localPref: 100 });
    const nlri = { family: 'inet' as const, addr: 0x0a010001, len: 32 };
    table.upsert(nlri, { peer: peers[0]!, attrs: set, received: set, labels: [20], stamp: 1, rd: makeRd(1, 1, 1) });
    table.upsert(nlri, { peer: peers[1]!, attrs: set, received: set, labels: [20], stamp: 2, rd: makeRd(1, 2, 1) });
    table.upsert(nlri, { peer: peers[2]!, attrs: other, received: other, labels: [21], stamp: 3, rd: makeRd(1, 3, 1) });
    const key = [...table.entries()][0]![0];
    const xml = cache.render(key)!.xml;
    expect(xml.match(/<next-hop>/g)).toHaveLength(2);
    expect(xml).toContain('<address>192.0.2.1</address><mac/><label>20</label>');
    expect(xml).toContain('<address>192.0.2.2</address><mac/><label>21</label>');
    expect(xml.indexOf('192.0.2.1')).toBeLessThan(xml.indexOf('192.0.2.2'));
  });
});
