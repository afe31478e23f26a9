/**
 * The one scheduler of agent work: what agents sent (publishes, read from
 * their inboxes) and what goes to them (items and retracts toward vRouter
 * agents, contrail-control.md §2.7). Agents with work wait in two
 * round-robin queues, input first, and the queues are served in slices of
 * bounded time on the event loop's check phase (setImmediate).
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
 * Input before output: an agent's routes reach the RIB, and through BGP
 * export the gateway, without waiting behind item pushes; and items pushed
 * after a burst of publishes are pushed once, in their final form, instead
 * of once per intermediate state. So that output is never starved by a
 * steady stream of input, output waiting gets a turn in one slice of every
 * OUTPUT_EVERY (4) at least.
 *
 * Layer L3 (src/xmpp); timers only, no sockets.
 */

import { performance } from 'node:perf_hooks';

/** One agent's work; each turn answers true when more is left (budget used), false when done or blocked. */
export interface FlushTask {
  /** Handle part of what the agent sent. */
  runInput(): boolean;
  /** Send part of what is queued for the agent. */
  runFlush(): boolean;
}

/**
 * While agents' input fills whole slices, output still gets a turn in one
 * slice of this many: input (and through it BGP export, the gateway) goes
 * first, pushes to agents are not starved. One in every slice took ~11% of
 * the agents bench's publish phase from input.
 */
const OUTPUT_EVERY = 4;

export interface FlushSchedulerOptions {
  /** Time a slice may take before it yields (default 4 ms; 0: one turn per slice). */
  readonly sliceMs?: number;
}

export class FlushScheduler {
  private readonly input = new Set<FlushTask>();
  private readonly queue = new Set<FlushTask>();
  private scheduled = false;
  /** Slices in a row that gave output no turn (input took them whole). */
  private starved = 0;
  private readonly sliceMs: number;
  /** Slices run and the longest one (ms), for introspection and the benchmark. */
  slices = 0;
  longestSliceMs = 0;

  constructor(o: FlushSchedulerOptions = {}) {
    this.sliceMs = o.sliceMs ?? 4;
  }

  /** The task has output: it gets a turn in a coming slice (once, however often it asks). */
  request(task: FlushTask): void {
    this.queue.add(task);
    this.schedule();
  }

  /** The task has input to handle: it gets an input turn, ahead of every output turn. */
  requestInput(task: FlushTask): void {
    this.input.add(task);
    this.schedule();
  }

  /** The task's agent is gone: drop its turns. */
  cancel(task: FlushTask): void {
    this.input.delete(task);
    this.queue.delete(task);
  }

  /** Some agent's input waits for a turn: output turns should stay small (see AgentSession.flush). */
  get inputWaiting(): boolean {
    return this.input.size > 0;
  }

  get pending(): number {
    return this.input.size + this.queue.size;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.slice);
  }

  /** One turn from `q` (round robin); false when it is empty. */
  private static turn(q: Set<FlushTask>, run: (t: FlushTask) => boolean): boolean {
    const task = q.values().next().value as FlushTask | undefined;
    if (task === undefined) return false;
    q.delete(task);
    // Round robin: an agent with more to do waits behind everybody already queued.
    if (run(task)) q.add(task);
    return true;
  }

  private readonly slice = (): void => {
    this.scheduled = false;
    const start = performance.now();
    let elapsed = 0;
    let outputTurns = 0;
    // At least one turn per slice, however short the slice; input first.
    do {
      if (!FlushScheduler.turn(this.input, (t) => t.runInput())) {
        if (!FlushScheduler.turn(this.queue, (t) => t.runFlush())) break;
        outputTurns++;
      }
      elapsed = performance.now() - start;
    } while (this.sliceMs > 0 && elapsed < this.sliceMs);
    // Output is never starved by input: one turn in every OUTPUT_EVERY slices at least.
    if (outputTurns === 0 && this.queue.size > 0 && ++this.starved >= OUTPUT_EVERY) {
      FlushScheduler.turn(this.queue, (t) => t.runFlush());
      outputTurns++;
    }
    if (outputTurns > 0) this.starved = 0;
    elapsed = performance.now() - start;
    this.slices++;
    if (elapsed > this.longestSliceMs) this.longestSliceMs = elapsed;
    if (this.pending > 0) this.schedule();
  };
}
