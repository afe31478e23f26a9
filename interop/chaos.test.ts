/**
 * Chaos, part 1 (issue 12): faults of the BGP peers and of the control node
 * itself, every process in its own network namespace, iBGP AS 64512:
 *   gw    192.0.2.11  gobgpd, VPNv4 + route-target, VRF public (target:64512:1001);
 *                     graceful restart on its side only, so that it sends End-of-RIB
 *                     (our node's helper stays off: nothing is kept for a dead peer)
 *   frr   192.0.2.12  FRR bgpd, VPNv4, hold time 6 s on our side (the link test)
 *   bird  192.0.2.13  BIRD 2, VPNv4
 *   cn    192.0.2.15  our binary, route reflector (cluster id 10.255.0.1), introspect
 * Each peer originates three routes (target:64512:1001). Faults, one after the
 * other: FRR's link down until the hold timer drops the session, then up again;
 * SIGKILL and restart of gobgpd, of FRR's bgpd, of BIRD; SIGKILL and restart of
 * our node. While a peer is down the survivors' views are read again and again:
 * a route of a survivor missing at another survivor at any sample counts as lost.
 * After each step every RIB — each peer's (gobgp -j, vtysh json, birdc) and our
 * bgp.l3vpn.0 — must hold exactly what the model says: the reflected routes of
 * the peers whose sessions are up, no more (stale) and no less (lost). The file
 * ends by printing `fault | injected | routes checked | lost | stale`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Bird, ChaosTally, ControlNode, convergeRib, Frr, GoBgp, Lab, cnLines, frrFastLines, lines, routeLine, sessionStateAt, specLine,
  useLab, waitUntil, watchRibs } from './lab/index.js';
import type { CnConfig, VpnRouteSpec } from './lab/index.js';

const ASN = 64512;
const CN = '192.0.2.15';
const RT = 'target:64512:1001';
const FRR_HOLD_TIME = 6;
const CONVERGE_MS = 45_000;
/** Longest a survivors' watch runs (a fault, its recovery and the checks after it). */
const WATCH_MAX_MS = 150_000;
/** A peer's session comes back within its connect retry (3 s) and ours (5 s), plus the OPEN exchange. */
const SESSION_MS = 30_000;

type Peer = 'gw' | 'frr' | 'bird';
const PEERS: readonly Peer[] = ['gw', 'frr', 'bird'];
const OCTET: Record<Peer, number> = { gw: 11, frr: 12, bird: 13 };
/** gw and FRR name themselves; BIRD's routes point at a "vRouter" (a third-party next hop). */
const NEXT_HOP: Record<Peer, string> = { gw: '192.0.2.11', frr: '192.0.2.12', bird: '192.0.2.100' };
const address = (p: Peer): string => `192.0.2.${OCTET[p]}`;

function route(p: Peer, n: number): VpnRouteSpec {
  return { rd: `${address(p)}:${n}`, prefix: `10.${OCTET[p]}.${n}.0/24`, label: 1000 + OCTET[p] * 10 + n, routeTargets: [RT], nextHop: NEXT_HOP[p] };
}
const BASELINE: Record<Peer, VpnRouteSpec[]> = {
  gw: [1, 2, 3].map((n) => route('gw', n)), frr: [1, 2, 3].map((n) => route('frr', n)), bird: [1, 2, 3].map((n) => route('bird', n)),
};

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: '10.0.0.15', asn: ASN, clusterId: '10.255.0.1' },
  bgp: {
    listen: { address: CN, port: 179 },
    holdTime: 90,
    peers: [
      { name: 'gw', address: address('gw'), asn: ASN, routeReflectorClient: true, families: ['inet-vpn', 'route-target'] },
      { name: 'frr', address: address('frr'), asn: ASN, routeReflectorClient: true, families: ['inet-vpn'], holdTime: FRR_HOLD_TIME },
      { name: 'bird', address: address('bird'), asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
    ],
  },
  introspect: { listen: { address: CN, port: 8083 } },
};

let lab: Lab | undefined;
let cn: ControlNode;
let gw: GoBgp;
let frr: Frr;
let bird: Bird;
const tally = new ChaosTally();

// ---- the model: who is up, and so which routes every RIB must hold --------------------

const running: Record<Peer, boolean> = { gw: false, frr: false, bird: false };
const linked: Record<Peer, boolean> = { gw: true, frr: true, bird: true };
let cnRunning = false;

