/**
 * UPDATE, RFC 4271 §4.3 with RFC 4760 MP attributes and RFC 7606 error
 * handling.
 *
 * Layout: Withdrawn Routes Length(2), withdrawn prefixes, Total Path
 * Attribute Length(2), attributes, NLRI (the rest).
 * - Withdrawn Routes Length or Total Path Attribute Length running past
 *   the message → reset 3/1 (the NLRI cannot be located, RFC 7606 §5.3).
 * - An IPv4 prefix longer than 32, or a prefix running past its field, in
 *   the withdrawn or NLRI field → reset 3/10 (RFC 7606 §5.3).
 * - Attribute faults: see attributes.ts.
 * On encode, MP_REACH_NLRI and MP_UNREACH_NLRI come first (RFC 7606 §5.1).
 */

import type { CodecContext, Decoded, Fault, Ipv4Prefix, UpdateMessage } from '../types.js';
import { ATTR_MP_REACH, ATTR_MP_UNREACH, FLAG_OPTIONAL, MSG_UPDATE } from '../types.js';
import { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ERR_UPDATE, UPD_INVALID_NETWORK, UPD_MALFORMED_ATTR_LIST, fault } from '../faults.js';
import { inetCodec } from '../families/inet.js';
import { decodeAttributes, encodeAttributeList, writeAttribute } from '../attributes.js';
import { mpReachCodec } from '../attrs/mp-reach.js';
import { mpUnreachCodec } from '../attrs/mp-unreach.js';
import { beginMessage, finishMessage } from './header.js';

function reset(subcode: number, reason: string): Decoded<UpdateMessage> {
  return { value: undefined, faults: [fault('reset', ERR_UPDATE, subcode, reason)] };
}

/** Decode classic IPv4 prefixes in buf[start, end), or say why they are malformed. */
function decodePrefixes(buf: Uint8Array, start: number, end: number): Ipv4Prefix[] | string {
  return inetCodec.decodeNlri(new Reader(buf, start, end));
}

/** Decode an UPDATE body buf[start, end). */
export function decodeUpdate(buf: Uint8Array, start: number, end: number, ctx: CodecContext): Decoded<UpdateMessage> {
  const wEnd = start + 2 + (((buf[start] as number) << 8) | (buf[start + 1] as number));
  if (wEnd + 2 > end) return reset(UPD_MALFORMED_ATTR_LIST, 'Withdrawn Routes Length overruns the UPDATE');
  const aStart = wEnd + 2;
  const aEnd = aStart + (((buf[wEnd] as number) << 8) | (buf[wEnd + 1] as number));
  if (aEnd > end) return reset(UPD_MALFORMED_ATTR_LIST, 'Total Path Attribute Length overruns the UPDATE');
  const withdrawn = decodePrefixes(buf, start + 2, wEnd);
  if (typeof withdrawn === 'string') return reset(UPD_INVALID_NETWORK, `withdrawn routes: ${withdrawn}`);
  const nlri = decodePrefixes(buf, aEnd, end);
  if (typeof nlri === 'string') return reset(UPD_INVALID_NETWORK, `NLRI: ${nlri}`);
  const faults: Fault[] = [];
  const list = decodeAttributes(buf, aStart, aEnd, nlri.length > 0, ctx, faults);
  const value: UpdateMessage = { type: 'update', withdrawn, ...list, nlri };
  return { value, faults };
}

/** Encode one UPDATE; throws RangeError when it does not fit in 4096 bytes. */
export function encodeUpdate(msg: UpdateMessage, w: Writer, ctx: CodecContext): void {
  const start = beginMessage(w, MSG_UPDATE);
  const wAt = w.pos;
  w.u16(0);
  for (const p of msg.withdrawn) inetCodec.encodeNlri(p, w);
  w.patchU16(wAt, w.pos - wAt - 2);
  const aAt = w.pos;
  w.u16(0);
  if (msg.mpReach !== undefined) writeAttribute(w, FLAG_OPTIONAL, ATTR_MP_REACH, msg.mpReach, (v, wr) => mpReachCodec.encode(v, wr, ctx));
  if (msg.mpUnreach !== undefined) {
    writeAttribute(w, FLAG_OPTIONAL, ATTR_MP_UNREACH, msg.mpUnreach, (v, wr) => mpUnreachCodec.encode(v, wr, ctx));
  }
  encodeAttributeList(msg.attrs, w, ctx);
  w.patchU16(aAt, w.pos - aAt - 2);
  for (const p of msg.nlri) inetCodec.encodeNlri(p, w);
  finishMessage(w, start);
}
