/**
 * Route-target membership (AFI 1 / SAFI 132) NLRI, RFC 4684 §4.
 *
 * Wire form: length in bits, then origin AS (4 bytes) and the leading bits
 * of an 8-byte route target. Length 0 is the default membership ("send me
 * every VPN route"); otherwise it must be 32..96 (a partial target is a
 * prefix of the RT). Any other length, or an NLRI running past its field,
 * is malformed (caller: AFI/SAFI disable).
 */

import type { RtMembership } from '../types.js';
import { AFI_IPV4, SAFI_RTC } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ipv4NextHop, type FamilyCodec } from './codec.js';

const DEFAULT_MEMBERSHIP: RtMembership = { family: 'route-target', len: 0, originAs: 0, target: 0n };

/** Bits of an 8-byte target kept by a membership of `bits` target bits. */
function targetMask(bits: number): bigint {
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(64 - bits);
}

function decodeOne(buf: Uint8Array, p: number, end: number, out: RtMembership[]): number | string {
  const len = buf[p] as number;
  p += 1;
  if (len === 0) {
    out.push(DEFAULT_MEMBERSHIP);
    return p;
  }
  if (len < 32 || len > 96) return `route-target membership length ${len} not 0 or 32..96`;
  const n = (len + 7) >> 3;
  if (p + n > end) return 'route-target membership NLRI truncated';
  const originAs =
    (((buf[p] as number) << 24) | ((buf[p + 1] as number) << 16) | ((buf[p + 2] as number) << 8) | (buf[p + 3] as number)) >>> 0;
  let target = 0n;
  for (let i = 4; i < n; i++) target |= BigInt(buf[p + i] as number) << BigInt(8 * (11 - i));
  out.push({ family: 'route-target', len, originAs, target: target & targetMask(len - 32) });
  return p + n;
}

function decodeNlri(r: Reader): RtMembership[] | string {
  const out: RtMembership[] = [];
  const end = r.end;
  let p = r.pos;
  while (p < end) {
    const next = decodeOne(r.buf, p, end, out);
    if (typeof next === 'string') return next;
    p = next;
  }
  r.pos = p;
  return out;
}

const nlriLength = (m: RtMembership): number => 1 + ((m.len + 7) >> 3);

function encodeNlri(m: RtMembership, w: Writer): void {
  w.u8(m.len);
  if (m.len === 0) return;
  w.u32(m.originAs);
  const n = ((m.len + 7) >> 3) - 4;
  for (let i = 0; i < n; i++) w.u8(Number((m.target >> BigInt(56 - 8 * i)) & 0xffn));
}

export const rtargetCodec: FamilyCodec<'route-target'> = {
  afi: AFI_IPV4,
  safi: SAFI_RTC,
  name: 'route-target',
  // RFC 4684 §4: the advertising speaker's address; IPv4 only here.
  nextHopLengths: [4],
  decodeNextHop: (r) => r.u32(),
  encodeNextHop: (nh, w) => w.u32(ipv4NextHop(nh)),
  decodeNlri,
  encodeNlri,
  nlriLength,
  encodeWithdrawn: encodeNlri,
  withdrawnLength: nlriLength,
};
