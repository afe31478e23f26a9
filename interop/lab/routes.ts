/**
 * The common, implementation-neutral shapes that every peer's RIB reader returns,
 * plus small helpers to convert route targets between the notations of GoBGP,
 * FRR and BIRD. Extended communities are normalised to strings:
 * route targets as 'target:<admin>:<assigned>', route origins as
 * 'origin:<admin>:<assigned>'; anything else is kept in a raw, tool-specific form.
 */

/** One VPNv4 path as seen in a peer's own RIB. */
export interface VpnRoute {
  /** Route distinguisher, e.g. '192.0.2.12:1' or '64512:100'. */
  rd: string;
  /** IPv4 prefix, e.g. '198.18.10.0/24'. */
  prefix: string;
  /** MPLS label stack (empty for locally originated routes where the tool hides it). */
  labels: number[];
  nextHop: string;
  /** Normalised extended communities ('target:64512:1', ...). */
  extCommunities: string[];
  originatorId?: string;
  clusterList: string[];
  localPref?: number;
  med?: number;
  asPath: number[];
  /** Selected as best by the peer. */
  best: boolean;
}

/** One route-target-constraint (RFC 4684) route. */
export interface RtcRoute {
  /** Raw NLRI text, e.g. '64512:64512:1'. */
  prefix: string;
  /** Origin AS of the membership, when present. */
  originAs?: number;
  /** Route target in 'target:a:b' form, when present. */
  routeTarget?: string;
  /** The default membership (zero-length NLRI, "send me everything", RFC 4684). */
  isDefault: boolean;
  nextHop: string;
  originatorId?: string;
  clusterList: string[];
  best: boolean;
}

/** Normalised BGP FSM state: 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established'. */
export type SessionState = string;

/** One BGP session as seen from a peer. */
export interface PeerSession {
  neighbor: string;
  state: SessionState;
  peerAs?: number;
  /** When the session last reached Established (ms since epoch, tool resolution: 1 s or 1 ms). */
  upSince?: number;
}

/** A VPNv4 route to originate at a peer. */
export interface VpnRouteSpec {
  rd: string;
  prefix: string;
  label: number;
  /** 'target:64512:1' form. */
  routeTargets: string[];
  /** Next hop the route should carry (FRR can only use its own address). */
  nextHop: string;
}

/** What the tests need from any VPNv4 peer, whatever the implementation. */
export interface VpnSpeaker {
  readonly name: string;
  readonly routerId: string;
  readonly address: string;
  /** Every VPNv4 path in the peer's RIB. */
  vpnRoutes(): Promise<VpnRoute[]>;
  /** Sessions as the peer sees them. */
  sessions(): Promise<PeerSession[]>;
  /** Originates a VPNv4 route (idempotent). */
  announce(spec: VpnRouteSpec): Promise<void>;
  /** Withdraws a route announced with `announce` (idempotent). */
  withdraw(spec: VpnRouteSpec): Promise<void>;
}

/** Splits 'target:64512:1' into ['64512', '1']. */
export function splitTarget(rt: string): [string, string] {
  const m = /^target:(.+):(\d+)$/.exec(rt);
  if (!m || m[1] === undefined || m[2] === undefined) throw new Error(`bad route target ${rt}`);
  return [m[1], m[2]];
}

/** 'target:64512:1' -> '64512:1' (GoBGP and FRR CLI notation). */
export function targetToCli(rt: string): string {
  const [a, b] = splitTarget(rt);
  return `${a}:${b}`;
}

/** Route targets only, sorted. */
export function routeTargetsOf(route: Pick<VpnRoute, 'extCommunities'>): string[] {
  return route.extCommunities.filter((c) => c.startsWith('target:')).sort();
}

/** Paths for a given RD + prefix. */
export function findRoutes(routes: readonly VpnRoute[], rd: string, prefix: string): VpnRoute[] {
  return routes.filter((r) => r.rd === rd && r.prefix === prefix);
}

/** The single best path for RD + prefix, or undefined. */
export function findRoute(routes: readonly VpnRoute[], rd: string, prefix: string): VpnRoute | undefined {
  const all = findRoutes(routes, rd, prefix);
  return all.find((r) => r.best) ?? all[0];
}

/** Normalises a textual FSM state ('Established', 'OpenSent', 6, ...) to lower case without separators. */
export function normaliseState(state: string | number): SessionState {
  if (typeof state === 'number') {
    const names = ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'];
    return names[state] ?? `unknown(${state})`;
  }
  return state.toLowerCase().replace(/[^a-z]/g, '');
}

/** Compact, stable text for failure messages. */
export function formatRoute(route: VpnRoute | undefined): string {
  if (!route) return '(absent)';
  return `${route.rd}:${route.prefix} labels=[${route.labels.join(',')}] nh=${route.nextHop} ` +
    `ec=[${route.extCommunities.join(' ')}] orig=${route.originatorId ?? '-'} cl=[${route.clusterList.join(' ')}]`;
}
