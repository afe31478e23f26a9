/**
 * ORIGINATOR_ID (type 9), optional non-transitive, iBGP only. RFC 4456 §8;
 * RFC 7606 §7.9: length ≠ 4 → TaW; from eBGP → discard (attribute-list decoder).
 */

import { ATTR_ORIGINATOR_ID, FLAG_OPTIONAL } from '../types.js';
import type { AttrCodec } from './codec.js';
import { expectLength } from './common.js';

export const originatorIdCodec: AttrCodec<'originatorId'> = {
  code: ATTR_ORIGINATOR_ID,
  name: 'ORIGINATOR_ID',
  flags: FLAG_OPTIONAL,
  slot: 'originatorId',
  ibgpOnly: true,
  decode(r) {
    return expectLength(r, 4, ATTR_ORIGINATOR_ID, 'ORIGINATOR_ID') ?? r.u32();
  },
  encode(v, w) {
    w.u32(v);
  },
};
