/**
 * Routing instances and route-target replication between their tables and
 * the master's VPN tables (Contrail RoutePathReplicator; RFC 4364 §4.3.1,
 * RFC 4659; shared/docs/contrail-control.md §3.3, §3.5, §4.4). One piece of
 * code per (VRF family, VPN family) pair from the family registry:
 * inet ↔ inet-vpn (bgp.l3vpn.0) and inet6 ↔ inet6-vpn (bgp.l3vpn-inet6.0).
 *
 * - VRF → VPN: every path of a VRF destination that is ECMP-equal to the
 *   best and not itself a copy is copied into the VPN table under its
 *   source RD, with the instance's export targets and an origin-VN
 *   community added.
 * - VPN → VRF: every path of a VPN destination that is ECMP-equal to the
 *   best is copied into each instance importing one of its targets, except
 *   the table it came from. This is also how routes leak between VRFs.
 * - While an instance has subscribed agents we originate route-target
 *   membership (bgp.rtarget.0, through the RIB's one way in) for each of
 *   its import targets.
 *
 * Copies keep a link to their primary path; they are re-derived from
 * scratch on every change of the source destination, so a withdraw or a
 * session end removes them exactly.
 */

import { FAMILIES, fromVpnNlri, toVpnNlri, type RouteKey } from '../bgp/wire/families/registry.js';
import { isOriginVn, makeRd, originVnCommunities } from '../bgp/wire/index.js';
import type { FamilyName, Ipv4Prefix, Ipv6Prefix, Nlri, PathAttributes, RtMembership, Vpn6Prefix, VpnPrefix } from '../bgp/wire/types.js';
import type { AttrSet } from '../rib/attr-store.js';
import type { Rib } from '../rib/rib.js';
import { isRouteTargetCommunity } from '../rib/rtc.js';
import { Table } from '../rib/table.js';
import type { TableSet } from '../rib/peering.js';
import type { Dest, Path, PeerInfo } from '../rib/types.js';
import { RoutingInstance, type InstanceSpec } from './instance.js';
import { NextHopResolver } from './resolver.js';
import { MASTER_INSTANCE, type RoutingInstanceName } from './name.js';

/** A static route of an instance (config `static-routes`). */
export interface StaticRoute {
  readonly prefix: Ipv4Prefix | Ipv6Prefix;
  readonly nextHop: number;
  readonly communities: readonly number[];
}

/** A copy this manager made: where it lives and who owns it. */
interface CopyRef {
  readonly table: Table;
  readonly key: RouteKey;
  readonly peer: PeerInfo;
  readonly rd: bigint | undefined;
}

type VrfDest = Dest<Ipv4Prefix | Ipv6Prefix>;
type VpnDest = Dest<VpnPrefix | Vpn6Prefix>;

export class InstanceManager {
  readonly instances = new Map<RoutingInstanceName, RoutingInstance>();
  readonly master: RoutingInstance;
  /** Import target → instances importing it. */
  private readonly importers = new Map<bigint, Set<RoutingInstance>>();
  private readonly byTable = new Map<string, RoutingInstance>();
  /** Per VRF table, per route key: the VPN copies made from it. */
  private readonly exported = new Map<Table, Map<RouteKey, CopyRef[]>>();
  /** Per VPN table, per route key: the VRF copies made from it. */
  private readonly imported = new Map<Table, Map<RouteKey, CopyRef[]>>();
  private readonly resolvers: NextHopResolver[] = [];
  /** Route targets we originate membership for, with how many instances want each. */
  private readonly memberships = new Map<bigint, number>();
  /**
   * Export policy toward the VPN tables (src/policy/attach.ts): the
   * attributes a VRF path leaves its instance with, or undefined to keep it
   * out of the VPN table. Set by the composition root; none by default.
   */
  exportPolicy: ((instance: string, nlri: Nlri, source: PeerInfo, attrs: PathAttributes) => PathAttributes | undefined) | undefined;

  constructor(
    private readonly rib: Rib,
    private readonly asn: number,
    specs: readonly InstanceSpec[],
  ) {
    this.master = new RoutingInstance(MASTER_INSTANCE, 0, 0, [], []);
    this.instances.set(MASTER_INSTANCE, this.master);
    for (const [, t] of this.master.allTables()) this.byTable.set(t.name, this.master);
    for (const spec of specs) this.add(RoutingInstance.fromSpec(spec, asn));
    for (const [f, vpn] of this.master.allTables()) {
      if (FAMILIES[f].vrf === undefined) continue;
      const done = new Map<RouteKey, CopyRef[]>();
      this.imported.set(vpn, done);
      vpn.subscribe((key, dest) => this.importFromVpn(vpn, done, key, dest as VpnDest));
    }
  }

