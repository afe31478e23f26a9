/**
 * CLUSTER_LIST (type 10), optional non-transitive, iBGP only. RFC 4456 §8;
 * RFC 7606 §7.10: length not a non-zero multiple of 4 → TaW; from eBGP →
 * discard (attribute-list decoder).
 */

import { ATTR_CLUSTER_LIST, FLAG_OPTIONAL } from '../types.js';
import type { AttrCodec } from './codec.js';
import { expectMultiple, readU32List } from './common.js';

export const clusterListCodec: AttrCodec<'clusterList'> = {
  code: ATTR_CLUSTER_LIST,
  name: 'CLUSTER_LIST',
  flags: FLAG_OPTIONAL,
  slot: 'clusterList',
  ibgpOnly: true,
  omitEmpty: true,
  decode(r) {
    return expectMultiple(r, 4, ATTR_CLUSTER_LIST, 'CLUSTER_LIST') ?? readU32List(r);
  },
  encode(v, w) {
    for (const c of v) w.u32(c);
  },
};
