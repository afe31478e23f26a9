/**
 * An update group's queue of destinations to bring up to date
 * (src/rib/update-group.ts), in the order they changed.
 *
 * A destination may be queued more than once: bringing one up to date is
 * idempotent (the group compares what it sent with what it would send now,
 * and a second visit finds them equal), so the queue does not look
 * destinations up to keep them unique. It was a Set: a hash insertion per
 * change, and a table rebuilt as it grew after every clear — 78 of the 268
 * bytes allocated per withdrawn route (bench workload, 100k routes). An
 * array keeps its slots from one drain to the next.
 *
 * Bounded all the same: when it holds more than twice the destinations it
 * held distinct at its last compaction (at least COMPACT_AT), it drops the
 * repeats, keeping each destination's first place. So, as with a Set, it
 * never holds more than about twice the table, whatever the churn between
 * two drains (a group whose peers all push back drains nothing for a while).
 */

import type { Dest } from './types.js';

/** Entries below which the queue never compacts. */
const COMPACT_AT = 65_536;
/** Slots kept for the next round once the queue has run empty; above that, its array is let go. */
const KEEP_SLOTS = 65_536;

export class DestQueue {
  private items: (Dest | undefined)[] = [];
  private head = 0;
  private tail = 0;
  private compactAt = COMPACT_AT;

  /** Entries queued, repeats included. */
  get size(): number {
    return this.tail - this.head;
  }

  add(dest: Dest): void {
    if (this.tail < this.items.length) this.items[this.tail] = dest;
    else this.items.push(dest);
    if (++this.tail - this.head > this.compactAt) this.compact();
  }

  /** The oldest entry, removed; undefined when empty. */
  shift(): Dest | undefined {
    if (this.head === this.tail) return undefined;
    const dest = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.tail) this.reset();
    return dest;
  }

  clear(): void {
    for (let i = this.head; i < this.tail; i++) this.items[i] = undefined;
    this.reset();
  }

  private reset(): void {
    this.head = 0;
    this.tail = 0;
    if (this.items.length > KEEP_SLOTS) this.items = [];
  }

  /** Drop repeats, keeping first places. */
  private compact(): void {
    const seen = new Set<Dest>();
    let to = 0;
    for (let i = this.head; i < this.tail; i++) {
      const d = this.items[i]!;
      if (seen.has(d)) continue;
      seen.add(d);
      this.items[to++] = d;
    }
    for (let i = to; i < this.tail; i++) this.items[i] = undefined;
    this.head = 0;
    this.tail = to;
    this.compactAt = Math.max(COMPACT_AT, 2 * to);
  }
}