/** A peer whose session to our node is (once converged) up. */
const inSession = (p: Peer): boolean => cnRunning && running[p] && linked[p];

/** What peer `p` must have learnt from our node: every other peer's routes, when both sessions are up. */
function expectedAt(p: Peer, labels = true): string[] {
  if (!inSession(p)) return [];
  return lines(PEERS.filter((q) => q !== p && inSession(q)).flatMap((q) => BASELINE[q].map((s) => specLine(s, labels))));
}

function expectedAtCn(): string[] {
  return lines(PEERS.filter(inSession).flatMap((q) => BASELINE[q].map((s) => specLine(s))));
}

const notOwn = (p: Peer) => (line: string): boolean => !line.startsWith(`${address(p)}:`);

/** The peer's VPNv4 RIB without its own routes: exactly what it learnt, with labels. */
async function learntAt(p: Peer): Promise<string[]> {
  const speaker = { gw, frr, bird }[p];
  return lines((await speaker.vpnRoutes()).map((r) => routeLine(r))).filter(notOwn(p));
}

/** The same without labels, one CLI call per peer (sampled while a fault lasts). */
async function fastLearntAt(p: Peer): Promise<string[]> {
  if (p === 'frr') return (await frrFastLines(frr)).filter(notOwn(p));
  const speaker = p === 'gw' ? gw : bird;
  return lines((await speaker.vpnRoutes()).map((r) => routeLine(r, false))).filter(notOwn(p));
}

/** Polls one RIB until it equals `want` (bounded), tallies the last comparison and asserts it. */
const convergeOne = (fault: string, what: string, want: string[], read: () => Promise<string[]>): Promise<void> =>
  convergeRib(tally, fault, what, want, read, CONVERGE_MS);

/** Every running peer's RIB and ours hold exactly what the model says. */
async function converge(fault: string, when: string): Promise<void> {
  await Promise.all([
    ...PEERS.filter((p) => running[p]).map((p) => convergeOne(fault, `${when}: ${p}`, expectedAt(p), () => learntAt(p))),
    ...(cnRunning ? [convergeOne(fault, `${when}: control node`, expectedAtCn(), () => cnLines(cn))] : []),
  ]);
}

/**
 * Reads every survivor's RIB every 200 ms from now until `stop()`: a survivor's route missing
 * at another survivor at any sample counts as lost. `stop()` asserts that none was and
 * resolves with the number of samples.
 */
function watchSurvivors(fault: string, survivors: readonly Peer[]): { stop: () => Promise<number> } {
  const watch = watchRibs(tally, fault, survivors.map((s) => ({
    name: s,
    want: lines(survivors.filter((q) => q !== s).flatMap((q) => BASELINE[q].map((r) => specLine(r, false)))),
    read: () => fastLearntAt(s),
    presentOnly: true,
  })), 200, WATCH_MAX_MS);
  return {
    stop: async () => {
      const { samples, faults } = await watch.stop();
      expect(faults, `${fault}: survivors' routes missing while the fault lasted`).toEqual([]);
      return samples;
    },
  };
}

interface NeighborView { name: string; state: string; lastDownReason?: string }

async function cnNeighbor(name: Peer): Promise<NeighborView | undefined> {
  return ((await cn.api('/api/neighbors')) as NeighborView[]).find((n) => n.name === name);
}

/** The victim's session is down at our node and its routes have left every survivor. */
function victimGone(victim: Peer, survivors: readonly Peer[]): () => Promise<boolean> {
  const theirs = BASELINE[victim].map((s) => specLine(s, false));
  return async () => {
    if ((await cnNeighbor(victim))?.state === 'Established') return false;
    for (const s of survivors) if ((await fastLearntAt(s)).some((l) => theirs.includes(l))) return false;
    return true;
  };
}

async function established(p: Peer): Promise<void> {
  const speaker = { gw, frr, bird }[p];
  await waitUntil(`${p} Established with our node`, async () => (await sessionStateAt(speaker, CN)) === 'established', SESSION_MS, 250);
}

async function startPeer(p: Peer): Promise<void> {
  if (p === 'gw') {
    await gw.start();
    for (const s of BASELINE.gw) await gw.announce(s);
  } else {
    await (p === 'frr' ? frr : bird).start();
  }
  running[p] = true;
}

