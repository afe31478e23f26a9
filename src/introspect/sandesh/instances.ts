/**
 * The routing-instance page: ShowRoutingInstanceReq (and
 * ShowRoutingInstanceReqIterate), one ShowRoutingInstance per instance with
 * its targets and tables, 64 instances a page by name, `next_batch` =
 * `<next instance>||<search string>` (tf-controller src/bgp/bgp_peer.sandesh,
 * bgp_show_routing_instance.cc). `search_string` is a substring of the
 * instance name (Contrail: a regex).
 *
 * The records come from ../data.ts, like the JSON of /api/instances.
 */

import {
  bgpNeighbors, compareText, instanceRecord, instancesInOrder, tableCounts, xmppNeighbors, type InstanceRecord,
} from '../data.js';
import type { Table } from '../../rib/table.js';
import { ITER_SEPARATOR, searchRequests, type PageContext, type SandeshRequest } from './request.js';
import { bool, i32, nextBatchXml, sandesh, str, strList, struct, structList, u32, u64 } from './xml.js';

function instancePage(ctx: PageContext, search: string, next: string): string {
  const all = instancesInOrder(ctx.s).filter((i) => compareText(i.name, next) >= 0 && i.name.includes(search));
  const shown = all.slice(0, ctx.pageLimit);
  const more = all.length > shown.length ? all[shown.length]!.name + ITER_SEPARATOR + search : undefined;
  const bgpPeers = bgpNeighbors(ctx.s).map((n) => n.name);
  const rows = shown.map((i) => instanceXml(ctx, instanceRecord(i), i.master ? bgpPeers : []));
  return sandesh('ShowRoutingInstanceResp',
    structList('instances', 1, 'ShowRoutingInstance', rows) + nextBatchXml(more, 'ShowRoutingInstanceReqIterate'));
}

function instanceXml(ctx: PageContext, i: InstanceRecord, neighbors: readonly string[]): string {
  const members = xmppNeighbors(ctx.s).flatMap((n) =>
    n.instances.filter((s) => s.name === i.name).map((s) => ({ peer: n.name, index: s.index ?? 0 })));
  return str('name', 1, i.name, { link: 'ShowRoutingInstanceReq' }) + str('virtual_network', 3, i.virtualNetwork) +
    i32('vn_index', 6, i.vnIndex) + i32('vxlan_id', 8, 0) +
    strList('import_target', 4, i.importTargets) + strList('export_target', 5, i.exportTargets) +
    bool('always_subscribe', 10, false) + bool('allow_transit', 12, false) + bool('pbb_evpn_enable', 13, false) +
    bool('deleted', 7, false) + str('deleted_at', 9, '') +
    structList('tables', 2, 'ShowRoutingInstanceTable', [...i.tables].sort((a, b) => compareText(a.name, b.name)).map((t) => tableXml(t, members))) +
    structList('routing_policies', 11, 'ShowInstanceRoutingPolicyInfo', []) +
    strList('neighbors', 14, neighbors);
}

/** An instance's table with its counts and the agents registered to it (ShowTableMembershipInfo). */
function tableXml(t: Table, members: readonly { peer: string; index: number }[]): string {
  const c = tableCounts(t);
  const peers = members.map((m) =>
    str('peer', 1, m.peer) + bool('ribout_registered', 2, true) + bool('ribin_registered', 3, true) +
    u32('instance_id', 4, m.index) + u64('generation_id', 5, 0));
  return str('name', 1, t.name, { link: 'ShowRouteReq' }) + bool('deleted', 13, false) +
    u64('prefixes', 3, c.prefixes) + u64('paths', 4, c.paths) + u64('primary_paths', 5, c.primaryPaths) +
    u64('secondary_paths', 6, c.secondaryPaths) + u64('infeasible_paths', 7, c.infeasiblePaths) +
    u64('stale_paths', 18, c.stalePaths) + u64('llgr_stale_paths', 19, c.llgrStalePaths) + u64('walk_requests', 8, 0) +
    u64('walk_again_requests', 16, 0) + u64('actual_walks', 17, 0) + u64('walk_completes', 9, 0) +
    u64('walk_cancels', 10, 0) + u64('pending_updates', 11, 0) + u64('markers', 12, 0) + u64('listeners', 14, 0) +
    u64('walkers', 15, 0) +
    struct('membership', 2, 'ShowTableMembershipInfo',
      u32('requests', 1, 0) + u32('walks', 2, 0) + structList('peers', 3, 'ShowMembershipPeerInfo', peers));
}

export const INSTANCE_REQUESTS: readonly SandeshRequest[] = [
  ...searchRequests('ShowRoutingInstanceReq', instancePage, sandesh('ShowRoutingInstanceResp', structList('instances', 1, 'ShowRoutingInstance', []))),
];
