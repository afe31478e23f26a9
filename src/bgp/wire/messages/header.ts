/**
 * The 19-byte message header, RFC 4271 §4.1 and §6.1: 16-byte all-ones
 * marker, 2-byte length (19..4096, no RFC 8654 extended messages), 1-byte
 * type. Header errors, all "reset":
 * - marker not all ones → 1/1;
 * - length out of range or below the minimum of its type → 1/2, data = the
 *   2-byte length field (KEEPALIVE must be exactly 19, OPEN ≥ 29, UPDATE ≥ 23,
 *   NOTIFICATION ≥ 21); a wrong ROUTE-REFRESH length is 7/1 (route-refresh.ts);
 * - unknown type → 1/3, data = the type byte.
 */

import type { Fault } from '../types.js';
import {
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MSG_KEEPALIVE,
  MSG_OPEN,
  MSG_ROUTE_REFRESH,
} from '../types.js';
import type { Writer } from '../writer.js';
import { ERR_HEADER, HDR_BAD_LENGTH, HDR_BAD_TYPE, HDR_NOT_SYNCHRONIZED, fault } from '../faults.js';

export const MARKER_LENGTH = 16;

export interface Header {
  readonly length: number;
  readonly type: number;
}

/** Smallest valid length per message type (index = type). */
const MIN_LENGTH = [0, 29, 23, 21, 19, 19];

function badLength(buf: Uint8Array, offset: number, reason: string): Fault {
  return fault('reset', ERR_HEADER, HDR_BAD_LENGTH, reason, { data: buf.slice(offset + 16, offset + 18) });
}

/** Check the header at buf[offset]; at least 19 bytes must be available there. */
export function checkHeader(buf: Uint8Array, offset: number): Header | Fault {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[offset + i] !== 0xff) return fault('reset', ERR_HEADER, HDR_NOT_SYNCHRONIZED, 'message marker is not all ones');
  }
  const length = ((buf[offset + 16] as number) << 8) | (buf[offset + 17] as number);
  const type = buf[offset + 18] as number;
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) return badLength(buf, offset, `message length ${length} out of range`);
  if (type < MSG_OPEN || type > MSG_ROUTE_REFRESH) {
    return fault('reset', ERR_HEADER, HDR_BAD_TYPE, `unknown message type ${type}`, { data: Uint8Array.of(type) });
  }
  if (length < (MIN_LENGTH[type] as number)) return badLength(buf, offset, `message type ${type} length ${length} too short`);
  if (type === MSG_KEEPALIVE && length !== HEADER_LENGTH) return badLength(buf, offset, `KEEPALIVE length ${length} is not 19`);
  return { length, type };
}

/** A header fault for a buffer too short to hold even the header. */
export function shortMessage(buf: Uint8Array): Fault {
  const data = buf.length >= 18 ? buf.slice(16, 18) : new Uint8Array(0);
  return fault('reset', ERR_HEADER, HDR_BAD_LENGTH, `message of ${buf.length} bytes is shorter than a header`, { data });
}

/** Write a header with a zero length; returns its offset for finishMessage. */
export function beginMessage(w: Writer, type: number): number {
  const start = w.pos;
  for (let i = 0; i < MARKER_LENGTH; i++) w.u8(0xff);
  w.u16(0);
  w.u8(type);
  return start;
}

/** Patch the length of the message begun at `start`; throws if it exceeds 4096 bytes. */
export function finishMessage(w: Writer, start: number): void {
  const length = w.pos - start;
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`BGP message of ${length} bytes exceeds ${MAX_MESSAGE_LENGTH}`);
  w.patchU16(start + 16, length);
}
