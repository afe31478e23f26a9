/**
 * Graceful restart, receiving-speaker ("helper") side (RFC 4724 §4.2) and
 * long-lived graceful restart (RFC 9494 §4.2): which of a peer's families
 * to keep as stale when its session ends, for how long, which of them then
 * turn long-lived stale and for how long, and which the peer preserved when
 * it comes back. Pure decisions; the speaker runs the timers.
 *
 * A peer's paths are kept only when the session ended without a
 * NOTIFICATION (RFC 4724 §4; RFC 8538's N bit, which extends this to
 * NOTIFICATIONs, is not supported: such a peer is treated as if it had not
 * set it), for the families it listed with a non-zero restart time, and,
 * when we do LLGR, for the families it gave a non-zero long-lived stale
 * time. A family with LLGR but no GR (not listed, or restart time 0) turns
 * long-lived stale at once (RFC 9494 §4.2).
 */

import { familyName } from './wire/index.js';
import type { FamilyName } from './wire/types.js';
import type { DownReason, Negotiated } from './fsm.js';

/** Our helper settings (config `bgp.graceful-restart`). */
export interface GracefulRestartOptions {
  /** Restart time we advertise, seconds. */
  readonly restartTime: number;
  /** How long a peer that came back has to send its routes again (End-of-RIB), seconds. */
  readonly endOfRibTimeout: number;
  /**
   * Long-lived stale time (RFC 9494) we advertise, seconds, and the longest
   * we keep a peer's paths long-lived stale (a peer's larger time is cut to
   * it); 0 or absent: no LLGR.
   */
  readonly longLivedStaleTime?: number;
  /**
   * Restarting-speaker mode (RFC 4724 §4.1, src/bgp/deferral.ts): after our
   * start, set the R bit and hold advertisements until the peers' End-of-RIB.
   */
  readonly restartingSpeaker?: boolean;
}

/** What to keep of a peer whose session ended, and the timers that apply. */
export interface Retention {
  /** Every family whose paths stay, stale. */
  readonly families: ReadonlySet<FamilyName>;
  /** How long to wait for the peer before the restart time is up (its restart time, ms; 0 without GR). */
  readonly restartMs: number;
  /** Families that turn long-lived stale when the restart time is up (or at once, see `now`), with how long they stay so, ms. */
  readonly longLived: ReadonlyMap<FamilyName, number>;
  /** Long-lived families without graceful restart: long-lived stale at once. */
  readonly now: ReadonlySet<FamilyName>;
}

/** Session ends after which a restarting peer's routes are kept: the transport went, no NOTIFICATION. */
const RETAINING: ReadonlySet<DownReason> = new Set(['hold-timer-expired', 'connection-closed']);

/**
 * The families to keep stale after the session ended for `reason`, with
 * the timers that apply; none when the peer does neither graceful restart
 * nor (when we do it) long-lived graceful restart, or the session ended by
 * a NOTIFICATION.
 */
export function familiesToRetain(n: Negotiated | undefined, reason: DownReason, ours: GracefulRestartOptions): Retention | undefined {
  if (!n?.gracefulRestart || !RETAINING.has(reason)) return undefined;
  const gr = n.gracefulRestart;
  const negotiated = new Set(n.families.map((f) => familyName(f)));
  const graceful = new Set<FamilyName>();
  if (gr.restartTime > 0) {
    for (const f of gr.families) {
      const name = familyName(f);
      if (name && negotiated.has(name)) graceful.add(name);
    }
  }
  const longLived = new Map<FamilyName, number>();
  const cap = ours.longLivedStaleTime ?? 0;
  for (const f of cap > 0 ? n.longLived : []) {
    const name = familyName(f);
    if (name && negotiated.has(name) && f.staleTime > 0) longLived.set(name, Math.min(f.staleTime, cap) * 1000);
  }
  const families = new Set([...graceful, ...longLived.keys()]);
  if (families.size === 0) return undefined;
  const now = new Set([...longLived.keys()].filter((f) => !graceful.has(f)));
  return { families, restartMs: graceful.size > 0 ? gr.restartTime * 1000 : 0, longLived, now };
}

/**
 * The families a peer that came back says it preserved (listed with the
 * forwarding bit in its graceful-restart or long-lived capability): their
 * stale paths wait for its End-of-RIB; the stale paths of every other
 * family go at once (RFC 4724 §4.2, RFC 9494 §4.2).
 */
export function preservedFamilies(n: Negotiated): ReadonlySet<FamilyName> {
  const out = new Set<FamilyName>();
  for (const f of [...(n.gracefulRestart?.families ?? []), ...n.longLived]) {
    const name = f.forwarding ? familyName(f) : undefined;
    if (name) out.add(name);
  }
  return out;
}
