/**
 * `npm run bench` — the control-node benchmark driver.
 *
 *   npm run bench -- [--routes 100000,1000000] [--sinks 1,10] [--devices control-node,bird,frr,gobgpd]
 *                    [--repeat 3] [--large] [--profile] [--xmpp [--no-bgp]]
 *                    [--agents 2000 --routes-per-agent 50 --instances 20 ...]
 *
 * BGP part: for every N × K × device × repeat, one run (bench/lib/bgp-run.ts)
 * with a fresh device; the tables at the end compare announce / withdraw
 * times with BIRD. XMPP part (--xmpp, our binary only): bench/lib/xmpp-run.ts.
 * Every result is appended, as it comes, to bench/results/<stamp>.jsonl.
 * See bench/README.md for the design.
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBgp, type BgpResult } from './lib/bgp-run.js';
import { DEVICES, deviceVersion, type DeviceKind } from './lib/devices.js';
import { cleanupStale, listening, stopAll } from './lib/procs.js';
import { bgpTables, compareTables, ResultsFile, xmppTable } from './lib/report.js';
import { buildWorkload } from './lib/workload.js';
import { runXmpp } from './lib/xmpp-run.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const HELP = `usage: npm run bench -- [options]

BGP route reflection (injector -> device -> K sinks, IPv4-VPN):
  --routes LIST          N, comma separated (default 100000)
  --large                same as adding 1000000 to --routes
  --sinks LIST           K, comma separated (default 1,10)
  --devices LIST         control-node,bird,frr,gobgpd (default: all four)
  --repeat R             runs per cell, fresh device each (default 1); tables show medians
  --routes-per-set S     routes sharing one attribute set (default 100)
  --sink-procs P         processes the K sinks are spread over (default 1)
  --batch-ms MS          sinks pause reading after a small read (kernel coalescing; default 1, 0 = off)
  --no-bgp               skip the BGP part (with --xmpp)
XMPP (our binary only):
  --xmpp                 also run the XMPP benchmark
  --agents A             agent sessions (default 200; up to 2000+)
  --routes-per-agent R   routes each agent publishes (default 50)
  --instances M          routing instances (default 20)
  --subs-per-agent S     instances each agent subscribes to and publishes into (default 2)
  --ecmp F               fraction of an agent's routes also published by its pair agent (default 0.1)
  --flap F               fraction of agents that reconnect at once in the flap storm (default 0.1)
  --agent-procs P        processes the agents are spread over (default 1)
  --gateway-routes N     a second gateway injects N VPN routes (imported by no instance) while the agents publish
Named scenarios (their values are defaults: options given on the command line win):
  --scenario agents      XMPP only: 2000 agents × 50 routes / 200 instances, 1 per agent, 2 agent processes
  --scenario mixed       the same plus 1M VPN routes from a gateway at once (a Contrail cluster at start-up)
Common:
  --profile              run control-node under --cpu-prof; prints where the profile went and its top functions
  --node-args "ARGS"     extra node flags for control-node (e.g. "--max-old-space-size=8192")
  --timeout S            bound of one run after the device listens (default 300)
  --establish-timeout S  bound for listening + sessions up (default 60)
  --settle S             pause before each phase (default 1)
  --addr A --port P      device address and BGP port (default 127.0.0.1:17900; XMPP on P+2)
  --out FILE             JSON lines (default bench/results/<date>.jsonl)
  --report FILES         print the tables of earlier results (comma-separated .jsonl files) and exit
  --compare FILE         after the run (or with --report), each cell beside the same cell of an earlier results file
`;

/** Named scenarios: option values applied where the command line gives none. */
const SCENARIOS: Record<string, Record<string, string | boolean>> = {
  agents: {
    xmpp: true, 'no-bgp': true, agents: '2000', 'routes-per-agent': '50', instances: '200', 'subs-per-agent': '1', 'agent-procs': '2',
    devices: 'control-node',
  },
  mixed: {
    xmpp: true, 'no-bgp': true, agents: '2000', 'routes-per-agent': '50', instances: '200', 'subs-per-agent': '1', 'agent-procs': '2',
    devices: 'control-node', 'gateway-routes': '1000000',
  },
};

