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
 * before its withdrawals, so they must never share one. Plain state: the
 * peering engine (src/rib/peering.ts) drives it around each drain.
 */
export class MembershipOut {
  /** The set being advertised, or 'withdrawing' during a switch. */
  current: MembershipSet | 'withdrawing' = 'specific';

  /** Whether a membership route may be advertised now. */
  allows(m: RtMembership): boolean {
    return this.current === (m.len === 0 ? 'default' : 'specific');
  }
}
