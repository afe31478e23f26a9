/**
 * Routing instances and route-target replication between their tables and
 * the master's bgp.l3vpn.0 (Contrail RoutePathReplicator; RFC 4364 §4.3.1;
 * shared/docs/contrail-control.md §3.3, §3.5, §4.4).
 *
 * - VRF → VPN: every path of a VRF destination that is ECMP-equal to the
 *   best and not itself a copy is copied into bgp.l3vpn.0 under its source
 *   RD, with the instance's export targets and an origin-VN community added.
 * - VPN → VRF: every path of a VPN destination that is ECMP-equal to the
 *   best is copied into each instance importing one of its targets, except
 *   the instance it came from. This is also how routes leak between VRFs.
 * - While an instance has subscribed agents we originate route-target
 *   membership for each of its import targets.
 *
 * Copies keep a link to their primary path; they are re-derived from
 * scratch on every change of the source destination, so a withdraw or a
 * session end removes them exactly.
 */

import { isOriginVn, originVnCommunities } from '../bgp/wire/index.js';
import type { Ipv4Prefix, VpnPrefix } from '../bgp/wire/types.js';
import type { AttrSet } from '../rib/attr-store.js';
import { inetKey, type RouteKey } from '../rib/nlri-key.js';
import type { Rib } from '../rib/rib.js';
import { isRouteTargetCommunity } from '../rib/rtc.js';
import type { Dest, Path, PeerInfo } from '../rib/types.js';
import { RoutingInstance, type InstanceSpec } from './instance.js';
import { MASTER_INSTANCE, type RoutingInstanceName } from './name.js';

/** A copy this manager made: where it lives and who owns it. */
interface CopyRef {
  readonly key: RouteKey;
  readonly peer: PeerInfo;
  readonly rd: bigint | undefined;
}

export class InstanceManager {
  readonly instances = new Map<RoutingInstanceName, RoutingInstance>();
  readonly master: RoutingInstance;
  /** Import target → instances importing it. */
  private readonly importers = new Map<bigint, Set<RoutingInstance>>();
  private readonly byTable = new Map<string, RoutingInstance>();
  /** Per instance, per VRF route key: the VPN copies made from it. */
  private readonly exported = new Map<RoutingInstance, Map<RouteKey, CopyRef[]>>();
  /** Per VPN route key: the VRF copies made from it. */
  private readonly imported = new Map<RouteKey, { inst: RoutingInstance; ref: CopyRef }[]>();
  private stamp = 0;

  constructor(
    private readonly rib: Rib,
    private readonly asn: number,
    specs: readonly InstanceSpec[],
  ) {
    this.master = new RoutingInstance(MASTER_INSTANCE, 0, 0, [], [], rib.tables.inet as never);
    this.instances.set(MASTER_INSTANCE, this.master);
    for (const spec of specs) this.add(RoutingInstance.fromSpec(spec, asn));
    rib.tables['inet-vpn'].subscribe((key, dest) => this.importFromVpn(key, dest as Dest<VpnPrefix>));
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
    if (inst.subscribers++ === 0 && !inst.master) for (const rt of inst.importTargets) this.rib.addLocalMembership(rt);
  }

  unsubscribe(inst: RoutingInstance): void {
    if (inst.subscribers === 0) return;
    if (--inst.subscribers === 0 && !inst.master) for (const rt of inst.importTargets) this.rib.removeLocalMembership(rt);
  }

  private add(inst: RoutingInstance): void {
    this.instances.set(inst.name, inst);
    this.byTable.set(inst.table.name, inst);
    this.exported.set(inst, new Map());
    for (const rt of inst.importTargets) {
      let set = this.importers.get(rt);
      if (!set) this.importers.set(rt, (set = new Set()));
      set.add(inst);
    }
    inst.table.subscribe((key, dest) => this.exportToVpn(inst, key, dest as Dest<Ipv4Prefix>));
  }

  // ------------------------------------------------------------ VRF → VPN

  private exportToVpn(inst: RoutingInstance, key: RouteKey, dest: Dest<Ipv4Prefix>): void {
    const vpn = this.rib.tables['inet-vpn'];
    const done = this.exported.get(inst)!;
    const old = done.get(key) ?? [];
    const refs: CopyRef[] = [];
    for (let i = 0; i < dest.ecmpCount; i++) {
      const p = dest.paths[i]!;
      if (p.replicated || p.rd === undefined) continue;
      const nlri: VpnPrefix = { labels: p.labels, rd: p.rd, addr: dest.nlri.addr, len: dest.nlri.len };
      const vkey = vpn.keyOf(nlri);
      refs.push({ key: vkey, peer: p.peer, rd: undefined });
      const attrs = this.vpnAttrs(p.attrs, inst);
      const existing = vpn.get(vkey)?.paths.find((q) => q.peer === p.peer && q.rd === undefined);
      if (existing && existing.attrs === attrs && existing.replicated?.primary === p) continue;
      const copy: Path = {
        peer: p.peer, attrs: this.rib.store.retain(attrs), labels: p.labels, stamp: ++this.stamp,
        replicated: { fromTable: inst.table.name, primary: p },
      };
      const replaced = vpn.upsert(nlri, copy);
      if (replaced) this.rib.store.release(replaced.attrs);
    }
    for (const o of old) {
      if (refs.some((r) => r.key === o.key && r.peer === o.peer)) continue;
      const gone = vpn.removeByKey(o.key, o.peer);
      if (gone) this.rib.store.release(gone.attrs);
    }
    if (refs.length > 0) done.set(key, refs);
    else done.delete(key);
  }

  /**
   * The VPN copy's attributes: the instance's export targets added, and the
   * origin VN set to the instance's vn-index (replacing any), cached per
   * (source set, instance) on the source set.
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

  private importFromVpn(key: RouteKey, dest: Dest<VpnPrefix>): void {
    const old = this.imported.get(key) ?? [];
    const now: { inst: RoutingInstance; ref: CopyRef }[] = [];
    const prefix: Ipv4Prefix = { addr: dest.nlri.addr, len: dest.nlri.len };
    const vrfKey = inetKey(prefix);
    for (let i = 0; i < dest.ecmpCount; i++) {
      const p = dest.paths[i]!;
      for (const inst of this.importersOf(p)) {
        if (p.replicated?.fromTable === inst.table.name) continue;
        now.push({ inst, ref: { key: vrfKey, peer: p.peer, rd: dest.nlri.rd } });
        const existing = inst.table.get(vrfKey)?.paths.find((q) => q.peer === p.peer && q.rd === dest.nlri.rd);
        if (existing && existing.attrs === p.attrs && existing.replicated?.primary === p) continue;
        const copy: Path = {
          peer: p.peer, attrs: this.rib.store.retain(p.attrs), labels: p.labels, stamp: ++this.stamp,
          rd: dest.nlri.rd, replicated: { fromTable: 'bgp.l3vpn.0', primary: p },
        };
        const replaced = inst.table.upsert(prefix, copy);
        if (replaced) this.rib.store.release(replaced.attrs);
      }
    }
    for (const o of old) {
      if (now.some((n) => n.inst === o.inst && n.ref.peer === o.ref.peer && n.ref.rd === o.ref.rd)) continue;
      const gone = o.inst.table.removeByKey(o.ref.key, o.ref.peer, o.ref.rd);
      if (gone) this.rib.store.release(gone.attrs);
    }
    if (now.length > 0) this.imported.set(key, now);
    else this.imported.delete(key);
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

  /** The instance owning a table name, if any. */
  byTableName(name: string): RoutingInstance | undefined {
    return this.byTable.get(name);
  }
}
