/**
 * One BGP route-reflection run: device × N routes × K sinks.
 *
 *  1. write the device's config into a fresh temp dir, start it, wait until
 *     its port LISTENs (/proc/net/tcp, no probe connection);
 *  2. the K sinks (in the sink host process(es)) connect from 127.0.0.11…
 *     and reach Established, then the injector does from 127.0.0.2;
 *  3. after a settle pause, t0 = just before the injector writes its
 *     pre-encoded UPDATEs (+ End-of-RIB); announce time = when the last sink
 *     holds all N routes (each sink timestamps that moment itself);
 *  4. after another pause, the injector writes the withdrawals; withdraw time
 *     = when the last sink holds none;
 *  5. stop the sinks, the injector and the device (by PID), remove the temp dir.
 *
 * Device CPU = utime+stime of its process tree over each phase; peak RSS =
 * max(VmHWM, sampled tree RSS every 100 ms). `other_cpu_*` = busy CPU of the
 * whole machine (/proc/stat) minus the device's: the harness plus anything
 * else running (a noisy neighbour shows up there). Every wait is bounded.
 */

import fs from 'node:fs';
import path from 'node:path';
import { BgpPeer, skipWhole } from './bgp-peer.js';
import { deviceCommand, type DeviceKind, type Topology } from './devices.js';
import { reportProfiles } from './profile.js';
import { logTail, machineBusy, makeTempDir, now, removeTempDir, sleep, start, stop, Usage, waitListening, type Proc } from './procs.js';
import { Sinks, type SinkStats } from './sink-client.js';
import type { Workload } from './workload.js';

export const INJECTOR_ADDR = '127.0.0.2';
export const sinkAddr = (i: number): string => `127.0.${Math.floor((11 + i) / 256)}.${(11 + i) % 256}`;

export interface BgpRunOptions {
  device: DeviceKind;
  k: number;
  rep: number;
  asn: number;
  addr: string;
  port: number;
  holdTime: number;
  timeoutMs: number;
  establishMs: number;
  settleMs: number;
  sinkProcs: number;
  batchMs: number;
  profile: boolean;
  nodeArgs: string[];
  repoRoot: string;
  resultsDir: string;
  stamp: string;
  log: (s: string) => void;
}

