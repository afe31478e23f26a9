/**
 * The server: builds the RIB core, the routing instances (the master one
 * owning the BGP tables), the BGP peering engine attached to the master
 * instance, the BGP speaker and the agents' XMPP server from a validated
 * Config, and starts them. The composition root (src/main.ts) calls this;
 * tests call it too, to run a control node in-process.
 */

import type { Logger } from 'pino';
import type { BgpOptions } from './bgp/options.js';
import { BgpSpeaker } from './bgp/speaker.js';
import type { BgpConfig, Config } from './config/index.js';
import { exportHook, importHook, peerExportHook } from './policy/attach.js';
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
  attachPolicies(config, rib, instances);
  const peering = new BgpPeering(rib, instances.master.tables);
  const bgp = new BgpSpeaker(peering, {
    name: node.name,
    asn: node.asn,
    routerId: node.routerId,
    bgp: bgpOptions(config.bgp, new Map(config.routingPolicies.map((p) => [p.name, p]))),
    logger: deps.logger,
  });
  const xmpp = config.xmpp.enabled
    ? new XmppServer({
        listen: config.xmpp.listen, holdTimeSec: config.xmpp.holdTime, serverName: node.name,
        asn: node.asn, rib, manager: instances, logger: deps.logger,
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

/** Routing policies by name, attached where the config says: instance and peer import at the one way in, instance export toward the VPN tables. */
function attachPolicies(config: Config, rib: Rib, instances: InstanceManager): void {
  const byName = new Map(config.routingPolicies.map((p) => [p.name, p]));
  const chain = (names: readonly string[]): Policy[] => names.map((n) => byName.get(n)!);
  const byTable = new Map<string, Policy[]>();
  const exports = new Map<string, Policy[]>();
  for (const ri of config.routingInstances) {
    const inst = instances.get(ri.name)!;
    if (ri.importPolicies.length > 0) for (const [, t] of inst.allTables()) byTable.set(t.name, chain(ri.importPolicies));
    if (ri.exportPolicies.length > 0) exports.set(ri.name, chain(ri.exportPolicies));
  }
  const byPeer = new Map<string, Policy[]>();
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
