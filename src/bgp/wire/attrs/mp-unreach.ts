/**
 * MP_UNREACH_NLRI (type 15), optional non-transitive. RFC 4760 §4;
 * RFC 7606 §7.11 / §5.3. Layout: AFI(2) SAFI(1) withdrawn NLRI. With no
 * NLRI it is an End-of-RIB marker (RFC 4724 §2).
 */

import type { MpUnreach } from '../types.js';
import { ATTR_MP_UNREACH, FLAG_OPTIONAL } from '../types.js';
import type { AttrCodec } from './codec.js';
import { isFault } from '../faults.js';
import { mpDisable, readFamily, requireFamily } from './mp-common.js';

export const mpUnreachCodec: AttrCodec<'mpUnreach'> = {
  code: ATTR_MP_UNREACH,
  name: 'MP_UNREACH_NLRI',
  flags: FLAG_OPTIONAL,
  slot: 'mpUnreach',
  decode(r) {
    const fam = readFamily(r, ATTR_MP_UNREACH, 'MP_UNREACH_NLRI');
    if (isFault(fam)) return fam;
    const nlri = fam.decodeNlri(r, true);
    if (typeof nlri === 'string') return mpDisable(ATTR_MP_UNREACH, fam, `MP_UNREACH_NLRI: ${nlri}`);
    return { afi: fam.afi, safi: fam.safi, family: fam.name, nlri } as MpUnreach;
  },
  encode(v, w) {
    const fam = requireFamily(v.afi, v.safi);
    w.u16(v.afi);
    w.u8(v.safi);
    for (const p of v.nlri) fam.encodeWithdrawn(p, w);
  },
};
