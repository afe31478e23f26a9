/**
 * IPv6 unicast (AFI 2 / SAFI 1) NLRI, RFC 4760 §5 prefixes with a 128-bit
 * address (RFC 2545). The MP_REACH next hop is a global IPv6 address (16
 * bytes), or global + link-local (32 bytes, RFC 2545 §3); the link-local
 * part is not kept. An IPv4-mapped next hop (::ffff:a.b.c.d) is held as
 * its IPv4 address.
 */

import type { Ipv6Prefix } from '../types.js';
import { AFI_IPV6, SAFI_UNICAST } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ipv6NextHop, readNextHop6, type FamilyCodec } from './codec.js';
import { readAddress6, writeAddress6 } from './addr6.js';

function decodeNlri(r: Reader): Ipv6Prefix[] | string {
  const out: Ipv6Prefix[] = [];
  const buf = r.buf;
  const end = r.end;
  let p = r.pos;
  while (p < end) {
    const len = buf[p] as number;
    if (len > 128) return `IPv6 prefix length ${len} exceeds 128`;
    const n = (len + 7) >> 3;
    if (p + 1 + n > end) return `IPv6 prefix /${len} overruns its field`;
    out.push({ family: 'inet6', addr: readAddress6(buf, p + 1, len), len });
    p += 1 + n;
  }
  r.pos = p;
  return out;
}

function encodePrefix(p: Ipv6Prefix, w: Writer): void {
  w.u8(p.len);
  writeAddress6(p.addr, p.len, w);
}

const prefixLength = (p: Ipv6Prefix): number => 1 + ((p.len + 7) >> 3);

export const inet6Codec: FamilyCodec<'inet6'> = {
  afi: AFI_IPV6,
  safi: SAFI_UNICAST,
  name: 'inet6',
  nextHopLengths: [16, 32],
  decodeNextHop: readNextHop6,
  encodeNextHop(nh, w) {
    const a = ipv6NextHop(nh);
    w.u64(a >> 64n);
    w.u64(a & 0xffff_ffff_ffff_ffffn);
  },
  decodeNlri,
  encodeNlri: encodePrefix,
  nlriLength: prefixLength,
  encodeWithdrawn: encodePrefix,
  withdrawnLength: prefixLength,
};
