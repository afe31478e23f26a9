/**
 * The RIB core: the interned attribute store, path stamps, source ids, and
 * the one way in for every route. BGP peers (src/rib/peering.ts), vRouter
 * agents (src/xmpp/agent-session.ts) and local origination (route-target
 * memberships) all add and withdraw paths through addPaths / withdrawPath,
 * which own interning, loop checks, the import-policy hook, and keeping the
 * attributes as received beside the effective ones. Route-target
 * replication (src/routing-instances) places its secondary copies through
 * placeCopy / removeCopy, which share the bookkeeping.
 *
 * No sockets, no timers. RFC 4271 §9.1 (Adj-RIB-In → Loc-RIB), RFC 4456 §8
 * (ORIGINATOR_ID / CLUSTER_LIST loops), RFC 7606 (treat-as-withdraw),
 * RFC 9494 §4.2 (marking a restarting source's paths LLGR-stale).
 */

import type { Labels, Nlri, PathAttributes, VpnPrefix } from '../bgp/wire/types.js';
import { NO_LABELS } from '../bgp/wire/families/labeled.js';
import { LLGR_STALE, NO_LLGR } from '../bgp/wire/llgr.js';
import { AttrStore, type AttrSet } from './attr-store.js';
import { asPathContains, type LocalSpeaker } from './export.js';
import type { Table } from './table.js';
import { findPath, pathAt, pathCount, pathsOf, type Dest, type InfeasibleReason, type Path, type PeerInfo, type Replication } from './types.js';

export type { LocalSpeaker } from './export.js';

const isAttrSet = (a: PathAttributes | AttrSet): a is AttrSet => 'key' in a && 'refs' in a;

const hasCommunity = (set: AttrSet, c: number): boolean => set.attrs.communities?.includes(c) ?? false;

/**
 * Import policy: the effective attributes of a path entering `table` from
 * `source`, or undefined to reject it. Identity until src/policy exists;
 * returning the given object means "unchanged".
 */
export type ImportPolicy = (table: Table, nlri: Nlri, source: PeerInfo, attrs: PathAttributes) => PathAttributes | undefined;

/** Per-path facts the caller knows beyond the attributes. */
export interface PathOptions {
  /** MPLS labels; by default the NLRI's own (labeled families) or none. */
  readonly labels?: Labels;
  /** Source RD (agent paths in a VRF: `<next-hop>:<instance-id>`). */
  readonly rd?: bigint;
  /** A reason the source already knows the path can't be used. */
  readonly infeasible?: InfeasibleReason;
}

/**
 * A received path. No `rd`, `infeasible` or `replicated` slot unless set:
 * 8 bytes less per path for each (a BGP peer's feasible path has none).
 */
function newPath(
  peer: PeerInfo, attrs: AttrSet, received: AttrSet, labels: Labels, stamp: number, rd: bigint | undefined, infeasible: InfeasibleReason | undefined,
): Path {
  if (infeasible === undefined) return rd === undefined ? { peer, attrs, received, labels, stamp } : { peer, attrs, received, labels, stamp, rd };
  return rd === undefined ? { peer, attrs, received, labels, stamp, infeasible } : { peer, attrs, received, labels, stamp, rd, infeasible };
}

export class Rib {
  readonly store = new AttrStore();
  /** The source of locally originated paths (route-target memberships). */
  readonly localPeer: PeerInfo;
  /** The import-policy hook (identity for now). */
  importPolicy: ImportPolicy | undefined;
  private lastPeerId = 0;
  private stamp = 0;

  constructor(readonly local: LocalSpeaker) {
    this.localPeer = {
      id: 0, name: 'local', kind: 'local', address: local.routerId, asn: local.asn,
      ibgp: true, rrClient: false, routerId: local.routerId,
    };
    this.store.onDrop = (derived) => this.store.release(derived);
  }

  /** A fresh id for any source of paths (BGP peer or agent): ids are the last tie-break and cache keys. */
  allocatePeerId(): number {
    return ++this.lastPeerId;
  }

  /** A monotonic stamp for a new path. */
  nextStamp(): number {
    return ++this.stamp;
  }

  /** The stamp of the newest path so far (introspect turns stamps into times). */
  get lastStamp(): number {
    return this.stamp;
  }

