/**
 * Agent routes ↔ RIB paths, the Contrail way:
 * - an agent's inet item becomes a path in `<ri>.inet.0` with the attributes
 *   of shared/docs/contrail-control.md §3.1 and the extended communities of
 *   §3.2 (encapsulation, security groups, MAC mobility / sequence number);
 * - a destination's ECMP set becomes the one item pushed to agents (§2.7),
 *   next hops de-duplicated, virtual network resolved as §3.5 says.
 */

import {
  encapsulationCommunity,
  FAMILIES,
  ipv4ToString,
  ipv6ToString,
  makeRd,
  nlriToString,
  securityGroupCommunity,
  TUNNEL_TYPES,
} from '../bgp/wire/index.js';
import type { PathAttributes } from '../bgp/wire/types.js';
import type { Dest, Path } from '../rib/types.js';
import type { AgentInetRoute, OutInetItem, OutNextHop } from './wire/index.js';

/** RFC 1997 / RFC 9494 / RFC 7611 well-known communities by Contrail's names. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-reoriginate': 0xffff0000,
  'accept-own': 0xffff0001,
  'llgr-stale': 0xffff0006,
  'no-llgr': 0xffff0007,
  'accept-own-nexthop': 0xffff0008,
};
const COMMUNITY_NAMES = new Map(Object.entries(WELL_KNOWN_COMMUNITIES).map(([k, v]) => [v, k]));

const TUNNEL_NAMES = new Map<number, string>(Object.entries(TUNNEL_TYPES).map(([k, v]) => [v, k]));
const ENCAP_PREFIX = 0x030cn;
const SG_PREFIX = 0x8004n;
const MOBILITY_PREFIX = 0x0600n;
const ORIGIN_VN_PREFIX = 0x8071n;
const LOAD_BALANCE_PREFIX = 0x03aan;

/** Load-balance hash fields, most significant bit of byte 2 first (§3.2). */
const LB_FIELDS = ['l3-source-address', 'l3-destination-address', 'l4-protocol', 'l4-source-port', 'l4-destination-port'];

/**
 * The load-balance community 03:aa:<fields>:00:00:<source-bias bit>:00:00, or
 * undefined for the default (all five fields or none, field-hash), which
 * Contrail does not attach.
 */
export function loadBalanceCommunity(lb: { fields: readonly string[]; decision: string } | undefined): bigint | undefined {
  if (!lb) return undefined;
  const fields = new Set(lb.fields);
  const sourceBias = lb.decision === 'source-bias';
  const all = fields.size === 0 || LB_FIELDS.every((f) => fields.has(f));
  if (all && !sourceBias) return undefined;
  let bits = 0;
  LB_FIELDS.forEach((f, i) => {
    if (fields.size === 0 || fields.has(f)) bits |= 0x80 >> i;
  });
  return (LOAD_BALANCE_PREFIX << 48n) | (BigInt(bits) << 40n) | (sourceBias ? 0x80n << 16n : 0n);
}

/** The item's load-balance from a path's community, or undefined when it has none (default). */
export function loadBalanceOf(p: Path): { fields: string[]; decision: string } | undefined {
  for (const c of p.attrs.attrs.extCommunities ?? []) {
    if (c >> 48n !== LOAD_BALANCE_PREFIX) continue;
    const bits = Number((c >> 40n) & 0xffn);
    return {
      fields: LB_FIELDS.filter((_, i) => (bits & (0x80 >> i)) !== 0),
      decision: ((c >> 16n) & 0x80n) !== 0n ? 'source-bias' : 'field-hash',
    };
  }
  return undefined;
}

/** `asn:value` (both halves < 65535) or a well-known name; anything else is skipped (§3.1). */
export function parseCommunity(s: string): number | undefined {
  const known = WELL_KNOWN_COMMUNITIES[s];
  if (known !== undefined) return known;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  return hi < 65535 && lo < 65535 ? hi * 65536 + lo : undefined;
}

export function communityToString(c: number): string {
  return COMMUNITY_NAMES.get(c) ?? `${Math.floor(c / 65536)}:${c % 65536}`;
}

