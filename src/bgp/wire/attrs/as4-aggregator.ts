/** AS4_AGGREGATOR (type 18), optional transitive. RFC 6793 §3, §6: length ≠ 8 → discard. */

import { ATTR_AS4_AGGREGATOR, FLAG_OPTIONAL, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { UPD_ATTR_LENGTH } from '../faults.js';
import { discard } from './common.js';

export const as4AggregatorCodec: AttrCodec<'as4Aggregator'> = {
  code: ATTR_AS4_AGGREGATOR,
  name: 'AS4_AGGREGATOR',
  flags: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  slot: 'as4Aggregator',
  decode(r) {
    if (r.remaining !== 8) return discard(ATTR_AS4_AGGREGATOR, UPD_ATTR_LENGTH, `AS4_AGGREGATOR length ${r.remaining} is not 8`);
    return { asn: r.u32(), address: r.u32() };
  },
  encode(v, w) {
    w.u32(v.asn);
    w.u32(v.address);
  },
};
