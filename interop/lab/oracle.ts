/**
 * Test oracles on top of the peers' RIB readers: what a reflected VPN route
 * must look like at a receiving RR client (RFC 4456: next hop, labels, RD and
 * RTs unchanged; ORIGINATOR_ID = originating peer's router id; CLUSTER_LIST =
 * [cluster id]; empty AS_PATH inside the AS), and bounded "stays absent" checks.
 */
import { findRoute, routeTargetsOf, vpnFamilyOf } from './routes.js';
import type { VpnRoute, VpnRouteSpec, VpnSpeaker } from './routes.js';
import { sleep } from './proc.js';

/** The attributes the tests compare, in a stable, diff-friendly shape. */
export interface ReflectedView {
  rd: string;
  prefix: string;
  labels: number[];
  nextHop: string;
  routeTargets: string[];
  originatorId: string | undefined;
  clusterList: string[];
  asPath: number[];
}

export function viewOf(route: VpnRoute | undefined): ReflectedView | undefined {
  if (!route) return undefined;
  return {
    rd: route.rd,
    prefix: route.prefix,
    labels: route.labels,
    nextHop: route.nextHop,
    routeTargets: routeTargetsOf(route),
    originatorId: route.originatorId,
    clusterList: route.clusterList,
    asPath: route.asPath,
  };
}

/** What `spec`, originated by `source`, must look like after one reflection by cluster `clusterId`. */
export function expectedReflection(spec: VpnRouteSpec, source: Pick<VpnSpeaker, 'routerId'>, clusterId: string): ReflectedView {
  return {
    rd: spec.rd,
    prefix: spec.prefix,
    labels: [spec.label],
    nextHop: spec.nextHop,
    routeTargets: [...spec.routeTargets].sort(),
    originatorId: source.routerId,
    clusterList: [clusterId],
    asPath: [],
  };
}

/** The peer's view of `spec` (best path for its RD + prefix), or undefined when absent. */
export async function viewAt(peer: VpnSpeaker, spec: Pick<VpnRouteSpec, 'rd' | 'prefix'>): Promise<ReflectedView | undefined> {
  return viewOf(findRoute(await peer.vpnRoutes(vpnFamilyOf(spec.prefix)), spec.rd, spec.prefix));
}

/** True when the peer has any path for RD + prefix. */
export async function hasRoute(peer: VpnSpeaker, spec: Pick<VpnRouteSpec, 'rd' | 'prefix'>): Promise<boolean> {
  return findRoute(await peer.vpnRoutes(vpnFamilyOf(spec.prefix)), spec.rd, spec.prefix) !== undefined;
}

/**
 * Checks every `intervalMs` for `durationMs` that the peer never has the route;
 * resolves with the number of checks, throws on the first sighting.
 */
export async function expectAbsentFor(
  peer: VpnSpeaker,
  spec: Pick<VpnRouteSpec, 'rd' | 'prefix'>,
  durationMs: number,
  intervalMs = 250,
): Promise<number> {
  const deadline = Date.now() + durationMs;
  let checks = 0;
  do {
    const seen = findRoute(await peer.vpnRoutes(vpnFamilyOf(spec.prefix)), spec.rd, spec.prefix);
    checks++;
    if (seen) throw new Error(`${peer.name} unexpectedly has ${spec.rd}:${spec.prefix}`);
    await sleep(intervalMs);
  } while (Date.now() < deadline);
  return checks;
}

/** State of the session towards `neighbor`, from the peer's own view ('absent' when unknown). */
export async function sessionStateAt(peer: VpnSpeaker, neighbor: string): Promise<string> {
  const s = (await peer.sessions()).find((x) => x.neighbor === neighbor);
  return s?.state ?? 'absent';
}

/** When the peer's session to `neighbor` last became Established (ms epoch), if it is up. */
export async function sessionUpSince(peer: VpnSpeaker, neighbor: string): Promise<number | undefined> {
  const s = (await peer.sessions()).find((x) => x.neighbor === neighbor);
  return s?.state === 'established' ? s.upSince : undefined;
}
