/**
 * Graceful restart, receiving-speaker ("helper") side (RFC 4724 §4.2): which
 * of a peer's families to keep as stale when its session ends, and which it
 * preserved when it comes back. Pure decisions; the speaker runs the timers.
 *
 * A peer's paths are kept only when it advertised graceful restart with a
 * non-zero restart time, for the families it listed, and only when the
 * session ended without a NOTIFICATION (RFC 4724 §4; RFC 8538's N bit,
 * which extends this to NOTIFICATIONs, is not supported: such a peer is
 * treated as if it had not set it).
 */

import { familyName } from './wire/index.js';
import type { FamilyName } from './wire/types.js';
import type { DownReason, Negotiated } from './fsm.js';

/** Our helper settings (config `bgp.graceful-restart`). */
export interface GracefulRestartOptions {
  /** Restart time we advertise, seconds. */
  readonly restartTime: number;
  /** How long a peer that came back has to send its routes again (End-of-RIB), seconds. */
  readonly staleTime: number;
}

/** Session ends after which a restarting peer's routes are kept: the transport went, no NOTIFICATION. */
const RETAINING: ReadonlySet<DownReason> = new Set(['hold-timer-expired', 'connection-closed']);

/**
 * The families to keep stale after the session ended for `reason`, with
 * how long to wait for the peer (its restart time, ms); none when the peer
 * does not do graceful restart or the session ended by a NOTIFICATION.
 */
export function familiesToRetain(
  n: Negotiated | undefined, reason: DownReason,
): { families: ReadonlySet<FamilyName>; restartMs: number } | undefined {
  const gr = n?.gracefulRestart;
  if (!gr || gr.restartTime === 0 || !RETAINING.has(reason)) return undefined;
  const negotiated = new Set(n.families.map((f) => familyName(f)));
  const families = new Set<FamilyName>();
  for (const f of gr.families) {
    const name = familyName(f);
    if (name && negotiated.has(name)) families.add(name);
  }
  return families.size > 0 ? { families, restartMs: gr.restartTime * 1000 } : undefined;
}

/**
 * The families a peer that came back says it preserved (listed with the
 * forwarding bit): their stale paths wait for its End-of-RIB; the stale
 * paths of every other family go at once (RFC 4724 §4.2).
 */
export function preservedFamilies(n: Negotiated): ReadonlySet<FamilyName> {
  const out = new Set<FamilyName>();
  for (const f of n.gracefulRestart?.families ?? []) {
    const name = f.forwarding ? familyName(f) : undefined;
    if (name) out.add(name);
  }
  return out;
}