  get(name: string): RoutingInstance | undefined {
    return this.instances.get(name as RoutingInstanceName);
  }

  /** Name of the virtual network owning an origin-VN index, if any instance has it. */
  networkOfIndex(vnIndex: number): string | undefined {
    if (vnIndex === 0) return undefined;
    for (const inst of this.instances.values()) if (inst.vnIndex === vnIndex) return inst.virtualNetwork;
    return undefined;
  }

  /** An agent subscribed: originate membership for the instance's import targets on the first. */
  subscribe(inst: RoutingInstance): void {
    if (inst.subscribers++ === 0 && !inst.master) for (const rt of inst.importTargets) this.addMembership(rt);
  }

  unsubscribe(inst: RoutingInstance): void {
    if (inst.subscribers === 0) return;
    if (--inst.subscribers === 0 && !inst.master) for (const rt of inst.importTargets) this.removeMembership(rt);
  }

  /** The instance owning a table name, if any. */
  byTableName(name: string): RoutingInstance | undefined {
    return this.byTable.get(name);
  }

  /**
   * The instance's staging tables, created with their next-hop resolvers on
   * first use: BGP-as-a-Service sessions receive into them, static routes
   * are placed in them (contrail-control.md §5.5).
   */
  staging(inst: RoutingInstance): TableSet {
    if (inst.staging) return inst.staging;
    const tables: Record<string, Table> = {};
    const v4 = inst.table('inet')!;
    // An instance's own RD (§3.3), for resolved paths whose resolving route has none.
    const rd = makeRd(1, this.rib.local.routerId, inst.id & 0xffff);
    for (const [f, table] of inst.allTables()) {
      const staged = new Table(`${table.name.slice(0, -table.family.vrfTable!.length)}staged.${table.family.vrfTable!}`, FAMILIES[f]) as Table;
      tables[f] = staged;
      this.byTable.set(staged.name, inst);
      this.resolvers.push(new NextHopResolver(this.rib, staged, table, v4, rd));
    }
    inst.staging = tables as TableSet;
    return inst.staging;
  }

  /** Originate an instance's static routes (next hop resolved in the instance, like BGP-as-a-Service). */
  addStaticRoutes(inst: RoutingInstance, routes: readonly StaticRoute[]): void {
    if (routes.length === 0) return;
    const staging = this.staging(inst);
    const source: PeerInfo = {
      id: this.rib.allocatePeerId(), name: `static:${inst.name}`, kind: 'static', address: this.rib.local.routerId,
      asn: this.asn, ibgp: true, rrClient: false, routerId: this.rib.local.routerId,
    };
    for (const r of routes) {
      const attrs: PathAttributes = { origin: 2, asPath: [], nextHop: r.nextHop };
      if (r.communities.length > 0) attrs.communities = [...new Set(r.communities)].sort((a, b) => a - b);
      this.rib.addPaths(staging[r.prefix.family] as Table, source, attrs, [r.prefix]);
    }
  }

  private add(inst: RoutingInstance): void {
    this.instances.set(inst.name, inst);
    for (const rt of inst.importTargets) {
      let set = this.importers.get(rt);
      if (!set) this.importers.set(rt, (set = new Set()));
      set.add(inst);
    }
    for (const [f, table] of inst.allTables()) {
      this.byTable.set(table.name, inst);
      const vpn = this.master.table(FAMILIES[f].vpn!)!;
      const done = new Map<RouteKey, CopyRef[]>();
      this.exported.set(table, done);
      table.subscribe((key, dest) => this.exportToVpn(inst, table, vpn, done, key, dest as VrfDest));
    }
  }

  // ------------------------------------------------------------ memberships (RFC 4684 §4)

  private addMembership(rt: bigint): void {
    const n = (this.memberships.get(rt) ?? 0) + 1;
    this.memberships.set(rt, n);
    if (n === 1) this.rib.addPaths(this.master.table('route-target')!, this.rib.localPeer, this.localAttrs(), [this.membership(rt)]);
  }

  private removeMembership(rt: bigint): void {
    const n = (this.memberships.get(rt) ?? 0) - 1;
    if (n > 0) {
      this.memberships.set(rt, n);
      return;
    }
    this.memberships.delete(rt);
    this.rib.withdrawPath(this.master.table('route-target')!, this.membership(rt), this.rib.localPeer);
  }

  private membership(rt: bigint): RtMembership {
    return { family: 'route-target', len: 96, originAs: this.asn, target: rt };
  }

