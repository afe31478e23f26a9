/**
 * The master instance's RIB as BGP peers see it: inet.0, bgp.l3vpn.0 and
 * bgp.rtarget.0, each peer's Adj-RIB-In and Adj-RIB-Out, loop checks on
 * receive, reflection rules on send, and route-target constraint.
 *
 * Sessions talk to it through a small message set only (aesthetics §3.1):
 * peerUp, peerDown, update, endOfRib, plus drain() to pull encoded UPDATEs.
 * No sockets, no timers: the session layer owns those and calls in.
 *
 * RFC 4271 §9 (decision and update-send processes), RFC 4456 (route
 * reflection), RFC 4684 (route-target constraint), RFC 4724 (End-of-RIB),
 * RFC 7606 (treat-as-withdraw).
 */

import { familyName } from '../bgp/wire/index.js';
import type {
  AfiSafi,
  CodecContext,
  FamilyName,
  Ipv4Prefix,
  PathAttributes,
  RtMembership,
  UpdateMessage,
  VpnPrefix,
} from '../bgp/wire/types.js';
import { AttrStore, type AttrSet } from './attr-store.js';
import { DEFAULT_SELECTION, type SelectionOptions } from './best-path.js';
import { asPathContains, exportAttrs, exportVeto, type LocalSpeaker } from './export.js';
import { inetKey, rtcKey, vpnKey, type RouteKey } from './nlri-key.js';
import { RibOut, type OutEntry } from './rib-out.js';
import { RtInterest } from './rtc.js';
import { Table } from './table.js';
import type { Dest, InfeasibleReason, Nlri, Path, PeerInfo } from './types.js';

export const FAMILIES: Readonly<Record<FamilyName, AfiSafi>> = {
  inet: { afi: 1, safi: 1 },
  'inet-vpn': { afi: 1, safi: 128 },
  'route-target': { afi: 1, safi: 132 },
};

/** Family order for sending: memberships first, so peers filter what follows. */
const SEND_ORDER: readonly FamilyName[] = ['route-target', 'inet', 'inet-vpn'];

const DEFAULT_RT: RtMembership = { len: 0, originAs: 0, target: 0n };

/** The RIB's view of one peer. */
export interface PeerRib {
  readonly info: PeerInfo;
  readonly configured: ReadonlySet<FamilyName>;
  up: boolean;
  families: Set<FamilyName>;
  ctx: CodecContext;
  readonly ribIn: Map<FamilyName, Map<RouteKey, Nlri>>;
  readonly ribOut: Map<FamilyName, RibOut>;
  /** Negotiated route-target: VPN routes are filtered by `interest`. */
  rtc: boolean;
  readonly interest: RtInterest;
  /** VPN advertisement waits for the peer's route-target End-of-RIB (RFC 4684 §6 / Contrail). */
  vpnHeld: boolean;
  /** Class of peers that get identical attributes (export cache key). */
  classId: number;
  /** Counters for introspect. */
  received: number;
  eorReceived: Set<FamilyName>;
}

export class Rib {
  readonly store = new AttrStore();
  readonly tables: { readonly [F in FamilyName]: Table };
  readonly peers = new Map<number, PeerRib>();
  readonly localPeer: PeerInfo;
  /** Called when a peer has outbound work (from empty to non-empty). */
  onPending: (peer: PeerRib) => void = () => {};
  private readonly classes = new Map<string, number>();
  private readonly localMemberships = new Map<bigint, number>();
  private lastPeerId = 0;
  private stamp = 0;

  constructor(
    readonly local: LocalSpeaker,
    selection: SelectionOptions = DEFAULT_SELECTION,
  ) {
    this.tables = {
      inet: new Table<Ipv4Prefix>('inet.0', inetKey, selection) as Table,
      'inet-vpn': new Table<VpnPrefix>('bgp.l3vpn.0', vpnKey, selection) as Table,
      'route-target': new Table<RtMembership>('bgp.rtarget.0', rtcKey, selection) as Table,
    };
    this.localPeer = {
      id: 0, name: 'local', kind: 'local', address: local.routerId, asn: local.asn,
      ibgp: true, rrClient: false, routerId: local.routerId,
    };
    for (const f of Object.keys(this.tables) as FamilyName[]) {
      this.tables[f].subscribe((key, dest) => this.propagate(f, key, dest));
    }
    this.store.onDrop = (derived) => this.store.release(derived);
  }

