/**
 * The route pages: ShowRouteReq (and its next page, ShowRouteReqIterate) and
 * ShowRouteSummaryReq (and ShowRouteSummaryReqIterate), with Contrail's
 * element names, field numbers and paging (tf-controller
 * src/bgp/bgp_peer.sandesh, bgp_peer_internal.sandesh; bgp_show_route.cc,
 * bgp_show_route_summary.cc):
 *
 * - instances by name, each one's tables by name, routes by key;
 * - a ShowRouteReq page holds at most `count` routes (0 or too many: 1000),
 *   reads one more to know whether there is a next page, and then puts
 *   `UserRI||UserRT||UserPfx||NextRI||NextRT||NextPfx||count||source||
 *   protocol||family||longer_match||shorter_match` in `next_batch`;
 * - a table appears only when it has routes to show; a route only when one
 *   of its paths passes the source and protocol filters;
 * - summary pages close after the instance that reaches 64 tables, with
 *   `next_batch` = `<next instance>||<search string>`.
 *
 * The records come from ../data.ts, like the JSON of /api/routes.
 */

import { nlriToString } from '../../bgp/wire/index.js';
import type { Table } from '../../rib/table.js';
import type { RouteKey } from '../../rib/nlri-key.js';
import {
  compareText, instancesInOrder, routeRecord, tableCounts, tablesInOrder,
  type PathRecord, type RouteRecord, type TableCounts,
} from '../data.js';
import { keyOfText, prefixMatcher } from './route-match.js';
import { ITER_SEPARATOR, parseBool, parseU32, searchRequests, type PageContext, type SandeshRequest } from './request.js';
import { bool, nextBatchXml, sandesh, sandeshTime, str, strList, struct, structList, u32, u64 } from './xml.js';
import { pathCount } from '../../rib/types.js';

/** ShowRouteReq's fields, in the order the .sandesh file declares them. */
interface RouteQuery {
  readonly routingTable: string;
  readonly routingInstance: string;
  readonly prefix: string;
  readonly longerMatch: boolean;
  readonly shorterMatch: boolean;
  readonly count: number;
  readonly startRoutingTable: string;
  readonly startRoutingInstance: string;
  readonly startPrefix: string;
  readonly source: string;
  readonly protocol: string;
  readonly family: string;
}

interface TablePage {
  readonly instance: string;
  readonly table: Table;
  readonly routes: RouteRecord[];
}

/** Contrail's family token of a table (Address::FamilyToTableString), plus our config token. */
const TABLE_FAMILY: Readonly<Record<string, readonly string[]>> = {
  inet: ['inet'], inet6: ['inet6'], 'inet-vpn': ['l3vpn', 'inetvpn', 'inet-vpn'],
  'inet6-vpn': ['l3vpn-inet6', 'inet6vpn', 'inet6-vpn'], 'route-target': ['rtarget', 'route-target'],
};

/**
 * The routes of one table from where the page starts, at most `limit` of
 * them, walking the table's ordered keys from the start prefix (the shared
 * route index: O(log n) to find the start, never a sort per page).
 */
function tableRoutes(ctx: PageContext, table: Table, q: RouteQuery, limit: number): RouteRecord[] {
  const matches = prefixMatcher(table, { prefix: q.prefix, longer: q.longerMatch, shorter: q.shorterMatch });
  const out: RouteRecord[] = [];
  for (const key of ctx.index.keys(table).from(startKey(table, q))) {
    if (out.length >= limit) break;
    const d = table.get(key);
    if (!d || pathCount(d) === 0 || !matches(d.nlri, nlriToString(d.nlri))) continue;
    const r = routeRecord(ctx, d);
    const paths = r.paths.filter((p) => (q.source === '' || p.source === q.source) &&
      (q.protocol === '' || p.protocol.toLowerCase() === q.protocol.toLowerCase()));
    if (paths.length > 0) out.push({ ...r, paths });
  }
  return out;
}

/** Where this table's page starts: the start prefix's key (the first route of this page was the extra one read last time). */
function startKey(table: Table, q: RouteQuery): RouteKey | undefined {
  return table.name === q.startRoutingTable ? keyOfText(table, q.startPrefix) : undefined;
}

/** The tables and routes of one page, up to `want` routes (ShowRouteHandler::CallbackS1Common). */
function collect(ctx: PageContext, q: RouteQuery, want: number): TablePage[] {
  const byTable = q.routingTable === '' ? undefined : ctx.s.instances.byTableName(q.routingTable)?.name;
  if (q.routingTable !== '' && byTable === undefined) return [];
  const exact = byTable ?? q.routingInstance;
  const start = exact !== '' ? exact : q.startRoutingInstance;
  const out: TablePage[] = [];
  let count = 0;
  for (const inst of instancesInOrder(ctx.s)) {
    if (compareText(inst.name, start) < 0) continue;
    if (exact !== '' && inst.name !== exact) break;
    const tables = tablesInOrder(inst);
    for (const table of tables) {
      if (inst.name === q.startRoutingInstance && compareText(table.name, q.startRoutingTable) < 0) continue;
      if (q.family !== '' && !(TABLE_FAMILY[table.family.name] ?? []).includes(q.family)) continue;
      if (q.routingTable !== '' && table.name !== q.routingTable) continue;
      const routes = tableRoutes(ctx, table, q, want - count);
      if (routes.length > 0) out.push({ instance: inst.name, table, routes });
      count += routes.length;
      if (count >= want) return out;
    }
  }
  return out;
}

