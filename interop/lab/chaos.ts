/**
 * The chaos suite's bookkeeping (issue 12, interop/chaos*.test.ts): every RIB
 * of the lab read as one line per VPNv4 route (`rd prefix [label] via nh`) from
 * the daemon's own output (gobgp -j, vtysh json, birdc) or our JSON introspect,
 * compared exactly with what a model says (`diffRoutes`: lost = expected but
 * missing, stale = present but not expected), the tally of faults injected and
 * routes checked that each file prints as its summary table, and the control
 * node's memory: VmRSS from /proc/<pid>/status (the PID is our node process
 * itself: `ip netns exec` execs in place) and V8's heap from its /metrics.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlNode } from './control-node.js';
import type { Bird } from './bird.js';
import type { Frr } from './frr.js';
import type { Lab } from './lab.js';
import { expect } from 'vitest';
import { waitUntil } from './proc.js';
import type { VpnRoute, VpnRouteSpec } from './routes.js';

/** One route as the views compare it; `labels` false leaves the label out (FRR's fast list has none). */
export function routeLine(r: Pick<VpnRoute, 'rd' | 'prefix' | 'nextHop'> & { labels: readonly number[] }, labels = true): string {
  return labels ? `${r.rd} ${r.prefix} [${r.labels.join(',')}] via ${r.nextHop}` : `${r.rd} ${r.prefix} via ${r.nextHop}`;
}

/** The line a peer that learnt `spec` over BGP shows for it. */
export function specLine(spec: VpnRouteSpec, labels = true): string {
  return routeLine({ ...spec, labels: [spec.label] }, labels);
}

/** Sorted, de-duplicated lines. */
export function lines(routes: readonly string[]): string[] {
  return [...new Set(routes)].sort();
}

export interface RouteDiff {
  /** Expected, but absent. */
  lost: string[];
  /** Present, but not expected (a route that outlived its source, or a wrong attribute). */
  stale: string[];
}

export function diffRoutes(expected: readonly string[], actual: readonly string[]): RouteDiff {
  const want = new Set(expected);
  const have = new Set(actual);
  return { lost: [...want].filter((l) => !have.has(l)), stale: [...have].filter((l) => !want.has(l)) };
}

/**
 * FRR's VPNv4 table from one `show bgp ipv4 vpn json` (the per-prefix detail the full
 * reader needs costs a vtysh per prefix): RD, prefix and next hop, without labels.
 */
export async function frrFastLines(frr: Frr): Promise<string[]> {
  type ListPath = { nexthops?: { ip?: string }[] };
  const obj = JSON.parse(await frr.vtysh(['show bgp ipv4 vpn json'])) as {
    routes?: { routeDistinguishers?: Record<string, Record<string, ListPath[]>> };
  };
  const out: string[] = [];
  for (const [rd, byPrefix] of Object.entries(obj.routes?.routeDistinguishers ?? {})) {
    for (const [prefix, paths] of Object.entries(byPrefix)) {
      for (const p of paths) out.push(routeLine({ rd, prefix, nextHop: p.nexthops?.[0]?.ip ?? '', labels: [] }, false));
    }
  }
  return lines(out);
}

interface ApiRoutes { routes: { prefix: string; paths: { nextHop: string; labels: number[]; rd?: string }[] }[]; more: boolean }

/** Our node's bgp.l3vpn.0 (introspect, `RD:prefix` keys), every path one line. */
export async function cnLines(cn: ControlNode): Promise<string[]> {
  const view = (await cn.api('/api/routes?table=bgp.l3vpn.0&limit=1000')) as ApiRoutes;
  if (view.more) throw new Error('bgp.l3vpn.0 has more than one page: not a table this view can compare');
  return lines(view.routes.flatMap((r) => {
    const m = /^(\d+\.\d+\.\d+\.\d+:\d+):(.+)$/.exec(r.prefix);
    const rd = m?.[1] ?? '';
    const prefix = m?.[2] ?? r.prefix;
    return r.paths.map((p) => routeLine({ rd, prefix, nextHop: p.nextHop, labels: p.labels }));
  }));
}

