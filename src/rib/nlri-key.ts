/**
 * Compact route keys per family: no per-route strings on the hot path.
 * inet: a number (addr·64 + len); inet-vpn and route-target: a bigint built
 * from the NLRI's fields. Labels are path data, not part of the key.
 */

import type { Ipv4Prefix, RtMembership, VpnPrefix } from '../bgp/wire/types.js';
import type { Nlri, RouteKey } from './types.js';

// Defined in types.ts (Dest holds one) so that types.ts need not import this module.
export type { RouteKey } from './types.js';

export const inetKey = (p: Ipv4Prefix): number => p.addr * 64 + p.len;

export const vpnKey = (p: VpnPrefix): bigint => (p.rd << 38n) | BigInt(p.addr * 64 + p.len);

export const rtcKey = (p: RtMembership): bigint =>
  (BigInt(p.originAs) << 71n) | (p.target << 7n) | BigInt(p.len);

export type KeyFn<N extends Nlri> = (n: N) => RouteKey;
