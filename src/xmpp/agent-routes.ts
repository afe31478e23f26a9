/**
 * Agent routes ↔ RIB paths, the Contrail way:
 * - an agent's inet item becomes a path in `<ri>.inet.0` with the attributes
 *   of shared/docs/contrail-control.md §3.1 and the extended communities of
 *   §3.2 (encapsulation, security groups, tags, MAC mobility / sequence
 *   number, router MAC, local sequence number, load balance);
 * - a destination's ECMP set becomes the one item pushed to agents (§2.7),
 *   next hops de-duplicated, virtual network resolved as §3.5 says.
 */

import {
  encapsulationCommunity,
  encapsulationsOf as encapsulationNames,
  FAMILIES,
  nextHopToString,
  isRouteTarget,
  LOAD_BALANCE_FIELDS,
  loadBalanceCommunity as lbCommunity,
  loadBalanceOf as lbOf,
  localSequenceCommunity,
  makeRd,
  mobilityCommunity,
  mobilityOf as mobilityIn,
  originVnOf,
  communityToString,
  nlriToString,
  parseCommunity,
  routerMacCommunity,
  securityGroupCommunities,
  securityGroupsOf as securityGroupsIn,
  tagCommunities,
  tagsOf,
  TUNNEL_TYPES,
} from '../bgp/wire/index.js';
import type { Labels, PathAttributes } from '../bgp/wire/types.js';
import { firstLabel } from '../bgp/wire/families/labeled.js';
import { bestPath, pathAt, type Dest, type Path } from '../rib/types.js';
import type { AgentInetRoute, OutInetItem, OutNextHop } from './wire/index.js';

export { communityToString, parseCommunity, WELL_KNOWN_COMMUNITIES } from '../bgp/wire/index.js';

/** Contrail's default hash fields (all but the l2 ones). */
const LB_FIELDS: readonly string[] = LOAD_BALANCE_FIELDS.filter((f) => !f.startsWith('l2-'));

/**
 * The load-balance community 03:aa:<fields>:00:<source-bias bit>:00:00:00, or
 * undefined for the default (all five fields or none, field-hash), which
 * Contrail does not attach.
 */
export function loadBalanceCommunity(lb: { fields: readonly string[]; decision: string } | undefined): bigint | undefined {
  if (!lb) return undefined;
  const fields = new Set(lb.fields);
  const sourceBias = lb.decision === 'source-bias';
  const all = fields.size === 0 || LB_FIELDS.every((f) => fields.has(f));
  if (all && !sourceBias) return undefined;
  return lbCommunity(LOAD_BALANCE_FIELDS.filter((f) => (fields.size === 0 ? LB_FIELDS.includes(f) : fields.has(f))), sourceBias);
}

