/**
 * The BGP peering engine of one routing instance (the master today; a VRF
 * for BGP-as-a-Service next): each peer's negotiated families, its
 * Adj-RIB-Out through update groups, route reflection rules on send, and
 * route-target constraint. Paths come in through the RIB core's one way in
 * (src/rib/rib.ts); the tables belong to the instance this is attached to.
 *
 * Sessions talk to it through a small message set only (aesthetics §3.1):
 * peerUp, peerDown, update, endOfRib, plus drain() to pull encoded UPDATEs.
 * No sockets, no timers: the session layer owns those and calls in.
 *
 * RFC 4271 §9 (decision and update-send processes), RFC 4456 (route
 * reflection), RFC 4684 (route-target constraint), RFC 4724 (End-of-RIB),
 * RFC 7606 (treat-as-withdraw), RFC 9494 (long-lived graceful restart:
 * LLGR-stale paths, and none of them to a peer without LLGR, §4.3).
 */

import { FAMILIES, familyName } from '../bgp/wire/families/registry.js';
import { packWithdrawals } from '../bgp/wire/index.js';
import type { AfiSafi, CodecContext, FamilyName, Nlri, PathAttributes, RtMembership, UpdateMessage } from '../bgp/wire/types.js';
import { exportVeto } from './export.js';
import { ExportClasses, type PeerExportPolicy } from './export-classes.js';
import type { Rib } from './rib.js';
import { UpdateGroup, type Delivery } from './update-group.js';
import { DEFAULT_RT, MembershipSwitch, RtInterest } from './rtc.js';
import type { Table } from './table.js';
import { bestPath, isLlgrStale, pathsOf, type Dest, type Path, type PeerInfo } from './types.js';

export type { PeerExportPolicy } from './export-classes.js';

/** The tables a peering engine works on: its instance's, one per family it has. */
export type TableSet = { readonly [F in FamilyName]?: Table<F> };

const NO_FAMILIES: ReadonlySet<FamilyName> = new Set();

/** The VPN families (route-target constraint applies to them, RFC 4684). */
const isVpn = (f: FamilyName): boolean => FAMILIES[f].vrf !== undefined;

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
  /** Families whose paths are kept stale after a graceful restart, until swept. */
  staleFamilies: Set<FamilyName>;
  /** Its socket is over the output cap: its update groups make nothing for it until resume(). */
  outPaused: boolean;
  /** Of those, the families whose stale paths are long-lived stale now (RFC 9494 §4.2). */
  llgrFamilies: Set<FamilyName>;
  /** The peer advertised long-lived graceful restart this session: it may be sent LLGR-stale paths (RFC 9494 §4.3). */
  llgr: boolean;
}

export class BgpPeering {
  readonly peers = new Map<number, PeerRib>();
  /** Called when outbound work appears (then call drain()). */
  onPending: () => void = () => {};
  readonly groups = new Map<string, UpdateGroup<PeerRib>>();
  private readonly workGroups = new Set<UpdateGroup<PeerRib>>();
  private readonly freeSlots: number[] = [];
  private readonly familyGroups = new Map<FamilyName, UpdateGroup<PeerRib>[]>();
  private nextSlot = 0;
  /** Peer classes and the outbound attribute sets made for them. */
  private readonly exports: ExportClasses;
  /** Per route-target group: which of default / specific memberships it is sent (src/rib/rtc.ts). */
  private readonly memberships = new MembershipSwitch<UpdateGroup<PeerRib>>(() => this.table('route-target'), (g, d) => this.eligible(g, d));

  /**
   * `tables`: what the peering advertises (and, by default, where received
   * paths go). `inTables`: where received paths go instead, when they must
   * not reach the instance's tables as they are (BGP-as-a-Service: a next
   * hop to resolve first, src/routing-instances/resolver.ts).
   */
  constructor(
    readonly rib: Rib,
    readonly tables: TableSet,
    readonly inTables: TableSet = tables,
  ) {
    this.exports = new ExportClasses(rib.store, rib.local);
    for (const f of Object.keys(tables) as FamilyName[]) {
      // The family's list of groups, found once (it changes in place).
      const groups = this.groupsOf(f);
      this.tables[f]!.watch((dest) => this.propagate(groups, dest as Dest));
    }
  }

