/**
 * Introspect views: plain JSON built from the running pieces (RIB, routing
 * instances, BGP speaker, XMPP server), in the vocabulary Contrail operators
 * know from the control node's introspect (ShowRoute, BgpNeighbor,
 * ShowRoutingInstance, ShowXmppConnection; contrail-control.md §6).
 * Read-only: nothing here changes state, and nothing imports this module.
 */

import { communityToString, extCommunityToString, ipv4ToString, nextHopToString, nlriToString, rdToString } from '../bgp/wire/index.js';
import { explain } from '../rib/best-path.js';
import type { Table } from '../rib/table.js';
import type { Dest, Path } from '../rib/types.js';
import type { IntrospectSources } from './sources.js';

/** Every table of every instance by its Contrail name, the master's first. */
export function tables(s: IntrospectSources): Map<string, Table> {
  const out = new Map<string, Table>();
  for (const inst of s.instances.instances.values()) for (const [, t] of inst.allTables()) out.set(t.name, t);
  return out;
}

export function summary(s: IntrospectSources): object {
  return {
    tables: [...tables(s)].map(([name, t]) => ({ name, prefixes: t.size, paths: t.paths })),
    bgpPeers: s.bgp.peers.size,
    bgpPeersUp: [...s.bgp.peers.values()].filter((e) => e.rib.up).length,
    xmppAgents: s.xmpp?.byName.size ?? 0,
    attributeSets: s.rib.store.size,
    updateGroups: s.peering.groups.size,
  };
}

export function neighbors(s: IntrospectSources): object[] {
  const out: object[] = [];
  for (const e of s.bgp.peers.values()) {
    const st = e.session.stats;
    out.push({
      name: e.config.name, encoding: 'BGP', address: e.config.address, asn: e.config.asn,
      type: e.info.ibgp ? 'internal' : 'external', routeReflectorClient: e.info.rrClient,
      state: e.session.stateName, routerId: e.rib.up ? ipv4ToString(e.info.routerId) : undefined,
      families: [...e.rib.families], establishedAt: st.establishedAt, flaps: st.flaps,
      prefixes: e.rib.paths, updatesIn: st.updatesIn, updatesOut: st.updatesOut,
      notificationsIn: st.notificationsIn, notificationsOut: st.notificationsOut, faults: st.faults,
      lastDownReason: st.lastDownReason, lastError: st.lastError,
      updateGroups: [...e.rib.groups.values()].map((g) => g.key),
    });
  }
  for (const ch of s.xmpp?.channels ?? []) {
    const sess = ch.session;
    out.push({
      name: ch.name ?? `${ch.remoteAddress}:${ch.remotePort}`, encoding: 'XMPP', address: ch.remoteAddress,
      state: ch.state === 'established' ? 'Established' : ch.state === 'open-wait' ? 'Active' : 'Idle',
      routingInstances: sess ? [...sess.subs.keys()] : [], prefixes: sess?.routeCount ?? 0,
      itemsSent: sess?.stats.itemsSent ?? 0, retractsSent: sess?.stats.retractsSent ?? 0,
      dropped: sess ? Object.fromEntries(sess.stats.dropped) : {},
      unsupportedFamilies: sess ? Object.fromEntries(sess.stats.unsupported) : {},
      endOfRibSent: sess?.endOfRibSent ?? false, congested: ch.isCongested, connectedAt: ch.connectedAt,
    });
  }
  return out;
}

export function instances(s: IntrospectSources): object[] {
  return [...s.instances.instances.values()].map((i) => ({
    name: i.name, id: i.id, virtualNetwork: i.virtualNetwork, vnIndex: i.vnIndex,
    importTargets: [...i.importTargets].map(extCommunityToString),
    exportTargets: [...i.exportTargets].map(extCommunityToString),
    tables: [...i.allTables()].map(([, t]) => ({ name: t.name, prefixes: t.size })),
    table: i.table('inet')?.name, prefixes: i.table('inet')?.size ?? 0, subscribers: i.subscribers,
  }));
}

export interface RouteQuery {
  readonly table: string;
  /** Substring match on the prefix text (Contrail: regex; kept simple and safe). */
  readonly prefix?: string;
  readonly limit: number;
}

export function routes(s: IntrospectSources, q: RouteQuery): object | undefined {
  const table = tables(s).get(q.table);
  if (!table) return undefined;
  const out: object[] = [];
  for (const [, dest] of table.entries()) {
    if (out.length >= q.limit) break;
    const text = nlriToString(dest.nlri);
    if (q.prefix && !text.includes(q.prefix)) continue;
    out.push({ prefix: text, paths: dest.paths.map((p, i) => pathView(dest, p, i)) });
  }
  return { table: q.table, prefixes: table.size, paths: table.paths, routes: out, more: out.length >= q.limit };
}

function pathView(dest: Dest, p: Path, i: number): object {
  const a = p.attrs.attrs;
  const best = dest.paths[0]!;
  return {
    protocol: p.peer.kind === 'xmpp' ? 'XMPP' : p.peer.kind === 'local' ? 'Local' : 'BGP',
    source: p.peer.name, best: i === 0 && dest.ecmpCount > 0, ecmp: i < dest.ecmpCount,
    lostAt: i === 0 ? undefined : explain(best, p), infeasible: p.infeasible,
    nextHop: nextHopToString(a),
    labels: p.labels,
    rd: p.rd === undefined ? undefined : rdToString(p.rd), localPref: a.localPref, med: a.med, origin: a.origin,
    asPath: (a.asPath ?? []).map((seg) => (seg.type === 1 ? `{${seg.asns.join(' ')}}` : seg.asns.join(' '))).join(' '),
    communities: [...(a.communities ?? []).map(communityToString), ...(a.extCommunities ?? []).map(extCommunityToString)],
    originatorId: a.originatorId === undefined ? undefined : ipv4ToString(a.originatorId),
    clusterList: a.clusterList?.map(ipv4ToString), replicatedFrom: p.replicated?.fromTable,
  };
}

