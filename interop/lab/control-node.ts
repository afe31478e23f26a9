/**
 * Our own binary as a lab process: YAML config generation (the schema of
 * `control-node --config FILE`: node, bgp and, when given, xmpp, introspect,
 * routing-policies and routing-instances with their BGP-as-a-Service sessions
 * and static routes; peers and instances may name policies), an on-demand build of dist/ and the process lifecycle
 * (`node bin/control-node.js --config FILE` inside its namespace, stopped with
 * SIGTERM and, after 5 s, SIGKILL, or killed at once like a crash), and its JSON
 * introspect read from inside the namespace (curl). Readiness = TCP listeners on the BGP (and
 * XMPP) ports inside the namespace (checked with `ss`, no connection made).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from './lab.js';
import type { ProcessHandle } from './proc.js';
import { WaitAborted, run, waitUntil } from './proc.js';

export type CnFamily = 'inet-vpn' | 'inet6-vpn' | 'route-target';

export interface CnPeer {
  name: string;
  address: string;
  asn: number;
  routeReflectorClient?: boolean;
  families: CnFamily[];
  port?: number;
  passive?: boolean;
  /** Routing-policy names (`routing-policies`), applied in order. */
  importPolicies?: string[];
  exportPolicies?: string[];
  /** TCP-MD5 key (`password`). */
  password?: string;
  /** Per-peer `hold-time` (seconds), overriding `bgp.hold-time`. */
  holdTime?: number;
}

/** One term of a routing policy (README "Routing policy"): keys as in the YAML, camel-cased. */
export interface CnPolicyTerm {
  from?: {
    prefixes?: { prefix: string; match?: 'exact' | 'orlonger' | 'longer' | 'upto'; upto?: number }[];
    protocols?: ('bgp' | 'xmpp' | 'bgpaas' | 'static' | 'local')[];
    communities?: string[];
    extendedCommunities?: string[];
    /** Regex on the AS path text ("64500 65001"). */
    asPath?: string;
  };
  then?: {
    action?: 'accept' | 'reject' | 'next';
    localPref?: number;
    med?: number;
    addCommunities?: string[];
    asPathPrepend?: number[];
  };
}

/** One entry of the `routing-policies` section. */
export interface CnRoutingPolicy {
  name: string;
  terms: CnPolicyTerm[];
}

/** A BGP-as-a-Service session of an instance (passive, eBGP, accepted from `address`). */
export interface CnBgpaas {
  name: string;
  /** The VM's address. */
  address: string;
  asn: number;
  /** Next hop of the routes sent to the session; nothing is sent without one. */
  gatewayAddress?: string;
  holdTime?: number;
  importPolicies?: string[];
  exportPolicies?: string[];
}

/** A static route of an instance, its next hop resolved in the instance. */
export interface CnStaticRoute {
  prefix: string;
  nextHop: string;
  communities?: string[];
}

/** One entry of the `routing-instances` section. */
export interface CnRoutingInstance {
  /** domain:project:vn:ri */
  name: string;
  id?: number;
  vnIndex?: number;
  /** 'target:a:b' form. */
  importTargets?: string[];
  exportTargets?: string[];
  importPolicies?: string[];
  exportPolicies?: string[];
  bgpaas?: CnBgpaas[];
  staticRoutes?: CnStaticRoute[];
}

export interface CnConfig {
  /** No clusterId: a plain iBGP speaker (unless some peer is a route-reflector client). */
  node: { name: string; routerId: string; asn: number; clusterId?: string };
  bgp: {
    listen: { address: string; port: number }; holdTime: number; peers: CnPeer[];
    /** `bgp.graceful-restart`; left out, the binary's default (off). */
    gracefulRestart?: {
      enabled: boolean; restartTime?: number; staleTime?: number; endOfRibTimeout?: number; longLivedStaleTime?: number; restartingSpeaker?: boolean;
    };
  };
  /** The agents' XMPP server; left out, the binary's defaults apply (127.0.0.1:5269). */
  xmpp?: {
    listen: { address: string; port: number }; holdTime?: number;
    /** `xmpp.graceful-restart`; left out, the binary's default (off). */
    gracefulRestart?: { enabled: boolean; restartTime?: number; endOfRibTimeout?: number };
  };
  /** The HTTP introspect; left out, the binary's defaults apply (127.0.0.1:8083, unreachable from other hosts). */
  introspect?: { listen: { address: string; port: number } };
  routingPolicies?: CnRoutingPolicy[];
  routingInstances?: CnRoutingInstance[];
}