  /**
   * The one way in: add (or replace) `source`'s path for each NLRI with the
   * received attributes (or a set interned already, which must be live:
   * held by the caller). Returns how many destinations gained a path from
   * this source (a replacement counts 0). A path import policy rejects is
   * kept, infeasible ('rejected-by-policy'), so reevaluate() can accept it
   * again when the policy changes.
   */
  addPaths(table: Table, source: PeerInfo, received: PathAttributes | AttrSet, nlri: readonly Nlri[], opts: PathOptions = {}): number {
    if (nlri.length === 0) return 0;
    // An interned set (a caller that reuses one for many calls, as an agent session does) is taken as is.
    const set = isAttrSet(received) ? this.store.retain(received) : this.store.intern(received);
    const infeasible = opts.infeasible ?? this.loopCheck(source, set.attrs);
    const labeled = table.family.labeled;
    let added = 0;
    for (const n of nlri) {
      // A path import policy rejects stays, infeasible, with its attributes as received.
      const effective = this.effective(table, n, source, set);
      const attrs = effective ?? this.store.retain(set);
      const received = attrs === set ? set : this.store.retain(set);
      const labels = opts.labels ?? (labeled ? (n as VpnPrefix).labels : NO_LABELS);
      const why = infeasible ?? (effective === undefined ? 'rejected-by-policy' : undefined);
      const path = newPath(source, attrs, received, labels, ++this.stamp, opts.rd, why);
      const old = table.upsert(n, path);
      if (old) this.releasePath(old);
      else added++;
    }
    this.store.release(set);
    return added;
  }

  /**
   * Run import policy again over the paths of a table (after the policy
   * changed) from the attributes as received: a path whose outcome changed
   * is replaced, a rejected one turns infeasible, an accepted one feasible
   * again; nothing is withdrawn. Replicated copies and resolved paths are
   * left alone (they are derived again from what they come from). `which`
   * narrows it to some sources. Returns how many paths changed.
   */
  reevaluate(table: Table, which: (source: PeerInfo) => boolean = () => true): number {
    const changes: { nlri: Nlri; path: Path; attrs: AttrSet; infeasible: InfeasibleReason | undefined }[] = [];
    for (const dest of table.allDests()) {
      for (const p of pathsOf(dest)) {
        if (p.replicated || !which(p.peer) || (p.infeasible !== undefined && p.infeasible !== 'rejected-by-policy')) continue;
        const effective = this.effective(table, dest.nlri, p.peer, p.received);
        const infeasible = effective === undefined ? 'rejected-by-policy' : undefined;
        const attrs = effective ?? this.store.retain(p.received);
        if (attrs === p.attrs && infeasible === p.infeasible) {
          this.store.release(attrs);
          continue;
        }
        changes.push({ nlri: dest.nlri, path: p, attrs, infeasible });
      }
    }
    for (const c of changes) {
      const received = c.attrs === c.path.received ? c.attrs : this.store.retain(c.path.received);
      const path: Path = { ...c.path, attrs: c.attrs, received, infeasible: c.infeasible, stamp: ++this.stamp };
      const old = table.upsert(c.nlri, path);
      if (old) this.releasePath(old);
    }
    return changes.length;
  }

  /** Withdraw `source`'s path for the NLRI. Returns true when there was one. */
  withdrawPath(table: Table, nlri: Nlri, source: PeerInfo, rd?: bigint): boolean {
    const old = table.remove(nlri, source, rd);
    if (!old) return false;
    this.releasePath(old);
    return true;
  }

  /**
   * Remove every path of `source` from the table (a session ended), or only
   * those stamped up to `upToStamp` (graceful restart's sweep of stale
   * paths). Returns how many.
   */
  removeSource(table: Table, source: PeerInfo, upToStamp = Infinity): number {
    // Walk the table (BIRD's prune): cheaper overall than keeping a per-source
    // index of every route on the hot path.
    const mine: { dest: Dest; rd: bigint | undefined }[] = [];
    for (const dest of table.allDests()) {
      // pathAt, not pathsOf: no array made per single-path destination of a table-wide walk.
      for (let i = 0, n = pathCount(dest); i < n; i++) {
        const p = pathAt(dest, i)!;
        if (p.peer === source && p.stamp <= upToStamp) mine.push({ dest, rd: p.rd });
      }
    }
    for (const m of mine) {
      const old = table.removeFrom(m.dest, source, m.rd);
      if (old) this.releasePath(old);
    }
    return mine.length;
  }

