/** KEEPALIVE, RFC 4271 §4.4: a bare header (a payload is a header error 1/2, checked by header.ts). */

import type { KeepaliveMessage } from '../types.js';
import { MSG_KEEPALIVE } from '../types.js';
import { Writer } from '../writer.js';
import { beginMessage, finishMessage } from './header.js';

export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'keepalive' });

export function encodeKeepaliveMessage(): Uint8Array {
  const w = new Writer(19);
  const start = beginMessage(w, MSG_KEEPALIVE);
  finishMessage(w, start);
  return w.finish();
}