  private get local() {
    return this.rib.local;
  }

  private get store() {
    return this.rib.store;
  }

  /** The table of a family, for code that handles every family alike. */
  table(f: FamilyName): Table | undefined {
    return this.tables[f] as Table | undefined;
  }

  /** Where paths received in a family go. */
  private inTable(f: FamilyName): Table | undefined {
    return this.inTables[f] as Table | undefined;
  }

  addPeer(info: PeerInfo, families: readonly FamilyName[], exportPolicy?: PeerExportPolicy): PeerRib {
    const classId = this.exports.classFor(info, exportPolicy);
    const st: PeerRib = {
      info, configured: new Set(families), up: false, families: new Set(),
      ctx: { fourOctetAs: false, ebgp: !info.ibgp, families: new Set() },
      paths: 0, groups: new Map(), rtc: false, interest: new RtInterest(),
      vpnHeld: false, classId, received: 0, eorReceived: new Set(), staleFamilies: new Set(), outPaused: false,
      llgrFamilies: new Set(), llgr: false,
    };
    this.peers.set(info.id, st);
    return st;
  }

  /**
   * A peer's export policy changed (config reload): it moves to the update
   * groups of its new class, without a session reset. It gets what the new
   * policy lets through, and a withdrawal for what it had that the new
   * policy keeps back.
   */
  setExportPolicy(st: PeerRib, exportPolicy: PeerExportPolicy | undefined): void {
    const classId = this.exports.classFor(st.info, exportPolicy);
    if (classId === st.classId) return;
    const held = new Map<FamilyName, Nlri[]>();
    for (const [f, g] of st.groups) held.set(f, g.holdings(st));
    for (const f of held.keys()) this.leave(st, f);
    st.classId = classId;
    for (const [f, nlri] of held) {
      this.join(st, f);
      const g = st.groups.get(f)!;
      const table = this.table(f)!;
      const gone = nlri.filter((n) => {
        const d = table.get(table.keyOf(n));
        return !d || this.desired(g, d) === undefined;
      });
      if (gone.length > 0) g.sendTo(st, packWithdrawals(FAMILIES[f], gone, st.ctx));
    }
  }

  removePeer(st: PeerRib): void {
    this.peerDown(st);
    this.sweepStale(st);
    this.peers.delete(st.info.id);
  }

  /**
   * The session is Established with these negotiated families; `llgr`: the
   * peer advertised long-lived graceful restart (it may get LLGR-stale paths).
   */
  peerUp(st: PeerRib, negotiated: readonly AfiSafi[], fourOctetAs: boolean, routerId: number, llgr = false): void {
    if (st.up) this.peerDown(st);
    st.info.routerId = routerId;
    st.llgr = llgr;
    st.families = new Set(
      negotiated
        .map((f) => familyName(f))
        .filter((f): f is FamilyName => !!f && st.configured.has(f) && this.table(f) !== undefined && this.inTable(f) !== undefined),
    );
    st.ctx = { fourOctetAs, ebgp: !st.info.ibgp, families: new Set(negotiated.map((f) => `${f.afi}/${f.safi}`)) };
    st.up = true;
    st.outPaused = false;
    st.rtc = st.families.has('route-target');
    st.vpnHeld = st.rtc && [...st.families].some(isVpn);
    this.updateDefaultMembership();
    for (const f of st.families) if (!(isVpn(f) && st.vpnHeld)) this.join(st, f);
  }

