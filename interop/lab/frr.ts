/**
 * FRR bgpd (8.x) in the lab as a VPNv4/VPNv6 PE / route-reflector client, without zebra:
 * `bgpd -Z -n -S -P 0` in the foreground (no -d, so the spawned PID is bgpd's),
 * a private vty socket directory for `vtysh --vty_socket DIR`.
 * Static VPN routes can be put into the config file (they survive a restart);
 * `announce`/`withdraw` change the running config through vtysh (lost on restart).
 * RIB reader: `show bgp ipv4|ipv6 vpn json` lists prefixes, then
 * `show bgp ipv4|ipv6 vpn PREFIX json` per prefix gives labels, RTs, originator, cluster list.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Lab } from './lab.js';
import type { ProcessHandle } from './proc.js';
import { WaitAborted, waitUntil } from './proc.js';
import { ipv4Mapped, normaliseState, routeNextHop, targetToCli, vpnFamilyOf } from './routes.js';
import type { PeerSession, VpnFamily, VpnRoute, VpnRouteSpec, VpnSpeaker } from './routes.js';

export interface FrrNeighbor {
  address: string;
  peerAs: number;
}

export interface FrrConfig {
  asn: number;
  routerId: string;
  neighbors: FrrNeighbor[];
  /** Families activated for every neighbor; default VPNv4 only. */
  families?: VpnFamily[];
  /** VPN routes configured statically (`network … rd … label … route-map …`), each under its family. */
  networks?: VpnRouteSpec[];
  connectRetry?: number;
}

