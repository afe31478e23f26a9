/**
 * NEXT_HOP (type 3), well-known (mandatory only with classic NLRI).
 * RFC 4271 §5.1.3, §6.3; RFC 7606 §7.3: length ≠ 4 → TaW. A semantically
 * impossible next hop (0.0.0.0, 127/8, multicast or class E) means the route
 * is ignored, which is treat-as-withdraw too (subcode 8). Checks needing
 * session knowledge (the receiver's own address) belong to the session.
 */

import { ATTR_NEXT_HOP, FLAG_TRANSITIVE } from '../types.js';
import type { AttrCodec } from './codec.js';
import { UPD_INVALID_NEXT_HOP } from '../faults.js';
import { expectLength, withdraw } from './common.js';
import { ipv4ToString } from '../format.js';

function martian(a: number): boolean {
  return a === 0 || a >>> 24 === 127 || a >>> 28 >= 0xe;
}

export const nextHopCodec: AttrCodec<'nextHop'> = {
  code: ATTR_NEXT_HOP,
  name: 'NEXT_HOP',
  flags: FLAG_TRANSITIVE,
  slot: 'nextHop',
  decode(r) {
    const bad = expectLength(r, 4, ATTR_NEXT_HOP, 'NEXT_HOP');
    if (bad) return bad;
    const a = r.u32();
    if (martian(a)) return withdraw(ATTR_NEXT_HOP, UPD_INVALID_NEXT_HOP, `NEXT_HOP ${ipv4ToString(a)} is not a unicast address`);
    return a;
  },
  encode(v, w) {
    w.u32(v);
  },
};
