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
import { pathAt, pathsOf, type Dest, type Path, type PeerInfo } from '../rib/types.js';
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

interface VrfExport {
  readonly inst: RoutingInstance;
  readonly vpn: Table;
  readonly done: Map<RouteKey, CopyRef[]>;
  readonly detach: () => void;
}

type VrfDest = Dest<Ipv4Prefix | Ipv6Prefix>;
type VpnDest = Dest<VpnPrefix | Vpn6Prefix>;

export class InstanceManager {
  readonly instances = new Map<RoutingInstanceName, RoutingInstance>();
  readonly master: RoutingInstance;
  /** Import target → instances importing it. */
  private readonly importers = new Map<bigint, Set<RoutingInstance>>();
  /** Bumped whenever `importers` changes: importerCache entries of an older generation are stale. */
  private importersGeneration = 0;
  private readonly importerCache = new WeakMap<AttrSet, { generation: number; instances: readonly RoutingInstance[] }>();
  private readonly byTable = new Map<string, RoutingInstance>();
  /** Per VRF table: its instance, its VPN partner, the VPN copies made from it per route key, and how to stop watching it. */
  private readonly exported = new Map<Table, VrfExport>();
  /** Per VPN table, per route key: the VRF copies made from it. */
  private readonly imported = new Map<Table, Map<VpnDest, CopyRef[]>>();
  private readonly resolvers = new Map<RoutingInstance, NextHopResolver[]>();
  /** The source of each instance's static routes. */
  private readonly statics = new Map<RoutingInstance, PeerInfo>();
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
      // Keyed by destination, not route key: no bigint key made per VPN route.
      const done = new Map<VpnDest, CopyRef[]>();
      this.imported.set(vpn, done);
      vpn.watch((dest) => this.importFromVpn(vpn, done, dest as VpnDest));
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
      const list = this.resolvers.get(inst) ?? [];
      list.push(new NextHopResolver(this.rib, staged, table, v4, rd));
      this.resolvers.set(inst, list);
    }
    inst.staging = tables as TableSet;
    return inst.staging;
  }

  /** Originate an instance's static routes (next hop resolved in the instance, like BGP-as-a-Service). */
  addStaticRoutes(inst: RoutingInstance, routes: readonly StaticRoute[]): void {
    if (routes.length === 0) return;
    const staging = this.staging(inst);
    let source = this.statics.get(inst);
    if (!source) {
      source = {
        id: this.rib.allocatePeerId(), name: `static:${inst.name}`, kind: 'static', address: this.rib.local.routerId,
        asn: this.asn, ibgp: true, rrClient: false, routerId: this.rib.local.routerId,
      };
      this.statics.set(inst, source);
    }
    for (const r of routes) {
      const attrs: PathAttributes = { origin: 2, asPath: [], nextHop: r.nextHop };
      if (r.communities.length > 0) attrs.communities = [...new Set(r.communities)].sort((a, b) => a - b);
      this.rib.addPaths(staging[r.prefix.family] as Table, source, attrs, [r.prefix]);
    }
  }

  /** Replace an instance's static routes (config reload): the old ones go, the new ones resolve afresh. */
  setStaticRoutes(inst: RoutingInstance, routes: readonly StaticRoute[]): void {
    const source = this.statics.get(inst);
    if (source && inst.staging) for (const t of Object.values(inst.staging)) this.rib.removeSource(t as Table, source);
    this.addStaticRoutes(inst, routes);
  }

  private add(inst: RoutingInstance): void {
    this.instances.set(inst.name, inst);
    this.setImporter(inst, inst.importTargets, true);
    for (const [f, table] of inst.allTables()) {
      this.byTable.set(table.name, inst);
      const vpn = this.master.table(FAMILIES[f].vpn!)!;
      const done = new Map<RouteKey, CopyRef[]>();
      const detach = table.subscribe((key, dest) => this.exportToVpn(inst, table, vpn, done, key, dest as VrfDest));
      this.exported.set(table, { inst, vpn, done, detach });
    }
  }

  private setImporter(inst: RoutingInstance, targets: Iterable<bigint>, on: boolean): void {
    this.importersGeneration++;
    for (const rt of targets) {
      let set = this.importers.get(rt);
      if (!set) this.importers.set(rt, (set = new Set()));
      if (on) set.add(inst);
      else if (set.delete(inst) && set.size === 0) this.importers.delete(rt);
    }
  }

  // ------------------------------------------------------------ config reload

  /** A new instance while running: its tables get the VPN routes it imports at once. */
  addInstance(spec: InstanceSpec): RoutingInstance {
    const inst = RoutingInstance.fromSpec(spec, this.asn);
    this.add(inst);
    this.reimport();
    return inst;
  }

  /**
   * New targets, vn-index or export policy for an existing instance: its
   * routes are exported again (VPN copies with the new targets, or gone if
   * the policy now rejects them), every VPN route is imported again (copies
   * come and go with the new import targets), and route-target membership
   * follows the import targets while the instance has subscribers.
   */
  updateInstance(spec: InstanceSpec): void {
    const inst = this.instances.get(spec.name);
    if (!inst || inst.master) return;
    const before = inst.importTargets;
    this.setImporter(inst, before, false);
    inst.retarget(spec, this.asn);
    this.setImporter(inst, inst.importTargets, true);
    if (inst.subscribers > 0) {
      for (const rt of inst.importTargets) if (!before.has(rt)) this.addMembership(rt);
      for (const rt of before) if (!inst.importTargets.has(rt)) this.removeMembership(rt);
    }
    this.reexport(inst);
    this.reimport();
  }

  /**
   * Remove an instance: copies of VPN routes in its tables go, then every
   * path left in them (static, resolved BGP-as-a-Service; agents and
   * sessions were detached by the caller) and with them their VPN copies.
   * Its tables are then forgotten.
   */
  removeInstance(name: string): void {
    const inst = this.instances.get(name as RoutingInstanceName);
    if (!inst || inst.master) return;
    if (inst.subscribers > 0) for (const rt of inst.importTargets) this.removeMembership(rt);
    inst.subscribers = 0;
    this.setImporter(inst, inst.importTargets, false);
    this.reimport();
    for (const t of Object.values(inst.staging ?? {})) {
      this.clear(t as Table);
      this.byTable.delete((t as Table).name);
    }
    for (const r of this.resolvers.get(inst) ?? []) r.dispose();
    this.resolvers.delete(inst);
    this.statics.delete(inst);
    for (const [, table] of inst.allTables()) {
      this.clear(table);
      this.exported.get(table)?.detach();
      this.exported.delete(table);
      this.byTable.delete(table.name);
    }
    this.instances.delete(inst.name);
  }

  /** Run VRF → VPN again over every route of the instance. */
  private reexport(inst: RoutingInstance): void {
    for (const [, table] of inst.allTables()) {
      const e = this.exported.get(table)!;
      for (const [key, dest] of [...table.entries()]) this.exportToVpn(inst, table, e.vpn, e.done, key, dest as VrfDest);
    }
  }

  /** Run VPN → VRF again over every VPN route (the set of importers changed). */
  private reimport(): void {
    for (const [vpn, done] of this.imported) {
      for (const dest of [...vpn.live()]) this.importFromVpn(vpn, done, dest as VpnDest);
    }
  }

  /** Withdraw every path of a table. */
  private clear(table: Table): void {
    const paths: { key: RouteKey; peer: PeerInfo; rd: bigint | undefined }[] = [];
    for (const dest of table.allDests()) for (const p of pathsOf(dest)) paths.push({ key: dest.key, peer: p.peer, rd: p.rd });
    for (const p of paths) this.rib.withdrawByKey(table, p.key, p.peer, p.rd);
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
      const p = pathAt(dest, i)!;
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
    // The entry's routerId field holds the instance's generation: retargeted instances recompute.
    if (hit && hit.routerId === inst.generation) return hit.out;
    if (hit) this.rib.store.release(hit.out);
    const ecs = new Set<bigint>();
    for (const c of src.attrs.extCommunities ?? []) {
      if (inst.vnIndex !== 0 && isOriginVn(c)) continue;
      ecs.add(c);
    }
    for (const rt of inst.exportTargets) ecs.add(rt);
    for (const c of inst.vnIndex !== 0 ? originVnCommunities(this.asn, inst.vnIndex) : []) ecs.add(c);
    const out = this.rib.store.intern({ ...src.attrs, extCommunities: [...ecs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) });
    src.exportCache.set(cacheKey, { routerId: inst.generation, out });
    return out;
  }

  // ------------------------------------------------------------ VPN → VRF

  private importFromVpn(vpn: Table, done: Map<VpnDest, CopyRef[]>, dest: VpnDest): void {
    if (done.size === 0 && this.importers.size === 0) return; // nothing imports, nothing was
    const old = done.get(dest);
    const now: CopyRef[] = [];
    // The VRF prefix only once some instance imports a path (most of a gateway's routes: none does).
    let prefix: Ipv4Prefix | Ipv6Prefix | undefined;
    const vrfFamily = FAMILIES[vpn.family.name].vrf as FamilyName;
    for (let i = 0; i < dest.ecmpCount; i++) {
      const p = pathAt(dest, i)!;
      for (const inst of this.importersOf(p)) {
        const table = inst.table(vrfFamily)!;
        if (p.replicated?.fromTable === table.name) continue;
        prefix ??= fromVpnNlri(dest.nlri);
        now.push({ table, key: table.keyOf(prefix), peer: p.peer, rd: dest.nlri.rd });
        this.rib.placeCopy(table, prefix, p, p.attrs, vpn.name, dest.nlri.rd);
      }
    }
    for (const o of old ?? []) {
      if (now.some((n) => n.table === o.table && n.peer === o.peer && n.rd === o.rd)) continue;
      this.rib.withdrawByKey(o.table, o.key, o.peer, o.rd);
    }
    if (now.length > 0) done.set(dest, now);
    else if (old) done.delete(dest);
  }

  /**
   * The instances importing a path's route targets, kept per attribute set
   * (many routes share one; computed again once the importers change): a
   * gateway's million VPN routes come with a few thousand sets.
   */
  private importersOf(p: Path): readonly RoutingInstance[] {
    const hit = this.importerCache.get(p.attrs);
    if (hit && hit.generation === this.importersGeneration) return hit.instances;
    const out = new Set<RoutingInstance>();
    for (const c of p.attrs.attrs.extCommunities ?? []) {
      if (!isRouteTargetCommunity(c)) continue;
      const set = this.importers.get(c);
      if (set) for (const inst of set) out.add(inst);
    }
    const instances = [...out];
    this.importerCache.set(p.attrs, { generation: this.importersGeneration, instances });
    return instances;
  }
}
