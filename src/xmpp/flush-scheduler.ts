/**
 * The one scheduler of outbound agent work (items and retracts toward
 * vRouter agents, contrail-control.md §2.7): agents with something to send
 * wait in a round-robin queue, and the queue is served in slices of bounded
 * time on the event loop's check phase (setImmediate).
 *
 * Why: with a timer per agent, every agent woken in the same turn ran its
 * whole flush budget in one go (2000 agents × 1024 items per turn), so a
 * BGP flush, a BGP or XMPP read, or a keepalive waited behind seconds of
 * item writing. Here a slice stops after `sliceMs`, then yields with
 * setImmediate: BGP export (BgpSpeaker's own setImmediate, queued meanwhile)
 * and the poll phase (sockets) run before the next slice. An agent with work
 * left after its turn goes to the back of the queue, so a big initial dump
 * shares the loop fairly with everybody else's updates.
 *
 * Layer L3 (src/xmpp); timers only, no sockets.
 */

import { performance } from 'node:perf_hooks';

/** One agent's outbound work: true when more is left (budget used), false when done or blocked. */
export interface FlushTask {
  runFlush(): boolean;
}

export interface FlushSchedulerOptions {
  /** Time a slice may take before it yields (default 4 ms; 0: one turn per slice). */
  readonly sliceMs?: number;
}

export class FlushScheduler {
  private readonly queue = new Set<FlushTask>();
  private scheduled = false;
  private readonly sliceMs: number;
  /** Slices run and the longest one (ms), for introspection and the benchmark. */
  slices = 0;
  longestSliceMs = 0;

  constructor(o: FlushSchedulerOptions = {}) {
    this.sliceMs = o.sliceMs ?? 4;
  }

  /** The task has work: it gets a turn in a coming slice (once, however often it asks). */
  request(task: FlushTask): void {
    this.queue.add(task);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.slice);
  }

  /** The task's agent is gone: drop its turn. */
  cancel(task: FlushTask): void {
    this.queue.delete(task);
  }

  get pending(): number {
    return this.queue.size;
  }

  private readonly slice = (): void => {
    this.scheduled = false;
    const start = performance.now();
    let elapsed = 0;
    // At least one turn per slice, however short the slice.
    do {
      const task = this.queue.values().next().value as FlushTask | undefined;
      if (task === undefined) break;
      this.queue.delete(task);
      // Round robin: an agent with more to send waits behind everybody already queued.
      if (task.runFlush()) this.queue.add(task);
      elapsed = performance.now() - start;
    } while (this.sliceMs > 0 && elapsed < this.sliceMs);
    this.slices++;
    if (elapsed > this.longestSliceMs) this.longestSliceMs = elapsed;
    if (this.queue.size > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.slice);
    }
  };
}
