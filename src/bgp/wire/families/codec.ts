/**
 * The shape of a family codec (RFC 4760 §3–§5): how one AFI/SAFI writes its
 * MP_REACH next hop and its NLRI. Codecs live one per file and are looked up
 * through families/registry.ts, which also describes each family for the
 * layers above (tables, keys, text forms).
 */

import type { FamilyName, NextHop, Nlri, NlriOf } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export type { Nlri } from '../types.js';

export interface FamilyCodec<F extends FamilyName = FamilyName> {
  readonly afi: number;
  readonly safi: number;
  readonly name: F;
  /**
   * MP_REACH next-hop lengths accepted from peers; the first is the one
   * sent (e.g. IPv6: 16, or 32 with a link-local address after it).
   */
  readonly nextHopLengths: readonly number[];
  /** Read the next hop; `r` covers exactly one of nextHopLengths bytes. */
  decodeNextHop(r: Reader): NextHop;
  /** Write nextHopLengths[0] bytes of next hop. */
  encodeNextHop(nextHop: NextHop, w: Writer): void;
  /**
   * Decode NLRI up to the end of `r`. Returns the reason when the field is
   * malformed (prefix too long or short, or running past the field).
   * `withdrawal` is set for MP_UNREACH_NLRI (labeled families read a single
   * compatibility label field there, RFC 8277 §2.4).
   */
  decodeNlri(r: Reader, withdrawal?: boolean): NlriOf[F][] | string;
  encodeNlri(p: NlriOf[F], w: Writer): void;
  /** Bytes encodeNlri will write for p (for UPDATE packing). */
  nlriLength(p: NlriOf[F]): number;
  /**
   * Write p as a withdrawn route (labeled families: the compatibility label
   * field instead of the label stack, RFC 8277 §2.4), without copying it.
   */
  encodeWithdrawn(p: NlriOf[F], w: Writer): void;
  /** Bytes encodeWithdrawn will write for p. */
  withdrawnLength(p: NlriOf[F]): number;
}

/** Any codec, with its NLRI type erased (for registries and packing loops). */
export type AnyFamilyCodec = {
  readonly afi: number;
  readonly safi: number;
  readonly name: FamilyName;
  readonly nextHopLengths: readonly number[];
  decodeNextHop(r: Reader): NextHop;
  encodeNextHop(nextHop: NextHop, w: Writer): void;
  decodeNlri(r: Reader, withdrawal?: boolean): Nlri[] | string;
  encodeNlri(p: Nlri, w: Writer): void;
  nlriLength(p: Nlri): number;
  encodeWithdrawn(p: Nlri, w: Writer): void;
  withdrawnLength(p: Nlri): number;
};

/** An IPv4 next hop for the IPv4 families (a bigint IPv6 next hop cannot be written there: 0.0.0.0). */
export function ipv4NextHop(nh: NextHop): number {
  return typeof nh === 'number' ? nh : isIpv4Mapped(nh) ? Number(nh & 0xffffffffn) : 0;
}

/** ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
export function isIpv4Mapped(a: bigint): boolean {
  return a >> 32n === 0xffffn;
}

/** An IPv6 next hop for the IPv6 families: an IPv4 address is written IPv4-mapped (RFC 4659 §3.2.1.2). */
export function ipv6NextHop(nh: NextHop): bigint {
  return typeof nh === 'bigint' ? nh : (0xffffn << 32n) | BigInt(nh >>> 0);
}

/** Decode a 16-byte IPv6 address; an IPv4-mapped one becomes its IPv4 number. */
export function readNextHop6(r: Reader): NextHop {
  const a = (r.u64() << 64n) | r.u64();
  return isIpv4Mapped(a) ? Number(a & 0xffffffffn) : a;
}
