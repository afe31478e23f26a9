/** COMMUNITIES (type 8), optional transitive. RFC 1997; RFC 7606 §7.8: length not a non-zero multiple of 4 → TaW. */

import { ATTR_COMMUNITIES, FLAG_OPTIONAL, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { expectMultiple, readU32List } from './common.js';

export const communitiesCodec: AttrCodec<'communities'> = {
  code: ATTR_COMMUNITIES,
  name: 'COMMUNITIES',
  flags: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  slot: 'communities',
  omitEmpty: true,
  decode(r) {
    return expectMultiple(r, 4, ATTR_COMMUNITIES, 'COMMUNITIES') ?? readU32List(r);
  },
  encode(v, w) {
    for (const c of v) w.u32(c);
  },
};
