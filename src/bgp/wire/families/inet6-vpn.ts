/**
 * VPN-IPv6 (AFI 2 / SAFI 128) NLRI: RFC 4659 §3.2, the labeled layout of
 * labeled.ts with a 128-bit address. The MP_REACH next hop is an 8-byte
 * zero RD and an IPv6 address (24 bytes), or that plus an RD and a
 * link-local address (48 bytes); over an IPv4 network the address is
 * IPv4-mapped, ::ffff:a.b.c.d (RFC 4659 §3.2.1.2). The link-local part is
 * not kept: a route reflector passes on the global next hop only.
 */

import type { Vpn6Prefix } from '../types.js';
import { AFI_IPV6, SAFI_MPLS_VPN } from '../types.js';
import { ipv6NextHop, readNextHop6, type FamilyCodec } from './codec.js';
import { readAddress6, writeAddress6 } from './addr6.js';
import { decodeLabeled, encodeLabelsAndRd, labeledLength, NO_LABELS, type LabeledAddress } from './labeled.js';

const V6: LabeledAddress<Vpn6Prefix> = {
  what: 'VPN-IPv6',
  maxBits: 128,
  make: (labels, rd, buf, p, bits) => ({ family: 'inet6-vpn', labels, rd, addr: readAddress6(buf, p, bits), len: bits }),
};

export const inet6VpnCodec: FamilyCodec<'inet6-vpn'> = {
  afi: AFI_IPV6,
  safi: SAFI_MPLS_VPN,
  name: 'inet6-vpn',
  nextHopLengths: [24, 48],
  decodeNextHop(r) {
    r.skip(8);
    return readNextHop6(r);
  },
  encodeNextHop(nh, w) {
    w.u64(0n);
    const a = ipv6NextHop(nh);
    w.u64(a >> 64n);
    w.u64(a & 0xffff_ffff_ffff_ffffn);
  },
  decodeNlri: (r, withdrawal = false) => decodeLabeled(V6, r, withdrawal),
  encodeNlri(p, w) {
    encodeLabelsAndRd(p.labels, p.rd, p.len, w);
    writeAddress6(p.addr, p.len, w);
  },
  nlriLength: (p) => labeledLength(p.labels, p.len),
  // RFC 8277 §2.4: the compatibility field instead of the labels, no copy of the NLRI made.
  encodeWithdrawn(p, w) {
    encodeLabelsAndRd(NO_LABELS, p.rd, p.len, w);
    writeAddress6(p.addr, p.len, w);
  },
  withdrawnLength: (p) => labeledLength(NO_LABELS, p.len),
};