/** Repository root (two levels above interop/lab/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(v) ? v : JSON.stringify(v);
}

/** A YAML flow value: scalars, lists and `{ key: value }` maps (keys in insertion order; undefined values left out). */
type Flow = string | number | boolean | readonly Flow[] | FlowMap;
interface FlowMap { readonly [key: string]: Flow | undefined }

function flow(v: Flow): string {
  if (Array.isArray(v)) return `[${(v as readonly Flow[]).map(flow).join(', ')}]`;
  if (typeof v === 'object') return flowMap(v as FlowMap);
  return scalar(v);
}

function flowMap(m: FlowMap): string {
  const parts = Object.entries(m)
    .filter((e): e is [string, Flow] => e[1] !== undefined)
    .map(([k, v]) => `${k}: ${flow(v)}`);
  return `{ ${parts.join(', ')} }`;
}

function termMap(t: CnPolicyTerm): FlowMap {
  const f = t.from;
  const th = t.then;
  return {
    from: f && {
      prefixes: f.prefixes?.map((p) => ({ prefix: p.prefix, match: p.match, upto: p.upto })),
      protocols: f.protocols, communities: f.communities, 'extended-communities': f.extendedCommunities, 'as-path': f.asPath,
    },
    then: th && {
      action: th.action, 'local-pref': th.localPref, med: th.med, 'add-communities': th.addCommunities, 'as-path-prepend': th.asPathPrepend,
    },
  };
}

function instanceMap(ri: CnRoutingInstance): FlowMap {
  return {
    name: ri.name, id: ri.id, 'vn-index': ri.vnIndex,
    'import-targets': ri.importTargets, 'export-targets': ri.exportTargets,
    'import-policies': ri.importPolicies, 'export-policies': ri.exportPolicies,
    bgpaas: ri.bgpaas?.map((b) => ({
      name: b.name, address: b.address, asn: b.asn, 'gateway-address': b.gatewayAddress, 'hold-time': b.holdTime,
      'import-policies': b.importPolicies, 'export-policies': b.exportPolicies,
    })),
    'static-routes': ri.staticRoutes?.map((r) => ({ prefix: r.prefix, 'next-hop': r.nextHop, communities: r.communities })),
  };
}