/** Pop the extra route and say where the next page starts (ShowRouteHandler::SaveContextAndPopLast). */
function nextBatch(q: RouteQuery, pages: TablePage[], want: number): string | undefined {
  const total = pages.reduce((n, p) => n + p.routes.length, 0);
  if (total < want) return undefined;
  const newCount = q.count !== 0 ? q.count - total + 1 : 0;
  const last = pages[pages.length - 1]!;
  const lastRoute = last.routes.pop()!;
  if (last.routes.length === 0) pages.pop();
  if (q.count !== 0 && newCount === 0) return undefined;
  return [
    q.routingInstance, q.routingTable, q.prefix, last.instance, last.table.name, lastRoute.prefix, String(newCount),
    q.source, q.protocol, q.family, String(q.longerMatch), String(q.shorterMatch),
  ].join(ITER_SEPARATOR);
}

function showRoute(ctx: PageContext, q: RouteQuery | undefined): string {
  if (!q) return sandesh('ShowRouteResp', structList('tables', 1, 'ShowRouteTable', []));
  const max = q.count === 0 || q.count > ctx.routePageSize ? ctx.routePageSize : q.count;
  const pages = collect(ctx, q, max + 1);
  const next = nextBatch(q, pages, max + 1);
  const tables = pages.map((p) => routeTableXml(p, tableCounts(p.table)));
  return sandesh('ShowRouteResp', structList('tables', 1, 'ShowRouteTable', tables) + nextBatchXml(next, 'ShowRouteReqIterate'));
}

function routeTableXml(p: TablePage, c: TableCounts): string {
  return str('routing_instance', 1, p.instance, { link: 'ShowRoutingInstanceReq' }) +
    str('routing_table_name', 2, p.table.name, { link: 'ShowRouteReq' }) +
    bool('deleted', 9, false) + str('deleted_at', 11, '') +
    u64('prefixes', 3, c.prefixes) + u64('paths', 4, c.paths) + u64('primary_paths', 5, c.primaryPaths) +
    u64('secondary_paths', 6, c.secondaryPaths) + u64('infeasible_paths', 7, c.infeasiblePaths) +
    u64('stale_paths', 12, c.stalePaths) + u64('llgr_stale_paths', 13, c.llgrStalePaths) +
    structList('routes', 8, 'ShowRoute', p.routes.map(routeXml)) +
    structList('listeners', 10, 'ShowTableListener', []);
}

function routeXml(r: RouteRecord): string {
  return str('prefix', 1, r.prefix) + str('last_modified', 2, sandeshTime(r.lastModified)) +
    structList('paths', 3, 'ShowRoutePath', r.paths.map(pathXml));
}

const ORIGIN = ['igp', 'egp', 'incomplete'];

/** Contrail's path flags (BgpPath::PathFlag names) for the reasons a path is infeasible. */
const FLAG: Readonly<Record<string, string>> = {
  'as-path-loop': 'AsPathLooped', 'originator-id-loop': 'OriginatorIdLooped', 'cluster-list-loop': 'ClusterListLooped',
  'no-tunnel-encap': 'NoTunnelEncap', 'treat-as-withdraw': 'TreatAsWithdraw',
};

/** Contrail's flags of a path: why it is infeasible, Stale and LlgrStale (graceful restart). */
function pathFlags(p: PathRecord): string[] {
  const out = p.infeasible ? [FLAG[p.infeasible] ?? p.infeasible] : [];
  if (p.stale) out.push('Stale');
  if (p.llgrStale) out.push('LlgrStale');
  return out;
}

function pathXml(p: PathRecord): string {
  const lb = p.loadBalance;
  return str('protocol', 1, p.protocol) + str('last_modified', 3, sandeshTime(p.lastModified)) +
    u32('local_preference', 5, p.localPref) + u32('med', 25, p.med) + u32('local_as', 6, p.localAs) +
    u32('peer_as', 7, p.peerAsn) + str('peer_router_id', 8, p.peerRouterId) + str('source', 9, p.source) +
    str('as_path', 10, p.asPath) + str('as4_path', 30, '') + str('next_hop', 11, p.nextHop) +
    u32('label', 12, p.labels[0]) + str('origin', 26, p.origin === undefined ? '' : (ORIGIN[p.origin] ?? String(p.origin))) +
    bool('replicated', 13, p.replicatedFrom !== undefined) +
    str('primary_table', 14, p.replicatedFrom ?? '', { link: 'ShowRouteReq' }) +
    strList('secondary_tables', 24, []) + strList('communities', 15, p.communities) +
    str('origin_vn', 16, p.originVn) + strList('flags', 17, pathFlags(p)) +
    strList('tunnel_encap', 18, p.tunnelEncap) + str('sequence_no', 19, String(p.sequenceNo)) +
    strList('origin_vn_path', 20, []) +
    struct('pmsi_tunnel', 21, 'ShowPmsiTunnel', str('type', 1, '') + str('ar_type', 2, '') + str('identifier', 3, '') +
      u32('label', 4, 0) + strList('flags', 5, [])) +
    struct('load_balance', 22, 'ShowLoadBalance', str('decision_type', 1, lb ? (lb.sourceBias ? 'source-bias' : 'field-hash') : '') +
      strList('fields', 2, lb?.fields ?? [])) +
    strList('cluster_list', 23, p.clusterList ?? []) + str('originator_id', 27, p.originatorId ?? '') +
    structList('edge_discovery', 28, 'ShowEdgeDiscovery', []) + structList('edge_forwarding', 29, 'ShowEdgeForwarding', []);
}

