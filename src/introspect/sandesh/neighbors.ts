/**
 * The neighbour pages: BgpNeighborReq (BGP peers and vRouter agents as
 * BgpNeighborResp, with ShowBgpNeighborSummaryReq's paging: every BGP peer
 * on the first page, then agents by name, 64 entries a page) and
 * ShowXmppConnectionReq (one ShowXmppConnection per agent connection).
 * Element names and field numbers from tf-controller src/bgp/bgp_peer.sandesh,
 * bgp/peer_info.sandesh and src/xmpp/sandesh/xmpp_server.sandesh; what is
 * filled in follows bgp_peer.cc FillNeighborInfo and bgp_xmpp_sandesh.cc
 * FillXmppNeighborInfo. `search_string` is a substring of the name or the
 * address (Contrail: a regex).
 *
 * The records come from ../data.ts, like the JSON of /api/neighbors.
 */

import { extCommunityToString, ipv4ToString } from '../../bgp/wire/index.js';
import { MASTER_INSTANCE } from '../../routing-instances/name.js';
import {
  bgpNeighbors, compareText, xmppNeighbors, type BgpNeighborRecord, type NeighborRecord, type XmppNeighborRecord,
} from '../data.js';
import { ITER_SEPARATOR, searchRequests, type PageContext, type SandeshRequest } from './request.js';
import { bool, field, nextBatchXml, sandesh, sandeshTime, str, strList, struct, structList, u32, u64 } from './xml.js';

const matches = (n: NeighborRecord, search: string): boolean => n.name.includes(search) || n.address.includes(search);

/** One page of neighbours (BgpShowHandler<BgpNeighborReq>::CallbackCommon and ShowXmppNeighbor). */
function neighborPage(ctx: PageContext, search: string, next: string): string {
  const list: NeighborRecord[] = next === '' ? bgpNeighbors(ctx.s).filter((n) => matches(n, search)) : [];
  const agents = xmppNeighbors(ctx.s).sort((a, b) => compareText(a.name, b.name)).filter((a) => compareText(a.name, next) >= 0);
  let more: string | undefined;
  for (let i = 0; i < agents.length; i++) {
    if (!matches(agents[i]!, search)) continue;
    list.push(agents[i]!);
    if (list.length >= ctx.pageLimit && i + 1 < agents.length) {
      more = agents[i + 1]!.name + ITER_SEPARATOR + search;
      break;
    }
  }
  const items = list.map((n) => (n.encoding === 'BGP' ? bgpXml(ctx, n) : xmppXml(ctx, n)));
  return sandesh('BgpNeighborListResp', structList('neighbors', 1, 'BgpNeighborResp', items) + nextBatchXml(more, 'BgpNeighborReqIterate'));
}

function protoStats(total: number, keepalive: number, notification: number, update: number): string {
  return u64('total', 1, total) + u64('open', 2, 0) + u64('keepalive', 3, keepalive) + u64('notification', 4, notification) +
    u64('update', 5, update) + u64('close', 6, 0);
}

/** The fields every BgpNeighborResp carries, BGP or XMPP, up to `task_instance`. */
function commonXml(ctx: PageContext, n: NeighborRecord, b: BgpNeighborRecord | undefined, localAddress: string): string {
  const local = ctx.s.rib.local;
  return str('instance_name', 53, MASTER_INSTANCE) + str('peer', 1, n.name, { link: 'BgpNeighborReq' }) +
    bool('deleted', 36, false) + str('peer_address', 2, n.address, { link: 'BgpNeighborReq' }) +
    str('peer_id', 25, b?.routerId ?? '') + u32('peer_asn', 3, b?.asn ?? 0) + str('encoding', 6, n.encoding) +
    str('peer_type', 7, b === undefined || b.ibgp ? 'internal' : 'external') + str('state', 8, n.state) +
    str('closed_at', 43, '') + str('router_type', 52, '') + bool('admin_down', 47, false) +
    bool('passive', 48, b?.passive ?? false) + bool('as_override', 55, false) + bool('origin_override', 65, false) +
    str('route_origin', 66, '-') + bool('as4_supported', 67, b?.fourOctetAs ?? false) + str('private_as_action', 61, '') +
    bool('send_ready', 62, n.state === 'Established') + u32('peer_port', 50, n.port) + str('transport_address', 51, '') +
    str('local_address', 4, localAddress) + str('local_id', 26, ipv4ToString(local.routerId)) +
    u32('local_asn', 5, local.asn) + str('cluster_id', 64, ipv4ToString(local.clusterId)) + u32('task_instance', 56, 0);
}

function bgpXml(ctx: PageContext, n: BgpNeighborRecord): string {
  return commonXml(ctx, n, n, ctx.s.listening?.bgp?.address ?? '') +
    (n.lastError === undefined ? '' : str('last_error', 13, n.lastError)) +
    strList('configured_address_families', 38, n.configuredFamilies) +
    strList('negotiated_address_families', 39, n.families) +
    u32('negotiated_hold_time', 41, n.holdTime) + u32('primary_path_count', 46, n.prefixes) +
    u64('flap_count', 23, n.flaps) + str('flap_time', 24, sandeshTime(n.lastDownAt)) +
    struct('rx_proto_stats', 30, 'PeerProtoStats', protoStats(n.messagesIn, n.keepalivesIn, n.notificationsIn, n.updatesIn)) +
    struct('tx_proto_stats', 31, 'PeerProtoStats', protoStats(n.messagesOut, n.keepalivesOut, n.notificationsOut, n.updatesOut));
}

function xmppXml(ctx: PageContext, n: XmppNeighborRecord): string {
  const instances = n.instances.map((i) => {
    const targets = [...(ctx.s.instances.get(i.name)?.importTargets ?? [])].map(extCommunityToString);
    return str('name', 1, i.name) + str('state', 2, 'subscribed') + u32('index', 3, i.index) + strList('import_targets', 4, targets);
  });
  return commonXml(ctx, n, undefined, ctx.s.listening?.xmpp?.address ?? '') +
    u32('negotiated_hold_time', 41, 0) + u32('primary_path_count', 46, n.prefixes) +
    u64('flap_count', 23, 0) + str('flap_time', 24, '') +
    structList('routing_instances', 37, 'BgpNeighborRoutingInstance', instances);
}

// ---------------------------------------------------------------- XMPP connections

function xmppConnections(ctx: PageContext): string {
  const listen = ctx.s.listening?.xmpp;
  const rows = xmppNeighbors(ctx.s).sort((a, b) => compareText(a.name, b.name)).map((n) =>
    str('name', 1, n.name) + bool('deleted', 2, false) + str('remote_endpoint', 3, `${n.address}:${n.port}`) +
    str('local_endpoint', 4, listen ? `${listen.address}:${listen.port}` : '') + str('state', 5, n.state) +
    str('last_event', 6, '') + str('last_state', 7, '') + str('last_state_at', 8, sandeshTime(n.connectedAt)) +
    strList('receivers', 9, n.state === 'Established' ? ['bgp'] : []) + str('server_auth_type', 10, n.auth) +
    field('dscp_value', 'u16', 11, 0));
  return sandesh('ShowXmppConnectionResp', structList('connections', 1, 'ShowXmppConnection', rows));
}

export const NEIGHBOR_REQUESTS: readonly SandeshRequest[] = [
  ...searchRequests('BgpNeighborReq', neighborPage, sandesh('BgpNeighborListResp', structList('neighbors', 1, 'BgpNeighborResp', []))),
  { name: 'ShowXmppConnectionReq', module: 'xmpp_server', fields: [], respond: (ctx) => xmppConnections(ctx) },
];