/** Renders the control node's YAML config. */
export function controlNodeYaml(cfg: CnConfig): string {
  const n = cfg.node;
  const lines = [
    `node: ${flowMap({ name: n.name, 'router-id': n.routerId, asn: n.asn, 'cluster-id': n.clusterId })}`,
    'bgp:',
    `  listen: ${flowMap({ address: cfg.bgp.listen.address, port: cfg.bgp.listen.port })}`,
    `  hold-time: ${cfg.bgp.holdTime}`,
    ...(cfg.bgp.gracefulRestart ? [`  graceful-restart: ${flowMap({
      enabled: cfg.bgp.gracefulRestart.enabled, 'restart-time': cfg.bgp.gracefulRestart.restartTime,
      'stale-time': cfg.bgp.gracefulRestart.staleTime, 'end-of-rib-timeout': cfg.bgp.gracefulRestart.endOfRibTimeout,
      'long-lived-stale-time': cfg.bgp.gracefulRestart.longLivedStaleTime, 'restarting-speaker': cfg.bgp.gracefulRestart.restartingSpeaker,
    })}`] : []),
    '  peers:',
    ...cfg.bgp.peers.map((p) => `    - ${flowMap({
      name: p.name, address: p.address, asn: p.asn, port: p.port, passive: p.passive,
      'route-reflector-client': p.routeReflectorClient, families: p.families,
      'import-policies': p.importPolicies, 'export-policies': p.exportPolicies, password: p.password, 'hold-time': p.holdTime,
    })}`),
  ];
  if (cfg.xmpp) {
    lines.push('xmpp:', `  listen: ${flowMap({ address: cfg.xmpp.listen.address, port: cfg.xmpp.listen.port })}`);
    if (cfg.xmpp.holdTime !== undefined) lines.push(`  hold-time: ${cfg.xmpp.holdTime}`);
    const gr = cfg.xmpp.gracefulRestart;
    if (gr) lines.push(`  graceful-restart: ${flowMap({ enabled: gr.enabled, 'restart-time': gr.restartTime, 'end-of-rib-timeout': gr.endOfRibTimeout })}`);
  }
  if (cfg.introspect) {
    lines.push('introspect:', `  listen: ${flowMap({ address: cfg.introspect.listen.address, port: cfg.introspect.listen.port })}`);
  }
  if (cfg.routingPolicies) {
    lines.push(`routing-policies:${cfg.routingPolicies.length === 0 ? ' []' : ''}`);
    for (const p of cfg.routingPolicies) lines.push(`  - ${flowMap({ name: p.name, terms: p.terms.map(termMap) })}`);
  }
  if (cfg.routingInstances) {
    lines.push(`routing-instances:${cfg.routingInstances.length === 0 ? ' []' : ''}`);
    for (const ri of cfg.routingInstances) lines.push(`  - ${flowMap(instanceMap(ri))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Newest modification time (ms) of any .ts file under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let built = false;

/**
 * Builds dist/ (`npx tsc -p tsconfig.build.json`) at most once per process, when
 * dist/main.js is missing or older than some src/**.ts (CN_BUILD=never skips this).
 */
export async function ensureControlNodeBuilt(): Promise<void> {
  const main = join(REPO_ROOT, 'dist', 'main.js');
  if (built || process.env['CN_BUILD'] === 'never') return;
  built = true;
  if (existsSync(main) && statSync(main).mtimeMs >= newestSource(join(REPO_ROOT, 'src'))) return;
  try {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, timeoutMs: 180_000 });
  } catch (err) {
    // tsc emits despite type errors; only give up if nothing runnable came out.
    if (!existsSync(main)) throw err;
    console.warn(`interop: tsc reported errors, running the emitted dist/ anyway:\n${(err as Error).message.slice(0, 2000)}`);
  }
}

/** True when something listens on TCP `address:port` inside the namespace. */
export async function listening(lab: Lab, host: string, address: string, port: number): Promise<boolean> {
  const out = await lab.exec(host, 'ss', ['-Hltn', `sport = :${port}`]);
  return out.split('\n').some((l) => l.includes(`${address}:${port}`) || l.includes(`*:${port}`) || l.includes(`0.0.0.0:${port}`));
}

/** `node bin/control-node.js --config FILE` in a lab host. */
export class ControlNode {
  private proc: ProcessHandle | undefined;
  readonly configFile: string;
  readonly logFile: string;

  constructor(
    private readonly lab: Lab,
    readonly host: string,
    readonly config: CnConfig,
    /** Options for node itself, before the script (e.g. `--heapsnapshot-signal=SIGUSR2`). */
    private readonly nodeFlags: readonly string[] = [],
  ) {
    this.configFile = lab.file(`${host}-control-node.yaml`);
    this.logFile = `${host}-control-node.log`;
  }

  get pid(): number | undefined {
    return this.proc?.isRunning() ? this.proc.pid : undefined;
  }

  async start(): Promise<void> {
    await ensureControlNodeBuilt();
    writeFileSync(this.configFile, controlNodeYaml(this.config));
    const bin = join(REPO_ROOT, 'bin', 'control-node.js');
    this.proc = this.lab.spawn(this.host, process.execPath, [...this.nodeFlags, bin, '--config', this.configFile], this.logFile);
    const proc = this.proc;
    const sockets = [this.config.bgp.listen, ...(this.config.xmpp ? [this.config.xmpp.listen] : [])];
    const what = sockets.map((l) => `${l.address}:${l.port}`).join(' and ');
    await waitUntil(`control-node listening on ${what}`, async () => {
      if (!proc.isRunning()) throw new WaitAborted(`control-node exited (${String(await proc.exited)}), see ${proc.logFile}`);
      for (const l of sockets) if (!(await listening(this.lab, this.host, l.address, l.port))) return false;
      return true;
    }, 20_000);
  }

  /** SIGKILL at once, like a crash: no NOTIFICATION, no stream close; resolves with the signal name. */
  async kill(): Promise<number | string | undefined> {
    const proc = this.proc;
    if (!proc?.isRunning()) return proc ? proc.exited : undefined;
    process.kill(proc.pid, 'SIGKILL');
    const code = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000).unref())]);
    if (code === undefined) throw new Error(`control-node (pid ${proc.pid}) did not die within 5 s of SIGKILL`);
    this.proc = undefined;
    return code;
  }

  /**
   * GET `path` (e.g. `/api/routes?table=bgp.l3vpn.0`) from the introspect server, from inside
   * the node's namespace (curl), parsed as JSON. Needs `introspect` in the config.
   */
  async api(path: string): Promise<unknown> {
    const l = this.config.introspect?.listen;
    if (!l) throw new Error(`control-node in ${this.host}: no introspect in its config`);
    const text = await this.lab.exec(this.host, 'curl', ['-sSf', '--max-time', '5', `http://${l.address}:${l.port}${path}`], { timeoutMs: 10_000 });
    return JSON.parse(text) as unknown;
  }

  /** SIGTERM, SIGKILL after 5 s; resolves with the exit code or signal name. */
  async stop(): Promise<number | string | undefined> {
    const code = await this.proc?.stop(5_000);
    this.proc = undefined;
    return code;
  }
}