  /**
   * The session ended. Its paths go, except in the families of `retain`
   * (graceful restart, RFC 4724 §4.2): those stay, marked stale, until the
   * peer sends them again and sweepStale() removes the rest.
   */
  peerDown(st: PeerRib, retain: ReadonlySet<FamilyName> = NO_FAMILIES): void {
    if (!st.up) return;
    st.up = false;
    for (const f of [...st.groups.keys()]) this.leave(st, f);
    const kept = [...st.families].filter((f) => retain.has(f));
    if (kept.length > 0) {
      st.info.staleBefore = this.rib.lastStamp;
      for (const f of kept) st.staleFamilies.add(f);
    }
    for (const f of st.families) if (!retain.has(f)) st.paths -= this.rib.removeSource(this.inTable(f)!, st.info);
    if (kept.length === 0) st.paths = 0;
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
    if (msg.mpUnreach) for (const n of msg.mpUnreach.nlri) this.withdraw(st, msg.mpUnreach.family, n);
    if (treatAsWithdraw) {
      for (const p of msg.nlri) this.withdraw(st, 'inet', p);
      if (msg.mpReach) for (const n of msg.mpReach.nlri) this.withdraw(st, msg.mpReach.family, n);
      return;
    }
    if (msg.nlri.length > 0 && msg.attrs.nextHop !== undefined) this.announce(st, 'inet', msg.attrs, msg.nlri);
    if (msg.mpReach) {
      const nh = msg.mpReach.nextHop;
      const attrs = typeof nh === 'bigint' ? { ...msg.attrs, nextHop: undefined, nextHop6: nh } : { ...msg.attrs, nextHop: nh };
      this.announce(st, msg.mpReach.family, attrs, msg.mpReach.nlri);
    }
  }

  /** End-of-RIB from the peer for a family. */
  endOfRib(st: PeerRib, family: FamilyName): void {
    st.eorReceived.add(family);
    this.sweepStale(st, [family]); // RFC 4724 §4.2: what it did not send again is gone
    if (family === 'route-target') this.releaseVpn(st);
  }

  /**
   * Remove the peer's stale paths (graceful restart) in the given families,
   * all of them by default: at its End-of-RIB, when its restart or stale
   * timer expires, or when it comes back without preserving a family.
   */
  sweepStale(st: PeerRib, families: Iterable<FamilyName> = [...st.staleFamilies]): void {
    const before = st.info.staleBefore;
    if (before === undefined) return;
    for (const f of families) {
      if (!st.staleFamilies.delete(f)) continue;
      st.llgrFamilies.delete(f);
      const n = this.rib.removeSource(this.inTable(f)!, st.info, before);
      st.paths -= n;
      if (f === 'route-target' && n > 0) this.rescanVpn(st);
    }
    if (st.staleFamilies.size === 0) st.info.staleBefore = undefined;
  }

  /**
   * Long-lived graceful restart (RFC 9494 §4.2): the peer's restart time ran
   * out and it advertised a long-lived stale time for these families: their
   * stale paths stay, with LLGR_STALE (least preferred, and sent only to
   * peers with LLGR), those with NO_LLGR go. Until its End-of-RIB or the
   * long-lived timer sweeps them, as for any stale path.
   */
  longLivedStale(st: PeerRib, families: Iterable<FamilyName>): void {
    const before = st.info.staleBefore;
    if (before === undefined) return;
    for (const f of families) {
      if (!st.staleFamilies.has(f)) continue;
      st.llgrFamilies.add(f);
      const { removed } = this.rib.markLongLivedStale(this.inTable(f)!, st.info, before);
      st.paths -= removed;
      if (f === 'route-target' && removed > 0) this.rescanVpn(st);
    }
  }

  /** Start VPN advertisement to a route-target peer (its End-of-RIB, or the 30 s timer). */
  releaseVpn(st: PeerRib): void {
    if (!st.up || !st.vpnHeld) return;
    st.vpnHeld = false;
    for (const f of st.families) if (isVpn(f)) this.join(st, f);
  }

  private localAttrs(): PathAttributes {
    return { origin: 0, asPath: [], nextHop: this.local.routerId };
  }

