/**
 * Agents under a 4-octet local AS (node.asn 4200000000), in process over
 * loopback TCP: security groups and origin VN use Contrail's 0x82 forms and
 * their 0x80 pairings (contrail-control.md §3.2), the automatic target is
 * target:<AS>:<8000+id> (§4.3). Regression tests for three bugs: security
 * groups written as 82:04 but read only as 80:04, an id ≥ 65536 making the
 * encoder throw inside the agent session, origin VN read only as 80:71.
 */
import { describe, expect, it } from 'vitest';
import { extCommunityToString, rdToString, securityGroupsOf } from '../../src/bgp/wire/index.js';
import type { VpnPrefix } from '../../src/bgp/wire/types.js';
import type { TestAgent } from '../support/agent.js';
import { useXmppNode } from '../support/xmpp-node.js';
import { pathsOf } from '../../src/rib/types.js';

const AS4 = 4200000000;
const BLUE = 'default-domain:demo:blue:blue';
const RED = 'default-domain:demo:red:red';
const GREEN = 'default-domain:demo:green:green';
const X = `target:${AS4}:100`;
// Blue and green both import and export X, so X alone cannot name the
// source VN of a route leaked into red: only the origin-VN community can.
const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: ${AS4} }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 }, hold-time: 9 }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", id: 1, vn-index: 1, import-targets: [${X}], export-targets: [${X}] }
  - { name: "${RED}", id: 2, vn-index: 2, import-targets: [${X}] }
  - { name: "${GREEN}", id: 7, vn-index: 70000, import-targets: [${X}], export-targets: [${X}] }
`;

const node = useXmppNode(CONFIG);
const agent = (name: string): Promise<TestAgent> => node.agent(name);

const route = (prefix: string, nextHop: string, securityGroups: number[]) =>
  ({ prefix, nextHop, label: 25, encapsulations: ['gre'], securityGroups });

/** The extended communities of the VPN route with this RD, as text, and the path's raw list. */
function vpnRoute(rd: string): { texts: string[]; ecs: readonly bigint[] } | undefined {
  for (const [, dest] of node.server.peering.tables['inet-vpn']!.entries()) {
    if (rdToString((dest.nlri as VpnPrefix).rd) !== rd) continue;
    const ecs = pathsOf(dest)[0]?.attrs.attrs.extCommunities ?? [];
    return { texts: ecs.map(extCommunityToString), ecs };
  }
  return undefined;
}

describe('agents under a 4-octet local AS', () => {
  it('push an item back to a subscribed agent with the security groups another agent published', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    a.publish(BLUE, route('10.1.1.3/32', '192.0.2.21', [7, 12]));
    await b.waitFor(() => b.routes(BLUE).has('10.1.1.3/32'), 3000, 'the item at compute-2');
    expect(b.routes(BLUE).get('10.1.1.3/32')!.securityGroups).toEqual([7, 12]);
  });

  it('keep the session up for a security-group id of 8000002, which survives to another agent and into the VPN route', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    const firstSession = node.server.xmpp!.byName.get('compute-1');
    a.publish(BLUE, route('10.1.1.4/32', '192.0.2.21', [8000002, 65536]));
    await b.waitFor(() => b.routes(BLUE).has('10.1.1.4/32'), 3000, 'the item at compute-2');
    expect(b.routes(BLUE).get('10.1.1.4/32')!.securityGroups).toEqual([8000002, 65536]);
    const vpn = vpnRoute('192.0.2.21:1');
    expect(vpn).toBeDefined();
    expect(vpn!.texts).toEqual(expect.arrayContaining([
      `secgroup:${AS4}:0`, 'secgroup:0:8000002', `secgroup:${AS4}:1`, 'secgroup:1:65536',
    ]));
    expect(securityGroupsOf(vpn!.ecs, AS4)).toEqual([8000002, 65536]);
    // Still the first session: a later publish on it is served.
    a.publish(BLUE, route('10.1.1.5/32', '192.0.2.21', [8000003]));
    await b.waitFor(() => b.routes(BLUE).has('10.1.1.5/32'), 3000, 'a second item on the same session');
    expect(b.routes(BLUE).get('10.1.1.5/32')!.securityGroups).toEqual([8000003]);
    // The same channel object, still established: no close and reconnect in between.
    expect(firstSession?.name).toBe('compute-1');
    expect(node.server.xmpp!.byName.get('compute-1')).toBe(firstSession);
    expect(firstSession!.state).toBe('established');
    expect(node.server.xmpp!.closeReasons.size).toBe(0);
  });

  it('name the source virtual network of routes leaked into another instance from the 4-octet origin-VN community', async () => {
    const a = await agent('compute-1');
    const c = await agent('compute-3');
    const g = await agent('compute-7');
    a.subscribe(BLUE, 1);
    g.subscribe(GREEN, 7);
    c.subscribe(RED, 2);
    a.publish(BLUE, route('10.1.1.3/32', '192.0.2.21', []));
    g.publish(GREEN, route('10.7.7.7/32', '192.0.2.27', []));
    await c.waitFor(() => c.routes(RED).has('10.1.1.3/32') && c.routes(RED).has('10.7.7.7/32'), 3000, 'both leaked items at compute-3');
    expect(c.routes(RED).get('10.1.1.3/32')!.nextHops[0]!.virtualNetwork).toBe('default-domain:demo:blue');
    expect(c.routes(RED).get('10.7.7.7/32')!.nextHops[0]!.virtualNetwork).toBe('default-domain:demo:green');
    expect(vpnRoute('192.0.2.21:1')!.texts).toContain(`originvn:${AS4}:1`);
    // vn-index 70000 needs the AS_TRANS pair.
    expect(vpnRoute('192.0.2.27:7')!.texts).toEqual(expect.arrayContaining([`originvn:${AS4}:23456`, 'originvn:23456:70000']));
  });

  it('export with the automatic target target:<AS>:<8000+id>', async () => {
    const a = await agent('compute-1');
    const g = await agent('compute-7');
    a.subscribe(BLUE, 1);
    g.subscribe(GREEN, 7);
    a.publish(BLUE, route('10.1.1.3/32', '192.0.2.21', []));
    g.publish(GREEN, route('10.7.7.7/32', '192.0.2.27', []));
    await expect.poll(() => vpnRoute('192.0.2.27:7')?.texts, { timeout: 3000 }).toContain(`target:${AS4}:8007`);
    expect(vpnRoute('192.0.2.21:1')!.texts).toContain(`target:${AS4}:8001`);
  });
});
