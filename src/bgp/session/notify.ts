/**
 * NOTIFICATION values and their descriptions for logs and introspect.
 * Pure; used by src/bgp/fsm.ts and the session driver.
 *
 * RFC 4271 §4.5 (error codes), RFC 6608 (5, FSM error), RFC 4486 (Cease
 * subcodes), RFC 9003 (shutdown communication on Cease 2 and 4: one length
 * octet, then at most 255 octets of UTF-8), RFC 9687 (8, send hold timer).
 */

import type { NotificationMessage } from '../wire/types.js';

export const ERR_HEADER = 1;
export const ERR_OPEN = 2;
export const ERR_UPDATE = 3;
export const ERR_HOLD_TIMER = 4;
export const ERR_FSM = 5;
export const ERR_CEASE = 6;
export const ERR_ROUTE_REFRESH = 7;
export const ERR_SEND_HOLD_TIMER = 8;

/** RFC 4486 Cease subcodes used here. */
export const CEASE_MAX_PREFIXES = 1;
export const CEASE_ADMIN_SHUTDOWN = 2;
export const CEASE_ADMIN_RESET = 4;
export const CEASE_COLLISION = 7;
export const CEASE_OUT_OF_RESOURCES = 8;

export function notification(code: number, subcode: number, data?: Uint8Array): NotificationMessage {
  return { type: 'notification', code, subcode, data: data ?? new Uint8Array(0) };
}

/** RFC 4486 §4: the data of Cease 6/1, AFI (2 octets), SAFI (1) and the prefix upper bound (4). */
export function maxPrefixesData(afi: number, safi: number, limit: number): Uint8Array {
  const out = new Uint8Array(7);
  const v = new DataView(out.buffer);
  v.setUint16(0, afi);
  v.setUint8(2, safi);
  v.setUint32(3, limit >>> 0);
  return out;
}

/** RFC 9003: a length-prefixed UTF-8 message of at most 255 octets, for Cease 2 and 4. */
export function shutdownCommunication(subcode: number, message: string | undefined): Uint8Array {
  if (!message || (subcode !== CEASE_ADMIN_SHUTDOWN && subcode !== CEASE_ADMIN_RESET)) return new Uint8Array(0);
  let bytes = new TextEncoder().encode(message);
  if (bytes.length > 255) {
    let end = 255;
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // never split a UTF-8 sequence
    bytes = bytes.subarray(0, end);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

const ERROR_NAMES: Readonly<Record<number, string>> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
};

/** "NOTIFICATION 6/2 (Cease): "text"", with an RFC 9003 shutdown communication when there is one. */
export function describeNotification(n: { readonly code: number; readonly subcode: number; readonly data?: Uint8Array }): string {
  const base = `NOTIFICATION ${n.code}/${n.subcode} (${ERROR_NAMES[n.code] ?? 'unknown error code'})`;
  const text = n.code === ERR_CEASE ? readShutdownCommunication(n.subcode, n.data) : undefined;
  return text ? `${base}: "${text}"` : base;
}

/** RFC 9003 §2: the message of a Cease 2 or 4, if well formed. */
export function readShutdownCommunication(subcode: number, data: Uint8Array | undefined): string | undefined {
  if (!data || data.length < 2 || (subcode !== CEASE_ADMIN_SHUTDOWN && subcode !== CEASE_ADMIN_RESET)) return undefined;
  const len = data[0] ?? 0;
  if (len === 0 || len > data.length - 1) return undefined;
  return new TextDecoder('utf-8').decode(data.subarray(1, 1 + len));
}
