/**
 * Routing instances own their tables, one per family, and replication runs
 * per (VRF family, VPN family) pair: inet ↔ bgp.l3vpn.0 and
 * inet6 ↔ bgp.l3vpn-inet6.0 are the same code.
 */

import { describe, expect, it } from 'vitest';
import { nlriToString, parseIpv6, parseRd, parseRouteTarget, rdToString } from '../../src/bgp/wire/index.js';
import type { Ipv6Prefix, PathAttributes, Vpn6Prefix } from '../../src/bgp/wire/types.js';
import { Rib } from '../../src/rib/rib.js';
import type { Table } from '../../src/rib/table.js';
import { InstanceManager } from '../../src/routing-instances/manager.js';
import { MASTER_INSTANCE, parseInstanceName, tableName, type RoutingInstanceName } from '../../src/routing-instances/name.js';
import { ip, peer } from '../rib/support.js';
import { pathsOf } from '../../src/rib/types.js';

const name = (s: string): RoutingInstanceName => parseInstanceName(s) as RoutingInstanceName;
const BLUE = name('default-domain:demo:blue:blue');
const RED = name('default-domain:demo:red:red');
const RT100 = parseRouteTarget('target:64512:100')!;

describe('table names', () => {
  it('names the master instance tables as Contrail does', () => {
    expect(tableName(MASTER_INSTANCE, 'inet')).toBe('inet.0');
    expect(tableName(MASTER_INSTANCE, 'inet6')).toBe('inet6.0');
    expect(tableName(MASTER_INSTANCE, 'inet-vpn')).toBe('bgp.l3vpn.0');
    expect(tableName(MASTER_INSTANCE, 'inet6-vpn')).toBe('bgp.l3vpn-inet6.0');
    expect(tableName(MASTER_INSTANCE, 'route-target')).toBe('bgp.rtarget.0');
  });

  it('names an instance table <ri>.inet.0 / <ri>.inet6.0, and has none for the VPN and membership families', () => {
    expect(tableName(BLUE, 'inet')).toBe(`${BLUE}.inet.0`);
    expect(tableName(BLUE, 'inet6')).toBe(`${BLUE}.inet6.0`);
    expect(tableName(BLUE, 'inet-vpn')).toBeUndefined();
    expect(tableName(BLUE, 'route-target')).toBeUndefined();
  });
});

function setup(): { rib: Rib; manager: InstanceManager } {
  const rib = new Rib({ routerId: ip('192.0.2.15'), asn: 64512, clusterId: ip('192.0.2.15'), reflector: false });
  const manager = new InstanceManager(rib, 64512, [
    { name: BLUE, id: 1, vnIndex: 1, importTargets: [RT100], exportTargets: [RT100] },
    { name: RED, id: 2, vnIndex: 2, importTargets: [RT100], exportTargets: [] },
  ]);
  return { rib, manager };
}

const v6 = (s: string, len: number): Ipv6Prefix => ({ family: 'inet6', addr: parseIpv6(s)!, len });
const AGENT: PathAttributes = { origin: 2, asPath: [], nextHop: ip('192.0.2.21'), localPref: 100 };
const prefixesOf = (t: Table): string[] => [...t.entries()].map(([, d]) => nlriToString(d.nlri)).sort();

describe('instances and their tables', () => {
  it('gives the master instance every family and other instances inet and inet6', () => {
    const { manager } = setup();
    expect([...manager.master.allTables()].map(([, t]) => t.name)).toEqual([
      'bgp.rtarget.0', 'inet.0', 'inet6.0', 'bgp.l3vpn.0', 'bgp.l3vpn-inet6.0',
    ]);
    expect([...manager.get(BLUE)!.allTables()].map(([f, t]) => `${f}=${t.name}`)).toEqual([
      `inet=${BLUE}.inet.0`, `inet6=${BLUE}.inet6.0`,
    ]);
    expect(manager.byTableName(`${BLUE}.inet6.0`)).toBe(manager.get(BLUE));
  });

  it('exports an inet6 path with an RD to bgp.l3vpn-inet6.0 and leaks it to an importing instance, never to inet', () => {
    const { rib, manager } = setup();
    const blue6 = manager.get(BLUE)!.table('inet6')!;
    const agent = peer({ kind: 'xmpp', name: 'compute-1' });
    rib.addPaths(blue6, agent, AGENT, [v6('2001:db8:5::', 64)], { labels: [25], rd: parseRd('192.0.2.21:1')! });
    const vpn6 = manager.master.table('inet6-vpn')!;
    expect(prefixesOf(vpn6)).toEqual(['192.0.2.21:1:2001:db8:5::/64']);
    const [, dest] = [...vpn6.entries()][0]!;
    expect((dest.nlri as Vpn6Prefix).labels).toEqual([25]);
    expect(pathsOf(dest)[0]!.replicated?.fromTable).toBe(`${BLUE}.inet6.0`);
    expect(pathsOf(dest)[0]!.attrs.attrs.extCommunities).toContain(RT100);
    expect(prefixesOf(manager.get(RED)!.table('inet6')!)).toEqual(['2001:db8:5::/64']);
    expect(pathsOf(manager.get(RED)!.table('inet6')!.get(manager.get(RED)!.table('inet6')!.keyOf(v6('2001:db8:5::', 64)))!)[0]!.rd)
      .toBe(parseRd('192.0.2.21:1'));
    expect(manager.master.table('inet-vpn')!.size).toBe(0);
    expect(manager.get(RED)!.table('inet')!.size).toBe(0);
    rib.withdrawPath(blue6, v6('2001:db8:5::', 64), agent, parseRd('192.0.2.21:1'));
    expect(vpn6.size).toBe(0);
    expect(manager.get(RED)!.table('inet6')!.size).toBe(0);
    expect(rib.store.size).toBe(0);
  });

  it('imports a VPNv6 route into the inet6 table of every instance importing its target', () => {
    const { rib, manager } = setup();
    const gw = peer({ name: 'gw' });
    const n: Vpn6Prefix = { family: 'inet6-vpn', labels: [300], rd: parseRd('192.0.2.11:1')!, addr: 0n, len: 0 };
    rib.addPaths(manager.master.table('inet6-vpn')!, gw, { ...AGENT, origin: 0, extCommunities: [RT100] }, [n]);
    for (const ri of [BLUE, RED]) {
      const t = manager.get(ri)!.table('inet6')!;
      expect(prefixesOf(t)).toEqual(['::/0']);
      const p = pathsOf([...t.entries()][0]![1])[0]!;
      expect([rdToString(p.rd!), p.labels, p.replicated?.fromTable]).toEqual(['192.0.2.11:1', [300], 'bgp.l3vpn-inet6.0']);
    }
    rib.withdrawPath(manager.master.table('inet6-vpn')!, n, gw);
    expect(manager.get(BLUE)!.table('inet6')!.size).toBe(0);
  });

  it('originates route-target membership while an instance has subscribers, through the one way in', () => {
    const { manager } = setup();
    const rtc = manager.master.table('route-target')!;
    manager.subscribe(manager.get(BLUE)!);
    manager.subscribe(manager.get(RED)!);
    expect(prefixesOf(rtc)).toEqual(['64512:target:64512:100', '64512:target:64512:8000001', '64512:target:64512:8000002'].sort());
    manager.unsubscribe(manager.get(BLUE)!);
    expect(prefixesOf(rtc)).toEqual(['64512:target:64512:100', '64512:target:64512:8000002']); // RED still imports 100
    manager.unsubscribe(manager.get(RED)!);
    expect(rtc.size).toBe(0);
  });
});
