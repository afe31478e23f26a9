/**
 * Long-lived graceful restart (RFC 9494): capability 71 and the two
 * well-known communities it defines.
 *
 * Capability value (RFC 9494 §3.1): zero or more 7-byte tuples of
 *   AFI (2) | SAFI (1) | Flags (1, bit 0x80 = F, forwarding preserved) |
 *   Long-lived Stale Time (3, seconds, 0..16777215).
 * A value whose length is not a multiple of 7 is malformed: decoding
 * returns undefined (the caller keeps it raw and logs it), never throws.
 *
 * Communities (RFC 9494 §3.2, §3.3): LLGR_STALE 0xFFFF0006 marks a path
 * kept past its peer's restart time; NO_LLGR 0xFFFF0007 asks that the path
 * be dropped instead of being kept long-lived.
 */

import type { Reader } from './reader.js';
import type { Writer } from './writer.js';
import type { LongLivedFamily } from './types.js';

export { CAP_LONG_LIVED_GRACEFUL_RESTART } from './types.js';
/** RFC 9494 §3.2: a path kept stale past the peer's restart time. */
export const LLGR_STALE = 0xffff0006;
/** RFC 9494 §3.3: do not keep this path long-lived; drop it when its peer's restart time runs out. */
export const NO_LLGR = 0xffff0007;
/** The largest Long-lived Stale Time the 24-bit field holds, seconds. */
export const LLGR_MAX_STALE_TIME = 0xffffff;

const LLGR_FORWARDING = 0x80;
const TUPLE = 7;

/** The tuples of a capability 71 value, or undefined when its length is not a multiple of 7. */
export function decodeLongLived(r: Reader): readonly LongLivedFamily[] | undefined {
  if (r.remaining % TUPLE !== 0) return undefined;
  const out: LongLivedFamily[] = [];
  while (!r.atEnd) {
    const afi = r.u16();
    const safi = r.u8();
    const flags = r.u8();
    out.push({ afi, safi, forwarding: (flags & LLGR_FORWARDING) !== 0, staleTime: r.u24() });
  }
  return out;
}

/** Write the tuples of a capability 71 value (stale times beyond 24 bits are clamped). */
export function encodeLongLived(families: readonly LongLivedFamily[], w: Writer): void {
  for (const f of families) {
    w.u16(f.afi);
    w.u8(f.safi);
    w.u8(f.forwarding ? LLGR_FORWARDING : 0);
    w.u24(Math.max(0, Math.min(LLGR_MAX_STALE_TIME, Math.floor(f.staleTime))));
  }
}
