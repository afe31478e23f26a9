/**
 * EXTENDED_COMMUNITIES (type 16), optional transitive. RFC 4360; RFC 7606
 * §7.14: length not a non-zero multiple of 8 → TaW. Each community is kept
 * as its raw 8 bytes in a bigint, so unknown types round-trip exactly.
 */

import { ATTR_EXT_COMMUNITIES, FLAG_OPTIONAL, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { expectMultiple } from './common.js';

export const extCommunitiesCodec: AttrCodec<'extCommunities'> = {
  code: ATTR_EXT_COMMUNITIES,
  name: 'EXTENDED_COMMUNITIES',
  flags: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  slot: 'extCommunities',
  omitEmpty: true,
  decode(r) {
    const bad = expectMultiple(r, 8, ATTR_EXT_COMMUNITIES, 'EXTENDED_COMMUNITIES');
    if (bad) return bad;
    const n = r.remaining >> 3;
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++) out[i] = r.u64();
    return out;
  },
  encode(v, w) {
    for (const c of v) w.u64(c);
  },
};
