/**
 * Update groups: peers that get the same routes with the same attributes
 * (same family, peer class, AS-number width — and, for a route-target peer's
 * VPN routes, the same peer) share one Adj-RIB-Out and one encoding. An
 * UPDATE is packed once and the same bytes go to every member (FRR's
 * update-groups, Contrail's RibOut; RFC 4271 §9.2).
 *
 * The group's Adj-RIB-Out lives on the destinations (`dest.sent`, read through sentAt / setSent) and
 * its queue is a set of destinations: whatever happens to a destination
 * between two drains becomes one advertisement, computed from its state at
 * drain time. A route is never sent back to the member it came from: its
 * bucket excludes that member, and a member that becomes the source of a
 * route it had received gets a withdrawal of its own.
 */

import { encodeEndOfRib, encodePathAttributes, FAMILIES, packUpdates, packWithdrawals } from '../bgp/wire/index.js';
import type { AfiSafi, CodecContext, FamilyName } from '../bgp/wire/types.js';
import type { AttrSet, AttrStore } from './attr-store.js';
import type { RtInterest } from './rtc.js';
import type { Table } from './table.js';
import { sentAt, setSent, type Dest, type Nlri, type Path, type PeerInfo } from './types.js';

/** Something that receives a group's messages (a peer's RIB state). */
export interface Member {
  readonly info: PeerInfo;
}

/** Encoded messages and who gets them. */
export interface Delivery<M extends Member = Member> {
  readonly msgs: Uint8Array[];
  readonly to: readonly M[];
}

/** The export policy of a group, supplied by the RIB. */
export interface GroupPolicy<M extends Member> {
  /** The path the group should advertise for a destination (undefined: nothing). */
  desired(group: UpdateGroup<M>, dest: Dest): Path | undefined;
  /** The outbound attribute set of a path for the group at a destination (interned, held while the group lives). */
  outSet(group: UpdateGroup<M>, path: Path, dest: Dest): AttrSet;
  /** The group has work outside its queue (a member's own messages): drain it soon. */
  wake?(group: UpdateGroup<M>): void;
}

export class UpdateGroup<M extends Member = Member> {
  readonly members = new Map<PeerInfo, M>();
  readonly pending = new Set<Dest>();
  /** Messages for one member only (join snapshots, route refresh), sent before group messages. */
  readonly backlog = new Map<M, Uint8Array[]>();
  /** Members owed End-of-RIB once the group queue is empty. */
  readonly eorWanted = new Set<M>();
  /** Routes whose attributes could not be encoded within 4096 bytes. */
  unencodable = 0;
  announced = 0;
  withdrawn = 0;

  constructor(
    readonly key: string,
    readonly slot: number,
    readonly family: FamilyName,
    readonly afiSafi: AfiSafi,
    readonly ctx: CodecContext,
    /** A member standing for the class: export rules depend only on its class. */
    readonly to: PeerInfo,
    readonly classId: number,
    readonly interest: RtInterest | undefined,
    private readonly table: Table,
    private readonly store: AttrStore,
    private readonly policy: GroupPolicy<M>,
  ) {}

  get hasWork(): boolean {
    return this.pending.size > 0 || this.backlog.size > 0 || this.eorWanted.size > 0;
  }

  /** Add a member: it gets what the group has sent so far, then End-of-RIB after the queue drains. */
  join(m: M): void {
    this.members.set(m.info, m);
    const snapshot = this.snapshot(m);
    if (snapshot.length > 0) this.backlog.set(m, snapshot);
    this.eorWanted.add(m);
  }

  leave(m: M): void {
    this.members.delete(m.info);
    this.backlog.delete(m);
    this.eorWanted.delete(m);
  }

  /** Send a member the whole Adj-RIB-Out again (ROUTE-REFRESH). */
  refresh(m: M): void {
    const snapshot = this.snapshot(m);
    if (snapshot.length > 0) this.backlog.set(m, [...(this.backlog.get(m) ?? []), ...snapshot]);
  }

  /** Forget every advertisement (the group is going away). */
  dispose(): void {
    for (const dest of this.table.allDests()) {
      setSent(dest, this.slot, undefined);
      if (dest.paths.length === 0) this.table.collect(dest);
    }
    this.pending.clear();
    this.backlog.clear();
    this.eorWanted.clear();
  }