export interface BgpResult {
  kind: 'bgp';
  device: DeviceKind;
  n: number;
  k: number;
  rep: number;
  status: string;
  [key: string]: unknown;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export async function runBgp(o: BgpRunOptions, w: Workload): Promise<BgpResult> {
  const res: BgpResult = {
    kind: 'bgp', device: o.device, n: w.n, k: o.k, rep: o.rep, status: 'error',
    attribute_sets: w.attributeSets, inject_updates: w.announceUpdates, inject_withdraw_updates: w.withdrawUpdates,
  };
  const dir = makeTempDir();
  let dev: Proc | undefined;
  let sinks: Sinks | undefined;
  let injector: BgpPeer | undefined;
  let usage: Usage | undefined;
  const profileDir = o.profile && o.device === 'control-node'
    ? path.join(o.resultsDir, 'profiles', `${o.stamp}-bgp-n${w.n}-k${o.k}-r${o.rep}`)
    : undefined;
  try {
    const topo: Topology = {
      addr: o.addr, port: o.port, asn: o.asn, routerId: o.addr, holdTime: o.holdTime,
      peers: [
        { name: 'injector', address: INJECTOR_ADDR, rrClient: true },
        ...Array.from({ length: o.k }, (_, i) => ({ name: `sink${i}`, address: sinkAddr(i), rrClient: true })),
      ],
    };
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const dc = deviceCommand(o.device, topo, dir, { repoRoot: o.repoRoot, profileDir, nodeArgs: o.nodeArgs });
    dev = start(o.device, dc.cmd, dc.args, { cwd: dc.cwd, log: path.join(dir, 'device.log') });
    usage = new Usage(dev.pid);
    res.device_start_s = r3(await waitListening(dev, dc.ports, o.establishMs));
    usage.sample();

    const tEst = now();
    sinks = new Sinks(
      topo.peers.slice(1).map((p) => ({
        name: p.name, local: p.address, host: o.addr, port: o.port, asn: o.asn, holdTime: o.holdTime,
        mode: 'bitmap' as const, size: w.n, target: w.n,
      })),
      o.sinkProcs,
      o.batchMs,
    );
    await sinks.connect(o.establishMs);
    injector = await BgpPeer.connect(
      { name: 'injector', local: INJECTOR_ADDR, host: o.addr, port: o.port, asn: o.asn, holdTime: o.holdTime },
      o.establishMs,
    );
    injector.onData = skipWhole;
    res.establish_s = r3(now() - tEst);
    await sleep(o.settleMs);

    // ---- announce
    const deadline = Date.now() + o.timeoutMs;
    usage.startSampling(100);
    const cpu0 = usage.cpu();
    const busy0 = machineBusy();
    const t0 = now();
    injector.write(w.announce);
    const written = injector.drained().then(() => now());
    const tFull = await sinks.allFullAfter(t0, deadline - Date.now());
    res.announce_s = r3(tFull - t0);
    res.inject_write_s = r3((await written) - t0);
    res.dut_cpu_announce_s = r3(usage.cpu() - cpu0);
    // Everything else the machine did meanwhile: harness + anything not ours (noise).
    res.other_cpu_announce_s = r3(machineBusy() - busy0 - (res.dut_cpu_announce_s as number));
    res.rss_converged_mb = Math.round(usage.sample() / 1024);
    const st1 = await sinks.stats();
    res.first_rx_s = r3(Math.min(...Object.values(st1.sinks).map((s) => s.firstAt ?? Infinity)) - t0);
    res.per_sink_announce_s = Object.values(st1.sinks).map((s) => r3((s.fullAt.find((t) => t >= t0) ?? NaN) - t0));
    res.sinks_after_announce = summarizeSinks(st1.sinks);
    await sleep(o.settleMs);

    // ---- withdraw
    const cpu1 = usage.cpu();
    const busy1 = machineBusy();
    const tw = now();
    injector.write(w.withdraw);
    const tEmpty = await sinks.allEmptyAfter(tw, deadline - Date.now());
    res.withdraw_s = r3(tEmpty - tw);
    res.dut_cpu_withdraw_s = r3(usage.cpu() - cpu1);
    res.other_cpu_withdraw_s = r3(machineBusy() - busy1 - (res.dut_cpu_withdraw_s as number));
    const st2 = await sinks.stats();
    res.sinks_after_withdraw = summarizeSinks(st2.sinks);
    res.harness_sink_cpu_s = r3(st2.cpu);
    res.status = 'ok';
  } catch (e) {
    res.status = `error: ${(e as Error).message}`;
    if (dev) res.device_log_tail = logTail(dev.log, 800);
    if (sinks) {
      try {
        res.sinks_at_error = summarizeSinks((await sinks.stats()).sinks);
      } catch {
        /* sink host gone */
      }
    }
  } finally {
    usage?.stopSampling();
    if (usage && dev && !dev.exited) {
      res.dut_cpu_total_s = r3(usage.cpu());
      res.peak_rss_mb = Math.round(usage.peakRssKb / 1024);
    }
    if (dev?.exited && res.status === 'ok') res.status = `device exited (code ${dev.exitCode}, signal ${dev.exitSignal})`;
    await injector?.close();
    await sinks?.close();
    if (dev) await stop(dev, profileDir ? 20_000 : 5000);
    removeTempDir(dir);
  }
  if (profileDir) res.profile = reportProfiles(profileDir, o.repoRoot, o.log);
  return res;
}

/** What the sinks saw, folded: per-sink values that are all equal are shown once. */
export function summarizeSinks(s: Record<string, SinkStats>): Record<string, unknown> {
  const all = Object.values(s);
  const fold = (f: (x: SinkStats) => unknown): unknown => {
    const v = all.map(f);
    return v.every((x) => x === v[0]) ? v[0] : v;
  };
  return {
    holding: fold((x) => x.holding), reach: fold((x) => x.reach), unreach: fold((x) => x.unreach),
    updates: fold((x) => x.updates), bytes: fold((x) => x.bytes), dups: fold((x) => x.dups),
    missing: fold((x) => x.missing), foreign: fold((x) => x.foreign), eor: fold((x) => x.eor),
    errors: all.map((x) => x.notification ?? x.sessionError).filter((x) => x !== undefined),
  };
}
