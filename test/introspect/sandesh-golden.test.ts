/**
 * Golden pages: each Sandesh page of a node with two agents and routes,
 * byte for byte (test/introspect/golden/*.xml), with only the agents'
 * ports and connect times replaced by placeholders. UPDATE_GOLDEN=1
 * rewrites the files; review the diff before committing it.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandeshTime } from '../../src/introspect/sandesh/xml.js';
import { BLUE, startNode, withRoutes, type Node } from './node.js';

const PAGES: readonly [string, string][] = [
  ['index.html', '/index.html'],
  ['module-bgp_peer.xml', '/bgp_peer.xml'],
  ['show-route-blue.xml', `/Snh_ShowRouteReq?x=${BLUE}.inet.0`],
  ['show-route-l3vpn.xml', '/Snh_ShowRouteReq?routing_table=bgp.l3vpn.0'],
  ['show-route-summary.xml', '/Snh_ShowRouteSummaryReq?search_string='],
  ['bgp-neighbor.xml', '/Snh_BgpNeighborReq?search_string='],
  ['show-routing-instance.xml', '/Snh_ShowRoutingInstanceReq?search_string=blue'],
  ['show-xmpp-connection.xml', '/Snh_ShowXmppConnectionReq'],
  ['node-status.xml', '/Snh_SandeshUVECacheReq?x=NodeStatus'],
  ['bgp-router-state.xml', '/Snh_SandeshUVECacheReq?x=BgpRouterState'],
  ['uve-types.xml', '/Snh_SandeshUVETypesReq'],
];

let node: Node;
beforeAll(async () => {
  node = await startNode();
  await withRoutes(node);
});
afterAll(() => node.stop());

/** The page with what changes from run to run (ports, connect times) replaced. */
function normalize(body: string): string {
  let out = body.replaceAll(`127.0.0.1:${node.server.listening.xmpp!.port}<`, '127.0.0.1:XMPP_PORT<');
  for (const ch of node.server.xmpp!.channels) {
    out = out.replaceAll(`:${ch.remotePort}<`, `:${ch.name}_PORT<`).replaceAll(`>${ch.remotePort}</peer_port>`, `>${ch.name}_PORT</peer_port>`);
    out = out.replaceAll(`>${sandeshTime(ch.connectedAt)}<`, `>${ch.name}_CONNECTED_AT<`);
  }
  return out;
}

describe('Sandesh pages', () => {
  it.each(PAGES)('%s is the golden page', async (file, path) => {
    const { status, type, body } = await node.get(path);
    expect(status).toBe(200);
    expect(type).toBe(file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/xml; charset=utf-8');
    const golden = new URL(`golden/${file}`, import.meta.url);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, normalize(body));
    expect(normalize(body)).toBe(readFileSync(golden, 'utf8'));
  });

  it('answers an unknown request with 404 and keeps the JSON API where it was', async () => {
    expect((await node.get('/Snh_NoSuchReq')).status).toBe(404);
    expect((await node.get('/nowhere.xml')).status).toBe(404);
    expect((await node.get('/api/summary')).status).toBe(200);
  });
});
