/**
 * The token gate (src/introspect/auth.ts) on its own, behind a real HTTP
 * server on the loopback: refusals are logged at most once a minute per
 * remote address (a clock the test moves), never with the token; and the
 * warnings introspect gives at start when it listens off the loopback.
 */

import http from 'node:http';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Gate, LOG_EVERY_MS, cookieValue, isLoopback } from '../../src/introspect/auth.js';
import { startIntrospect } from '../../src/introspect/server.js';
import { request } from './http-client.js';
import { startNode } from './node.js';

const TOKEN = 'gate-test-token-0123456789';

/** A logger whose lines land in `lines` (parsed). */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server that answers "ok" to what the gate admits. */
async function gated(gate: Gate): Promise<string> {
  const server = http.createServer((req, res) => {
    if (gate.admit(req, res, new URL(req.url ?? '/', 'http://x'))) res.end('ok');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('the token gate', () => {
  it('logs refusals from one address once a minute, with how many it did not log, and never the token', async () => {
    const { logger, lines } = capture();
    let now = 1_000_000;
    const base = await gated(new Gate({ token: TOKEN, tls: false, logger, registry: new Registry(), now: () => now }));
    for (let i = 0; i < 5; i++) await request(`${base}/api/summary`, { headers: { 'x-auth-token': `${TOKEN}-wrong` } });
    const refusedLines = (): Record<string, unknown>[] => lines.filter((l) => l.msg === 'introspect: request refused without the right token');
    expect(refusedLines()).toHaveLength(1);
    expect(refusedLines()[0]).toMatchObject({ level: 40, remote: '127.0.0.1', reason: 'wrong', notLogged: 0 });
    now += LOG_EVERY_MS - 1;
    await request(`${base}/metrics`);
    expect(refusedLines()).toHaveLength(1);
    now += 1;
    await request(`${base}/metrics`);
    expect(refusedLines()).toHaveLength(2);
    expect(refusedLines()[1]).toMatchObject({ reason: 'missing', notLogged: 5 });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('lets everything through when no token is configured', async () => {
    const { logger, lines } = capture();
    const base = await gated(new Gate({ token: undefined, tls: false, logger, registry: new Registry() }));
    expect((await request(`${base}/api/summary`)).body).toBe('ok');
    expect((await request(`${base}/?token=anything-at-all-here`)).body).toBe('ok');
    expect(lines).toEqual([]);
  });

  it('sets a cookie without Secure over plain HTTP, and accepts it', async () => {
    const base = await gated(new Gate({ token: TOKEN, tls: false, logger: pino({ level: 'silent' }), registry: new Registry() }));
    const login = await request(`${base}/?token=${TOKEN}`);
    expect(login.headers['set-cookie']).toEqual([`cn_introspect=${cookieValue(TOKEN)}; Path=/; HttpOnly; SameSite=Strict`]);
    expect((await request(`${base}/api/neighbors`, { headers: { cookie: `cn_introspect=${cookieValue(TOKEN)}` } })).body).toBe('ok');
    expect(cookieValue(TOKEN)).not.toBe(cookieValue(`${TOKEN}x`));
  });

  it('knows the loopback from other addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', '::', '192.0.2.1'].map(isLoopback)).toEqual([false, false, false, false]);
  });
});

describe('introspect off the loopback', () => {
  const warnings = (lines: Record<string, unknown>[]): unknown[] => lines.filter((l) => l.level === 40).map((l) => l.msg);

  it('warns at start that a token without TLS crosses the network in clear', async () => {
    const node = await startNode();
    const { logger, lines } = capture();
    const intro = await startIntrospect(node.server, { address: '0.0.0.0', port: 0 }, logger, { token: TOKEN });
    await intro.close();
    await node.stop();
    expect(warnings(lines)).toEqual(['introspect: token without TLS off the loopback: the token crosses the network in clear (set introspect.tls)']);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('warns at start that without a token anyone who can reach it reads everything', async () => {
    const node = await startNode();
    const { logger, lines } = capture();
    const intro = await startIntrospect(node.server, { address: '0.0.0.0', port: 0 }, logger, {});
    await intro.close();
    await node.stop();
    expect(warnings(lines)).toEqual(['introspect: listening off the loopback without a token: anyone who can reach it reads everything it shows']);
  });

  it('says nothing on the loopback', async () => {
    const node = await startNode();
    const { logger, lines } = capture();
    const intro = await startIntrospect(node.server, { address: '127.0.0.1', port: 0 }, logger, { token: TOKEN });
    await intro.close();
    await node.stop();
    expect(warnings(lines)).toEqual([]);
  });
});
