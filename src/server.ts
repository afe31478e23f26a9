/**
 * The server: builds the RIB core, the routing instances (the master one
 * owning the BGP tables), the BGP peering engine attached to the master
 * instance, the BGP speaker and the agents' XMPP server from a validated
 * Config, and starts them. The composition root (src/main.ts) calls this;
 * tests call it too, to run a control node in-process.
 */

import type { Logger } from 'pino';
import type { BgpOptions, BgpPeerOptions } from './bgp/options.js';
import { BgpSpeaker } from './bgp/speaker.js';
import { diffConfig } from './config/index.js';
import type { BgpConfig, Config, IntrospectConfig, LogLevel, PeerConfig, PeerRef, RoutingInstanceConfig } from './config/index.js';
import type { BgpaasConfig } from './config/bgpaas.js';
import { bgpaasExportHook, exportHook, importHook, peerExportHook } from './policy/attach.js';
import type { Policy } from './policy/types.js';
import { BgpPeering } from './rib/peering.js';
import { Rib } from './rib/rib.js';
import type { Table } from './rib/table.js';
import type { RoutingInstance } from './routing-instances/instance.js';
import { InstanceManager } from './routing-instances/manager.js';
import { XmppServer } from './xmpp/server.js';
import { startIntrospect } from './introspect/server.js';
import { applyPlan, describePlan, type ReloadParts, type ReloadStats } from './reload.js';

export interface ServerHandle {
  readonly listening: {
    bgp: { address: string; port: number };
    xmpp?: { address: string; port: number };
    introspect?: { address: string; port: number };
  };
  readonly rib: Rib;
  /** The BGP peering engine of the master instance. */
  readonly peering: BgpPeering;
  readonly bgp: BgpSpeaker;
  readonly instances: InstanceManager;
  readonly xmpp?: XmppServer;
  /** How config reloads went (introspect, metrics). */
  readonly reloads: ReloadStats;
  /**
   * Apply a new, validated config to the running node (SIGHUP, file change).
   * Refused (nothing changes, the running config stays) when the diff says
   * so (src/config/diff.ts); the outcome is recorded in `reloads`. Reloads
   * run one at a time, in the order asked.
   */
  reload(next: Config): Promise<ReloadOutcome>;
  /** A reload whose file did not load (bad YAML, a bad value): recorded like a refused one. */
  reloadFailed(error: string): void;
  stop(): Promise<void>;
}

export type ReloadOutcome = { readonly ok: true; readonly changes: Record<string, unknown> } | { readonly ok: false; readonly error: string };

export interface ServerDeps {
  readonly logger: Logger;
  /** Set the log level (a reload changed `log-level`; undefined: back to the command line's). Default: the root logger's level. */
  readonly setLogLevel?: (level: LogLevel | undefined) => void;
}

/**
 * The speaker's options from the `bgp` config section. Field by field on
 * purpose: the speaker has its own types (src/bgp/options.ts) and does not
 * import config, so a change to the YAML's shape stops here.
 */
function bgpOptions(bgp: BgpConfig, policies: ReadonlyMap<string, Policy>): BgpOptions {
  return {
    listen: { address: bgp.listen.address, port: bgp.listen.port },
    holdTime: bgp.holdTime,
    connectRetry: bgp.connectRetry,
    ...(bgp.gracefulRestart.enabled && {
      gracefulRestart: {
        restartTime: bgp.gracefulRestart.restartTime,
        endOfRibTimeout: bgp.gracefulRestart.endOfRibTimeout,
        longLivedStaleTime: bgp.gracefulRestart.longLivedStaleTime,
        restartingSpeaker: bgp.gracefulRestart.restartingSpeaker,
      },
    }),
    peers: bgp.peers.map((p) => peerOptions(p, bgp, policies)),
  };
}

