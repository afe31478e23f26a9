/** ATOMIC_AGGREGATE (type 6), well-known discretionary. RFC 4271 §5.1.6; RFC 7606 §7.6: length ≠ 0 → discard. */

import { ATTR_ATOMIC_AGGREGATE, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { UPD_ATTR_LENGTH } from '../faults.js';
import { discard } from './common.js';

export const atomicAggregateCodec: AttrCodec<'atomicAggregate'> = {
  code: ATTR_ATOMIC_AGGREGATE,
  name: 'ATOMIC_AGGREGATE',
  flags: FLAG_TRANSITIVE,
  slot: 'atomicAggregate',
  decode(r) {
    if (r.remaining !== 0) return discard(ATTR_ATOMIC_AGGREGATE, UPD_ATTR_LENGTH, `ATOMIC_AGGREGATE length ${r.remaining} is not 0`);
    return true;
  },
  encode() {
    // Presence is the value: no bytes.
  },
};
