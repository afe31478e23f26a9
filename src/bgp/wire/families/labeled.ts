/**
 * The labeled-VPN NLRI layout shared by VPN-IPv4 (RFC 4364 §4.3.4) and
 * VPN-IPv6 (RFC 4659 §3.2), with RFC 8277 label stacks.
 *
 * Wire form: length in bits, labels (3 bytes each: 20-bit label, 3 TC bits,
 * bottom-of-stack bit), 8-byte RD, then the prefix bytes. Labels are read
 * until the bottom-of-stack bit, or until the compatibility value 0x800000
 * (RFC 8277 §2.4, sent in withdrawals), which decodes as an empty label list.
 * Encoding sets the S bit on the last label; an empty list is written as the
 * single compatibility label 0x800000. TC bits are not kept. Any RD type is
 * kept as its raw 8 bytes.
 *
 * A prefix length below 88 (one label + RD) or above 24·labels + 64 +
 * address bits, or an NLRI that runs past its field, is malformed (RFC 7606
 * §5.3); the caller turns that into AFI/SAFI disable (the CVE-2016-2342 shape).
 */

import type { Labels } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** RFC 8277 §2.4 compatibility label field for withdrawals. */
export const WITHDRAW_LABEL = 0x800000;

/** The empty label list: what withdrawals decode to, shared and frozen. */
export const NO_LABELS: readonly number[] = Object.freeze([]);

/** Labels as a list (allocates for a single label: for display and tests, not per route). */
export function labelList(l: Labels): readonly number[] {
  return typeof l === 'number' ? [l] : l;
}

/** The outermost label, or undefined when there is none. */
export function firstLabel(l: Labels): number | undefined {
  return typeof l === 'number' ? l : l[0];
}

/** How many labels. */
export function labelCount(l: Labels): number {
  return typeof l === 'number' ? 1 : l.length;
}

/** The compact form of a label list: its one label as a number; the list itself otherwise. */
export function compactLabels(l: readonly number[]): Labels {
  return l.length === 1 ? (l[0] as number) : l;
}

function readU32(buf: Uint8Array, p: number): number {
  return (
    (((buf[p] as number) << 24) |
      ((buf[p + 1] as number) << 16) |
      ((buf[p + 2] as number) << 8) |
      (buf[p + 3] as number)) >>>
    0
  );
}

/**
 * The RD of the previous NLRI of a field, by its 8 bytes: NLRI of one UPDATE
 * usually share their RD (one VRF), so they share one bigint too instead of
 * each holding an equal copy (a million routes: ~24 MB less).
 */
interface RdCache {
  hi: number;
  lo: number;
  rd: bigint | undefined;
}

/** How one labeled family reads and builds its address part. */
export interface LabeledAddress<T> {
  readonly what: string;
  readonly maxBits: number;
  make(labels: Labels, rd: bigint, buf: Uint8Array, p: number, bits: number): T;
}

/**
 * Decode one labeled NLRI at buf[p]; returns the new position or an error reason.
 * In a withdrawal the label field is one 3-octet compatibility field whose
 * value is ignored (RFC 8277 §2.4): FRR sends 0x000000 there, without the
 * bottom-of-stack bit, BIRD 0x000001, GoBGP the route's label.
 */