/** The item's load-balance from a path's community, or undefined when it has none (default). */
export function loadBalanceOf(p: Path): { fields: string[]; decision: string } | undefined {
  const lb = lbOf(p.attrs.attrs.extCommunities);
  return lb && { fields: [...lb.fields], decision: lb.sourceBias ? 'source-bias' : 'field-hash' };
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
  readonly labels: Labels;
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
  const known = r.nextHop.encapsulations.filter((e) => TUNNEL_TYPES[e] !== undefined);
  const noTunnelEncap = !o.master && r.nextHop.encapsulations.length > 0 && known.length === 0;
  if (!o.master) {
    const ecs = new Set<bigint>();
    for (const e of known) add(ecs, encapsulationCommunity(TUNNEL_TYPES[e]!));
    for (const c of securityGroupCommunities(o.asn, r.securityGroups)) ecs.add(c);
    for (const c of tagCommunities(o.asn, r.nextHop.tags)) ecs.add(c);
    add(ecs, loadBalanceCommunity(r.loadBalance));
    const m = agentMobility(r);
    if (m !== undefined) add(ecs, mobilityCommunity(m.seq, m.sticky));
    if (r.nextHop.mac !== undefined) add(ecs, routerMacCommunity(r.nextHop.mac));
    add(ecs, localSequenceCommunity(r.nextHop.localSequenceNumber));
    if (ecs.size > 0) attrs.extCommunities = [...ecs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return {
    attrs,
    labels: r.nextHop.label,
    rd: o.master ? undefined : makeRd(1, r.nextHop.address, o.instanceId & 0xffff),
    noTunnelEncap,
  };
}

/**
 * True when two items give the same path attributes and RD (agentPath of
 * one equals that of the other but for the label): an agent publishes its
 * many prefixes with one next hop and one set of properties, so the
 * session builds and interns them once (agent-session.ts).
 */
export function sameAgentAttrs(a: AgentInetRoute, b: AgentInetRoute): boolean {
  const x = a.nextHop;
  const y = b.nextHop;
  return (
    x.address === y.address && a.localPref === b.localPref && a.med === b.med &&
    x.localSequenceNumber === y.localSequenceNumber && x.mac === y.mac && a.sequenceNumber === b.sequenceNumber &&
    a.mobility?.seqno === b.mobility?.seqno && a.mobility?.sticky === b.mobility?.sticky &&
    sameList(x.encapsulations, y.encapsulations) && sameList(x.tags, y.tags) &&
    sameList(a.securityGroups, b.securityGroups) && sameList(a.communities, b.communities) &&
    a.loadBalance?.decision === b.loadBalance?.decision && sameList(a.loadBalance?.fields ?? [], b.loadBalance?.fields ?? [])
  );
}

/**
 * A copy of an item holding what sameAgentAttrs reads, in strings of its
 * own: the decoded item's strings may be slices of the received text, and a
 * kept slice keeps all of that text alive (the session keeps one item per
 * agent to compare the next with).
 */
export function detachedItem(r: AgentInetRoute): AgentInetRoute {
  const nh = r.nextHop;
  return {
    prefix: r.prefix,
    nextHop: {
      address: nh.address, label: nh.label, encapsulations: nh.encapsulations.map(ownString), virtualNetwork: '', tags: [...nh.tags],
      mac: nh.mac === undefined ? undefined : ownString(nh.mac), localSequenceNumber: nh.localSequenceNumber,
    },
    sequenceNumber: r.sequenceNumber,
    mobility: r.mobility && { seqno: r.mobility.seqno, sticky: r.mobility.sticky },
    localPref: r.localPref,
    med: r.med,
    securityGroups: [...r.securityGroups],
    communities: r.communities.map(ownString),
    loadBalance: r.loadBalance && { fields: r.loadBalance.fields.map(ownString), decision: ownString(r.loadBalance.decision) },
    subProtocol: '',
    virtualNetwork: '',
  };
}

/**
 * A fresh copy of a string, never a slice of a longer one: what a session
 * keeps from what an agent sent (a slice of the received text keeps its
 * whole 32–64 KiB chunk alive).
 */
export const ownString = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * MAC mobility of an item, as the reference reads it: a non-zero
 * `mobility@seqno` gives (seq, sticky); else a non-zero `sequence-number`
 * gives (seq, not sticky); else none. Real agents always write
 * `<mobility seqno="0" sticky="false"/>` and carry the VM-move sequence in
 * `sequence-number`, so the mobility element must not shadow it.
 */
export function agentMobility(r: Pick<AgentInetRoute, 'mobility' | 'sequenceNumber'>): { seq: number; sticky: boolean } | undefined {
  if (r.mobility !== undefined && r.mobility.seqno !== 0) return { seq: r.mobility.seqno, sticky: r.mobility.sticky };
  if (r.sequenceNumber !== 0) return { seq: r.sequenceNumber, sticky: false };
  return undefined;
}

function add(ecs: Set<bigint>, c: bigint | undefined): void {
  if (c !== undefined) ecs.add(c);
}

/** Tunnel encapsulation names of a path (`mpls-o-gre` shown as `gre`), sorted, unique. */
export function encapsulationsOf(p: Path): string[] {
  const names = new Set(encapsulationNames(p.attrs.attrs.extCommunities).map((n) => (n === 'mpls-o-gre' ? 'gre' : n)));
  if (names.size === 0 && (firstLabel(p.labels) ?? 0) !== 0) names.add('gre');
  return [...names].sort();
}

/** The origin-VN index carried by a path (either AS width), or 0. */
export function originVnIndex(p: Path): number {
  return originVnOf(p.attrs.attrs.extCommunities)?.index ?? 0;
}

/** What the item builder needs to name virtual networks. */
export interface VnResolver {
  /** Virtual network of a path in the given instance (§3.5), or 'unresolved'. */
  networkOf(p: Path): string;
}

/** One ECMP member's next hop as an item shows it. */
export function outNextHop(p: Path, vn: VnResolver): OutNextHop {
  const a = p.attrs.attrs;
  return {
    af: a.nextHop === undefined && a.nextHop6 !== undefined ? 2 : 1,
    address: nextHopToString(a) ?? '0.0.0.0',
    label: firstLabel(p.labels) ?? 0,
    encapsulations: encapsulationsOf(p),
    virtualNetwork: vn.networkOf(p),
    tags: tagsOf(a.extCommunities),
  };
}

/** The item fields taken from the best path; `virtualNetwork` is its next hop's. */
export function itemFields(best: Path, virtualNetwork: string, localAsn: number): Omit<OutInetItem, 'prefix' | 'afi' | 'nextHops'> {
  const a = best.attrs.attrs;
  const mobility = mobilityOf(best);
  return {
    virtualNetwork,
    localPref: a.localPref ?? 100,
    med: a.med ?? 0,
    sequenceNumber: mobility.seqno,
    mobility,
    securityGroups: securityGroupsOf(best, localAsn),
    communities: (a.communities ?? []).map(communityToString),
    loadBalance: loadBalanceOf(best),
  };
}

/**
 * The item for a destination, or undefined when it must be retracted, built
 * field by field: the definition ItemCache's piecewise rendering is held to
 * (test/xmpp/item-cache.test.ts).
 */
export function outItem(dest: Dest, vn: VnResolver, localAsn: number): OutInetItem | undefined {
  if (dest.ecmpCount === 0) return undefined;
  const nextHops: OutNextHop[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < dest.ecmpCount; i++) {
    const nh = outNextHop(pathAt(dest, i)!, vn);
    const key = `${nh.af}|${nh.address}|${nh.label}|${nh.encapsulations.join(',')}|${nh.virtualNetwork}|${nh.tags.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    nextHops.push(nh);
  }
  return {
    afi: FAMILIES[dest.nlri.family].afi,
    prefix: nlriToString(dest.nlri),
    nextHops,
    ...itemFields(bestPath(dest)!, nextHops[0]!.virtualNetwork, localAsn),
  };
}

function mobilityOf(p: Path): { seqno: number; sticky: boolean } {
  const m = mobilityIn(p.attrs.attrs.extCommunities);
  return { seqno: m?.seq ?? 0, sticky: m?.sticky ?? false };
}

/** Security groups of our AS, or in the global range 1..7999999 (§2.7), both AS widths and their pairings. */
function securityGroupsOf(p: Path, localAsn: number): number[] {
  return securityGroupsIn(p.attrs.attrs.extCommunities, localAsn);
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
      const rts = (p.attrs.attrs.extCommunities ?? []).filter(isRouteTarget);
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
