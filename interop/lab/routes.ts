/**
 * The common, implementation-neutral shapes that every peer's RIB reader returns,
 * plus small helpers to convert route targets between the notations of GoBGP,
 * FRR and BIRD. Extended communities are normalised to strings:
 * route targets as 'target:<admin>:<assigned>', route origins as
 * 'origin:<admin>:<assigned>'; anything else is kept in a raw, tool-specific form.
 */

/** The VPN families the lab speaks: VPN-IPv4 (RFC 4364) and VPN-IPv6 (RFC 4659). */
export type VpnFamily = 'vpnv4' | 'vpnv6';

/** The family of a VPN prefix, by its text: IPv6 has colons. */
export function vpnFamilyOf(prefix: string): VpnFamily {
  return prefix.includes(':') ? 'vpnv6' : 'vpnv4';
}

/** '192.0.2.11' -> '::ffff:192.0.2.11', the IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2). */
export function ipv4Mapped(ipv4: string): string {
  return `::ffff:${ipv4}`;
}

/**
 * One spelling per next hop, whatever the tool prints: lower case, and an
 * IPv4-mapped address with its dotted quad ('::FFFF:c000:20b' -> '::ffff:192.0.2.11').
 * Anything else is returned trimmed, as printed.
 */
export function canonicalNextHop(text: string): string {
  const t = text.trim().toLowerCase();
  const groups = ipv6Groups(t);
  if (groups === undefined || groups.slice(0, 5).some((g) => g !== 0) || groups[5] !== 0xffff) return t;
  const [hi = 0, lo = 0] = groups.slice(6);
  return ipv4Mapped([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.'));
}

/**
 * The next hop of a route for `prefix` as the wire has it. gobgp (Go's net.IP) and
 * BIRD (whose addresses are IPv6 inside) print an IPv4-mapped next hop as a bare
 * IPv4 address, but an IPv6 route's MP_REACH next hop is an IPv6 address: for
 * such a route, '192.0.2.11' means '::ffff:192.0.2.11'.
 */
export function routeNextHop(prefix: string, printed: string): string {
  const nh = canonicalNextHop(printed);
  return vpnFamilyOf(prefix) === 'vpnv6' && /^\d+\.\d+\.\d+\.\d+$/.test(nh) ? ipv4Mapped(nh) : nh;
}

/** The eight 16-bit groups of an IPv6 address in text (a trailing dotted quad allowed), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  if (!text.includes(':')) return undefined;
  const quad = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  let head = text;
  if (quad) {
    const [a = 0, b = 0, c = 0, d = 0] = quad.slice(2).map(Number);
    head = `${quad[1] ?? ''}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string | undefined): string[] => (h === undefined || h === '' ? [] : h.split(':'));
  const left = part(halves[0]);
  const right = part(halves[1]);
  const fill = halves.length === 2 ? 8 - left.length - right.length : 0;
  if (fill < 0 || (halves.length === 1 && left.length !== 8)) return undefined;
  const all = [...left, ...Array<string>(fill).fill('0'), ...right];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16));
}

/** One VPN path (VPNv4 or VPNv6) as seen in a peer's own RIB. */
export interface VpnRoute {
  /** Route distinguisher, e.g. '192.0.2.12:1' or '64512:100'. */
  rd: string;
  /** IPv4 or IPv6 prefix, e.g. '198.18.10.0/24', '2001:db8:21::/48'. */
  prefix: string;
  /** MPLS label stack (empty for locally originated routes where the tool hides it). */
  labels: number[];
  /** As `canonicalNextHop` spells it (a VPNv6 route over IPv4: '::ffff:192.0.2.11'). */
  nextHop: string;
  /** Normalised extended communities ('target:64512:1', ...). */
  extCommunities: string[];
  /** RFC 1997 communities as numbers, when the tool shows them (gobgp). */
  communities?: number[];
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

/** A VPN route to originate at a peer; an IPv6 prefix makes it VPNv6. */
export interface VpnRouteSpec {
  rd: string;
  prefix: string;
  label: number;
  /** 'target:64512:1' form. */
  routeTargets: string[];
  /**
   * Next hop the route should carry (FRR can only use its own address); for VPNv6
   * over the lab's IPv4 network, IPv4-mapped ('::ffff:192.0.2.11').
   */
  nextHop: string;
}

/** What the tests need from any VPN peer, whatever the implementation. */
export interface VpnSpeaker {
  readonly name: string;
  readonly routerId: string;
  readonly address: string;
  /** Every path of `family` (default VPNv4) in the peer's RIB. */
  vpnRoutes(family?: VpnFamily): Promise<VpnRoute[]>;
  /** Sessions as the peer sees them. */
  sessions(): Promise<PeerSession[]>;
  /** Originates a VPN route, VPNv6 if its prefix is IPv6 (idempotent). */
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
