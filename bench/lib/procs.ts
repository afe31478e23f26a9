/**
 * Processes the benchmark starts, and what it reads about them from /proc.
 *
 * - start(): spawn a command (stdout/stderr to a log file) and remember its
 *   PID together with its start time (field 22 of /proc/<pid>/stat), so a
 *   recycled PID is never signalled.
 * - stop(): SIGTERM, bounded wait, SIGKILL — always one PID at a time.
 * - Tracked: every live process we started is in a registry; stopAll() is
 *   what the SIGINT/SIGTERM handler and the `finally` blocks call. A small
 *   state file (/tmp/cn-bench-state/) lets the next run stop what an
 *   interrupted run (kill -9 of the driver) left behind, again by PID and
 *   start time only.
 * - Usage: peak RSS (max of sampled tree RSS and VmHWM of the main PID) and
 *   CPU seconds (utime + stime of the PID and its descendants).
 * - listening(): whether addr:port is LISTENing, from /proc/net/tcp (no probe
 *   connection is ever made to a device).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64/arm64
const STATE_DIR = '/tmp/cn-bench-state';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Monotonic clock in seconds (CLOCK_MONOTONIC: comparable across our processes). */
export const now = (): number => Number(process.hrtime.bigint()) / 1e9;

interface Stat {
  ppid: number;
  cpu: number;
  start: number;
  state: string;
}

export function readStat(pid: number): Stat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // rest[0] = field 3 (state); utime = field 14, stime = 15, starttime = 22
  return {
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    cpu: (Number(rest[11]) + Number(rest[12])) / CLK_TCK,
    start: Number(rest[19]),
  };
}

function statusKb(pid: number, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'latin1').split(' ')) if (c) out.push(Number(c));
    } catch {
      /* task gone */
    }
  }
  return out;
}

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly start: number;
  readonly child: ChildProcess;
  readonly log: string;
  exited: boolean;
  exitCode: number | null;
  exitSignal: string | null;
}

const live = new Set<Proc>();

function saveState(): void {
  try {
    fs.mkdirSync(STATE_DIR, { recursive: true });
    const procs = [...live].map((p) => ({ name: p.name, pid: p.pid, start: p.start }));
    fs.writeFileSync(path.join(STATE_DIR, `driver.${process.pid}.json`), JSON.stringify({ procs, dirs: [...tempDirs] }));
  } catch {
    /* best effort */
  }
}

/** Stop what an earlier, interrupted run left behind (only PIDs whose start time still matches). */
export async function cleanupStale(log: (s: string) => void): Promise<void> {
  let files: string[] = [];
  try {
    files = fs.readdirSync(STATE_DIR).filter((f) => /^driver\.\d+\.json$/.test(f));
  } catch {
    return;
  }
  for (const f of files) {
    const driver = Number(f.split('.')[1]);
    const ds = readStat(driver);
    if (ds !== undefined && ds.state !== 'Z') continue; // that driver is still running
    try {
      const st = JSON.parse(fs.readFileSync(path.join(STATE_DIR, f), 'utf8')) as {
        procs: { name: string; pid: number; start: number }[];
        dirs: string[];
      };
      for (const p of st.procs) {
        if (readStat(p.pid)?.start === p.start) {
          log(`stopping ${p.name} (pid ${p.pid}) left by an interrupted run`);
          await stopPid(p.pid, p.start, 3000);
        }
      }
      for (const d of st.dirs) if (d.startsWith(os.tmpdir() + '/cn-bench.')) fs.rmSync(d, { recursive: true, force: true });
    } catch {
      /* unreadable state: ignore */
    }
    fs.rmSync(path.join(STATE_DIR, f), { force: true });
  }
}

