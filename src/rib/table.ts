/**
 * A routing table: destinations keyed by a compact route key, each holding at
 * most one path per source, ranked by src/rib/best-path.ts after every change.
 * Destinations are found through a DestIndex (src/rib/dest-index.ts: small
 * integer keys for IPv4 and IPv4-VPN); a destination's route key is made
 * only when something asks for it, and not kept (a bigint per VPN route
 * otherwise).
 *
 * Tables know nothing of sessions: every change is reported to listeners
 * (the outbound queues, later route-target replication and XMPP export),
 * which compare against what they already sent.
 */

import type { FamilyName, NlriOf } from '../bgp/wire/types.js';
import { nlriKey, type Family } from '../bgp/wire/families/registry.js';
import { DEFAULT_SELECTION, rankPaths, type SelectionOptions } from './best-path.js';
import { indexFor, type DestIndex } from './dest-index.js';
import type { RouteKey } from './nlri-key.js';
import { anySent, indexOfPath, pathCount, type Dest, type Nlri, type Path, type PeerInfo } from './types.js';

export type TableListener<N extends Nlri> = (key: RouteKey, dest: Dest<N>) => void;
/** A listener that does not need the route key (so none is made for it). */
export type DestListener<N extends Nlri> = (dest: Dest<N>) => void;

interface Listener<N extends Nlri> {
  readonly keyed: TableListener<N> | undefined;
  readonly plain: DestListener<N> | undefined;
}

/** What a destination its table has forgotten holds: shared, empty, frozen (nothing may add to a forgotten destination). */
const GONE: Path[] = Object.freeze([]) as unknown as Path[];

/**
 * A destination of a table. Its route key is computed from the NLRI when
 * asked, not kept: a VPN key is a bigint (32 bytes, plus 8 for the slot)
 * that the hot paths no longer need.
 */
class TableDest<N extends Nlri> implements Dest<N> {
  held: Path | Path[] | undefined;
  ecmpCount: number;
  sent: Path | (Path | undefined)[] | undefined = undefined;

  constructor(readonly nlri: N, first: Path) {
    this.held = first;
    this.ecmpCount = first.infeasible ? 0 : 1;
  }

  get key(): RouteKey {
    return nlriKey(this.nlri);
  }
}

/** A table of one family (`inet.0`, `bgp.l3vpn.0`, `<ri>.inet6.0`, ...), owned by a routing instance. */
export class Table<F extends FamilyName = FamilyName, N extends Nlri = NlriOf[F]> {
  private readonly dests: DestIndex<Dest<N>>;
  /** In subscription order; keyed listeners get the key too (made once per change). */
  private readonly listeners: Listener<N>[] = [];
  private pathCount = 0;
  private routeCount = 0;

  readonly keyOf: (n: N) => RouteKey;

  constructor(
    readonly name: string,
    readonly family: Family<F>,
    private readonly selection: SelectionOptions = DEFAULT_SELECTION,
  ) {
    this.keyOf = family.key as unknown as (n: N) => RouteKey;
    this.dests = indexFor(family.name);
  }

  /** Called with every destination whose paths changed (empty paths = gone), and its key. */
  subscribe(listener: TableListener<N>): () => void {
    return this.listen({ keyed: listener, plain: undefined });
  }

  /** Like subscribe, without the key: listeners on the hot path that do not need it (update groups). */
  watch(listener: DestListener<N>): () => void {
    return this.listen({ keyed: undefined, plain: listener });
  }

