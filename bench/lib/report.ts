/**
 * Results: JSON lines appended to bench/results/*.jsonl as runs finish, and
 * the human tables printed at the end — per N/K row, each device's announce
 * / withdraw seconds (median over repeats) with the ratio to BIRD, then
 * peak RSS and device CPU.
 */

import fs from 'node:fs';
import path from 'node:path';
import { DEVICES, LABELS, type DeviceKind } from './devices.js';
import type { BgpResult } from './bgp-run.js';

export class ResultsFile {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  append(obj: unknown): void {
    fs.appendFileSync(this.file, JSON.stringify(obj) + '\n');
  }
}

export function median(xs: number[]): number | undefined {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1]! + v[m]!) / 2;
}

const fmt = (x: number | undefined): string => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
const ratio = (x: number | undefined, ref: number | undefined): string =>
  x === undefined || ref === undefined || ref <= 0 ? '-' : `${(x / ref).toFixed(x / ref >= 10 ? 0 : 1)}×`;

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join(' | ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('-|-'), ...rows.map(line)].join('\n');
}

interface Cell {
  ok: BgpResult[];
  all: BgpResult[];
}

/**
 * A phase of a run is noisy when, on average, more than this many cores were
 * busy with something other than the device (other_cpu_<phase>_s / <phase>_s).
 * Phases under 1 s count as 1 s (fixed harness costs). The harness itself stays
 * under ~0.5 core (measured); more means a neighbour was
 * competing for the CPUs.
 */
export const NOISE_CORES = 0.7;

function noisy(r: BgpResult, phase: 'announce' | 'withdraw'): boolean {
  const other = r[`other_cpu_${phase}_s`];
  const wall = r[`${phase}_s`];
  return typeof other === 'number' && typeof wall === 'number' && other / Math.max(1, wall) > NOISE_CORES;
}

function cells(results: BgpResult[]): Map<string, Map<DeviceKind, Cell>> {
  const rows = new Map<string, Map<DeviceKind, Cell>>();
  for (const r of [...results].sort((a, b) => a.n - b.n || a.k - b.k)) {
    const key = `${r.n}/${r.k}`;
    const row = rows.get(key) ?? new Map<DeviceKind, Cell>();
    const c = row.get(r.device) ?? { ok: [], all: [] };
    c.all.push(r);
    if (r.status === 'ok') c.ok.push(r);
    row.set(r.device, c);
    rows.set(key, row);
  }
  return rows;
}

/** Median of a phase metric over the runs whose phase was clean (all runs if none was); star if none was. */
function phaseMed(c: Cell, phase: 'announce' | 'withdraw', key: string): { v: number | undefined; star: boolean } {
  const clean = c.ok.filter((r) => !noisy(r, phase));
  const use = clean.length > 0 ? clean : c.ok;
  return { v: median(use.map((r) => r[key] as number).filter((x) => typeof x === 'number')), star: clean.length === 0 };
}

const med = (c: Cell | undefined, key: string): number | undefined =>
  c ? median(c.ok.map((r) => r[key] as number).filter((x) => typeof x === 'number')) : undefined;

function failure(c: Cell): string {
  const s = c.all.find((r) => r.status !== 'ok')?.status ?? 'error';
  return /timeout/.test(s) ? 'timeout' : 'FAILED';
}

export function bgpTables(results: BgpResult[], devices: readonly DeviceKind[]): string {
  const devs = DEVICES.filter((d) => devices.includes(d));
  const rows = cells(results);
  const t1: string[][] = [];
  const t2: string[][] = [];
  for (const [key, row] of rows) {
    const bird = row.get('bird');
    const refA = bird && bird.ok.length > 0 ? phaseMed(bird, 'announce', 'announce_s').v : undefined;
    const refW = bird && bird.ok.length > 0 ? phaseMed(bird, 'withdraw', 'withdraw_s').v : undefined;
    const r1 = [key];
    const r2 = [key];
    for (const d of devs) {
      const c = row.get(d);
      if (!c) {
        r1.push('');
        r2.push('');
        continue;
      }
      if (c.ok.length === 0) {
        r1.push(failure(c));
        r2.push(failure(c));
        continue;
      }
      const a = phaseMed(c, 'announce', 'announce_s');
      const w = phaseMed(c, 'withdraw', 'withdraw_s');
      const failed = c.all.filter((r) => r.status !== 'ok').length;
      const partial = failed > 0 ? ` [${failed}/${c.all.length} failed]` : '';
      const rel = d === 'bird' || refA === undefined ? '' : ` (${ratio(a.v, refA)} / ${ratio(w.v, refW)})`;
      r1.push(`${fmt(a.v)}${a.star ? '*' : ''} / ${fmt(w.v)}${w.star ? '*' : ''}${rel}${partial}`);
      const cpu = (phaseMed(c, 'announce', 'dut_cpu_announce_s').v ?? 0) + (phaseMed(c, 'withdraw', 'dut_cpu_withdraw_s').v ?? 0);
      r2.push(`${Math.round(med(c, 'peak_rss_mb') ?? NaN)} MB, ${cpu.toFixed(1)} s`);
    }
    t1.push(r1);
    t2.push(r2);
  }
  const head = ['N/K', ...devs.map((d) => LABELS[d])];
  return [
    'BGP IPv4-VPN route reflection: seconds until every sink holds all N routes / holds none (median),',
    'and the ratio to BIRD (announce / withdraw; lower is better)',
    '',
    table(head, t1),
    '',
    `* in every run of this cell, other processes used > ${NOISE_CORES} core on average during that phase`,
    '  (other_cpu_* in the JSON: a neighbour competed for the CPUs). Noisy phases are left out of a',
    '  median when the cell has a clean one.',
    '',
    'Device peak RSS, and device CPU seconds (announce + withdraw phases)',
    '',
    table(head, t2),
  ].join('\n');
}

