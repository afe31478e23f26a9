/**
 * The shape of a family codec (RFC 4760 §3–§5): how one AFI/SAFI writes its
 * MP_REACH next hop and its NLRI. Codecs live one per file and are looked up
 * through families/registry.ts.
 */

import type { FamilyName, Ipv4Prefix, RtMembership, VpnPrefix } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export type Nlri = Ipv4Prefix | VpnPrefix | RtMembership;

export interface FamilyCodec<T extends Nlri = Nlri> {
  readonly afi: number;
  readonly safi: number;
  readonly name: FamilyName;
  /** The only MP_REACH next-hop length accepted and sent for this family. */
  readonly nextHopLength: number;
  /** Read the next hop; `r` covers exactly nextHopLength bytes. */
  decodeNextHop(r: Reader): number;
  encodeNextHop(nextHop: number, w: Writer): void;
  /**
   * Decode NLRI up to the end of `r`. Returns the reason when the field is
   * malformed (prefix too long or short, or running past the field).
   * `withdrawal` is set for MP_UNREACH_NLRI (labeled families read a single
   * compatibility label field there, RFC 8277 §2.4).
   */
  decodeNlri(r: Reader, withdrawal?: boolean): T[] | string;
  encodeNlri(p: T, w: Writer): void;
  /** Bytes encodeNlri will write for p (for UPDATE packing). */
  nlriLength(p: T): number;
}
