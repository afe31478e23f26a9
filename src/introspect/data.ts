/**
 * The one data layer of introspect: plain records of tables, routes and
 * paths, neighbours and routing instances, read from the running pieces
 * (RIB, routing instances, BGP speaker, XMPP server). The JSON views
 * (views.ts) and the Contrail-compatible Sandesh pages (sandesh/*.ts) are
 * both built from these records, so the two can never disagree.
 *
 * Vocabulary and ordering follow the Contrail control node's introspect
 * (tf-controller src/bgp/bgp_peer.sandesh: ShowRouteTable, ShowRoutePath,
 * BgpNeighborResp, ShowRoutingInstance; contrail-control.md §6).
 * Read-only: nothing here changes state.
 */

import {
  communityToString, encapsulationsOf, extCommunityToString, ipv4ToString, loadBalanceOf, mobilityOf, nextHopToString,
  nlriToString, originVnOf, rdToString,
} from '../bgp/wire/index.js';
import type { FamilyName } from '../bgp/wire/types.js';
import { labelList } from '../bgp/wire/families/labeled.js';
import { explain } from '../rib/best-path.js';
import type { Table } from '../rib/table.js';
import { bestPath, isLlgrStale, isStale, pathsOf, type Dest, type InfeasibleReason, type Path } from '../rib/types.js';
import type { RoutingInstance } from '../routing-instances/instance.js';
import type { PathClock } from './clock.js';
import type { IntrospectSources } from './sources.js';

/** What every page reads: the sources and the clock of path changes. */
export interface IntrospectContext {
  readonly s: IntrospectSources;
  readonly clock: PathClock;
}

// ---------------------------------------------------------------- tables

/** Every table of every instance by its Contrail name, the master's first (the JSON order). */
export function tables(s: IntrospectSources): Map<string, Table> {
  const out = new Map<string, Table>();
  for (const inst of s.instances.instances.values()) for (const [, t] of inst.allTables()) out.set(t.name, t);
  return out;
}

/** Contrail's order: instances by name, each one's tables by name (RoutingInstanceMgr, RouteTableList). */
export function instancesInOrder(s: IntrospectSources): RoutingInstance[] {
  return [...s.instances.instances.values()].sort((a, b) => compareText(a.name, b.name));
}

export function tablesInOrder(inst: RoutingInstance): Table[] {
  return [...inst.allTables()].map(([, t]) => t).sort((a, b) => compareText(a.name, b.name));
}

/** Byte-wise order, as std::string compares (localeCompare would not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface TableCounts {
  readonly prefixes: number;
  /** Primary plus secondary (Contrail's `paths`). */
  readonly paths: number;
  /** Paths received here (not copies made by route-target replication). */
  readonly primaryPaths: number;
  readonly secondaryPaths: number;
  readonly infeasiblePaths: number;
  /** Paths kept from before their source's session restarted (graceful restart). */
  readonly stalePaths: number;
  /** Paths carrying LLGR_STALE (long-lived graceful restart, RFC 9494). */
  readonly llgrStalePaths: number;
}

export function tableCounts(table: Table): TableCounts {
  let secondary = 0;
  let infeasible = 0;
  let stale = 0;
  let llgrStale = 0;
  for (const [, dest] of table.entries()) {
    for (const p of pathsOf(dest)) {
      if (p.replicated) secondary++;
      if (p.infeasible) infeasible++;
      if (isStale(p)) stale++;
      if (isLlgrStale(p)) llgrStale++;
    }
  }
  return {
    prefixes: table.size, paths: table.paths, primaryPaths: table.paths - secondary, secondaryPaths: secondary,
    infeasiblePaths: infeasible, stalePaths: stale, llgrStalePaths: llgrStale,
  };
}

// ---------------------------------------------------------------- routes

export type Protocol = 'BGP' | 'XMPP' | 'Local';

