/**
 * The BGP wire codec's public surface: framing, whole-message decode and
 * encode, and the export-side helpers (shared attribute bytes, UPDATE
 * packing, End-of-RIB). Pure: no sockets, no timers, no RIB.
 *
 * Decoding never throws, whatever the bytes: it returns { value, faults }
 * and the caller applies the strongest fault (RFC 7606 §3.f). Encoding
 * throws RangeError only for values that cannot be put on the wire (a
 * message over 4096 bytes, attributes leaving no room for any NLRI).
 *
 * Decoded values never alias the input buffer (attribute and NOTIFICATION
 * bytes are copied); frame() returns views into the buffer it was given.
 */

import type {
  AfiSafi,
  BgpMessage,
  CodecContext,
  Decoded,
  Fault,
  NextHop,
  Nlri,
  PathAttributes,
  UpdateMessage,
} from './types.js';
import { HEADER_LENGTH, MSG_KEEPALIVE, MSG_NOTIFICATION, MSG_OPEN, MSG_ROUTE_REFRESH } from './types.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { isFault } from './faults.js';
import { checkHeader, shortMessage } from './messages/header.js';
import { decodeOpen, encodeOpen } from './messages/open.js';
import { decodeUpdate, encodeUpdate } from './messages/update.js';
import { decodeNotification, encodeNotificationMessage } from './messages/notification.js';
import { KEEPALIVE, encodeKeepaliveMessage } from './messages/keepalive.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './messages/route-refresh.js';
import { encodeAttributeList } from './attributes.js';
import * as pack from './pack.js';
export * from './types.js';
export * from './format.js';
export * from './ipv6.js';
export * from './community-text.js';
export {
  FAMILIES, FAMILY_NAMES, VRF_FAMILIES, anyFamily, familyByNumber, familyKey, familyName, familyOf, isFamilyName,
  nlriKey, nlriToString, type Family, type RouteKey,
} from './families/registry.js';
export * from './ext-communities/index.js';
export { NO_LABELS, compactLabels, firstLabel, labelCount, labelList } from './families/labeled.js';

/**
 * Cut complete messages off the front of a receive buffer, starting at
 * `offset`. `consumed` counts the bytes taken from `offset` on (the caller
 * keeps buf.subarray(offset + consumed)). Messages are views into `buf`.
 * A header fault is returned as soon as a bad header is seen; the messages
 * before it are still returned.
 */
export function frame(buf: Uint8Array, offset = 0): { messages: Uint8Array[]; consumed: number; fault?: Fault } {
  const messages: Uint8Array[] = [];
  let p = offset;
  while (buf.length - p >= HEADER_LENGTH) {
    const h = checkHeader(buf, p);
    if (isFault(h)) return { messages, consumed: p - offset, fault: h };
    if (buf.length - p < h.length) break;
    messages.push(buf.subarray(p, p + h.length));
    p += h.length;
  }
  return { messages, consumed: p - offset };
}

/** Decode one whole message (header included). */
export function decodeMessage(bytes: Uint8Array, ctx: CodecContext): Decoded<BgpMessage> {
  try {
    return decodeChecked(bytes, ctx);
  } catch (e) {
    // Unreachable by design; kept so that a decoder bug can never take the process down.
    const reason = `internal decoder error: ${e instanceof Error ? e.message : String(e)}`;
    return { value: undefined, faults: [{ action: 'reset', code: 6, subcode: 0, reason }] };
  }
}

function decodeChecked(bytes: Uint8Array, ctx: CodecContext): Decoded<BgpMessage> {
  if (bytes.length < HEADER_LENGTH) return { value: undefined, faults: [shortMessage(bytes)] };
  const h = checkHeader(bytes, 0);
  if (isFault(h)) return { value: undefined, faults: [h] };
  if (h.length !== bytes.length) {
    const reason = `length field ${h.length} does not match the ${bytes.length} bytes given`;
    return { value: undefined, faults: [{ ...shortMessage(bytes), reason }] };
  }
  const body = new Reader(bytes, HEADER_LENGTH, bytes.length);
  switch (h.type) {
    case MSG_OPEN:
      return decodeOpen(body);
    case MSG_NOTIFICATION:
      return decodeNotification(body);
    case MSG_KEEPALIVE:
      return { value: KEEPALIVE, faults: [] };
    case MSG_ROUTE_REFRESH:
      return decodeRouteRefresh(body, bytes);
    default:
      return decodeUpdate(bytes, HEADER_LENGTH, bytes.length, ctx);
  }
}

/** Encode one message of any type; throws RangeError if it exceeds 4096 bytes. */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  switch (msg.type) {
    case 'keepalive':
      return encodeKeepaliveMessage();
    case 'notification':
      return encodeNotificationMessage(msg.code, msg.subcode, msg.data);
    default: {
      const w = new Writer(256);
      if (msg.type === 'open') encodeOpen(msg, w);
      else if (msg.type === 'update') encodeUpdate(msg, w, ctx);
      else encodeRouteRefresh(msg, w);
      return w.finish();
    }
  }
}

export function encodeKeepalive(): Uint8Array {
  return encodeKeepaliveMessage();
}

/** A NOTIFICATION; data beyond what fits in 4096 bytes is cut off. */
export function encodeNotification(code: number, subcode: number, data?: Uint8Array): Uint8Array {
  return encodeNotificationMessage(code, subcode, data);
}

/**
 * Path attributes other than MP_REACH/UNREACH (NEXT_HOP included only if
 * attrs.nextHop is set), encoded once so many UPDATEs can share the bytes.
 * On 2-octet sessions AS4_PATH / AS4_AGGREGATOR are added as needed.
 */
export function encodePathAttributes(attrs: PathAttributes, ctx: CodecContext): Uint8Array {
  const w = new Writer(128);
  encodeAttributeList(attrs, w, ctx);
  return w.finish();
}

/**
 * Pack as many NLRI as fit into UPDATEs of at most 4096 bytes that all carry
 * `attrBytes`. For inet (1/1) the NLRI go in the classic NLRI field and
 * attrBytes must already hold NEXT_HOP; for other families an MP_REACH with
 * `nextHop` (VPN: 12-byte next hop, RD 0 + IPv4; RTC: 4-byte next hop) is
 * added per message, first. Throws RangeError for a family without a codec
 * or when attrBytes leaves no room for an NLRI.
 */
export function packUpdates(
  family: AfiSafi,
  attrBytes: Uint8Array,
  nextHop: NextHop,
  nlri: readonly Nlri[],
  ctx: CodecContext,
): Uint8Array[] {
  void ctx;
  return pack.packUpdates(family, attrBytes, nextHop, nlri);
}

/** Pack withdrawals (classic withdrawn field for 1/1, MP_UNREACH otherwise) into UPDATEs of at most 4096 bytes. */
export function packWithdrawals(
  family: AfiSafi,
  nlri: readonly Nlri[],
  ctx: CodecContext,
): Uint8Array[] {
  void ctx;
  return pack.packWithdrawals(family, nlri);
}

/** End-of-RIB: empty UPDATE for 1/1, UPDATE with an empty MP_UNREACH otherwise (RFC 4724). */
export function encodeEndOfRib(family: AfiSafi): Uint8Array {
  return pack.encodeEndOfRib(family);
}

/** True if the UPDATE is an End-of-RIB marker; returns the family. */
export function endOfRibFamily(msg: UpdateMessage): AfiSafi | undefined {
  return pack.endOfRibFamily(msg);
}
