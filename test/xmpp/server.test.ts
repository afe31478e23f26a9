/**
 * The control node's agent side, in process over loopback TCP: test agents
 * (test/support/agent.ts) subscribe, publish and withdraw; we check what
 * every agent is pushed and what lands in bgp.l3vpn.0.
 */
import { describe, expect, it } from 'vitest';
import { extCommunityToString, labelList, rdToString, ipv4ToString } from '../../src/bgp/wire/index.js';
import type { VpnPrefix } from '../../src/bgp/wire/types.js';
import { TestAgent } from '../support/agent.js';
import { useXmppNode } from '../support/xmpp-node.js';
import { loadBalanceCommunity } from '../../src/xmpp/agent-routes.js';
import net from 'node:net';
import { agentStreamHeader, subscribeIq } from '../../src/xmpp/wire/index.js';
import type { UpdateMessage } from '../../src/bgp/wire/types.js';
import { parseRd, parseRouteTarget } from '../../src/bgp/wire/index.js';
import { pathsOf } from '../../src/rib/types.js';

const BLUE = 'default-domain:demo:blue:blue';
const RED = 'default-domain:demo:red:red';
const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 }, hold-time: 9 }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100] }
  - { name: "${RED}", vn-index: 2 , import-targets: [target:64512:100] }
