/**
 * The XMPP workload, computed the same way by the driver and by every agent
 * host (deterministic, so only the parameters cross the IPC channel).
 *
 * - M routing instances `default-domain:bench:vn<i>:vn<i>` (id i+1,
 *   vn-index i+1; only the automatic route target target:<asn>:8000000+id).
 * - A agents `bench-compute-<j>` with next hop 198.18.0.1 + j (an attribute
 *   value only). Agents come in pairs (2p, 2p+1) that share the same S
 *   instances: (p + s·⌊M/S⌋) mod M.
 * - Agent j publishes R /32 routes, route k into its instance k mod S. The
 *   first ⌈R·ecmp⌉ routes of both agents of a pair use the same prefixes,
 *   so those destinations have two next hops (ECMP, one item with two
 *   next-hops); every other prefix is unique.
 * - Every agent route becomes one VPN route (RD <next hop>:<instance id>), so
 *   a gateway BGP peer ends up with A·R routes.
 */

export interface XmppParams {
  agents: number;
  routesPerAgent: number;
  instances: number;
  subsPerAgent: number;
  ecmp: number;
}

export interface AgentRoute {
  instance: number;
  prefix: string;
  label: number;
}

export const instanceName = (i: number): string => `default-domain:bench:vn${i}:vn${i}`;
export const agentName = (j: number): string => `bench-compute-${j}`;

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export const agentAddress = (j: number): string => ipv4(0xc6120001 + j);

/** Instance indices agent j subscribes to (and publishes into). */
export function agentInstances(p: XmppParams, j: number): number[] {
  const s = Math.max(1, Math.min(p.subsPerAgent, p.instances));
  const stride = Math.max(1, Math.floor(p.instances / s));
  const pair = j >> 1;
  const out: number[] = [];
  for (let i = 0; i < s; i++) {
    const inst = (pair + i * stride) % p.instances;
    if (!out.includes(inst)) out.push(inst);
  }
  return out;
}

export function agentRoutes(p: XmppParams, j: number): AgentRoute[] {
  const insts = agentInstances(p, j);
  const pair = j >> 1;
  const side = j & 1;
  const hasPartner = (j ^ 1) < p.agents;
  const shared = hasPartner ? Math.ceil(p.routesPerAgent * p.ecmp) : 0;
  const out: AgentRoute[] = [];
  for (let k = 0; k < p.routesPerAgent; k++) {
    const uid = (pair * p.routesPerAgent + k) * 2 + (k < shared ? 0 : side);
    if (uid >= 1 << 24) throw new RangeError('too many routes for 10.0.0.0/8');
    out.push({ instance: insts[k % insts.length]!, prefix: `${ipv4(0x0a000000 + uid)}/32`, label: 16 + ((j * p.routesPerAgent + k) % 0xfff00) });
  }
  return out;
}

export interface Expected {
  /** Per instance: distinct prefixes (items) and paths (next-hops summed over items). */
  perInstance: { prefixes: number; paths: number }[];
  /** VPN routes a gateway peer should hold. */
  vpnRoutes: number;
  /** Items every agent should end up holding, summed over agents and their instances. */
  itemsToAgents: number;
}

export function expected(p: XmppParams): Expected {
  const prefixes = Array.from({ length: p.instances }, () => new Set<string>());
  const paths = new Array<number>(p.instances).fill(0);
  let vpn = 0;
  for (let j = 0; j < p.agents; j++) {
    for (const r of agentRoutes(p, j)) {
      prefixes[r.instance]!.add(r.prefix);
      paths[r.instance]!++;
      vpn++;
    }
  }
  const perInstance = prefixes.map((s, i) => ({ prefixes: s.size, paths: paths[i]! }));
  let items = 0;
  for (let j = 0; j < p.agents; j++) for (const i of agentInstances(p, j)) items += perInstance[i]!.prefixes;
  return { perInstance, vpnRoutes: vpn, itemsToAgents: items };
}
