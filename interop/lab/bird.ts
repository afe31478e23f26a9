/**
 * BIRD 2 (2.0.12) in the lab as a VPNv4 speaker: `bird -f` in the foreground
 * (spawned PID = bird's PID), a vpn4 table `vpntab`, a `protocol static` that
 * originates labelled VPN routes with third-party next hops, and one BGP protocol
 * per neighbor (`to_<name>`; note that 'gw' is a BIRD keyword, hence the prefix).
 * With `ipv4` (and `families: []`) it is a plain IPv4-unicast speaker instead, the
 * Calico node inside a VM: static blackhole routes exported with `next hop self`,
 * everything received imported into master4 (eBGP when its AS differs).
 * BIRD 2.0.12 has no JSON output: `show route table vpntab all`, `show route
 * table master4 all` and `show protocols [all]` are parsed from text. Routes are changed by rewriting
 * the config and running `birdc configure`.
 */
import { writeFileSync } from 'node:fs';
import type { Lab } from './lab.js';
import type { ProcessHandle } from './proc.js';
import { WaitAborted, waitUntil } from './proc.js';
import { normaliseState, routeNextHop, splitTarget, vpnFamilyOf } from './routes.js';
import type { PeerSession, VpnFamily, VpnRoute, VpnRouteSpec, VpnSpeaker } from './routes.js';

export interface BirdNeighbor {
  /** Protocol name (default to_<index>); must not be a BIRD keyword. */
  name: string;
  address: string;
  peerAs: number;
}

export interface BirdConfig {
  asn: number;
  routerId: string;
  localAddress: string;
  neighbors: BirdNeighbor[];
  /** Families of every BGP session; default VPNv4 only. */
  families?: VpnFamily[];
  /** Static VPN routes (`via NH mpls LABEL`, RTs added as ext communities), each in its family's table. */
  routes?: VpnRouteSpec[];
  connectRetry?: number;
  /** `error wait time A, B` (BIRD's default of 60–300 s is far too long for tests). */
  errorWait?: [number, number];
  /** An `ipv4` channel on every BGP session (see the header). */
  ipv4?: BirdIpv4;
}

/** The IPv4-unicast channel: what it originates. */
export interface BirdIpv4 {
  /** Prefixes of `protocol static ipv4static` (blackhole routes), the only routes exported, with `next hop self`. */
  routes: string[];
}

/** An IPv4-unicast route as BIRD holds it in master4. */
export type BirdIpv4Route = Omit<VpnRoute, 'rd' | 'labels'>;

/** Per family: BIRD's channel (and table type) name, our table and our static protocol. */
/**
 * Per family: BIRD's channel (and table type) name, our table and static protocol, and
 * channel options. vpn6 over the lab's IPv4 session needs `extended next hop on`: without
 * it BIRD 2.0.12 withdraws every received route ("Invalid NEXT_HOP attribute - mismatched
 * address family (192.0.2.12 for vpn6-mpls)": it holds ::ffff:192.0.2.12 as that IPv4 address)
 * and has no next hop of its own ("Missing next hop address"). With it, BIRD sends and
 * accepts IPv4-mapped next hops (24 bytes, RD 0).
 */
const BIRD_FAMILY: Record<VpnFamily, { channel: string; table: string; statics: string; options: string }> = {
  vpnv4: { channel: 'vpn4', table: 'vpntab', statics: 'vpnstatic', options: 'igp table master4;' },
  vpnv6: { channel: 'vpn6', table: 'vpntab6', statics: 'vpnstatic6', options: 'igp table master6; extended next hop on;' },
};

function staticRoute(r: VpnRouteSpec): string[] {
  const ecs = r.routeTargets.map((rt) => {
    const [a, b] = splitTarget(rt);
    return `    bgp_ext_community.add((rt, ${a}, ${b}));`;
  });
  // BIRD reads '::ffff:192.0.2.100' as the IPv4 address it maps, reachable on the lab interface.
  return [`  route ${r.rd} ${r.prefix} via ${r.nextHop} mpls ${r.label} {`, ...ecs, '  };'];
}

