/**
 * The path-attribute list: decode with the generic RFC 7606 checks done
 * once, before dispatching to the per-attribute codecs; encode in ascending
 * type-code order (RFC 4271 §5).
 *
 * Decode, per attribute (RFC 7606 section in brackets):
 * - framing [§4]: 1–2 stray bytes, or a length running past Total Path
 *   Attribute Length → treat-as-withdraw; the walk stops there and the NLRI
 *   are still found through Total Path Attribute Length.
 * - duplicates [§3.g]: MP_REACH/MP_UNREACH twice → reset 3/1; any other
 *   attribute: the first is kept, later ones discarded.
 * - unrecognised [RFC 4271 §5, §6.3]: well-known → reset 3/2 (data = the
 *   attribute); optional transitive → kept byte for byte with PARTIAL set;
 *   optional non-transitive → dropped.
 * - LOCAL_PREF / ORIGINATOR_ID / CLUSTER_LIST from eBGP → discard [§7.5, §7.9].
 * - Optional/Transitive bits conflicting with the definition → TaW [§3.c];
 *   the value is still decoded so MP NLRI can be withdrawn.
 * - then the codec's own checks.
 * After the walk: ORIGIN and AS_PATH missing while NLRI are announced, or
 * NEXT_HOP missing with classic NLRI → TaW 3/3 [§3.d]; AS4_PATH and
 * AS4_AGGREGATOR are merged on 2-octet sessions (RFC 6793 §4.2.3) and
 * ignored on 4-octet ones (RFC 6793 §4.1: NEW speakers do not exchange them).
 */

import type { CodecContext, Fault, MpReach, MpUnreach, PathAttributes, RawAttribute } from './types.js';
import {
  ATTR_AS_PATH,
  ATTR_MP_REACH,
  ATTR_MP_UNREACH,
  ATTR_NEXT_HOP,
  ATTR_ORIGIN,
  FLAG_EXTENDED_LENGTH,
  FLAG_OPTIONAL,
  FLAG_PARTIAL,
  FLAG_TRANSITIVE,
} from './types.js';
import { Reader } from './reader.js';
import type { Writer } from './writer.js';
import type { AttrCodec, AttrSlots } from './attrs/codec.js';
import { ATTR_REGISTRY, PATH_ATTR_CODECS } from './attrs/registry.js';
import { mergeAs4, splitAs4 } from './attrs/as4.js';
import {
  ERR_UPDATE,
  UPD_ATTR_FLAGS,
  UPD_ATTR_LENGTH,
  UPD_MALFORMED_ATTR_LIST,
  UPD_MISSING_WELL_KNOWN,
  UPD_UNRECOGNIZED_WELL_KNOWN,
  fault,
  isFault,
} from './faults.js';

export interface AttributeList {
  readonly attrs: PathAttributes;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

/** Mutable state of one attribute-list walk. */
interface Walk {
  readonly buf: Uint8Array;
  readonly ctx: CodecContext;
  readonly faults: Fault[];
  readonly slots: AttrSlots;
  readonly seen: Uint8Array;
  unknown: RawAttribute[] | undefined;
}

const TAW = 'withdraw';

/** Decode buf[start, end) as a path-attribute list; faults are appended to `faults`. */
export function decodeAttributes(
  buf: Uint8Array,
  start: number,
  end: number,
  classicNlri: boolean,
  ctx: CodecContext,
  faults: Fault[],
): AttributeList {
  const walk: Walk = { buf, ctx, faults, slots: {}, seen: new Uint8Array(256), unknown: undefined };
  const complete = walkAttributes(walk, start, end);
  if (complete) checkMandatory(walk, classicNlri);
  return finish(walk);
}

/** Walk the attributes; false when the walk stopped early (framing error or reset). */
function walkAttributes(walk: Walk, start: number, end: number): boolean {
  const { buf, faults } = walk;
  let p = start;
  while (p < end) {
    const left = end - p;
    const flags = buf[p] as number;
    const ext = (flags & FLAG_EXTENDED_LENGTH) !== 0;
    const headLen = ext ? 4 : 3;
    if (left < headLen) {
      faults.push(fault(TAW, ERR_UPDATE, UPD_MALFORMED_ATTR_LIST, `${left} stray bytes after the last path attribute`));
      return false;
    }
    const code = buf[p + 1] as number;
    const len = ext ? ((buf[p + 2] as number) << 8) | (buf[p + 3] as number) : (buf[p + 2] as number);
    const vs = p + headLen;
    if (vs + len > end) {
      faults.push(fault(TAW, ERR_UPDATE, UPD_ATTR_LENGTH, `attribute ${code} length ${len} overruns the attribute list`, { attr: code }));
      return false;
    }
    if (!onAttribute(walk, flags, code, p, vs, vs + len)) return false;
    p = vs + len;
  }
  return true;
}

/** Handle one well-framed attribute; false to stop the walk (reset). */
function onAttribute(walk: Walk, flags: number, code: number, at: number, vs: number, ve: number): boolean {
  const { faults, seen } = walk;
  if (seen[code] === 1) {
    if (code === ATTR_MP_REACH || code === ATTR_MP_UNREACH) {
      faults.push(fault('reset', ERR_UPDATE, UPD_MALFORMED_ATTR_LIST, `attribute ${code} appears twice`, { attr: code }));
      return false;
    }
    faults.push(fault('discard', ERR_UPDATE, UPD_MALFORMED_ATTR_LIST, `duplicate attribute ${code} discarded`, { attr: code }));
    return true;
  }
  seen[code] = 1;
  const codec = ATTR_REGISTRY.get(code);
  if (codec === undefined) return onUnknown(walk, flags, code, at, vs, ve);
  decodeKnown(walk, codec, flags, at, vs, ve);
  return true;
}

function onUnknown(walk: Walk, flags: number, code: number, at: number, vs: number, ve: number): boolean {
  if ((flags & FLAG_OPTIONAL) === 0) {
    const data = walk.buf.slice(at, ve);
    walk.faults.push(fault('reset', ERR_UPDATE, UPD_UNRECOGNIZED_WELL_KNOWN, `unrecognised well-known attribute ${code}`, { attr: code, data }));
    return false;
  }
  if ((flags & FLAG_TRANSITIVE) !== 0) {
    (walk.unknown ??= []).push({ flags: flags | FLAG_PARTIAL, code, value: walk.buf.slice(vs, ve) });
  }
  return true;
}

function decodeKnown(walk: Walk, codec: AttrCodec, flags: number, at: number, vs: number, ve: number): void {
  const { faults, ctx, buf } = walk;
  if (codec.ibgpOnly === true && ctx.ebgp) {
    faults.push(fault('discard', ERR_UPDATE, UPD_MALFORMED_ATTR_LIST, `${codec.name} from an eBGP peer discarded`, { attr: codec.code }));
    return;
  }
  if ((flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE)) !== codec.flags) {
    const reason = `${codec.name} flags 0x${flags.toString(16)} conflict with its definition`;
    faults.push(fault(TAW, ERR_UPDATE, UPD_ATTR_FLAGS, reason, { attr: codec.code, data: buf.slice(at, ve) }));
  }
  const v = codec.decode(new Reader(buf, vs, ve), ctx);
  if (!isFault(v)) {
    (walk.slots as Record<string, unknown>)[codec.slot] = v;
    return;
  }
  const strong = v.action === 'reset' || v.action === 'afi-safi-disable';
  faults.push(strong && v.data === undefined ? { ...v, data: buf.slice(at, ve) } : v);
}

