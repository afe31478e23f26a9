/**
 * GoBGP (gobgpd 3.x) in the lab: TOML config generation, daemon lifecycle and
 * typed readers for `gobgp -j global rib -a vpnv4|vpnv6`, `-a rtc`, `neighbor ADDR adj-in`, `vrf NAME rib [-a ipv6]` and
 * `neighbor` (Contrail's extended communities decoded to Contrail's names).
 * Each gobgpd runs in its own namespace, so the default API address
 * 127.0.0.1:50051 never collides.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Lab } from './lab.js';
import type { ProcessHandle } from './proc.js';
import { WaitAborted, waitUntil } from './proc.js';
import { canonicalNextHop, normaliseState, routeNextHop, targetToCli, vpnFamilyOf } from './routes.js';

/**
 * 'target:4200000000:1001' -> '64086.59904:1001'. gobgp 3.10.0 reads a plain 4-byte AS
 * in a route target as 65535 (seen as RTC membership 4200000000:65535:1001), so the AS
 * goes in asdot; 2-byte ASes and IPv4 admins pass through unchanged.
 */
function goBgpTarget(rt: string): string {
  const cli = targetToCli(rt);
  const m = /^(\d+):(\d+)$/.exec(cli);
  const asn = m ? Number(m[1]) : 0;
  return asn > 0xffff ? `${Math.floor(asn / 65536)}.${asn % 65536}:${m![2]}` : cli;
}

/** gobgp prints 4-byte ASes of route targets in asdot ('64086.59904:1001'): back to asplain. */
function asplain(value: string): string {
  return value.replace(/^(\d+)\.(\d+):/, (_, hi: string, lo: string) => `${Number(hi) * 65536 + Number(lo)}:`);
}
import type { PeerSession, RtcRoute, VpnFamily, VpnRoute, VpnRouteSpec, VpnSpeaker } from './routes.js';

export type GoBgpFamily = 'l3vpn-ipv4-unicast' | 'l3vpn-ipv6-unicast' | 'rtc' | 'ipv4-unicast' | 'ipv6-unicast';

export interface GoBgpNeighbor {
  address: string;
  peerAs: number;
  families: GoBgpFamily[];
  routeReflectorClient?: boolean;
  clusterId?: string;
  connectRetry?: number;
  holdTime?: number;
  passive?: boolean;
  remotePort?: number;
  /** Graceful restart (RFC 4724) for all families: gobgpd then sends End-of-RIB markers. */
  gracefulRestart?: boolean;
  /** The restart time gobgpd advertises with graceful restart, seconds; default 120. */
  restartTime?: number;
  /**
   * Long-lived graceful restart (RFC 9494, with gracefulRestart): gobgpd
   * advertises the LLGR capability (`long-lived-enabled`), and with
   * `staleTime` a long-lived stale time for every family.
   */
  longLived?: { staleTime?: number };
  /** TCP-MD5 key (RFC 2385) for this neighbor (`auth-password`). */
  authPassword?: string;
}

export interface GoBgpVrf {
  name: string;
  rd: string;
  /** 'target:a:b' form. */
  importRts: string[];
  exportRts: string[];
}

export interface GoBgpConfig {
  asn: number;
  routerId: string;
  localAddress: string;
  port?: number;
  multiplePaths?: boolean;
  vrfs?: GoBgpVrf[];
  neighbors: GoBgpNeighbor[];
}

const q = (s: string): string => JSON.stringify(s);
const list = (xs: readonly string[]): string => `[${xs.map(q).join(', ')}]`;

