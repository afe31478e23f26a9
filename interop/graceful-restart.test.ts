/**
 * Graceful restart, helper side (RFC 4724 §4.2, config bgp.graceful-restart),
 * end to end: our binary reflecting VPNv4 between gobgpd speakers, each in
 * its own network namespace, iBGP AS 64512:
 *   a    192.0.2.11  gobgpd with graceful restart (restart time 120 s)
 *   c    192.0.2.13  gobgpd without it: the contrast
 *   b    192.0.2.12  gobgpd, a plain client that watches what we reflect
 *   cn   192.0.2.15  the control node, helper on (restart time 60, stale time 30)
 * a and c are killed with SIGKILL, as a crash would end them: no
 * NOTIFICATION, the kernel just closes their sockets. c's route leaves b at
 * once; a's stays at b, marked stale in our table, for as long as a is away.
 * When a comes back and announces a different route, its End-of-RIB ends
 * the wait: the old route leaves b and the new one arrives.
 */
import { describe, expect, it } from 'vitest';
import { ControlNode, GoBgp, Lab, expectedReflection, hasRoute, sessionStateAt, useLab, viewAt, waitUntil } from './lab/index.js';
import type { CnConfig, VpnRouteSpec } from './lab/index.js';

const ASN = 64512;
const CN = '192.0.2.15';
const CLUSTER_ID = '10.255.0.1';
const POLL_MS = 45_000;
/** How long a's route is watched at b while a is dead: well past the moment c's route left. */
const HELD_WINDOW_MS = 8_000;

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: '10.0.0.15', asn: ASN, clusterId: CLUSTER_ID },
  bgp: {
    listen: { address: CN, port: 179 },
    holdTime: 90,
    gracefulRestart: { enabled: true, restartTime: 60, staleTime: 30 },
    peers: ['a', 'b', 'c'].map((name, i) => ({
      name, address: `192.0.2.${11 + i}`, asn: ASN, routeReflectorClient: true, families: ['inet-vpn'],
    })),
  },
  introspect: { listen: { address: CN, port: 8083 } },
};

const BEFORE: VpnRouteSpec = { rd: '192.0.2.11:9', prefix: '198.18.90.0/24', label: 2090, routeTargets: ['target:64512:9'], nextHop: '192.0.2.100' };
const AFTER: VpnRouteSpec = { rd: '192.0.2.11:9', prefix: '198.18.91.0/24', label: 2091, routeTargets: ['target:64512:9'], nextHop: '192.0.2.100' };
const FROM_C: VpnRouteSpec = { rd: '192.0.2.13:9', prefix: '198.18.93.0/24', label: 2093, routeTargets: ['target:64512:9'], nextHop: '192.0.2.101' };

let lab: Lab | undefined;
let cn: ControlNode;
let a: GoBgp;
let b: GoBgp;
let c: GoBgp;

function goBgp(host: string, octet: number, gracefulRestart: boolean): GoBgp {
  return new GoBgp(lab!, host, {
    asn: ASN, routerId: `10.0.0.${octet}`, localAddress: `192.0.2.${octet}`,
    neighbors: [{ address: CN, peerAs: ASN, families: ['l3vpn-ipv4-unicast'], connectRetry: 3, gracefulRestart }],
  });
}

async function startLab(): Promise<void> {
  lab = await Lab.create([{ name: 'a', octet: 11 }, { name: 'b', octet: 12 }, { name: 'c', octet: 13 }, { name: 'cn', octet: 15 }]);
  cn = new ControlNode(lab, 'cn', CN_CONFIG);
  a = goBgp('a', 11, true);
  b = goBgp('b', 12, false);
  c = goBgp('c', 13, false);
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await Promise.all([a.start(), b.start(), c.start()]);
}

async function established(peer: GoBgp): Promise<void> {
  await waitUntil(`${peer.name} Established with us`, async () => (await sessionStateAt(peer, CN)) === 'established', POLL_MS, 250);
}

interface NeighborView { name: string; state: string; lastDownReason?: string }
interface RoutesView { routes: { prefix: string; paths: { source: string; stale?: boolean }[] }[] }

async function cnNeighbor(name: string): Promise<NeighborView | undefined> {
  return ((await cn.api('/api/neighbors')) as NeighborView[]).find((n) => n.name === name);
}

/** Our own paths for a prefix in bgp.l3vpn.0, as the introspect shows them. */
async function cnPaths(spec: VpnRouteSpec): Promise<{ source: string; stale?: boolean }[]> {
  const view = (await cn.api(`/api/routes?table=bgp.l3vpn.0&prefix=${encodeURIComponent(spec.prefix)}`)) as RoutesView;
  return view.routes.flatMap((r) => r.paths);
}

describe('graceful restart between the running control node and gobgpd (RFC 4724 helper)', () => {
  useLab({ start: startLab, lab: () => lab, label: 'control-node graceful restart' });

  it('keeps a crashed graceful-restart peer\'s routes, drops a crashed plain peer\'s at once, and sweeps the old routes after End-of-RIB', async () => {
    await Promise.all([established(a), established(b), established(c)]);
    await a.announce(BEFORE);
    await c.announce(FROM_C);
    const reflectedBefore = expectedReflection(BEFORE, a, CLUSTER_ID);
    await waitUntil('a\'s and c\'s routes reflected to b', async () =>
      JSON.stringify(await viewAt(b, BEFORE)) === JSON.stringify(reflectedBefore) && (await hasRoute(b, FROM_C)), POLL_MS, 250);

    expect(await a.kill()).toBe('SIGKILL');
    expect(await c.kill()).toBe('SIGKILL');
    await waitUntil('both sessions down at our node', async () =>
      (await cnNeighbor('a'))?.state !== 'Established' && (await cnNeighbor('c'))?.state !== 'Established', POLL_MS, 250);
    await waitUntil('c\'s route withdrawn from b', async () => !(await hasRoute(b, FROM_C)), POLL_MS, 250);

    const deadline = Date.now() + HELD_WINDOW_MS;
    let checks = 0;
    while (Date.now() < deadline) {
      expect(await viewAt(b, BEFORE)).toEqual(reflectedBefore);
      checks++;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(checks).toBeGreaterThan(5);
    expect(await cnPaths(BEFORE)).toEqual([expect.objectContaining({ source: 'a', stale: true })]);
    expect((await cnNeighbor('a'))?.lastDownReason).toMatch(/closed|hold/);

    a = goBgp('a', 11, true);
    await a.start();
    await a.announce(AFTER);
    await established(a);
    await waitUntil('a\'s new route at b', async () =>
      JSON.stringify(await viewAt(b, AFTER)) === JSON.stringify(expectedReflection(AFTER, a, CLUSTER_ID)), POLL_MS, 250);
    await waitUntil('a\'s old route swept from b', async () => !(await hasRoute(b, BEFORE)), POLL_MS, 250);
    expect(await cnPaths(BEFORE)).toEqual([]);
    expect((await cnPaths(AFTER)).map((p) => p.stale ?? false)).toEqual([false]);
  });
});
