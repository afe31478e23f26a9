/**
 * Route keys in order, per table, so that a page of routes starts at a
 * cursor without walking the table (the web viewer pages through tables of
 * a million routes; `/api/routes?after=`).
 *
 * A `Table` keeps its destinations in a Map, in insertion order, and a Map
 * cannot be entered in the middle: reaching page k by skipping is O(n), and
 * sorting per page is O(n log n). So introspect keeps its own ordered copy
 * of each table's keys, built the first time a table is paged (one sort)
 * and then kept current from the table's change listener, at O(log n + B)
 * per change. The order is the route key's, which is Contrail's order
 * (address then length; RD first for VPN), the order the Sandesh pages use.
 *
 * The copy is a list of sorted chunks of at most 2·B keys (the shape of
 * Python's sortedcontainers): finding a key is a binary search over the
 * chunks' last keys, then within one chunk; an insert or delete moves at
 * most 2·B entries, never the whole list.
 *
 * Read-only towards the RIB: it only listens. Tables that disappear
 * (deleted instances) are dropped, with their listener, on the next lookup.
 */

import type { RouteKey } from '../rib/nlri-key.js';
import type { Table } from '../rib/table.js';
import { pathCount } from '../rib/types.js';

/** Half the largest chunk. */
const B = 512;

/** Keys in ascending order, in chunks. Exported for its own tests. */
export class SortedKeys {
  private chunks: RouteKey[][] = [];
  private count = 0;

  /** From keys in any order. */
  static of(keys: RouteKey[]): SortedKeys {
    const out = new SortedKeys();
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < keys.length; i += B) out.chunks.push(keys.slice(i, i + B));
    out.count = keys.length;
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the key; false if it was there. */
  insert(key: RouteKey): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return true;
    }
    const ci = Math.min(this.chunkFor(key), this.chunks.length - 1);
    const chunk = this.chunks[ci]!;
    const at = lowerBound(chunk, key);
    if (at < chunk.length && chunk[at] === key) return false;
    chunk.splice(at, 0, key);
    this.count++;
    if (chunk.length > 2 * B) this.chunks.splice(ci + 1, 0, chunk.splice(B));
    return true;
  }

  /** Removes the key; false if it was not there. */
  delete(key: RouteKey): boolean {
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci];
    if (!chunk) return false;
    const at = lowerBound(chunk, key);
    if (chunk[at] !== key) return false;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /**
   * The keys after `from` (all keys when undefined), in order. `from` need
   * not be a key of the table; a bigint works for a table of number keys
   * (number and bigint compare by value).
   */
  after(from?: RouteKey): Generator<RouteKey> {
    return this.walk(from, false);
  }

  /** The keys from `from` on, `from` included when it is a key (all keys when undefined). */
  from(from?: RouteKey): Generator<RouteKey> {
    return this.walk(from, true);
  }

  private *walk(from: RouteKey | undefined, inclusive: boolean): Generator<RouteKey> {
    let ci = from === undefined ? 0 : this.chunkFor(from);
    let at = 0;
    if (from !== undefined && ci < this.chunks.length) {
      const chunk = this.chunks[ci]!;
      at = lowerBound(chunk, from);
      // Loose equality on purpose: a cursor is parsed as a bigint and 5n == 5.
      if (!inclusive && at < chunk.length && chunk[at] == from) at++;
    }
    // A caller may insert or delete while it walks (a table listener firing
    // between two pages is harmless, but not within one): walk a snapshot
    // of each chunk.
    for (; ci < this.chunks.length; ci++, at = 0) {
      const chunk = this.chunks[ci]!.slice(at);
      for (const k of chunk) yield k;
    }
  }

  /** The first chunk whose last key is >= key (chunks.length when none is). */
  private chunkFor(key: RouteKey): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid]!;
      if (c[c.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The first index whose key is >= key. */
function lowerBound(keys: readonly RouteKey[], key: RouteKey): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Entry {
  readonly keys: SortedKeys;
  readonly unsubscribe: () => void;
}

/** The ordered keys of every table that has been paged, kept current. */
export class RouteIndex {
  private readonly entries = new Map<Table, Entry>();

  /** The table's keys in order; built on first use (one pass and one sort), then maintained. */
  keys(table: Table): SortedKeys {
    const had = this.entries.get(table);
    if (had) return had.keys;
    const all: RouteKey[] = [];
    for (const [key] of table.entries()) all.push(key);
    const keys = SortedKeys.of(all);
    const unsubscribe = table.subscribe((key, dest) => {
      if (pathCount(dest) > 0) keys.insert(key);
      else keys.delete(key);
    });
    this.entries.set(table, { keys, unsubscribe });
    return keys;
  }

  /** Stop maintaining tables that are no longer served (their instance was deleted). */
  retain(live: ReadonlySet<Table>): void {
    for (const [table, e] of this.entries) {
      if (live.has(table)) continue;
      e.unsubscribe();
      this.entries.delete(table);
    }
  }

  /** How many tables are indexed (for tests). */
  get tables(): number {
    return this.entries.size;
  }

  close(): void {
    this.retain(new Set());
  }
}