function checkMandatory(walk: Walk, classicNlri: boolean): void {
  const reach = walk.slots.mpReach;
  if (!classicNlri && (reach === undefined || reach.nlri.length === 0)) return;
  const required = classicNlri ? [ATTR_ORIGIN, ATTR_AS_PATH, ATTR_NEXT_HOP] : [ATTR_ORIGIN, ATTR_AS_PATH];
  for (const code of required) {
    if (walk.seen[code] === 1) continue;
    const name = ATTR_REGISTRY.get(code)?.name ?? String(code);
    walk.faults.push(fault(TAW, ERR_UPDATE, UPD_MISSING_WELL_KNOWN, `missing well-known attribute ${name}`, { attr: code, data: Uint8Array.of(code) }));
  }
}

function finish(walk: Walk): AttributeList {
  const { mpReach, mpUnreach, as4Path, as4Aggregator, ...attrs } = walk.slots;
  if (walk.unknown !== undefined) attrs.unknown = walk.unknown;
  if (!walk.ctx.fourOctetAs) mergeAs4(attrs, as4Path, as4Aggregator);
  if (mpReach === undefined && mpUnreach === undefined) return { attrs };
  if (mpUnreach === undefined) return { attrs, mpReach };
  if (mpReach === undefined) return { attrs, mpUnreach };
  return { attrs, mpReach, mpUnreach };
}

// ---------------------------------------------------------------- encode

/** Write one attribute: header, then the codec's value, with the length back-patched. */
export function writeAttribute<V>(w: Writer, flags: number, code: number, value: V, enc: (v: V, w: Writer) => void): void {
  const start = w.pos;
  w.u8(flags | FLAG_EXTENDED_LENGTH);
  w.u8(code);
  w.u16(0);
  const vs = w.pos;
  enc(value, w);
  const len = w.pos - vs;
  if (len > 0xff) {
    w.patchU16(start + 2, len);
    return;
  }
  w.patchU8(start, flags & ~FLAG_EXTENDED_LENGTH);
  w.patchU8(start + 2, len);
  w.shiftDown(vs, vs - 1);
}

/** An unrecognised attribute, byte for byte (the Extended Length bit is kept as received). */
function writeRaw(w: Writer, a: RawAttribute): void {
  const ext = (a.flags & FLAG_EXTENDED_LENGTH) !== 0 || a.value.length > 0xff;
  w.u8(ext ? a.flags | FLAG_EXTENDED_LENGTH : a.flags);
  w.u8(a.code);
  if (ext) w.u16(a.value.length);
  else w.u8(a.value.length);
  w.bytes(a.value);
}

/** Write every path attribute except MP_REACH/MP_UNREACH, in ascending type code. */
export function encodeAttributeList(attrs: PathAttributes, w: Writer, ctx: CodecContext): void {
  const folded: AttrSlots = ctx.fourOctetAs ? {} : splitAs4(attrs);
  const unknown = sortedUnknown(attrs.unknown);
  let u = 0;
  for (const codec of PATH_ATTR_CODECS) {
    while (u < unknown.length && (unknown[u] as RawAttribute).code < codec.code) writeRaw(w, unknown[u++] as RawAttribute);
    const v = codec.slot in folded ? folded[codec.slot] : (attrs as AttrSlots)[codec.slot];
    if (v === undefined || v === false) continue;
    if (codec.omitEmpty === true && Array.isArray(v) && v.length === 0) continue;
    writeAttribute(w, codec.flags, codec.code, v, (x, wr) => codec.encode(x, wr, ctx));
  }
  while (u < unknown.length) writeRaw(w, unknown[u++] as RawAttribute);
}

/** Unknown attributes by ascending code, without any code this speaker implements. */
function sortedUnknown(list: readonly RawAttribute[] | undefined): readonly RawAttribute[] {
  if (list === undefined || list.length === 0) return [];
  return list.filter((a) => !ATTR_REGISTRY.has(a.code)).sort((a, b) => a.code - b.code);
}
