/**
 * UPDATE packing for the export side: many NLRI sharing one pre-encoded
 * attribute block, split into messages of at most 4096 bytes (RFC 4271 §4,
 * no RFC 8654 extended messages), plus End-of-RIB markers (RFC 4724 §2).
 *
 * IPv4 unicast uses the classic NLRI / withdrawn fields; the other families
 * get one MP_REACH_NLRI (first, RFC 7606 §5.1) or MP_UNREACH_NLRI per
 * message. Packing is greedy and keeps the NLRI order.
 */

import type { AfiSafi, NextHop, Nlri, PathAttributes, UpdateMessage } from './types.js';
import {
  AFI_IPV4,
  ATTR_MP_REACH,
  ATTR_MP_UNREACH,
  FLAG_OPTIONAL,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MSG_UPDATE,
  SAFI_UNICAST,
} from './types.js';
import { Writer } from './writer.js';
import type { AnyFamilyCodec as FamilyCodec } from './families/codec.js';
import { requireFamily } from './attrs/mp-common.js';
import { writeAttribute } from './attributes.js';
import { beginMessage, finishMessage } from './messages/header.js';

/** Header + Withdrawn Routes Length + Total Path Attribute Length. */
const UPDATE_OVERHEAD = HEADER_LENGTH + 4;
/** Worst-case attribute header (extended length). */
const ATTR_HEADER_MAX = 4;

function isInet(f: AfiSafi): boolean {
  return f.afi === AFI_IPV4 && f.safi === SAFI_UNICAST;
}

/**
 * Split nlri into consecutive runs whose encoded size fits in `room` bytes
 * (`withdrawn`: in their withdrawal form, RFC 8277 §2.4).
 */
function chunk(codec: FamilyCodec, nlri: readonly Nlri[], room: number, withdrawn: boolean): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let from = 0;
  let used = 0;
  for (let i = 0; i < nlri.length; i++) {
    const n = withdrawn ? codec.withdrawnLength(nlri[i] as Nlri) : codec.nlriLength(nlri[i] as Nlri);
    if (n > room) throw new RangeError(`no room for an NLRI of ${n} bytes (${room} bytes left after the attributes)`);
    if (used + n > room) {
      runs.push([from, i]);
      from = i;
      used = 0;
    }
    used += n;
  }
  if (from < nlri.length) runs.push([from, nlri.length]);
  return runs;
}

/** Write one run of nlri (`withdrawn`: in their withdrawal form, as chunk() counted them). */
function writeRun(codec: FamilyCodec, nlri: readonly Nlri[], run: [number, number], w: Writer, withdrawn: boolean): void {
  for (let i = run[0]; i < run[1]; i++) {
    if (withdrawn) codec.encodeWithdrawn(nlri[i] as Nlri, w);
    else codec.encodeNlri(nlri[i] as Nlri, w);
  }
}

export function packUpdates(
  family: AfiSafi,
  attrBytes: Uint8Array,
  nextHop: NextHop,
  nlri: readonly Nlri[],
): Uint8Array[] {
  const codec = requireFamily(family.afi, family.safi);
  const inet = isInet(family);
  const mpFixed = inet ? 0 : ATTR_HEADER_MAX + 5 + (codec.nextHopLengths[0] as number);
  const room = MAX_MESSAGE_LENGTH - UPDATE_OVERHEAD - attrBytes.length - mpFixed;
  const out: Uint8Array[] = [];
  for (const run of chunk(codec, nlri, room, false)) {
    const w = new Writer(MAX_MESSAGE_LENGTH);
    const start = beginMessage(w, MSG_UPDATE);
    w.u16(0);
    const aAt = w.pos;
    w.u16(0);
    if (!inet) {
      writeAttribute(w, FLAG_OPTIONAL, ATTR_MP_REACH, run, (r, wr) => {
        wr.u16(codec.afi);
        wr.u8(codec.safi);
        wr.u8(codec.nextHopLengths[0] as number);
        codec.encodeNextHop(nextHop, wr);
        wr.u8(0);
        writeRun(codec, nlri, r, wr, false);
      });
    }
    w.bytes(attrBytes);
    w.patchU16(aAt, w.pos - aAt - 2);
    if (inet) writeRun(codec, nlri, run, w, false);
    finishMessage(w, start);
    out.push(w.finish());
  }
  return out;
}

export function packWithdrawals(family: AfiSafi, nlri: readonly Nlri[]): Uint8Array[] {
  const codec = requireFamily(family.afi, family.safi);
  const inet = isInet(family);
  const room = MAX_MESSAGE_LENGTH - UPDATE_OVERHEAD - (inet ? 0 : ATTR_HEADER_MAX + 3);
  const out: Uint8Array[] = [];
  for (const run of chunk(codec, nlri, room, true)) {
    const w = new Writer(MAX_MESSAGE_LENGTH);
    const start = beginMessage(w, MSG_UPDATE);
    const wAt = w.pos;
    w.u16(0);
    if (inet) writeRun(codec, nlri, run, w, true);
    w.patchU16(wAt, w.pos - wAt - 2);
    const aAt = w.pos;
    w.u16(0);
    if (!inet) {
      writeAttribute(w, FLAG_OPTIONAL, ATTR_MP_UNREACH, run, (r, wr) => {
        wr.u16(codec.afi);
        wr.u8(codec.safi);
        writeRun(codec, nlri, r, wr, true);
      });
    }
    w.patchU16(aAt, w.pos - aAt - 2);
    finishMessage(w, start);
    out.push(w.finish());
  }
  return out;
}

/** RFC 4724 §2: an empty UPDATE for IPv4 unicast, an empty MP_UNREACH_NLRI otherwise. */
export function encodeEndOfRib(family: AfiSafi): Uint8Array {
  const w = new Writer(32);
  const start = beginMessage(w, MSG_UPDATE);
  w.u16(0);
  if (isInet(family)) {
    w.u16(0);
  } else {
    w.u16(6);
    w.u8(FLAG_OPTIONAL);
    w.u8(ATTR_MP_UNREACH);
    w.u8(3);
    w.u16(family.afi);
    w.u8(family.safi);
  }
  finishMessage(w, start);
  return w.finish();
}

function hasNoAttributes(a: PathAttributes): boolean {
  for (const k in a) if ((a as Record<string, unknown>)[k] !== undefined) return false;
  return true;
}

/**
 * The family an End-of-RIB UPDATE is for: an UPDATE with nothing but an
 * empty MP_UNREACH_NLRI (other attributes tolerated), or a completely empty
 * UPDATE for IPv4 unicast (also accepted as an MP_UNREACH for 1/1, as the
 * Contrail control node sends it).
 */
export function endOfRibFamily(msg: UpdateMessage): AfiSafi | undefined {
  if (msg.withdrawn.length !== 0 || msg.nlri.length !== 0 || msg.mpReach !== undefined) return undefined;
  const un = msg.mpUnreach;
  if (un !== undefined) return un.nlri.length === 0 ? { afi: un.afi, safi: un.safi } : undefined;
  return hasNoAttributes(msg.attrs) ? { afi: AFI_IPV4, safi: SAFI_UNICAST } : undefined;
}