/** Renders bird.conf. */
export function birdConf(cfg: BirdConfig, logFile: string): string {
  const [ew1, ew2] = cfg.errorWait ?? [1, 2];
  const families = (cfg.families ?? ['vpnv4']).map((f) => ({ family: f, ...BIRD_FAMILY[f] }));
  const out = [
    `router id ${cfg.routerId};`,
    `log "${logFile}" all;`,
    ...families.map((f) => `${f.channel} table ${f.table};`),
    'protocol device { }',
    'protocol direct { ipv4; interface "v-*"; }',
  ];
  for (const f of families) {
    out.push(
      `protocol static ${f.statics} {`,
      `  ${f.channel} { table ${f.table}; };`,
      ...(cfg.routes ?? []).filter((r) => vpnFamilyOf(r.prefix) === f.family).flatMap(staticRoute),
      '}',
    );
  }
  if (cfg.ipv4) out.push('protocol static ipv4static {', '  ipv4;', ...cfg.ipv4.routes.map((r) => `  route ${r} blackhole;`), '}');
  for (const nb of cfg.neighbors) {
    out.push(
      `protocol bgp ${nb.name} {`,
      `  local ${cfg.localAddress} as ${cfg.asn};`,
      `  neighbor ${nb.address} as ${nb.peerAs};`,
      `  connect retry time ${cfg.connectRetry ?? 3};`,
      `  error wait time ${ew1}, ${ew2};`,
      ...families.map((f) => `  ${f.channel} mpls { table ${f.table}; ${f.options} import all; export all; };`),
      ...(cfg.ipv4 ? ['  ipv4 { import all; export where proto = "ipv4static"; next hop self; };'] : []),
      '}',
    );
  }
  return `${out.join('\n')}\n`;
}

// ---- text parsing -------------------------------------------------------------

/** '(rt, 64512, 1) (ro, 64512, 2) (generic, 0x1, 0x2)' -> normalised strings. */
export function birdExtCommunities(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\(\s*([\w]+)\s*,\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)/g)) {
    const [, kind, a, b] = m;
    if (kind === 'rt') out.push(`target:${a}:${b}`);
    else if (kind === 'ro') out.push(`origin:${a}:${b}`);
    else out.push(`bird:(${kind}, ${a}, ${b})`);
  }
  return out;
}

interface RouteDraft {
  rd: string;
  prefix: string;
  best: boolean;
  via: string[];
  viaLabels: number[];
  attrs: Map<string, string>;
}

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;

function parseLabels(text: string): number[] {
  return text.split(/[\s/]+/).filter((t) => /^\d+$/.test(t)).map(Number);
}

function finishRoute(d: RouteDraft): VpnRoute {
  const a = d.attrs;
  const stack = a.get('BGP.mpls_label_stack');
  const route: VpnRoute = {
    rd: d.rd,
    prefix: d.prefix,
    labels: stack !== undefined ? parseLabels(stack) : d.viaLabels,
    // BGP.next_hop of an IPv6 route is the global address, then any link-local one;
    // BIRD prints an IPv4-mapped one as IPv4 (see routeNextHop).
    nextHop: routeNextHop(d.prefix, a.get('BGP.next_hop')?.trim().split(/\s+/)[0] ?? d.via[0] ?? ''),
    extCommunities: birdExtCommunities(a.get('BGP.ext_community') ?? ''),
    clusterList: (a.get('BGP.cluster_list') ?? '').split(/\s+/).filter((t) => IPV4.test(t)),
    asPath: (a.get('BGP.as_path') ?? '').match(/\d+/g)?.map(Number) ?? [],
    best: d.best,
  };
  const orig = a.get('BGP.originator_id');
  if (orig) route.originatorId = orig.trim();
  const lp = a.get('BGP.local_pref');
  if (lp) route.localPref = Number(lp);
  const med = a.get('BGP.med');
  if (med) route.med = Number(med);
  return route;
}

/**
 * Handles one non-indented or space-indented route header line: `RD PREFIX unicast [...]` in a
 * VPN table, `PREFIX unicast [...]` in an IP table (`withRd` false).
 */
function headerDraft(line: string, previous: RouteDraft | undefined, withRd: boolean): RouteDraft | undefined {
  const bracket = line.indexOf('[');
  if (bracket < 0) return undefined;
  const head = line.slice(0, bracket).trim().split(/\s+/);
  const startsWithNet = !/^\s/.test(line);
  let rd = previous?.rd ?? '';
  let prefix = previous?.prefix ?? '';
  if (startsWithNet) {
    if (head.length < (withRd ? 2 : 1)) return undefined;
    rd = withRd ? head[0] ?? '' : '';
    prefix = head[withRd ? 1 : 0] ?? '';
  }
  const tail = line.slice(line.indexOf(']', bracket) + 1);
  return { rd, prefix, best: /^\s*\*/.test(tail), via: [], viaLabels: [], attrs: new Map() };
}