function parse() {
  const { values: given, tokens } = parseArgs({
    options: {
      routes: { type: 'string', default: '100000' },
      large: { type: 'boolean', default: false },
      sinks: { type: 'string', default: '1,10' },
      devices: { type: 'string', default: DEVICES.join(',') },
      repeat: { type: 'string', default: '1' },
      'routes-per-set': { type: 'string', default: '100' },
      'sink-procs': { type: 'string', default: '1' },
      'batch-ms': { type: 'string', default: '1' },
      'no-bgp': { type: 'boolean', default: false },
      xmpp: { type: 'boolean', default: false },
      agents: { type: 'string', default: '200' },
      'routes-per-agent': { type: 'string', default: '50' },
      instances: { type: 'string', default: '20' },
      'subs-per-agent': { type: 'string', default: '2' },
      ecmp: { type: 'string', default: '0.1' },
      flap: { type: 'string', default: '0.1' },
      'agent-procs': { type: 'string', default: '1' },
      'gateway-routes': { type: 'string', default: '0' },
      scenario: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'node-args': { type: 'string', default: '' },
      timeout: { type: 'string', default: '300' },
      'establish-timeout': { type: 'string', default: '60' },
      settle: { type: 'string', default: '1' },
      addr: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '17900' },
      out: { type: 'string' },
      report: { type: 'string' },
      compare: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
    tokens: true,
  });
  const values = withScenario(given, tokens);
  const num = (k: keyof typeof values, min: number): number => {
    const v = Number(values[k]);
    if (!Number.isFinite(v) || v < min) throw new Error(`--${k}: expected a number >= ${min}, got ${String(values[k])}`);
    return v;
  };
  const list = (s: string): number[] => s.split(',').filter(Boolean).map((x) => {
    const v = Number(x.replace(/_/g, '').replace(/[kK]$/, '000').replace(/[mM]$/, '000000'));
    if (!Number.isInteger(v) || v < 1) throw new Error(`bad number ${x}`);
    return v;
  });
  const routes = list(values.routes!);
  if (values.large && !routes.includes(1_000_000)) routes.push(1_000_000);
  const devices = values.devices!.split(',').filter(Boolean) as DeviceKind[];
  for (const d of devices) if (!DEVICES.includes(d)) throw new Error(`--devices: unknown device ${d} (known: ${DEVICES.join(', ')})`);
  return {
    help: values.help!, routes, sinks: list(values.sinks!), devices, repeat: num('repeat', 1),
    perSet: num('routes-per-set', 1), sinkProcs: num('sink-procs', 1), batchMs: num('batch-ms', 0), bgp: !values['no-bgp'], xmpp: values.xmpp!,
    agents: num('agents', 1), routesPerAgent: num('routes-per-agent', 1), instances: num('instances', 1),
    subsPerAgent: num('subs-per-agent', 1), ecmp: num('ecmp', 0), flap: num('flap', 0), agentProcs: num('agent-procs', 1),
    gatewayRoutes: num('gateway-routes', 0), scenario: values.scenario,
    profile: values.profile!, nodeArgs: values['node-args']!.split(' ').filter(Boolean),
    timeoutMs: num('timeout', 1) * 1000, establishMs: num('establish-timeout', 1) * 1000, settleMs: num('settle', 0) * 1000,
    addr: values.addr!, port: num('port', 1024), out: values.out, report: values.report, compare: values.compare,
  };
}

