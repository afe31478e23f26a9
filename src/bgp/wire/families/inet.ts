/**
 * IPv4 unicast (AFI 1 / SAFI 1) NLRI: RFC 4271 §4.3 prefix encoding, used by
 * the classic withdrawn/NLRI fields and by MP_REACH/MP_UNREACH (RFC 4760).
 * The prefix helpers here are shared with the VPN family.
 */

import type { Ipv4Prefix } from '../types.js';
import { AFI_IPV4, SAFI_UNICAST } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ipv4NextHop, type FamilyCodec } from './codec.js';

/** Netmask for a prefix length 0..32, as an unsigned number. */
export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Read ceil(bits/8) address bytes at buf[p]; host bits are cleared. */
export function readAddress(buf: Uint8Array, p: number, bits: number): number {
  const n = (bits + 7) >> 3;
  let addr = 0;
  for (let i = 0; i < n; i++) addr |= (buf[p + i] as number) << (24 - 8 * i);
  return (addr & maskOf(bits)) >>> 0;
}

/** Write the ceil(bits/8) leading bytes of addr. */
export function writeAddress(addr: number, bits: number, w: Writer): void {
  const n = (bits + 7) >> 3;
  const b = w.reserve(n);
  const p = w.pos;
  for (let i = 0; i < n; i++) b[p + i] = (addr >>> (24 - 8 * i)) & 0xff;
  w.pos = p + n;
}

function decodeNlri(r: Reader): Ipv4Prefix[] | string {
  const out: Ipv4Prefix[] = [];
  const buf = r.buf;
  const end = r.end;
  let p = r.pos;
  while (p < end) {
    const len = buf[p] as number;
    if (len > 32) return `IPv4 prefix length ${len} exceeds 32`;
    const n = (len + 7) >> 3;
    if (p + 1 + n > end) return `IPv4 prefix /${len} overruns its field`;
    out.push({ family: 'inet', addr: readAddress(buf, p + 1, len), len });
    p += 1 + n;
  }
  r.pos = p;
  return out;
}

function encodePrefix(p: Ipv4Prefix, w: Writer): void {
  w.u8(p.len);
  writeAddress(p.addr, p.len, w);
}

const prefixLength = (p: Ipv4Prefix): number => 1 + ((p.len + 7) >> 3);

export const inetCodec: FamilyCodec<'inet'> = {
  afi: AFI_IPV4,
  safi: SAFI_UNICAST,
  name: 'inet',
  nextHopLengths: [4],
  decodeNextHop: (r) => r.u32(),
  encodeNextHop: (nh, w) => w.u32(ipv4NextHop(nh)),
  decodeNlri,
  encodeNlri: encodePrefix,
  nlriLength: prefixLength,
  encodeWithdrawn: encodePrefix,
  withdrawnLength: prefixLength,
};
