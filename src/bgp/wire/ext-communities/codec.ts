/**
 * Extended communities as typed values: one 8-byte community (a big-endian
 * bigint, as the EXTENDED_COMMUNITIES attribute codec keeps it) decodes to
 * a discriminated union tagged by `type`, and encodes back.
 *
 * Every type the Contrail control node reads or writes
 * (shared/docs/contrail-control.md §3.2; tf-controller
 * src/bgp/extended-community/, security_group/, origin-vn/, tag/):
 * route target and site of origin (RFC 4360 §4, RFC 5668), source AS and
 * VRF route import (RFC 6514 §5), tunnel encapsulation (RFC 9012 §4.1),
 * default gateway (RFC 7432 §7.8), MAC mobility (RFC 7432 §7.7), router MAC
 * (RFC 9135 §8.1), E-Tree (RFC 8317 §5.1), and Contrail's experimental
 * 0x80 / 0x82 (2-octet / 4-octet AS) origin VN, security group, tag,
 * sub-cluster, plus load balance (03:aa) and local sequence number (c0:00).
 *
 * decodeExtCommunity never throws: unknown values, and known type bytes with
 * an unknown subtype, decode to { type: 'unknown', raw }. Reserved bits are
 * ignored on decode, so encode(decode(c)) === c holds for values written the
 * canonical way. encodeExtCommunity returns undefined, never throws, when a
 * field does not fit its width.
 */

/** Which administrator field a two-part community has: 2-octet AS, IPv4 address, 4-octet AS. */
export type AdminForm = 'as2' | 'ipv4' | 'as4';
/** Contrail's experimental communities come as 0x80 (2-octet AS, 4-octet value) or 0x82 (4-octet AS, 2-octet value). */
export type AsForm = 'as2' | 'as4';

/**
 * Load-balance hash fields in bit order, most significant bit of byte 2
 * first; source bias is the top bit of byte 4. This is tf-controller's
 * LoadBalanceAttribute as its structs lay it out (load_balance.h); §3.2 of
 * contrail-control.md omits the two l2 bits and puts source bias in byte 5.
 */
export const LOAD_BALANCE_FIELDS = [
  'l2-source-address',
  'l2-destination-address',
  'l3-source-address',
  'l3-destination-address',
  'l4-protocol',
  'l4-source-port',
  'l4-destination-port',
] as const;
export type LoadBalanceField = (typeof LOAD_BALANCE_FIELDS)[number];

export type ExtCommunity =
  | { type: 'route-target'; form: AdminForm; admin: number; value: number }
  | { type: 'site-of-origin'; form: AdminForm; admin: number; value: number }
  | { type: 'source-as'; form: AsForm; asn: number; value: number }
  | { type: 'vrf-route-import'; address: number; value: number }
  | { type: 'encapsulation'; tunnelType: number }
  | { type: 'default-gateway' }
  | { type: 'load-balance'; fields: readonly LoadBalanceField[]; sourceBias: boolean }
  | { type: 'mac-mobility'; sticky: boolean; seq: number }
  | { type: 'router-mac'; mac: string }
  | { type: 'etree'; leaf: boolean; label: number }
  | { type: 'origin-vn'; form: AsForm; asn: number; index: number }
  | { type: 'security-group'; form: AsForm; asn: number; id: number }
  | { type: 'tag'; form: AsForm; asn: number; id: number }
  | { type: 'sub-cluster'; form: AsForm; asn: number; id: number }
  | { type: 'local-sequence-number'; seq: number }
  | { type: 'unknown'; raw: bigint };

export type ExtCommunityType = ExtCommunity['type'];

// Type (high octet) values.
const T_AS2 = 0x00;
const T_IPV4 = 0x01;
const T_AS4 = 0x02;
const T_OPAQUE = 0x03;
const T_EVPN = 0x06;
const T_EXPERIMENTAL = 0x80;
const T_EXPERIMENTAL_AS4 = 0x82;
const T_SEQUENCE = 0xc0;

// Subtypes.
const S_ROUTE_TARGET = 0x02;
const S_SITE_OF_ORIGIN = 0x03;
const S_SOURCE_AS = 0x09;
const S_VRF_IMPORT = 0x0b;
const S_ENCAP = 0x0c;
const S_DEFAULT_GW = 0x0d;
const S_LOAD_BALANCE = 0xaa;
const S_MOBILITY = 0x00;
const S_ROUTER_MAC = 0x03;
const S_ETREE = 0x05;
const S_ORIGIN_VN = 0x71;
const S_SECURITY_GROUP = 0x04;
const S_TAG = 0x84;
const S_SUB_CLUSTER = 0x85;
const S_LOCAL_SEQUENCE = 0x00;

