/**
 * ROUTE-REFRESH, RFC 2918 §3 and RFC 7313 §3: AFI(2) subtype(1) SAFI(1)
 * (subtype 0 = request, 1 = BoRR, 2 = EoRR). RFC 7313 §5: any other length
 * → NOTIFICATION 7/1 with the whole message as data. A request for a family
 * that was not negotiated is the session's to ignore.
 */

import type { Decoded, RouteRefreshMessage } from '../types.js';
import { MSG_ROUTE_REFRESH } from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ERR_ROUTE_REFRESH, RR_INVALID_LENGTH, fault } from '../faults.js';
import { beginMessage, finishMessage } from './header.js';

/** Decode the body in `r`; `message` is the whole message (for the fault data). */
export function decodeRouteRefresh(r: Reader, message: Uint8Array): Decoded<RouteRefreshMessage> {
  if (r.remaining !== 4) {
    const f = fault('reset', ERR_ROUTE_REFRESH, RR_INVALID_LENGTH, `ROUTE-REFRESH body length ${r.remaining} is not 4`, {
      data: message.slice(),
    });
    return { value: undefined, faults: [f] };
  }
  const afi = r.u16();
  const subtype = r.u8();
  const safi = r.u8();
  return { value: { type: 'route-refresh', afi, safi, subtype }, faults: [] };
}

export function encodeRouteRefresh(msg: RouteRefreshMessage, w: Writer): void {
  const start = beginMessage(w, MSG_ROUTE_REFRESH);
  w.u16(msg.afi);
  w.u8(msg.subtype);
  w.u8(msg.safi);
  finishMessage(w, start);
}
