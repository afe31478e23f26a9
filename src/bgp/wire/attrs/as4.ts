/**
 * 2-octet / 4-octet AS path reconciliation, RFC 6793 §4.2.
 *
 * Decode (§4.2.3, 2-octet session): if AGGREGATOR carries an ASN other than
 * AS_TRANS, AS4_PATH and AS4_AGGREGATOR are ignored. Otherwise AS4_AGGREGATOR
 * replaces AGGREGATOR, and when AS_PATH holds at least as many ASNs as
 * AS4_PATH, the leading ASNs of AS_PATH (those added by 2-octet speakers,
 * plus adjacent confederation segments) are prepended to AS4_PATH; an
 * AS_SEQUENCE cut at the boundary is joined back into one segment.
 *
 * Encode (§4.2.2): AS_PATH carries AS_TRANS for large ASNs (as-path.ts);
 * AS4_PATH (without confederation segments) and AS4_AGGREGATOR are added
 * only when some ASN does not fit in two octets.
 */

import type { Aggregator, AsPathSegment, PathAttributes } from '../types.js';
import { AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SEQUENCE, AS_SET } from '../types.js';
import { AS_TRANS } from './as-path.js';

function isConfed(type: number): boolean {
  return type === AS_CONFED_SEQUENCE || type === AS_CONFED_SET;
}

/** RFC 4271 §9.1.2.2 path length: a set counts 1, confederation segments 0. */
export function pathLength(segs: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segs) {
    if (s.type === AS_SET) n += 1;
    else if (!isConfed(s.type)) n += s.asns.length;
  }
  return n;
}

function mergePaths(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): readonly AsPathSegment[] {
  let need = pathLength(asPath) - pathLength(as4Path);
  if (need < 0) return asPath;
  const out: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (isConfed(seg.type)) {
      out.push(seg);
      continue;
    }
    if (need === 0) break;
    if (seg.type === AS_SET) {
      out.push(seg);
      need -= 1;
    } else {
      const k = Math.min(need, seg.asns.length);
      out.push(k === seg.asns.length ? seg : { type: seg.type, asns: seg.asns.slice(0, k) });
      need -= k;
    }
  }
  return joinPaths(out, as4Path);
}

/** out + tail, joining an AS_SEQUENCE split at the boundary back into one segment. */
function joinPaths(out: AsPathSegment[], tail: readonly AsPathSegment[]): readonly AsPathSegment[] {
  if (out.length === 0) return tail;
  const last = out[out.length - 1] as AsPathSegment;
  const first = tail[0];
  if (first !== undefined && last.type === AS_SEQUENCE && first.type === AS_SEQUENCE && last.asns.length + first.asns.length <= 255) {
    out[out.length - 1] = { type: AS_SEQUENCE, asns: last.asns.concat(first.asns) };
    return out.concat(tail.slice(1));
  }
  return out.concat(tail);
}

/** Fold AS4_PATH / AS4_AGGREGATOR into attrs (2-octet sessions only). */
export function mergeAs4(
  attrs: { asPath?: readonly AsPathSegment[]; aggregator?: Aggregator },
  as4Path: readonly AsPathSegment[] | undefined,
  as4Aggregator: Aggregator | undefined,
): void {
  const agg = attrs.aggregator;
  if (agg !== undefined && agg.asn !== AS_TRANS) return;
  if (agg !== undefined && as4Aggregator !== undefined) attrs.aggregator = as4Aggregator;
  if (as4Path !== undefined && attrs.asPath !== undefined) attrs.asPath = mergePaths(attrs.asPath, as4Path);
}

function hasLargeAsn(segs: readonly AsPathSegment[]): boolean {
  for (const s of segs) for (const a of s.asns) if (a > 0xffff) return true;
  return false;
}

/** The AS4_* attributes to send with attrs to a 2-octet peer. */
export function splitAs4(attrs: PathAttributes): { as4Path?: readonly AsPathSegment[]; as4Aggregator?: Aggregator } {
  const out: { as4Path?: readonly AsPathSegment[]; as4Aggregator?: Aggregator } = {};
  if (attrs.asPath !== undefined && hasLargeAsn(attrs.asPath)) {
    out.as4Path = attrs.asPath.filter((s) => !isConfed(s.type));
  }
  if (attrs.aggregator !== undefined && attrs.aggregator.asn > 0xffff) out.as4Aggregator = attrs.aggregator;
  return out;
}