  /** Send a family's whole table again (ROUTE-REFRESH, RFC 2918). */
  resend(st: PeerRib, f: FamilyName): void {
    const g = st.groups.get(f);
    if (!g) return;
    g.refresh(st);
    this.markWork(g);
  }

  /** Some update group has something to send (`held`: families whose groups do not count, restarting-speaker mode). */
  hasWork(held?: (f: FamilyName) => boolean): boolean {
    if (!held) return this.workGroups.size > 0;
    for (const g of this.workGroups) if (!held(g.family)) return true;
    return false;
  }

  /** Changes queued in the fullest update group with work, repeats included (the caller may drain early past a batch). */
  queued(): number {
    let n = 0;
    for (const g of this.workGroups) if (g.pending.size > n) n = g.pending.size;
    return n;
  }

  /**
   * The peer's socket holds more than the speaker allows: its update groups
   * stop writing to it and record, bounded by the table, where it falls
   * behind (src/rib/update-group.ts). Everything delivered so far must have
   * been written to it: call between drain() rounds.
   */
  pause(st: PeerRib): void {
    st.outPaused = true;
    for (const g of st.groups.values()) g.pause(st);
  }

  /** The peer's socket drained: its groups catch it up from the tables, then it is in step again. */
  resume(st: PeerRib): void {
    if (!st.outPaused) return;
    st.outPaused = false;
    for (const g of st.groups.values()) {
      g.resume(st);
      this.markWork(g);
    }
  }

  /**
   * Pull encoded UPDATEs, about `maxRoutes` destinations per group at most,
   * route-target groups first so peers filter what follows. Groups of the
   * `held` families keep their work for later.
   */
  drain(maxRoutes = 4096, held?: (f: FamilyName) => boolean): Delivery<PeerRib>[] {
    const groups = [...this.workGroups].filter((g) => !held?.(g.family)).sort((a, b) => FAMILIES[a.family].sendOrder - FAMILIES[b.family].sendOrder);
    const out: Delivery<PeerRib>[] = [];
    for (const g of groups) {
      this.memberships.before(g);
      out.push(...g.drain(maxRoutes));
      this.memberships.after(g);
      if (!g.hasWork) this.workGroups.delete(g);
    }
    return out;
  }

  // ------------------------------------------------------------ inbound

  private announce(st: PeerRib, f: FamilyName, attrs: PathAttributes, nlri: readonly Nlri[]): void {
    if (!st.families.has(f) || nlri.length === 0) return;
    st.paths += this.rib.addPaths(this.inTable(f)!, st.info, attrs, nlri);
    st.received += nlri.length;
    if (f !== 'route-target') return;
    for (const n of nlri) st.interest.add(n as RtMembership);
    this.rescanVpn(st);
  }

  private withdraw(st: PeerRib, f: FamilyName, n: Nlri): void {
    if (!st.families.has(f)) return;
    if (!this.rib.withdrawPath(this.inTable(f)!, n, st.info)) return;
    st.paths--;
    if (f === 'route-target') {
      st.interest.remove(n as RtMembership);
      this.rescanVpn(st);
    }
  }

  // ------------------------------------------------------------ outbound

