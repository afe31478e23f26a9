/**
 * A routing table: destinations keyed by a compact route key, each holding at
 * most one path per source, ranked by src/rib/best-path.ts after every change.
 *
 * Tables know nothing of sessions: every change is reported to listeners
 * (the outbound queues, later route-target replication and XMPP export),
 * which compare against what they already sent.
 */

import type { FamilyName, NlriOf } from '../bgp/wire/types.js';
import type { Family } from '../bgp/wire/families/registry.js';
import { DEFAULT_SELECTION, rankPaths, type SelectionOptions } from './best-path.js';
import type { RouteKey } from './nlri-key.js';
import { anySent, type Dest, type Nlri, type Path, type PeerInfo } from './types.js';

export type TableListener<N extends Nlri> = (key: RouteKey, dest: Dest<N>) => void;

/** The paths of a destination its table has forgotten: shared, empty, frozen (nothing may add to a forgotten destination). */
const GONE: Path[] = Object.freeze([]) as unknown as Path[];

/** A table of one family (`inet.0`, `bgp.l3vpn.0`, `<ri>.inet6.0`, ...), owned by a routing instance. */
export class Table<F extends FamilyName = FamilyName, N extends Nlri = NlriOf[F]> {
  private readonly dests = new Map<RouteKey, Dest<N>>();
  private readonly listeners: TableListener<N>[] = [];
  private pathCount = 0;
  private routeCount = 0;

  readonly keyOf: (n: N) => RouteKey;

  constructor(
    readonly name: string,
    readonly family: Family<F>,
    private readonly selection: SelectionOptions = DEFAULT_SELECTION,
  ) {
    this.keyOf = family.key as unknown as (n: N) => RouteKey;
  }

  /** Called with every destination whose paths changed (empty paths = gone). */
  subscribe(listener: TableListener<N>): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Destinations that have at least one path. */
  get size(): number {
    return this.routeCount;
  }

  get paths(): number {
    return this.pathCount;
  }

  get(key: RouteKey): Dest<N> | undefined {
    return this.dests.get(key);
  }

  /** Destinations that have paths, with their keys. */
  *entries(): IterableIterator<[RouteKey, Dest<N>]> {
    for (const e of this.dests) if (e[1].paths.length > 0) yield e;
  }

  /** Add the path, replacing any earlier path from the same source. Returns the replaced path. */
  upsert(nlri: N, path: Path): Path | undefined {
    const key = this.keyOf(nlri);
    let dest = this.dests.get(key);
    if (!dest) {
      // Created with its first path: an array grown from [] keeps spare capacity.
      dest = { nlri, key, paths: [path], ecmpCount: path.infeasible ? 0 : 1, sent: undefined };
      this.dests.set(key, dest);
      this.routeCount++;
      this.pathCount++;
      this.emit(key, dest);
      return undefined;
    }
    if (dest.paths.length === 0) this.routeCount++;
    let old: Path | undefined;
    const i = dest.paths.findIndex((p) => p.peer === path.peer && p.rd === path.rd);
    if (i >= 0) {
      old = dest.paths[i];
      dest.paths[i] = path;
    } else {
      dest.paths.push(path);
      this.pathCount++;
    }
    dest.ecmpCount = rankPaths(dest.paths, this.selection);
    this.emit(key, dest);
    return old;
  }

  /** Remove the path of `peer` for `nlri`. Returns it, or undefined if there was none. */
  remove(nlri: N, peer: PeerInfo, rd?: bigint): Path | undefined {
    return this.removeByKey(this.keyOf(nlri), peer, rd);
  }

  /** Remove the path identified by (peer, rd) from the destination at key. */
  removeByKey(key: RouteKey, peer: PeerInfo, rd?: bigint): Path | undefined {
    const dest = this.dests.get(key);
    if (!dest) return undefined;
    const i = dest.paths.findIndex((p) => p.peer === peer && p.rd === rd);
    if (i < 0) return undefined;
    const [old] = dest.paths.splice(i, 1);
    this.pathCount--;
    if (dest.paths.length === 0) {
      this.routeCount--;
      dest.ecmpCount = 0;
      this.emit(key, dest);
      this.collect(dest);
      return old;
    } else {
      dest.ecmpCount = rankPaths(dest.paths, this.selection);
    }
    this.emit(key, dest);
    return old;
  }

  /**
   * Forget a destination that has no paths and no outbound state left. A
   * forgotten destination's paths become GONE, so that a second call (from
   * another update group) neither looks it up again nor deletes a newer
   * destination at the same key: one Map operation per withdrawn route
   * instead of two (on a bigint key, each costs a few cache misses).
   */
  collect(dest: Dest<N>): void {
    if (dest.paths === GONE || dest.paths.length > 0 || anySent(dest)) return;
    this.dests.delete(dest.key);
    dest.paths = GONE;
  }

  /** Every destination, including withdrawn ones some update group still has to withdraw. */
  allDests(): IterableIterator<Dest<N>> {
    return this.dests.values();
  }

  private emit(key: RouteKey, dest: Dest<N>): void {
    for (const l of this.listeners) l(key, dest);
  }
}
