/**
 * Config reload in a running node (in process, real TCP on loopback):
 * ServerHandle.reload with a new Config. Scripted BGP peers and test agents
 * show what is touched and what is not: an untouched session keeps its
 * uptime and flap count, a changed peer alone is reset with Cease 6/3, a
 * new instance activates a pending subscription, a removed instance takes
 * its routes with it, a target change re-replicates, and refused reloads
 * leave the running config in place and show in introspect and metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfigText } from '../src/config/index.js';
import type { Config } from '../src/config/index.js';
import { extCommunityToString, nlriToString } from '../src/bgp/wire/index.js';
import type { NotificationMessage, VpnPrefix } from '../src/bgp/wire/types.js';
import { startServer, type ServerHandle } from '../src/server.js';
import { RawBgpPeer, openFor } from './support/bgp-peer.js';
import { TestAgent } from './support/agent.js';
import { pathsOf } from '../src/rib/types.js';

const BLUE = 'default-domain:demo:blue:blue';
const RED = 'default-domain:demo:red:red';

interface Shape {
  mx2HoldTime?: number;
  red?: string | false;
  blueExport?: string;
  routerId?: string;
}

/** The node's config: two passive iBGP peers, BLUE always, RED as given (its YAML fields) or absent. */
function config(o: Shape = {}): Config {
  const red = o.red === false || o.red === undefined ? '' : `\n  - { name: "${RED}", id: 2, vn-index: 2, ${o.red} }`;
  return parseConfigText(`
node: { name: cn-test, router-id: ${o.routerId ?? '127.0.0.1'}, asn: 64512 }
bgp:
  listen: { address: 127.0.0.1, port: 0 }
  peers:
    - { name: mx1, address: 127.0.0.2, asn: 64512, passive: true, families: [inet-vpn, route-target] }
    - { name: mx2, address: 127.0.0.3, asn: 64512, passive: true, families: [inet-vpn, route-target]${o.mx2HoldTime ? `, hold-time: ${o.mx2HoldTime}` : ''} }
xmpp: { listen: { address: 127.0.0.1, port: 0 } }
introspect: { listen: { address: 127.0.0.1, port: 0 } }
routing-instances:
  - { name: "${BLUE}", id: 1, vn-index: 1, import-targets: [target:64512:1], export-targets: [${o.blueExport ?? 'target:64512:1'}] }${red}
`, 'reload.yaml');
}

let server: ServerHandle | undefined;
const peers: RawBgpPeer[] = [];
const agents: TestAgent[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.destroy();
  for (const a of agents.splice(0)) a.destroy();
  await server?.stop();
  server = undefined;
});

async function start(c: Config): Promise<ServerHandle> {
  server = await startServer(c, { logger: pino({ level: 'silent' }) });
  return server;
}

async function bgpPeer(s: ServerHandle, address: string): Promise<RawBgpPeer> {
  const p = await RawBgpPeer.connect(s.listening.bgp.port, '127.0.0.1', { localAddress: address });
  peers.push(p);
  await p.handshake(openFor(64512, 0x0a000000 + Number(address.split('.')[3]), ['1/128', '1/132']), true);
  return p;
}

async function agent(s: ServerHandle, name: string): Promise<TestAgent> {
  const a = await TestAgent.connect({ host: '127.0.0.1', port: s.listening.xmpp!.port, name, keepaliveMs: 3000 });
  agents.push(a);
  return a;
}

/** VPN routes (as text) with their route targets. */
function vpnRoutes(s: ServerHandle): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [, d] of s.peering.tables['inet-vpn']!.entries()) {
    const rts = (pathsOf(d)[0]!.attrs.attrs.extCommunities ?? []).map(extCommunityToString).filter((c) => c.startsWith('target:'));
    out.set(nlriToString(d.nlri as VpnPrefix), rts.sort());
  }
  return out;
}

/** The prefixes of an instance table. */
function prefixes(s: ServerHandle, table: string): string[] {
  const inst = s.instances.byTableName(table)!;
  const t = [...inst.allTables()].find(([, x]) => x.name === table)![1];
  return [...t.entries()].map(([, d]) => nlriToString(d.nlri));
}

const session = (s: ServerHandle, name: string) => s.bgp.peers.get(name)!.session.stats;