function routeQuery(p: Readonly<Record<string, string>>): RouteQuery {
  return {
    routingTable: p.routing_table ?? '', routingInstance: p.routing_instance ?? '', prefix: p.prefix ?? '',
    longerMatch: parseBool(p.longer_match), shorterMatch: parseBool(p.shorter_match), count: parseU32(p.count),
    startRoutingTable: p.start_routing_table ?? '', startRoutingInstance: p.start_routing_instance ?? '',
    startPrefix: p.start_prefix ?? '', source: p.source ?? '', protocol: p.protocol ?? '', family: p.family ?? '',
  };
}

/** ShowRouteReqIterate's route_info back into a query, or undefined when it is not one of ours. */
function iterateQuery(info: string): RouteQuery | undefined {
  const f = info.split(ITER_SEPARATOR);
  if (f.length < 12) return undefined;
  return {
    routingInstance: f[0]!, routingTable: f[1]!, prefix: f[2]!, startRoutingInstance: f[3]!, startRoutingTable: f[4]!,
    startPrefix: f[5]!, count: parseU32(f[6]), source: f[7]!, protocol: f[8]!, family: f[9]!,
    longerMatch: f[10] === 'true', shorterMatch: f.slice(11).join(ITER_SEPARATOR) === 'true',
  };
}

// ---------------------------------------------------------------- summary

function showRouteSummary(ctx: PageContext, search: string, next: string): string {
  const rows: string[] = [];
  const instances = instancesInOrder(ctx.s).filter((i) => compareText(i.name, next) >= 0);
  let more: string | undefined;
  for (let i = 0; i < instances.length; i++) {
    for (const table of tablesInOrder(instances[i]!)) {
      if (table.name.includes(search)) rows.push(summaryXml(table.name, tableCounts(table)));
    }
    if (rows.length >= ctx.pageLimit && i + 1 < instances.length) {
      more = instances[i + 1]!.name + ITER_SEPARATOR + search;
      break;
    }
  }
  return sandesh('ShowRouteSummaryResp',
    structList('tables', 1, 'ShowRouteTableSummary', rows) + nextBatchXml(more, 'ShowRouteSummaryReqIterate'));
}

function summaryXml(name: string, c: TableCounts): string {
  return str('name', 1, name, { link: 'ShowRouteReq' }) + u64('prefixes', 3, c.prefixes) + u64('paths', 4, c.paths) +
    u64('primary_paths', 5, c.primaryPaths) + u64('secondary_paths', 6, c.secondaryPaths) +
    u64('infeasible_paths', 7, c.infeasiblePaths) + u64('stale_paths', 18, c.stalePaths) + u64('llgr_stale_paths', 19, c.llgrStalePaths) +
    u64('walk_requests', 8, 0) + u64('walk_again_requests', 16, 0) + u64('walk_completes', 9, 0) +
    u64('actual_walks', 17, 0) + u64('walk_cancels', 10, 0) + u64('pending_updates', 11, 0) + u64('markers', 12, 0) +
    u64('listeners', 14, 0) + u64('walkers', 15, 0) + bool('deleted', 2, false) + str('deleted_at', 13, '');
}

// ---------------------------------------------------------------- requests

export const ROUTE_REQUESTS: readonly SandeshRequest[] = [
  {
    name: 'ShowRouteReq', module: 'bgp_peer',
    fields: [
      ['routing_table', 'string'], ['routing_instance', 'string'], ['prefix', 'string'], ['longer_match', 'bool'],
      ['shorter_match', 'bool'], ['count', 'u32'], ['start_routing_table', 'string'], ['start_routing_instance', 'string'],
      ['start_prefix', 'string'], ['source', 'string'], ['protocol', 'string'], ['family', 'string'],
    ],
    respond: (ctx, p) => showRoute(ctx, routeQuery(p)),
  },
  {
    name: 'ShowRouteReqIterate', module: 'bgp_peer_internal', fields: [['route_info', 'string']],
    respond: (ctx, p) => showRoute(ctx, iterateQuery(p.route_info ?? '')),
  },
  ...searchRequests('ShowRouteSummaryReq', showRouteSummary, sandesh('ShowRouteSummaryResp', structList('tables', 1, 'ShowRouteTableSummary', []))),
];