/** Name of the route-map that sets exactly these route targets. */
export function frrRouteMapName(routeTargets: readonly string[]): string {
  return `RT_${routeTargets.map(targetToCli).join('_').replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function routeMapLines(routeTargets: readonly string[]): string[] {
  return [`route-map ${frrRouteMapName(routeTargets)} permit 10`, ` set extcommunity rt ${routeTargets.map(targetToCli).join(' ')}`];
}

/** `ipv4 vpn` or `ipv6 vpn`, as FRR names the address family of `prefix`. */
function frrAf(family: VpnFamily): string {
  return family === 'vpnv6' ? 'ipv6 vpn' : 'ipv4 vpn';
}

function networkLine(n: VpnRouteSpec): string {
  return `network ${n.prefix} rd ${n.rd} label ${n.label} route-map ${frrRouteMapName(n.routeTargets)}`;
}

/** Renders bgpd.conf. */
export function frrBgpdConf(cfg: FrrConfig, logFile: string): string {
  const networks = cfg.networks ?? [];
  const maps = new Map<string, string[]>();
  for (const n of networks) maps.set(frrRouteMapName(n.routeTargets), n.routeTargets);
  const out = ['frr defaults traditional', `hostname pe-${cfg.routerId.replace(/\./g, '-')}`, `log file ${logFile} informational`, '!'];
  for (const rts of maps.values()) out.push(...routeMapLines(rts), '!');
  out.push(`router bgp ${cfg.asn}`, ` bgp router-id ${cfg.routerId}`, ' no bgp default ipv4-unicast', ' no bgp ebgp-requires-policy');
  for (const nb of cfg.neighbors) {
    out.push(` neighbor ${nb.address} remote-as ${nb.peerAs}`, ` neighbor ${nb.address} timers connect ${cfg.connectRetry ?? 3}`);
  }
  for (const family of cfg.families ?? ['vpnv4']) {
    out.push(` address-family ${frrAf(family)}`);
    for (const nb of cfg.neighbors) out.push(`  neighbor ${nb.address} activate`);
    for (const n of networks.filter((x) => vpnFamilyOf(x.prefix) === family)) out.push(`  ${networkLine(n)}`);
    out.push(' exit-address-family');
  }
  out.push('!');
  return `${out.join('\n')}\n`;
}

// ---- JSON parsing -------------------------------------------------------------

/** 'RT:64512:1 SoO:64512:2 ET:8' -> ['target:64512:1', 'origin:64512:2', 'frr:ET:8'] */
export function frrExtCommunities(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/\s+/).filter((t) => t !== '').map((t) => {
    if (t.startsWith('RT:')) return `target:${t.slice(3)}`;
    if (t.startsWith('SoO:')) return `origin:${t.slice(4)}`;
    return `frr:${t}`;
  });
}

interface FrrPath {
  aspath?: { segments?: { list?: number[] }[]; string?: string };
  locPrf?: number;
  metric?: number;
  bestpath?: { overall?: boolean };
  extendedCommunity?: { string?: string };
  originatorId?: string;
  clusterList?: { list?: string[] };
  remoteLabel?: number;
  nexthops?: { ip?: string; scope?: string }[];
}

function frrPathToRoute(rd: string, prefix: string, p: FrrPath): VpnRoute {
  const route: VpnRoute = {
    rd,
    prefix,
    labels: p.remoteLabel !== undefined ? [p.remoteLabel] : [],
    // An IPv6 route lists the global next hop, then any link-local one.
    nextHop: routeNextHop(prefix, (p.nexthops?.find((n) => n.scope !== 'link-local') ?? p.nexthops?.[0])?.ip ?? ''),
    extCommunities: frrExtCommunities(p.extendedCommunity?.string),
    clusterList: p.clusterList?.list ?? [],
    asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
    best: p.bestpath?.overall === true,
  };
  if (p.originatorId !== undefined) route.originatorId = p.originatorId;
  if (p.locPrf !== undefined) route.localPref = p.locPrf;
  if (p.metric !== undefined) route.med = p.metric;
  return route;
}

/** Parses `show bgp ipv4|ipv6 vpn PREFIX json` (keys are RDs). */
export function parseFrrVpnPrefixDetail(text: string): VpnRoute[] {
  // A prefix that vanished between the list and this query yields '{}' or a '% ...' message.
  if (!text.trimStart().startsWith('{')) return [];
  const obj = JSON.parse(text) as Record<string, { prefix?: string; paths?: FrrPath[] }>;
  return Object.entries(obj).flatMap(([rd, entry]) =>
    entry && Array.isArray(entry.paths) && entry.prefix ? entry.paths.map((p) => frrPathToRoute(rd, entry.prefix ?? '', p)) : [],
  );
}

/** Distinct prefixes from `show bgp ipv4|ipv6 vpn json`. */
export function parseFrrVpnPrefixes(text: string): string[] {
  const obj = JSON.parse(text) as { routes?: { routeDistinguishers?: Record<string, Record<string, unknown>> } };
  const rds = obj.routes?.routeDistinguishers ?? {};
  return [...new Set(Object.values(rds).flatMap((byPrefix) => Object.keys(byPrefix)))];
}

/** Parses `show bgp summary json` into sessions (all address families, deduplicated). */
export function parseFrrSummary(text: string): PeerSession[] {
  type FrrPeer = { state?: string; remoteAs?: number; peerUptimeEstablishedEpoch?: number };
  const obj = JSON.parse(text) as Record<string, { peers?: Record<string, FrrPeer> }>;
  const seen = new Map<string, PeerSession>();
  for (const af of Object.values(obj)) {
    for (const [addr, p] of Object.entries(af?.peers ?? {})) {
      const s: PeerSession = { neighbor: addr, state: normaliseState(p.state ?? 'idle') };
      if (p.remoteAs !== undefined) s.peerAs = p.remoteAs;
      if (s.state === 'established' && p.peerUptimeEstablishedEpoch !== undefined) s.upSince = p.peerUptimeEstablishedEpoch * 1000;
      seen.set(addr, s);
    }
  }
  return [...seen.values()];
}

// ---- the daemon ---------------------------------------------------------------

export class Frr implements VpnSpeaker {
  private proc: ProcessHandle | undefined;
  readonly routerId: string;
  readonly address: string;
  readonly vtyDir: string;

  constructor(
    private readonly lab: Lab,
    readonly name: string,
    readonly config: FrrConfig,
  ) {
    this.routerId = config.routerId;
    this.address = lab.address(name);
    this.vtyDir = lab.file(`${name}-vty`);
  }

  get pid(): number | undefined {
    return this.proc?.isRunning() ? this.proc.pid : undefined;
  }

  /** Writes bgpd.conf, starts bgpd in the foreground and waits until vtysh answers. */
  async start(): Promise<void> {
    mkdirSync(this.vtyDir, { recursive: true });
    const conf = this.lab.file(`${this.name}-bgpd.conf`);
    writeFileSync(conf, frrBgpdConf(this.config, this.lab.file(`${this.name}-bgpd.log`)));
    const args = ['-Z', '-n', '-S', '-P', '0', '-l', this.address, '-f', conf,
      '-i', this.lab.file(`${this.name}-bgpd.pid`), '--vty_socket', this.vtyDir];
    this.proc = this.lab.spawn(this.name, '/usr/lib/frr/bgpd', args, `${this.name}-bgpd-stdout.log`);
    const proc = this.proc;
    await waitUntil(`FRR bgpd vty in ${this.name}`, async () => {
      if (!proc.isRunning()) throw new WaitAborted(`bgpd exited (${String(await proc.exited)}), see ${proc.logFile}`);
      await this.vtysh(['show bgp summary json']);
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

  /** Runs vtysh with one `-c` per command, in order (configuration context carries over). */
  vtysh(commands: readonly string[]): Promise<string> {
    return this.lab.exec(this.name, 'vtysh', ['--vty_socket', this.vtyDir, ...commands.flatMap((c) => ['-c', c])]);
  }

  async vpnRoutes(family: VpnFamily = 'vpnv4'): Promise<VpnRoute[]> {
    const af = frrAf(family);
    const prefixes = parseFrrVpnPrefixes(await this.vtysh([`show bgp ${af} json`]));
    const details = await Promise.all(prefixes.map((p) => this.vtysh([`show bgp ${af} ${p} json`])));
    return details.flatMap((d) => parseFrrVpnPrefixDetail(d));
  }

  async sessions(): Promise<PeerSession[]> {
    return parseFrrSummary(await this.vtysh(['show bgp summary json']));
  }

  async announce(spec: VpnRouteSpec): Promise<void> {
    this.checkNextHop(spec);
    const [rmHead, rmSet] = routeMapLines(spec.routeTargets);
    await this.vtysh(['configure terminal', rmHead ?? '', rmSet ?? '', 'exit', `router bgp ${this.config.asn}`,
      `address-family ${frrAf(vpnFamilyOf(spec.prefix))}`, networkLine(spec)]);
  }

  async withdraw(spec: VpnRouteSpec): Promise<void> {
    await this.vtysh(['configure terminal', `router bgp ${this.config.asn}`, `address-family ${frrAf(vpnFamilyOf(spec.prefix))}`,
      `no network ${spec.prefix} rd ${spec.rd} label ${spec.label}`]);
  }

  /**
   * The next hop FRR gives the routes it originates in `family`: its own address, IPv4-mapped
   * for VPNv6 (on the wire: RD 0 + ::ffff:192.0.2.12; FRR's own table shows `::`).
   */
  ownNextHop(family: VpnFamily): string {
    return family === 'vpnv6' ? ipv4Mapped(this.address) : this.address;
  }

  private checkNextHop(spec: VpnRouteSpec): void {
    const own = this.ownNextHop(vpnFamilyOf(spec.prefix));
    if (spec.nextHop !== own) throw new Error(`FRR originates VPN routes with its own next hop ${own}, not ${spec.nextHop}`);
  }
}