  /** A fresh id for any source of paths (BGP peer or agent): ids are the last tie-break and cache keys. */
  allocatePeerId(): number {
    return ++this.lastPeerId;
  }

  addPeer(info: PeerInfo, families: readonly FamilyName[]): PeerRib {
    const cls = `${info.ibgp}|${info.rrClient}|${info.asn}`;
    let classId = this.classes.get(cls);
    if (classId === undefined) this.classes.set(cls, (classId = this.classes.size + 1));
    const st: PeerRib = {
      info, configured: new Set(families), up: false, families: new Set(),
      ctx: { fourOctetAs: false, ebgp: !info.ibgp, families: new Set() },
      ribIn: new Map(), ribOut: new Map(), rtc: false, interest: new RtInterest(),
      vpnHeld: false, classId, received: 0, eorReceived: new Set(),
    };
    this.peers.set(info.id, st);
    return st;
  }

  removePeer(st: PeerRib): void {
    this.peerDown(st);
    this.peers.delete(st.info.id);
  }

  /** The session is Established with these negotiated families. */
  peerUp(st: PeerRib, negotiated: readonly AfiSafi[], fourOctetAs: boolean, routerId: number): void {
    if (st.up) this.peerDown(st);
    st.info.routerId = routerId;
    st.families = new Set(
      negotiated.map((f) => familyName(f)).filter((f): f is FamilyName => !!f && st.configured.has(f)),
    );
    st.ctx = { fourOctetAs, ebgp: !st.info.ibgp, families: new Set(negotiated.map((f) => `${f.afi}/${f.safi}`)) };
    st.up = true;
    st.rtc = st.families.has('route-target');
    st.vpnHeld = st.rtc && st.families.has('inet-vpn');
    for (const f of st.families) {
      st.ribIn.set(f, new Map());
      st.ribOut.set(f, new RibOut(FAMILIES[f], this.store));
    }
    this.updateDefaultMembership();
    for (const f of st.families) if (!(f === 'inet-vpn' && st.vpnHeld)) this.dump(st, f);
  }

  /** The session ended: every path it gave us goes (no graceful restart yet). */
  peerDown(st: PeerRib): void {
    if (!st.up) return;
    st.up = false;
    for (const [f, rib] of st.ribIn) {
      const table = this.tables[f];
      for (const [key, nlri] of rib) {
        const old = table.removeByKey(key, st.info);
        if (old) this.store.release(old.attrs);
        if (f === 'route-target') st.interest.remove(nlri as RtMembership);
      }
      rib.clear();
    }
    for (const out of st.ribOut.values()) out.clear();
    st.ribOut.clear();
    st.ribIn.clear();
    st.families = new Set();
    st.eorReceived.clear();
    this.updateDefaultMembership();
  }

  /**
   * Apply one decoded UPDATE. `treatAsWithdraw` (RFC 7606) turns every NLRI
   * in it, reachable or not, into a withdrawal.
   */
  update(st: PeerRib, msg: UpdateMessage, treatAsWithdraw = false): void {
    if (!st.up) return;
    for (const p of msg.withdrawn) this.withdraw(st, 'inet', p);
    if (msg.mpUnreach) {
      const f = familyName(msg.mpUnreach);
      if (f) for (const n of msg.mpUnreach.nlri) this.withdraw(st, f, n);
    }
    if (treatAsWithdraw) {
      for (const p of msg.nlri) this.withdraw(st, 'inet', p);
      if (msg.mpReach) {
        const f = familyName(msg.mpReach);
        if (f) for (const n of msg.mpReach.nlri) this.withdraw(st, f, n);
      }
      return;
    }
    if (msg.nlri.length > 0 && msg.attrs.nextHop !== undefined) this.announce(st, 'inet', msg.attrs, msg.nlri);
    if (msg.mpReach) {
      const f = familyName(msg.mpReach);
      if (f) this.announce(st, f, { ...msg.attrs, nextHop: msg.mpReach.nextHop }, msg.mpReach.nlri);
    }
  }

