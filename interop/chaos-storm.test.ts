/**
 * Chaos, part 2 (issue 12): an agent flap storm and a BGP peer that sends
 * 100k routes and vanishes mid-update, every process in its own namespace:
 *   gw    192.0.2.11  gobgpd, VPNv4 + route-target, VRF public (target:64512:1001)
 *   frr   192.0.2.12  FRR bgpd, VPNv4
 *   bird  192.0.2.13  BIRD 2, VPNv4
 *   inj   192.0.2.14  the raw speaker (bgp-injector.mjs: bytes built by hand, no project code)
 *   cn    192.0.2.15  our binary: route reflector, XMPP, instance public (id 1, target:64512:1001)
 *   a1-a4 192.0.2.21-24  five vRouter agents each (agent-runner.ts processes), twenty in all
 * The storm: ten rounds in which every agent drops its session (a crash, or a clean
 * stream close, by turns), connects again at once, subscribes and publishes its
 * routes for that round (new labels each round; a second route every other round);
 * at the end five agents stay away. Then every RIB — gobgpd's, FRR's, BIRD's, our
 * bgp.l3vpn.0 and every connected agent's items — must hold exactly the routes of
 * the agents that are connected, as last published, and the peers' routes.
 * The flood: the raw speaker writes 100,000 VPNv4 routes (target:64512:77, which gw
 * does not import: gw's route-target constraint keeps them from it; FRR and BIRD get
 * them all), the last UPDATE cut in half, and is SIGKILLed while our node is still
 * passing them on. After the session drops none of them may remain anywhere, the
 * other routes must be intact throughout (gw's RIB and an agent's items, sampled), and
 * our node's memory must come back. Measured after a forced full GC (a heap snapshot,
 * see gcNodeFlags: without one, the garbage of a flood it let go can sit in the heap for
 * minutes, nothing triggering a major GC): the V8 heap in use to within 8 MiB of before
 * (100k routes take about 85 MiB, so a tenth of them kept would show), the RSS to within
 * 50 MiB (V8 and malloc keep some pages they grew into), and a second flood must not grow
 * the RSS by more than 50 MiB over the first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BgpInjector, vpnFloodHex } from './lab/injector.js';
import { Bird, ChaosTally, ControlNode, convergeRib, Frr, GoBgp, Lab, LabAgent, birdRouteCount, cnLines, cnTableSize, frrReceivedFrom,
  forceGc, gcNodeFlags, heapUsedMiB, lines, nextHopsOf, routeLine, rssMiB, sessionStateAt, specLine, useLab, waitUntil, watchRibs } from './lab/index.js';
import type { CnConfig, PublishedRoute, VpnRouteSpec } from './lab/index.js';

const ASN = 64512;
const CN = '192.0.2.15';
const RT = 'target:64512:1001';
const PUBLIC = 'default-domain:admin:public:public';
const CONVERGE_MS = 45_000;
const ROUNDS = 10;
const AGENT_HOSTS = ['a1', 'a2', 'a3', 'a4'] as const;
const PER_HOST = 5;
const FLOOD = 100_000;
const FLOOD_RT = 'target:64512:77';
/** The flood's UPDATEs (about 250 routes each), built once; the last one is sent cut in half. */
const UPDATES = vpnFloodHex({
  count: FLOOD, rd: `${'192.0.2.14'}:7`, label: 5000, nextHop: '192.0.2.14', routeTargets: [FLOOD_RT],
  prefix: (i) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`,
});
/** The flood is sent in two parts: until our node holds this share, then the rest without waiting. */
const FIRST_PART = 0.6;
/** UPDATEs per injector command (about 330 kB of hex). */
const CHUNK = 40;
/** Heap in use after a flood, over before it (V8's heap is what holds routes; see the header). */
const HEAP_BOUND_MIB = 8;
/** RSS after a flood, over before it (after the first: over after the first). */
const RSS_BOUND_MIB = 50;

type Peer = 'gw' | 'frr' | 'bird';
const PEERS: readonly Peer[] = ['gw', 'frr', 'bird'];
const OCTET: Record<Peer | 'inj', number> = { gw: 11, frr: 12, bird: 13, inj: 14 };
const address = (p: Peer | 'inj'): string => `192.0.2.${OCTET[p]}`;
const NEXT_HOP: Record<Peer, string> = { gw: address('gw'), frr: address('frr'), bird: '192.0.2.100' };
const BASELINE: Record<Peer, VpnRouteSpec> = Object.fromEntries(PEERS.map((p) => [p, {
  rd: `${address(p)}:1`, prefix: `10.${OCTET[p]}.1.0/24`, label: 1000 + OCTET[p], routeTargets: [RT], nextHop: NEXT_HOP[p],
}])) as Record<Peer, VpnRouteSpec>;

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: '10.0.0.15', asn: ASN, clusterId: '10.255.0.1' },
  bgp: {
    listen: { address: CN, port: 179 },
    holdTime: 90,
    peers: [
      { name: 'gw', address: address('gw'), asn: ASN, routeReflectorClient: true, families: ['inet-vpn', 'route-target'] },
      { name: 'frr', address: address('frr'), asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
      { name: 'bird', address: address('bird'), asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
      { name: 'inj', address: address('inj'), asn: ASN, routeReflectorClient: true, families: ['inet-vpn'], passive: true },
    ],
  },
  xmpp: { listen: { address: CN, port: 5269 } },
  introspect: { listen: { address: CN, port: 8083 } },
  routingInstances: [{ name: PUBLIC, id: 1, vnIndex: 4, importTargets: [RT], exportTargets: [RT] }],
};

/** One of the twenty agents: its runner, where it runs, and what it has published on its current session. */
interface StormAgent {
  index: number;
  host: (typeof AGENT_HOSTS)[number];
  agent: LabAgent;
  connected: boolean;
  routes: PublishedRoute[];
}

let lab: Lab | undefined;
let cn: ControlNode;
let gw: GoBgp;
let frr: Frr;
let bird: Bird;
const agents: StormAgent[] = [];
const tally = new ChaosTally();
const figures: string[] = [];
/** Where our node writes the heap snapshots that force its garbage collections. */
const diagDir = (): string => lab!.file('cn-diag');
/** Our node's RSS after the first flood settled, for the second. */
let firstRss: number | undefined;

const hostAddress = (a: StormAgent): string => `192.0.2.${21 + AGENT_HOSTS.indexOf(a.host)}`;

/** Round `round`'s routes of an agent: a new label every round, a second route every other round. */
function roundRoutes(a: StormAgent, round: number): PublishedRoute[] {
  const routes = [0, 1].filter((j) => j === 0 || round % 2 === 0).map((j) => ({
    prefix: `10.100.${a.index}.${j + 1}/32`, nextHop: hostAddress(a), label: 10_000 + round * 100 + a.index * 2 + j, encapsulations: ['gre'],
  }));
  return routes;
}

/** The VPN route our node makes of an agent's route: RD <next hop>:<instance id>. */
const agentSpec = (r: PublishedRoute): VpnRouteSpec =>
  ({ rd: `${r.nextHop}:1`, prefix: r.prefix, label: r.label, routeTargets: [RT], nextHop: r.nextHop });

const connectedSpecs = (): VpnRouteSpec[] => agents.filter((a) => a.connected).flatMap((a) => a.routes.map(agentSpec));

// ---- exact views --------------------------------------------------------------------

const notOwn = (p: Peer) => (line: string): boolean => !line.startsWith(`${address(p)}:`);

function expectedAt(p: Peer): string[] {
  return lines([...PEERS.filter((q) => q !== p).map((q) => BASELINE[q]), ...connectedSpecs()].map((s) => specLine(s)));
}

async function learntAt(p: Peer): Promise<string[]> {
  return lines((await { gw, frr, bird }[p].vpnRoutes()).map((r) => routeLine(r))).filter(notOwn(p));
}

/** An agent's items of public: prefix -> next hops (address/label). */
function expectedItems(): string[] {
  const specs = [...PEERS.map((q) => BASELINE[q]), ...connectedSpecs()];
  return lines(specs.map((s) => `${s.prefix} -> ${s.nextHop}/${s.label}`));
}

async function itemsAt(a: StormAgent): Promise<string[]> {
  const items = await a.agent.routes(PUBLIC);
  return lines(items.map((i) => `${i.id} -> ${nextHopsOf(items, i.id).join(' ')}`));
}

/** Polls one RIB until it equals `want` (bounded), tallies the last comparison and asserts it. */
const convergeOne = (fault: string, what: string, want: string[], read: () => Promise<string[]>): Promise<void> =>
  convergeRib(tally, fault, what, want, read, CONVERGE_MS);

/** Every peer's RIB, our bgp.l3vpn.0 and every connected agent's items, exactly as the model says. */
async function converge(fault: string, when: string): Promise<void> {
  const cnWant = lines([...PEERS.map((q) => BASELINE[q]), ...connectedSpecs()].map((s) => specLine(s)));
  await Promise.all([
    ...PEERS.map((p) => convergeOne(fault, `${when}: ${p}`, expectedAt(p), () => learntAt(p))),
    convergeOne(fault, `${when}: control node`, cnWant, () => cnLines(cn)),
    ...agents.filter((a) => a.connected).map((a) => convergeOne(fault, `${when}: agent ${a.index}`, expectedItems(), () => itemsAt(a))),
  ]);
}

// ---- the storm ----------------------------------------------------------------------

/** Connects (retrying, bounded: our node refuses a second session of a name until it has seen the first go). */
async function reconnect(a: StormAgent, round: number): Promise<number> {
  let refused = 0;
  await waitUntil(`agent ${a.index} connected again`, async () => {
    try {
      await a.agent.connect();
      return true;
    } catch (err) {
      refused++;
      throw err;
    }
  }, 15_000, 100);
  a.connected = true;
  a.routes = roundRoutes(a, round);
  await a.agent.subscribe(PUBLIC, 1);
  for (const r of a.routes) await a.agent.publish(PUBLIC, r);
  return refused;
}

/** Drops the session: a crash (TCP gone, no stream close) or a clean close, by turns. */
async function drop(a: StormAgent, crash: boolean): Promise<void> {
  if (crash) await a.agent.destroy();
  else await a.agent.close();
  a.connected = false;
  a.routes = [];
}

async function startLab(): Promise<void> {
  lab = await Lab.create([...PEERS.map((p) => ({ name: p, octet: OCTET[p] })), { name: 'inj', octet: 14 }, { name: 'cn', octet: 15 },
    ...AGENT_HOSTS.map((h, i) => ({ name: h, octet: 21 + i }))]);
  cn = new ControlNode(lab, 'cn', CN_CONFIG, gcNodeFlags(lab.file('cn-diag')));
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: '10.0.0.11', localAddress: address('gw'),
    vrfs: [{ name: 'public', rd: `${address('gw')}:100`, importRts: [RT], exportRts: [RT] }],
    neighbors: [{ address: CN, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3, gracefulRestart: true }],
  });
  frr = new Frr(lab, 'frr', { asn: ASN, routerId: '10.0.0.12', neighbors: [{ address: CN, peerAs: ASN }], networks: [BASELINE.frr] });
  bird = new Bird(lab, 'bird', {
    asn: ASN, routerId: '10.0.0.13', localAddress: address('bird'), neighbors: [{ name: 'to_cn', address: CN, peerAs: ASN }],
    routes: [BASELINE.bird], connectRetry: 3, errorWait: [1, 2],
  });
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await Promise.all([gw.start(), frr.start(), bird.start()]);
  await gw.announce(BASELINE.gw);
  await Promise.all(AGENT_HOSTS.map(async (host, h) => {
    for (let k = 0; k < PER_HOST; k++) {
      const index = h * PER_HOST + k;
      const agent = await LabAgent.start(lab!, host, { name: `compute-${21 + h}-${k}`, server: { address: CN, port: 5269 }, logName: `${host}-agent-${k}.log` });
      agents[index] = { index, host, agent, connected: false, routes: [] };
    }
  }));
}

async function stopAgents(): Promise<void> {
  await Promise.all(agents.map((a) => a.agent.stop().catch(() => undefined)));
}

// ---- the flood ----------------------------------------------------------------------

/** Routes in the first `n` UPDATEs of the flood (every UPDATE but the last one is full). */
function routesIn(n: number): number {
  return Math.min(FLOOD, n * Math.ceil(FLOOD / UPDATES.length));
}

async function sendUpdates(inj: BgpInjector, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += CHUNK) await inj.send(UPDATES.slice(i, Math.min(i + CHUNK, to)).join(''));
}

/**
 * Reads gw's RIB and one agent's items every 300 ms until `stop()`: the flood's target is
 * imported by neither, so both must stay exactly as they were; any difference is tallied.
 */
function watchIntact(fault: string): { stop: () => Promise<number> } {
  const watched = agents.find((a) => a.connected)!;
  const watch = watchRibs(tally, fault, [
    { name: 'gw', want: expectedAt('gw'), read: () => learntAt('gw') },
    { name: `agent ${watched.index}`, want: expectedItems(), read: () => itemsAt(watched) },
  ], 300);
  return {
    stop: async () => {
      const { samples, faults } = await watch.stop();
      expect(faults, `${fault}: gw and agent ${watched.index} while the flood lasted`).toEqual([]);
      return samples;
    },
  };
}

interface FloodFigures { ms: number; atCn: number; atFrr: number; atBird: number; withdrawMs: number; rssPeak: number }

/**
 * One flood: the first part until our node holds it and FRR and BIRD are getting it,
 * then the rest and half of the last UPDATE without waiting, then SIGKILL.
 * Returns when our node has let every flood route go (bounded).
 */
async function floodOnce(fault: string): Promise<FloodFigures> {
  const pid = cn.pid!;
  let rssPeak = rssMiB(pid);
  const base = { cn: await cnTableSize(cn), frr: await frrReceivedFrom(frr, CN), bird: await birdRouteCount(bird) };
  const inj = BgpInjector.start(lab!, 'inj', { peer: CN, asn: ASN, bgpId: '10.0.0.14' });
  await inj.waitEstablished();
  const started = Date.now();
  const first = Math.floor(UPDATES.length * FIRST_PART);
  await sendUpdates(inj, 0, first);
  await waitUntil('our node holds the first part', async () => (await cnTableSize(cn)) >= base.cn + routesIn(first), 60_000, 100);
  await waitUntil('FRR and BIRD receiving it', async () =>
    (await frrReceivedFrom(frr, CN)) > base.frr && (await birdRouteCount(bird)) > base.bird, 60_000, 100);
  rssPeak = Math.max(rssPeak, rssMiB(pid));
  await sendUpdates(inj, first, UPDATES.length - 1);
  const last = UPDATES[UPDATES.length - 1]!;
  await inj.send(last.slice(0, Math.floor(last.length / 4) * 2)); // whole bytes, half the message
  const figures = { atCn: await cnTableSize(cn) - base.cn, atFrr: await frrReceivedFrom(frr, CN) - base.frr, atBird: await birdRouteCount(bird) - base.bird };
  expect(await inj.kill()).toBe('SIGKILL');
  tally.injected(fault);
  const killed = Date.now();
  rssPeak = Math.max(rssPeak, rssMiB(pid));
  await waitUntil('our node has let the flood go', async () => (await cnTableSize(cn)) === base.cn, 60_000, 200).catch(() => undefined);
  const withdrawMs = Date.now() - killed;
  // Nothing of the flood left anywhere: counted, RIB by RIB, against the routes it sent.
  const sent = routesIn(UPDATES.length - 1);
  const left = { cn: await cnTableSize(cn) - base.cn, frr: 0, bird: 0 };
  await waitUntil('FRR and BIRD back to their routes', async () => {
    left.frr = (await frrReceivedFrom(frr, CN)) - base.frr;
    left.bird = (await birdRouteCount(bird)) - base.bird;
    return left.frr === 0 && left.bird === 0;
  }, 60_000, 500).catch(() => undefined);
  for (const n of Object.values(left)) tally.counted(fault, sent, Math.max(0, -n), Math.max(0, n));
  expect(left, 'flood routes left (our node, FRR, BIRD)').toEqual({ cn: 0, frr: 0, bird: 0 });
  return { ms: killed - started, ...figures, withdrawMs, rssPeak };
}

function describeFlood(n: number, f: FloodFigures): string {
  return `flood ${n}: ${routesIn(UPDATES.length - 1)} routes in ${UPDATES.length - 1} UPDATEs + half of one, SIGKILL after ${f.ms} ms; ` +
    `held then: ours ${f.atCn}, FRR ${f.atFrr}, BIRD ${f.atBird}; all gone from ours ${f.withdrawMs} ms after the kill; RSS peak ${f.rssPeak.toFixed(0)} MiB`;
}

describe('chaos: an agent flap storm, and a peer that sends 100k routes and vanishes mid-update', () => {
  useLab({ start: startLab, lab: () => lab, label: 'chaos (storm and flood)', stop: stopAgents });
  afterAll(() => {
    console.log(`chaos summary (agent storm and 100k flood):\n${tally.table()}\n${figures.join('\n')}`);
  });

  it('the peers come up and every RIB holds exactly the peers\' routes, then the twenty agents\' too', async () => {
    await Promise.all(PEERS.map((p) => waitUntil(`${p} Established`,
      async () => (await sessionStateAt({ gw, frr, bird }[p], CN)) === 'established', 30_000, 250)));
    await converge('start-up', 'peers only');
    await Promise.all(agents.map((a) => reconnect(a, 0)));
    await converge('start-up', 'agents connected');
  });

  it('after ten rounds of twenty agents dropping and coming back at once, every RIB holds exactly the routes of the fifteen agents still connected', async () => {
    const fault = 'agent flap (20 agents x 10)';
    let refused = 0;
    // The peers' routes are no agent's business: at gw and BIRD they stay throughout.
    const watch = watchRibs(tally, fault, (['gw', 'bird'] as const).map((p) => ({
      name: p, want: lines(PEERS.filter((q) => q !== p).map((q) => specLine(BASELINE[q]))), read: () => learntAt(p), presentOnly: true,
    })), 300);
    const started = Date.now();
    for (let round = 1; round <= ROUNDS; round++) {
      await Promise.all(agents.map(async (a) => {
        await drop(a, (round + a.index) % 2 === 0);
        tally.injected(fault);
        // The last round leaves every fourth agent away.
        if (round === ROUNDS && a.index % 4 === 3) return;
        refused += await reconnect(a, round);
      }));
    }
    const watched = await watch.stop();
    expect(watched.faults, 'the peers\' routes at gw and BIRD during the storm').toEqual([]);
    expect(watched.samples).toBeGreaterThanOrEqual(2);
    figures.push(`agent storm: ${ROUNDS} rounds x ${agents.length} agents in ${Date.now() - started} ms, ${refused} reconnects refused while the old session was still up`);
    expect(agents.filter((a) => a.connected)).toHaveLength(15);
    await converge(fault, 'after the storm');
    // Nobody was dropped behind our back: each connected agent is on the session it last opened.
    for (const a of agents.filter((x) => x.connected)) expect((await a.agent.state()).connected, `agent ${a.index}`).toBe(true);
  });

  it('a peer that sends 100k routes and is SIGKILLed mid-update leaves none of them anywhere, gw and the agents never see a change, and our heap and RSS come back', async () => {
    const fault = 'peer sends 100k, SIGKILL mid-update';
    const pid = cn.pid!;
    await forceGc(cn, diagDir());
    const before = { rss: rssMiB(pid), heap: await heapUsedMiB(lab!, cn) };
    const watch = watchIntact(fault);
    const f = await floodOnce(fault);
    expect(f.atCn, 'the flood reached our node').toBeGreaterThanOrEqual(routesIn(Math.floor(UPDATES.length * FIRST_PART)));
    expect(await watch.stop()).toBeGreaterThan(3);
    await converge(fault, 'after the flood');
    await forceGc(cn, diagDir());
    const heap = await heapUsedMiB(lab!, cn);
    const rss = rssMiB(pid);
    figures.push(describeFlood(1, f), `memory (after a forced full GC): before ${before.rss.toFixed(0)} MiB RSS / ${before.heap.toFixed(1)} MiB heap; ` +
      `after ${rss.toFixed(0)} MiB RSS / ${heap.toFixed(1)} MiB heap`);
    firstRss = rss;
    expect(heap, `heap in use after the flood (before: ${before.heap.toFixed(1)} MiB)`).toBeLessThanOrEqual(before.heap + HEAP_BOUND_MIB);
    expect(rss, `RSS after the flood (before: ${before.rss.toFixed(0)} MiB)`).toBeLessThanOrEqual(before.rss + RSS_BOUND_MIB);
  });

  it('a second flood of the same size leaves nothing either and grows neither the heap nor the RSS (no leak per flood)', async () => {
    const fault = 'peer sends 100k, SIGKILL mid-update';
    const pid = cn.pid!;
    await forceGc(cn, diagDir());
    const heapBefore = await heapUsedMiB(lab!, cn);
    const f = await floodOnce(fault);
    await converge(fault, 'after the second flood');
    await forceGc(cn, diagDir());
    const heap = await heapUsedMiB(lab!, cn);
    const rss = rssMiB(pid);
    figures.push(describeFlood(2, f), `memory after flood 2 (after a forced full GC): ${rss.toFixed(0)} MiB RSS / ${heap.toFixed(1)} MiB heap`);
    expect(heap).toBeLessThanOrEqual(heapBefore + HEAP_BOUND_MIB);
    expect(rss, `RSS after the second flood (after the first: ${firstRss?.toFixed(0)} MiB)`).toBeLessThanOrEqual((firstRss ?? 0) + RSS_BOUND_MIB);
    expect(tally.totals()).toMatchObject({ lost: 0, stale: 0 });
  });
});
