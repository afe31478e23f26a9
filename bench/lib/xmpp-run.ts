/**
 * The XMPP benchmark (our binary only): A agents × R routes in M instances,
 * plus one gateway BGP peer (a sink in the sink host, iBGP, IPv4-VPN).
 *
 *  1. start control-node with the instances, wait for its BGP and XMPP ports;
 *     the gateway reaches Established; the agents connect (≤100 handshakes in
 *     flight) — `connect_s`, and the RSS with A idle sessions;
 *  2. t0, every agent subscribes to its instances and publishes its routes
 *     (one write per agent). `agents_full_s`: the last agent holds every
 *     subscribed instance's full table (ECMP next hops included);
 *     `gateway_full_s`: the gateway holds all A·R VPN routes; `settled_s`: the
 *     last route message anyone received, once both hold and nothing moved
 *     for a quiet period;
 *  3. flap storm: a fraction of the agents drop their TCP sessions at once
 *     and reconnect at once. `flap_agents_full_s`: every reconnected agent
 *     holds its full tables again; `flap_settled_s`: as above (everybody full,
 *     gateway complete, quiet).
 * Agents run in agent-host processes (child_process.fork), the gateway in a
 * sink host; only the device is measured (/proc), the harness's CPU is reported.
 *
 * The device serves introspect on port+3: the worst event-loop delay of
 * each phase (`loop_delay_max_ms`, `flap_loop_delay_max_ms`) is read from
 * its metrics at the phase's start and end.
 *
 * Mixed (`gatewayWorkload`, the `--scenario mixed` of main.ts): a second
 * gateway session (127.0.0.2, iBGP, not a reflector client, like a Contrail
 * MX) writes N pre-encoded VPN routes at t0, while the agents publish. Its
 * route targets are imported by no instance (the agents' tables are the
 * same as without it), so it loads the BGP receive path, the VPN table and
 * the event loop. `injected_s`: its last byte taken by the device's socket;
 * `device_vpn_full_s`: bgp.l3vpn.0 holds N + A·R paths (/api/summary, read
 * every 250 ms).
 */

import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceCommand, type Topology } from './devices.js';
import { BgpPeer, skipWhole } from './bgp-peer.js';
import { loopDelayMaxMs, tablePaths } from './introspect-client.js';
import { reportProfiles } from './profile.js';
import {
  bounded, logTail, makeTempDir, now, removeTempDir, sleep, start, stop, track, Usage, waitListening, type Proc,
} from './procs.js';
import { Sinks } from './sink-client.js';
import type { Workload } from './workload.js';
import { expected, instanceName, type XmppParams } from './xmpp-workload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const GATEWAY = '127.0.0.11';
const GATEWAY_IN = '127.0.0.2';
const QUIET_MS = 1500;

export interface XmppRunOptions extends XmppParams {
  flap: number;
  agentProcs: number;
  rep: number;
  asn: number;
  addr: string;
  port: number;
  xmppPort: number;
  timeoutMs: number;
  establishMs: number;
  settleMs: number;
  profile: boolean;
  /** Mixed scenario: the VPN routes the second gateway injects at t0. */
  gatewayWorkload?: Workload;
  scenario?: string;
  nodeArgs: string[];
  repoRoot: string;
  resultsDir: string;
  stamp: string;
  log: (s: string) => void;
}

interface HostMsg {
  ev: string;
  t?: number;
  msg?: string;
  [k: string]: unknown;
}

/** Driver side of the agent hosts. */
class Agents {
  readonly hosts: { proc: Proc; full: number | undefined; listeners: Set<(m: HostMsg) => void> }[] = [];
  readonly errors: string[] = [];

