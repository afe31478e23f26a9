/**
 * Helpers shared by the attribute codecs: fault shorthands and the
 * fixed-width list readers used by COMMUNITIES-like attributes.
 */

import type { Fault } from '../types.js';
import type { Reader } from '../reader.js';
import { ERR_UPDATE, UPD_ATTR_LENGTH, fault } from '../faults.js';

/** A treat-as-withdraw fault (RFC 7606 §2). */
export function withdraw(attr: number, subcode: number, reason: string): Fault {
  return fault('withdraw', ERR_UPDATE, subcode, reason, { attr });
}

/** An attribute-discard fault (RFC 7606 §2). */
export function discard(attr: number, subcode: number, reason: string): Fault {
  return fault('discard', ERR_UPDATE, subcode, reason, { attr });
}

/** TaW unless the value is exactly `n` bytes. */
export function expectLength(r: Reader, n: number, attr: number, name: string): Fault | undefined {
  if (r.remaining === n) return undefined;
  return withdraw(attr, UPD_ATTR_LENGTH, `${name} length ${r.remaining} is not ${n}`);
}

/** TaW unless the value is a non-zero multiple of `unit` bytes (RFC 7606 §7.8, §7.9, §7.14). */
export function expectMultiple(r: Reader, unit: number, attr: number, name: string): Fault | undefined {
  const n = r.remaining;
  if (n !== 0 && n % unit === 0) return undefined;
  return withdraw(attr, UPD_ATTR_LENGTH, `${name} length ${n} is not a non-zero multiple of ${unit}`);
}

/** Read the whole value as 32-bit numbers (length already checked). */
export function readU32List(r: Reader): number[] {
  const n = r.remaining >> 2;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.u32();
  return out;
}
