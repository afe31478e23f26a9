/** ORIGIN (type 1), well-known mandatory. RFC 4271 §5.1.1; RFC 7606 §7.1: bad length or value → TaW. */

import type { AttrCodec } from './codec.js';
import { ATTR_ORIGIN, FLAG_TRANSITIVE, ORIGIN_INCOMPLETE } from '../types.js';
import { UPD_INVALID_ORIGIN } from '../faults.js';
import { expectLength, withdraw } from './common.js';

export const originCodec: AttrCodec<'origin'> = {
  code: ATTR_ORIGIN,
  name: 'ORIGIN',
  flags: FLAG_TRANSITIVE,
  slot: 'origin',
  decode(r) {
    const bad = expectLength(r, 1, ATTR_ORIGIN, 'ORIGIN');
    if (bad) return bad;
    const v = r.u8();
    if (v > ORIGIN_INCOMPLETE) return withdraw(ATTR_ORIGIN, UPD_INVALID_ORIGIN, `ORIGIN value ${v} is undefined`);
    return v;
  },
  encode(v, w) {
    w.u8(v);
  },
};