/** One peer's options; the timers it inherits are written out, so a peer added by a reload gets the new config's. */
function peerOptions(p: PeerConfig, bgp: BgpConfig, policies: ReadonlyMap<string, Policy>): BgpPeerOptions {
  return {
    name: p.name,
    address: p.address,
    asn: p.asn,
    port: p.port,
    passive: p.passive,
    routeReflectorClient: p.routeReflectorClient,
    families: [...p.families],
    holdTime: p.holdTime ?? bgp.holdTime,
    connectRetry: bgp.connectRetry,
    ...(p.localAddress !== undefined && { localAddress: p.localAddress }),
    ...(p.password !== undefined && { password: p.password }),
    ...(p.maxPrefixes !== undefined && { maxPrefixes: { ...p.maxPrefixes } }),
    ...(p.exportPolicies.length > 0 && { exportPolicy: peerExportHook(p.exportPolicies.map((n) => policies.get(n)!)) }),
  };
}

const policiesOf = (config: Config): Map<string, Policy> => new Map(config.routingPolicies.map((p) => [p.name, p]));

export async function startServer(config: Config, deps: ServerDeps): Promise<ServerHandle> {
  const { node } = config;
  const reflector = config.bgp.peers.some((p) => p.routeReflectorClient) || node.clusterId !== undefined;
  const rib = new Rib({
    routerId: node.routerId,
    asn: node.asn,
    clusterId: node.clusterId ?? node.routerId,
    reflector,
  });
  const instances = new InstanceManager(rib, node.asn, config.routingInstances);
  const policies = policiesOf(config);
  for (const ri of config.routingInstances) instances.addStaticRoutes(instances.get(ri.name)!, ri.staticRoutes);
  const bgpaas = bgpaasSessions(rib, instances);
  const sessions = config.routingInstances.flatMap((ri) => ri.bgpaas.map((b) => bgpaas(ri, b, config.bgp, policies)));
  attachPolicies(config, rib, instances);
  const peering = new BgpPeering(rib, instances.master.tables);
  const speakerBgp = bgpOptions(config.bgp, policies);
  const bgp = new BgpSpeaker(peering, {
    name: node.name,
    asn: node.asn,
    routerId: node.routerId,
    bgp: { ...speakerBgp, peers: [...speakerBgp.peers, ...sessions] },
    logger: deps.logger,
  });
  const xmpp = config.xmpp.enabled
    ? new XmppServer({
        listen: config.xmpp.listen, holdTimeSec: config.xmpp.holdTime, serverName: node.name,
        asn: node.asn, rib, manager: instances, logger: deps.logger,
        ...(config.xmpp.tls !== undefined && { tls: { ...config.xmpp.tls } }),
        ...(config.xmpp.maxRoutesPerAgent !== undefined && { maxRoutes: config.xmpp.maxRoutesPerAgent }),
        ...(config.xmpp.gracefulRestart && {
          gracefulRestart: {
            restartTimeSec: config.xmpp.gracefulRestart.restartTime, endOfRibTimeoutSec: config.xmpp.gracefulRestart.endOfRibTimeout,
            longLivedStaleTimeSec: config.xmpp.gracefulRestart.longLivedStaleTime,
          },
        }),
      })
    : undefined;
  const listening: ServerHandle['listening'] = { bgp: await bgp.start(), xmpp: await xmpp?.start() };
  const parts: ReloadParts = {
    instances, bgp, xmpp,
    peerOptions: (ref, next) => sessionOptions(ref, next, bgpaas),
    attachPolicies: (next) => attachPolicies(next, rib, instances),
    exportPolicyOf: (name, next) => {
      const ref = sessionRef(next, name);
      return ref && sessionOptions(ref, next, bgpaas).exportPolicy;
    },
    reimportInstance: (name) => {
      const inst = instances.get(name);
      if (!inst) return;
      for (const [, t] of inst.allTables()) rib.reevaluate(t);
      for (const t of Object.values(inst.staging ?? {})) if (t) rib.reevaluate(t as Table);
    },
  };
  const introspect = introspectControl(deps.logger);
  const reloads = reloadControl(config, parts, deps, introspect);
  const handle: ServerHandle = {
    listening,
    rib,
    peering,
    bgp,
    instances,
    xmpp,
    reloads: reloads.stats,
    reload: reloads.reload,
    reloadFailed: reloads.failed,
    stop: async () => {
      await introspect.close();
      await xmpp?.stop();
      await bgp.stop();
    },
  };
  introspect.bind(handle);
  if (config.introspect.enabled) {
    await introspect.start(config.introspect).catch(async (err: unknown) => {
      await handle.stop(); // e.g. the port is taken: nothing of ours stays up
      throw err;
    });
  }
  return handle;
}