function neighborToml(n: GoBgpNeighbor): string[] {
  const out = ['[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${q(n.address)}`, `    peer-as = ${n.peerAs}`];
  if (n.authPassword !== undefined) out.push(`    auth-password = ${q(n.authPassword)}`);
  if (n.routeReflectorClient) {
    out.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true');
    if (n.clusterId) out.push(`    route-reflector-cluster-id = ${q(n.clusterId)}`);
  }
  out.push('  [neighbors.timers.config]', `    connect-retry = ${n.connectRetry ?? 3}`);
  if (n.holdTime !== undefined) out.push(`    hold-time = ${n.holdTime}`, `    keepalive-interval = ${Math.max(1, Math.floor(n.holdTime / 3))}`);
  if (n.passive !== undefined || n.remotePort !== undefined) {
    out.push('  [neighbors.transport.config]');
    if (n.passive !== undefined) out.push(`    passive-mode = ${n.passive}`);
    if (n.remotePort !== undefined) out.push(`    remote-port = ${n.remotePort}`);
  }
  if (n.gracefulRestart) out.push('  [neighbors.graceful-restart.config]', '    enabled = true', `    restart-time = ${n.restartTime ?? 120}`);
  if (n.gracefulRestart && n.longLived) out.push('    long-lived-enabled = true');
  for (const f of n.families) {
    out.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = ${q(f)}`);
    if (n.gracefulRestart) out.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    const llst = n.gracefulRestart ? n.longLived?.staleTime : undefined;
    if (llst !== undefined) out.push('    [neighbors.afi-safis.long-lived-graceful-restart.config]', '      enabled = true', `      restart-time = ${llst}`);
  }
  return out;
}

/** Renders a gobgpd TOML configuration. */
export function goBgpToml(cfg: GoBgpConfig): string {
  const out = ['[global.config]', `  as = ${cfg.asn}`, `  router-id = ${q(cfg.routerId)}`, `  local-address-list = ${list([cfg.localAddress])}`];
  if (cfg.port !== undefined) out.push(`  port = ${cfg.port}`);
  if (cfg.multiplePaths) out.push('[global.use-multiple-paths.config]', '  enabled = true');
  for (const v of cfg.vrfs ?? []) {
    out.push('[[vrfs]]', '  [vrfs.config]', `    name = ${q(v.name)}`, `    rd = ${q(v.rd)}`);
    out.push(`    import-rt-list = ${list(v.importRts.map(goBgpTarget))}`, `    export-rt-list = ${list(v.exportRts.map(goBgpTarget))}`);
  }
  for (const n of cfg.neighbors) out.push(...neighborToml(n));
  return `${out.join('\n')}\n`;
}

// ---- JSON parsing -------------------------------------------------------------

interface GoRd { type?: number; admin?: string | number; assigned?: number }
interface GoNlri { prefix?: string; labels?: number[]; rd?: GoRd }
interface GoAttr {
  type: number;
  value?: unknown;
  nexthop?: string;
  metric?: number;
  as_paths?: { segment_type?: number; asns?: number[] }[];
  communities?: number[];
}
interface GoPath { nlri?: GoNlri | null; best?: boolean; attrs?: GoAttr[] }

function parseRib(text: string): [string, GoPath][] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'null') return [];
  const obj = JSON.parse(trimmed) as Record<string, GoPath[] | null> | null;
  if (!obj) return [];
  return Object.entries(obj).flatMap(([key, paths]) => (paths ?? []).map((p): [string, GoPath] => [key, p]));
}

/** RFC 9012 tunnel types by the names Contrail agents use (contrail-control.md §3.2). */
const TUNNEL_NAMES: Record<number, string> = {
  2: 'gre', 8: 'vxlan', 9: 'nvgre', 10: 'mpls', 11: 'mpls-o-gre', 12: 'vxlan-gpe', 13: 'udp', 16: 'native',
};

/**
 * The 6 value bytes of an extended community that gobgp only knows as opaque:
 * its JSON gives `value` as base64 of subtype + value (7 bytes), e.g. Contrail's
 * origin VN 80 71 fc00 00000004 as {"type":128,"subtype":113,"value":"cfwAAAAABA=="}.
 */
function opaqueValue(ec: { subtype?: number; value?: unknown }): Buffer | undefined {
  if (typeof ec.value !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(ec.value)) return undefined;
  const bytes = Buffer.from(ec.value, 'base64');
  return bytes.length === 7 && bytes[0] === ec.subtype ? bytes.subarray(1) : undefined;
}

/**
 * Contrail's communities (contrail-control.md §3.2) in Contrail's introspect
 * notation: 'encapsulation:gre' (gobgp: {"type":3,"subtype":12,"tunnel_type":2},
 * text "[GRE]"; 13 is "[MPLS in UDP]", Contrail's 'udp'), 'originvn:64512:4' and
 * 'secgroup:64512:8000002' (gobgp: opaque, text form the 7 bytes as one decimal number).
 */
function contrailExtCommunity(ec: GoExtCommunity): string | undefined {
  if (ec.type === 3 && ec.subtype === 12 && typeof ec.tunnel_type === 'number') {
    return `encapsulation:${TUNNEL_NAMES[ec.tunnel_type] ?? ec.tunnel_type}`;
  }
  const evpn = evpnExtCommunity(ec);
  if (evpn) return evpn;
  const v = ec.type === 0x80 || ec.type === 0x82 ? opaqueValue(ec) : undefined;
  if (!v) return undefined;
  const name = ec.subtype === 0x71 ? 'originvn' : ec.subtype === 0x04 ? 'secgroup' : ec.subtype === 0x84 ? 'tag' : undefined;
  if (!name) return undefined;
  return ec.type === 0x80 ? `${name}:${v.readUInt16BE(0)}:${v.readUInt32BE(2)}` : `${name}:${v.readUInt32BE(0)}:${v.readUInt16BE(4)}`;
}

/** A gobgp JSON extended community (the fields of the forms decoded here). */
type GoExtCommunity = {
  type?: number; subtype?: number; value?: unknown; tunnel_type?: number; sequence?: number; is_sticky?: boolean; mac?: string;
};

/**
 * The communities Contrail builds from an agent's next hop and sequence
 * (contrail-control.md §3.2), as gobgpd 3.10.0 gives them: MAC mobility
 * {"type":6,"subtype":0,"sequence":3,"is_sticky":false}, router MAC
 * {"type":6,"subtype":3,"mac":"52:54:00:8a:3e:15"}, and the local sequence
 * number c0:00 as opaque {"type":192,"subtype":0,"value":"AAAAAAcAAA=="}
 * (base64 of subtype + seq(4) + 2 zero bytes).
 */
function evpnExtCommunity(ec: GoExtCommunity): string | undefined {
  if (ec.type === 6 && ec.subtype === 0 && typeof ec.sequence === 'number') {
    return `mobility:${ec.is_sticky === true ? 'sticky' : 'non-sticky'}:${ec.sequence}`;
  }
  if (ec.type === 6 && ec.subtype === 3 && typeof ec.mac === 'string') return `rtrmac:${ec.mac.toLowerCase()}`;
  if (ec.type === 0xc0 && ec.subtype === 0) {
    const v = opaqueValue(ec);
    if (v) return `local_sequence_number:${v.readUInt32BE(0)}`;
  }
  return undefined;
}

/** One GoBGP extended community object -> normalised string. */
export function goBgpExtCommunity(ec: GoExtCommunity): string {
  const transitiveBase = (ec.type ?? 0) & 0x3f;
  if (typeof ec.value === 'string' && transitiveBase <= 2) {
    if (ec.subtype === 2) return `target:${asplain(ec.value)}`;
    if (ec.subtype === 3) return `origin:${asplain(ec.value)}`;
  }
  return contrailExtCommunity(ec) ?? `gobgp:${JSON.stringify(ec)}`;
}

interface PathAttrs {
  nextHop: string;
  extCommunities: string[];
  communities?: number[];
  originatorId?: string;
  clusterList: string[];
  localPref?: number;
  med?: number;
  asPath: number[];
}

function pathAttrs(attrs: readonly GoAttr[]): PathAttrs {
  const res: PathAttrs = { nextHop: '', extCommunities: [], clusterList: [], asPath: [] };
  for (const a of attrs) {
    switch (a.type) {
      case 2: res.asPath = (a.as_paths ?? []).flatMap((s) => s.asns ?? []); break;
      case 3: res.nextHop = canonicalNextHop(String(a.nexthop ?? a.value ?? '')); break;
      case 4: res.med = a.metric ?? Number(a.value); break;
      case 5: res.localPref = Number(a.value); break;
      case 9: res.originatorId = String(a.value); break;
      case 8: res.communities = (a.communities ?? (a.value as number[] | undefined) ?? []).map(Number); break;
      case 10: res.clusterList = (a.value as string[] | undefined) ?? []; break;
      case 14: res.nextHop = a.nexthop !== undefined ? canonicalNextHop(a.nexthop) : res.nextHop; break;
      case 16:
        res.extCommunities = ((a.value as { type?: number; subtype?: number; value?: unknown }[] | undefined) ?? []).map(goBgpExtCommunity);
        break;
      default: break;
    }
  }
  return res;
}

function rdText(rd: GoRd | undefined): string {
  return rd ? `${String(rd.admin ?? '')}:${rd.assigned ?? ''}` : '';
}

/** Parses `gobgp -j global rib -a vpnv4` and `-a vpnv6` (gobgp prints an IPv4-mapped next hop as IPv4: see routeNextHop). */
export function parseGoBgpVpnRib(text: string): VpnRoute[] {
  return parseRib(text).map(([key, p]) => {
    const rd = rdText(p.nlri?.rd);
    const prefix = p.nlri?.prefix ?? key.slice(rd.length + 1);
    const attrs = pathAttrs(p.attrs ?? []);
    return { rd, prefix, labels: p.nlri?.labels ?? [], best: p.best === true, ...attrs, nextHop: routeNextHop(prefix, attrs.nextHop) };
  });
}

/** One path of a gobgp VRF table (`gobgp vrf NAME rib`): the VPN route it was imported from. */
export interface VrfRoute {
  /** RD of the VPN route it came from (gobgp keys VRF paths by `RD:prefix`). */
  rd: string;
  prefix: string;
  nextHop: string;
  localPref?: number;
  med?: number;
  /** gobgp shows VRF paths as `*`, never `*>` (every path an ECMP candidate). */
  best: boolean;
}

/**
 * Parses `gobgp -j vrf NAME rib`: keys are `RD:prefix` of the source VPN route,
 * nlri has the prefix only (no RD, no labels), no extended communities are shown.
 */
export function parseGoBgpVrfRib(text: string): VrfRoute[] {
  return parseRib(text).map(([key, p]) => {
    const prefix = p.nlri?.prefix ?? key.slice(key.lastIndexOf(':') + 1);
    const rd = key.endsWith(`:${prefix}`) ? key.slice(0, key.length - prefix.length - 1) : '';
    const attrs = pathAttrs(p.attrs ?? []);
    const route: VrfRoute = { rd, prefix, nextHop: routeNextHop(prefix, attrs.nextHop), best: p.best === true };
    if (attrs.localPref !== undefined) route.localPref = attrs.localPref;
    if (attrs.med !== undefined) route.med = attrs.med;
    return route;
  });
}

/** Parses `gobgp -j global rib -a rtc`. */
export function parseGoBgpRtcRib(text: string): RtcRoute[] {
  return parseRib(text).map(([key, p]) => {
    const prefix = p.nlri?.prefix ?? key;
    const m = /^(\d+):(.+:\d+)$/.exec(prefix);
    const attrs = pathAttrs(p.attrs ?? []);
    // gobgp shows the zero-length (default) membership as key '0:default' with "nlri": null.
    const isDefault = p.nlri === null || p.nlri === undefined || /default/.test(prefix);
    const route: RtcRoute = { prefix, nextHop: attrs.nextHop, clusterList: attrs.clusterList, best: p.best === true, isDefault };
    if (m?.[1] !== undefined && m[2] !== undefined) {
      route.originAs = Number(m[1]);
      route.routeTarget = `target:${m[2]}`;
    }
    if (attrs.originatorId !== undefined) route.originatorId = attrs.originatorId;
    return route;
  });
}

interface GoNeighbor {
  conf?: { neighbor_address?: string; peer_asn?: number };
  state?: { neighbor_address?: string; session_state?: number | string; peer_asn?: number };
  timers?: { state?: { uptime?: { seconds?: number } } };
}

/** Parses `gobgp -j neighbor`. */
export function parseGoBgpNeighbors(text: string): PeerSession[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'null') return [];
  const arr = JSON.parse(trimmed) as GoNeighbor[];
  return arr.map((n) => {
    const s: PeerSession = {
      neighbor: n.state?.neighbor_address ?? n.conf?.neighbor_address ?? '',
      state: normaliseState(n.state?.session_state ?? 'idle'),
    };
    const asn = n.state?.peer_asn ?? n.conf?.peer_asn;
    if (asn !== undefined) s.peerAs = asn;
    const up = n.timers?.state?.uptime?.seconds;
    if (s.state === 'established' && up !== undefined) s.upSince = up * 1000;
    return s;
  });
}

// ---- the daemon ---------------------------------------------------------------

/** A gobgpd instance in a lab host, driven through the `gobgp` CLI. */
export class GoBgp implements VpnSpeaker {
  private proc: ProcessHandle | undefined;
  readonly routerId: string;
  readonly address: string;

  constructor(
    private readonly lab: Lab,
    readonly name: string,
    readonly config: GoBgpConfig,
  ) {
    this.routerId = config.routerId;
    this.address = lab.address(name);
  }

  get pid(): number | undefined {
    return this.proc?.isRunning() ? this.proc.pid : undefined;
  }

  /** Writes the TOML, starts gobgpd and waits for its API. */
  async start(): Promise<void> {
    const conf = this.lab.file(`${this.name}-gobgpd.toml`);
    writeFileSync(conf, goBgpToml(this.config));
    const args = ['-f', conf, '-p', '-l', 'info', '--pprof-disable', '--api-hosts', '127.0.0.1:50051'];
    this.proc = this.lab.spawn(this.name, 'gobgpd', args, `${this.name}-gobgpd.log`);
    const proc = this.proc;
    await waitUntil(`gobgpd API in ${this.name}`, async () => {
      if (!proc.isRunning()) throw new WaitAborted(`gobgpd exited (${String(await proc.exited)}), see ${proc.logFile}`);
      await this.cli(['global']);
      return true;
    });
  }

  /** SIGTERM by PID (SIGKILL after 5 s); resolves with the exit code or signal name. */
  async stop(): Promise<number | string | undefined> {
    const code = await this.proc?.stop();
    this.proc = undefined;
    return code;
  }

  /** SIGKILL by PID, like a crash: no NOTIFICATION, the kernel just closes its sockets. */
  async kill(): Promise<number | string | undefined> {
    const code = await this.proc?.kill();
    this.proc = undefined;
    return code;
  }

  /** Runs `gobgp ARGS` in the host's namespace; if gobgpd has died meanwhile, says so (with its panic). */
  async cli(args: readonly string[]): Promise<string> {
    try {
      return await this.lab.exec(this.name, 'gobgp', args);
    } catch (err) {
      const proc = this.proc;
      if (proc && !proc.isRunning()) {
        const log = readFileSync(proc.logFile, 'utf8');
        const panic = log.slice(log.lastIndexOf('panic:')).split('\n').slice(0, 8).join('\n');
        throw new Error(`gobgpd in ${this.name} (pid ${proc.pid}) has died; \`gobgp ${args.join(' ')}\` failed.\n${panic}`);
      }
      throw err;
    }
  }

  /**
   * True when gobgpd holds a default RT membership (from its peer). gobgpd 3.10.0 then
   * panics on `gobgp vrf del` (nil RouteTarget in deleteRTCPathsByVrf) and the text form
   * of `gobgp global rib -a rtc` panics too (the -j form works).
   */
  async hasDefaultRtMembership(): Promise<boolean> {
    return (await this.rtcRoutes()).some((r) => r.isDefault);
  }

  async vpnRoutes(family: VpnFamily = 'vpnv4'): Promise<VpnRoute[]> {
    return parseGoBgpVpnRib(await this.cli(['-j', 'global', 'rib', '-a', family]));
  }

  /** Every path of VRF `name` (`gobgp -j vrf NAME rib -a ipv4|ipv6`). */
  async vrfRoutes(name: string, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<VrfRoute[]> {
    return parseGoBgpVrfRib(await this.cli(['-j', 'vrf', name, 'rib', '-a', family]));
  }

  async rtcRoutes(): Promise<RtcRoute[]> {
    return parseGoBgpRtcRib(await this.cli(['-j', 'global', 'rib', '-a', 'rtc']));
  }

  /**
   * The memberships gobgpd holds from one neighbor (`gobgp -j neighbor ADDR adj-in -a rtc`):
   * what that neighbor advertised to it. The text form panics the gobgp CLI while the
   * default membership is among them.
   */
  async adjInRtc(neighbor: string): Promise<RtcRoute[]> {
    return parseGoBgpRtcRib(await this.cli(['-j', 'neighbor', neighbor, 'adj-in', '-a', 'rtc']));
  }

  /**
   * The VPN paths gobgpd holds from one neighbor (`gobgp -j neighbor ADDR adj-in -a vpnv4|vpnv6`):
   * what that neighbor advertised to it, whether or not gobgpd chose them as best.
   */
  async adjInVpn(neighbor: string, family: VpnFamily = 'vpnv4'): Promise<VpnRoute[]> {
    return parseGoBgpVpnRib(await this.cli(['-j', 'neighbor', neighbor, 'adj-in', '-a', family]));
  }

  async sessions(): Promise<PeerSession[]> {
    return parseGoBgpNeighbors(await this.cli(['-j', 'neighbor']));
  }

  async announce(spec: VpnRouteSpec): Promise<void> {
    const rts = spec.routeTargets.map(goBgpTarget);
    await this.cli(['global', 'rib', 'add', '-a', vpnFamilyOf(spec.prefix), spec.prefix, 'label', String(spec.label), 'rd', spec.rd,
      'rt', ...rts, 'nexthop', spec.nextHop]);
  }

  async withdraw(spec: VpnRouteSpec): Promise<void> {
    await this.cli(['global', 'rib', 'del', '-a', vpnFamilyOf(spec.prefix), spec.prefix, 'label', String(spec.label), 'rd', spec.rd]);
  }

  /** `gobgp vrf add NAME rd RD rt import ... export ...` */
  async addVrf(vrf: GoBgpVrf): Promise<void> {
    await this.cli(['vrf', 'add', vrf.name, 'rd', vrf.rd, 'rt', 'import', ...vrf.importRts.map(goBgpTarget),
      'export', ...vrf.exportRts.map(goBgpTarget)]);
  }

  async delVrf(name: string): Promise<void> {
    await this.cli(['vrf', 'del', name]);
  }
}
