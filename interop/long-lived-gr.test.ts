/**
 * Long-lived graceful restart, helper side (RFC 9494, config
 * bgp.graceful-restart.long-lived-stale-time), end to end: our binary
 * reflecting VPNv4 between gobgpd speakers, each in its own network
 * namespace, iBGP AS 64512:
 *   a    192.0.2.11  gobgpd with GR (restart time 6 s) and LLGR (60 s for VPNv4)
 *   b    192.0.2.12  gobgpd, a client that advertises LLGR (long-lived-enabled)
 *   c    192.0.2.13  gobgpd, a plain client without GR or LLGR
 *   cn   192.0.2.15  the control node: GR helper, long-lived stale time 3600 s,
 *                    restarting speaker (so its OPENs list VPNv4 with the F bit);
 *                    instance blue imports a's target
 *   ag   192.0.2.21  a vRouter agent subscribed to blue: it keeps a's route as an
 *                    item through the stale and long-lived stale phases
 * a is killed with SIGKILL. Its route stays at b and c, stale in our table,
 * for its 6 s restart time; then it turns long-lived stale: our table shows
 * it with LLGR_STALE, b gets it with the community, c has it withdrawn
 * (RFC 9494 §4.3). a restarts and announces a different route: its
 * End-of-RIB sweeps the old one, and b and c hold exactly the new one.
 * Then our node and a are killed, and our node starts again in
 * restarting-speaker mode (RFC 4724 §4.1) before a: b, a graceful-restart
 * helper, keeps our route all along, since we send it nothing, End-of-RIB
 * included, until a is back with its End-of-RIB; c, without graceful
 * restart, loses it and gets it back.
 */
import { describe, expect, it } from 'vitest';
import {
  ControlNode, GoBgp, Lab, LabAgent, expectedReflection, hasRoute, nextHopsOf, sessionStateAt, useLab, viewAt, waitUntil,
} from './lab/index.js';
import type { CnConfig, VpnRouteSpec } from './lab/index.js';

const ASN = 64512;
const CN = '192.0.2.15';
const CLUSTER_ID = '10.255.0.1';
const BLUE = 'default-domain:admin:blue:blue';
const POLL_MS = 45_000;
const LLGR_STALE = 0xffff0006;
/** gobgpd a's restart time: the plain stale phase, long enough to look at it. */
const A_RESTART_S = 6;

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: '10.0.0.15', asn: ASN, clusterId: CLUSTER_ID },
  bgp: {
    listen: { address: CN, port: 179 },
    holdTime: 90,
    gracefulRestart: { enabled: true, restartTime: 60, endOfRibTimeout: 30, longLivedStaleTime: 3600, restartingSpeaker: true },
    peers: ['a', 'b', 'c'].map((name, i) => ({
      name, address: `192.0.2.${11 + i}`, asn: ASN, routeReflectorClient: true, families: ['inet-vpn'],
    })),
  },
  xmpp: { listen: { address: CN, port: 5269 } },
  introspect: { listen: { address: CN, port: 8083 } },
  routingInstances: [{ name: BLUE, id: 1, vnIndex: 1, importTargets: ['target:64512:9'], exportTargets: ['target:64512:9'] }],
};

const BEFORE: VpnRouteSpec = { rd: '192.0.2.11:9', prefix: '198.18.90.0/24', label: 2090, routeTargets: ['target:64512:9'], nextHop: '192.0.2.100' };
const AFTER: VpnRouteSpec = { rd: '192.0.2.11:9', prefix: '198.18.91.0/24', label: 2091, routeTargets: ['target:64512:9'], nextHop: '192.0.2.100' };

let lab: Lab | undefined;
let cn: ControlNode;
let a: GoBgp;
let b: GoBgp;
let c: GoBgp;
let ag: LabAgent | undefined;

/** The agent's items in blue: prefix -> next hop/label. */
async function agentView(): Promise<string[]> {
  const items = await ag!.routes(BLUE);
  return items.map((i) => `${i.id} -> ${nextHopsOf(items, i.id).join(' ')}`).sort();
}

