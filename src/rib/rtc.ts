/**
 * Route-target constraint (RFC 4684): a peer's interest, built from the
 * membership routes it sent us, decides which VPN routes it receives.
 *
 * - The default membership (length 0) means "every VPN route" (§3.2).
 * - A length-96 membership names one route target exactly; lengths 33..95
 *   match route targets by prefix (the origin AS part is not compared).
 * - A peer that did not negotiate route-target gets every VPN route.
 */

import { isRouteTarget } from '../bgp/wire/ext-communities/index.js';
import type { RtMembership } from '../bgp/wire/types.js';
import type { Table } from './table.js';
import { sentAt, type Dest, type Path, type PeerInfo } from './types.js';

/** The default membership (RFC 4684 §3.2): every VPN route. */
export const DEFAULT_RT: RtMembership = { family: 'route-target', len: 0, originAs: 0, target: 0n };

/** True for the route-target extended communities (any type, subtype 0x02; RFC 4360, RFC 5668). */
export function isRouteTargetCommunity(c: bigint): boolean {
  return isRouteTarget(c);
}

export class RtInterest {
  private all = 0;
  private readonly exact = new Map<bigint, number>();
  private readonly partial: { bits: number; target: bigint }[] = [];

  add(m: RtMembership): void {
    if (m.len === 0) this.all++;
    else if (m.len === 96) this.exact.set(m.target, (this.exact.get(m.target) ?? 0) + 1);
    else if (m.len > 32) this.partial.push({ bits: m.len - 32, target: m.target });
  }

  remove(m: RtMembership): void {
    if (m.len === 0) this.all = Math.max(0, this.all - 1);
    else if (m.len === 96) {
      const n = (this.exact.get(m.target) ?? 0) - 1;
      if (n > 0) this.exact.set(m.target, n);
      else this.exact.delete(m.target);
    } else if (m.len > 32) {
      const i = this.partial.findIndex((p) => p.bits === m.len - 32 && p.target === m.target);
      if (i >= 0) this.partial.splice(i, 1);
    }
  }

  clear(): void {
    this.all = 0;
    this.exact.clear();
    this.partial.length = 0;
  }

  get wantsAll(): boolean {
    return this.all > 0;
  }

  /** True when any route target among the communities is of interest. */
  matches(extCommunities: readonly bigint[] | undefined): boolean {
    if (this.all > 0) return true;
    if (!extCommunities) return false;
    for (const c of extCommunities) {
      if (!isRouteTargetCommunity(c)) continue;
      if (this.exact.has(c)) return true;
      for (const p of this.partial) {
        const shift = BigInt(64 - p.bits);
        if (c >> shift === p.target >> shift) return true;
      }
    }
    return false;
  }

  get size(): number {
    return this.all + this.exact.size + this.partial.length;
  }
}

/** Which of our memberships a route-target peer is sent: the default one, or the specific ones. */
export type MembershipSet = 'default' | 'specific';

/**
 * The membership routes toward one route-target peer: the default membership
 * alone, or the specific ones, never both. The default already asks for every
 * VPN route, so the specific ones add nothing beside it, and gobgpd 3.10 (the
 * version Debian ships) dereferences a nil route target and panics when one
 * source gives it both (issue 14).
 *
 * A switch withdraws the old set first ('withdrawing': nothing may be
 * announced) and announces the new set only in a later drain, once every old
 * membership is withdrawn: gobgpd applies the announcements of one UPDATE
 * before its withdrawals, so they must never share one. Plain state:
 * MembershipSwitch drives it around each drain of the group.
 */
export class MembershipOut {
  /** The set being advertised, or 'withdrawing' during a switch. */
  current: MembershipSet | 'withdrawing' = 'specific';

  /** Whether a membership route may be advertised now. */
  allows(m: RtMembership): boolean {
    return this.current === (m.len === 0 ? 'default' : 'specific');
  }
}

/** What MembershipSwitch needs of a route-target update group (src/rib/update-group.ts). */
export interface MembershipGroup {
  readonly slot: number;
  readonly members: ReadonlyMap<PeerInfo, unknown>;
  readonly pending: { add(dest: Dest): void };
}

/**
 * The MembershipOut of every route-target update group, switched around
 * each drain (the peering engine calls before() and after()): a group gets
 * the default membership alone while some source other than its member
 * gives us one it may have (our own, while a VPN peer lacks route-target,
 * or one reflected from another peer); otherwise the specific ones.
 */
export class MembershipSwitch<G extends MembershipGroup> {
  private readonly out = new Map<G, MembershipOut>();

  constructor(
    private readonly table: () => Table | undefined,
    /** The path a group may have at a destination by the export rules alone. */
    private readonly eligible: (g: G, dest: Dest) => Path | undefined,
  ) {}

  track(g: G): void {
    this.out.set(g, new MembershipOut());
  }

  forget(g: G): void {
    this.out.delete(g);
  }

  /** Whether the group may be sent the destination now (always, for groups of other families). */
  allows(g: G, dest: Dest): boolean {
    const mo = this.out.get(g);
    return !mo || mo.allows(dest.nlri as RtMembership);
  }

  /**
   * Before the group drains: if it should get the other set, start
   * withdrawing the one it has (this drain then announces nothing), or switch
   * at once when it has been sent nothing.
   */
  before(g: G): void {
    const mo = this.out.get(g);
    if (!mo) return;
    const want = this.wanted(g);
    if (mo.current === want || mo.current === 'withdrawing') return;
    const sent = this.sentDests(g);
    if (sent.length === 0) return this.announce(g, mo, want);
    mo.current = 'withdrawing';
    for (const dest of sent) g.pending.add(dest);
  }

  /**
   * After the group drained: once every old membership has been withdrawn,
   * in this drain or an earlier one, the new set is queued; it goes out in
   * the next drain, so in UPDATEs after every withdrawal.
   */
  after(g: G): void {
    const mo = this.out.get(g);
    if (!mo || mo.current !== 'withdrawing' || this.sentDests(g).length > 0) return;
    this.announce(g, mo, this.wanted(g));
  }

  private wanted(g: G): MembershipSet {
    const table = this.table()!;
    const dest = table.get(table.keyOf(DEFAULT_RT));
    const p = dest && this.eligible(g, dest);
    return p && !g.members.has(p.peer) ? 'default' : 'specific';
  }

  private announce(g: G, mo: MembershipOut, set: MembershipSet): void {
    mo.current = set;
    for (const dest of this.table()!.allDests()) g.pending.add(dest);
  }

  /** The destinations the group has an advertisement recorded for. */
  private sentDests(g: G): Dest[] {
    const out: Dest[] = [];
    for (const dest of this.table()!.allDests()) if (sentAt(dest, g.slot)) out.push(dest);
    return out;
  }
}
