/**
 * Fault constructors and helpers (RFC 7606 §2–§3, RFC 4271 §6, RFC 4760 §7).
 *
 * A Fault is a value, not an exception: decoders collect them and the session
 * applies the strongest (RFC 7606 §3.f). NOTIFICATION code/subcode are always
 * filled in, also for non-reset actions, so logs and introspect can show the
 * RFC 4271 error the input would have caused.
 */

import type { AfiSafi, Fault, FaultAction } from './types.js';
import { FAULT_ORDER } from './types.js';

// NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313).
export const ERR_HEADER = 1;
export const ERR_OPEN = 2;
export const ERR_UPDATE = 3;
export const ERR_ROUTE_REFRESH = 7;

// Message Header subcodes.
export const HDR_NOT_SYNCHRONIZED = 1;
export const HDR_BAD_LENGTH = 2;
export const HDR_BAD_TYPE = 3;

// OPEN subcodes.
export const OPEN_UNSPECIFIC = 0;
export const OPEN_UNSUPPORTED_VERSION = 1;
export const OPEN_BAD_BGP_ID = 3;
export const OPEN_UNSUPPORTED_PARAMETER = 4;
export const OPEN_UNACCEPTABLE_HOLD_TIME = 6;

// UPDATE subcodes.
export const UPD_MALFORMED_ATTR_LIST = 1;
export const UPD_UNRECOGNIZED_WELL_KNOWN = 2;
export const UPD_MISSING_WELL_KNOWN = 3;
export const UPD_ATTR_FLAGS = 4;
export const UPD_ATTR_LENGTH = 5;
export const UPD_INVALID_ORIGIN = 6;
export const UPD_INVALID_NEXT_HOP = 8;
export const UPD_OPTIONAL_ATTR = 9;
export const UPD_INVALID_NETWORK = 10;
export const UPD_MALFORMED_AS_PATH = 11;

// ROUTE-REFRESH subcodes (RFC 7313 §5).
export const RR_INVALID_LENGTH = 1;

export interface FaultExtra {
  readonly data?: Uint8Array;
  readonly attr?: number;
  readonly family?: AfiSafi;
}

export function fault(
  action: FaultAction,
  code: number,
  subcode: number,
  reason: string,
  extra?: FaultExtra,
): Fault {
  if (extra === undefined) return { action, code, subcode, reason };
  return { action, code, subcode, reason, ...extra };
}

/** Is this decode result a Fault rather than a value? */
export function isFault(v: unknown): v is Fault {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'action' in v && 'reason' in v;
}

/** The strongest action among the faults (RFC 7606 §3.f); 'none' when empty. */
export function strongestAction(faults: readonly Fault[]): FaultAction {
  let best: FaultAction = 'none';
  for (const f of faults) if (FAULT_ORDER[f.action] > FAULT_ORDER[best]) best = f.action;
  return best;
}

/** The first fault with the strongest action (the one to send as a NOTIFICATION). */
export function strongestFault(faults: readonly Fault[]): Fault | undefined {
  let best: Fault | undefined;
  for (const f of faults) if (best === undefined || FAULT_ORDER[f.action] > FAULT_ORDER[best.action]) best = f;
  return best;
}

/** A two-byte big-endian value, for NOTIFICATION data fields. */
export function u16Bytes(v: number): Uint8Array {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}
