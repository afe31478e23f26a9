/**
 * Update groups: peers that get the same routes with the same attributes
 * (same family, peer class, AS-number width — and, for a route-target peer's
 * VPN routes, the same peer) share one Adj-RIB-Out and one encoding. An
 * UPDATE is packed once and the same bytes go to every member (FRR's
 * update-groups, Contrail's RibOut; RFC 4271 §9.2).
 *
 * The group's Adj-RIB-Out lives on the destinations (`dest.sent`, read through sentAt / setSent) and
 * its queue holds destinations (src/rib/dest-queue.ts): whatever happens to
 * a destination between two drains becomes one advertisement, computed from
 * its state at drain time (a destination queued twice is found up to date
 * the second time). A route is never sent back to the member it came from: its
 * bucket excludes that member, and a member that becomes the source of a
 * route it had received gets a withdrawal of its own.
 *
 * Members out of step. A member is either in step (it holds, or will once
 * the bytes already written reach it, exactly the group's sent state minus
 * its own routes: `view`) and gets the group's messages, or it is *behind*
 * and gets only messages of its own, built from the table when it can take
 * them. It falls behind when it joins a group that has sent something, asks
 * for a route refresh, or when its socket holds more than the speaker's cap
 * (`pause`: a peer that stopped reading must not make the group's churn pile
 * up in its socket). While behind, `held` records, per route key the group
 * changed since, what the member holds there, as long as that differs from
 * the group's view; an entry goes when the group comes back to what the
 * member holds. So it is bounded by the keys the member holds plus those in
 * the table, whatever the churn, and nothing per change is queued. A join
 * or refresh also walks the table (`cursor`, the table's iterator, which
 * may or may not see destinations added while it runs: those are noted in
 * `held` when the group advertises them) announcing the group's view. Catching
 * up (after `resume`) sends, per held key, the group's view now: an
 * announcement, or a withdrawal (also of routes withdrawn and forgotten
 * while the member was behind), then it is in step again. Withdrawing a
 * route the peer does not hold (a key the cursor had not reached yet) is
 * harmless: there is nothing for it to remove. Contrail does the like with
 * markers in its update queue: a blocked peer falls out of sync and is
 * caught up on its own (controller/src/bgp/bgp_ribout_updates.cc,
 * TailDequeue / PeerDequeue).
 */

import { encodeEndOfRib, encodePathAttributes, FAMILIES, packUpdates, packWithdrawals } from '../bgp/wire/index.js';
import type { AfiSafi, CodecContext, FamilyName, Labels } from '../bgp/wire/types.js';
import type { AttrSet, AttrStore } from './attr-store.js';
import { DestQueue } from './dest-queue.js';
import type { RouteKey } from './nlri-key.js';
import type { RtInterest } from './rtc.js';
import type { Table } from './table.js';
import { pathCount, sentAt, setSent, type Dest, type Nlri, type Path, type PeerInfo } from './types.js';

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

/** Where a member that is behind differs from the group: what it holds at a route key. */
interface Held {
  readonly nlri: Nlri;
  readonly had: Path | undefined;
}

/** A member out of step with its group (see the module header). */
interface Behind {
  readonly held: Map<RouteKey, Held>;
  /** A walk of the table announcing the group's view (join, route refresh), until done. */
  cursor: Iterator<Dest> | undefined;
  /** Its socket is over the cap: nothing is made for it until resume(). */
  paused: boolean;
}

/** Destinations a cursor may pass over without an announcement, per budgeted one. */
const WALK_FACTOR = 16;

export class UpdateGroup<M extends Member = Member> {
  readonly members = new Map<PeerInfo, M>();
  /** Destinations changed since the last drain (src/rib/dest-queue.ts: repeats allowed). */
  readonly pending = new DestQueue();
  /** Messages for one member only (own withdrawals, export-policy changes), sent before group messages. */
  readonly backlog = new Map<M, Uint8Array[]>();
  /** Members owed End-of-RIB once the group queue is empty and they are in step. */
  readonly eorWanted = new Set<M>();
  /** Members out of step: they get messages of their own, not the group's. */
  private readonly behind = new Map<M, Behind>();
  /** Destinations with an advertisement recorded in this group's slot. */
  private live = 0;
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

  /** Something to drain now (a paused member's catching up waits for resume()). */
  get hasWork(): boolean {
    if (this.pending.size > 0) return true;
    for (const m of this.backlog.keys()) if (!this.behind.get(m)?.paused) return true;
    for (const b of this.behind.values()) if (!b.paused) return true;
    for (const m of this.eorWanted) if (!this.behind.has(m)) return true;
    return false;
  }