/** MED from the item, else derived from local-pref: 100→200, 200→100, x→2³²−1−x; none for 0 (§3.1). */
export function agentMed(localPref: number, med: number): number | undefined {
  if (med !== 0) return med;
  if (localPref === 0) return undefined;
  if (localPref === 100) return 200;
  if (localPref === 200) return 100;
  return 4294967295 - localPref;
}

export interface AgentPath {
  readonly attrs: PathAttributes;
  readonly labels: readonly number[];
  /** Source RD `<next-hop>:<instance-id>`; undefined in the master instance. */
  readonly rd: bigint | undefined;
  /** The agent listed encapsulations, none of them known (Contrail's NoTunnelEncap). */
  readonly noTunnelEncap: boolean;
}

/** The path an agent's item becomes in its instance table. */
export function agentPath(r: AgentInetRoute, o: { asn: number; master: boolean; instanceId: number }): AgentPath {
  const localPref = r.localPref !== 0 ? r.localPref : 100;
  const attrs: PathAttributes = { origin: 2, asPath: [], nextHop: r.nextHop.address, localPref };
  const med = agentMed(r.localPref, r.med);
  if (med !== undefined) attrs.med = med;
  const communities = r.communities.map(parseCommunity).filter((c): c is number => c !== undefined);
  if (communities.length > 0) attrs.communities = [...new Set(communities)].sort((a, b) => a - b);
  let noTunnelEncap = false;
  if (!o.master) {
    const ecs = new Set<bigint>();
    const known = r.nextHop.encapsulations.filter((e) => TUNNEL_TYPES[e] !== undefined);
    noTunnelEncap = r.nextHop.encapsulations.length > 0 && known.length === 0;
    for (const e of known) ecs.add(encapsulationCommunity(TUNNEL_TYPES[e]!));
    for (const sg of r.securityGroups) ecs.add(securityGroupCommunity(o.asn, sg));
    const lb = loadBalanceCommunity(r.loadBalance);
    if (lb !== undefined) ecs.add(lb);
    const seq = r.mobility?.seqno ?? r.sequenceNumber;
    if (seq !== 0 || r.mobility?.sticky) {
      ecs.add((MOBILITY_PREFIX << 48n) | ((r.mobility?.sticky ? 1n : 0n) << 40n) | BigInt(seq >>> 0));
    }
    if (ecs.size > 0) attrs.extCommunities = [...ecs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return {
    attrs,
    labels: [r.nextHop.label],
    rd: o.master ? undefined : makeRd(1, r.nextHop.address, o.instanceId & 0xffff),
    noTunnelEncap,
  };
}

/** Tunnel encapsulation names of a path (`mpls-o-gre` shown as `gre`), sorted, unique. */
export function encapsulationsOf(p: Path): string[] {
  const names = new Set<string>();
  for (const c of p.attrs.attrs.extCommunities ?? []) {
    if (c >> 48n !== ENCAP_PREFIX) continue;
    const name = TUNNEL_NAMES.get(Number(c & 0xffffn)) ?? String(Number(c & 0xffffn));
    names.add(name === 'mpls-o-gre' ? 'gre' : name);
  }
  if (names.size === 0 && (p.labels[0] ?? 0) !== 0) names.add('gre');
  return [...names].sort();
}

/** The origin-VN index carried by a path, or 0. */
export function originVnIndex(p: Path): number {
  for (const c of p.attrs.attrs.extCommunities ?? []) if (c >> 48n === ORIGIN_VN_PREFIX) return Number(c & 0xffffffffn);
  return 0;
}

/** What the item builder needs to name virtual networks. */
export interface VnResolver {
  /** Virtual network of a path in the given instance (§3.5), or 'unresolved'. */
  networkOf(p: Path): string;
}

/** The item for a destination, or undefined when it must be retracted. */
export function outItem(dest: Dest, vn: VnResolver, localAsn: number): OutInetItem | undefined {
  if (dest.ecmpCount === 0) return undefined;
  const best = dest.paths[0]!;
  const nextHops: OutNextHop[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < dest.ecmpCount; i++) {
    const p = dest.paths[i]!;
    const a = p.attrs.attrs;
    const v6 = a.nextHop === undefined && a.nextHop6 !== undefined;
    const nh: OutNextHop = {
      af: v6 ? 2 : 1,
      address: v6 ? ipv6ToString(a.nextHop6!) : ipv4ToString(a.nextHop ?? 0),
      label: p.labels[0] ?? 0,
      encapsulations: encapsulationsOf(p),
      virtualNetwork: vn.networkOf(p),
      tags: [],
    };
    const key = `${nh.af}|${nh.address}|${nh.label}|${nh.encapsulations.join(',')}|${nh.virtualNetwork}`;
    if (seen.has(key)) continue;
    seen.add(key);
    nextHops.push(nh);
  }
  const a = best.attrs.attrs;
  const mobility = mobilityOf(best);
  return {
    afi: FAMILIES[dest.nlri.family].afi,
    prefix: nlriToString(dest.nlri),
    nextHops,
    virtualNetwork: nextHops[0]!.virtualNetwork,
    localPref: a.localPref ?? 100,
    med: a.med ?? 0,
    sequenceNumber: mobility.seqno,
    mobility,
    securityGroups: securityGroupsOf(best, localAsn),
    communities: (a.communities ?? []).map(communityToString),
    loadBalance: loadBalanceOf(best),
  };
}

function mobilityOf(p: Path): { seqno: number; sticky: boolean } {
  for (const c of p.attrs.attrs.extCommunities ?? []) {
    if (c >> 48n === MOBILITY_PREFIX) return { seqno: Number(c & 0xffffffffn), sticky: ((c >> 40n) & 1n) === 1n };
  }
  return { seqno: 0, sticky: false };
}

/** Security groups of our AS, or in the global range 1..7999999 (§2.7). */
function securityGroupsOf(p: Path, localAsn: number): number[] {
  const out: number[] = [];
  for (const c of p.attrs.attrs.extCommunities ?? []) {
    if (c >> 48n !== SG_PREFIX) continue;
    const asn = Number((c >> 32n) & 0xffffn);
    const id = Number(c & 0xffffffffn);
    if (asn === localAsn || (id >= 1 && id < 8_000_000)) out.push(id);
  }
  return out;
}

/** The instances as VN resolution sees them. */
export interface InstanceView {
  readonly virtualNetwork: string;
  readonly vnIndex: number;
  readonly importTargets: ReadonlySet<bigint>;
  readonly exportTargets: ReadonlySet<bigint>;
}

/**
 * §3.5: a path's virtual network, seen from instance `inst`: the VN owning
 * its origin-VN index; else the instance's own VN for a path originated
 * there; else the one VN whose instance both imports and exports the path's
 * targets; else `inst`'s VN if it exports one of them; else 'unresolved'.
 */
export function vnResolver(inst: InstanceView, all: Iterable<InstanceView>): VnResolver {
  const instances = [...all];
  const byIndex = (idx: number): string | undefined => instances.find((i) => i.vnIndex === idx)?.virtualNetwork;
  return {
    networkOf(p: Path): string {
      const idx = originVnIndex(p);
      if (idx !== 0) return byIndex(idx) ?? 'unresolved';
      if (!p.replicated) return inst.virtualNetwork;
      const rts = (p.attrs.attrs.extCommunities ?? []).filter((c) => ((c >> 48n) & 0xffn) === 0x02n);
      const owners = new Set<number>();
      for (const i of instances) {
        if (i.vnIndex !== 0 && rts.some((rt) => i.importTargets.has(rt) && i.exportTargets.has(rt))) owners.add(i.vnIndex);
      }
      if (owners.size === 1) return byIndex([...owners][0]!) ?? 'unresolved';
      if (rts.some((rt) => inst.exportTargets.has(rt))) return inst.virtualNetwork;
      return 'unresolved';
    },
  };
}