type BgpaasFactory = (ri: RoutingInstanceConfig, b: BgpaasConfig, bgp: BgpConfig, policies: ReadonlyMap<string, Policy>) => BgpPeerOptions;

/**
 * BGP-as-a-Service sessions, as peers of a peering engine of their
 * instance's own (made on its first session), which receives into the
 * instance's staging tables (next hops resolved there) and advertises the
 * instance's tables; while a session is up, the instance's import targets
 * are asked for (RFC 4684), as for a subscribed agent.
 */
function bgpaasSessions(rib: Rib, instances: InstanceManager): BgpaasFactory {
  const peerings = new WeakMap<RoutingInstance, BgpPeering>();
  return (ri, b, bgp, policies) => {
    const inst = instances.get(ri.name)!;
    let peering = peerings.get(inst);
    if (!peering) peerings.set(inst, (peering = new BgpPeering(rib, inst.tables, instances.staging(inst))));
    return {
      name: b.name, address: b.address, asn: b.asn, port: 179, passive: true, routeReflectorClient: false,
      families: [...b.families], kind: 'bgpaas', peering, instance: ri.name,
      holdTime: b.holdTime ?? bgp.holdTime, connectRetry: bgp.connectRetry,
      ...(b.sourcePort !== undefined && { sourcePort: b.sourcePort }),
      ...(b.password !== undefined && { password: b.password }),
      exportPolicy: bgpaasExportHook(b.exportPolicies.map((n) => policies.get(n)!), b.gatewayAddress, b.ipv6GatewayAddress),
      lifecycle: { up: () => instances.subscribe(inst), down: () => instances.unsubscribe(inst) },
    };
  };
}

/** The speaker's options for a session of a (new) config. */
/** The session of that name in a config: a BGP peer or a BGP-as-a-Service session. */
function sessionRef(config: Config, name: string): PeerRef | undefined {
  const peer = config.bgp.peers.find((p) => p.name === name);
  if (peer) return { kind: 'bgp', name, peer };
  for (const ri of config.routingInstances) {
    const session = ri.bgpaas.find((b) => b.name === name);
    if (session) return { kind: 'bgpaas', name, instance: ri, session };
  }
  return undefined;
}

function sessionOptions(ref: PeerRef, config: Config, bgpaas: BgpaasFactory): BgpPeerOptions {
  const policies = policiesOf(config);
  return ref.kind === 'bgp' ? peerOptions(ref.peer, config.bgp, policies) : bgpaas(ref.instance, ref.session, config.bgp, policies);
}

/** The introspect server, which a reload may move, start or stop. */
function introspectControl(logger: Logger) {
  let handle: ServerHandle | undefined;
  let close = async (): Promise<void> => {};
  const control = {
    bind(h: ServerHandle): void {
      handle = h;
    },
    async start(c: IntrospectConfig): Promise<void> {
      // Introspect reads everything; only this composition knows it exists.
      const intro = await startIntrospect(handle!, c.listen, logger, { tls: c.tls, token: c.token });
      (handle!.listening as { introspect?: { address: string; port: number } }).introspect = intro.address;
      close = () => intro.close();
    },
    async close(): Promise<void> {
      await close();
      close = async () => {};
      if (handle) delete (handle.listening as { introspect?: unknown }).introspect;
    },
  };
  return control;
}