function goBgp(host: string, octet: number, gr: 'restarting' | 'helper' | 'none'): GoBgp {
  const neighbor = {
    address: CN, peerAs: ASN, families: ['l3vpn-ipv4-unicast' as const], connectRetry: 3,
    ...(gr === 'restarting' && { gracefulRestart: true, restartTime: A_RESTART_S, longLived: { staleTime: 60 } }),
    ...(gr === 'helper' && { gracefulRestart: true, longLived: {} }),
  };
  return new GoBgp(lab!, host, { asn: ASN, routerId: `10.0.0.${octet}`, localAddress: `192.0.2.${octet}`, neighbors: [neighbor] });
}

async function startLab(): Promise<void> {
  lab = await Lab.create([
    { name: 'a', octet: 11 }, { name: 'b', octet: 12 }, { name: 'c', octet: 13 }, { name: 'cn', octet: 15 }, { name: 'ag', octet: 21 },
  ]);
  cn = new ControlNode(lab, 'cn', CN_CONFIG);
  a = goBgp('a', 11, 'restarting');
  b = goBgp('b', 12, 'helper');
  c = goBgp('c', 13, 'none');
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await Promise.all([a.start(), b.start(), c.start()]);
}

async function established(peer: GoBgp): Promise<void> {
  await waitUntil(`${peer.name} Established with us`, async () => (await sessionStateAt(peer, CN)) === 'established', POLL_MS, 250);
}

interface PathView { source: string; stale?: boolean; llgrStale?: boolean; communities: string[] }
interface RoutesView { routes: { prefix: string; paths: PathView[] }[] }

async function cnNeighborState(name: string): Promise<string | undefined> {
  return ((await cn.api('/api/neighbors')) as { name: string; state: string }[]).find((n) => n.name === name)?.state;
}

/** Every path of bgp.l3vpn.0, or those of one prefix, as the introspect shows them. */
async function cnPaths(spec?: VpnRouteSpec): Promise<PathView[]> {
  const query = spec ? `&prefix=${encodeURIComponent(spec.prefix)}` : '';
  return ((await cn.api(`/api/routes?table=bgp.l3vpn.0${query}`)) as RoutesView).routes.flatMap((r) => r.paths);
}

/** The communities b holds BEFORE with (undefined when it has no route). */
async function communitiesAt(peer: GoBgp, spec: VpnRouteSpec): Promise<number[] | undefined> {
  const r = (await peer.vpnRoutes()).find((x) => x.rd === spec.rd && x.prefix === spec.prefix);
  return r && (r.communities ?? []);
}

