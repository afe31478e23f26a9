/**
 * "No endpoint changes state": every other method than GET, on every kind
 * of introspect path, gets 405 with `Allow: GET`, with or without the
 * token, and the node's routes, neighbours and reload record are the same
 * afterwards.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './http-client.js';
import { BLUE, startNode, withRoutes, type Node } from './node.js';

const TOKEN = 'read-only-test-token-123';

/** One path of each kind the server serves, and one it does not. */
const PATHS = [
  '/', '/web/viewer.js', '/web/viewer.css', '/favicon.ico',
  '/api/summary', '/api/neighbors', '/api/instances', `/api/routes?table=${BLUE}.inet.0`, '/api/events', '/metrics',
  '/index.html', '/universal_parse.xsl', '/bgp_peer.xml', '/Snh_BgpNeighborReq?search_string=', '/Snh_ShowRouteReq?x=', '/nope',
];
const METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'];

let plain: Node;
let guarded: Node;

beforeAll(async () => {
  plain = await startNode();
  guarded = await startNode({ token: TOKEN });
  await withRoutes(plain);
}, 30_000);

afterAll(async () => {
  await plain?.stop();
  await guarded?.stop();
});

/** What a request could have changed: routes and their stamps, neighbours' routes, reloads. */
async function state(node: Node): Promise<unknown> {
  const read = async (path: string): Promise<unknown> => JSON.parse((await request(node.base + path)).body) as unknown;
  const neighbors = (await read('/api/neighbors')) as { name: string; state: string; prefixes: number; routingInstances?: string[] }[];
  return {
    stamp: node.server.rib.lastStamp,
    summary: await read('/api/summary'),
    blue: await read(`/api/routes?table=${BLUE}.inet.0`),
    instances: await read('/api/instances'),
    neighbors: neighbors.map((n) => [n.name, n.state, n.prefixes, n.routingInstances]),
  };
}

describe('introspect is read-only', () => {
  it('serves the module page used below (so its 405 is not a 404 in disguise)', async () => {
    expect((await request(`${plain.base}/bgp_peer.xml`)).status).toBe(200);
  });

  it('answers 405 with Allow: GET to POST, PUT, DELETE and PATCH on every path, and changes nothing', async () => {
    const before = await state(plain);
    for (const path of PATHS) {
      for (const method of METHODS) {
        const r = await request(plain.base + path, { method, headers: { 'content-type': 'application/json' }, body: '{"enabled":false}' });
        expect([method, path, r.status, r.headers.allow]).toEqual([method, path, 405, 'GET']);
        expect(JSON.parse(r.body)).toEqual({ error: 'only GET: introspect changes nothing' });
      }
    }
    expect(await state(plain)).toEqual(before);
    expect(plain.server.reloads).toEqual({ ok: 0, failed: 0 });
  });

  it('with a token: 401 without it, 405 with it, never anything else', async () => {
    for (const path of PATHS) {
      for (const method of METHODS) {
        expect([method, path, (await request(guarded.base + path, { method })).status]).toEqual([method, path, 401]);
        const authorized = await request(guarded.base + path, { method, headers: { authorization: `Bearer ${TOKEN}` } });
        expect([method, path, authorized.status]).toEqual([method, path, 405]);
      }
    }
  });

  it('does not log in the viewer on a POST to /?token=', async () => {
    const r = await request(`${guarded.base}/?token=${TOKEN}`, { method: 'POST' });
    expect(r.status).toBe(401);
    expect(r.headers['set-cookie']).toBeUndefined();
  });
});
