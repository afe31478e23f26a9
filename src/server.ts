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
import type { BgpConfig, Config } from './config/index.js';
import { bgpaasExportHook, exportHook, importHook, peerExportHook } from './policy/attach.js';
import type { Policy } from './policy/types.js';
import { BgpPeering } from './rib/peering.js';
import { Rib } from './rib/rib.js';
import { InstanceManager } from './routing-instances/manager.js';
import { XmppServer } from './xmpp/server.js';
import { startIntrospect } from './introspect/server.js';

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
  stop(): Promise<void>;
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
    peers: bgp.peers.map((p) => ({
      name: p.name,
      address: p.address,
      asn: p.asn,
      port: p.port,
      passive: p.passive,
      routeReflectorClient: p.routeReflectorClient,
      families: [...p.families],
      ...(p.holdTime !== undefined && { holdTime: p.holdTime }),
      ...(p.localAddress !== undefined && { localAddress: p.localAddress }),
      ...(p.password !== undefined && { password: p.password }),
      ...(p.maxPrefixes !== undefined && { maxPrefixes: { ...p.maxPrefixes } }),
      ...(p.exportPolicies.length > 0 && { exportPolicy: peerExportHook(p.exportPolicies.map((n) => policies.get(n)!)) }),
    })),
  };
}

export async function startServer(config: Config, deps: { logger: Logger }): Promise<ServerHandle> {
  const { node } = config;
  const reflector = config.bgp.peers.some((p) => p.routeReflectorClient) || node.clusterId !== undefined;
  const rib = new Rib({
    routerId: node.routerId,
    asn: node.asn,
    clusterId: node.clusterId ?? node.routerId,
    reflector,
  });
  const instances = new InstanceManager(rib, node.asn, config.routingInstances);
  const policies = new Map(config.routingPolicies.map((p) => [p.name, p]));
  const sessions = instanceSessions(config, rib, instances, policies);
  attachPolicies(config, rib, instances);
  const peering = new BgpPeering(rib, instances.master.tables);
  const bgp = new BgpSpeaker(peering, {
    name: node.name,
    asn: node.asn,
    routerId: node.routerId,
    bgp: { ...bgpOptions(config.bgp, policies), peers: [...bgpOptions(config.bgp, policies).peers, ...sessions] },
    logger: deps.logger,
  });
  const xmpp = config.xmpp.enabled
    ? new XmppServer({
        listen: config.xmpp.listen, holdTimeSec: config.xmpp.holdTime, serverName: node.name,
        asn: node.asn, rib, manager: instances, logger: deps.logger,
        ...(config.xmpp.tls !== undefined && { tls: { ...config.xmpp.tls } }),
        ...(config.xmpp.maxRoutesPerAgent !== undefined && { maxRoutes: config.xmpp.maxRoutesPerAgent }),
      })
    : undefined;
  const listening: ServerHandle['listening'] = { bgp: await bgp.start(), xmpp: await xmpp?.start() };
  let closeIntrospect = async (): Promise<void> => {};
  const handle: ServerHandle = {
    listening,
    rib,
    peering,
    bgp,
    instances,
    xmpp,
    stop: async () => {
      await closeIntrospect();
      await xmpp?.stop();
      await bgp.stop();
    },
  };
  if (config.introspect.enabled) {
    // Introspect reads everything; only this composition knows it exists.
    const intro = await startIntrospect(handle, config.introspect.listen, deps.logger).catch(async (err: unknown) => {
      await handle.stop(); // e.g. the port is taken: nothing of ours stays up
      throw err;
    });
    listening.introspect = intro.address;
    closeIntrospect = () => intro.close();
  }
  return handle;
}

/**
 * Per routing instance: its static routes, and its BGP-as-a-Service
 * sessions as peers of a peering engine of its own, which receives into the
 * instance's staging tables (next hops resolved there) and advertises the
 * instance's tables; while a session is up, the instance's import targets
 * are asked for (RFC 4684), as for a subscribed agent.
 */
function instanceSessions(
  config: Config, rib: Rib, instances: InstanceManager, policies: ReadonlyMap<string, Policy>,
): BgpPeerOptions[] {
  const out: BgpPeerOptions[] = [];
  for (const ri of config.routingInstances) {
    const inst = instances.get(ri.name)!;
    instances.addStaticRoutes(inst, ri.staticRoutes);
    if (ri.bgpaas.length === 0) continue;
    const peering = new BgpPeering(rib, inst.tables, instances.staging(inst));
    for (const b of ri.bgpaas) {
      out.push({
        name: b.name, address: b.address, asn: b.asn, port: 179, passive: true, routeReflectorClient: false,
        families: [...b.families], kind: 'bgpaas', peering, instance: ri.name,
        ...(b.holdTime !== undefined && { holdTime: b.holdTime }),
        ...(b.sourcePort !== undefined && { sourcePort: b.sourcePort }),
        exportPolicy: bgpaasExportHook(b.exportPolicies.map((n) => policies.get(n)!), b.gatewayAddress, b.ipv6GatewayAddress),
        lifecycle: { up: () => instances.subscribe(inst), down: () => instances.unsubscribe(inst) },
      });
    }
  }
  return out;
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