const ADMIN_TYPES: Readonly<Record<AdminForm, number>> = { as2: T_AS2, ipv4: T_IPV4, as4: T_AS4 };
const EXPERIMENTAL_SUBTYPES = { 'origin-vn': S_ORIGIN_VN, 'security-group': S_SECURITY_GROUP, tag: S_TAG, 'sub-cluster': S_SUB_CLUSTER } as const;

// ---------------------------------------------------------------- field access

/** The 48 value bits as (16, 32) and (32, 16) splits, plus single bytes. */
interface Fields {
  readonly type: number;
  readonly sub: number;
  readonly hi16: number;
  readonly lo32: number;
  readonly hi32: number;
  readonly lo16: number;
  byte(i: number): number;
}

function fieldsOf(c: bigint): Fields {
  const v = BigInt.asUintN(64, c);
  return {
    type: Number(v >> 56n),
    sub: Number((v >> 48n) & 0xffn),
    hi16: Number((v >> 32n) & 0xffffn),
    lo32: Number(v & 0xffffffffn),
    hi32: Number((v >> 16n) & 0xffffffffn),
    lo16: Number(v & 0xffffn),
    byte: (i) => Number((v >> BigInt(56 - 8 * i)) & 0xffn),
  };
}

const fits = (n: number, bits: number): boolean => Number.isInteger(n) && n >= 0 && n <= 2 ** bits - 1;

/** type, subtype and 48 value bits split (hiBits, 48 − hiBits); undefined when a field does not fit. */
function build(type: number, sub: number, hi: number, hiBits: number, lo: number): bigint | undefined {
  const loBits = 48 - hiBits;
  if (!fits(hi, hiBits) || !fits(lo, loBits)) return undefined;
  return (BigInt(type) << 56n) | (BigInt(sub) << 48n) | (BigInt(hi) << BigInt(loBits)) | BigInt(lo);
}

// ---------------------------------------------------------------- decode

/** The kind of each known (type, subtype) pair, keyed by the top 16 bits. */
const KINDS = new Map<number, ExtCommunityType>([
  [0x0002, 'route-target'], [0x0102, 'route-target'], [0x0202, 'route-target'],
  [0x0003, 'site-of-origin'], [0x0103, 'site-of-origin'], [0x0203, 'site-of-origin'],
  [0x0009, 'source-as'], [0x0209, 'source-as'],
  [0x010b, 'vrf-route-import'],
  [0x030c, 'encapsulation'], [0x030d, 'default-gateway'], [0x03aa, 'load-balance'],
  [0x0600, 'mac-mobility'], [0x0603, 'router-mac'], [0x0605, 'etree'],
  [0x8071, 'origin-vn'], [0x8271, 'origin-vn'],
  [0x8004, 'security-group'], [0x8204, 'security-group'],
  [0x8084, 'tag'], [0x8284, 'tag'],
  [0x8085, 'sub-cluster'], [0x8285, 'sub-cluster'],
  [0xc000, 'local-sequence-number'],
]);

/** The kind of a community without decoding its fields ('unknown' for anything else). Never throws. */
export function extCommunityType(c: bigint): ExtCommunityType {
  return KINDS.get(Number(BigInt.asUintN(64, c) >> 48n)) ?? 'unknown';
}

/** The typed value of one community. Never throws. */
export function decodeExtCommunity(c: bigint): ExtCommunity {
  const f = fieldsOf(c);
  const kind = KINDS.get((f.type << 8) | f.sub) ?? 'unknown';
  switch (kind) {
    case 'route-target':
    case 'site-of-origin':
      return { type: kind, form: adminForm(f.type), admin: f.type === T_AS2 ? f.hi16 : f.hi32, value: f.type === T_AS2 ? f.lo32 : f.lo16 };
    case 'source-as':
      return f.type === T_AS2 ? { type: kind, form: 'as2', asn: f.hi16, value: f.lo32 } : { type: kind, form: 'as4', asn: f.hi32, value: f.lo16 };
    case 'vrf-route-import':
      return { type: kind, address: f.hi32, value: f.lo16 };
    case 'encapsulation':
      return { type: kind, tunnelType: f.lo16 };
    case 'default-gateway':
      return { type: kind };
    case 'load-balance':
      return decodeLoadBalance(f);
    default:
      return decodeMore(kind, f, c);
  }
}