/** Parses `birdc show route table vpntab all` text into VPN routes. */
export function parseBirdVpnRoutes(text: string): VpnRoute[] {
  return parseBirdRoutes(text, true);
}

/** Parses `birdc show route table master4 all` text into IPv4-unicast routes. */
export function parseBirdIpv4Routes(text: string): BirdIpv4Route[] {
  return parseBirdRoutes(text, false).map(({ rd: _rd, labels: _labels, ...r }) => r);
}

function parseBirdRoutes(text: string, withRd: boolean): VpnRoute[] {
  const routes: VpnRoute[] = [];
  let cur: RouteDraft | undefined;
  let lastAttr: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^BIRD .* ready\.$/.test(line) || /^Table \S+:$/.test(line)) continue;
    if (!line.startsWith('\t')) {
      const next = headerDraft(line, cur, withRd);
      if (next) {
        if (cur) routes.push(finishRoute(cur));
        cur = next;
        lastAttr = undefined;
      }
      continue;
    }
    if (!cur) continue;
    const body = line.trim();
    const via = /^via (\S+)(?:.*?\bmpls ([\d/]+))?/.exec(body);
    const attr = /^([A-Za-z][\w.]*):\s?(.*)$/.exec(body);
    if (via?.[1] !== undefined) {
      cur.via.push(via[1]);
      if (via[2] !== undefined && cur.viaLabels.length === 0) cur.viaLabels = parseLabels(via[2]);
    } else if (attr?.[1] !== undefined && !line.startsWith('\t\t')) {
      lastAttr = attr[1];
      cur.attrs.set(lastAttr, attr[2] ?? '');
    } else if (lastAttr !== undefined) {
      cur.attrs.set(lastAttr, `${cur.attrs.get(lastAttr) ?? ''} ${body}`);
    }
  }
  if (cur) routes.push(finishRoute(cur));
  return routes;
}

export interface BirdProtocol {
  name: string;
  proto: string;
  table: string;
  state: string;
  since: string;
  info: string;
}

/** Parses the `birdc show protocols` table. */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  for (const line of text.split('\n')) {
    if (/^(BIRD .* ready\.|Name\s+Proto)/.test(line) || /^\s/.test(line) || line.trim() === '') continue;
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d{4}-\d\d-\d\d \S+|\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, name = '', proto = '', table = '', state = '', since = '', info = ''] = m;
    out.push({ name, proto, table, state, since, info: info.trim() });
  }
  return out;
}

/**
 * BIRD's `Since` column ('18:34:09.429' today, or '2026-11-23 18:34:09') -> ms since epoch
 * (local time, as BIRD prints it). A time of day later than `now` is taken as yesterday.
 */
export function birdSinceToEpoch(since: string, now = Date.now()): number | undefined {
  const full = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(since);
  const tod = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(since);
  const d = new Date(now);
  if (full) {
    const [, y = '0', mo = '1', da = '1', h = '0', mi = '0', se = '0', frac = '0'] = full;
    const ms = Math.round(Number(`0.${frac}`) * 1000);
    return new Date(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(se), ms).getTime();
  }
  if (!tod) return undefined;
  const [, h = '0', mi = '0', se = '0', frac = '0'] = tod;
  d.setHours(Number(h), Number(mi), Number(se), Math.round(Number(`0.${frac}`) * 1000));
  return d.getTime() > now + 1000 ? d.getTime() - 86_400_000 : d.getTime();
}

