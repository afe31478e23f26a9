/**
 * A control node in-process for the introspect tests: two routing
 * instances, a BGP peer that never connects, and two vRouter agents with
 * routes (one prefix published by both: ECMP). Introspect is started by
 * the test itself with a fixed clock and host name, so pages are
 * reproducible byte for byte apart from ports.
 */

import { pino } from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import { startIntrospect, type IntrospectOptions, type IntrospectServer } from '../../src/introspect/server.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { TestAgent } from '../support/agent.js';

export const BLUE = 'default-domain:demo:blue:blue';
export const RED = 'default-domain:demo:red:red';
/** 2026-Mar-04 05:06:07.089 UTC: every path's last_modified in these tests. */
export const FIXED_NOW = Date.UTC(2026, 2, 4, 5, 6, 7, 89);

const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp:
  listen: { address: 127.0.0.1, port: 0 }
  peers: [{ name: gw, address: 127.0.0.9, asn: 64512, passive: true, families: [inet-vpn, route-target] }]
xmpp: { listen: { address: 127.0.0.1, port: 0 } }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100] }
  - { name: "${RED}", vn-index: 2, import-targets: [target:64512:200], export-targets: [target:64512:200] }
`;

export interface Node {
  readonly server: ServerHandle;
  readonly introspect: IntrospectServer;
  readonly agents: TestAgent[];
  readonly base: string;
  get(path: string): Promise<{ status: number; type: string; body: string }>;
  stop(): Promise<void>;
}

export async function startNode(opts: IntrospectOptions = {}): Promise<Node> {
  const logger = pino({ level: 'silent' });
  const server = await startServer(parseConfigText(CONFIG, 'test.yaml'), { logger });
  const introspect = await startIntrospect(server, { address: '127.0.0.1', port: 0 }, logger, {
    now: () => FIXED_NOW, hostname: 'cn-test', ...opts,
  });
  const base = `http://127.0.0.1:${introspect.address.port}`;
  const agents: TestAgent[] = [];
  const node: Node = {
    server, introspect, agents, base,
    async get(path) {
      const res = await fetch(base + path);
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
    },
    async stop() {
      for (const a of agents) a.destroy();
      await introspect.close();
      await server.stop();
    },
  };
  return node;
}

export async function connectAgent(node: Node, name: string): Promise<TestAgent> {
  const agent = await TestAgent.connect({ host: '127.0.0.1', port: node.server.listening.xmpp!.port, name });
  node.agents.push(agent);
  return agent;
}

/** The standard scene: compute-1 and compute-2 in blue (10.1.1.3/32 from both), compute-2 also in red. */
export async function withRoutes(node: Node): Promise<void> {
  const c1 = await connectAgent(node, 'compute-1');
  const c2 = await connectAgent(node, 'compute-2');
  c1.subscribe(BLUE, 3);
  c2.subscribe(BLUE, 3);
  c2.subscribe(RED, 4);
  c1.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
  c2.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.22', label: 26 });
  c2.publish(BLUE, { prefix: '10.1.1.4/32', nextHop: '192.0.2.22', label: 27, localPref: 200 });
  c2.publish(RED, { prefix: '10.2.0.0/24', nextHop: '192.0.2.22', label: 28 });
  c1.publish(BLUE, { prefix: '2001:db8:5::5/128', nextHop: '192.0.2.21', label: 29 });
  await c1.waitFor(() => c1.routes(BLUE).size === 2, 3000, 'blue routes at compute-1');
  await c2.waitFor(() => c2.routes(RED).size === 1 && c2.routes(BLUE).size === 2, 3000, 'routes at compute-2');
  await c1.waitFor(() => c1.table(`2/1/${BLUE}`).size === 1, 3000, 'the IPv6 item');
}
