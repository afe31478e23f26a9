/**
 * RIB value types: the sources of paths (peers), paths and destinations.
 * Plain data only; no sockets, no timers. Used by every table and by the
 * session drivers above, which talk to the RIB through src/rib/rib.ts.
 */

import type { RouteKey } from '../bgp/wire/families/registry.js';
import type { Labels, Nlri } from '../bgp/wire/types.js';
import { LLGR_STALE } from '../bgp/wire/llgr.js';
import type { AttrSet } from './attr-store.js';

/** A destination's key in its table (the family registry builds it), and the NLRI types. */
export type { RouteKey } from '../bgp/wire/families/registry.js';
export type { Nlri } from '../bgp/wire/types.js';

/**
 * Where a path came from: a BGP peer, a vRouter agent (XMPP), a
 * BGP-as-a-Service session in a routing instance, an instance's static
 * routes, or this node.
 */
export type SourceKind = 'bgp' | 'xmpp' | 'bgpaas' | 'static' | 'local';

/** A source of paths, as the RIB sees it. Created once per configured peer. */
export interface PeerInfo {
  /** Small integer, unique for the life of the process; the last tie-break. */
  readonly id: number;
  readonly name: string;
  readonly kind: SourceKind;
  /** The peer's transport address (uint32). */
  readonly address: number;
  readonly asn: number;
  /** True when asn equals our own AS. */
  readonly ibgp: boolean;
  /** RFC 4456 client of ours. */
  readonly rrClient: boolean;
  /** The BGP identifier learned from the peer's OPEN (0 until Established). */
  routerId: number;
  /**
   * Graceful restart (RFC 4724 §4.2): while set, the source's paths with a
   * stamp up to this one are stale — kept from before its session went
   * down, until it sends them again, its End-of-RIB, or a timer.
   */
  staleBefore?: number | undefined;
}

/** True for a path kept from before its source's session restarted (RFC 4724). */
export function isStale(p: Path): boolean {
  const before = p.peer.staleBefore;
  return before !== undefined && p.stamp <= before;
}

/**
 * True for a path carrying LLGR_STALE (RFC 9494 §3.2): kept past its
 * source's restart time (long-lived graceful restart), or received so from
 * a peer. Least preferred, and never sent to a peer without LLGR.
 */
export function isLlgrStale(p: Path): boolean {
  return p.attrs.attrs.communities?.includes(LLGR_STALE) ?? false;
}

/**
 * One path for a destination. `attrs.attrs.nextHop` always holds the next hop,
 * also for MP families (copied out of MP_REACH on receive).
 */
export interface Path {
  readonly peer: PeerInfo;
  /** The effective attributes (after import policy). */
  readonly attrs: AttrSet;
  /**
   * The attributes as received from the source, kept so import policy can
   * be run again when it changes; the same set as `attrs` when policy left
   * them alone. Copies made by replication carry their primary's.
   */
  readonly received: AttrSet;
  /** MPLS labels from the NLRI (VPN families; one label is a number); NO_LABELS otherwise. */
  readonly labels: Labels;
  /**
   * Why the path can't be used, or undefined when it is feasible. Infeasible
   * paths stay visible (introspect) but never win over a feasible one.
   */
  readonly infeasible?: InfeasibleReason;
  /** Monotonic arrival stamp (for introspect's last_modified and stable ordering). */
  readonly stamp: number;
  /**
   * The path's source route distinguisher. In VRF tables it tells apart
   * paths of one peer for one prefix (a gateway's two VPN routes with
   * different RDs); together with `peer` it identifies the path.
   */
  readonly rd?: bigint;
  /** Set on a path copied by route-target replication (a secondary path). */
  readonly replicated?: Replication;
}

/** Where a secondary path was copied from (Contrail's primary table / path). */
export interface Replication {
  /** Name of the table holding the primary path. */
  readonly fromTable: string;
  /** The primary path itself. */
  readonly primary: Path;
}

export type InfeasibleReason =
  | 'as-path-loop'
  | 'originator-id-loop'
  | 'cluster-list-loop'
  | 'treat-as-withdraw'
  /** An agent listed tunnel encapsulations, none of them known (Contrail NoTunnelEncap). */
  | 'no-tunnel-encap'
  /**
   * Import policy rejected it. Kept (with the attributes as received) so
   * that a policy change can accept it again without the peer resending.
   */
  | 'rejected-by-policy';