  private localAttrs(): PathAttributes {
    return { origin: 0, asPath: [], nextHop: this.rib.local.routerId };
  }

  // ------------------------------------------------------------ VRF → VPN

  private exportToVpn(
    inst: RoutingInstance, table: Table, vpn: Table, done: Map<RouteKey, CopyRef[]>, key: RouteKey, dest: VrfDest,
  ): void {
    const old = done.get(key) ?? [];
    const refs: CopyRef[] = [];
    for (let i = 0; i < dest.ecmpCount; i++) {
      const p = dest.paths[i]!;
      if (p.replicated || p.rd === undefined) continue;
      const nlri = toVpnNlri(dest.nlri, p.rd, p.labels);
      const out = this.exportAttrs(inst, nlri, p);
      if (!out) continue;
      refs.push({ table: vpn, key: vpn.keyOf(nlri), peer: p.peer, rd: undefined });
      this.rib.placeCopy(vpn, nlri, p, out.set, table.name);
      if (out.interned) this.rib.store.release(out.set); // placeCopy took its own reference
    }
    for (const o of old) {
      if (refs.some((r) => r.key === o.key && r.peer === o.peer)) continue;
      this.rib.withdrawByKey(vpn, o.key, o.peer);
    }
    if (refs.length > 0) done.set(key, refs);
    else done.delete(key);
  }

  /**
   * The VPN copy's attributes after the instance's export policy, or
   * undefined when the policy rejects the path; `interned` when the policy
   * changed them (a reference the caller gives back once placed).
   */
  private exportAttrs(inst: RoutingInstance, nlri: Nlri, p: Path): { set: AttrSet; interned: boolean } | undefined {
    const base = this.vpnAttrs(p.attrs, inst);
    if (!this.exportPolicy) return { set: base, interned: false };
    const out = this.exportPolicy(inst.name, nlri, p.peer, base.attrs);
    if (out === undefined) return undefined;
    return out === base.attrs ? { set: base, interned: false } : { set: this.rib.store.intern(out), interned: true };
  }

  /**
   * The VPN copy's attributes: the instance's export targets added, and the
   * origin VN set to the instance's vn-index (replacing any), cached per
   * (source set, instance) on the source set. Not retained: placeCopy does.
   */
  private vpnAttrs(src: AttrSet, inst: RoutingInstance): AttrSet {
    const cacheKey = -inst.id - 1;
    src.exportCache ??= new Map();
    const hit = src.exportCache.get(cacheKey);
    if (hit) return hit.out;
    const ecs = new Set<bigint>();
    for (const c of src.attrs.extCommunities ?? []) {
      if (inst.vnIndex !== 0 && isOriginVn(c)) continue;
      ecs.add(c);
    }
    for (const rt of inst.exportTargets) ecs.add(rt);
    for (const c of inst.vnIndex !== 0 ? originVnCommunities(this.asn, inst.vnIndex) : []) ecs.add(c);
    const out = this.rib.store.intern({ ...src.attrs, extCommunities: [...ecs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) });
    src.exportCache.set(cacheKey, { routerId: 0, out });
    return out;
  }

  // ------------------------------------------------------------ VPN → VRF

  private importFromVpn(vpn: Table, done: Map<RouteKey, CopyRef[]>, key: RouteKey, dest: VpnDest): void {
    const old = done.get(key) ?? [];
    const now: CopyRef[] = [];
    const prefix = fromVpnNlri(dest.nlri);
    const vrfFamily = FAMILIES[vpn.family.name].vrf as FamilyName;
    for (let i = 0; i < dest.ecmpCount; i++) {
      const p = dest.paths[i]!;
      for (const inst of this.importersOf(p)) {
        const table = inst.table(vrfFamily)!;
        if (p.replicated?.fromTable === table.name) continue;
        now.push({ table, key: table.keyOf(prefix), peer: p.peer, rd: dest.nlri.rd });
        this.rib.placeCopy(table, prefix, p, p.attrs, vpn.name, dest.nlri.rd);
      }
    }
    for (const o of old) {
      if (now.some((n) => n.table === o.table && n.peer === o.peer && n.rd === o.rd)) continue;
      this.rib.withdrawByKey(o.table, o.key, o.peer, o.rd);
    }
    if (now.length > 0) done.set(key, now);
    else done.delete(key);
  }

  private importersOf(p: Path): Set<RoutingInstance> {
    const out = new Set<RoutingInstance>();
    for (const c of p.attrs.attrs.extCommunities ?? []) {
      if (!isRouteTargetCommunity(c)) continue;
      const set = this.importers.get(c);
      if (set) for (const inst of set) out.add(inst);
    }
    return out;
  }
}