/** Parses `birdc show protocols all` into BGP sessions. */
export function parseBirdSessions(text: string): PeerSession[] {
  const out: PeerSession[] = [];
  let cur: (PeerSession & { bgp: boolean }) | undefined;
  const flush = (): void => {
    if (!cur?.bgp || cur.neighbor === '') return;
    const { bgp: _bgp, ...session } = cur;
    if (session.state !== 'established') delete session.upSince;
    out.push(session);
  };
  for (const line of text.split('\n')) {
    if (/^(BIRD .* ready\.|Name\s+Proto)/.test(line) || line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      flush();
      const head = parseBirdProtocols(line)[0];
      cur = { neighbor: '', state: head?.state === 'up' ? 'established' : 'idle', bgp: head?.proto === 'BGP' };
      const since = head && head.state === 'up' ? birdSinceToEpoch(head.since) : undefined;
      if (since !== undefined) cur.upSince = since;
      continue;
    }
    if (!cur) continue;
    const body = line.trim();
    const st = /^BGP state:\s+(\S+)/.exec(body);
    if (st?.[1]) cur.state = normaliseState(st[1]);
    const nb = /^Neighbor address:\s+(\S+)/.exec(body);
    if (nb?.[1]) cur.neighbor = nb[1];
    const as = /^Neighbor AS:\s+(\d+)/.exec(body);
    if (as?.[1]) cur.peerAs = Number(as[1]);
  }
  flush();
  return out;
}

// ---- the daemon ---------------------------------------------------------------

export class Bird implements VpnSpeaker {
  private proc: ProcessHandle | undefined;
  private routes: VpnRouteSpec[];
  readonly routerId: string;
  readonly address: string;
  readonly socket: string;
  private readonly confFile: string;

  constructor(
    private readonly lab: Lab,
    readonly name: string,
    readonly config: BirdConfig,
  ) {
    this.routerId = config.routerId;
    this.address = lab.address(name);
    this.socket = lab.file(`${name}-bird.ctl`);
    this.confFile = lab.file(`${name}-bird.conf`);
    this.routes = [...(config.routes ?? [])];
  }

  get pid(): number | undefined {
    return this.proc?.isRunning() ? this.proc.pid : undefined;
  }

  async start(): Promise<void> {
    this.writeConf();
    const args = ['-f', '-c', this.confFile, '-s', this.socket, '-P', this.lab.file(`${this.name}-bird.pid`)];
    this.proc = this.lab.spawn(this.name, 'bird', args, `${this.name}-bird-stdout.log`);
    const proc = this.proc;
    await waitUntil(`BIRD control socket in ${this.name}`, async () => {
      if (!proc.isRunning()) throw new WaitAborted(`bird exited (${String(await proc.exited)}), see ${proc.logFile}`);
      await this.birdc(['show', 'status']);
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

  birdc(args: readonly string[]): Promise<string> {
    return this.lab.exec(this.name, 'birdc', ['-s', this.socket, ...args]);
  }

  async vpnRoutes(family: VpnFamily = 'vpnv4'): Promise<VpnRoute[]> {
    return parseBirdVpnRoutes(await this.birdc(['show', 'route', 'table', BIRD_FAMILY[family].table, 'all']));
  }

  /** The IPv4-unicast routes in master4 (received ones, and the `ipv4` channel's statics and direct routes). */
  async ipv4Routes(): Promise<BirdIpv4Route[]> {
    return parseBirdIpv4Routes(await this.birdc(['show', 'route', 'table', 'master4', 'all']));
  }

  async protocols(): Promise<BirdProtocol[]> {
    return parseBirdProtocols(await this.birdc(['show', 'protocols']));
  }

  async sessions(): Promise<PeerSession[]> {
    return parseBirdSessions(await this.birdc(['show', 'protocols', 'all']));
  }

  /** Replaces the static VPN routes and reconfigures BIRD. */
  async setRoutes(routes: readonly VpnRouteSpec[]): Promise<void> {
    this.routes = [...routes];
    this.writeConf();
    const out = await this.birdc(['configure']);
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`birdc configure failed: ${out}`);
  }

  async announce(spec: VpnRouteSpec): Promise<void> {
    await this.setRoutes([...this.routes.filter((r) => !sameRoute(r, spec)), spec]);
  }

  async withdraw(spec: VpnRouteSpec): Promise<void> {
    await this.setRoutes(this.routes.filter((r) => !sameRoute(r, spec)));
  }

  private writeConf(): void {
    const conf = birdConf({ ...this.config, routes: this.routes }, this.lab.file(`${this.name}-bird.log`));
    writeFileSync(this.confFile, conf);
  }
}

function sameRoute(a: VpnRouteSpec, b: VpnRouteSpec): boolean {
  return a.rd === b.rd && a.prefix === b.prefix;
}