/** An XMPP cell: A×R / M, plus the gateway's injected routes in the mixed scenario. */
const xmppKey = (r: Record<string, unknown>): string =>
  `${r.agents}×${r.routes_per_agent} / ${r.instances}${Number(r.gateway_routes ?? 0) > 0 ? ` + ${Number(r.gateway_routes) / 1000}k gw` : ''}`;

export function xmppTable(results: Record<string, unknown>[]): string {
  const rows = results.map((r) => {
    const ok = r.status === 'ok';
    const g = (k: string): string => (ok && typeof r[k] === 'number' ? fmt(r[k] as number) : '-');
    return [
      xmppKey(r), String(r.status).slice(0, 40), g('connect_s'), g('agents_full_s'),
      g('gateway_full_s'), g('device_vpn_full_s'), g('settled_s'), g('flap_agents_full_s'), g('flap_settled_s'), ok ? String(r.peak_rss_mb) : '-',
      g('cpu_to_gateway_full_s'), g('cpu_to_agents_full_s'), g('cpu_publish_s'), g('cpu_total_s'), g('loop_delay_max_ms'), g('flap_loop_delay_max_ms'),
    ];
  });
  return [
    'XMPP: A agents × R routes / M instances [+ routes injected by a second gateway at once] (seconds; settled = last route',
    'message seen anywhere; device VPN full = bgp.l3vpn.0 holds the injected and the agents\' routes; CPU = the device\'s own',
    'CPU seconds: until the gateway / the agents were full, the publish phase, the run; loop max = worst event-loop delay of',
    'the device, ms, publish / flap phase)',
    '',
    table(
      ['A×R / M', 'status', 'connect', 'agents full', 'gateway full', 'device VPN full', 'settled', 'flap: agents full', 'flap: settled',
        'peak RSS MB', 'CPU s to gw full', 'CPU s to agents full', 'CPU s publish', 'CPU s total', 'loop max ms', 'flap loop max ms'],
      rows,
    ),
  ].join('\n');
}

/**
 * `--compare FILE`: each cell of this run beside the same cell of an earlier
 * results file, as ratios now / then (below 1.0× is better for times, memory
 * and CPU). BGP cells are (device, N, K); XMPP cells (agents, routes,
 * instances). Medians over clean runs, as in the tables.
 */
export function compareTables(now: Record<string, unknown>[], then: Record<string, unknown>[]): string {
  const bgpNow = cells(now.filter((r) => r.kind === 'bgp') as BgpResult[]);
  const bgpThen = cells(then.filter((r) => r.kind === 'bgp') as BgpResult[]);
  const rows: string[][] = [];
  for (const [key, row] of bgpNow) {
    for (const [device, c] of row) {
      const old = bgpThen.get(key)?.get(device);
      if (!old || old.ok.length === 0 || c.ok.length === 0) continue;
      const pair = (phase: 'announce' | 'withdraw', k: string): string => {
        const a = phaseMed(c, phase, k).v;
        const b = phaseMed(old, phase, k).v;
        return `${fmt(a)} / ${fmt(b)} (${ratio(a, b)})`;
      };
      const plain = (k: string): string => `${fmt(med(c, k))} / ${fmt(med(old, k))} (${ratio(med(c, k), med(old, k))})`;
      rows.push([`${device} ${key}`, pair('announce', 'announce_s'), pair('withdraw', 'withdraw_s'), plain('peak_rss_mb'), plain('dut_cpu_total_s')]);
    }
  }
  const out: string[] = [];
  if (rows.length > 0) {
    out.push('Compared with the earlier file: now / then (ratio)', '', table(['cell', 'announce s', 'withdraw s', 'peak RSS MB', 'device CPU s'], rows));
  }
  const xkey = xmppKey;
  const xrows: string[][] = [];
  for (const r of now.filter((x) => x.kind === 'xmpp' && x.status === 'ok')) {
    const old = then.find((x) => x.kind === 'xmpp' && x.status === 'ok' && xkey(x) === xkey(r));
    if (!old) continue;
    const cmp = (k: string): string => {
      const a = typeof r[k] === 'number' ? (r[k] as number) : undefined;
      const b = typeof old[k] === 'number' ? (old[k] as number) : undefined;
      return `${fmt(a)} / ${fmt(b)} (${ratio(a, b)})`;
    };
    xrows.push([
      xkey(r), cmp('agents_full_s'), cmp('gateway_full_s'), cmp('flap_agents_full_s'), cmp('peak_rss_mb'), cmp('cpu_to_gateway_full_s'),
      cmp('cpu_publish_s'), cmp('cpu_total_s'),
      cmp('loop_delay_max_ms'),
    ]);
  }
  if (xrows.length > 0) {
    if (out.length > 0) out.push('');
    out.push(table([
      'XMPP cell', 'agents full s', 'gateway full s', 'flap: agents full s', 'peak RSS MB', 'CPU s to gw full', 'CPU s publish', 'CPU s total',
      'loop max ms',
    ], xrows));
  }
  return out.length > 0 ? out.join('\n') : 'no cell in common with the earlier file';
}
