/**
 * Next-hop resolution in a routing instance (Contrail PathResolver;
 * shared/docs/contrail-control.md §5.5): paths from BGP-as-a-Service
 * sessions and static routes wait in a staging table; each is resolved by
 * longest match of its next hop in the instance table of its family
 * (normally the VM's /32 an agent published), and the resolved path — the
 * staged path's attributes with the resolving path's next hop, labels, RD
 * and tunnel-encapsulation / security-group / tag communities — is what
 * goes into the instance table, where agents, other instances and the VPN
 * tables see it. The staged path itself is never used.
 *
 * When the resolving route goes, the resolved paths go; when it comes
 * back, they come back; when it moves (another compute, another RD), they
 * follow. Everything is re-derived from the staging table and the instance
 * table, so a withdraw or a session end removes exactly what it should.
 */

import { extCommunityType } from '../bgp/wire/ext-communities/index.js';
import type { RouteKey } from '../bgp/wire/families/registry.js';
import type { Ipv4Prefix, Ipv6Prefix, PathAttributes } from '../bgp/wire/types.js';
import type { Rib } from '../rib/rib.js';
import type { Table } from '../rib/table.js';
import { pathAt, pathCount, pathsOf, type Dest, type Path, type PeerInfo } from '../rib/types.js';

type Prefix = Ipv4Prefix | Ipv6Prefix;

/** Communities of the resolving path that the resolved path takes (Contrail: encapsulation, security groups, tags). */
const INHERITED = new Set(['encapsulation', 'security-group', 'tag']);

/** What the resolver placed for one staged destination: per source, the RD of its resolved path. */
type Placed = Map<PeerInfo, bigint | undefined>;

export class NextHopResolver {
  /** Staged route key → what is placed for it in the instance table. */
  private readonly placed = new Map<RouteKey, Placed>();
  /** Next hop (IPv4 number) → staged route keys whose paths use it. */
  private readonly byNextHop = new Map<number, Set<RouteKey>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly rib: Rib,
    /** Where BGPaaS / static paths are staged (one family). */
    readonly staging: Table,
    /** The instance's table of that family, where resolved paths go. */
    readonly table: Table,
    /** The instance's IPv4 table, where next hops are looked up (they are IPv4, also for IPv6 routes). */
    private readonly lookupTable: Table,
    /** RD for a resolved path whose resolving path has none (static routes: `<router-id>:<instance-id>`). */
    private readonly instanceRd: bigint,
  ) {
    this.unsubscribe.push(staging.subscribe((key, dest) => this.resolve(key, dest as Dest<Prefix>)));
    this.unsubscribe.push(lookupTable.subscribe((_key, dest) => this.tableChanged(dest as Dest<Prefix>)));
  }

  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Re-derive the resolved paths of one staged destination. */
  private resolve(key: RouteKey, dest: Dest<Prefix>): void {
    const before = this.placed.get(key) ?? new Map<PeerInfo, bigint | undefined>();
    const now: Placed = new Map();
    for (const p of pathsOf(dest)) {
      const nh = p.attrs.attrs.nextHop;
      if (nh === undefined) continue;
      this.track(nh, key);
      const via = this.lookup(nh);
      if (!via) continue;
      const rd = via.rd ?? this.instanceRd;
      now.set(p.peer, rd);
      this.rib.placeDerived(this.table, dest.nlri, p, this.resolvedAttrs(p.attrs.attrs, via), { labels: via.labels, rd });
    }
    for (const [peer, rd] of before) {
      if (now.has(peer) && now.get(peer) === rd) continue;
      this.rib.withdrawByKey(this.table, this.table.keyOf(dest.nlri), peer, rd);
    }
    if (now.size > 0) this.placed.set(key, now);
    else this.placed.delete(key);
    if (pathCount(dest) === 0) this.untrack(key);
  }

  /** A change in the instance table: re-resolve the staged routes whose next hops it covers. */
  private tableChanged(dest: Dest<Prefix>): void {
    if (this.byNextHop.size === 0 || dest.nlri.family !== 'inet') return;
    const { addr, len } = dest.nlri;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const keys = new Set<RouteKey>();
    for (const [nh, ks] of this.byNextHop) if (((nh & mask) >>> 0) === addr) for (const k of ks) keys.add(k);
    for (const k of keys) {
      const staged = this.staging.get(k);
      if (staged) this.resolve(k, staged as Dest<Prefix>);
    }
  }

  /**
   * The best usable path for a next hop: longest match in the instance's
   * IPv4 table, skipping paths that are themselves resolved (they never
   * resolve each other).
   */
  private lookup(nh: number): Path | undefined {
    const t = this.lookupTable;
    for (let len = 32; len >= 0; len--) {
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      const dest = t.get(t.keyOf({ family: 'inet', addr: (nh & mask) >>> 0, len }));
      if (!dest) continue;
      for (let i = 0; i < dest.ecmpCount; i++) {
        const p = pathAt(dest, i)!;
        if (p.peer.kind !== 'bgpaas' && p.peer.kind !== 'static' && p.attrs.attrs.nextHop !== undefined) return p;
      }
    }
    return undefined;
  }

  private resolvedAttrs(a: PathAttributes, via: Path): PathAttributes {
    const ecs = new Set<bigint>(a.extCommunities ?? []);
    for (const c of via.attrs.attrs.extCommunities ?? []) if (INHERITED.has(extCommunityType(c))) ecs.add(c);
    const out: PathAttributes = { ...a, nextHop: via.attrs.attrs.nextHop, nextHop6: undefined };
    if (ecs.size > 0) out.extCommunities = [...ecs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return out;
  }

  private track(nh: number, key: RouteKey): void {
    let ks = this.byNextHop.get(nh);
    if (!ks) this.byNextHop.set(nh, (ks = new Set()));
    ks.add(key);
  }

  private untrack(key: RouteKey): void {
    for (const [nh, ks] of this.byNextHop) {
      ks.delete(key);
      if (ks.size === 0) this.byNextHop.delete(nh);
    }
  }
}