describe('long-lived graceful restart between the running control node and gobgpd (RFC 9494 helper)', () => {
  useLab({ start: startLab, lab: () => lab, label: 'control-node long-lived graceful restart', stop: async () => void (await ag?.stop()) });

  it('keeps a crashed LLGR peer\'s route stale, then long-lived stale (to the LLGR client only), and converges exactly when it is back', async () => {
    await Promise.all([established(a), established(b), established(c)]);
    await a.announce(BEFORE);
    const reflected = expectedReflection(BEFORE, a, CLUSTER_ID);
    await waitUntil('a\'s route reflected to b and c', async () =>
      JSON.stringify(await viewAt(b, BEFORE)) === JSON.stringify(reflected) &&
      JSON.stringify(await viewAt(c, BEFORE)) === JSON.stringify(reflected), POLL_MS, 250);
    expect(await communitiesAt(b, BEFORE)).toEqual([]);
    ag = await LabAgent.connect(lab!, 'ag', { name: 'compute-21', server: { address: CN, port: 5269 } });
    await ag.subscribe(BLUE, 1);
    const beforeItem = [`${BEFORE.prefix} -> ${BEFORE.nextHop}/${BEFORE.label}`];
    await waitUntil('a\'s route an item at the agent', async () => JSON.stringify(await agentView()) === JSON.stringify(beforeItem), POLL_MS, 250);

    expect(await a.kill()).toBe('SIGKILL');
    await waitUntil('a\'s session down at our node', async () => (await cnNeighborState('a')) !== 'Established', POLL_MS, 100);
    // Within a's restart time: plain graceful restart, nothing withdrawn, no LLGR_STALE yet.
    expect(await cnPaths(BEFORE)).toEqual([expect.objectContaining({ source: 'a', stale: true })]);
    expect((await cnPaths(BEFORE))[0]!.llgrStale).toBeUndefined();
    expect(await viewAt(c, BEFORE)).toEqual(reflected);
    expect(await agentView()).toEqual(beforeItem);

    await waitUntil('a\'s path long-lived stale in our table', async () => (await cnPaths(BEFORE))[0]?.llgrStale === true, POLL_MS, 250);
    expect(await cnPaths(BEFORE)).toEqual([expect.objectContaining({ source: 'a', stale: true, llgrStale: true, communities: expect.arrayContaining(['llgr-stale']) })]);
    await waitUntil('b holds it with LLGR_STALE', async () => (await communitiesAt(b, BEFORE))?.includes(LLGR_STALE) === true, POLL_MS, 250);
    await waitUntil('c, without LLGR, has it withdrawn', async () => !(await hasRoute(c, BEFORE)), POLL_MS, 250);
    expect(await agentView()).toEqual(beforeItem); // still the only path of blue: the agent keeps its item

    a = goBgp('a', 11, 'restarting');
    await a.start();
    await a.announce(AFTER);
    await established(a);
    const after = expectedReflection(AFTER, a, CLUSTER_ID);
    for (const peer of [b, c]) {
      await waitUntil(`${peer.name} holds exactly a's new route`, async () => {
        const routes = await peer.vpnRoutes();
        return routes.length === 1 && JSON.stringify(await viewAt(peer, AFTER)) === JSON.stringify(after);
      }, POLL_MS, 250);
      expect(await communitiesAt(peer, AFTER)).toEqual([]);
    }
    expect(await cnPaths()).toEqual([expect.objectContaining({ source: 'a' })]);
    expect((await cnPaths()).map((p) => [p.stale ?? false, p.llgrStale ?? false])).toEqual([[false, false]]);
    await waitUntil('the agent holds exactly a\'s new route', async () =>
      JSON.stringify(await agentView()) === JSON.stringify([`${AFTER.prefix} -> ${AFTER.nextHop}/${AFTER.label}`]), POLL_MS, 250);
    await ag.stop();
    ag = undefined;
  });

  it('restarting in restarting-speaker mode, our node never makes the graceful-restart client drop and relearn a route', async () => {
    const after = expectedReflection(AFTER, a, CLUSTER_ID);
    expect(await cn.kill()).toBe('SIGKILL');
    expect(await a.kill()).toBe('SIGKILL'); // the route's source comes back only after b: we have nothing for b meanwhile
    await waitUntil('c (no graceful restart) dropped our route', async () => !(await hasRoute(c, AFTER)), POLL_MS, 250);
    cn = new ControlNode(lab!, 'cn', CN_CONFIG);
    // Watch b every 100 ms from before our start until the route is back at c.
    let watching = true;
    const missing: number[] = [];
    let checks = 0;
    const watch = (async () => {
      while (watching) {
        if (JSON.stringify(await viewAt(b, AFTER)) !== JSON.stringify(after)) missing.push(Date.now());
        checks++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await cn.start();
      await Promise.all([established(b), established(c)]);
      await new Promise((r) => setTimeout(r, 2000)); // b and c up, a not: our table is empty, and nothing may tell b so
      expect(await cnPaths()).toEqual([]);
      a = goBgp('a', 11, 'restarting');
      await a.start();
      await a.announce(AFTER);
      await established(a);
      await waitUntil('our route back at c', async () => JSON.stringify(await viewAt(c, AFTER)) === JSON.stringify(after), POLL_MS, 250);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      watching = false;
      await watch;
    }
    expect(checks).toBeGreaterThan(20);
    expect(missing).toEqual([]);
    expect((await b.vpnRoutes()).map((r) => r.prefix)).toEqual([AFTER.prefix]);
    expect((await cnPaths()).map((p) => [p.source, p.stale ?? false])).toEqual([['a', false]]);
  });
});