/** Prefixes in one of our tables, from /api/summary (cheap even when the table is huge). */
export async function cnTableSize(cn: ControlNode, table = 'bgp.l3vpn.0'): Promise<number> {
  const s = (await cn.api('/api/summary')) as { tables: { name: string; prefixes: number }[] };
  return s.tables.find((t) => t.name === table)?.prefixes ?? 0;
}

// ---- the tally ----------------------------------------------------------------------

export interface ChaosRow {
  fault: string;
  injected: number;
  /** Route lines compared (per RIB, per check). */
  checked: number;
  lost: number;
  stale: number;
}

/**
 * Polls one RIB until it holds exactly `want` (bounded by `timeoutMs`),
 * tallies the last comparison under `fault` and asserts it: nothing lost,
 * nothing stale.
 */
export async function convergeRib(
  tally: ChaosTally, fault: string, what: string, want: string[], read: () => Promise<string[]>, timeoutMs: number,
): Promise<void> {
  let diff: RouteDiff = { lost: want, stale: [] };
  await waitUntil(what, async () => {
    diff = diffRoutes(want, await read());
    return diff.lost.length === 0 && diff.stale.length === 0;
  }, timeoutMs, 500).catch(() => undefined);
  tally.compared(fault, want, diff);
  expect(diff, what).toEqual({ lost: [], stale: [] });
}

/** Faults injected and routes checked, per kind of fault: the summary table of a chaos file. */
export class ChaosTally {
  private readonly rows = new Map<string, ChaosRow>();

  private row(fault: string): ChaosRow {
    let r = this.rows.get(fault);
    if (!r) {
      r = { fault, injected: 0, checked: 0, lost: 0, stale: 0 };
      this.rows.set(fault, r);
    }
    return r;
  }

  injected(fault: string, n = 1): void {
    this.row(fault).injected += n;
  }

  /** One exact comparison of one RIB: counts what it compared, what was missing and what was extra. */
  compared(fault: string, expected: readonly string[], diff: RouteDiff): void {
    const r = this.row(fault);
    r.checked += expected.length + diff.stale.length;
    r.lost += diff.lost.length;
    r.stale += diff.stale.length;
  }

  /** Routes checked by a count rather than line by line (the 100k flood). */
  counted(fault: string, checked: number, lost: number, stale: number): void {
    const r = this.row(fault);
    r.checked += checked;
    r.lost += lost;
    r.stale += stale;
  }

  totals(): ChaosRow {
    const t: ChaosRow = { fault: 'total', injected: 0, checked: 0, lost: 0, stale: 0 };
    for (const r of this.rows.values()) {
      t.injected += r.injected;
      t.checked += r.checked;
      t.lost += r.lost;
      t.stale += r.stale;
    }
    return t;
  }