function decodeOne<T>(
  a: LabeledAddress<T>, buf: Uint8Array, p: number, end: number, out: T[], withdrawal: boolean, cache: RdCache,
): number | string {
  const len = buf[p] as number;
  if (len < 88) return `${a.what} prefix length ${len} below 88 (label + RD)`;
  p += 1;
  let bits = len;
  // The first label in a local; an array only for a stack of two or more.
  let first = -1;
  let stack: number[] | undefined;
  for (;;) {
    if (bits < 24 + 64) return `${a.what} prefix length ${len} too short for its label stack`;
    if (p + 3 > end) return `${a.what} NLRI truncated in the label stack`;
    const raw = ((buf[p] as number) << 16) | ((buf[p + 1] as number) << 8) | (buf[p + 2] as number);
    p += 3;
    bits -= 24;
    if (raw === WITHDRAW_LABEL || withdrawal) break;
    if (first < 0) first = raw >>> 4;
    else (stack ??= [first]).push(raw >>> 4);
    if ((raw & 1) === 1) break;
  }
  bits -= 64;
  if (bits > a.maxBits) return `${a.what} prefix length ${len} exceeds 24*${stack?.length ?? 1}+64+${a.maxBits}`;
  const n = (bits + 7) >> 3;
  if (p + 8 + n > end) return `${a.what} NLRI truncated`;
  const hi = readU32(buf, p);
  const lo = readU32(buf, p + 4);
  if (cache.rd === undefined || cache.hi !== hi || cache.lo !== lo) {
    cache.rd = (BigInt(hi) << 32n) | BigInt(lo);
    cache.hi = hi;
    cache.lo = lo;
  }
  const rd = cache.rd;
  // One label is kept as a number. A grown array keeps V8's spare capacity
  // (~17 slots) for the life of the route: a stack is kept as an exact-size
  // copy. Withdrawals (no labels) share one frozen empty list.
  const kept = first < 0 ? NO_LABELS : stack ? stack.slice() : first;
  out.push(a.make(kept, rd, buf, p + 8, bits));
  return p + 8 + n;
}

export function decodeLabeled<T>(a: LabeledAddress<T>, r: Reader, withdrawal: boolean): T[] | string {
  const out: T[] = [];
  const end = r.end;
  const cache: RdCache = { hi: 0, lo: 0, rd: undefined };
  let p = r.pos;
  while (p < end) {
    const next = decodeOne(a, r.buf, p, end, out, withdrawal, cache);
    if (typeof next === 'string') return next;
    p = next;
  }
  r.pos = p;
  return out;
}

/**
 * Length byte, label stack (or the compatibility label) and RD; the caller
 * writes the address bytes. Throws RangeError when the NLRI is longer than
 * its one-byte length field can say (e.g. a VPN-IPv6 /120 under three labels).
 */
export function encodeLabelsAndRd(labels: Labels, rd: bigint, len: number, w: Writer): void {
  const count = typeof labels === 'number' || labels.length === 0 ? 1 : labels.length;
  const bits = count * 24 + 64 + len;
  if (bits > 255) throw new RangeError(`labeled NLRI of ${bits} bits does not fit its length field`);
  // One room check for the whole field, then plain byte stores.
  const b = w.reserve(1 + 3 * count + 8);
  let p = w.pos;
  b[p++] = bits;
  if (typeof labels === 'number') {
    p = putLabel(b, p, labels, 1);
  } else if (labels.length === 0) {
    p = putLabel(b, p, WITHDRAW_LABEL >>> 4, 0);
  } else {
    const last = labels.length - 1;
    for (let i = 0; i <= last; i++) p = putLabel(b, p, labels[i] as number, i === last ? 1 : 0);
  }
  if (rd !== written.rd) {
    written.hi = Number((rd >> 32n) & 0xffffffffn);
    written.lo = Number(rd & 0xffffffffn);
    written.rd = rd;
  }
  p = putU32(b, p, written.hi);
  w.pos = putU32(b, p, written.lo);
}

/** A 3-byte label field (20-bit label, TC 0, bottom-of-stack bit) at b[p]; returns the next position. */
function putLabel(b: Uint8Array, p: number, label: number, bottom: number): number {
  const v = ((label & 0xfffff) << 4) | bottom;
  b[p] = v >>> 16;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = v & 0xff;
  return p + 3;
}

function putU32(b: Uint8Array, p: number, v: number): number {
  b[p] = v >>> 24;
  b[p + 1] = (v >>> 16) & 0xff;
  b[p + 2] = (v >>> 8) & 0xff;
  b[p + 3] = v & 0xff;
  return p + 4;
}

/**
 * The halves of the RD written last: consecutive NLRI of one UPDATE mostly
 * share their RD, and splitting a bigint costs three BigInt operations.
 */
const written: { rd: bigint | undefined; hi: number; lo: number } = { rd: undefined, hi: 0, lo: 0 };

/** Bytes of a labeled NLRI. */
export function labeledLength(labels: Labels, len: number): number {
  return 1 + 3 * (typeof labels === 'number' || labels.length === 0 ? 1 : labels.length) + 8 + ((len + 7) >> 3);
}
