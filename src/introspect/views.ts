/**
 * Introspect views: the JSON of /api/*, in the vocabulary Contrail operators
 * know from the control node's introspect (ShowRoute, BgpNeighbor,
 * ShowRoutingInstance, ShowXmppConnection; contrail-control.md §6). Built
 * from the records of data.ts, like the Sandesh pages, so the JSON and the
 * XML show the same thing. Field names here are relied on by scripts and
 * the `control-node show` command: add fields, never rename them.
 * Read-only: nothing here changes state.
 */

import { nlriToString } from '../bgp/wire/index.js';
import {
  bgpNeighbors, instanceRecord, pathRecord, tables, xmppNeighbors,
  type IntrospectContext, type PathRecord,
} from './data.js';
import type { RouteKey } from '../rib/nlri-key.js';
import { pathCount, pathsOf } from '../rib/types.js';
import type { RouteIndex } from './route-index.js';
import type { IntrospectSources } from './sources.js';

export { tables } from './data.js';

export function summary(s: IntrospectSources): object {
  return {
    tables: [...tables(s)].map(([name, t]) => ({ name, prefixes: t.size, paths: t.paths })),
    bgpPeers: s.bgp.peers.size,
    bgpPeersUp: [...s.bgp.peers.values()].filter((e) => e.rib.up).length,
    xmppAgents: s.xmpp?.byName.size ?? 0,
    attributeSets: s.rib.store.size,
    updateGroups: s.peering.groups.size,
    ...(s.reloads && { lastReload: s.reloads.last ?? null }),
  };
}

export function neighbors(s: IntrospectSources): object[] {
  const bgp = bgpNeighbors(s).map((n) => ({
    name: n.name, encoding: n.encoding, address: n.address, asn: n.asn,
    type: n.ibgp ? 'internal' : 'external', routeReflectorClient: n.rrClient,
    state: n.state, routerId: n.routerId, families: n.families, establishedAt: n.establishedAt, flaps: n.flaps,
    prefixes: n.prefixes, updatesIn: n.updatesIn, updatesOut: n.updatesOut,
    notificationsIn: n.notificationsIn, notificationsOut: n.notificationsOut, faults: n.faults,
    lastDownReason: n.lastDownReason, lastError: n.lastError, updateGroups: n.updateGroups,
    ...(n.routingInstance !== undefined && { routingInstance: n.routingInstance }),
  }));
  const xmpp = xmppNeighbors(s).map((n) => ({
    name: n.name, encoding: n.encoding, address: n.address, state: n.state,
    routingInstances: n.instances.map((i) => i.name), prefixes: n.prefixes,
    itemsSent: n.itemsSent, retractsSent: n.retractsSent, dropped: n.dropped, unsupportedFamilies: n.unsupportedFamilies,
    endOfRibSent: n.endOfRibSent, congested: n.congested, connectedAt: n.connectedAt,
  }));
  return [...bgp, ...xmpp];
}

export function instances(s: IntrospectSources): object[] {
  return [...s.instances.instances.values()].map((inst) => {
    const i = instanceRecord(inst);
    const inet = inst.table('inet');
    return {
      name: i.name, id: i.id, virtualNetwork: i.virtualNetwork, vnIndex: i.vnIndex,
      importTargets: i.importTargets, exportTargets: i.exportTargets,
      tables: i.tables.map((t) => ({ name: t.name, prefixes: t.size })),
      table: inet?.name, prefixes: inet?.size ?? 0, subscribers: i.subscribers,
    };
  });
}

export interface RouteQuery {
  readonly table: string;
  /** Substring match on the prefix text (Contrail: regex; kept simple and safe). */
  readonly prefix?: string;
  readonly limit: number;
  /** Start after this route key: the `next` of the page before (absent: the first route). */
  readonly after?: RouteKey;
  /** Most routes to look at (default SCAN_LIMIT). */
  readonly scanLimit?: number;
}

/**
 * Most routes one page looks at. A search that matches few routes of a big
 * table stops here with `more` and a `next` cursor, so no request walks a
 * table of a million routes; the caller asks again from `next`.
 */
export const SCAN_LIMIT = 100_000;

/**
 * A page of a table's routes in route-key order (Contrail's order), from the
 * cursor on: `routes` (at most `limit`), `more` when routes after the page
 * remain unexamined, `next` the cursor of the following page (an opaque
 * string), and `scanned`, how many routes this page looked at.
 */
export function routes(ctx: IntrospectContext, index: RouteIndex, q: RouteQuery): object | undefined {
  const all = tables(ctx.s);
  index.retain(new Set(all.values()));
  const table = all.get(q.table);
  if (!table) return undefined;
  const out: object[] = [];
  let scanned = 0;
  let last: RouteKey | undefined;
  let more = false;
  const scanLimit = q.scanLimit ?? SCAN_LIMIT;
  for (const key of index.keys(table).after(q.after)) {
    if (out.length >= q.limit || scanned >= scanLimit) {
      more = true;
      break;
    }
    scanned++;
    last = key;
    const dest = table.get(key);
    if (!dest || pathCount(dest) === 0) continue;
    const text = nlriToString(dest.nlri);
    if (q.prefix && !text.includes(q.prefix)) continue;
    out.push({ prefix: text, paths: pathsOf(dest).map((p, i) => pathView(pathRecord(ctx, dest, p, i))) });
  }
  return {
    table: q.table, prefixes: table.size, paths: table.paths, routes: out, more,
    ...(more && last !== undefined && { next: last.toString() }), scanned,
  };
}

function pathView(p: PathRecord): object {
  return {
    protocol: p.protocol, source: p.source, best: p.best, ecmp: p.ecmp, lostAt: p.lostAt, infeasible: p.infeasible,
    nextHop: p.nextHop, labels: p.labels, rd: p.rd, localPref: p.localPref, med: p.med, origin: p.origin,
    asPath: p.asPath, communities: p.communities, originatorId: p.originatorId, clusterList: p.clusterList,
    replicatedFrom: p.replicatedFrom, lastModified: new Date(p.lastModified).toISOString(),
    ...(p.stale && { stale: true }),
    ...(p.llgrStale && { llgrStale: true }),
  };
}