async function startLab(): Promise<void> {
  lab = await Lab.create([{ name: 'gw', octet: 11 }, { name: 'frr', octet: 12 }, { name: 'bird', octet: 13 }, { name: 'cn', octet: 15 }]);
  cn = new ControlNode(lab, 'cn', CN_CONFIG);
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: '10.0.0.11', localAddress: address('gw'),
    vrfs: [{ name: 'public', rd: `${address('gw')}:100`, importRts: [RT], exportRts: [RT] }],
    neighbors: [{ address: CN, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3, gracefulRestart: true }],
  });
  frr = new Frr(lab, 'frr', { asn: ASN, routerId: '10.0.0.12', neighbors: [{ address: CN, peerAs: ASN }], networks: BASELINE.frr });
  bird = new Bird(lab, 'bird', {
    asn: ASN, routerId: '10.0.0.13', localAddress: address('bird'), neighbors: [{ name: 'to_cn', address: CN, peerAs: ASN }],
    routes: BASELINE.bird, connectRetry: 3, errorWait: [1, 2],
  });
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  cnRunning = true;
  await Promise.all(PEERS.map(startPeer));
}

describe('chaos: link loss, SIGKILL and restart of gobgpd, FRR, BIRD and our node; every RIB exact afterwards', () => {
  useLab({ start: startLab, lab: () => lab, label: 'chaos (peers)' });
  afterAll(() => {
    console.log(`chaos summary (peers and control node):\n${tally.table()}`);
  });

  it('every peer comes up with our node and every RIB holds exactly the other peers\' routes', async () => {
    await Promise.all(PEERS.map(established));
    await converge('start-up', 'start-up');
  });

  it('FRR\'s link down drops its session on the 6 s hold timer and its routes everywhere, gw and BIRD keep each other\'s routes throughout, and link up converges every RIB back', async () => {
    const fault = 'link down/up (frr veth)';
    const watch = watchSurvivors(fault, ['gw', 'bird']);
    try {
      await lab!.linkDown('frr');
      tally.injected(fault);
      const cut = Date.now();
      linked.frr = false;
      await waitUntil('FRR\'s session down and its routes gone', victimGone('frr', ['gw', 'bird']), CONVERGE_MS, 250);
      // Nothing was closed: only the hold timer could notice, 6 s after the last keepalive (sent every 2 s).
      expect(Date.now() - cut).toBeGreaterThanOrEqual((FRR_HOLD_TIME - FRR_HOLD_TIME / 3 - 1) * 1_000);
      expect((await cnNeighbor('frr'))?.lastDownReason).toMatch(/hold/);
      await converge(fault, 'FRR cut off'); // FRR's own hold timer has dropped what it learnt too
    } finally {
      await lab!.linkUp('frr');
      linked.frr = true;
    }
    await established('frr');
    await converge(fault, 'FRR\'s link back');
    expect(await watch.stop()).toBeGreaterThan(10);
  });

  it.each(PEERS)('SIGKILL of %s takes its routes from every RIB while the other two keep each other\'s, and its restart brings every RIB back exactly', async (victim) => {
    const fault = `SIGKILL + restart ${victim}`;
    const survivors = PEERS.filter((p) => p !== victim);
    const watch = watchSurvivors(fault, survivors);
    expect(await { gw, frr, bird }[victim].kill()).toBe('SIGKILL');
    tally.injected(fault);
    running[victim] = false;
    try {
      await waitUntil(`${victim}'s session down and its routes gone`, victimGone(victim, survivors), CONVERGE_MS, 250);
      await converge(fault, `${victim} dead`);
    } finally {
      await startPeer(victim); // the tests after this one need it, whatever happened here
    }
    await established(victim);
    await converge(fault, `${victim} restarted`);
    expect(await watch.stop()).toBeGreaterThan(3);
  });

  it('SIGKILL of our node empties every peer of reflected routes, and its restart brings every RIB back exactly', async () => {
    const fault = 'SIGKILL + restart control node';
    expect(await cn.kill()).toBe('SIGKILL');
    tally.injected(fault);
    cnRunning = false;
    await Promise.all(PEERS.map((p) => waitUntil(`${p} sees our node gone`,
      async () => (await sessionStateAt({ gw, frr, bird }[p], CN)) !== 'established', SESSION_MS, 250)));
    await converge(fault, 'control node dead'); // every peer: its own routes only
    await cn.start();
    cnRunning = true;
    await Promise.all(PEERS.map(established));
    await converge(fault, 'control node restarted');
    expect(tally.totals()).toMatchObject({ lost: 0, stale: 0 });
  });
});
