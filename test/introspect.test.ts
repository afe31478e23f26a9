/**
 * The introspect HTTP server, in process: JSON views and Prometheus metrics
 * of a control node with one agent and its routes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfigText } from '../src/config/index.js';
import { startServer, type ServerHandle } from '../src/server.js';
import { TestAgent } from './support/agent.js';

const BLUE = 'default-domain:demo:blue:blue';
const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp:
  listen: { address: 127.0.0.1, port: 0 }
  peers: [{ name: gw, address: 127.0.0.9, asn: 64512, passive: true, families: [inet-vpn, route-target] }]
xmpp: { listen: { address: 127.0.0.1, port: 0 } }
introspect: { listen: { address: 127.0.0.1, port: 0 } }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100] }
`;

let server: ServerHandle;
let agent: TestAgent;
const get = async (path: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://127.0.0.1:${server.listening.introspect!.port}${path}`);
  return { status: res.status, body: await res.text() };
};

beforeEach(async () => {
  server = await startServer(parseConfigText(CONFIG, 'test.yaml'), { logger: pino({ level: 'silent' }) });
  agent = await TestAgent.connect({ host: '127.0.0.1', port: server.listening.xmpp!.port, name: 'compute-1' });
  agent.subscribe(BLUE, 3);
  agent.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
  await agent.waitFor(() => agent.routes(BLUE).size === 1, 3000, 'the item');
});

afterEach(async () => {
  agent.destroy();
  await server.stop();
});

describe('introspect', () => {
  it('shows a VPN route with its RD, label, targets and source agent', async () => {
    const { status, body } = await get('/api/routes?table=bgp.l3vpn.0');
    expect(status).toBe(200);
    const view = JSON.parse(body) as { prefixes: number; routes: { prefix: string; paths: { source: string; labels: number[]; communities: string[]; best: boolean }[] }[] };
    expect(view.prefixes).toBe(1);
    expect(view.routes[0]!.prefix).toBe('192.0.2.21:3:10.1.1.3/32');
    expect(view.routes[0]!.paths[0]).toMatchObject({ source: 'compute-1', labels: [25], best: true });
    expect(view.routes[0]!.paths[0]!.communities).toContain('target:64512:100');
  });

  it('lists the BGP peer and the agent with its instances', async () => {
    const list = JSON.parse((await get('/api/neighbors')).body) as { name: string; encoding: string; state: string; routingInstances?: string[] }[];
    expect(list.find((n) => n.name === 'gw')).toMatchObject({ encoding: 'BGP' });
    expect(list.find((n) => n.name === 'compute-1')).toMatchObject({ encoding: 'XMPP', state: 'Established', routingInstances: [BLUE] });
  });

  it('shows routing instances with their automatic target and subscribers', async () => {
    const list = JSON.parse((await get('/api/instances')).body) as { name: string; importTargets: string[]; subscribers: number }[];
    const blue = list.find((i) => i.name === BLUE)!;
    expect(blue.importTargets).toEqual(['target:64512:100', 'target:64512:8000001']);
    expect(blue.subscribers).toBe(1);
  });

  it('lists every table of every instance, the IPv6 ones included, with their sizes', async () => {
    agent.publish(BLUE, { prefix: '2001:db8:5::5/128', nextHop: '192.0.2.21', label: 25 });
    await agent.waitFor(() => agent.table(`2/1/${BLUE}`).size === 1, 3000, 'the IPv6 item');
    const summary = JSON.parse((await get('/api/summary')).body) as { tables: { name: string; prefixes: number }[] };
    expect(summary.tables.map((t) => [t.name, t.prefixes])).toEqual([
      ['bgp.rtarget.0', 2], // the instance's import targets, while the agent is subscribed
      ['inet.0', 0],
      ['inet6.0', 0],
      ['bgp.l3vpn.0', 1],
      ['bgp.l3vpn-inet6.0', 1],
      [`${BLUE}.inet.0`, 1],
      [`${BLUE}.inet6.0`, 1],
    ]);
    const v6 = JSON.parse((await get('/api/routes?table=bgp.l3vpn-inet6.0')).body) as { routes: { prefix: string; paths: { nextHop: string }[] }[] };
    expect(v6.routes.map((r) => [r.prefix, r.paths[0]!.nextHop])).toEqual([['192.0.2.21:3:2001:db8:5::5/128', '192.0.2.21']]);
    const metrics = (await get('/metrics')).body;
    expect(metrics).toContain(`control_node_routes{table="${BLUE}.inet6.0"} 1`);
    expect(metrics).toContain('control_node_routes{table="bgp.l3vpn-inet6.0"} 1');
  });

  it('exports Prometheus metrics for peers, agents and tables', async () => {
    const { status, body } = await get('/metrics');
    expect(status).toBe(200);
    expect(body).toContain('control_node_bgp_peer_up{peer="gw"} 0');
    expect(body).toContain('control_node_xmpp_sessions 1');
    expect(body).toContain(`control_node_routes{table="${BLUE}.inet.0"} 1`);
    expect(body).toContain('control_node_routes{table="bgp.l3vpn.0"} 1');
  });

  it('answers a bad request with a 4xx and a JSON error, and keeps serving', async () => {
    expect((await get('/api/routes?table=nope')).status).toBe(404);
    expect((await get('/api/routes?limit=0')).status).toBe(400);
    expect((await get('/nowhere')).status).toBe(404);
    expect((await get('/api/summary')).status).toBe(200);
  });
});
