/**
 * AS_PATH (type 2), well-known mandatory. RFC 4271 §4.3 / §5.1.2, RFC 6793
 * (2- or 4-octet ASNs per session), RFC 5065 (confederation segments).
 * RFC 7606 §7.2: segment overrun, 1-byte underrun, zero-length segment or
 * unknown segment type → TaW. An empty AS_PATH (iBGP) is valid.
 *
 * On a 2-octet session, ASNs above 65535 are written as AS_TRANS; the
 * attribute-list encoder adds AS4_PATH (see as4.ts).
 */

import type { AsPathSegment } from '../types.js';
import { AS_CONFED_SET, AS_SET, ATTR_AS_PATH, FLAG_TRANSITIVE } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { AttrCodec } from './codec.js';
import { UPD_MALFORMED_AS_PATH } from '../faults.js';
import { withdraw } from './common.js';

/** RFC 6793 §9: the 2-octet stand-in for a 4-octet ASN. */
export const AS_TRANS = 23456;

/** Decode path segments of `width`-byte ASNs; a string is the reason they are malformed. */
export function decodeSegments(r: Reader, width: 2 | 4): AsPathSegment[] | string {
  const segs: AsPathSegment[] = [];
  while (!r.atEnd) {
    if (r.remaining < 2) return 'segment header truncated (1 byte left)';
    const type = r.u8();
    const count = r.u8();
    if (type < AS_SET || type > AS_CONFED_SET) return `unknown segment type ${type}`;
    if (count === 0) return 'zero-length segment';
    if (r.remaining < count * width) return `segment of ${count} ASNs overruns the attribute`;
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) asns[i] = width === 4 ? r.u32() : r.u16();
    segs.push({ type, asns });
  }
  return segs;
}

/** Encode segments, splitting any longer than 255 ASNs; empty segments are skipped. */
export function encodeSegments(segs: readonly AsPathSegment[], w: Writer, width: 2 | 4): void {
  for (const seg of segs) {
    const asns = seg.asns;
    for (let start = 0; start < asns.length; start += 255) {
      const stop = Math.min(asns.length, start + 255);
      w.u8(seg.type);
      w.u8(stop - start);
      for (let i = start; i < stop; i++) {
        const asn = asns[i] as number;
        if (width === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

export const asPathCodec: AttrCodec<'asPath'> = {
  code: ATTR_AS_PATH,
  name: 'AS_PATH',
  flags: FLAG_TRANSITIVE,
  slot: 'asPath',
  decode(r, ctx) {
    const segs = decodeSegments(r, ctx.fourOctetAs ? 4 : 2);
    if (typeof segs === 'string') return withdraw(ATTR_AS_PATH, UPD_MALFORMED_AS_PATH, `AS_PATH ${segs}`);
    return segs;
  },
  encode(v, w, ctx) {
    encodeSegments(v, w, ctx.fourOctetAs ? 4 : 2);
  },
};
