/**
 * The web route viewer (GET /) in a real browser: Debian's chromium driven
 * by playwright-core, against an in-process node with two vRouter agents
 * (routes in two instances, one prefix from both: ECMP) and a BGP peer whose
 * VPN route is imported into blue beside the agents' (and loses at
 * local-pref). Checks what the page shows, its searches and paging, and a
 * live update arriving without a reload; saves test-results/viewer.png.
 *
 * Chromium is a test dependency like the BGP daemons (scripts/install-deps.sh
 * installs it): without it this test fails, it does not skip.
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRd, parseRouteTarget } from '../../src/bgp/wire/index.js';
import type { UpdateMessage } from '../../src/bgp/wire/types.js';
import { pino } from 'pino';
import { startIntrospect } from '../../src/introspect/server.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import type { TestAgent } from '../support/agent.js';
import { BLUE, RED, connectAgent, startNode, withRoutes, type Node } from './node.js';

const CHROMIUM = '/usr/bin/chromium';
/** What the machine notes say Debian's chromium needs here (no sandbox as root, no network). */
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const SCREENSHOT = 'test-results/viewer.png';
const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

let node: Node;
let gw: RawBgpPeer;
let compute1: TestAgent;
let browser: BrowserContext;
let profile: string;

/** A VPN route from the gateway, carrying blue's route target. */
function vpnRoute(prefix: string, localPref: number): UpdateMessage {
  const [addr, len] = prefix.split('/');
  return {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref, extCommunities: [parseRouteTarget('target:64512:100')!] },
    mpReach: {
      afi: 1, safi: 128, family: 'inet-vpn', nextHop: ip('192.0.2.100'),
      nlri: [{ family: 'inet-vpn', labels: [500], rd: makeRd(1, ip('192.0.2.100'), 1), addr: ip(addr!), len: Number(len) }],
    },
  };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps.sh (as root) to install Debian's chromium`);
  node = await startNode({ eventTickMs: 100 });
  await withRoutes(node);
  [compute1] = node.agents as [TestAgent];
  const compute2 = node.agents[1]!;
  for (let i = 1; i <= 30; i++) compute2.publish(BLUE, { prefix: `10.1.2.${i}/32`, nextHop: '192.0.2.22', label: 100 + i });
  // The configured peer gw (127.0.0.9, passive): connect from its address.
  gw = await RawBgpPeer.connect(node.server.listening.bgp.port, '127.0.0.1', { localAddress: '127.0.0.9' });
  await gw.handshake(openFor(64512, ip('10.0.0.9'), ['1/128', '1/132']), true);
  gw.send(vpnRoute('10.1.1.3/32', 50));
  gw.send(vpnRoute('10.9.0.0/16', 100));
  await compute1.waitFor(() => compute1.routes(BLUE).size === 33, 5000, 'every blue route at compute-1');

  profile = mkdtempSync(path.join(tmpdir(), 'viewer-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1500, height: 1000 },
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  gw?.destroy();
  await node?.stop();
});

/** Opens the viewer at `hash` and waits until it shows routes. */
async function open(hash = ''): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  await page.goto(`${node.base}/${hash}`);
  await page.locator('#routes tbody.route').first().waitFor();
  expect(errors).toEqual([]);
  return page;
}

/**
 * The routes table as shown: per route its prefix and, per path, the
 * selection marks, protocol, source and next hop.
 */
const ROUTES = `[...document.querySelectorAll('#routes tbody.route')].map((b) => [
  b.querySelector('th.prefix').textContent,
  [...b.querySelectorAll('tr.path')].map((r) => {
    const cells = [...r.querySelectorAll('td')];
    return [[...cells[0].children].map((c) => c.textContent).join(' + '), ...cells.slice(1, 4).map((c) => c.textContent)];
  }),
])`;
type Shown = [string, string[][]][];
const routes = (page: Page): Promise<Shown> => page.evaluate<Shown>(ROUTES);
const prefixes = async (page: Page): Promise<string[]> => (await routes(page)).map(([p]) => p);
const rows = (page: Page, table: string): Promise<string[][]> =>
  page.evaluate<string[][]>(`[...document.querySelectorAll('#${table} tbody tr')].map((r) => [...r.children].map((c) => c.innerText))`);

