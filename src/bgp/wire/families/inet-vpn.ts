/**
 * VPN-IPv4 (AFI 1 / SAFI 128) NLRI: RFC 4364 §4.3.4 with RFC 8277 label
 * stacks.
 *
 * Wire form: length in bits, labels (3 bytes each: 20-bit label, 3 TC bits,
 * bottom-of-stack bit), 8-byte RD, then the prefix bytes. Labels are read
 * until the bottom-of-stack bit, or until the compatibility value 0x800000
 * (RFC 8277 §2.4, sent in withdrawals), which decodes as an empty label list.
 * Encoding sets the S bit on the last label; an empty list is written as the
 * single compatibility label 0x800000. TC bits are not kept. Any RD type is
 * kept as its raw 8 bytes.
 *
 * A prefix length below 88 (one label + RD) or above 24·labels + 64 + 32, or
 * an NLRI that runs past its field, is malformed (RFC 7606 §5.3); the caller
 * turns that into AFI/SAFI disable (the CVE-2016-2342 shape).
 */

import type { Ipv4Prefix, RtMembership, VpnPrefix } from '../types.js';
import { AFI_IPV4, SAFI_MPLS_VPN } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { FamilyCodec } from './codec.js';
import { readAddress, writeAddress } from './inet.js';

/** RFC 8277 §2.4 compatibility label field for withdrawals. */
export const WITHDRAW_LABEL = 0x800000;

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
 * Decode one VPN NLRI at buf[p]; returns the new position or an error reason.
 * In a withdrawal the label field is one 3-octet compatibility field whose
 * value is ignored (RFC 8277 §2.4): FRR sends 0x000000 there, without the
 * bottom-of-stack bit, BIRD 0x000001, GoBGP the route's label.
 */
function decodeOne(buf: Uint8Array, p: number, end: number, out: VpnPrefix[], withdrawal: boolean): number | string {
  const len = buf[p] as number;
  if (len < 88) return `VPN prefix length ${len} below 88 (label + RD)`;
  p += 1;
  let bits = len;
  const labels: number[] = [];
  for (;;) {
    if (bits < 24 + 64) return `VPN prefix length ${len} too short for its label stack`;
    if (p + 3 > end) return 'VPN NLRI truncated in the label stack';
    const raw = ((buf[p] as number) << 16) | ((buf[p + 1] as number) << 8) | (buf[p + 2] as number);
    p += 3;
    bits -= 24;
    if (raw === WITHDRAW_LABEL || withdrawal) break;
    labels.push(raw >>> 4);
    if ((raw & 1) === 1) break;
  }
  bits -= 64;
  if (bits > 32) return `VPN prefix length ${len} exceeds 24*${labels.length || 1}+64+32`;
  const n = (bits + 7) >> 3;
  if (p + 8 + n > end) return 'VPN NLRI truncated';
  const rd = (BigInt(readU32(buf, p)) << 32n) | BigInt(readU32(buf, p + 4));
  // A grown array keeps V8's spare capacity (~17 slots) for the life of the
  // route; copy it to an exact-size one (a million routes: ~130 MB less).
  out.push({ labels: labels.length === 1 ? [labels[0] as number] : labels.slice(), rd, addr: readAddress(buf, p + 8, bits), len: bits });
  return p + 8 + n;
}

/**
 * The form an NLRI takes in a withdrawal: a VPN prefix carries no label
 * stack there, only the one compatibility label field (RFC 8277 §2.4).
 */
export function withdrawalForm<T extends Ipv4Prefix | VpnPrefix | RtMembership>(n: T): T {
  return 'labels' in n && n.labels.length > 0 ? { ...n, labels: [] } : n;
}

function decodeNlri(r: Reader, withdrawal = false): VpnPrefix[] | string {
  const out: VpnPrefix[] = [];
  const end = r.end;
  let p = r.pos;
  while (p < end) {
    const next = decodeOne(r.buf, p, end, out, withdrawal);
    if (typeof next === 'string') return next;
    p = next;
  }
  r.pos = p;
  return out;
}

function encodeNlri(p: VpnPrefix, w: Writer): void {
  const labels = p.labels;
  const count = labels.length === 0 ? 1 : labels.length;
  w.u8(count * 24 + 64 + p.len);
  if (labels.length === 0) {
    w.u24(WITHDRAW_LABEL);
  } else {
    const last = labels.length - 1;
    for (let i = 0; i <= last; i++) w.u24((((labels[i] as number) & 0xfffff) << 4) | (i === last ? 1 : 0));
  }
  w.u64(p.rd);
  writeAddress(p.addr, p.len, w);
}

export const inetVpnCodec: FamilyCodec<VpnPrefix> = {
  afi: AFI_IPV4,
  safi: SAFI_MPLS_VPN,
  name: 'inet-vpn',
  // RFC 4364 §4.3.2: RD (always 0) + IPv4 address.
  nextHopLength: 12,
  decodeNextHop(r) {
    r.skip(8);
    return r.u32();
  },
  encodeNextHop(nh, w) {
    w.u32(0);
    w.u32(0);
    w.u32(nh);
  },
  decodeNlri,
  encodeNlri,
  nlriLength: (p) => 1 + 3 * (p.labels.length === 0 ? 1 : p.labels.length) + 8 + ((p.len + 7) >> 3),
};