  /**
   * Add a member: it gets what the group has sent so far (a table walk),
   * then End-of-RIB after the queue drains. While the group has sent
   * nothing (a new group: the peering queues the whole table) it is in step
   * at once.
   */
  join(m: M): void {
    this.members.set(m.info, m);
    if (this.live > 0) this.behind.set(m, { held: new Map(), cursor: this.walk(), paused: false });
    this.eorWanted.add(m);
  }

  leave(m: M): void {
    this.members.delete(m.info);
    this.backlog.delete(m);
    this.eorWanted.delete(m);
    this.behind.delete(m);
  }

  /** Send a member the whole Adj-RIB-Out again (ROUTE-REFRESH). */
  refresh(m: M): void {
    const b = this.behind.get(m);
    if (b) b.cursor = this.walk();
    else this.behind.set(m, { held: new Map(), cursor: this.walk(), paused: false });
  }

  /**
   * The member's socket is full: it stops getting the group's messages.
   * What it holds, once the bytes already written reach it, is the group's
   * view now; from here on `held` records where that differs.
   */
  pause(m: M): void {
    if (!this.members.has(m.info)) return;
    const b = this.behind.get(m);
    if (b) b.paused = true;
    else this.behind.set(m, { held: new Map(), cursor: undefined, paused: true });
  }

  /** The member's socket drained: catch it up from the table (drain()), then it is in step again. */
  resume(m: M): void {
    const b = this.behind.get(m);
    if (!b?.paused) return;
    b.paused = false;
    this.policy.wake?.(this);
  }

  /** For introspect and tests: whether a member is behind, paused, and at how many route keys it differs. */
  stepOf(m: M): { behind: boolean; paused: boolean; held: number } {
    const b = this.behind.get(m);
    return { behind: b !== undefined, paused: b?.paused ?? false, held: b?.held.size ?? 0 };
  }

  /** Forget every advertisement (the group is going away). */
  dispose(): void {
    for (const dest of this.table.allDests()) {
      setSent(dest, this.slot, undefined);
      if (pathCount(dest) === 0) this.table.collect(dest);
    }
    this.pending.clear();
    this.backlog.clear();
    this.eorWanted.clear();
    this.behind.clear();
    this.live = 0;
  }