/** Reloads, one at a time, with their record. */
function reloadControl(initial: Config, parts: ReloadParts, deps: ServerDeps, introspect: ReturnType<typeof introspectControl>) {
  let current = initial;
  let queue: Promise<unknown> = Promise.resolve();
  const stats: ReloadStats = { ok: 0, failed: 0 };
  const failed = (error: string): void => {
    stats.failed++;
    stats.last = { at: new Date().toISOString(), ok: false, error };
    deps.logger.error({ error }, 'config reload refused; the running config stays');
  };
  const run = async (next: Config): Promise<ReloadOutcome> => {
    const diff = diffConfig(current, next);
    if (!diff.ok) {
      failed(diff.message);
      return { ok: false, error: diff.message };
    }
    const { plan } = diff;
    try {
      await applyPlan(plan, next, parts);
      if (plan.logLevel) setLogLevel(deps, plan.logLevel.level);
      if (plan.introspect) {
        await introspect.close();
        if (plan.introspect.enabled) await introspect.start(plan.introspect);
      }
    } catch (err) {
      // Not expected (the diff refuses what cannot be applied); the node keeps running with what was applied.
      const error = `applying the new config failed part way: ${err instanceof Error ? err.message : String(err)}`;
      failed(error);
      return { ok: false, error };
    }
    current = next;
    stats.ok++;
    stats.last = { at: new Date().toISOString(), ok: true };
    const changes = describePlan(plan);
    deps.logger.info({ ...changes }, plan.empty ? 'config reloaded: nothing changed' : 'config reloaded');
    return { ok: true, changes };
  };
  const reload = (next: Config): Promise<ReloadOutcome> => {
    const p = queue.then(() => run(next));
    queue = p.catch(() => undefined);
    return p;
  };
  return { stats, reload, failed };
}

function setLogLevel(deps: ServerDeps, level: LogLevel | undefined): void {
  if (deps.setLogLevel) deps.setLogLevel(level);
  else if (level) deps.logger.level = level;
}

/** Routing policies by name, attached where the config says: instance and peer import at the one way in, instance export toward the VPN tables. */
function attachPolicies(config: Config, rib: Rib, instances: InstanceManager): void {
  const byName = new Map(config.routingPolicies.map((p) => [p.name, p]));
  const chain = (names: readonly string[]): Policy[] => names.map((n) => byName.get(n)!);
  const byTable = new Map<string, Policy[]>();
  const byPeer = new Map<string, Policy[]>();
  const exports = new Map<string, Policy[]>();
  for (const ri of config.routingInstances) {
    const inst = instances.get(ri.name)!;
    // Staging tables made first, so that a session or static route added by a reload finds its policy attached.
    if (ri.importPolicies.length > 0 && (ri.bgpaas.length > 0 || ri.staticRoutes.length > 0)) instances.staging(inst);
    if (ri.importPolicies.length > 0) {
      for (const [, t] of inst.allTables()) byTable.set(t.name, chain(ri.importPolicies));
      for (const t of Object.values(inst.staging ?? {})) byTable.set(t.name, chain(ri.importPolicies));
    }
    for (const b of ri.bgpaas) if (b.importPolicies.length > 0) byPeer.set(b.name, chain(b.importPolicies));
    if (ri.exportPolicies.length > 0) exports.set(ri.name, chain(ri.exportPolicies));
  }
  for (const p of config.bgp.peers) if (p.importPolicies.length > 0) byPeer.set(p.name, chain(p.importPolicies));
  rib.importPolicy = importHook({ byTable, byPeer });
  instances.exportPolicy = exportHook(exports);
}

/**
 * Runs a stop with a deadline: 'stopped' when it finished in time,
 * 'timed-out' when `ms` passed first (the stop keeps running; the caller
 * decides whether to wait). A stop that fails rejects. The timer is not
 * unref'd on purpose: a stop stuck on nothing must still end in 'timed-out',
 * not in a silent exit 0 when the event loop runs dry.
 */
export function stopWithin(stop: () => Promise<void>, ms: number): Promise<'stopped' | 'timed-out'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timed-out'), ms);
    stop().then(
      () => {
        clearTimeout(timer);
        resolve('stopped');
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
