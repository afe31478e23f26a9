/**
 * `npm run bench:memory -- [--routes 1000000] [--clients 1]` — memory per
 * route and withdraw CPU of the RIB, in process, without sockets (issue 13).
 *
 * The master instance as src/server.ts builds it (an InstanceManager with no
 * VRFs, its tables, one BgpPeering) with one source peer and `clients`
 * route-reflector clients in one update group. The bench workload
 * (bench/lib/workload.ts: N /32 IPv4-VPN routes, one attribute set and RD
 * per 100) is encoded first; then its UPDATEs are framed, decoded and
 * applied 16 at a time (about one 64 KiB socket read), each batch followed
 * by draining the update groups into a null sink, as the speaker does
 * between reads. Printed:
 *
 * - retained heap bytes per route: heapUsed after a full GC with every
 *   route in, minus the same before, over N (needs --expose-gc, which the
 *   npm script passes);
 * - RSS with every route in, and the process's peak RSS;
 * - CPU seconds (process.cpuUsage, user + system, GC threads included) of announcing them all
 *   and of withdrawing them all, decoding and draining included.
 *
 * `--profile FILE` also writes a CPU profile of the withdraw (node:inspector)
 * to FILE and prints its top functions by self time.
 *
 * `--heap-summary K` takes a heap snapshot with every route in and prints
 * the K largest kinds of object (V8 type and constructor name) by self
 * size, as objects and bytes per route: what the retained bytes are made of.
 *
 * Figures to read, not a test: compare runs on the same machine state.
 */

import fs from 'node:fs';
import os from 'node:os';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { decodeMessage, frame, type UpdateMessage } from '../src/bgp/wire/index.js';
import { BgpPeering, type PeerRib, type TableSet } from '../src/rib/peering.js';
import { Rib } from '../src/rib/rib.js';
import type { PeerInfo } from '../src/rib/types.js';
import { InstanceManager } from '../src/routing-instances/manager.js';
import { CTX } from './lib/bgp-peer.js';
import { formatProfile } from './lib/profile.js';
import { buildWorkload } from './lib/workload.js';

const ASN = 64512;
const VPN = [{ afi: 1, safi: 128 }];
/** UPDATEs applied between two drains (~64 KiB of 4096-byte messages). */
const PER_READ = 16;

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '1000000' },
    clients: { type: 'string', default: '1' },
    profile: { type: 'string' },
    'heap-summary': { type: 'string' },
  },
});
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const N = Number(values.routes);
const CLIENTS = Number(values.clients);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc (npm run bench:memory does)');
  process.exit(2);
}

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function peer(rib: Rib, name: string, address: number): PeerInfo {
  return { id: rib.allocatePeerId(), name, kind: 'bgp', address, asn: ASN, ibgp: true, rrClient: true, routerId: address };
}

/** Frame, decode and apply a stream of UPDATEs, draining into nothing after every PER_READ. */
function feed(peering: BgpPeering, from: PeerRib, stream: Buffer): number {
  const { messages } = frame(stream);
  let drained = 0;
  for (let i = 0; i < messages.length; i++) {
    const d = decodeMessage(messages[i]!, CTX);
    const msg = d.value as UpdateMessage | undefined;
    if (msg?.type === 'update') peering.update(from, msg);
    if ((i + 1) % PER_READ === 0 || i === messages.length - 1) {
      while (peering.hasWork()) for (const del of peering.drain(4096)) drained += del.msgs.length;
      if (i % (PER_READ * 16) === PER_READ * 16 - 1) sample();
    }
  }
  return drained;
}

/** The largest RSS sampled during the feeds, with the heap at that moment. */
const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 };