  /** End-of-RIB from the peer for a family. */
  endOfRib(st: PeerRib, family: FamilyName): void {
    st.eorReceived.add(family);
    if (family === 'route-target') this.releaseVpn(st);
  }

  /** Start VPN advertisement to a route-target peer (its End-of-RIB, or the 30 s timer). */
  releaseVpn(st: PeerRib): void {
    if (!st.up || !st.vpnHeld) return;
    st.vpnHeld = false;
    this.dump(st, 'inet-vpn');
  }

  /**
   * Originate (refcounted) our membership for a route target, for the
   * routing instances that import it (RFC 4684 §4; Contrail §4.4).
   */
  addLocalMembership(rt: bigint): void {
    const n = (this.localMemberships.get(rt) ?? 0) + 1;
    this.localMemberships.set(rt, n);
    if (n > 1) return;
    const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: this.local.routerId };
    const path: Path = { peer: this.localPeer, attrs: this.store.intern(attrs), labels: [], stamp: ++this.stamp };
    const old = this.tables['route-target'].upsert(this.membership(rt), path);
    if (old) this.store.release(old.attrs);
  }

  removeLocalMembership(rt: bigint): void {
    const n = (this.localMemberships.get(rt) ?? 0) - 1;
    if (n > 0) {
      this.localMemberships.set(rt, n);
      return;
    }
    this.localMemberships.delete(rt);
    const old = this.tables['route-target'].remove(this.membership(rt), this.localPeer);
    if (old) this.store.release(old.attrs);
  }

  private membership(rt: bigint): RtMembership {
    return { len: 96, originAs: this.local.asn, target: rt };
  }

  /** Send a family's whole table again (ROUTE-REFRESH, RFC 2918). */
  resend(st: PeerRib, f: FamilyName): void {
    if (!st.up || !st.families.has(f) || (f === 'inet-vpn' && st.vpnHeld)) return;
    st.ribOut.get(f)?.clear(); // forget what was sent, so everything is sent again
    this.dump(st, f);
  }

  hasWork(st: PeerRib): boolean {
    for (const out of st.ribOut.values()) if (out.hasWork) return true;
    return false;
  }

  /** Pull encoded UPDATEs for a peer, about `maxRoutes` route changes at most. */
  drain(st: PeerRib, maxRoutes = 4096): Uint8Array[] {
    const msgs: Uint8Array[] = [];
    for (const f of SEND_ORDER) {
      const out = st.ribOut.get(f);
      if (!out || !out.hasWork) continue;
      msgs.push(...out.drain(st.ctx, maxRoutes));
      if (out.hasWork) break; // budget used up: keep the family order
    }
    return msgs;
  }

  // ------------------------------------------------------------ inbound

  private announce(st: PeerRib, f: FamilyName, attrs: PathAttributes, nlri: readonly Nlri[]): void {
    const rib = st.ribIn.get(f);
    if (!rib || nlri.length === 0) return;
    const set = this.store.intern(attrs);
    const infeasible = this.loopCheck(st, attrs);
    const table = this.tables[f];
    for (const n of nlri) {
      const path: Path = {
        peer: st.info, attrs: this.store.retain(set),
        labels: 'labels' in n ? n.labels : [], infeasible, stamp: ++this.stamp,
      };
      const key = table.keyOf(n);
      if (f === 'route-target' && !rib.has(key)) st.interest.add(n as RtMembership);
      rib.set(key, n);
      const old = table.upsert(n, path);
      if (old) this.store.release(old.attrs);
      st.received++;
    }
    this.store.release(set);
    if (f === 'route-target') this.rescanVpn(st);
  }

  private withdraw(st: PeerRib, f: FamilyName, n: Nlri): void {
    const rib = st.ribIn.get(f);
    if (!rib) return;
    const table = this.tables[f];
    const key = table.keyOf(n);
    const stored = rib.get(key);
    if (!stored) return;
    rib.delete(key);
    const old = table.removeByKey(key, st.info);
    if (old) this.store.release(old.attrs);
    if (f === 'route-target') {
      st.interest.remove(stored as RtMembership);
      this.rescanVpn(st);
    }
  }

  /** RFC 4456 §8 and RFC 4271 §9.1.2: paths that loop stay visible but infeasible. */
  private loopCheck(st: PeerRib, a: PathAttributes): InfeasibleReason | undefined {
    if (a.originatorId !== undefined && a.originatorId === this.local.routerId) return 'originator-id-loop';
    if (a.clusterList?.includes(this.local.clusterId)) return 'cluster-list-loop';
    if (!st.info.ibgp && asPathContains(a.asPath, this.local.asn)) return 'as-path-loop';
    return undefined;
  }

  // ------------------------------------------------------------ outbound

  /** A destination changed: queue its new state for every peer that carries the family. */
  private propagate(f: FamilyName, key: RouteKey, dest: Dest): void {
    for (const st of this.peers.values()) {
      if (!st.up || !st.families.has(f) || (f === 'inet-vpn' && st.vpnHeld)) continue;
      this.queue(st, f, key, dest);
    }
  }

  private queue(st: PeerRib, f: FamilyName, key: RouteKey, dest: Dest): void {
    const out = st.ribOut.get(f);
    if (!out) return;
    const before = this.hasWork(st);
    out.set(key, dest.nlri, this.desired(st, f, dest));
    if (!before && out.hasWork) this.onPending(st);
  }

  private desired(st: PeerRib, f: FamilyName, dest: Dest): OutEntry | null {
    const best = dest.paths[0];
    if (!best || dest.ecmpCount === 0) return null;
    if (f === 'inet-vpn' && st.rtc && !st.interest.matches(best.attrs.attrs.extCommunities)) return null;
    if (exportVeto(best, st.info, this.local)) return null;
    return { set: this.exportSet(best, st), labels: best.labels };
  }

  /** The interned outbound attribute set for a path toward a class of peers (cached on the source set). */
  private exportSet(path: Path, st: PeerRib): AttrSet {
    const src = path.attrs;
    const key = path.peer.id * 4096 + st.classId;
    src.exportCache ??= new Map();
    const hit = src.exportCache.get(key);
    if (hit && hit.routerId === path.peer.routerId) return hit.out;
    if (hit) this.store.release(hit.out);
    const out = this.store.intern(exportAttrs(path, st.info, this.local));
    src.exportCache.set(key, { routerId: path.peer.routerId, out });
    return out;
  }

  /** Queue the whole table for a peer, then End-of-RIB. */
  private dump(st: PeerRib, f: FamilyName): void {
    const out = st.ribOut.get(f);
    if (!out) return;
    const before = this.hasWork(st);
    for (const [key, dest] of this.tables[f].entries()) out.set(key, dest.nlri, this.desired(st, f, dest));
    out.eorDue = true;
    if (!before) this.onPending(st);
  }

  /** The peer's route-target interest changed: re-evaluate every VPN route for it. */
  private rescanVpn(st: PeerRib): void {
    if (!st.families.has('inet-vpn') || st.vpnHeld) return;
    const out = st.ribOut.get('inet-vpn');
    if (!out) return;
    const before = this.hasWork(st);
    for (const [key, dest] of this.tables['inet-vpn'].entries()) out.set(key, dest.nlri, this.desired(st, 'inet-vpn', dest));
    if (!before && this.hasWork(st)) this.onPending(st);
  }

  /**
   * RFC 4684 §3.2: while some VPN peer of ours does not do route-target, we
   * advertise the default membership so route-target peers send us every
   * VPN route (which that peer needs).
   */
  private updateDefaultMembership(): void {
    let need = false;
    for (const st of this.peers.values()) {
      if (st.up && st.families.has('inet-vpn') && !st.families.has('route-target')) need = true;
    }
    const table = this.tables['route-target'];
    const have = table.get(table.keyOf(DEFAULT_RT))?.paths.some((p) => p.peer === this.localPeer) ?? false;
    if (need && !have) {
      const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: this.local.routerId };
      const path: Path = { peer: this.localPeer, attrs: this.store.intern(attrs), labels: [], stamp: ++this.stamp };
      table.upsert(DEFAULT_RT, path);
    } else if (!need && have) {
      const old = table.remove(DEFAULT_RT, this.localPeer);
      if (old) this.store.release(old.attrs);
    }
  }
}