export interface PathRecord {
  readonly protocol: Protocol;
  /** The peer's name: the BGP peer, the agent's hostname, or `local`. */
  readonly source: string;
  readonly best: boolean;
  readonly ecmp: boolean;
  /** The best-path step this path lost at (undefined for the best path). */
  readonly lostAt: string | undefined;
  readonly infeasible: InfeasibleReason | undefined;
  readonly nextHop: string | undefined;
  readonly labels: readonly number[];
  readonly rd: string | undefined;
  readonly localPref: number | undefined;
  readonly med: number | undefined;
  readonly origin: number | undefined;
  readonly asPath: string;
  readonly communities: string[];
  readonly originatorId: string | undefined;
  readonly clusterList: string[] | undefined;
  /** The table holding the primary path, for a copy made by replication. */
  readonly replicatedFrom: string | undefined;
  /** Kept from before its source's session restarted (graceful restart), until it is sent again. */
  readonly stale: boolean;
  /** Carries LLGR_STALE: kept past its source's restart time (long-lived graceful restart), least preferred. */
  readonly llgrStale: boolean;
  /** Epoch ms of the path's last change. */
  readonly lastModified: number;
  /** Our AS, and the source's AS and router id. */
  readonly localAs: number;
  readonly peerAsn: number;
  readonly peerRouterId: string;
  /** Tunnel encapsulations from the extended communities (`gre`, `udp`, `vxlan`, ...). */
  readonly tunnelEncap: string[];
  /** The origin VN's name, `unresolved` when absent or unknown (Contrail's wording). */
  readonly originVn: string;
  /** MAC-mobility sequence number, 0 when absent. */
  readonly sequenceNo: number;
  readonly loadBalance: { readonly fields: readonly string[]; readonly sourceBias: boolean } | undefined;
}

export interface RouteRecord {
  readonly prefix: string;
  /** The newest of its paths' last changes. */
  readonly lastModified: number;
  readonly paths: PathRecord[];
}

export function routeRecord(ctx: IntrospectContext, dest: Dest): RouteRecord {
  const paths = pathsOf(dest).map((p, i) => pathRecord(ctx, dest, p, i));
  return { prefix: nlriToString(dest.nlri), lastModified: Math.max(0, ...paths.map((p) => p.lastModified)), paths };
}

export function pathRecord(ctx: IntrospectContext, dest: Dest, p: Path, i: number): PathRecord {
  const a = p.attrs.attrs;
  const best = bestPath(dest)!;
  const vn = originVnOf(a.extCommunities);
  const lb = loadBalanceOf(a.extCommunities);
  return {
    protocol: p.peer.kind === 'xmpp' ? 'XMPP' : p.peer.kind === 'local' ? 'Local' : 'BGP',
    source: p.peer.name, best: i === 0 && dest.ecmpCount > 0, ecmp: i < dest.ecmpCount,
    lostAt: i === 0 ? undefined : explain(best, p), infeasible: p.infeasible,
    nextHop: nextHopToString(a), labels: labelList(p.labels),
    rd: p.rd === undefined ? undefined : rdToString(p.rd), localPref: a.localPref, med: a.med, origin: a.origin,
    asPath: (a.asPath ?? []).map((seg) => (seg.type === 1 ? `{${seg.asns.join(' ')}}` : seg.asns.join(' '))).join(' '),
    communities: [...(a.communities ?? []).map(communityToString), ...(a.extCommunities ?? []).map(extCommunityToString)],
    originatorId: a.originatorId === undefined ? undefined : ipv4ToString(a.originatorId),
    clusterList: a.clusterList?.map(ipv4ToString), replicatedFrom: p.replicated?.fromTable, stale: isStale(p),
    llgrStale: isLlgrStale(p),
    lastModified: ctx.clock.time(p),
    localAs: ctx.s.rib.local.asn, peerAsn: p.peer.asn, peerRouterId: ipv4ToString(p.peer.routerId),
    tunnelEncap: encapsulationsOf(a.extCommunities),
    originVn: (vn && ctx.s.instances.networkOfIndex(vn.index)) ?? 'unresolved',
    sequenceNo: mobilityOf(a.extCommunities)?.seq ?? 0,
    loadBalance: lb && { fields: [...lb.fields], sourceBias: lb.sourceBias },
  };
}

// ---------------------------------------------------------------- neighbours

export interface BgpNeighborRecord {
  readonly encoding: 'BGP';
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly ibgp: boolean;
  readonly rrClient: boolean;
  readonly passive: boolean;
  readonly state: string;
  readonly routerId: string | undefined;
  readonly configuredFamilies: readonly FamilyName[];
  readonly families: FamilyName[];
  readonly holdTime: number | undefined;
  readonly establishedAt: number | undefined;
  readonly flaps: number;
  readonly lastDownAt: number | undefined;
  readonly prefixes: number;
  readonly updatesIn: number;
  readonly updatesOut: number;
  readonly notificationsIn: number;
  readonly notificationsOut: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly keepalivesIn: number;
  readonly keepalivesOut: number;
  readonly fourOctetAs: boolean;
  readonly faults: Readonly<Record<string, number>>;
  readonly lastDownReason: string | undefined;
  readonly lastError: string | undefined;
  readonly updateGroups: string[];
  /** The routing instance of a BGP-as-a-Service session (absent for the master's peers). */
  readonly routingInstance?: string;
}

