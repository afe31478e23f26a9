/**
 * NOTIFICATION, RFC 4271 §4.5: code(1) subcode(1) data(rest). A message
 * shorter than 21 bytes is a header error (header.ts). Codes and subcodes
 * are not validated on receipt (an unknown code is still a NOTIFICATION).
 * Data longer than fits in 4096 bytes is truncated on encode.
 */

import type { Decoded, NotificationMessage } from '../types.js';
import { MAX_MESSAGE_LENGTH, MSG_NOTIFICATION } from '../types.js';
import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { beginMessage, finishMessage } from './header.js';

export function decodeNotification(r: Reader): Decoded<NotificationMessage> {
  const code = r.u8();
  const subcode = r.u8();
  return { value: { type: 'notification', code, subcode, data: r.rest() }, faults: [] };
}

export function encodeNotificationMessage(code: number, subcode: number, data?: Uint8Array): Uint8Array {
  const body = data === undefined ? new Uint8Array(0) : data.subarray(0, MAX_MESSAGE_LENGTH - 21);
  const w = new Writer(21 + body.length);
  const start = beginMessage(w, MSG_NOTIFICATION);
  w.u8(code);
  w.u8(subcode);
  w.bytes(body);
  finishMessage(w, start);
  return w.finish();
}
