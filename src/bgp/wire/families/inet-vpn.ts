/**
 * VPN-IPv4 (AFI 1 / SAFI 128) NLRI: RFC 4364 §4.3.4 with RFC 8277 label
 * stacks; the layout is in labeled.ts. The MP_REACH next hop is an 8-byte
 * zero RD and an IPv4 address (RFC 4364 §4.3.2).
 */

import type { VpnPrefix } from '../types.js';
import { AFI_IPV4, SAFI_MPLS_VPN } from '../types.js';
import { ipv4NextHop, type FamilyCodec } from './codec.js';
import { readAddress, writeAddress } from './inet.js';
import { decodeLabeled, encodeLabelsAndRd, labeledLength, NO_LABELS, type LabeledAddress } from './labeled.js';

export { WITHDRAW_LABEL } from './labeled.js';

const V4: LabeledAddress<VpnPrefix> = {
  what: 'VPN',
  maxBits: 32,
  make: (labels, rd, buf, p, bits) => ({ family: 'inet-vpn', labels, rd, addr: readAddress(buf, p, bits), len: bits }),
};

export const inetVpnCodec: FamilyCodec<'inet-vpn'> = {
  afi: AFI_IPV4,
  safi: SAFI_MPLS_VPN,
  name: 'inet-vpn',
  nextHopLengths: [12],
  decodeNextHop(r) {
    r.skip(8);
    return r.u32();
  },
  encodeNextHop(nh, w) {
    w.u32(0);
    w.u32(0);
    w.u32(ipv4NextHop(nh));
  },
  decodeNlri: (r, withdrawal = false) => decodeLabeled(V4, r, withdrawal),
  encodeNlri(p, w) {
    encodeLabelsAndRd(p.labels, p.rd, p.len, w);
    writeAddress(p.addr, p.len, w);
  },
  nlriLength: (p) => labeledLength(p.labels, p.len),
  // RFC 8277 §2.4: the compatibility field instead of the labels, no copy of the NLRI made.
  encodeWithdrawn(p, w) {
    encodeLabelsAndRd(NO_LABELS, p.rd, p.len, w);
    writeAddress(p.addr, p.len, w);
  },
  withdrawnLength: (p) => labeledLength(NO_LABELS, p.len),
};
