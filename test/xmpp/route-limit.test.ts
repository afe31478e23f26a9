/**
 * xmpp.max-routes-per-agent, in process over loopback: an agent that
 * publishes one route more than the limit is closed — it alone: its routes
 * are withdrawn from the instance and from bgp.l3vpn.0, while another
 * agent's session and routes stay.
 */
import { describe, expect, it } from 'vitest';
import type { TestAgent } from '../support/agent.js';
import { useXmppNode } from '../support/xmpp-node.js';

const BLUE = 'default-domain:demo:blue:blue';
const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 }, max-routes-per-agent: 3 }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100] }
`;

const node = useXmppNode(CONFIG);
const agent = (name: string): Promise<TestAgent> => node.agent(name);

const route = (n: number, nextHop: string) => ({ prefix: `10.1.1.${n}/32`, nextHop, label: 20 + n, encapsulations: ['gre'], securityGroups: [] });
const vpnSize = (): number => node.server.peering.tables['inet-vpn']!.size;

describe('xmpp.max-routes-per-agent', () => {
  it('closes only the agent that publishes one route too many, and withdraws its routes', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    b.publish(BLUE, route(9, '192.0.2.22'));
    for (const n of [1, 2, 3]) a.publish(BLUE, route(n, '192.0.2.21'));
    await expect.poll(vpnSize).toBe(4);
    a.publish(BLUE, route(1, '192.0.2.21')); // a replacement is not a new route
    a.publish(BLUE, route(4, '192.0.2.21'));
    expect((await a.closed).reason).not.toBe('destroyed by agent');
    expect(node.server.xmpp!.closeReasons.get('refused')).toBe(1);
    await expect.poll(vpnSize).toBe(1);
    await b.waitFor(() => b.routes(BLUE).size === 1, 3000, 'only its own route at compute-2');
    expect([...b.routes(BLUE).keys()]).toEqual(['10.1.1.9/32']);
    expect([...node.server.xmpp!.byName.keys()]).toEqual(['compute-2']);
  });

  it('keeps an agent that stays at the limit', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    for (const n of [1, 2, 3]) a.publish(BLUE, route(n, '192.0.2.21'));
    a.withdraw(BLUE, '10.1.1.3/32');
    a.publish(BLUE, route(5, '192.0.2.21'));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.5/32') && !a.routes(BLUE).has('10.1.1.3/32'), 3000, 'route 5 in, route 3 out');
    expect(vpnSize()).toBe(3);
    expect([...node.server.xmpp!.channels].map((c) => c.state)).toEqual(['established']);
  });
});