  /** `fault | injected | routes checked | lost | stale`, one row per fault and a total. */
  table(): string {
    const rows = [...this.rows.values(), this.totals()];
    const cells = [['fault', 'injected', 'routes checked', 'lost', 'stale'],
      ...rows.map((r) => [r.fault, String(r.injected), String(r.checked), String(r.lost), String(r.stale)])];
    const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
    const fmt = (c: string[]): string => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ');
    return [fmt(cells[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.slice(1).map(fmt)].join('\n');
  }
}

// ---- memory -------------------------------------------------------------------------

/** Resident set size of a process, in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** V8 heap in use, in MiB, from the node's Prometheus page (prom-client's default metrics). */
export async function heapUsedMiB(lab: Lab, cn: ControlNode): Promise<number> {
  const l = cn.config.introspect?.listen;
  if (!l) throw new Error('heapUsedMiB needs introspect in the node\'s config');
  const text = await lab.exec(cn.host, 'curl', ['-sSf', '--max-time', '5', `http://${l.address}:${l.port}/metrics`], { timeoutMs: 10_000 });
  const m = /^control_node_nodejs_heap_size_used_bytes\s+(\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/m.exec(text);
  if (!m?.[1]) throw new Error('no control_node_nodejs_heap_size_used_bytes in /metrics');
  return Number(m[1]) / 1024 / 1024;
}

/**
 * Node options that let a test force a full garbage collection in our node from outside
 * (`forceGc`): SIGUSR2 makes V8 write a heap snapshot into `dir`, and V8 starts every
 * snapshot with a full, compacting GC. Without it, garbage the node made and then stopped
 * making (a flood it let go) can sit in the heap for minutes: nothing triggers a major GC.
 */
export function gcNodeFlags(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
}

/**
 * A full GC in our node (started with `gcNodeFlags(dir)`): SIGUSR2, then waits for the snapshot
 * file and for one introspect request (served only once the main thread has finished writing it),
 * and deletes the file.
 */
export async function forceGc(cn: ControlNode, dir: string): Promise<void> {
  const pid = cn.pid;
  if (pid === undefined) throw new Error('forceGc: the node is not running');
  const snapshots = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  const before = new Set(snapshots());
  process.kill(pid, 'SIGUSR2');
  await waitUntil('the heap snapshot (and its GC)', async () => snapshots().some((f) => !before.has(f)), 30_000, 200);
  await cn.api('/api/summary');
  for (const f of snapshots()) rmSync(join(dir, f), { force: true });
}

// ---- counts, for tables too big to read line by line ---------------------------------

/** Prefixes FRR accepted from `neighbor` (`show bgp ipv4 vpn summary json`, pfxRcd). */
export async function frrReceivedFrom(frr: Frr, neighbor: string): Promise<number> {
  const obj = JSON.parse(await frr.vtysh(['show bgp ipv4 vpn summary json'])) as { peers?: Record<string, { pfxRcd?: number }> };
  return obj.peers?.[neighbor]?.pfxRcd ?? 0;
}

/** Routes in one of BIRD's tables, its own included (`show route table T count`). */
export async function birdRouteCount(bird: Bird, table = 'vpntab'): Promise<number> {
  const m = /^(\d+) of \d+ routes/m.exec(await bird.birdc(['show', 'route', 'table', table, 'count']));
  if (!m?.[1]) throw new Error(`no route count for BIRD table ${table}`);
  return Number(m[1]);
}

// ---- watching RIBs while a fault lasts ----------------------------------------------

/** One RIB watched while a fault lasts. */
export interface RibWatch {
  name: string;
  want: readonly string[];
  read: () => Promise<string[]>;
  /** Only missing lines count (the RIB may hold other routes that come and go meanwhile). */
  presentOnly?: boolean;
}

/**
 * Reads every watched RIB every `intervalMs` until `stop()` (and never longer than `maxMs`,
 * so a test that fails before stopping it leaves nothing running). Every sample is tallied;
 * `stop()` resolves with the number of samples and each line that was missing (or, unless
 * `presentOnly`, extra) at some sample. A read that fails (a CLI timing out) is no sample.
 */
export function watchRibs(tally: ChaosTally, fault: string, watches: readonly RibWatch[], intervalMs = 200, maxMs = 150_000):
  { stop: () => Promise<{ samples: number; faults: string[] }> } {
  const faults: string[] = [];
  let samples = 0;
  let stopping = false;
  const deadline = Date.now() + maxMs;
  const loop = (async () => {
    while (!stopping && Date.now() < deadline) {
      try {
        const seen = await Promise.all(watches.map((w) => w.read()));
        watches.forEach((w, i) => {
          const diff = diffRoutes(w.want, seen[i] ?? []);
          if (w.presentOnly) diff.stale = [];
          tally.compared(fault, w.want, diff);
          faults.push(...diff.lost.map((l) => `${w.name} sample ${samples}: lost ${l}`), ...diff.stale.map((l) => `${w.name} sample ${samples}: stale ${l}`));
        });
        samples++;
      } catch {
        // no sample
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return { samples, faults };
    },
  };
}
