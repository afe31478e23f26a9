/**
 * MP_REACH_NLRI (type 14), optional non-transitive. RFC 4760 §3; RFC 7606
 * §7.11 (next-hop length must fit the family, else the NLRI cannot be
 * located reliably). Layout: AFI(2) SAFI(1) NH-len(1) NH Reserved(1) NLRI.
 * The reserved byte (RFC 2858 SNPA count) is ignored on receipt.
 */

import type { MpReach } from '../types.js';
import { ATTR_MP_REACH, FLAG_OPTIONAL } from '../types.js';
import type { AttrCodec } from './codec.js';
import { isFault } from '../faults.js';
import { mpDisable, readFamily, requireFamily } from './mp-common.js';

export const mpReachCodec: AttrCodec<'mpReach'> = {
  code: ATTR_MP_REACH,
  name: 'MP_REACH_NLRI',
  flags: FLAG_OPTIONAL,
  slot: 'mpReach',
  decode(r) {
    const fam = readFamily(r, ATTR_MP_REACH, 'MP_REACH_NLRI');
    if (isFault(fam)) return fam;
    const nhLen = r.u8();
    if (r.overrun) return mpDisable(ATTR_MP_REACH, fam, 'MP_REACH_NLRI truncated before the next hop');
    if (!fam.nextHopLengths.includes(nhLen)) {
      const want = fam.nextHopLengths.join(' or ');
      return mpDisable(ATTR_MP_REACH, fam, `MP_REACH_NLRI next-hop length ${nhLen} is not ${want} for ${fam.name}`);
    }
    if (r.remaining < nhLen + 1) return mpDisable(ATTR_MP_REACH, fam, 'MP_REACH_NLRI truncated in the next hop');
    const nextHop = fam.decodeNextHop(r.sub(nhLen));
    r.skip(1);
    const nlri = fam.decodeNlri(r);
    if (typeof nlri === 'string') return mpDisable(ATTR_MP_REACH, fam, `MP_REACH_NLRI: ${nlri}`);
    return { afi: fam.afi, safi: fam.safi, family: fam.name, nextHop, nlri } as MpReach;
  },
  encode(v, w) {
    const fam = requireFamily(v.afi, v.safi);
    w.u16(v.afi);
    w.u8(v.safi);
    w.u8(fam.nextHopLengths[0] as number);
    fam.encodeNextHop(v.nextHop, w);
    w.u8(0);
    for (const p of v.nlri) fam.encodeNlri(p, w);
  },
};
