/**
 * Introspect for remote access: HTTPS with the configured certificate, and
 * a token every request must present (Authorization: Bearer, X-Auth-Token,
 * or the viewer's cookie after /?token=). Real HTTP(S) on the loopback,
 * against an in-process node with agents and routes; certificates are made
 * for the run (test/support/certs.ts).
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COOKIE } from '../../src/introspect/auth.js';
import { makeTestPki, type TestPki } from '../support/certs.js';
import { request, type Reply } from './http-client.js';
import { BLUE, startNode, withRoutes, type Node } from './node.js';

const TOKEN = 'k2Hq9-test-token-Zx81vP';
const WRONG = 'k2Hq9-test-token-Zx81vQ';

let pki: TestPki;
let node: Node;
let base: string;

const get = (path: string, headers: Record<string, string> = {}): Promise<Reply> => request(base + path, { headers, ca: pki.ca });
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
const xAuth = (t: string): Record<string, string> => ({ 'x-auth-token': t });

/** The unauthorized counter's value for a reason, read (with the token) from /metrics. */
async function refusals(reason: string): Promise<number> {
  const m = new RegExp(`^control_node_introspect_unauthorized_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec((await get('/metrics', bearer(TOKEN))).body);
  return Number(m?.[1] ?? NaN);
}

beforeAll(async () => {
  pki = makeTestPki();
  const pem = { cert: readFileSync(pki.files.cert, 'utf8'), key: readFileSync(pki.files.key, 'utf8') };
  node = await startNode({ tls: pem, token: TOKEN });
  base = `https://127.0.0.1:${node.introspect.address.port}`;
  await withRoutes(node);
}, 30_000);

afterAll(async () => {
  await node?.stop();
  pki?.remove();
});

describe('introspect over HTTPS', () => {
  it('serves /api/summary to a client that trusts the CA', async () => {
    const r = await get('/api/summary', bearer(TOKEN));
    expect(r.status).toBe(200);
    const tables = (JSON.parse(r.body) as { tables: { name: string; prefixes: number }[] }).tables;
    expect(tables.find((t) => t.name === `${BLUE}.inet.0`)?.prefixes).toBe(2);
  });

  it('is refused by a client that trusts another CA', async () => {
    await expect(request(`${base}/api/summary`, { headers: bearer(TOKEN), ca: pki.otherCa })).rejects.toThrow(/certificate/i);
  });

  it('does not answer plain HTTP on its port', async () => {
    const plain = `http://127.0.0.1:${node.introspect.address.port}/api/summary`;
    const outcome = await request(plain, { headers: bearer(TOKEN) }).then((r) => r.status, (e: Error) => e.message);
    expect(outcome).not.toBe(200);
  });
});

describe('introspect with a token', () => {
  it('answers 401 with a Bearer challenge and no data when no token is presented', async () => {
    const r = await get('/api/summary');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="control-node"');
    expect(r.headers['content-type']).toBe('application/json');
    expect((JSON.parse(r.body) as { error: string }).error).toBe('unauthorized: this introspect needs a token');
    expect(r.body).not.toMatch(/inet\.0|compute-1|blue/);
  });

  it('answers 401 invalid_token to a wrong token in either header', async () => {
    for (const headers of [bearer(WRONG), xAuth(WRONG), bearer(TOKEN.slice(0, -1)), xAuth(`${TOKEN}x`)]) {
      const r = await get('/api/neighbors', headers);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="control-node", error="invalid_token"');
      expect(r.body).not.toContain('compute-1');
    }
  });

  it('answers 200 to the right token as Authorization: Bearer (any case of the scheme) and as X-Auth-Token', async () => {
    for (const headers of [bearer(TOKEN), { authorization: `bearer ${TOKEN}` }, xAuth(TOKEN)]) {
      const r = await get('/api/neighbors', headers);
      expect(r.status).toBe(200);
      expect(r.body).toContain('compute-1');
    }
  });

  it('does not take the token in a query string, except for the viewer\'s login at /', async () => {
    expect((await get(`/api/summary?token=${TOKEN}`)).status).toBe(401);
    expect((await get('/api/summary', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status).toBe(401);
  });

  it('protects the Sandesh pages, /metrics, the event stream and the viewer files too', async () => {
    const paths = ['/index.html', '/Snh_BgpNeighborReq?search_string=', '/Snh_ShowRouteReq?x=', '/metrics', '/api/events', '/', '/web/viewer.js', '/api/routes?table=bgp.l3vpn.0'];
    for (const path of paths) {
      const refused = await get(path);
      expect([path, refused.status]).toEqual([path, 401]);
      expect(refused.body).not.toMatch(/compute-1|control_node_routes|BgpNeighborResp/);
      expect([path, (await get(path, xAuth(TOKEN))).status]).toEqual([path, 200]);
    }
    expect((await get('/Snh_BgpNeighborReq?search_string=', xAuth(TOKEN))).body).toContain('compute-1');
    expect((await get('/metrics', bearer(TOKEN))).body).toMatch(/^control_node_routes\{table="bgp\.l3vpn\.0"\} \d+$/m);
  });

  it('counts each refusal in control_node_introspect_unauthorized_total, by reason', async () => {
    const [missing, wrong] = [await refusals('missing'), await refusals('wrong')];
    await get('/api/summary');
    await get('/metrics');
    await get('/api/summary', xAuth(WRONG));
    expect(await refusals('missing')).toBe(missing + 2);
    expect(await refusals('wrong')).toBe(wrong + 1);
  });
});

describe('the web viewer with a token', () => {
  it('logs in at /?token=: a 303 to / that sets an HttpOnly, SameSite=Strict, Secure cookie (not the token itself)', async () => {
    const r = await get(`/?token=${encodeURIComponent(TOKEN)}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const [setCookie] = r.headers['set-cookie'] ?? [];
    expect(setCookie).toMatch(new RegExp(`^${COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Secure$`));
    expect(setCookie).not.toContain(TOKEN);
  });

  it('then reads every page with the cookie alone: the viewer, the JSON it fetches and its event stream', async () => {
    const cookie = ((await get(`/?token=${TOKEN}`)).headers['set-cookie']![0]!).split(';')[0]!;
    const page = await get('/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/web/viewer.js">');
    expect((await get('/api/summary', { cookie })).status).toBe(200);
    const events = await get('/api/events', { cookie: `theme=dark; ${cookie}` });
    expect([events.status, events.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
  });

  it('refuses a wrong token at /?token= without setting a cookie, and a forged cookie', async () => {
    const r = await get(`/?token=${WRONG}`);
    expect(r.status).toBe(401);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect((await get('/api/summary', { cookie: `${COOKIE}=${TOKEN}` })).status).toBe(401);
    expect((await get('/api/summary', { cookie: `${COOKIE}=` })).status).toBe(401);
  });
});
