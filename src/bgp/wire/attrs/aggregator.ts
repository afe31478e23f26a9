/**
 * AGGREGATOR (type 7), optional transitive. RFC 4271 §5.1.7, RFC 6793 §3:
 * 6 bytes (2-octet AS) or 8 bytes on 4-octet sessions. RFC 7606 §7.7:
 * wrong length → discard. On 2-octet sessions an ASN above 65535 is written
 * as AS_TRANS and carried in AS4_AGGREGATOR (see as4.ts).
 */

import { ATTR_AGGREGATOR, FLAG_OPTIONAL, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { UPD_ATTR_LENGTH } from '../faults.js';
import { discard } from './common.js';
import { AS_TRANS } from './as-path.js';

export const aggregatorCodec: AttrCodec<'aggregator'> = {
  code: ATTR_AGGREGATOR,
  name: 'AGGREGATOR',
  flags: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  slot: 'aggregator',
  decode(r, ctx) {
    const want = ctx.fourOctetAs ? 8 : 6;
    if (r.remaining !== want) return discard(ATTR_AGGREGATOR, UPD_ATTR_LENGTH, `AGGREGATOR length ${r.remaining} is not ${want}`);
    const asn = ctx.fourOctetAs ? r.u32() : r.u16();
    return { asn, address: r.u32() };
  },
  encode(v, w, ctx) {
    if (ctx.fourOctetAs) w.u32(v.asn);
    else w.u16(v.asn > 0xffff ? AS_TRANS : v.asn);
    w.u32(v.address);
  },
};
