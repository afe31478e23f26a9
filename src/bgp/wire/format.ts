/**
 * Text forms of wire values, parsed and formatted in this one place.
 * Formats follow the Contrail control node's introspect strings
 * (tf-controller src/bgp/rtarget/rtarget_address.cc, src/net/rd.cc,
 * src/bgp/community.cc and src/bgp/extended-community/*), with the
 * deviations noted per function. Parsers return undefined on bad input;
 * constructors throw RangeError on out-of-range arguments (programming errors).
 * Extended communities are in ./ext-communities/ (typed codec and text).
 *
 * RFC 4364 §4.2 (RDs), RFC 4360 / RFC 5668 (route targets),
 * RFC 4684 (route-target membership).
 */

import { encodeExtCommunity, extCommunityHex, extCommunityToString } from './ext-communities/index.js';
import type { Ipv4Prefix, RtMembership, VpnPrefix } from './types.js';

const U16 = 0xffff;
const U32 = 0xffffffff;

// ---------------------------------------------------------------- IPv4

export function ipv4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const IPV4_RE = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Dotted quad to number; leading zeros ("010.0.0.1") are rejected as ambiguous. */
export function parseIpv4(s: string): number | undefined {
  const m = IPV4_RE.exec(s);
  if (m === null) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function prefixToString(p: { readonly addr: number; readonly len: number }): string {
  return `${ipv4ToString(p.addr)}/${p.len}`;
}

/** "a.b.c.d/len". Host bits past len are accepted and cleared ("10.1.2.3/8" → 10.0.0.0/8). */
export function parsePrefix(s: string): Ipv4Prefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIpv4(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (addr === undefined || !/^\d{1,2}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > 32) return undefined;
  return { family: 'inet', addr: (addr & maskOf(len)) >>> 0, len };
}

// ---------------------------------------------------------------- numbers

/** A decimal integer in [0, max], or undefined. */
function parseUint(s: string, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

/** The 8 bytes of a 64-bit value. */
function bytesOf(v: bigint): number[] {
  const out = new Array<number>(8);
  for (let i = 0; i < 8; i++) out[i] = Number((v >> BigInt(56 - 8 * i)) & 0xffn);
  return out;
}

/** Build a 64-bit value from type (2 bytes, or type+subtype), a 32-bit and a 16-bit, or 16/32 fields. */
function pack(type: number, hi: number, hiBits: 16 | 32, lo: number): bigint {
  const loBits = 48 - hiBits;
  return (BigInt(type) << 48n) | (BigInt(hi) << BigInt(loBits)) | BigInt(lo);
}

/** Split the low 48 bits as (asn2, value4), (value4 as ip or asn4, value2). */
function fields(v: bigint): { b: number[]; a16: number; v32: number; a32: number; v16: number } {
  const b = bytesOf(v);
  const a16 = ((b[2] as number) << 8) | (b[3] as number);
  const v32 = Number(v & 0xffffffffn);
  const a32 = Number((v >> 16n) & 0xffffffffn);
  const v16 = ((b[6] as number) << 8) | (b[7] as number);
  return { b, a16, v32, a32, v16 };
}

// ---------------------------------------------------------------- route distinguishers

/**
 * Build an RD. Type 0: admin = 2-octet ASN, assigned 32 bits; type 1: admin =
 * IPv4 address (number), assigned 16 bits; type 2: admin = 4-octet ASN,
 * assigned 16 bits.
 */
export function makeRd(type: 0 | 1 | 2, admin: number, assigned: number): bigint {
  const wide = type === 0;
  const adminMax = wide ? U16 : U32;
  const assignedMax = wide ? U32 : U16;
  if (!Number.isInteger(admin) || admin < 0 || admin > adminMax || !Number.isInteger(assigned) || assigned < 0 || assigned > assignedMax) {
    throw new RangeError(`RD type ${type} fields out of range: ${admin}:${assigned}`);
  }
  return pack(type, admin, wide ? 16 : 32, assigned);
}

/**
 * "64512:100" (type 0), "192.0.2.12:1" (type 1), "4200000000:7" (type 2).
 * Deviation from Contrail's rd.cc: a type-2 RD whose ASN fits in 16 bits is
 * written "100L:7" (as Contrail does for route targets) so it parses back to
 * type 2; other types print as "<type>:xx:xx:xx:xx:xx:xx" like Contrail.
 */
export function rdToString(rd: bigint): string {
  const { b, a16, v32, a32, v16 } = fields(rd);
  const type = ((b[0] as number) << 8) | (b[1] as number);
  if (type === 0) return `${a16}:${v32}`;
  if (type === 1) return `${ipv4ToString(a32)}:${v16}`;
  if (type === 2) return a32 > U16 ? `${a32}:${v16}` : `${a32}L:${v16}`;
  return `${type}:${b.slice(2).map((x) => hex(x, 2)).join(':')}`;
}

/** Inverse of rdToString. "asn:n" is type 0 when asn fits in 16 bits, else type 2. */
export function parseRd(s: string): bigint | undefined {
  const raw = /^(\d{1,5}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(s);
  if (raw !== null) {
    const type = parseUint(raw[1] as string, U16);
    if (type === undefined) return undefined;
    let v = BigInt(type);
    for (let i = 2; i <= 7; i++) v = (v << 8n) | BigInt(parseInt(raw[i] as string, 16));
    return v;
  }
  const c = s.lastIndexOf(':');
  if (c < 0) return undefined;
  const typeAndAdmin = adminField(s.slice(0, c));
  if (typeAndAdmin === undefined) return undefined;
  const [kind, admin] = typeAndAdmin;
  const assigned = parseUint(s.slice(c + 1), kind === 0 ? U32 : U16);
  return assigned === undefined ? undefined : makeRd(kind, admin, assigned);
}

/**
 * The administrator part of an RD or route target: an IPv4 address (type 1),
 * "NL" (forced 4-octet, type 2), or an ASN (type 0 if ≤ 65535, else type 2).
 */
function adminField(s: string): [0 | 1 | 2, number] | undefined {
  if (s.includes('.')) {
    const ip = parseIpv4(s);
    return ip === undefined ? undefined : [1, ip];
  }
  if (s.endsWith('L')) {
    const asn = parseUint(s.slice(0, -1), U32);
    return asn === undefined ? undefined : [2, asn];
  }
  const asn = parseUint(s, U32);
  if (asn === undefined) return undefined;
  return asn > U16 ? [2, asn] : [0, asn];
}

// ---------------------------------------------------------------- route targets

/**
 * A route target from "target:64512:1", "target:192.0.2.1:5",
 * "target:4200000000:3" or "target:100L:3": the same administrator forms as
 * an RD (extended communities themselves live in ./ext-communities/).
 */
export function parseRouteTarget(s: string): bigint | undefined {
  if (!s.startsWith('target:')) return undefined;
  const rd = parseRd(s.slice(7));
  if (rd === undefined) return undefined;
  const { b, a16, v32, a32, v16 } = fields(rd);
  const type = ((b[0] as number) << 8) | (b[1] as number);
  if (type === 0) return encodeExtCommunity({ type: 'route-target', form: 'as2', admin: a16, value: v32 });
  if (type === 1) return encodeExtCommunity({ type: 'route-target', form: 'ipv4', admin: a32, value: v16 });
  if (type === 2) return encodeExtCommunity({ type: 'route-target', form: 'as4', admin: a32, value: v16 });
  return undefined;
}

// ---------------------------------------------------------------- NLRI

/** Contrail form "RD:prefix", e.g. "192.0.2.12:1:198.18.10.0/24" (labels are not part of the key). */
export function vpnPrefixToString(p: VpnPrefix): string {
  return `${rdToString(p.rd)}:${prefixToString(p)}`;
}

/**
 * "64512:target:64512:1" (origin AS, then the route target), "default" for
 * the length-0 membership (Contrail prints "0:target:0:0"), and
 * "<as>:0x<16 hex>/<len>" for a partial target (len < 96).
 */
export function rtMembershipToString(m: RtMembership): string {
  if (m.len === 0) return 'default';
  if (m.len === 96) return `${m.originAs}:${extCommunityToString(m.target)}`;
  return `${m.originAs}:${extCommunityHex(m.target)}/${m.len}`;
}

/** Inverse of rtMembershipToString ("0:target:0:0" is also accepted for the default). */
export function parseRtMembership(s: string): RtMembership | undefined {
  if (s === 'default' || s === '0:target:0:0') return { family: 'route-target', len: 0, originAs: 0, target: 0n };
  const c = s.indexOf(':');
  if (c < 0) return undefined;
  const originAs = parseUint(s.slice(0, c), U32);
  const rest = s.slice(c + 1);
  if (originAs === undefined) return undefined;
  const partial = /^0x([0-9a-f]{16})\/(\d{1,2})$/i.exec(rest);
  if (partial !== null) {
    const len = Number(partial[2]);
    if (len < 32 || len > 96) return undefined;
    const bits = len - 32;
    const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(64 - bits);
    return { family: 'route-target', len, originAs, target: BigInt(`0x${partial[1] as string}`) & mask };
  }
  const target = parseRouteTarget(rest);
  return target === undefined ? undefined : { family: 'route-target', len: 96, originAs, target };
}
