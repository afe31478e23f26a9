/**
 * The UVE cache pages: SandeshUVECacheReq for `NodeStatus` (process state,
 * what `contrail-status` and `ist.py ctr status` read) and `BgpRouterState`
 * (peer and instance counts), and SandeshUVETypesReq listing them. Shapes
 * from real control nodes' output: the UVEs wrapped with the closing
 * SandeshUVECacheResp in `<__<Uve>_list type="slist">` (Sandesh joins the
 * responses of one request that way), NodeStatus with its `key` and
 * `aggtype` attributes; BgpRouterState from tf-controller
 * src/control-node/sandesh/control_node.sandesh.
 *
 * The node has none of Contrail's infrastructure connections (collector,
 * config database, RabbitMQ); its connections are the BGP peers, listed as
 * ConnectionInfo of type `BGP`. It is Functional while it runs: as in
 * Contrail, a BGP peer being down does not make the process non-functional.
 */

import { ipv4ToString } from '../../bgp/wire/index.js';
import { bgpNeighbors, xmppNeighbors } from '../data.js';
import type { PageContext, SandeshRequest } from './request.js';
import { bool, i32, sandesh, str, strList, struct, structList, u32 } from './xml.js';

const UVE_TYPES = ['NodeStatus', 'BgpRouterState'] as const;

function cacheResp(returned: number): string {
  return sandesh('SandeshUVECacheResp', u32('returned', 1, returned) + i32('period', 2, 0));
}

/** The UVEs of one type and the closing SandeshUVECacheResp, joined as Sandesh joins them. */
function uveList(uve: string, structName: string, inner: string): string {
  const body = sandesh(uve, struct('data', 1, structName, inner), null) + cacheResp(1);
  return `<__${uve}_list type="slist">${body}</__${uve}_list>`;
}

function nodeStatus(ctx: PageContext): string {
  const connections = bgpNeighbors(ctx.s).map((n) =>
    str('type', 1, 'BGP') + str('name', 2, n.name) + strList('server_addrs', 3, [`${n.address}:${n.port}`]) +
    str('status', 4, n.state === 'Established' ? 'Up' : 'Down') + str('description', 5, n.state));
  const process = str('module_id', 1, 'contrail-control') + str('instance_id', 2, '0') + str('state', 3, 'Functional') +
    structList('connection_infos', 4, 'ConnectionInfo', connections) + structList('flag_infos', 5, 'FlagInfo', []) +
    str('description', 6, '');
  return uveList('NodeStatusUVE', 'NodeStatus',
    str('name', 1, ctx.hostname, { key: 'ObjectBgpRouter' }) +
    structList('process_status', 4, 'ProcessStatus', [process], { aggtype: 'union' }));
}

function bgpRouterState(ctx: PageContext): string {
  const local = ctx.s.rib.local;
  const bgp = bgpNeighbors(ctx.s);
  const agents = xmppNeighbors(ctx.s);
  return uveList('BGPRouterInfo', 'BgpRouterState',
    str('name', 1, ctx.hostname, { key: 'ObjectBgpRouter' }) + str('router_id', 27, ipv4ToString(local.routerId)) +
    u32('local_asn', 28, local.asn) + u32('global_asn', 29, local.asn) + bool('admin_down', 30, false) +
    u32('num_bgp_peer', 8, bgp.length) + u32('num_up_bgp_peer', 9, bgp.filter((n) => n.state === 'Established').length) +
    u32('num_xmpp_peer', 10, agents.length) + u32('num_up_xmpp_peer', 11, agents.filter((n) => n.state === 'Established').length) +
    u32('num_routing_instance', 12, ctx.s.instances.instances.size) +
    strList('bgp_router_ip_list', 15, [ipv4ToString(local.routerId)]));
}

export const STATUS_REQUESTS: readonly SandeshRequest[] = [
  {
    name: 'SandeshUVECacheReq', module: 'sandesh_uve', fields: [['tname', 'string'], ['key', 'string']],
    respond: (ctx, p) => {
      if (p.tname === 'NodeStatus') return nodeStatus(ctx);
      if (p.tname === 'BgpRouterState') return bgpRouterState(ctx);
      return cacheResp(0);
    },
  },
  {
    name: 'SandeshUVETypesReq', module: 'sandesh_uve', fields: [],
    respond: () => sandesh('SandeshUVETypesResp', structList('type_info', 1, 'SandeshUVETypeInfo',
      UVE_TYPES.map((t) => str('type_name', 1, t) + u32('seq_num', 2, 0)))),
  },
];