async function getJson(s: ServerHandle, path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${s.listening.introspect!.port}${path}`);
  return path === '/metrics' ? res.text() : res.json();
}

describe('config reload', () => {
  it('resets only the changed peer, with Cease 6/3, while the other session and the agents stay up', async () => {
    const s = await start(config());
    const mx1 = await bgpPeer(s, '127.0.0.2');
    const mx2 = await bgpPeer(s, '127.0.0.3');
    const compute = await agent(s, 'compute-1');
    compute.subscribe(BLUE, 1);
    compute.publish(BLUE, { prefix: '10.1.0.1/32', nextHop: '192.0.2.1', label: 16 });
    await expect.poll(() => [...vpnRoutes(s).keys()]).toEqual(['192.0.2.1:1:10.1.0.1/32']);
    const upSince = session(s, 'mx1').establishedAt;
    expect(upSince).toBeTypeOf('number');

    const outcome = await s.reload(config({ mx2HoldTime: 30 }));

    expect(outcome).toEqual({ ok: true, changes: { peersReset: ['mx2'] } });
    const note = (await mx2.next('notification')) as NotificationMessage;
    expect([note.code, note.subcode]).toEqual([6, 3]);
    expect(mx1.received.some((m) => m.type === 'notification')).toBe(false);
    expect(session(s, 'mx1')).toMatchObject({ establishedAt: upSince, flaps: 0 });
    expect(s.bgp.peers.get('mx1')!.rib.up).toBe(true);
    expect([...s.xmpp!.channels].map((c) => c.state)).toEqual(['established']);
    expect([...vpnRoutes(s).keys()]).toEqual(['192.0.2.1:1:10.1.0.1/32']);
    // The new mx2 takes a new session, with the new hold time offered.
    const again = await bgpPeer(s, '127.0.0.3');
    expect(((await again.next('open')) as { holdTime: number }).holdTime).toBe(30);
  });

  it('activates a subscription kept pending until its instance is created: the agent gets items and its routes reach bgp.l3vpn.0', async () => {
    const s = await start(config());
    const blue = await agent(s, 'compute-1');
    blue.subscribe(BLUE, 1);
    blue.publish(BLUE, { prefix: '10.1.0.1/32', nextHop: '192.0.2.1', label: 16 });
    const red = await agent(s, 'compute-2');
    red.subscribe(RED, 2);
    red.publish(RED, { prefix: '10.2.0.1/32', nextHop: '192.0.2.2', label: 17 });
    await expect.poll(() => [...vpnRoutes(s).keys()]).toEqual(['192.0.2.1:1:10.1.0.1/32']);
    // The subscription and the publish have arrived, and wait for an instance that does not exist.
    await expect.poll(() => s.xmpp!.byName.get('compute-2')?.session?.stats.published).toBe(1);
    expect(s.instances.get(RED)).toBeUndefined();
    expect(red.routes(RED).size).toBe(0);

    const outcome = await s.reload(config({ red: 'import-targets: [target:64512:1], export-targets: [target:64512:2]' }));

    expect(outcome).toEqual({ ok: true, changes: { instancesAdded: [RED] } });
    await red.waitFor(() => red.routes(RED).has('10.1.0.1/32'), 3000, 'the imported BLUE route at the RED agent');
    await expect.poll(() => vpnRoutes(s).get('192.0.2.2:2:10.2.0.1/32')).toEqual(['target:64512:2', 'target:64512:8000002']);
    expect(s.instances.get(RED)!.subscribers).toBe(1);
  });

  it('withdraws the routes of a removed instance and its copies elsewhere, and keeps its subscriber pending', async () => {
    const withRed = config({ red: 'import-targets: [target:64512:1], export-targets: [target:64512:1]' });
    const s = await start(withRed);
    const blue = await agent(s, 'compute-1');
    blue.subscribe(BLUE, 1);
    const red = await agent(s, 'compute-2');
    red.subscribe(RED, 2);
    blue.publish(BLUE, { prefix: '10.1.0.1/32', nextHop: '192.0.2.1', label: 16 });
    red.publish(RED, { prefix: '10.2.0.1/32', nextHop: '192.0.2.2', label: 17 });
    await blue.waitFor(() => blue.routes(BLUE).has('10.2.0.1/32'), 3000, 'the RED route in BLUE');
    await red.waitFor(() => red.routes(RED).has('10.1.0.1/32'), 3000, 'the BLUE route in RED');

    const outcome = await s.reload(config());

    expect(outcome).toEqual({ ok: true, changes: { instancesRemoved: [RED] } });
    expect([...vpnRoutes(s).keys()]).toEqual(['192.0.2.1:1:10.1.0.1/32']);
    expect(prefixes(s, `${BLUE}.inet.0`)).toEqual(['10.1.0.1/32']);
    await blue.waitFor(() => !blue.routes(BLUE).has('10.2.0.1/32'), 3000, 'the RED route retracted from BLUE');
    await red.waitFor(() => red.routes(RED).size === 0, 3000, 'retracts for everything RED had');
    // Pending again: the instance coming back attaches the same subscription.
    await s.reload(withRed);
    await red.waitFor(() => red.routes(RED).has('10.1.0.1/32'), 3000, 'the BLUE route in RED again');
  });

  it('re-replicates on a target change: new export target on the VPN route, copies into the instance now importing it', async () => {
    const s = await start(config({ red: 'import-targets: [target:64512:7]' }));
    const blue = await agent(s, 'compute-1');
    blue.subscribe(BLUE, 1);
    const red = await agent(s, 'compute-2');
    red.subscribe(RED, 2);
    blue.publish(BLUE, { prefix: '10.1.0.1/32', nextHop: '192.0.2.1', label: 16 });
    await expect.poll(() => vpnRoutes(s).get('192.0.2.1:1:10.1.0.1/32')).toEqual(['target:64512:1', 'target:64512:8000001']);
    expect(red.routes(RED).has('10.1.0.1/32')).toBe(false);

    const outcome = await s.reload(config({ red: 'import-targets: [target:64512:7]', blueExport: 'target:64512:7' }));

    expect(outcome).toEqual({ ok: true, changes: { instancesUpdated: [BLUE] } });
    expect(vpnRoutes(s).get('192.0.2.1:1:10.1.0.1/32')).toEqual(['target:64512:7', 'target:64512:8000001']);
    await red.waitFor(() => red.routes(RED).has('10.1.0.1/32'), 3000, 'the BLUE route in RED through target 7');
  });

  it('sets the log level from the new config, and back to the command line\'s when the key goes', async () => {
    const levels: (string | undefined)[] = [];
    server = await startServer(config(), { logger: pino({ level: 'silent' }), setLogLevel: (l) => levels.push(l) });
    const withDebug = { ...config(), logLevel: 'debug' as const };
    expect(await server.reload(withDebug)).toEqual({ ok: true, changes: { logLevel: 'debug' } });
    expect(await server.reload(config())).toEqual({ ok: true, changes: { logLevel: 'command line' } });
    expect(levels).toEqual(['debug', undefined]);
  });

  it('applies a new introspect token: introspect restarts, the new token is asked for, and the outcome names neither token', async () => {
    const first = config();
    const s = await start(first);
    const url = (): string => `http://127.0.0.1:${s.listening.introspect!.port}/api/summary`;
    const status = async (token?: string): Promise<number> =>
      (await fetch(url(), token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await status()).toBe(200);

    const tokenA = 'reload-token-A-0123456789';
    const withA = await s.reload({ ...first, introspect: { ...first.introspect, token: tokenA } });
    expect(withA).toEqual({ ok: true, changes: { introspect: { enabled: true, listen: { address: '127.0.0.1', port: 0 }, tls: false, token: true } } });
    expect([await status(), await status(tokenA)]).toEqual([401, 200]);

    const tokenB = 'reload-token-B-0123456789';
    const withB = await s.reload({ ...first, introspect: { ...first.introspect, token: tokenB } });
    expect(JSON.stringify(withB)).not.toMatch(/reload-token/);
    expect([await status(tokenA), await status(tokenB)]).toEqual([401, 200]);

    await s.reload(first);
    expect(await status()).toBe(200);
  });

  it('refuses an identity change and a config that did not load, keeps the running config, and shows it in introspect and metrics', async () => {
    const s = await start(config());
    const mx1 = await bgpPeer(s, '127.0.0.2');

    const outcome = await s.reload(config({ routerId: '127.0.0.9' }));
    s.reloadFailed('reload.yaml: bgp.peers[0].asn: expected an integer 1..4294967295, got "x"');

    expect(outcome).toEqual({ ok: false, error: expect.stringContaining('node.router-id changed (127.0.0.1 -> 127.0.0.9)') });
    expect(await getJson(s, '/api/summary')).toMatchObject({
      lastReload: { ok: false, error: 'reload.yaml: bgp.peers[0].asn: expected an integer 1..4294967295, got "x"' },
    });
    expect(await getJson(s, '/metrics')).toMatch(/control_node_config_reloads_total\{result="failed"\} 2/);
    expect(session(s, 'mx1').flaps).toBe(0);
    expect(mx1.received.some((m) => m.type === 'notification')).toBe(false);
    // The running config is still the first one: reloading it changes nothing.
    expect(await s.reload(config())).toEqual({ ok: true, changes: {} });
    expect(await getJson(s, '/api/summary')).toMatchObject({ lastReload: { ok: true } });
    expect(await getJson(s, '/metrics')).toMatch(/control_node_config_reloads_total\{result="ok"\} 1/);
  });
});