  /**
   * Long-lived graceful restart (RFC 9494 §4.2): `source`'s paths in the
   * table stamped up to `upToStamp` (its stale ones) become LLGR-stale: each
   * gets the LLGR_STALE community, in its effective attributes and in those
   * as received (so a policy re-run keeps it), and keeps its stamp, so it is
   * still stale and swept as before; re-sent by its source, it is replaced
   * by a fresh path. A path carrying NO_LLGR is removed instead (§4.2).
   * Replicated copies are left to follow their primary. Returns how many
   * paths were marked and how many removed.
   */
  markLongLivedStale(table: Table, source: PeerInfo, upToStamp: number): { marked: number; removed: number } {
    const mine: { dest: Dest; path: Path }[] = [];
    for (const dest of table.allDests()) {
      for (let i = 0, n = pathCount(dest); i < n; i++) {
        const p = pathAt(dest, i)!;
        if (p.peer === source && p.stamp <= upToStamp && !p.replicated) mine.push({ dest, path: p });
      }
    }
    let marked = 0;
    let removed = 0;
    for (const { dest, path } of mine) {
      if (hasCommunity(path.attrs, NO_LLGR) || hasCommunity(path.received, NO_LLGR)) {
        if (this.withdrawByKey(table, dest.key, source, path.rd)) removed++;
        continue;
      }
      if (hasCommunity(path.attrs, LLGR_STALE)) continue;
      const attrs = this.withCommunity(path.attrs, LLGR_STALE);
      const received = path.received === path.attrs ? attrs : this.withCommunity(path.received, LLGR_STALE);
      const old = table.upsert(dest.nlri, { ...path, attrs, received });
      if (old) this.releasePath(old);
      marked++;
    }
    return { marked, removed };
  }

  private withCommunity(set: AttrSet, community: number): AttrSet {
    const a = set.attrs;
    return this.store.intern({ ...a, communities: [...(a.communities ?? []), community] });
  }

  /**
   * Place a secondary copy of `primary` (route-target replication) with the
   * given attribute set, unless an identical copy is there already.
   */
  placeCopy(table: Table, nlri: Nlri, primary: Path, attrs: AttrSet, from: Replication['fromTable'], rd?: bigint): void {
    const at = table.find(nlri);
    const existing = at && findPath(at, primary.peer, rd);
    if (existing && existing.attrs === attrs && existing.replicated?.primary === primary) return;
    const received = primary.received === attrs ? attrs : this.store.retain(primary.received);
    const copy: Path = {
      peer: primary.peer, attrs: this.store.retain(attrs), received,
      labels: primary.labels, stamp: ++this.stamp, rd, replicated: { fromTable: from, primary },
    };
    const replaced = table.upsert(nlri, copy);
    if (replaced) this.releasePath(replaced);
  }

  /**
   * Place a path derived from another one (next-hop resolution): it keeps
   * the source, the received attributes and the feasibility of `from`, with
   * new effective attributes, labels and RD. Import policy and loop checks
   * ran when `from` came in; they do not run again. Replaces the source's
   * path with the same RD, unless it is already identical.
   */
  placeDerived(table: Table, nlri: Nlri, from: Path, attrs: PathAttributes, opts: { labels: Labels; rd?: bigint }): void {
    const set = this.store.intern(attrs);
    const at = table.find(nlri);
    const existing = at && findPath(at, from.peer, opts.rd);
    if (existing && existing.attrs === set && existing.labels === opts.labels && existing.infeasible === from.infeasible) {
      this.store.release(set);
      return;
    }
    const received = from.received === set ? set : this.store.retain(from.received);
    const path: Path = {
      peer: from.peer, attrs: set, received, labels: opts.labels, infeasible: from.infeasible,
      stamp: ++this.stamp, rd: opts.rd, replicated: undefined,
    };
    const old = table.upsert(nlri, path);
    if (old) this.releasePath(old);
  }

  /** Withdraw the path of (source, rd) at a route key: an agent's withdrawal, or a copy placed by placeCopy. */
  withdrawByKey(table: Table, key: number | bigint, source: PeerInfo, rd?: bigint): boolean {
    const gone = table.removeByKey(key, source, rd);
    if (gone) this.releasePath(gone);
    return gone !== undefined;
  }

  private effective(table: Table, n: Nlri, source: PeerInfo, set: AttrSet): AttrSet | undefined {
    const out = this.importPolicy ? this.importPolicy(table, n, source, set.attrs) : set.attrs;
    if (out === undefined) return undefined;
    return out === set.attrs ? this.store.retain(set) : this.store.intern(out);
  }

  private releasePath(p: Path): void {
    if (p.received !== p.attrs) this.store.release(p.received);
    this.store.release(p.attrs);
  }

  /** RFC 4456 §8 and RFC 4271 §9.1.2: paths that loop stay visible but infeasible. */
  private loopCheck(source: PeerInfo, a: PathAttributes): InfeasibleReason | undefined {
    if (a.originatorId !== undefined && a.originatorId === this.local.routerId) return 'originator-id-loop';
    if (a.clusterList?.includes(this.local.clusterId)) return 'cluster-list-loop';
    if ((source.kind === 'bgp' || source.kind === 'bgpaas') && !source.ibgp && asPathContains(a.asPath, this.local.asn)) {
      return 'as-path-loop';
    }
    return undefined;
  }
}
