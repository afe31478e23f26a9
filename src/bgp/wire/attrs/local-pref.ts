/**
 * LOCAL_PREF (type 5), well-known, iBGP only. RFC 4271 §5.1.5; RFC 7606
 * §7.5: from an eBGP peer → discard (done by the attribute-list decoder);
 * length ≠ 4 → TaW.
 */

import { ATTR_LOCAL_PREF, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { expectLength } from './common.js';

export const localPrefCodec: AttrCodec<'localPref'> = {
  code: ATTR_LOCAL_PREF,
  name: 'LOCAL_PREF',
  flags: FLAG_TRANSITIVE,
  slot: 'localPref',
  ibgpOnly: true,
  decode(r) {
    return expectLength(r, 4, ATTR_LOCAL_PREF, 'LOCAL_PREF') ?? r.u32();
  },
  encode(v, w) {
    w.u32(v);
  },
};
