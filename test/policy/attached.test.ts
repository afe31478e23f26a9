/**
 * Routing policies attached by config, in a running node (in process):
 * an instance's import policy on agent routes, its export policy toward
 * bgp.l3vpn.0, and a BGP peer's import policy, each seen where the route
 * goes next (agents' items, the VPN table, the instance tables).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import { nlriToString, parseRd, parseRouteTarget } from '../../src/bgp/wire/index.js';
import type { UpdateMessage } from '../../src/bgp/wire/types.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { TestAgent } from '../support/agent.js';
import { pathsOf } from '../../src/rib/types.js';

const BLUE = 'default-domain:demo:blue:blue';
const config = (blue: string, gw: string): string => `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp:
  listen: { address: 127.0.0.1, port: 0 }
  peers: [{ name: gw, address: 127.0.0.9, asn: 64512, passive: true, families: [inet-vpn], ${gw} }]
xmpp: { listen: { address: 127.0.0.1, port: 0 } }
introspect: { enabled: false }
routing-policies:
  - name: pods-lp
    terms:
      - from: { prefixes: [{ prefix: 10.244.0.0/16, match: orlonger }], protocols: [xmpp] }
        then: { local-pref: 300, add-communities: [64512:44] }
  - name: no-pods-1
    terms:
      - from: { prefixes: [{ prefix: 10.244.1.0/24, match: exact }] }
        then: { action: reject }
  - name: gw-in
    terms:
      - from: { prefixes: [{ prefix: 0.0.0.0/0, match: exact }] }
        then: { action: accept, med: 77 }
      - then: { action: reject }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100], ${blue} }
`;

let server: ServerHandle | undefined;
const agents: TestAgent[] = [];

async function start(blue: string, gw = ''): Promise<ServerHandle> {
  server = await startServer(parseConfigText(config(blue, gw), 'test.yaml'), { logger: pino({ level: 'silent' }) });
  return server;
}

async function agent(s: ServerHandle, name: string): Promise<TestAgent> {
  const a = await TestAgent.connect({ host: '127.0.0.1', port: s.listening.xmpp!.port, name, keepaliveMs: 3000 });
  agents.push(a);
  return a;
}

const vpnPrefixes = (s: ServerHandle): string[] => [...s.peering.tables['inet-vpn']!.entries()].map(([, d]) => nlriToString(d.nlri)).sort();

afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
  await server?.stop();
  server = undefined;
});

describe('routing policies in a running node', () => {
  it('applies an instance import policy to agent routes: changed attributes for matches, the route as received kept beside', async () => {
    const s = await start('import-policies: [pods-lp]');
    const a = await agent(s, 'compute-1');
    a.subscribe(BLUE, 1);
    a.publish(BLUE, { prefix: '10.244.0.0/24', nextHop: '192.0.2.18', label: 51 });
    a.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.18', label: 52 });
    await a.waitFor(() => a.routes(BLUE).size === 2, 3000, 'both items');
    expect(a.routes(BLUE).get('10.244.0.0/24')!.localPref).toBe(300);
    expect(a.routes(BLUE).get('10.244.0.0/24')!.communities).toEqual(['64512:44']);
    expect(a.routes(BLUE).get('10.1.1.3/32')!.localPref).toBe(100);
    const t = s.instances.get(BLUE)!.table('inet')!;
    const path = pathsOf([...t.entries()].map(([, d]) => d).find((d) => nlriToString(d.nlri) === '10.244.0.0/24')!)[0]!;
    expect(path.attrs.attrs.localPref).toBe(300);
    expect(path.received.attrs.localPref).toBe(100);
  });

  it('keeps a prefix an instance export policy rejects out of bgp.l3vpn.0, and only that prefix', async () => {
    const s = await start('export-policies: [no-pods-1]');
    const a = await agent(s, 'compute-1');
    a.subscribe(BLUE, 1);
    a.publish(BLUE, { prefix: '10.244.0.0/24', nextHop: '192.0.2.18', label: 51 });
    a.publish(BLUE, { prefix: '10.244.1.0/24', nextHop: '192.0.2.18', label: 51 });
    await a.waitFor(() => a.routes(BLUE).size === 2, 3000, 'both items at the agent');
    await expect.poll(() => vpnPrefixes(s), { timeout: 3000 }).toEqual(['192.0.2.18:1:10.244.0.0/24']);
    a.withdraw(BLUE, '10.244.0.0/24');
    await expect.poll(() => vpnPrefixes(s), { timeout: 3000 }).toEqual([]);
    expect(s.rib.store.size).toBeGreaterThan(0); // the rejected route's own attributes are still held by its VRF path
  });

  it('applies a BGP peer import policy: accepts and changes the default route, rejects the rest', async () => {
    const s = await start('', 'import-policies: [gw-in]');
    const a = await agent(s, 'compute-1');
    a.subscribe(BLUE, 1);
    const gw = s.bgp.peers.get('gw')!.rib;
    s.peering.peerUp(gw, [{ afi: 1, safi: 128 }], true, 0xc000020b);
    const update = (addr: number, len: number): UpdateMessage => ({
      type: 'update', withdrawn: [], nlri: [],
      attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: [parseRouteTarget('target:64512:100')!] },
      mpReach: { afi: 1, safi: 128, family: 'inet-vpn', nextHop: 0xc000020b, nlri: [{ family: 'inet-vpn', labels: [300], rd: parseRd('192.0.2.11:1')!, addr, len }] },
    });
    s.peering.update(gw, update(0, 0));
    s.peering.update(gw, update(0xc6336400, 24));
    await a.waitFor(() => a.routes(BLUE).has('0.0.0.0/0'), 3000, 'the default route');
    expect(a.routes(BLUE).get('0.0.0.0/0')!.med).toBe(77);
    expect(a.routes(BLUE).has('198.51.100.0/24')).toBe(false);
    // The rejected route is kept, infeasible, in bgp.l3vpn.0 (as received, ready for a policy change).
    const rejected = [...s.peering.tables['inet-vpn']!.entries()].find(([, d]) => nlriToString(d.nlri) === '192.0.2.11:1:198.51.100.0/24')![1];
    expect(pathsOf(rejected).map((p) => p.infeasible)).toEqual(['rejected-by-policy']);
    expect(rejected.ecmpCount).toBe(0);
    expect(gw.paths).toBe(2);
  });
});
