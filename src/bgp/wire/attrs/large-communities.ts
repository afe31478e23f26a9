/** LARGE_COMMUNITY (type 32), optional transitive. RFC 8092 §5: length not a non-zero multiple of 12 → TaW. */

import type { LargeCommunity } from '../types.js';
import { ATTR_LARGE_COMMUNITY, FLAG_OPTIONAL, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { expectMultiple } from './common.js';

export const largeCommunitiesCodec: AttrCodec<'largeCommunities'> = {
  code: ATTR_LARGE_COMMUNITY,
  name: 'LARGE_COMMUNITY',
  flags: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  slot: 'largeCommunities',
  omitEmpty: true,
  decode(r) {
    const bad = expectMultiple(r, 12, ATTR_LARGE_COMMUNITY, 'LARGE_COMMUNITY');
    if (bad) return bad;
    const n = r.remaining / 12;
    const out = new Array<LargeCommunity>(n);
    for (let i = 0; i < n; i++) out[i] = { global: r.u32(), local1: r.u32(), local2: r.u32() };
    return out;
  },
  encode(v, w) {
    for (const c of v) {
      w.u32(c.global);
      w.u32(c.local1);
      w.u32(c.local2);
    }
  },
};