export interface XmppNeighborRecord {
  readonly encoding: 'XMPP';
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly state: 'Established' | 'Active' | 'Idle';
  /** Subscribed instances with the agent's instance id (Contrail's `index`). */
  readonly instances: { readonly name: string; readonly index: number | undefined }[];
  readonly prefixes: number;
  readonly itemsSent: number;
  readonly retractsSent: number;
  readonly dropped: Record<string, number>;
  /** Items of families this node does not carry, per afi/safi. */
  readonly unsupportedFamilies: Record<string, number>;
  readonly endOfRibSent: boolean;
  readonly congested: boolean;
  readonly connectedAt: number;
  /** Contrail's auth type: `TLS` once the stream runs over TLS (xmpp.tls), else `NIL`. */
  readonly auth: 'TLS' | 'NIL';
}

export type NeighborRecord = BgpNeighborRecord | XmppNeighborRecord;

/** BGP peers in configuration order. */
export function bgpNeighbors(s: IntrospectSources): BgpNeighborRecord[] {
  return [...s.bgp.peers.values()].map((e) => {
    const st = e.session.stats;
    return {
      encoding: 'BGP', name: e.config.name, address: e.config.address, port: e.config.port, asn: e.config.asn,
      ibgp: e.info.ibgp, rrClient: e.info.rrClient, passive: e.config.passive, state: e.session.stateName,
      routerId: e.rib.up ? ipv4ToString(e.info.routerId) : undefined,
      configuredFamilies: e.config.families, families: [...e.rib.families], holdTime: st.negotiated?.holdTime,
      establishedAt: st.establishedAt, flaps: st.flaps, lastDownAt: st.lastDownAt, prefixes: e.rib.paths,
      updatesIn: st.updatesIn, updatesOut: st.updatesOut, notificationsIn: st.notificationsIn,
      notificationsOut: st.notificationsOut, messagesIn: st.messagesIn, messagesOut: st.messagesOut,
      keepalivesIn: st.keepalivesIn, keepalivesOut: st.keepalivesOut, fourOctetAs: st.negotiated?.fourOctetAs ?? false, faults: st.faults, lastDownReason: st.lastDownReason,
      lastError: st.lastError, updateGroups: [...e.rib.groups.values()].map((g) => g.key),
      ...(e.config.instance !== undefined && { routingInstance: e.config.instance }),
    };
  });
}

/** Agents in connection order. */
export function xmppNeighbors(s: IntrospectSources): XmppNeighborRecord[] {
  return [...(s.xmpp?.channels ?? [])].map((ch) => {
    const sess = ch.session;
    return {
      encoding: 'XMPP', name: ch.name ?? `${ch.remoteAddress}:${ch.remotePort}`, address: ch.remoteAddress,
      port: ch.remotePort, state: ch.state === 'established' ? 'Established' : ch.state === 'closed' ? 'Idle' : 'Active',
      instances: sess ? [...sess.subs.values()].map((sub) => ({ name: sub.name, index: sub.instanceId })) : [],
      prefixes: sess?.routeCount ?? 0, itemsSent: sess?.stats.itemsSent ?? 0, retractsSent: sess?.stats.retractsSent ?? 0,
      dropped: sess ? Object.fromEntries(sess.stats.dropped) : {},
      unsupportedFamilies: sess ? Object.fromEntries(sess.stats.unsupported) : {}, endOfRibSent: sess?.endOfRibSent ?? false,
      congested: ch.isCongested, connectedAt: ch.connectedAt, auth: ch.secure ? 'TLS' : 'NIL',
    };
  });
}

// ---------------------------------------------------------------- instances

export interface InstanceRecord {
  readonly name: string;
  readonly id: number;
  readonly virtualNetwork: string;
  readonly vnIndex: number;
  readonly importTargets: string[];
  readonly exportTargets: string[];
  readonly tables: Table[];
  readonly subscribers: number;
  readonly master: boolean;
}

export function instanceRecord(i: RoutingInstance): InstanceRecord {
  return {
    name: i.name, id: i.id, virtualNetwork: i.virtualNetwork, vnIndex: i.vnIndex,
    importTargets: [...i.importTargets].map(extCommunityToString),
    exportTargets: [...i.exportTargets].map(extCommunityToString),
    tables: [...i.allTables()].map(([, t]) => t), subscribers: i.subscribers, master: i.master,
  };
}