/** A destination: one NLRI with every source's path and the computed best. */
export interface Dest<N extends Nlri = Nlri> {
  readonly nlri: N;
  readonly key: RouteKey;
  /**
   * Every source's path, sorted best first after every change: undefined
   * when there is none, the path itself when there is one (the common case:
   * no array per destination, a million routes: ~56 MB less and two objects
   * fewer to touch per change), an array of two or more otherwise. Written
   * by its table only (src/rib/table.ts); read it with pathCount / pathAt /
   * bestPath, or pathsOf where an array is wanted (it makes one for a single
   * path: display, not the hot paths).
   */
  held: Path | Path[] | undefined;
  /** Paths from index 0 up to (excluding) this index are ECMP-equal to the best. */
  ecmpCount: number;
  /**
   * Outbound state per update-group slot: the path that group has
   * advertised (paths are immutable, so the path is the advertisement).
   * Kept on the destination (Contrail's per-listener route state) so the
   * send path needs no per-peer maps. A destination without paths stays in
   * its table until every group has withdrawn it. Read and write it with
   * sentAt / setSent: while only slot 0 is in use (one update group, the
   * common case at scale) the path is held directly, not in an array (a
   * million routes: ~56 MB less).
   */
  sent?: Path | (Path | undefined)[];
}

/** How many paths the destination has. */
export function pathCount(dest: Dest): number {
  const h = dest.held;
  return h === undefined ? 0 : Array.isArray(h) ? h.length : 1;
}

/** The destination's i-th path (0: the best), or undefined. */
export function pathAt(dest: Dest, i: number): Path | undefined {
  const h = dest.held;
  if (h === undefined) return undefined;
  if (Array.isArray(h)) return h[i];
  return i === 0 ? h : undefined;
}

/** The destination's best path (its first), or undefined when it has none. */
export function bestPath(dest: Dest): Path | undefined {
  const h = dest.held;
  return h === undefined || !Array.isArray(h) ? h : h[0];
}

/** The destination's paths as an array, best first (a new one for a single path). */
export function pathsOf(dest: Dest): readonly Path[] {
  const h = dest.held;
  return h === undefined ? [] : Array.isArray(h) ? h : [h];
}

/** The index of the path of (peer, rd) in a list of paths, or -1. */
export function indexOfPath(paths: readonly Path[], peer: PeerInfo, rd: bigint | undefined): number {
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i]!;
    if (p.peer === peer && p.rd === rd) return i;
  }
  return -1;
}

/** The path of `peer` with source RD `rd` at the destination, if any. */
export function findPath(dest: Dest, peer: PeerInfo, rd: bigint | undefined): Path | undefined {
  const h = dest.held;
  if (h === undefined) return undefined;
  if (!Array.isArray(h)) return h.peer === peer && h.rd === rd ? h : undefined;
  const i = indexOfPath(h, peer, rd);
  return i < 0 ? undefined : h[i];
}

/** The path update-group `slot` has advertised for the destination. */
export function sentAt(dest: Dest, slot: number): Path | undefined {
  const s = dest.sent;
  if (s === undefined) return undefined;
  if (Array.isArray(s)) return s[slot];
  return slot === 0 ? s : undefined;
}

/** Record a group's advertisement (arrays sized exactly: no growth slack per route). */
export function setSent(dest: Dest, slot: number, p: Path | undefined): void {
  const s = dest.sent;
  if (s === undefined || !Array.isArray(s)) {
    if (slot === 0) {
      dest.sent = p;
      return;
    }
    if (p === undefined) return;
    const grown: (Path | undefined)[] = new Array(slot + 1).fill(undefined);
    grown[0] = s;
    grown[slot] = p;
    dest.sent = grown;
    return;
  }
  if (slot < s.length) s[slot] = p;
  else if (p) {
    const grown: (Path | undefined)[] = new Array(slot + 1).fill(undefined);
    for (let i = 0; i < s.length; i++) grown[i] = s[i];
    grown[slot] = p;
    dest.sent = grown;
  }
}

/** True while some update group still has an advertisement recorded for the destination. */
export function anySent(dest: Dest): boolean {
  const s = dest.sent;
  if (s === undefined) return false;
  if (!Array.isArray(s)) return true;
  for (let i = 0; i < s.length; i++) if (s[i] !== undefined) return true;
  return false;
}