`;

const node = useXmppNode(CONFIG);
const agent = (name: string): Promise<TestAgent> => node.agent(name);

const route = (nextHop: string, label: number) => ({ prefix: '10.1.1.3/32', nextHop, label, encapsulations: ['gre', 'udp'], securityGroups: [8000002] });
const nextHopsOf = (a: TestAgent, instance: string, prefix = '10.1.1.3/32'): string[] =>
  (a.routes(instance).get(prefix)?.nextHops ?? []).map((n) => `${n.address}/${n.label}`).sort();

function vpnRoutes(): { rd: string; prefix: string; labels: readonly number[]; communities: string[] }[] {
  const out = [];
  for (const [, dest] of node.server.peering.tables['inet-vpn']!.entries()) {
    const n = dest.nlri as VpnPrefix;
    const best = pathsOf(dest)[0];
    if (!best) continue;
    out.push({
      rd: rdToString(n.rd), prefix: `${ipv4ToString(n.addr)}/${n.len}`, labels: labelList(best.labels),
      communities: (best.attrs.attrs.extCommunities ?? []).map(extCommunityToString),
    });
  }
  return out.sort((a, b) => a.rd.localeCompare(b.rd));
}

describe('vRouter agents over XMPP', () => {
  it('pushes one item with both next hops to every subscribed agent when two agents publish the same prefix (ECMP)', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    a.publish(BLUE, route('192.0.2.21', 25));
    b.publish(BLUE, route('192.0.2.22', 26));
    const both = ['192.0.2.21/25', '192.0.2.22/26'];
    await a.waitFor(() => nextHopsOf(a, BLUE).length === 2, 3000, 'two next hops at compute-1');
    await b.waitFor(() => nextHopsOf(b, BLUE).length === 2, 3000, 'two next hops at compute-2');
    expect(nextHopsOf(a, BLUE)).toEqual(both);
    expect(nextHopsOf(b, BLUE)).toEqual(both);
    const item = a.routes(BLUE).get('10.1.1.3/32')!;
    // Rendered once per change of the prefix, not once per agent: the two agents
    // (in one out-group or two) were sent more items than were rendered.
    const cache = node.server.xmpp!.itemCaches.get(node.server.instances.get(BLUE)!.table('inet')!)!.cache;
    const sent = [...node.server.xmpp!.channels].reduce((n, ch) => n + (ch.session?.stats.itemsSent ?? 0), 0);
    expect(cache.misses).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(cache.misses);
    expect(item.nextHops[0]!.virtualNetwork).toBe('default-domain:demo:blue');
    expect(item.nextHops[0]!.encapsulations).toEqual(['gre', 'udp']);
    expect(item.securityGroups).toEqual([8000002]);
    expect(item.localPref).toBe(100);
    expect(item.med).toBe(200);
  });

  it('exports one VPN route per agent with RD next-hop:instance-id, the export and automatic targets, origin VN and encapsulation', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 3);
    b.subscribe(BLUE, 4);
    a.publish(BLUE, route('192.0.2.21', 25));
    b.publish(BLUE, route('192.0.2.22', 26));
    await expect.poll(() => vpnRoutes().length, { timeout: 3000 }).toBe(2);
    const [r1, r2] = vpnRoutes();
    expect(r1).toMatchObject({ rd: '192.0.2.21:3', prefix: '10.1.1.3/32', labels: [25] });
    expect(r2).toMatchObject({ rd: '192.0.2.22:4', prefix: '10.1.1.3/32', labels: [26] });
    for (const c of ['target:64512:100', 'target:64512:8000001', 'originvn:64512:1', 'encapsulation:gre', 'encapsulation:udp', 'secgroup:64512:8000002']) {
      expect(r1!.communities).toContain(c);
    }
  });

  it('leaks routes into an instance that imports the source instance target, with the source virtual network', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    const c = await agent('compute-3');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    c.subscribe(RED, 2);
    a.publish(BLUE, route('192.0.2.21', 25));
    b.publish(BLUE, route('192.0.2.22', 26));
    await c.waitFor(() => nextHopsOf(c, RED).length === 2, 3000, 'the leaked ECMP item at compute-3');
    expect(nextHopsOf(c, RED)).toEqual(['192.0.2.21/25', '192.0.2.22/26']);
    expect(c.routes(RED).get('10.1.1.3/32')!.nextHops[0]!.virtualNetwork).toBe('default-domain:demo:blue');
  });

  it('keeps red\'s own routes out of blue, which does not import any target red exports', async () => {
    const a = await agent('compute-1');
    const c = await agent('compute-3');
    a.subscribe(BLUE, 1);
    c.subscribe(RED, 2);
    c.publish(RED, { ...route('192.0.2.23', 27), prefix: '10.2.2.2/32' });
    // Red's route is exported (with red's automatic target only) and placed in red's own table...
    await expect.poll(() => vpnRoutes().find((r) => r.rd === '192.0.2.23:2')?.communities.filter((x) => x.startsWith('target:')), { timeout: 3000 })
      .toEqual(['target:64512:8000002']);
    const prefixesOf = (instance: string): string[] =>
      [...node.server.instances.get(instance)!.tables.inet!.entries()].map(([, d]) => `${ipv4ToString((d.nlri as { addr: number }).addr)}/${(d.nlri as { len: number }).len}`);
    expect(prefixesOf(RED)).toContain('10.2.2.2/32');
    // ...but never imported into blue (replication is synchronous with the VPN table change).
    expect(prefixesOf(BLUE)).not.toContain('10.2.2.2/32');
    // A later blue route reaches compute-1, and red's still has not.
    a.publish(BLUE, route('192.0.2.21', 25));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'blue\'s own route at compute-1');
    expect(a.routes(BLUE).has('10.2.2.2/32')).toBe(false);
    expect(prefixesOf(BLUE)).toEqual(['10.1.1.3/32']);
  });

  it('shrinks the ECMP item on a withdraw and retracts the prefix when the last agent disconnects', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    const c = await agent('compute-3');
    for (const x of [a, b]) x.subscribe(BLUE, 1);
    c.subscribe(RED, 2);
    a.publish(BLUE, route('192.0.2.21', 25));
    b.publish(BLUE, route('192.0.2.22', 26));
    await c.waitFor(() => nextHopsOf(c, RED).length === 2, 3000, 'ECMP at compute-3');
    a.withdraw(BLUE, '10.1.1.3/32');
    await c.waitFor(() => nextHopsOf(c, RED).length === 1, 3000, 'one next hop left');
    await b.waitFor(() => nextHopsOf(b, BLUE).length === 1, 3000, 'one next hop left at compute-2');
    expect(nextHopsOf(b, BLUE)).toEqual(['192.0.2.22/26']);
    expect(nextHopsOf(c, RED)).toEqual(['192.0.2.22/26']);
    await b.close();
    await c.waitFor(() => !c.routes(RED).has('10.1.1.3/32'), 3000, 'the retract');
    await a.waitFor(() => !a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the retract at compute-1');
    await expect.poll(() => vpnRoutes().length, { timeout: 3000 }).toBe(0);
  });

  it('carries a non-default load-balance as its extended community to BGP and back to agents, and no community for the default', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publish(BLUE, { ...route('192.0.2.21', 25), loadBalance: { fields: ['l3-source-address', 'l4-protocol'], decision: 'source-bias' } });
    a.publish(BLUE, { ...route('192.0.2.21', 25), prefix: '10.1.1.4/32', loadBalance: { fields: [], decision: 'field-hash' } });
    await a.waitFor(() => a.routes(BLUE).size === 2, 3000, 'both items');
    expect(a.routes(BLUE).get('10.1.1.3/32')!.loadBalance).toEqual({ fields: ['l3-source-address', 'l4-protocol'], decision: 'source-bias' });
    expect(a.routes(BLUE).get('10.1.1.4/32')!.loadBalance).toEqual({ fields: [], decision: '' });
    const lb = vpnRoutes().map((r) => r.communities.filter((c) => c.startsWith('load-balance') || c.startsWith('0x03aa')));
    expect(lb[0]).toHaveLength(1); // 10.1.1.3/32: 03:aa:28:00:80:00:00:00
    expect(lb.flat()).toHaveLength(1); // the default one carries none
    expect(loadBalanceCommunity({ fields: ['l3-source-address', 'l4-protocol'], decision: 'source-bias' })).toBe(0x03aa_2800_8000_0000n);
    expect(loadBalanceCommunity({ fields: ['l3-source-address', 'l3-destination-address', 'l4-protocol', 'l4-source-port', 'l4-destination-port'], decision: 'field-hash' })).toBeUndefined();
  });

  it('replaces an agent path when its next hop changes, without leaving the old one behind', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publish(BLUE, route('192.0.2.21', 25));
    await a.waitFor(() => nextHopsOf(a, BLUE).length === 1, 3000, 'first item');
    a.publish(BLUE, route('192.0.2.31', 27));
    await a.waitFor(() => nextHopsOf(a, BLUE)[0] === '192.0.2.31/27', 3000, 'changed item');
    expect(nextHopsOf(a, BLUE)).toEqual(['192.0.2.31/27']);
    expect(vpnRoutes().map((r) => r.rd)).toEqual(['192.0.2.31:1']);
  });

  it('gives an agent\'s prefixes published with one next hop one shared attribute set, and lets it go with the agent', async () => {
    const store = node.server.rib.store;
    const before = store.size;
    const a = await agent('compute-7');
    a.subscribe(BLUE, 1);
    for (const [i, prefix] of ['10.7.0.1/32', '10.7.0.2/32', '10.7.0.3/32'].entries()) {
      a.publish(BLUE, { ...route('192.0.2.77', 40 + i), prefix });
    }
    a.publish(BLUE, { ...route('192.0.2.77', 50), prefix: '10.7.0.4/32', securityGroups: [8000009] });
    await a.waitFor(() => a.routes(BLUE).size === 4, 3000, 'four items');
    const table = node.server.instances.get(BLUE as never)!.table('inet')!;
    const sets = [...table.entries()].map(([, d]) => pathsOf(d).find((p) => p.peer.name.startsWith('compute-7'))?.attrs).filter((s) => s !== undefined);
    expect(sets).toHaveLength(4);
    expect(new Set(sets).size).toBe(2);
    expect(a.routes(BLUE).get('10.7.0.2/32')?.nextHops.map((n) => n.label)).toEqual([41]);
    await a.close();
    for (let i = 0; i < 300 && store.size !== before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(store.size).toBe(before);
  });

  it('originates route-target membership for the import targets of subscribed instances only', async () => {
    const rtc = () => [...node.server.peering.tables['route-target']!.entries()].length;
    expect(rtc()).toBe(0);
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    await expect.poll(rtc, { timeout: 3000 }).toBe(2); // target:64512:100 and the automatic target
    await a.close();
    await expect.poll(rtc, { timeout: 3000 }).toBe(0);
    expect(node.server.xmpp!.itemCaches.size).toBe(0); // the last subscriber gone, its rendered items too
  });
});

describe('routes from a gateway and slow agents', () => {
  it('gives agents one item with every ECMP path a gateway advertises for a prefix under different RDs', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    const gw = node.server.peering.addPeer(
      { id: node.server.rib.allocatePeerId(), name: 'gw', kind: 'bgp', address: 0xc000020b, asn: 64512, ibgp: true, rrClient: false, routerId: 0x0a00000b },
      ['inet-vpn'],
    );
    node.server.peering.peerUp(gw, [{ afi: 1, safi: 128 }], true, 0x0a00000b);
    const update = (rd: string, label: number, nextHop: number): UpdateMessage => ({
      type: 'update', withdrawn: [], nlri: [],
      attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: [parseRouteTarget('target:64512:100')!] },
      mpReach: { afi: 1, safi: 128, family: 'inet-vpn' as const, nextHop, nlri: [{ family: 'inet-vpn' as const, labels: [label], rd: parseRd(rd)!, addr: 0, len: 0 }] },
    });
    node.server.peering.update(gw, update('192.0.2.11:1', 300, 0xc000020b));
    node.server.peering.update(gw, update('192.0.2.12:1', 301, 0xc000020c));
    await a.waitFor(() => nextHopsOf(a, BLUE, '0.0.0.0/0').length === 2, 3000, 'two gateway next hops');
    expect(nextHopsOf(a, BLUE, '0.0.0.0/0')).toEqual(['192.0.2.11/300', '192.0.2.12/301']);
    const item = a.routes(BLUE).get('0.0.0.0/0')!;
    expect(item.nextHops[0]!.encapsulations).toEqual(['gre']);
    expect(item.nextHops[0]!.virtualNetwork).toBe('default-domain:demo:blue');
    node.server.peering.peerDown(gw);
    await a.waitFor(() => !a.routes(BLUE).has('0.0.0.0/0'), 3000, 'retract after the gateway session ends');
  });

  it('keeps serving every other agent while one subscribed agent stops reading its socket', async () => {
    const port = node.server.listening.xmpp!.port;
    // A raw agent that subscribes, then never reads: its socket buffers fill up.
    const stuck = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => stuck.once('connect', () => resolve()));
    stuck.pause();
    stuck.write(agentStreamHeader({ from: 'stuck', to: 'network-control@contrailsystems.com' }));
    stuck.write(subscribeIq({ agent: 'stuck', id: 's1', instance: BLUE, instanceId: 1 }));
    const pub = await agent('publisher');
    const fast = await agent('fast');
    pub.subscribe(BLUE, 1);
    fast.subscribe(BLUE, 1);
    const N = 3000;
    for (let i = 0; i < N; i++) {
      pub.publish(BLUE, { ...route('192.0.2.21', 25), prefix: `10.${(i >> 8) & 255}.${i & 255}.0/24`, virtualNetwork: 'x'.repeat(200) });
    }
    await fast.waitFor(() => fast.routes(BLUE).size === N, 20_000, `all ${N} routes at the fast agent`);
    const stuckChannel = node.server.xmpp!.byName.get('stuck')!;
    expect(stuckChannel.session!.subs.has(BLUE)).toBe(true);
    // The fast agent may hold everything a flush turn before the stuck one's last items are queued.
    await fast.waitFor(() => stuckChannel.session!.stats.itemsSent >= N, 5_000, `all ${N} items queued toward the stuck agent`);
    expect(stuckChannel.session!.stats.itemsSent).toBe(N); // queued toward it...
    // ...and next to none of it read (a paused Node socket still fills its 64 KiB
    // buffer), while N items are over 1 MB: the rest waits in its socket, not in our way.
    expect(stuck.bytesRead).toBeLessThan(128 * 1024);
    expect(stuckChannel.state).toBe('established');
    stuck.destroy();
  });
});

describe('bad agent input never disturbs another agent', () => {
  async function twoAgentsWithRoutes(): Promise<[TestAgent, TestAgent]> {
    const good = await agent('good');
    const bad = await agent('bad');
    good.subscribe(BLUE, 1);
    bad.subscribe(BLUE, 1);
    good.publish(BLUE, { ...route('192.0.2.21', 25), prefix: '10.9.9.9/32' });
    await good.waitFor(() => good.routes(BLUE).has('10.9.9.9/32'), 3000, 'good route');
    await bad.waitFor(() => bad.routes(BLUE).has('10.9.9.9/32'), 3000, 'good route at bad');
    return [good, bad];
  }

  async function expectIsolated(good: TestAgent, bad: TestAgent): Promise<void> {
    await bad.closed;
    good.publish(BLUE, { ...route('192.0.2.21', 25), prefix: '10.9.9.10/32' });
    await good.waitFor(() => good.routes(BLUE).has('10.9.9.10/32'), 3000, 'good agent still served');
    expect(good.routes(BLUE).has('10.9.9.9/32')).toBe(true);
  }

  // [what, how the bad agent sends it, why the control node must close that session]: a session
  // closed for any other reason (or for no reason of its own) would not show the check works.
  const cases: [string, (bad: TestAgent) => void, RegExp][] = [
    ['malformed XML', (b) => b.sendRaw('<iq type="set" to="x/bgp-peer"><pubsub></iq>'), /^stream error \(not-well-formed\): /],
    ['an entity bomb', (b) => b.sendRaw('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><iq>&lol2;</iq>'),
      /^stream error \(restricted-xml\): DOCTYPE, ENTITY/],
    ['deep nesting', (b) => b.sendRaw(`<iq type="set" to="x/bgp-peer">${'<a>'.repeat(200)}`), /^stream error \(policy-violation\): elements nested deeper than 32$/],
    ['a huge stanza', (b) => b.sendRaw(`<iq type="set" to="x/bgp-peer"><pubsub>${'x'.repeat(2 * 1024 * 1024)}`),
      /^stream error \(policy-violation\): stanza larger than 1048576 bytes$/],
    ['a publish without subscribe', (b) => b.publish('default-domain:demo:green:green', route('192.0.2.23', 30)),
      /^protocol error: publish to default-domain:demo:green:green without a subscription$/],
    ['an unsubscribe from an instance never subscribed', (b) => b.unsubscribe('default-domain:demo:green:green'),
      /^protocol error: spurious unsubscribe from default-domain:demo:green:green$/],
    ['a duplicate subscribe', (b) => b.subscribe(BLUE, 1), /^protocol error: duplicate subscribe to default-domain:demo:blue:blue$/],
  ];
  for (const [what, send, why] of cases) {
    it(`closes only the session that sends ${what}, and withdraws that agent's routes`, async () => {
      const [good, bad] = await twoAgentsWithRoutes();
      bad.publish(BLUE, { ...route('192.0.2.99', 99), prefix: '10.8.8.8/32' });
      await good.waitFor(() => good.routes(BLUE).has('10.8.8.8/32'), 3000, 'bad agent route');
      const channel = node.server.xmpp!.byName.get('bad')!;
      send(bad);
      await expectIsolated(good, bad);
      expect(channel.closeReason).toMatch(why);
      expect((await bad.closed).reason).toBe('CN closed the stream'); // a stream close, not a dropped socket
      await good.waitFor(() => !good.routes(BLUE).has('10.8.8.8/32'), 3000, "bad agent's route withdrawn");
    });
  }

  for (const [what, r] of [
    ['a bad prefix', { ...route('192.0.2.21', 25), prefix: '10.1.1.1/33' }],
    ['a label of zero in a VRF', { ...route('192.0.2.21', 0), prefix: '10.2.2.2/32' }],
    ['a label above 2^24', { ...route('192.0.2.21', 16777216), prefix: '10.2.2.3/32' }],
    ['a zero next hop', { ...route('0.0.0.0', 25), prefix: '10.2.2.4/32' }],
  ] as const) {
    it(`drops an item with ${what}, counts it and keeps the session up`, async () => {
      const [good, bad] = await twoAgentsWithRoutes();
      bad.publish(BLUE, r);
      bad.publish(BLUE, { ...route('192.0.2.22', 26), prefix: '10.7.7.7/32' });
      await good.waitFor(() => good.routes(BLUE).has('10.7.7.7/32'), 3000, 'the next good item');
      expect(good.routes(BLUE).size).toBe(2);
      const session = node.server.xmpp!.byName.get('bad')!.session!;
      expect([...session.stats.dropped.values()].reduce((x, y) => x + y, 0)).toBe(1);
    });
  }

  it('closes a silent agent when its hold timer expires and withdraws its routes, while a talking agent stays', async () => {
    await node.start(CONFIG.replace('hold-time: 9', 'hold-time: 3'));
    node.server.xmpp!.timers.agentHoldTimeSec = 3; // agents at the same hold time (the default assumes 90 s)
    const port = node.server.listening.xmpp!.port;
    const talking = await TestAgent.connect({ host: '127.0.0.1', port, name: 'talking', keepaliveMs: 1000 });
    const silent = await TestAgent.connect({ host: '127.0.0.1', port, name: 'silent', keepaliveMs: 600_000 });
    node.track(talking, silent);
    talking.subscribe(BLUE, 1);
    silent.subscribe(BLUE, 1);
    silent.publish(BLUE, { ...route('192.0.2.22', 26), prefix: '10.6.6.6/32' });
    await talking.waitFor(() => talking.routes(BLUE).has('10.6.6.6/32'), 3000, 'silent agent route');
    const silentChannel = node.server.xmpp!.byName.get('silent')!;
    await silent.closed;
    expect(silentChannel.closeReason).toBe('hold timer expired');
    await talking.waitFor(() => !talking.routes(BLUE).has('10.6.6.6/32'), 3000, 'route withdrawn after hold expiry');
    // The talking agent outlives a whole further hold time: the CN's keepalives (every hold/3 = 1 s)
    // keep arriving, four of them after the silent one's close, and its session is still up.
    const keepalives = talking.stats.keepalives;
    await talking.waitFor(() => talking.stats.keepalives >= keepalives + 4, 8000, 'four more keepalives from the CN');
    expect(node.server.xmpp!.byName.get('talking')?.state).toBe('established'); // (waitFor rejects on a closed connection)
  });

  it('drops a second connection that claims the name of a live agent, and keeps the first', async () => {
    const first = await agent('compute-1');
    first.subscribe(BLUE, 1);
    await expect(agent('compute-1')).rejects.toThrow();
    first.publish(BLUE, route('192.0.2.21', 25));
    await first.waitFor(() => first.routes(BLUE).size === 1, 3000, 'first still served');
  });
});