function sample(): void {
  const m = process.memoryUsage();
  if (m.rss > peak.rss) Object.assign(peak, { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external + m.arrayBuffers });
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Heap snapshot of the process, summed by (V8 node type, name): count and self bytes, largest first. */
function heapSummary(): { kind: string; count: number; bytes: number }[] {
  const snap = JSON.parse(fs.readFileSync(v8.writeHeapSnapshot(path.join(os.tmpdir(), `cn-memory-${process.pid}.heapsnapshot`)), 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const types = snap.snapshot.meta.node_types[0];
  const kinds = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings, numbers and code by type only; objects and arrays by constructor name.
    const kind = type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + nameAt]!]}` : type;
    const k = kinds.get(kind) ?? { count: 0, bytes: 0 };
    k.count++;
    k.bytes += snap.nodes[i + sizeAt]!;
    kinds.set(kind, k);
  }
  return [...kinds].map(([kind, k]) => ({ kind, ...k })).sort((a, b) => b.bytes - a.bytes);
}

/** Run `fn` under the inspector's CPU profiler when --profile is given. */
async function profiled<T>(fn: () => T): Promise<T> {
  if (!values.profile) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const out = fn();
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(values.profile, JSON.stringify(profile));
  session.disconnect();
  return out;
}

async function main(): Promise<void> {
  const w = buildWorkload(N, ASN);
  const local = { routerId: 0x0a000001, asn: ASN, clusterId: 0x0aff0001, reflector: true };
  const rib = new Rib(local);
  const manager = new InstanceManager(rib, ASN, []);
  const peering = new BgpPeering(rib, manager.master.tables as TableSet);
  const source = peering.addPeer(peer(rib, 'source', 0x7f000002), ['inet-vpn']);
  peering.peerUp(source, VPN, true, 0x7f000002);
  for (let c = 0; c < CLIENTS; c++) {
    const st = peering.addPeer(peer(rib, `client${c}`, 0x7f00000b + c), ['inet-vpn']);
    peering.peerUp(st, VPN, true, 0x7f00000b + c);
  }
  const table = manager.master.tables['inet-vpn']!;
  const before = heapAfterGc();

  let t = process.cpuUsage();
  const sentIn = feed(peering, source, w.announce);
  const announceCpu = cpuSeconds(t);
  if (table.size !== N) throw new Error(`table holds ${table.size} routes, not ${N}`);
  const after = heapAfterGc();
  const settled = process.memoryUsage();
  const kinds = values['heap-summary'] ? heapSummary().slice(0, Number(values['heap-summary'])) : [];

  t = process.cpuUsage();
  const w0 = performance.now();
  const [sentOut, withdrawCpu, withdrawWall] = await profiled(
    () => [feed(peering, source, w.withdraw), cpuSeconds(t), (performance.now() - w0) / 1000] as const,
  );
  if (table.size !== 0 || [...table.allDests()].length !== 0) throw new Error('routes left after the withdraw');

  console.log(`${N} IPv4-VPN routes, 1 source, ${CLIENTS} client(s) in one update group, node ${process.version}`);
  console.log(`retained heap per route: ${((after - before) / N).toFixed(0)} B  (heap ${mb(before)} -> ${mb(after)})`);
  console.log(
    `with all routes in, after GC: RSS ${mb(settled.rss)}, heap ${mb(settled.heapUsed)} used of ${mb(settled.heapTotal)}, external ${mb(settled.external + settled.arrayBuffers)}`,
  );
  console.log(
    `peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}; largest sampled ${mb(peak.rss)} ` +
      `(heap ${mb(peak.heapUsed)} used of ${mb(peak.heapTotal)}, external ${mb(peak.external)})`,
  );
  console.log(`announce CPU: ${announceCpu.toFixed(3)} s (${sentIn} UPDATEs out)   withdraw CPU: ${withdrawCpu.toFixed(3)} s, wall ${withdrawWall.toFixed(3)} s (${sentOut} UPDATEs out)`);
  if (kinds.length > 0) {
    console.log('largest kinds of object with every route in (per route: objects, bytes):');
    for (const k of kinds) console.log(`  ${(k.count / N).toFixed(2).padStart(7)}  ${(k.bytes / N).toFixed(1).padStart(7)} B  ${k.kind}`);
  }
  if (values.profile) console.log(`withdraw:\n${formatProfile(path.resolve(values.profile), REPO, 20)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