async function main(): Promise<void> {
  let o: ReturnType<typeof parse>;
  try {
    o = parse();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  if (o.report) {
    const rows = o.report.split(',').flatMap(readResults);
    const bgp = rows.filter((r) => r.kind === 'bgp') as BgpResult[];
    const xmpp = rows.filter((r) => r.kind === 'xmpp');
    if (bgp.length > 0) process.stdout.write(bgpTables(bgp, [...new Set(bgp.map((r) => r.device))]) + '\n\n');
    if (xmpp.length > 0) process.stdout.write(xmppTable(xmpp) + '\n');
    if (o.compare) process.stdout.write('\n' + compareTables(rows, readResults(o.compare)) + '\n');
    return;
  }
  if (!o.bgp && !o.xmpp) {
    process.stderr.write('nothing to run: --no-bgp without --xmpp\n');
    process.exit(2);
  }
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const stamp = new Date().toISOString().replace(/[:T]/g, '-').replace(/\..*/, '');
  const resultsDir = path.join(repoRoot, 'bench/results');
  const out = new ResultsFile(o.out ?? path.join(resultsDir, `${stamp}.jsonl`));
  await cleanupStale(log);
  for (const p of [o.port, o.port + 1, o.port + 2]) {
    if (listening(o.addr, p)) throw new Error(`${o.addr}:${p} already has a listener this benchmark did not start; pick --port`);
  }
  const devices = o.bgp ? o.devices : [];
  const versions = Object.fromEntries([...new Set<DeviceKind>([...devices, ...(o.xmpp ? ['control-node' as const] : [])])].map((d) => [d, deviceVersion(d, repoRoot)]));
  out.append({ kind: 'env', stamp, node: process.version, cpus: (await import('node:os')).cpus().length, versions, options: o });
  log(`results: ${path.relative(process.cwd(), out.file)}`);

  const bgpResults: BgpResult[] = [];
  if (o.bgp && devices.length > 0) {
    for (const n of o.routes) {
      const w = buildWorkload(n, 64512, o.perSet);
      log(`workload N=${n}: ${w.attributeSets} attribute sets, ${w.announceUpdates} UPDATEs (${(w.announce.length / 2 ** 20).toFixed(1)} MB), ` +
        `${w.withdrawUpdates} withdraw UPDATEs, built in ${w.buildSeconds.toFixed(2)} s`);
      for (const k of o.sinks) {
        for (const device of devices) {
          for (let rep = 0; rep < o.repeat; rep++) {
            const r = await runBgp(
              {
                device, k, rep, asn: 64512, addr: o.addr, port: o.port, holdTime: 180, timeoutMs: o.timeoutMs,
                establishMs: o.establishMs, settleMs: o.settleMs, sinkProcs: o.sinkProcs, batchMs: o.batchMs, profile: o.profile,
                nodeArgs: o.nodeArgs, repoRoot, resultsDir, stamp, log,
              },
              w,
            );
            r.version = versions[device];
            out.append(r);
            bgpResults.push(r);
            log(`${device.padEnd(12)} N=${n} K=${k} rep=${rep}: ${r.status === 'ok' ? '' : r.status + ' '}` +
              `announce=${r.announce_s ?? '-'}s withdraw=${r.withdraw_s ?? '-'}s peakRSS=${r.peak_rss_mb ?? '-'}MB ` +
              `cpu=${r.dut_cpu_announce_s ?? '-'}/${r.dut_cpu_withdraw_s ?? '-'}s other-cpu=${r.other_cpu_announce_s ?? '-'}/${r.other_cpu_withdraw_s ?? '-'}s ` +
              `sink-host-cpu=${r.harness_sink_cpu_s ?? '-'}s`);
          }
        }
      }
    }
  }
  const xmppResults: Record<string, unknown>[] = [];
  if (o.xmpp) {
    // Route targets from 9000001 on: imported by no instance (their automatic targets are 8000000 + id);
    // prefixes from 100.64.0.0 (up to 4M), apart from the agents' 10/8.
    const gatewayWorkload = o.gatewayRoutes > 0
      ? buildWorkload(o.gatewayRoutes, 64512, o.perSet, { rtBase: 9_000_001, prefixBase: 0x64400000 })
      : undefined;
    if (gatewayWorkload) {
      log(`gateway workload: ${gatewayWorkload.n} VPN routes, ${gatewayWorkload.announceUpdates} UPDATEs ` +
        `(${(gatewayWorkload.announce.length / 2 ** 20).toFixed(1)} MB), built in ${gatewayWorkload.buildSeconds.toFixed(2)} s`);
    }
    for (let rep = 0; rep < o.repeat; rep++) {
      const r = await runXmpp({
        agents: o.agents, routesPerAgent: o.routesPerAgent, instances: o.instances, subsPerAgent: o.subsPerAgent,
        ecmp: o.ecmp, flap: o.flap, agentProcs: o.agentProcs, rep, asn: 64512, addr: o.addr, port: o.port,
        xmppPort: o.port + 2, timeoutMs: o.timeoutMs, establishMs: o.establishMs, settleMs: o.settleMs, profile: o.profile,
        nodeArgs: o.nodeArgs, repoRoot, resultsDir, stamp, log, gatewayWorkload, scenario: o.scenario,
      });
      r.version = versions['control-node'];
      out.append(r);
      xmppResults.push(r);
    }
  }
  process.stdout.write('\n');
  if (bgpResults.length > 0) process.stdout.write(bgpTables(bgpResults, devices) + '\n\n');
  if (xmppResults.length > 0) process.stdout.write(xmppTable(xmppResults) + '\n\n');
  if (o.compare) process.stdout.write(compareTables([...bgpResults, ...xmppResults], readResults(o.compare)) + '\n\n');
  process.stdout.write(`raw results: ${path.relative(process.cwd(), out.file)}\n`);
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping every process this benchmark started\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());

/** The result lines of a results file (.jsonl). */
function readResults(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The parsed options with a named scenario's values filled in where the
 * command line did not give the option (parseArgs fills defaults, so what
 * was given is read from its tokens).
 */
function withScenario<V extends { scenario?: string }>(values: V, tokens: readonly { kind: string; name?: string }[]): V {
  const name = values.scenario;
  if (name === undefined) return values;
  const sc = SCENARIOS[name];
  if (!sc) throw new Error(`--scenario: unknown scenario ${name} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const given = new Set(tokens.filter((t) => t.kind === 'option').map((t) => t.name));
  const out: Record<string, unknown> = { ...values };
  for (const [k, v] of Object.entries(sc)) if (!given.has(k)) out[k] = v;
  return out as V;
}
