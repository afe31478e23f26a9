/**
 * Microbenchmark of the control node's XMPP input decoding (issue 13):
 * agent bytes → XmppStreamParser.feed → parseAgentStanza → pairCollection →
 * parseUpdateItems, i.e. everything between the socket and the decoded
 * items that agent-session hands to the RIB. No sockets, no RIB.
 *
 * Workload: A agents × R routes, each route a publish + collection pair as a
 * real agent writes it (test/support/real-agent.ts: pugixml, an XML
 * declaration before every stanza, every item field written), the agent's
 * stream header first. Each agent's bytes are fed in `--chunk`-byte pieces
 * (32 KiB: what the channel feeds per input turn). Prints µs per stanza and MB/s, the min (and median) of
 * `--runs` runs, and the GC time of the best run; also the least process CPU
 * time of a run (user + system, GC threads included), steadier on a loaded machine.
 *
 *   npm run bench:xmpp-decode -- [--agents 2000] [--routes 50] [--runs 5] [--chunk 32768]
 *   node --cpu-prof bench/dist/bench/xmpp-decode.js --runs 1      # a profile
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { agentStreamHeader } from '../src/xmpp/wire/agent-builders.js';
import { XmppStreamParser, pairCollection, parseAgentStanza, parseUpdateItems } from '../src/xmpp/wire/index.js';
import type { PublishRequest } from '../src/xmpp/wire/index.js';
import { realAgentPublish } from '../test/support/real-agent.js';

const { values: opts } = parseArgs({
  options: {
    agents: { type: 'string', default: '2000' },
    routes: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    chunk: { type: 'string', default: '32768' }, // the channel's input turn (docs/architecture.md)
  },
});
const AGENTS = Number(opts.agents);
const ROUTES = Number(opts.routes);
const RUNS = Number(opts.runs);
const CHUNK = Number(opts.chunk);

/** One agent's bytes: its header, then R publish + collection pairs (10.x.y.z/32 in instance vn<k>). */
function agentBytes(a: number): Buffer {
  const name = `compute-${a}`;
  const instance = `default-domain:bench:vn${a % 200}:vn${a % 200}`;
  const parts = [agentStreamHeader({ from: name })];
  for (let r = 0; r < ROUTES; r++) {
    const host = a * ROUTES + r;
    const prefix = `10.${(host >>> 16) & 255}.${(host >>> 8) & 255}.${host & 255}/32`;
    parts.push(realAgentPublish({
      agent: name, seq: r + 1, instance,
      route: {
        prefix, nextHop: `198.18.${(a >>> 8) & 255}.${a & 255}`, label: 16 + r, virtualNetwork: instance,
        tags: [0x10001, 0x80010001], securityGroups: [8000001 + (a % 7)], communities: ['64512:1'], sequenceNumber: r,
      },
    }));
  }
  return Buffer.from(parts.join(''));
}

interface Tally { stanzas: number; items: number; ok: number }

/** Decode every agent's bytes as the channel and agent-session do. */
function run(streams: Buffer[]): Tally {
  const t: Tally = { stanzas: 0, items: 0, ok: 0 };
  for (const bytes of streams) {
    const parser = new XmppStreamParser();
    let parked: PublishRequest | undefined;
    for (let off = 0; off < bytes.length; off += CHUNK) {
      for (const ev of parser.feed(bytes.subarray(off, off + CHUNK))) {
        if (ev.kind === 'error') throw new Error(`stream error: ${ev.condition} ${ev.text}`);
        if (ev.kind !== 'stanza') continue;
        t.stanzas++;
        const req = parseAgentStanza(ev.el);
        if (req.kind === 'publish') {
          parked = req;
        } else if (req.kind === 'collection') {
          const paired = pairCollection(parked, req);
          parked = undefined;
          if (paired.kind !== 'update') continue;
          const u = parseUpdateItems(paired);
          if (u.kind !== 'inet') continue;
          for (const r of u.results) {
            t.items++;
            if (r.ok) t.ok++;
          }
        }
      }
    }
  }
  return t;
}

async function main(): Promise<void> {
  const streams = Array.from({ length: AGENTS }, (_, a) => agentBytes(a));
  const bytes = streams.reduce((n, b) => n + b.length, 0);
  let gcMs = 0;
  let scavenges = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const results: { s: number; cpu: number; gc: number; scavenges: number }[] = [];
  let tally: Tally | undefined;
  for (let i = 0; i < RUNS; i++) {
    gcMs = 0;
    scavenges = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    tally = run(streams);
    const c = process.cpuUsage(c0);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = (c.user + c.system) / 1e6;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the observer reports on a later turn
    results.push({ s, cpu, gc: gcMs, scavenges });
    process.stderr.write(`run ${i + 1}: ${s.toFixed(3)} s wall, ${cpu.toFixed(3)} s CPU\n`);
  }
  obs.disconnect();
  if (tally === undefined || tally.ok !== AGENTS * ROUTES) throw new Error(`decoded ${JSON.stringify(tally)}`);
  const sorted = [...results].sort((x, y) => x.s - y.s);
  const best = sorted[0]!;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const cpuBest = Math.min(...results.map((r) => r.cpu));
  const us = (s: number): string => ((s * 1e6) / tally!.stanzas).toFixed(2);
  const mbs = (s: number): string => (bytes / 1e6 / s).toFixed(1);
  console.log(`${AGENTS} agents × ${ROUTES} routes: ${tally.stanzas} stanzas, ${tally.ok} items, ${(bytes / 1e6).toFixed(1)} MB, chunk ${CHUNK}`);
  console.log(`min of ${RUNS}: ${best.s.toFixed(3)} s  ${us(best.s)} µs/stanza  ${mbs(best.s)} MB/s  (GC ${best.gc.toFixed(0)} ms)`);
  console.log(`median:   ${median.s.toFixed(3)} s  ${us(median.s)} µs/stanza  ${mbs(median.s)} MB/s`);
  const sc = Math.min(...results.map((r) => r.scavenges));
  console.log(`scavenges per run: ${sc} (least; with --min-semi-space-size=S --max-semi-space-size=S, × S MB ≈ bytes allocated)`);
  console.log(`min CPU:  ${cpuBest.toFixed(3)} s  ${us(cpuBest)} µs/stanza  (process CPU, GC threads included: steadier than wall time on a loaded machine)`);
}

await main();