/** Start a command; stdout and stderr go to `log`. */
export function start(name: string, cmd: string, args: string[], opts: { cwd: string; log: string; env?: NodeJS.ProcessEnv }): Proc {
  const fd = fs.openSync(opts.log, 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const p: Proc = {
    name, pid: child.pid, start: readStat(child.pid)?.start ?? -1, child, log: opts.log,
    exited: false, exitCode: null, exitSignal: null,
  };
  child.on('exit', (code, signal) => {
    p.exited = true;
    p.exitCode = code;
    p.exitSignal = signal;
    live.delete(p);
  });
  child.on('error', () => {
    p.exited = true;
  });
  live.add(p);
  saveState();
  return p;
}

/** Track a process started by other means (child_process.fork). */
export function track(name: string, child: ChildProcess): Proc {
  if (child.pid === undefined) throw new Error(`${name}: no pid`);
  const p: Proc = {
    name, pid: child.pid, start: readStat(child.pid)?.start ?? -1, child, log: '',
    exited: false, exitCode: null, exitSignal: null,
  };
  child.on('exit', (code, signal) => {
    p.exited = true;
    p.exitCode = code;
    p.exitSignal = signal;
    live.delete(p);
    saveState();
  });
  live.add(p);
  saveState();
  return p;
}

async function stopPid(pid: number, startTime: number, graceMs: number): Promise<void> {
  const same = (): boolean => {
    const st = readStat(pid);
    return st !== undefined && st.start === startTime && st.state !== 'Z';
  };
  if (!same()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until && same()) await sleep(20);
  if (same()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    const t = Date.now() + 2000;
    while (Date.now() < t && same()) await sleep(20);
  }
}

/**
 * Stop one process we started, and then any descendants it left (by PID).
 * The tree is read before the parent goes, so daemons that fork are covered.
 */
export async function stop(p: Proc, graceMs = 5000): Promise<void> {
  const tree = descendants(p.pid).map((pid) => ({ pid, start: readStat(pid)?.start ?? -1 }));
  if (!p.exited) {
    await stopPid(p.pid, p.start, graceMs);
    if (!p.exited) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 2000);
        p.child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  for (const d of tree) await stopPid(d.pid, d.start, 1000);
  live.delete(p);
  saveState();
}

export async function stopAll(): Promise<void> {
  for (const p of [...live]) await stop(p, 2000);
  for (const d of [...tempDirs]) removeTempDir(d);
  try {
    fs.rmSync(path.join(STATE_DIR, `driver.${process.pid}.json`), { force: true });
  } catch {
    /* ignore */
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const todo = children(pid);
  while (todo.length > 0) {
    const c = todo.pop()!;
    out.push(c);
    todo.push(...children(c));
  }
  return out;
}

// ------------------------------------------------------------------ temp dirs

const tempDirs = new Set<string>();

export function makeTempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-bench.'));
  tempDirs.add(d);
  saveState();
  return d;
}

export function removeTempDir(d: string): void {
  fs.rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
  saveState();
}

// ------------------------------------------------------------------ usage

/** Samples a process tree: RSS (sum), peak RSS, CPU seconds. */
export class Usage {
  peakRssKb = 0;
  private readonly lastCpu = new Map<number, number>();
  private deadCpu = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly pid: number) {}

  /** Current RSS of the tree in kB; updates the peak and the CPU bookkeeping. */
  sample(): number {
    const pids = [this.pid, ...descendants(this.pid)];
    let rss = 0;
    const alive = new Set<number>();
    for (const pid of pids) {
      const st = readStat(pid);
      if (!st) continue;
      alive.add(pid);
      this.lastCpu.set(pid, st.cpu);
      rss += statusKb(pid, 'VmRSS');
    }
    for (const [pid, cpu] of this.lastCpu) {
      if (!alive.has(pid)) {
        this.deadCpu += cpu;
        this.lastCpu.delete(pid);
      }
    }
    this.peakRssKb = Math.max(this.peakRssKb, rss, statusKb(this.pid, 'VmHWM'));
    return rss;
  }

  cpu(): number {
    this.sample();
    let c = this.deadCpu;
    for (const v of this.lastCpu.values()) c += v;
    return c;
  }

  startSampling(ms: number): void {
    this.stopSampling();
    this.timer = setInterval(() => this.sample(), ms);
  }

  stopSampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** CPU seconds the whole machine spent busy (all CPUs) since boot, from /proc/stat. */
export function machineBusy(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / CLK_TCK;
  } catch {
    return 0;
  }
}

// ------------------------------------------------------------------ sockets

function hexAddr(addr: string): string {
  const b = addr.split('.').map(Number);
  return [b[3], b[2], b[1], b[0]].map((x) => (x ?? 0).toString(16).padStart(2, '0')).join('').toUpperCase();
}

/** True if something LISTENs on addr:port (or on 0.0.0.0:port). */
export function listening(addr: string, port: number): boolean {
  let text: string;
  try {
    text = fs.readFileSync('/proc/net/tcp', 'latin1');
  } catch {
    return false;
  }
  const want = [`${hexAddr(addr)}:${port.toString(16).toUpperCase().padStart(4, '0')}`, `00000000:${port.toString(16).toUpperCase().padStart(4, '0')}`];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && want.includes(f[1] ?? '')) return true;
  }
  return false;
}

/** Wait until every addr:port listens; fails early if the process exits. */
export async function waitListening(p: Proc, ports: { addr: string; port: number }[], timeoutMs: number): Promise<number> {
  const t0 = now();
  const until = Date.now() + timeoutMs;
  while (!ports.every((x) => listening(x.addr, x.port))) {
    if (p.exited) throw new Error(`${p.name} exited (code ${p.exitCode}, signal ${p.exitSignal}): ${logTail(p.log)}`);
    if (Date.now() > until) throw new Error(`${p.name} did not listen on ${ports.map((x) => `${x.addr}:${x.port}`).join(', ')} within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
  return now() - t0;
}

export function logTail(file: string, bytes = 1500): string {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.slice(-bytes).replace(/\s+$/, '');
  } catch {
    return '';
  }
}

/** Reject after ms with a message; the timer is cleared when p settles. */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${(ms / 1000).toFixed(1)} s: ${what}`)), Math.max(1, ms));
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
