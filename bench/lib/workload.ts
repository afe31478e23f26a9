/**
 * The injector's workload, pre-encoded with our codec before the clock
 * starts: N IPv4-VPN routes as Contrail would reflect them from vRouters.
 *
 * Routes are grouped in units of `perSet` (default 100, i.e. about one
 * attribute set per 100 routes). A unit is one VRF on one compute node:
 * its own RD (type 1, <compute-ip>:<vn>), next hop (the compute node,
 * 198.18.0.0/15 — an attribute value only, never a destination), a route
 * target per VN (target:<asn>:8000001+vn) and two encapsulation extended
 * communities (MPLSoGRE, MPLSoUDP). Route i is the /32 10.0.0.0 + i with its
 * own MPLS label, so every NLRI is distinct and the sinks can key on the
 * prefix alone. UPDATEs are packed with packUpdates (all NLRI of a unit in
 * as few 4096-byte messages as fit), withdrawals with packWithdrawals.
 */

import {
  encapsulationCommunity, encodeEndOfRib, encodePathAttributes, makeRd, packUpdates, packWithdrawals,
  parseRouteTarget, TUNNEL_TYPES, type PathAttributes, type VpnPrefix,
} from '../../src/bgp/wire/index.js';
import { CTX } from './bgp-peer.js';

export const PREFIX_BASE = 0x0a000000; // 10.0.0.0
export const NEXT_HOP_BASE = 0xc6120000; // 198.18.0.0
const VPN = { afi: 1, safi: 128 };

export interface Workload {
  n: number;
  perSet: number;
  attributeSets: number;
  announce: Buffer;
  withdraw: Buffer;
  announceUpdates: number;
  withdrawUpdates: number;
  buildSeconds: number;
}

/**
 * `o.rtBase`: the route target of VN v is target:<asn>:<rtBase + v>. The
 * default collides with control-node's automatic targets of instances 1-4
 * (8000000 + id), harmless in the BGP part (no instances). `o.prefixBase`:
 * the first /32. The mixed XMPP scenario passes a target base no instance
 * imports and prefixes apart from the agents' 10/8, since an agent's VPN
 * route (RD <compute>:<instance id>) could otherwise be the very NLRI of an
 * injected one (RD <compute>:<vn>) and lose to it.
 */
export function buildWorkload(
  n: number, asn: number, perSet = 100, o: { vnsPerNode?: number; rtBase?: number; prefixBase?: number } = {},
): Workload {
  const vnsPerNode = o.vnsPerNode ?? 4;
  const rtBase = o.rtBase ?? 8_000_001;
  const prefixBase = o.prefixBase ?? PREFIX_BASE;
  if (n < 1 || n >= 1 << 24) throw new RangeError('routes must be 1 .. 16777215');
  const t0 = process.hrtime.bigint();
  const units = Math.ceil(n / perSet);
  const encaps = [encapsulationCommunity(TUNNEL_TYPES.gre!)!, encapsulationCommunity(TUNNEL_TYPES.udp!)!];
  const ann: Uint8Array[] = [];
  const wd: Uint8Array[] = [];
  for (let u = 0; u < units; u++) {
    const node = Math.floor(u / vnsPerNode);
    const vn = u % vnsPerNode;
    const nextHop = NEXT_HOP_BASE + 1 + node;
    if (nextHop > 0xc613fffe) throw new RangeError('too many compute nodes for 198.18.0.0/15: raise perSet');
    const rd = makeRd(1, nextHop, vn + 1);
    const rt = parseRouteTarget(`target:${asn}:${rtBase + vn}`)!;
    const attrs: PathAttributes = {
      origin: 0, asPath: [], localPref: 100, extCommunities: [rt, ...encaps].sort((a, b) => (a < b ? -1 : 1)),
    };
    const nlri: VpnPrefix[] = [];
    for (let i = u * perSet; i < Math.min(n, (u + 1) * perSet); i++) {
      nlri.push({ family: 'inet-vpn' as const, labels: [16 + (i % 1_000_000)], rd, addr: prefixBase + i, len: 32 });
    }
    ann.push(...packUpdates(VPN, encodePathAttributes(attrs, CTX), nextHop, nlri, CTX));
    wd.push(...packWithdrawals(VPN, nlri, CTX));
  }
  ann.push(encodeEndOfRib(VPN));
  return {
    n, perSet, attributeSets: units,
    announce: Buffer.concat(ann), withdraw: Buffer.concat(wd),
    announceUpdates: ann.length - 1, withdrawUpdates: wd.length,
    buildSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}
