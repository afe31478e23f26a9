/**
 * When each path was last modified, in wall-clock time, for introspect's
 * `last_modified` (Contrail's ShowRoute / ShowRoutePath, contrail-control.md
 * §6; contrail-introspect-cli computes route ages from it).
 *
 * The RIB stamps paths with a monotonic counter, not a time, and introspect
 * does not change the RIB. So this clock listens to every table it is shown
 * and records, per path object, the time it first saw it. Paths are
 * immutable (an update replaces the object), so "first seen" is the time of
 * the change. Tables are watched when introspect starts and, for tables
 * created later, the first time a page lists them; paths already present at
 * that moment get that moment.
 */

import type { Table } from '../rib/table.js';
import type { Dest, Path } from '../rib/types.js';

export class PathClock {
  private readonly seen = new WeakMap<Path, number>();
  private readonly watched = new Map<Table, () => void>();

  constructor(readonly now: () => number = Date.now) {}

  /** Start listening to the tables not watched yet. */
  watch(tables: Iterable<Table>): void {
    for (const table of tables) {
      if (this.watched.has(table)) continue;
      this.watched.set(table, table.subscribe((_key, dest) => this.record(dest)));
      for (const [, dest] of table.entries()) this.record(dest);
    }
  }

  /** Epoch milliseconds of the path's last change (the time it was first seen). */
  time(path: Path): number {
    let t = this.seen.get(path);
    if (t === undefined) {
      t = this.now();
      this.seen.set(path, t);
    }
    return t;
  }

  /** Stop listening (introspect is closing). */
  close(): void {
    for (const unsubscribe of this.watched.values()) unsubscribe();
    this.watched.clear();
  }

  private record(dest: Dest): void {
    let t: number | undefined;
    for (const p of dest.paths) {
      if (this.seen.has(p)) continue;
      t ??= this.now();
      this.seen.set(p, t);
    }
  }
}
