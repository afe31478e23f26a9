/** MULTI_EXIT_DISC (type 4), optional non-transitive. RFC 4271 §5.1.4; RFC 7606 §7.4: length ≠ 4 → TaW. */

import { ATTR_MED, FLAG_OPTIONAL } from '../types.js';
import type { AttrCodec } from './codec.js';
import { expectLength } from './common.js';

export const medCodec: AttrCodec<'med'> = {
  code: ATTR_MED,
  name: 'MULTI_EXIT_DISC',
  flags: FLAG_OPTIONAL,
  slot: 'med',
  decode(r) {
    return expectLength(r, 4, ATTR_MED, 'MULTI_EXIT_DISC') ?? r.u32();
  },
  encode(v, w) {
    w.u32(v);
  },
};