  constructor(procs: number, total: number) {
    for (let i = 0; i < Math.max(1, Math.min(procs, total)); i++) {
      const child = fork(path.join(here, 'agent-host.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const h = { proc: track(`agent-host-${i}`, child), full: undefined as number | undefined, listeners: new Set<(m: HostMsg) => void>() };
      child.on('message', (m: HostMsg) => {
        if (m.ev === 'full') h.full = m.t;
        if (m.ev === 'notfull') h.full = undefined;
        if (m.ev === 'error') this.errors.push(String(m.msg));
        for (const l of [...h.listeners]) l(m);
      });
      this.hosts.push(h);
    }
  }

  /** Send cmd(i) to every host and wait for the `ev` reply of each (bounded). */
  all(cmd: (i: number) => Record<string, unknown>, ev: string, ms: number): Promise<HostMsg[]> {
    return bounded(
      Promise.all(
        this.hosts.map(
          (h, i) =>
            new Promise<HostMsg>((resolve, reject) => {
              const gone = (): void => reject(new Error('agent host exited'));
              const l = (m: HostMsg): void => {
                if (m.ev === 'error') reject(new Error(`agent host: ${m.msg}`));
                if (m.ev !== ev) return;
                h.listeners.delete(l);
                h.proc.child.off('exit', gone);
                resolve(m);
              };
              h.listeners.add(l);
              h.proc.child.once('exit', gone);
              h.proc.child.send(cmd(i) as never);
            }),
        ),
      ),
      ms,
      `agent hosts: ${ev}`,
    );
  }

  /** Every agent full now: the time the last host got there, else undefined. */
  fullAt(): number | undefined {
    let t = 0;
    for (const h of this.hosts) {
      if (h.full === undefined) return undefined;
      t = Math.max(t, h.full);
    }
    return t;
  }

  async close(): Promise<void> {
    for (const h of this.hosts) if (h.proc.child.connected) h.proc.child.send({ cmd: 'exit' });
    await sleep(300);
    for (const h of this.hosts) await stop(h.proc, 1000);
  }
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

async function until(pred: () => boolean, deadline: number, what: string): Promise<void> {
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await sleep(20);
  }
}

export async function runXmpp(o: XmppRunOptions): Promise<Record<string, unknown>> {
  const exp = expected(o);
  const res: Record<string, unknown> = {
    kind: 'xmpp', device: 'control-node', rep: o.rep, agents: o.agents, routes_per_agent: o.routesPerAgent,
    instances: o.instances, subs_per_agent: o.subsPerAgent, ecmp: o.ecmp, flap: o.flap, status: 'error',
    expected_vpn_routes: exp.vpnRoutes, expected_items_to_agents: exp.itemsToAgents,
    gateway_routes: o.gatewayWorkload?.n ?? 0, ...(o.scenario !== undefined && { scenario: o.scenario }),
  };
  o.log(`xmpp: ${o.agents} agents × ${o.routesPerAgent} routes in ${o.instances} instances (${o.subsPerAgent} per agent), ` +
    `${exp.vpnRoutes} VPN routes, ${exp.itemsToAgents} items to push to agents`);
  const dir = makeTempDir();
  let dev: Proc | undefined;
  let usage: Usage | undefined;
  let gw: Sinks | undefined;
  let agents: Agents | undefined;
  let injector: BgpPeer | undefined;
  const gwIn = o.gatewayWorkload;
  const introspectPort = o.port + 3;
  const profileDir = o.profile ? path.join(o.resultsDir, 'profiles', `${o.stamp}-xmpp-a${o.agents}-r${o.rep}`) : undefined;
  try {
    const topo: Topology = {
      addr: o.addr, port: o.port, asn: o.asn, routerId: o.addr, holdTime: 180,
      peers: [{ name: 'gateway', address: GATEWAY, rrClient: false }, ...(gwIn ? [{ name: 'gateway-in', address: GATEWAY_IN, rrClient: false }] : [])],
      introspectPort,
      xmpp: {
        port: o.xmppPort, holdTime: 90,
        instances: Array.from({ length: o.instances }, (_, i) => ({ name: instanceName(i), id: i + 1, vnIndex: i + 1 })),
      },
    };
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const dc = deviceCommand('control-node', topo, dir, { repoRoot: o.repoRoot, profileDir, nodeArgs: o.nodeArgs });
    dev = start('control-node', dc.cmd, dc.args, { cwd: dc.cwd, log: path.join(dir, 'device.log') });
    usage = new Usage(dev.pid);
    await waitListening(dev, dc.ports, o.establishMs);
    usage.startSampling(100);
    gw = new Sinks([{ name: 'gateway', local: GATEWAY, host: o.addr, port: o.port, asn: o.asn, holdTime: 180, mode: 'set', size: 0, target: exp.vpnRoutes }], 1);
    await gw.connect(o.establishMs);
    if (gwIn) {
      injector = await BgpPeer.connect({ name: 'gateway-in', local: GATEWAY_IN, host: o.addr, port: o.port, asn: o.asn, holdTime: 180 }, o.establishMs);
      injector.onData = skipWhole;
    }
    agents = new Agents(o.agentProcs, o.agents);
    const P = agents.hosts.length;
    await agents.all((i) => ({
      cmd: 'init', params: o, host: o.addr, port: o.xmppPort,
      indices: Array.from({ length: o.agents }, (_, j) => j).filter((j) => j % P === i),
    }), 'ready', 60_000); // forking and building the workload takes long on a loaded machine
    const tc = now();
    await agents.all(() => ({ cmd: 'connect', concurrency: Math.ceil(100 / P) }), 'connected', o.establishMs + o.agents * 50);
    res.connect_s = r3(now() - tc);
    await sleep(o.settleMs);
    res.rss_connected_mb = Math.round(usage.sample() / 1024);

    const settle = async (t0: number, deadline: number, what: string): Promise<number> => {
      for (;;) {
        await until(() => agents!.fullAt() !== undefined, deadline, `${what}: every agent full`);
        const st = await gw!.stats();
        const g = st.sinks.gateway!;
        const hs = await agents!.all(() => ({ cmd: 'stats' }), 'stats', 10_000);
        const last = Math.max(g.lastChangeAt ?? 0, ...hs.map((h) => Number(h.lastChangeAt ?? 0)), t0);
        if (g.holding === exp.vpnRoutes && agents!.fullAt() !== undefined && now() - last >= QUIET_MS / 1000) return last;
        if (Date.now() > deadline) throw new Error(`timeout waiting for ${what} to settle (gateway holds ${g.holding}/${exp.vpnRoutes})`);
        await sleep(250);
      }
    };

    // ---- initial publish
    let deadline = Date.now() + o.timeoutMs;
    await loopDelayMaxMs(o.addr, introspectPort); // starts the window
    let cpu0 = usage.cpu();
    const t0 = now();
    let injected: Promise<number> | undefined;
    if (injector) {
      injector.write(gwIn!.announce);
      injected = injector.drained().then(() => now());
    }
    await agents.all(() => ({ cmd: 'publish' }), 'published', 30_000);
    // Device CPU seconds spent until each side was full: unlike wall time, not stretched by a busy machine.
    const gwFull = gw.allFullAfter(t0, o.timeoutMs).then((t) => {
      res.cpu_to_gateway_full_s = r3(usage!.cpu() - cpu0);
      return t;
    });
    const vpnFull = gwIn ? pollPaths(o.addr, introspectPort, 'bgp.l3vpn.0', gwIn.n + exp.vpnRoutes, deadline) : undefined;
    vpnFull?.catch(() => undefined); // awaited below; an earlier failure must not be an unhandled rejection meanwhile
    await until(() => agents!.fullAt() !== undefined, deadline, 'every agent to hold its full tables');
    res.cpu_to_agents_full_s = r3(usage.cpu() - cpu0);
    res.agents_full_s = r3(agents.fullAt()! - t0);
    res.gateway_full_s = r3((await gwFull) - t0);
    if (injected) res.injected_s = r3((await injected) - t0);
    if (vpnFull) res.device_vpn_full_s = r3((await vpnFull) - t0);
    res.settled_s = r3((await settle(t0, deadline, 'initial publish')) - t0);
    res.cpu_publish_s = r3(usage.cpu() - cpu0);
    res.loop_delay_max_ms = await loopDelayMaxMs(o.addr, introspectPort, o.timeoutMs);
    res.rss_converged_mb = Math.round(usage.sample() / 1024);
    const h1 = await agents.all(() => ({ cmd: 'stats', t0 }), 'stats', 10_000);
    res.agent_full_p50_s = r3(Math.max(...h1.map((h) => Number(h.fullP50))));
    res.agent_full_p99_s = r3(Math.max(...h1.map((h) => Number(h.fullP99))));
    res.items_received = h1.reduce((s, h) => s + Number(h.items), 0);
    res.xml_mb_received = Math.round(h1.reduce((s, h) => s + Number(h.bytes), 0) / 2 ** 20);
    o.log(`xmpp publish: agents full ${res.agents_full_s}s, gateway full ${res.gateway_full_s}s, settled ${res.settled_s}s, ` +
      `${res.items_received} items (${res.xml_mb_received} MB) to agents, RSS ${res.rss_converged_mb} MB, ` +
      `device CPU ${res.cpu_publish_s}s (${res.cpu_to_gateway_full_s}s until the gateway was full, ${res.cpu_to_agents_full_s}s until the agents were), worst event-loop delay ${res.loop_delay_max_ms} ms` +
      (gwIn ? `; ${gwIn.n} gateway routes injected in ${res.injected_s}s, bgp.l3vpn.0 full at ${res.device_vpn_full_s}s` : ''));

    // ---- flap storm
    const flapped = Array.from({ length: o.agents }, (_, j) => j).filter((j) => o.flap > 0 && j % Math.round(1 / o.flap) === 0);
    if (flapped.length > 0) {
      await sleep(o.settleMs);
      deadline = Date.now() + o.timeoutMs;
      cpu0 = usage.cpu();
      const t1 = now();
      const P2 = agents.hosts.length;
      const flapFull = agents.all((i) => ({ cmd: 'flap', indices: flapped.filter((j) => j % P2 === i) }), 'flapfull', o.timeoutMs);
      const tf = await flapFull;
      res.flap_agents = flapped.length;
      res.flap_agents_full_s = r3(Math.max(...tf.map((m) => m.t!)) - t1);
      res.flap_settled_s = r3((await settle(t1, deadline, 'flap storm')) - t1);
      res.cpu_flap_s = r3(usage.cpu() - cpu0);
      res.flap_loop_delay_max_ms = await loopDelayMaxMs(o.addr, introspectPort, o.timeoutMs);
      const h2 = await agents.all(() => ({ cmd: 'stats', t0: t1 }), 'stats', 10_000);
      res.reconnect_retries = h2.reduce((s, h) => s + Number(h.reconnects), 0);
      res.agent_errors = h2.flatMap((h) => h.errors as string[]).slice(0, 10);
      res.agent_error_count = h2.reduce((s, h) => s + Number(h.errorCount), 0);
      o.log(`xmpp flap of ${flapped.length} agents: reconnected agents full ${res.flap_agents_full_s}s, settled ${res.flap_settled_s}s, ` +
        `worst event-loop delay ${res.flap_loop_delay_max_ms} ms`);
    }
    const gs = (await gw.stats()).sinks.gateway!;
    res.gateway = { holding: gs.holding, reach: gs.reach, unreach: gs.unreach, dups: gs.dups, missing: gs.missing, updates: gs.updates };
    const h3 = await agents.all(() => ({ cmd: 'stats' }), 'stats', 10_000);
    res.harness_agent_cpu_s = r3(h3.reduce((s, h) => s + Number(h.cpu), 0));
    res.status = 'ok';
  } catch (e) {
    res.status = `error: ${(e as Error).message}`;
    if (dev) res.device_log_tail = logTail(dev.log, 800);
    const gs = await gw?.stats().then((st) => st.sinks.gateway, () => undefined);
    if (gs) res.gateway = { holding: gs.holding, reach: gs.reach, unreach: gs.unreach, dups: gs.dups, missing: gs.missing, updates: gs.updates };
    if (agents?.errors.length) res.agent_errors = agents.errors.slice(0, 10);
  } finally {
    usage?.stopSampling();
    if (usage && dev && !dev.exited) {
      res.cpu_total_s = r3(usage.cpu());
      res.peak_rss_mb = Math.round(usage.peakRssKb / 1024);
    }
    if (dev?.exited) res.status = `${res.status} (device exited: code ${dev.exitCode}, signal ${dev.exitSignal})`;
    await agents?.close();
    await gw?.close();
    await injector?.close();
    if (dev) await stop(dev, profileDir ? 20_000 : 5000);
    removeTempDir(dir);
  }
  if (profileDir) res.profile = reportProfiles(profileDir, o.repoRoot, o.log);
  return res;
}

/** When the table first holds `want` paths (polled every 250 ms). */
async function pollPaths(addr: string, port: number, table: string, want: number, deadline: number): Promise<number> {
  for (;;) {
    // A device whose event loop is held for minutes answers late: wait as long as the run may last.
    if ((await tablePaths(addr, port, table, Math.max(1000, deadline - Date.now()))) >= want) return now();
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${table} to hold ${want} paths`);
    await sleep(250);
  }
}