  /** Drain up to about `budget` destinations into deliveries. */
  drain(budget: number): Delivery<M>[] {
    const out: Delivery<M>[] = [];
    for (const [m, msgs] of this.backlog) out.push({ msgs, to: [m] });
    this.backlog.clear();
    const announce = new Map<AttrSet, Map<M | undefined, Nlri[]>>();
    const withdraw = new Map<M | undefined, Nlri[]>();
    let n = 0;
    for (const dest of this.pending) {
      if (n++ >= budget) break;
      this.pending.delete(dest);
      this.advance(dest, announce, withdraw);
    }
    for (const [ex, nlri] of withdraw) {
      const to = this.others(ex);
      if (to.length > 0) out.push({ msgs: packWithdrawals(this.afiSafi, nlri, this.ctx), to });
    }
    for (const [set, byEx] of announce) {
      for (const [ex, nlri] of byEx) {
        const to = this.others(ex);
        if (to.length > 0) out.push({ msgs: this.pack(set, nlri), to });
      }
    }
    if (this.pending.size === 0 && this.eorWanted.size > 0) {
      out.push({ msgs: [encodeEndOfRib(this.afiSafi)], to: [...this.eorWanted] });
      this.eorWanted.clear();
    }
    return out;
  }

  /**
   * Bring one destination's advertisement up to date: an announcement to
   * every member but the route's source, or a withdrawal to every member but
   * the old route's source (which never had it).
   */
  private advance(dest: Dest, announce: Map<AttrSet, Map<M | undefined, Nlri[]>>, withdraw: Map<M | undefined, Nlri[]>): void {
    const prev = sentAt(dest, this.slot);
    const next = this.policy.desired(this, dest);
    if (prev === next) return;
    setSent(dest, this.slot, next);
    if (next) {
      const ex = this.members.get(next.peer);
      const set = this.policy.outSet(this, next, dest);
      let byEx = announce.get(set);
      if (!byEx) announce.set(set, (byEx = new Map()));
      push(byEx, ex, withLabels(dest.nlri, next.labels));
      this.announced++;
      // The new source had the old route from us: it alone gets a withdrawal.
      if (prev && ex && prev.peer !== next.peer) this.soloWithdraw(ex, dest.nlri);
    } else {
      push(withdraw, this.members.get(prev!.peer), dest.nlri); // packWithdrawals drops labels
      this.withdrawn++;
      if (dest.paths.length === 0) this.table.collect(dest);
    }
  }

  /** Messages for one member only, sent before the group's next messages. */
  sendTo(m: M, msgs: readonly Uint8Array[]): void {
    this.backlog.set(m, [...(this.backlog.get(m) ?? []), ...msgs]);
    this.policy.wake?.(this);
  }

  private soloWithdraw(m: M, nlri: Nlri): void {
    const msgs = packWithdrawals(this.afiSafi, [nlri], this.ctx);
    this.backlog.set(m, [...(this.backlog.get(m) ?? []), ...msgs]);
  }

  /** Members other than `ex`. */
  private others(ex: M | undefined): M[] {
    const to: M[] = [];
    for (const m of this.members.values()) if (m !== ex) to.push(m);
    return to;
  }

  /** What the group has advertised, as messages for member `m` (minus routes `m` is the source of). */
  private snapshot(m: M): Uint8Array[] {
    const bySet = new Map<AttrSet, Nlri[]>();
    for (const dest of this.table.allDests()) {
      const p = sentAt(dest, this.slot);
      if (!p || p.peer === m.info) continue;
      push(bySet, this.policy.outSet(this, p, dest), withLabels(dest.nlri, p.labels));
    }
    const msgs: Uint8Array[] = [];
    for (const [set, nlri] of bySet) msgs.push(...this.pack(set, nlri));
    return msgs;
  }

  private pack(set: AttrSet, nlri: Nlri[]): Uint8Array[] {
    try {
      return packUpdates(this.afiSafi, this.attrBytes(set), set.attrs.nextHop ?? set.attrs.nextHop6 ?? 0, nlri, this.ctx);
    } catch {
      // Attributes too large for one 4096-byte UPDATE: these routes can't be sent.
      this.unencodable += nlri.length;
      return [];
    }
  }

  /** Attribute bytes of a set, encoded once per variant and cached on the set. */
  private attrBytes(set: AttrSet): Uint8Array {
    const classic = this.afiSafi.afi === 1 && this.afiSafi.safi === 1;
    const variant = (classic ? 2 : 0) + (this.ctx.fourOctetAs ? 1 : 0);
    set.wire ??= new Map();
    let bytes = set.wire.get(variant);
    if (!bytes) {
      bytes = encodePathAttributes(classic ? set.attrs : { ...set.attrs, nextHop: undefined }, this.ctx);
      set.wire.set(variant, bytes);
    }
    return bytes;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** The NLRI with the given labels (VPN); reuses the object when they are already its labels. */
function withLabels(n: Nlri, labels: readonly number[]): Nlri {
  if (!FAMILIES[n.family].labeled || (n as { labels: readonly number[] }).labels === labels) return n;
  return { ...n, labels } as Nlri;
}
