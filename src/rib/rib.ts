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
import { UpdateGroup, type Delivery } from './update-group.js';
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
const NO_LABELS: readonly number[] = Object.freeze([]);
/** Room for peer classes in an export-cache key (see exportSet). */
const CLASS_SPACE = 1 << 20;

/** The RIB's view of one peer. */
export interface PeerRib {
  readonly info: PeerInfo;
  readonly configured: ReadonlySet<FamilyName>;
  up: boolean;
  families: Set<FamilyName>;
  ctx: CodecContext;
  /** Paths this peer has in our tables (its Adj-RIB-In lives in the tables themselves). */
  paths: number;
  /** The update group this peer is a member of, per family. */
  readonly groups: Map<FamilyName, UpdateGroup<PeerRib>>;
  /** Negotiated route-target: VPN routes are filtered by `interest`. */
  rtc: boolean;
  readonly interest: RtInterest;
  /** VPN advertisement waits for the peer's route-target End-of-RIB (RFC 4684 §6 / Contrail). */
  vpnHeld: boolean;
  /** Class of peers that get identical attributes (export cache key). */
  classId: number;
  /** Counters for introspect. */
  /** Routes announced to us, ever (a counter for introspect). */
  received: number;
  eorReceived: Set<FamilyName>;
}

export class Rib {
  readonly store = new AttrStore();
  readonly tables: { readonly [F in FamilyName]: Table };
  readonly peers = new Map<number, PeerRib>();
  readonly localPeer: PeerInfo;
  /** Called when outbound work appears (then call drain()). */
  onPending: () => void = () => {};
  readonly groups = new Map<string, UpdateGroup<PeerRib>>();
  private readonly workGroups = new Set<UpdateGroup<PeerRib>>();
  private readonly freeSlots: number[] = [];
  private readonly familyGroups = new Map<FamilyName, UpdateGroup<PeerRib>[]>();
  private nextSlot = 0;
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
    if (classId === undefined) {
      classId = this.classes.size + 1;
      if (classId >= CLASS_SPACE) throw new RangeError(`more than ${CLASS_SPACE - 1} peer classes`);
      this.classes.set(cls, classId);
    }
    const st: PeerRib = {
      info, configured: new Set(families), up: false, families: new Set(),
      ctx: { fourOctetAs: false, ebgp: !info.ibgp, families: new Set() },
      paths: 0, groups: new Map(), rtc: false, interest: new RtInterest(),
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
    this.updateDefaultMembership();
    for (const f of st.families) if (!(f === 'inet-vpn' && st.vpnHeld)) this.join(st, f);
  }

  /** The session ended: every path it gave us goes (no graceful restart yet). */
  peerDown(st: PeerRib): void {
    if (!st.up) return;
    st.up = false;
    for (const f of [...st.groups.keys()]) this.leave(st, f);
    // Walk the tables for this peer's paths (BIRD's prune): cheaper overall
    // than keeping a per-peer index of every route on the hot path.
    for (const f of st.families) {
      const table = this.tables[f];
      const mine: Dest[] = [];
      for (const dest of table.allDests()) if (dest.paths.some((p) => p.peer === st.info)) mine.push(dest);
      for (const dest of mine) {
        const old = table.removeByKey(dest.key, st.info);
        if (old) this.store.release(old.attrs);
      }
    }
    st.paths = 0;
    st.interest.clear();
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
    this.join(st, 'inet-vpn');
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
    const g = st.groups.get(f);
    if (!g) return;
    g.refresh(st);
    this.markWork(g);
  }

  hasWork(): boolean {
    return this.workGroups.size > 0;
  }

  /**
   * Pull encoded UPDATEs, about `maxRoutes` destinations per group at most,
   * route-target groups first so peers filter what follows.
   */
  drain(maxRoutes = 4096): Delivery<PeerRib>[] {
    const groups = [...this.workGroups].sort((a, b) => SEND_ORDER.indexOf(a.family) - SEND_ORDER.indexOf(b.family));
    const out: Delivery<PeerRib>[] = [];
    for (const g of groups) {
      out.push(...g.drain(maxRoutes));
      if (!g.hasWork) this.workGroups.delete(g);
    }
    return out;
  }

  // ------------------------------------------------------------ inbound

  private announce(st: PeerRib, f: FamilyName, attrs: PathAttributes, nlri: readonly Nlri[]): void {
    if (!st.families.has(f) || nlri.length === 0) return;
    const set = this.store.intern(attrs);
    const infeasible = this.loopCheck(st, attrs);
    const table = this.tables[f];
    const rtc = f === 'route-target';
    for (const n of nlri) {
      const path: Path = {
        peer: st.info, attrs: this.store.retain(set), labels: 'labels' in n ? n.labels : NO_LABELS,
        infeasible, stamp: ++this.stamp, rd: undefined, replicated: undefined,
      };
      const old = table.upsert(n, path);
      if (old) this.store.release(old.attrs);
      else {
        st.paths++;
        if (rtc) st.interest.add(n as RtMembership);
      }
      st.received++;
    }
    this.store.release(set);
    if (rtc) this.rescanVpn(st);
  }