  /**
   * Drain up to about `budget` destinations into deliveries, and as many for
   * each member catching up. Table walks go before the queue is advanced, so
   * what the queue changes behind a walk is noted against what it sent.
   */
  drain(budget: number): Delivery<M>[] {
    const out: Delivery<M>[] = [];
    for (const [m, msgs] of this.backlog) {
      if (this.behind.get(m)?.paused) continue;
      out.push({ msgs, to: [m] });
      this.backlog.delete(m);
    }
    for (const [m, b] of this.behind) if (!b.paused && b.cursor) this.deliver(out, m, this.walkOn(m, b, budget));
    const announce = new Map<AttrSet, Map<M | undefined, Nlri[]>>();
    const withdraw = new Map<M | undefined, Nlri[]>();
    // All of it (and what advance() might add meanwhile), or the first `budget`.
    const all = this.pending.size <= budget;
    for (let n = 0; all || n < budget; n++) {
      const dest = this.pending.shift();
      if (!dest) break;
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
    for (const [m, b] of this.behind) if (!b.paused && !b.cursor) this.settle(m, b, budget, out);
    this.endOfRib(out);
    return out;
  }

  private deliver(out: Delivery<M>[], m: M, msgs: Uint8Array[]): void {
    if (msgs.length > 0) out.push({ msgs, to: [m] });
  }

  /** End-of-RIB to the members owed one, once the queue is empty and they are in step. */
  private endOfRib(out: Delivery<M>[]): void {
    if (this.pending.size > 0 || this.eorWanted.size === 0) return;
    const to = [...this.eorWanted].filter((m) => !this.behind.has(m));
    if (to.length === 0) return;
    out.push({ msgs: [encodeEndOfRib(this.afiSafi)], to });
    for (const m of to) this.eorWanted.delete(m);
  }

  /**
   * Bring one destination's advertisement up to date: an announcement to
   * every member but the route's source, or a withdrawal to every member but
   * the old route's source (which never had it). Members behind only note it.
   */
  private advance(dest: Dest, announce: Map<AttrSet, Map<M | undefined, Nlri[]>>, withdraw: Map<M | undefined, Nlri[]>): void {
    const prev = sentAt(dest, this.slot);
    const next = this.policy.desired(this, dest);
    if (prev === next) return;
    setSent(dest, this.slot, next);
    this.live += (next ? 1 : 0) - (prev ? 1 : 0);
    if (this.behind.size > 0) this.note(dest, prev, next);
    if (next) {
      const ex = this.members.get(next.peer);
      const set = this.policy.outSet(this, next, dest);
      let byEx = announce.get(set);
      if (!byEx) announce.set(set, (byEx = new Map()));
      push(byEx, ex, withLabels(dest.nlri, next.labels));
      this.announced++;
      // The new source had the old route from us: it alone gets a withdrawal.
      if (prev && ex && prev.peer !== next.peer && !this.behind.has(ex)) this.soloWithdraw(ex, dest.nlri);
    } else {
      push(withdraw, this.members.get(prev!.peer), dest.nlri); // packWithdrawals drops labels
      this.withdrawn++;
      if (pathCount(dest) === 0) this.table.collect(dest);
    }
  }

  /** The group's advertisement of `dest` moved from `prev` to `next`: record it for every member behind. */
  private note(dest: Dest, prev: Path | undefined, next: Path | undefined): void {
    const key = dest.key; // made on each ask (src/rib/table.ts): once here
    for (const [m, b] of this.behind) {
      const now = view(m, next);
      const h = b.held.get(key);
      if (!h) {
        const had = view(m, prev);
        if (had !== now) b.held.set(key, { nlri: dest.nlri, had });
      } else if (h.had === now) {
        b.held.delete(key); // back to what the member holds
      }
    }
  }

  /** A member behind whose walk is done: send its held keys as they are now; with none left it is in step again. */
  private settle(m: M, b: Behind, budget: number, out: Delivery<M>[]): void {
    this.deliver(out, m, this.settleHeld(m, b, budget));
    if (b.held.size === 0) this.behind.delete(m);
  }

  /** Announce the group's view of the next destinations of the member's table walk. */
  private walkOn(m: M, b: Behind, budget: number): Uint8Array[] {
    const bySet = new Map<AttrSet, Nlri[]>();
    let sent = 0;
    for (let seen = 0; sent < budget && seen < budget * WALK_FACTOR; seen++) {
      const r = b.cursor!.next();
      if (r.done) {
        b.cursor = undefined;
        break;
      }
      const p = view(m, sentAt(r.value, this.slot));
      if (!p) continue;
      push(bySet, this.policy.outSet(this, p, r.value), withLabels(r.value.nlri, p.labels));
      sent++;
    }
    const msgs: Uint8Array[] = [];
    for (const [set, nlri] of bySet) msgs.push(...this.pack(set, nlri));
    return msgs;
  }

  /** Send up to `budget` held keys as the group's view has them now; they leave `held`. */
  private settleHeld(m: M, b: Behind, budget: number): Uint8Array[] {
    const bySet = new Map<AttrSet, Nlri[]>();
    const gone: Nlri[] = [];
    let n = 0;
    for (const [key, h] of b.held) {
      if (n++ >= budget) break;
      b.held.delete(key);
      const dest = this.table.get(key);
      const p = dest && view(m, sentAt(dest, this.slot));
      if (p) push(bySet, this.policy.outSet(this, p, dest), withLabels(dest.nlri, p.labels));
      else gone.push(h.nlri);
    }
    // Keys are unique here, so withdrawals and announcements can go in either order.
    const msgs: Uint8Array[] = gone.length > 0 ? packWithdrawals(this.afiSafi, gone, this.ctx) : [];
    for (const [set, nlri] of bySet) msgs.push(...this.pack(set, nlri));
    return msgs;
  }

  /**
   * What member `m` holds from the group (or will, once what was written
   * reaches it): the group's view, where it is behind corrected by `held`.
   * A table walk still running makes this an upper bound.
   */
  holdings(m: M): Nlri[] {
    const b = this.behind.get(m);
    const out: Nlri[] = [];
    for (const dest of this.table.allDests()) {
      if (b?.held.has(dest.key)) continue;
      if (view(m, sentAt(dest, this.slot))) out.push(dest.nlri);
    }
    if (b) for (const h of b.held.values()) if (h.had) out.push(h.nlri);
    return out;
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

  /** Members in step other than `ex`. */
  private others(ex: M | undefined): M[] {
    const to: M[] = [];
    for (const m of this.members.values()) if (m !== ex && !this.behind.has(m)) to.push(m);
    return to;
  }

  /** A walk over the table's destinations (those added meanwhile reach the member through `held`). */
  private walk(): Iterator<Dest> {
    return this.table.allDests();
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

/** What a member holds of an advertisement: the path, unless the member is its source (never sent back). */
function view(m: Member, p: Path | undefined): Path | undefined {
  return p && p.peer !== m.info ? p : undefined;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** The NLRI with the given labels (VPN); reuses the object when they are already its labels. */
function withLabels(n: Nlri, labels: Labels): Nlri {
  if (!FAMILIES[n.family].labeled || (n as { labels: Labels }).labels === labels) return n;
  return { ...n, labels } as Nlri;
}