  private listen(l: Listener<N>): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
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
    return this.dests.findKey(key);
  }

  /** The destination of an NLRI (labels aside), without making its key. */
  find(nlri: N): Dest<N> | undefined {
    return this.dests.find(nlri);
  }

  /** Destinations that have paths, with their keys. */
  *entries(): IterableIterator<[RouteKey, Dest<N>]> {
    for (const d of this.dests.values()) if (pathCount(d) > 0) yield [d.key, d];
  }

  /** Call `fn` with every destination that has paths (as live(), without an iterator object per step). */
  forEachLive(fn: (dest: Dest<N>) => void): void {
    this.dests.forEach((d) => {
      if (pathCount(d) > 0) fn(d);
    });
  }

  /** Destinations that have paths. */
  *live(): IterableIterator<Dest<N>> {
    for (const d of this.dests.values()) if (pathCount(d) > 0) yield d;
  }

  /** Add the path, replacing any earlier path from the same source. Returns the replaced path. */
  upsert(nlri: N, path: Path): Path | undefined {
    let dest = this.dests.find(nlri);
    if (!dest) {
      dest = new TableDest(nlri, path);
      this.dests.add(nlri, dest);
      this.routeCount++;
      this.pathCount++;
      this.emit(dest);
      return undefined;
    }
    const held = dest.held;
    let old: Path | undefined;
    if (held === undefined) {
      this.routeCount++;
      this.pathCount++;
      dest.held = path;
    } else if (!Array.isArray(held)) {
      if (held.peer === path.peer && held.rd === path.rd) {
        old = held;
        dest.held = path;
      } else {
        // A second source: an exact-size array (one grown from [] keeps spare capacity).
        dest.held = [held, path];
        this.pathCount++;
      }
    } else {
      const i = indexOfPath(held, path.peer, path.rd);
      if (i >= 0) {
        old = held[i];
        held[i] = path;
      } else {
        held.push(path);
        this.pathCount++;
      }
    }
    this.rank(dest);
    this.emit(dest);
    return old;
  }

  /** Sort the destination's paths best first and count its ECMP set. */
  private rank(dest: Dest<N>): void {
    const held = dest.held;
    if (held === undefined) dest.ecmpCount = 0;
    else if (!Array.isArray(held)) dest.ecmpCount = held.infeasible ? 0 : 1;
    else dest.ecmpCount = rankPaths(held, this.selection);
  }

  /** Remove the path of `peer` for `nlri`. Returns it, or undefined if there was none. */
  remove(nlri: N, peer: PeerInfo, rd?: bigint): Path | undefined {
    const dest = this.dests.find(nlri);
    return dest && this.removeFrom(dest, peer, rd);
  }

  /** Remove the path identified by (peer, rd) from the destination at key. */
  removeByKey(key: RouteKey, peer: PeerInfo, rd?: bigint): Path | undefined {
    const dest = this.dests.findKey(key);
    return dest && this.removeFrom(dest, peer, rd);
  }

  /** Remove the path identified by (peer, rd) from a destination of this table. */
  removeFrom(dest: Dest<N>, peer: PeerInfo, rd?: bigint): Path | undefined {
    const held = dest.held;
    let old: Path;
    if (held === undefined) return undefined;
    if (!Array.isArray(held)) {
      if (held.peer !== peer || held.rd !== rd) return undefined;
      old = held;
      dest.held = undefined;
    } else {
      const i = indexOfPath(held, peer, rd);
      if (i < 0) return undefined;
      // Shift by hand: splice would allocate an array for what it removes; pop
      // is inlined where setting length calls the generic setter.
      old = held[i]!;
      for (let j = i + 1; j < held.length; j++) held[j - 1] = held[j]!;
      held.pop();
      // Down to one path: held without the array again.
      if (held.length === 1) dest.held = held[0];
    }
    this.pathCount--;
    if (dest.held === undefined) {
      this.routeCount--;
      dest.ecmpCount = 0;
      this.emit(dest);
      this.collect(dest);
      return old;
    }
    this.rank(dest);
    this.emit(dest);
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
    // GONE (forgotten already) and a live destination both hold something.
    if (dest.held !== undefined || anySent(dest)) return;
    this.dests.remove(dest.nlri);
    dest.held = GONE;
  }

  /** Every destination, including withdrawn ones some update group still has to withdraw. */
  allDests(): IterableIterator<Dest<N>> {
    return this.dests.values();
  }

  private emit(dest: Dest<N>): void {
    let key: RouteKey | undefined;
    for (const l of this.listeners) {
      if (l.plain) l.plain(dest);
      else l.keyed!((key ??= dest.key), dest);
    }
  }
}