function decodeMore(kind: ExtCommunityType, f: Fields, c: bigint): ExtCommunity {
  switch (kind) {
    case 'mac-mobility':
      return { type: kind, sticky: (f.byte(2) & 0x01) !== 0, seq: f.lo32 };
    case 'router-mac':
      return { type: kind, mac: [2, 3, 4, 5, 6, 7].map((i) => f.byte(i).toString(16).padStart(2, '0')).join(':') };
    case 'etree':
      return { type: kind, leaf: (f.byte(2) & 0x01) !== 0, label: ((f.byte(5) << 16) | (f.byte(6) << 8) | f.byte(7)) >>> 4 };
    case 'origin-vn':
      return f.type === T_EXPERIMENTAL ? { type: kind, form: 'as2', asn: f.hi16, index: f.lo32 } : { type: kind, form: 'as4', asn: f.hi32, index: f.lo16 };
    case 'security-group':
    case 'tag':
    case 'sub-cluster':
      return f.type === T_EXPERIMENTAL ? { type: kind, form: 'as2', asn: f.hi16, id: f.lo32 } : { type: kind, form: 'as4', asn: f.hi32, id: f.lo16 };
    case 'local-sequence-number':
      return { type: kind, seq: f.hi32 };
    default:
      return { type: 'unknown', raw: BigInt.asUintN(64, c) };
  }
}

function adminForm(type: number): AdminForm {
  return type === T_AS2 ? 'as2' : type === T_IPV4 ? 'ipv4' : 'as4';
}

function decodeLoadBalance(f: Fields): ExtCommunity {
  const bits = f.byte(2);
  const fields = LOAD_BALANCE_FIELDS.filter((_, i) => (bits & (0x80 >> i)) !== 0);
  return { type: 'load-balance', fields, sourceBias: (f.byte(4) & 0x80) !== 0 };
}

// ---------------------------------------------------------------- encode

/** The community for a typed value, or undefined when a field is out of range. Never throws. */
export function encodeExtCommunity(e: ExtCommunity): bigint | undefined {
  switch (e.type) {
    case 'route-target':
      return build(ADMIN_TYPES[e.form], S_ROUTE_TARGET, e.admin, e.form === 'as2' ? 16 : 32, e.value);
    case 'site-of-origin':
      return build(ADMIN_TYPES[e.form], S_SITE_OF_ORIGIN, e.admin, e.form === 'as2' ? 16 : 32, e.value);
    case 'source-as':
      return build(ADMIN_TYPES[e.form], S_SOURCE_AS, e.asn, e.form === 'as2' ? 16 : 32, e.value);
    case 'vrf-route-import':
      return build(T_IPV4, S_VRF_IMPORT, e.address, 32, e.value);
    case 'encapsulation':
      return build(T_OPAQUE, S_ENCAP, 0, 32, e.tunnelType);
    case 'default-gateway':
      return build(T_OPAQUE, S_DEFAULT_GW, 0, 16, 0);
    case 'load-balance':
      return encodeLoadBalance(e.fields, e.sourceBias);
    case 'mac-mobility':
      return build(T_EVPN, S_MOBILITY, e.sticky ? 0x0100 : 0, 16, e.seq);
    case 'router-mac':
      return encodeRouterMac(e.mac);
    case 'etree':
      return fits(e.label, 20) ? build(T_EVPN, S_ETREE, e.leaf ? 0x0100 : 0, 16, e.label * 16) : undefined;
    case 'origin-vn':
      return experimental(e.type, e.form, e.asn, e.index);
    case 'security-group':
    case 'tag':
    case 'sub-cluster':
      return experimental(e.type, e.form, e.asn, e.id);
    case 'local-sequence-number':
      return build(T_SEQUENCE, S_LOCAL_SEQUENCE, e.seq, 32, 0);
    case 'unknown':
      return fits(Number(e.raw >> 32n), 32) && e.raw >= 0n ? e.raw : undefined;
  }
}

function experimental(kind: keyof typeof EXPERIMENTAL_SUBTYPES, form: AsForm, asn: number, value: number): bigint | undefined {
  const type = form === 'as2' ? T_EXPERIMENTAL : T_EXPERIMENTAL_AS4;
  return build(type, EXPERIMENTAL_SUBTYPES[kind], asn, form === 'as2' ? 16 : 32, value);
}

function encodeLoadBalance(fields: readonly LoadBalanceField[], sourceBias: boolean): bigint {
  let bits = 0;
  LOAD_BALANCE_FIELDS.forEach((name, i) => {
    if (fields.includes(name)) bits |= 0x80 >> i;
  });
  // byte 2: the hash fields; byte 4, top bit: source bias.
  return (BigInt(T_OPAQUE) << 56n) | (BigInt(S_LOAD_BALANCE) << 48n) | (BigInt(bits) << 40n) | (sourceBias ? 0x80n << 24n : 0n);
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function encodeRouterMac(mac: string): bigint | undefined {
  if (!MAC_RE.test(mac)) return undefined;
  return (BigInt(T_EVPN) << 56n) | (BigInt(S_ROUTER_MAC) << 48n) | BigInt(`0x${mac.replaceAll(':', '')}`);
}