  private withdraw(st: PeerRib, f: FamilyName, n: Nlri): void {
    if (!st.families.has(f)) return;
    const table = this.tables[f];
    const old = table.remove(n, st.info);
    if (!old) return;
    st.paths--;
    this.store.release(old.attrs);
    if (f === 'route-target') {
      st.interest.remove(n as RtMembership);
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

  /** A destination changed: queue it in every update group of the family. */
  private propagate(f: FamilyName, _key: RouteKey, dest: Dest): void {
    for (const g of this.groupsOf(f)) {
      g.pending.add(dest);
      this.markWork(g);
    }
  }

  private groupsOf(f: FamilyName): UpdateGroup<PeerRib>[] {
    let list = this.familyGroups.get(f);
    if (!list) this.familyGroups.set(f, (list = []));
    return list;
  }

  private markWork(g: UpdateGroup<PeerRib>): void {
    if (this.workGroups.has(g) || !g.hasWork) return;
    this.workGroups.add(g);
    this.onPending();
  }

  /** Peers in one group get the same routes with the same attributes. */
  private groupKey(st: PeerRib, f: FamilyName): string {
    const solo = f === 'inet-vpn' && st.rtc ? `|rtc${st.info.id}` : '';
    return `${f}|${st.classId}|${st.ctx.fourOctetAs ? 4 : 2}${solo}`;
  }

  /** Make the peer a member of its group for the family (a new group queues the whole table). */
  private join(st: PeerRib, f: FamilyName): void {
    const key = this.groupKey(st, f);
    let g = this.groups.get(key);
    if (!g) {
      const slot = this.freeSlots.pop() ?? this.nextSlot++;
      const interest = f === 'inet-vpn' && st.rtc ? st.interest : undefined;
      g = new UpdateGroup<PeerRib>(
        key, slot, f, FAMILIES[f], st.ctx, st.info, st.classId, interest, this.tables[f], this.store,
        { desired: (grp, dest) => this.desired(grp, dest), outSet: (grp, path) => this.exportSet(path, grp) },
      );
      this.groups.set(key, g);
      this.groupsOf(f).push(g);
      for (const [, dest] of this.tables[f].entries()) g.pending.add(dest);
    }
    g.join(st);
    st.groups.set(f, g);
    this.markWork(g);
  }

  private leave(st: PeerRib, f: FamilyName): void {
    const g = st.groups.get(f);
    if (!g) return;
    st.groups.delete(f);
    g.leave(st);
    if (g.members.size > 0) return;
    g.dispose();
    this.groups.delete(g.key);
    const list = this.groupsOf(f);
    list.splice(list.indexOf(g), 1);
    this.workGroups.delete(g);
    this.freeSlots.push(g.slot);
  }

  /** What a group advertises for a destination: the best path, if export rules let it. */
  private desired(g: UpdateGroup<PeerRib>, dest: Dest): Path | undefined {
    const best = dest.paths[0];
    if (!best || dest.ecmpCount === 0) return undefined;
    if (g.interest && !g.interest.matches(best.attrs.attrs.extCommunities)) return undefined;
    if (exportVeto(best, g.to, this.local)) return undefined;
    return best;
  }

  /** The interned outbound attribute set for a path toward a class of peers (cached on the source set). */
  private exportSet(path: Path, g: UpdateGroup<PeerRib>): AttrSet {
    const src = path.attrs;
    // Peer classes come from configured peers (ibgp × client × AS), far below
    // 2^20; peer ids grow with every agent connection, and stay exact in a
    // double up to 2^33 of them.
    const key = path.peer.id * CLASS_SPACE + g.classId;
    src.exportCache ??= new Map();
    const hit = src.exportCache.get(key);
    if (hit && hit.routerId === path.peer.routerId) return hit.out;
    if (hit) this.store.release(hit.out);
    const out = this.store.intern(exportAttrs(path, g.to, this.local));
    src.exportCache.set(key, { routerId: path.peer.routerId, out });
    return out;
  }

  /** The peer's route-target interest changed: re-evaluate every VPN route for it. */
  private rescanVpn(st: PeerRib): void {
    const g = st.groups.get('inet-vpn');
    if (!g) return;
    for (const [, dest] of this.tables['inet-vpn'].entries()) g.pending.add(dest);
    this.markWork(g);
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