describe('the web route viewer', () => {
  it('shows a VRF table with every path: the ECMP pair from the agents and the BGP path that lost at local-pref', async () => {
    const page = await open();
    expect(await page.inputValue('#table')).toBe(`${BLUE}.inet.0`);
    const shown = await routes(page);
    expect(shown.map(([p]) => p)).toEqual([
      '10.1.1.3/32', '10.1.1.4/32', ...Array.from({ length: 30 }, (_, i) => `10.1.2.${i + 1}/32`), '10.9.0.0/16',
    ]);
    const [, paths] = shown[0]!;
    expect(paths.map((p) => p[0])).toEqual(['best + ECMP', 'ECMP', 'lost at local-pref']);
    expect(paths.map((p) => p[1])).toEqual(['XMPP', 'XMPP', 'BGP']);
    expect(paths.map((p) => p[2]).slice(0, 2).sort()).toEqual(['compute-1', 'compute-2']);
    expect(paths[2]!.slice(2)).toEqual(['gw', '192.0.2.100']);
    expect(shown[1]).toEqual(['10.1.1.4/32', [['best', 'XMPP', 'compute-2', '192.0.2.22']]]);
    expect(await page.textContent('#route-status')).toBe(`${BLUE}.inet.0: 33 prefixes, 35 paths · 33 routes on this page`);

    // The picture: the ECMP route and its loser, then instances, neighbours and agents.
    await page.fill('#prefix', '10.1.1.');
    await expect.poll(() => prefixes(page)).toEqual(['10.1.1.3/32', '10.1.1.4/32']);
    mkdirSync('test-results', { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    await page.close();
  });

  it('lists the BGP neighbour with its state and counters, and each agent with its subscriptions', async () => {
    const page = await open();
    const bgp = await rows(page, 'bgp');
    expect(bgp).toHaveLength(1);
    expect(bgp[0]!.slice(0, 7)).toEqual(['gw', '127.0.0.9', '64512', 'internal', 'Established', 'inet-vpn route-target', '2']);
    expect(bgp[0]![7]).toMatch(/^[1-9]\d* \/ \d+$/); // updates in / out
    const xmpp = await rows(page, 'xmpp');
    expect(xmpp.map((r) => [r[0], r[2], r[3]])).toEqual([
      ['compute-1', 'Established', BLUE],
      ['compute-2', 'Established', `${BLUE}\n${RED}`],
    ]);
    const instances = (await rows(page, 'instances')).map((r) => r[0]);
    expect(instances).toEqual(expect.arrayContaining([BLUE, RED]));
    await page.close();
  });

  it('searches by prefix, by table name, and by a click on a table of an instance', async () => {
    const page = await open();
    await page.fill('#prefix', '10.1.1.4');
    await expect.poll(() => prefixes(page)).toEqual(['10.1.1.4/32']);
    expect(page.url()).toContain('prefix=10.1.1.4');

    await page.fill('#prefix', '<img src=x>');
    await expect.poll(() => page.textContent('#route-status')).toContain('matching “<img src=x>”');
    expect(await page.locator('img').count()).toBe(0);
    await page.fill('#prefix', '');

    await page.fill('#table', `${RED}.inet.0`);
    await page.press('#table', 'Enter');
    await expect.poll(() => prefixes(page)).toEqual(['10.2.0.0/24']);

    await page.fill('#instance-filter', 'blue');
    expect((await rows(page, 'instances')).map((r) => r[0])).toEqual([BLUE]);
    await page.click(`#instances button[data-table="${BLUE}.inet.0"]`);
    await expect.poll(async () => (await prefixes(page))[0]).toBe('10.1.1.3/32');
    await page.close();
  });

  it('pages through a table with Next and Previous, 25 routes a page', async () => {
    const page = await open();
    await page.selectOption('#limit', '25');
    await expect.poll(async () => (await prefixes(page)).length).toBe(25);
    expect(await page.isDisabled('#prev')).toBe(true);
    await page.click('#next');
    await expect.poll(() => prefixes(page)).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `10.1.2.${i + 24}/32`), '10.9.0.0/16',
    ]);
    expect(await page.isDisabled('#next')).toBe(true);
    expect(await page.textContent('#page')).toBe('page 2');
    await page.click('#prev');
    await expect.poll(async () => (await prefixes(page)).slice(0, 2)).toEqual(['10.1.1.3/32', '10.1.1.4/32']);
    await page.close();
  });

  it('shows a new route, a withdrawal and new peer counters as they happen, without a reload', async () => {
    const page = await open();
    await expect.poll(() => page.getAttribute('#live', 'data-state')).toBe('live');
    await page.evaluate('window.notReloaded = true');
    const updatesIn = async (): Promise<string> => (await rows(page, 'bgp'))[0]![7]!;
    const counters = await updatesIn();

    compute1.publish(BLUE, { prefix: '10.1.1.77/32', nextHop: '192.0.2.21', label: 77 });
    compute1.withdraw(BLUE, '10.1.1.3/32');
    gw.send(vpnRoute('10.9.9.0/24', 100));
    await expect.poll(async () => (await prefixes(page)).slice(0, 3), { timeout: 5000 }).toEqual(['10.1.1.3/32', '10.1.1.4/32', '10.1.1.77/32']);
    await expect.poll(async () => (await routes(page))[0]![1].map((p) => p[2]), { timeout: 5000 }).toEqual(['compute-2', 'gw']);
    await expect.poll(async () => (await prefixes(page)).at(-1), { timeout: 5000 }).toBe('10.9.9.0/24');
    await expect.poll(updatesIn, { timeout: 5000 }).not.toBe(counters);
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    await page.close();
  });

  it('with a token: /?token= logs the browser in (the address bar loses the token, the fragment stays), and the page, its data and its live stream work on the cookie', async () => {
    const token = 'viewer-test-token-0123456789';
    const guarded = await startIntrospect(node.server, { address: '127.0.0.1', port: 0 }, pino({ level: 'silent' }), { token, eventTickMs: 100 });
    const base = `http://127.0.0.1:${guarded.address.port}`;
    const page = await browser.newPage();
    try {
      const refused = await page.goto(`${base}/`);
      expect(refused?.status()).toBe(401);
      const failed: string[] = [];
      page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
      await page.goto(`${base}/?token=${token}#table=${encodeURIComponent(`${RED}.inet.0`)}`);
      await page.locator('#routes tbody.route').first().waitFor();
      expect(page.url()).toBe(`${base}/#table=${encodeURIComponent(`${RED}.inet.0`)}`);
      expect(await prefixes(page)).toEqual(['10.2.0.0/24']);
      await expect.poll(() => page.getAttribute('#live', 'data-state')).toBe('live');
      expect(failed).toEqual([]);
      const cookies = await browser.cookies(base);
      expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.value === token])).toEqual([['cn_introspect', true, 'Strict', false]]);
    } finally {
      await page.close();
      await browser.clearCookies();
      await guarded.close();
    }
  });

  it('keeps the Sandesh module index reachable at /index.html', async () => {
    const page = await browser.newPage();
    await page.goto(`${node.base}/index.html`);
    expect(await page.textContent('h1')).toBe('Modules for control-node');
    await page.close();
  });
});
