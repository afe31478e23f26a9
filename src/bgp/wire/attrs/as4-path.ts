/**
 * AS4_PATH (type 17), optional transitive. RFC 6793 §3, §6: always 4-octet
 * ASNs; a malformed AS4_PATH is discarded (attribute discard), and
 * confederation segments in it are dropped. Merged into asPath on 2-octet
 * sessions by as4.ts.
 */

import { AS_CONFED_SEQUENCE, AS_CONFED_SET, ATTR_AS4_PATH, FLAG_OPTIONAL, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { UPD_MALFORMED_AS_PATH } from '../faults.js';
import { discard } from './common.js';
import { decodeSegments, encodeSegments } from './as-path.js';

export const as4PathCodec: AttrCodec<'as4Path'> = {
  code: ATTR_AS4_PATH,
  name: 'AS4_PATH',
  flags: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  slot: 'as4Path',
  decode(r) {
    const segs = decodeSegments(r, 4);
    if (typeof segs === 'string') return discard(ATTR_AS4_PATH, UPD_MALFORMED_AS_PATH, `AS4_PATH ${segs}`);
    return segs.filter((s) => s.type !== AS_CONFED_SEQUENCE && s.type !== AS_CONFED_SET);
  },
  encode(v, w) {
    encodeSegments(v, w, 4);
  },
};