  /** A destination changed: queue it in every update group of its family. */
  private propagate(groups: readonly UpdateGroup<PeerRib>[], dest: Dest): void {
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
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

  /**
   * Peers in one group get the same routes with the same attributes. A
   * route-target peer has its own group for VPN routes (its interest filters
   * them) and for membership routes: whether it gets the default membership
   * or the specific ones depends on whether the default came from it (never
   * sent back to its source), see MembershipOut.
   */
  private groupKey(st: PeerRib, f: FamilyName): string {
    const solo = (isVpn(f) || f === 'route-target') && st.rtc ? `|rtc${st.info.id}` : '';
    return `${f}|${st.classId}|${st.ctx.fourOctetAs ? 4 : 2}${st.llgr ? '|llgr' : ''}${solo}`;
  }

  /** Make the peer a member of its group for the family (a new group queues the whole table). */
  private join(st: PeerRib, f: FamilyName): void {
    const key = this.groupKey(st, f);
    let g = this.groups.get(key);
    if (!g) {
      const slot = this.freeSlots.pop() ?? this.nextSlot++;
      const interest = isVpn(f) && st.rtc ? st.interest : undefined;
      g = new UpdateGroup<PeerRib>(
        key, slot, f, FAMILIES[f], st.ctx, st.info, st.classId, interest, this.table(f)!, this.store,
        {
          desired: (grp, dest) => this.desired(grp, dest),
          outSet: (grp, path, dest) => this.exports.out(path, grp, dest),
          wake: (grp) => this.markWork(grp),
        },
      );
      this.groups.set(key, g);
      this.groupsOf(f).push(g);
      if (f === 'route-target') this.memberships.track(g);
      for (const dest of this.table(f)!.live()) g.pending.add(dest);
    }
    g.join(st);
    if (st.outPaused) g.pause(st);
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
    this.exports.release(g);
    this.groups.delete(g.key);
    this.memberships.forget(g);
    const list = this.groupsOf(f);
    list.splice(list.indexOf(g), 1);
    this.workGroups.delete(g);
    this.freeSlots.push(g.slot);
  }

  /**
   * What a group advertises for a destination: the best path, if export rules
   * let it, and for membership routes, if it belongs to the set the group is
   * being sent now (default or specific, MembershipOut).
   */
  private desired(g: UpdateGroup<PeerRib>, dest: Dest): Path | undefined {
    if (!this.memberships.allows(g, dest)) return undefined;
    const best = this.eligible(g, dest);
    return best && this.exports.rejects(g, dest, best) ? undefined : best;
  }

  /** The best path of a destination, if export rules let the group have it. */
  private eligible(g: UpdateGroup<PeerRib>, dest: Dest): Path | undefined {
    const best = bestPath(dest);
    if (!best || dest.ecmpCount === 0) return undefined;
    if (g.interest && !g.interest.matches(best.attrs.attrs.extCommunities)) return undefined;
    if (exportVeto(best, g.to, this.local)) return undefined;
    // RFC 9494 §4.3: not to a peer without LLGR (the optional partial-deployment
    // procedure of §4.6, LOCAL_PREF 0 and NO_EXPORT toward iBGP, is not done).
    if (isLlgrStale(best) && !this.groupDoesLlgr(g)) return undefined;
    return best;
  }

  /** Members of a group share `llgr` (it is part of the group key). */
  private groupDoesLlgr(g: UpdateGroup<PeerRib>): boolean {
    for (const m of g.members.values()) return m.llgr;
    return false;
  }

  /** The peer's route-target interest changed: re-evaluate every VPN route for it. */
  private rescanVpn(st: PeerRib): void {
    for (const [f, g] of st.groups) {
      if (!isVpn(f)) continue;
      for (const dest of this.table(f)!.live()) g.pending.add(dest);
      this.markWork(g);
    }
  }

  /**
   * RFC 4684 §3.2: while some VPN peer of ours does not do route-target, we
   * advertise the default membership so route-target peers send us every
   * VPN route (which that peer needs).
   */
  private updateDefaultMembership(): void {
    let need = false;
    for (const st of this.peers.values()) {
      if (st.up && [...st.families].some(isVpn) && !st.families.has('route-target')) need = true;
    }
    const table = this.table('route-target');
    if (!table) return;
    const local = this.rib.localPeer;
    const at = table.get(table.keyOf(DEFAULT_RT));
    const have = at !== undefined && pathsOf(at).some((p) => p.peer === local);
    if (need && !have) this.rib.addPaths(table, local, this.localAttrs(), [DEFAULT_RT]);
    else if (!need && have) this.rib.withdrawPath(table, DEFAULT_RT, local);
  }
}
