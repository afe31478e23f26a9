/**
 * Driver side of the sink host(s): forks `sink-host.js` processes, spreads
 * the sinks over them, and turns their IPC events into bounded waits
 * ("every sink full", "every sink empty", "stats").
 */

import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bounded, stop, track, type Proc } from './procs.js';
import type { SinkSpec } from './sink-host.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface HostEvent {
  ev: string;
  name?: string;
  t?: number;
  msg?: string;
  error?: string;
  sinks?: Record<string, SinkStats>;
  cpu?: number;
  rssMb?: number;
}

export interface SinkStats {
  holding: number;
  reach: number;
  unreach: number;
  dups: number;
  missing: number;
  foreign: number;
  updates: number;
  eor: number;
  bytes: number;
  notification?: string;
  firstAt?: number;
  lastChangeAt?: number;
  fullAt: number[];
  emptyAt: number[];
  sessionError?: string;
  up: boolean;
}

class Host {
  readonly proc: Proc;
  private readonly listeners = new Set<(e: HostEvent) => void>();

  constructor(index: number) {
    const child = fork(path.join(here, 'sink-host.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc = track(`sink-host-${index}`, child);
    child.on('message', (m: HostEvent) => {
      for (const l of [...this.listeners]) l(m);
    });
  }

  on(l: (e: HostEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  send(m: unknown): void {
    if (this.proc.child.connected) this.proc.child.send(m as never);
  }
}

export class Sinks {
  private readonly hosts: Host[] = [];
  /** name → times at which the sink reached its target / became empty. */
  readonly full = new Map<string, number[]>();
  readonly empty = new Map<string, number[]>();
  readonly down = new Map<string, string>();
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly specs: SinkSpec[],
    procs: number,
    private readonly batchMs = 0,
  ) {
    const n = Math.max(1, Math.min(procs, specs.length));
    for (let i = 0; i < n; i++) {
      const h = new Host(i);
      h.on((e) => this.event(e));
      this.hosts.push(h);
    }
  }

  private event(e: HostEvent): void {
    if (e.ev === 'full' && e.name) this.push(this.full, e.name, e.t!);
    else if (e.ev === 'empty' && e.name) this.push(this.empty, e.name, e.t!);
    else if (e.ev === 'down' && e.name) this.down.set(e.name, e.error ?? 'closed');
    for (const w of [...this.waiters]) w();
  }

  private push(m: Map<string, number[]>, k: string, t: number): void {
    const a = m.get(k) ?? [];
    a.push(t);
    m.set(k, a);
  }

  private hostOf(i: number): Host {
    return this.hosts[i % this.hosts.length]!;
  }

  get pids(): number[] {
    return this.hosts.map((h) => h.proc.pid);
  }

  /** Every sink Established (bounded). */
  async connect(timeoutMs: number): Promise<void> {
    const byHost = new Map<Host, SinkSpec[]>();
    this.specs.forEach((s, i) => {
      const h = this.hostOf(i);
      byHost.set(h, [...(byHost.get(h) ?? []), s]);
    });
    const ups = [...byHost].map(([h, specs]) => {
      const want = new Set(specs.map((s) => s.name));
      return new Promise<void>((resolve, reject) => {
        const off = h.on((e) => {
          if (e.ev === 'up' && e.name) want.delete(e.name);
          if (e.ev === 'error') reject(new Error(`sink host: ${e.msg}`));
          if (want.size === 0) {
            off();
            resolve();
          }
        });
        h.proc.child.once('exit', () => reject(new Error('sink host exited')));
        h.send({ cmd: 'connect', sinks: specs, timeoutMs, batchMs: this.batchMs });
      });
    });
    await bounded(Promise.all(ups), timeoutMs + 2000, 'sinks to reach Established');
  }

  /**
   * Wait until pred() holds for every sink (checked on every event), or a
   * session goes down, or the deadline passes. Resolves with the latest time
   * `pick` returns over the sinks.
   */
  waitAll(pick: (name: string) => number | undefined, deadlineMs: number, what: string): Promise<number> {
    let check: () => void = () => undefined;
    return bounded(
      new Promise<number>((resolve, reject) => {
        check = (): void => {
          if (this.down.size > 0) {
            const [n, err] = [...this.down][0]!;
            this.waiters.delete(check);
            reject(new Error(`${n}: session down while waiting for ${what} (${err})`));
            return;
          }
          let latest = 0;
          for (const s of this.specs) {
            const t = pick(s.name);
            if (t === undefined) return;
            latest = Math.max(latest, t);
          }
          this.waiters.delete(check);
          resolve(latest);
        };
        this.waiters.add(check);
        check();
      }),
      deadlineMs,
      what,
    ).finally(() => this.waiters.delete(check));
  }

  /** First time after t0 each sink reached its target; resolves with the last of them. */
  allFullAfter(t0: number, deadlineMs: number): Promise<number> {
    return this.waitAll((n) => this.full.get(n)?.find((t) => t >= t0), deadlineMs, 'every sink to hold every route');
  }

  allEmptyAfter(t0: number, deadlineMs: number): Promise<number> {
    return this.waitAll((n) => this.empty.get(n)?.find((t) => t >= t0), deadlineMs, 'every sink to hold no route');
  }

  /** Counters of every sink and the hosts' own CPU time (harness cost). */
  async stats(): Promise<{ sinks: Record<string, SinkStats>; cpu: number; rssMb: number }> {
    const parts = await Promise.all(
      this.hosts.map((h) =>
        bounded(
          new Promise<HostEvent>((resolve) => {
            const off = h.on((e) => {
              if (e.ev === 'stats') {
                off();
                resolve(e);
              }
            });
            h.send({ cmd: 'stats' });
          }),
          5000,
          'sink stats',
        ),
      ),
    );
    const out = { sinks: {} as Record<string, SinkStats>, cpu: 0, rssMb: 0 };
    for (const p of parts) {
      Object.assign(out.sinks, p.sinks);
      out.cpu += p.cpu ?? 0;
      out.rssMb = Math.max(out.rssMb, p.rssMb ?? 0);
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.hosts.map(async (h) => {
        h.send({ cmd: 'exit' });
        await new Promise<void>((r) => {
          if (h.proc.exited) return r();
          const t = setTimeout(r, 3000);
          h.proc.child.once('exit', () => {
            clearTimeout(t);
            r();
          });
        });
        await stop(h.proc, 1000);
      }),
    );
  }
}
