/**
 * Route-reflector interop: the device under test (our control node, or gobgpd
 * with CN_IMPL=gobgpd) reflects VPNv4 and VPNv6 routes between three real iBGP RR
 * clients in AS 64512, each in its own network namespace on a private bridge:
 *   gw   192.0.2.11  gobgpd  inet-vpn + inet6-vpn + route-target, VRF blue (target:64512:1)
 *   frr  192.0.2.12  FRR bgpd -Z, VPNv4 + VPNv6 (no RTC)
 *   bird 192.0.2.13  BIRD 2, vpn4 + vpn6 (no RTC)
 *   cn   192.0.2.15  the route reflector, router id 10.0.0.15, cluster id 10.255.0.1
 *   a1   192.0.2.21  a vRouter agent (our control node only), instances blue (target:64512:1)
 *                    and green (target:64512:5)
 * Every node's router id differs from its address, and the reflector's cluster id
 * from both, so a reflector that writes one where another belongs fails.
 * The sessions are IPv4, so a VPNv6 route's next hop is IPv4-mapped (RFC 4659 §3.2.1.2):
 * all three send RD 0 + ::ffff:a.b.c.d, and the reflector must pass it on unchanged.
 * Every assertion reads the peers' own RIBs / session tables.
 */
import { describe, expect, it } from 'vitest';
import { Bird, Frr, GoBgp, Lab, LabAgent, createRouteReflector, dutImpl, expectAbsentFor, expectedReflection, hasRoute, ipv4Mapped,
  sessionStateAt, sessionUpSince, useLab, viewAt } from './lab/index.js';
import type { CnConfig, RouteReflectorDut, VpnRouteSpec, VpnSpeaker } from './lab/index.js';

const ASN = 64512;
const RR = '192.0.2.15';
const RR_ROUTER_ID = '10.0.0.15';
const CLUSTER_ID = '10.255.0.1';
const RT1 = 'target:64512:1';
const RT5 = 'target:64512:5';
const BLUE = 'default-domain:admin:blue:blue';
const GREEN = 'default-domain:admin:green:green';
const AGENT = '192.0.2.21';
const IMPL = dutImpl();
const POLL = { timeout: 15_000, interval: 300 } as const;
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;
/** Initial table exchange: an RR may hold VPN routes towards an RTC peer until that peer's RTC
 *  End-of-RIB, which gobgpd without graceful restart never sends (fallback timers are ~30 s). */
const INITIAL_SYNC_TIMEOUT = 45_000;

type PeerName = 'gw' | 'frr' | 'bird';
const PEER_NAMES: readonly PeerName[] = ['gw', 'frr', 'bird'];

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: RR_ROUTER_ID, asn: ASN, clusterId: CLUSTER_ID },
  bgp: {
    listen: { address: RR, port: 179 },
    holdTime: 90,
    peers: [
      { name: 'gw', address: '192.0.2.11', asn: ASN, routeReflectorClient: true, families: ['inet-vpn', 'inet6-vpn', 'route-target'] },
      { name: 'frr', address: '192.0.2.12', asn: ASN, routeReflectorClient: true, families: ['inet-vpn', 'inet6-vpn'] },
      { name: 'bird', address: '192.0.2.13', asn: ASN, routeReflectorClient: true, families: ['inet-vpn', 'inet6-vpn'] },
    ],
  },
  // Our control node only (goBgpRrConfig leaves them out): the agent's instances.
  xmpp: { listen: { address: RR, port: 5269 } },
  routingInstances: [
    { name: BLUE, id: 1, vnIndex: 4, importTargets: [RT1], exportTargets: [RT1] },
    { name: GREEN, id: 2, vnIndex: 5, importTargets: [RT5], exportTargets: [RT5] },
  ],
};

/** Third-party next hops: gw names itself, FRR can only use its own address, BIRD points at a "vRouter". */
const NEXT_HOP: Record<PeerName, string> = { gw: '192.0.2.11', frr: '192.0.2.12', bird: '192.0.2.100' };

function route(src: PeerName, n: number, rts: string[] = [RT1]): VpnRouteSpec {
  const octet = { gw: 11, frr: 12, bird: 13 }[src];
  return { rd: `192.0.2.${octet}:${n}`, prefix: `198.18.${n}.0/24`, label: 1000 + n, routeTargets: rts, nextHop: NEXT_HOP[src] };
}

/** A VPNv6 route from `src`: 2001:db8:<n>::/48, its next hop the IPv4-mapped form of the VPNv4 one. */
function route6(src: PeerName, n: number, rts: string[] = [RT1]): VpnRouteSpec {
  const v4 = route(src, n, rts);
  return { ...v4, prefix: `2001:db8:${n}::/48`, nextHop: ipv4Mapped(v4.nextHop) };
}

/** Reflection test routes: one per source, each with two RTs. */
const REFLECTED: Record<PeerName, VpnRouteSpec> = {
  gw: route('gw', 21, [RT1, 'target:64512:7']),
  frr: route('frr', 22, [RT1, 'target:64512:8']),
  bird: route('bird', 23, [RT1, 'target:64512:9']),
};
/** VPNv6 reflection test routes, the same shape. */
const REFLECTED6: Record<PeerName, VpnRouteSpec> = {
  gw: route6('gw', 61, [RT1, 'target:64512:7']),
  frr: route6('frr', 62, [RT1, 'target:64512:8']),
  bird: route6('bird', 63, [RT1, 'target:64512:9']),
};
/** Present for the whole run; FRR's and BIRD's live in their config files (they survive restarts). */
const BASELINE: Record<PeerName, VpnRouteSpec> = { gw: route('gw', 41), frr: route('frr', 40), bird: route('bird', 42) };
/** The VPNv6 baseline, kept the same way: initial exchange and re-sync are per family (End-of-RIB included). */
const BASELINE6: Record<PeerName, VpnRouteSpec> = { gw: route6('gw', 51), frr: route6('frr', 50), bird: route6('bird', 52) };
/**
 * RT-constraint routes: target:64512:2 from FRR, target:64512:3 (imported nowhere) from BIRD.
 * (Not from gw: an RTC speaker only sends routes whose RTs the RR has asked for, so gw itself
 * would keep a target:64512:3 route to itself unless the RR advertises default membership.)
 */
const RT2_AT_FRR = route('frr', 99, ['target:64512:2']);
const RT3_AT_BIRD = route('bird', 98, ['target:64512:3']);
/** A gw route whose target no instance imports: it reaches the RR only while the RR asks for everything. */
const RT7_AT_GW = route('gw', 97, ['target:64512:7']);
/** The agent's routes as VPN routes (RD = agent address : instance id). */
const AGENT_BLUE: VpnRouteSpec = { rd: `${AGENT}:1`, prefix: '198.51.100.1/32', label: 17, routeTargets: [RT1], nextHop: AGENT };
const AGENT_GREEN: VpnRouteSpec = { rd: `${AGENT}:2`, prefix: '198.51.100.2/32', label: 18, routeTargets: [RT5], nextHop: AGENT };
/** The same constraint for VPNv6: route-target membership covers both VPN families. */
const RT2_AT_FRR_6 = route6('frr', 97, ['target:64512:2']);

let lab: Lab | undefined;
let dut: RouteReflectorDut;
let gw: GoBgp;
let frr: Frr;
let bird: Bird;
let peers: Record<PeerName, VpnSpeaker>;
let agent: LabAgent | undefined;

const others = (src: PeerName): PeerName[] => PEER_NAMES.filter((p) => p !== src);

async function expectReflected(spec: VpnRouteSpec, src: PeerName, at: readonly PeerName[], timeout: number = POLL.timeout): Promise<void> {
  const want = expectedReflection(spec, peers[src], CLUSTER_ID);
  await Promise.all(at.map((p) =>
    expect.poll(() => viewAt(peers[p], spec), { ...POLL, timeout, message: `${spec.prefix} from ${src} at ${p}` }).toEqual(want)));
}

type UpSince = Partial<Record<PeerName, number>>;

/** When each peer's session to the RR came up; used to prove that a test did not pass thanks to a session reset. */
async function upSince(names: readonly PeerName[] = PEER_NAMES): Promise<UpSince> {
  const entries = await Promise.all(names.map(async (p) => [p, await sessionUpSince(peers[p], RR)] as const));
  return Object.fromEntries(entries);
}

async function expectNoSessionReset(before: UpSince): Promise<void> {
  const after = await upSince(Object.keys(before) as PeerName[]);
  for (const [p, t] of Object.entries(before)) {
    const now = after[p as PeerName];
    expect(now, `${p}: session to the RR went down during the test`).toBeDefined();
    expect(Math.abs((now ?? 0) - (t ?? 0)), `${p}: session to the RR was reset during the test`).toBeLessThanOrEqual(1_500);
  }
}

async function expectGone(spec: VpnRouteSpec, at: readonly PeerName[], timeout: number = POLL.timeout): Promise<void> {
  await Promise.all(at.map((p) =>
    expect.poll(() => hasRoute(peers[p], spec), { ...POLL, timeout, message: `${spec.prefix} gone at ${p}` }).toBe(false)));
}

async function expectAllEstablished(names: readonly PeerName[]): Promise<void> {
  await Promise.all(names.map((p) =>
    expect.poll(() => sessionStateAt(peers[p], RR), { ...SESSION_POLL, message: `${p} -> ${RR}` }).toBe('established')));
}

async function startLab(): Promise<void> {
  lab = await Lab.create([
    { name: 'gw', octet: 11 }, { name: 'frr', octet: 12 }, { name: 'bird', octet: 13 }, { name: 'cn', octet: 15 },
    { name: 'a1', octet: 21 },
  ]);
  dut = createRouteReflector(lab, 'cn', CN_CONFIG, IMPL);
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: '10.0.0.11', localAddress: '192.0.2.11', multiplePaths: true,
    vrfs: [{ name: 'blue', rd: '192.0.2.11:1', importRts: [RT1], exportRts: [RT1] }],
    neighbors: [{ address: RR, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast', 'l3vpn-ipv6-unicast'], connectRetry: 3 }],
  });
  frr = new Frr(lab, 'frr', {
    asn: ASN, routerId: '10.0.0.12', neighbors: [{ address: RR, peerAs: ASN }], families: ['vpnv4', 'vpnv6'], networks: [BASELINE.frr, BASELINE6.frr],
  });
  bird = new Bird(lab, 'bird', {
    asn: ASN, routerId: '10.0.0.13', localAddress: '192.0.2.13', neighbors: [{ name: 'to_cn', address: RR, peerAs: ASN }], families: ['vpnv4', 'vpnv6'],
    routes: [BASELINE.bird, BASELINE6.bird], connectRetry: 3, errorWait: [1, 2],
  });
  peers = { gw, frr, bird };
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await dut.start();
  await Promise.all([gw.start(), frr.start(), bird.start()]);
  await gw.announce(BASELINE.gw);
  await gw.announce(BASELINE6.gw);
  // Connected, not subscribed: its subscriptions are the subject of one test.
  if (IMPL === 'control-node') agent = await LabAgent.connect(lab, 'a1', { name: 'compute-21', server: { address: RR, port: 5269 } });
}

/** The memberships gw holds from the RR, as 'default' or 'target:a:b', sorted. */
async function gwMembershipsFromRr(): Promise<string[]> {
  return (await gw.adjInRtc(RR)).map((r) => (r.isDefault ? 'default' : r.routeTarget ?? r.prefix)).sort();
}

/** Checks every 300 ms for `ms` that `read` keeps returning `want` (bounded). */
async function expectSteady<T>(read: () => Promise<T>, want: T, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  do {
    expect(await read(), what).toEqual(want);
    await new Promise((r) => setTimeout(r, 300));
  } while (Date.now() < until);
}

async function publishAt(instance: string, spec: VpnRouteSpec): Promise<void> {
  await agent!.publish(instance, { prefix: spec.prefix, nextHop: spec.nextHop, label: spec.label, encapsulations: ['gre', 'udp'] });
}

describe(`route reflector interop against gobgpd, FRR and BIRD (device under test: ${IMPL})`, () => {
  useLab({ start: startLab, lab: () => lab, label: IMPL, stop: async () => { await agent?.stop().catch(() => undefined); } });

  it('every peer sees its session to the route reflector Established', async () => {
    await expectAllEstablished(PEER_NAMES);
  });

  it('after start-up every peer learns the VPNv4 and VPNv6 baseline routes of the other two (initial table exchange)', async () => {
    for (const src of PEER_NAMES) {
      await expectReflected(BASELINE[src], src, others(src), INITIAL_SYNC_TIMEOUT);
      await expectReflected(BASELINE6[src], src, others(src), INITIAL_SYNC_TIMEOUT);
    }
  });

  it.each(PEER_NAMES)('a route from %s arrives with the source\'s router id (not its address) as ORIGINATOR_ID and only the cluster id in CLUSTER_LIST', async (src) => {
    const spec = BASELINE[src];
    await Promise.all(others(src).map(async (p) => {
      await expect.poll(() => hasRoute(peers[p], spec), { ...POLL, message: `${spec.prefix} from ${src} at ${p}` }).toBe(true);
      const seen = await viewAt(peers[p], spec);
      expect(seen?.originatorId, `ORIGINATOR_ID at ${p}`).toBe(peers[src].routerId);
      expect(seen?.originatorId).not.toBe(peers[src].address);
      expect(seen?.clusterList, `CLUSTER_LIST at ${p}`).toEqual([CLUSTER_ID]);
    }));
  });

  it.each(PEER_NAMES)('a VPNv4 route injected at %s reaches the other two peers with RD, label, RTs, next hop, originator id and cluster list intact', async (src) => {
    const before = await upSince();
    const spec = REFLECTED[src];
    await peers[src].announce(spec);
    await expectReflected(spec, src, others(src));
    await expectNoSessionReset(before);
  });

  it.each(PEER_NAMES)('withdrawing the route at %s removes it from every peer', async (src) => {
    const spec = REFLECTED[src];
    await peers[src].announce(spec); // idempotent: this test does not depend on the previous one
    await expectReflected(spec, src, others(src));
    const before = await upSince();
    await peers[src].withdraw(spec);
    await expectGone(spec, PEER_NAMES);
    // A reset session would also remove the route: make sure it was a real withdrawal.
    await expectNoSessionReset(before);
  });

  it.each(PEER_NAMES)('a VPNv6 route injected at %s reaches the other two peers with RD, label, RTs, IPv4-mapped next hop, originator id and cluster list intact', async (src) => {
    const before = await upSince();
    const spec = REFLECTED6[src];
    await peers[src].announce(spec);
    await expectReflected(spec, src, others(src));
    // Only in the VPNv6 tables: an IPv6 prefix never leaks into a peer's VPNv4 RIB.
    for (const p of others(src)) expect((await peers[p].vpnRoutes('vpnv4')).filter((r) => r.rd === spec.rd)).toEqual([]);
    await expectNoSessionReset(before);
  });

  it.each(PEER_NAMES)('withdrawing the VPNv6 route at %s removes it from every peer', async (src) => {
    const spec = REFLECTED6[src];
    await peers[src].announce(spec);
    await expectReflected(spec, src, others(src));
    const before = await upSince();
    await peers[src].withdraw(spec);
    await expectGone(spec, PEER_NAMES);
    await expectNoSessionReset(before);
  });

  it('a restarted FRR peer loses its VPNv4 and VPNv6 routes at the others while down and re-syncs both in both directions after restart', async () => {
    const synced = async (): Promise<void> => {
      for (const base of [BASELINE, BASELINE6]) {
        await expectReflected(base.frr, 'frr', ['gw', 'bird']);
        await expectReflected(base.gw, 'gw', ['frr']);
        await expectReflected(base.bird, 'bird', ['frr']);
      }
    };
    await synced();
    const bystanders = await upSince(['gw', 'bird']);

    const code = await frr.stop();
    expect(code).not.toBe('SIGKILL');
    await expectGone(BASELINE.frr, ['gw', 'bird']);
    await expectGone(BASELINE6.frr, ['gw', 'bird']);

    await frr.start();
    await expectAllEstablished(['frr']);
    await synced();
    await expectNoSessionReset(bystanders);
  });

  it('route-target constraint keeps VPNv4 and VPNv6 routes away from gw unless it imports their target, while FRR and BIRD get everything', async () => {
    const before = await upSince();
    let gwRestarted = false;
    try {
      await frr.announce(RT2_AT_FRR);
      await frr.announce(RT2_AT_FRR_6);
      await bird.announce(RT3_AT_BIRD);
      // Peers without RTC receive every route, whatever its target.
      await expectReflected(RT2_AT_FRR, 'frr', ['bird']);
      await expectReflected(RT2_AT_FRR_6, 'frr', ['bird']);
      await expectReflected(RT3_AT_BIRD, 'bird', ['frr']);
      // gw does get target:64512:1 routes (positive control) but neither :2 nor :3.
      await expectReflected(BASELINE.frr, 'frr', ['gw']);
      await expectReflected(BASELINE6.frr, 'frr', ['gw']);
      await expectReflected(BASELINE.bird, 'bird', ['gw']);
      await Promise.all([expectAbsentFor(gw, RT2_AT_FRR, 3_000), expectAbsentFor(gw, RT2_AT_FRR_6, 3_000),
        expectAbsentFor(gw, RT3_AT_BIRD, 3_000)]);

      await gw.addVrf({ name: 'red', rd: '192.0.2.11:2', importRts: ['target:64512:2'], exportRts: ['target:64512:2'] });
      await expect.poll(async () => (await gw.rtcRoutes()).some((r) => r.routeTarget === 'target:64512:2'), POLL).toBe(true);
      await expectReflected(RT2_AT_FRR, 'frr', ['gw']);
      await expectReflected(RT2_AT_FRR_6, 'frr', ['gw']);

      // Take the interest away again. gobgpd 3.10.0 panics on `vrf del` while it
      // holds a default RT membership (nil RouteTarget in deleteRTCPathsByVrf),
      // and our RR advertises one (RFC 4684 §3.2: FRR and BIRD lack route-target).
      // Then the VRF goes by restarting gw, whose configuration does not have it;
      // the next test covers the dynamic withdrawal of a membership, with FRR and
      // BIRD stopped so that gw holds no default membership.
      if (await gw.hasDefaultRtMembership()) {
        await gw.stop();
        await gw.start();
        gwRestarted = true;
        await expectAllEstablished(['gw']);
        await gw.announce(BASELINE.gw);
        await gw.announce(BASELINE6.gw);
      } else {
        await gw.delVrf('red');
      }
      await expectGone(RT2_AT_FRR, ['gw']);
      await expectGone(RT2_AT_FRR_6, ['gw']);
      // The other routes stay where they were.
      await expectReflected(RT2_AT_FRR, 'frr', ['bird']);
      await expectReflected(BASELINE.frr, 'frr', ['gw']);
      await expectAbsentFor(gw, RT3_AT_BIRD, 1_000);
    } finally {
      // (skipped if it would crash gw, see above; a leftover VRF red does not affect the last test)
      if (!gwRestarted && !(await gw.hasDefaultRtMembership().catch(() => true))) await gw.delVrf('red').catch(() => undefined);
      await frr.withdraw(RT2_AT_FRR);
      await frr.withdraw(RT2_AT_FRR_6);
      await bird.withdraw(RT3_AT_BIRD);
    }
    await expectGone(RT2_AT_FRR, PEER_NAMES);
    await expectGone(RT2_AT_FRR_6, PEER_NAMES);
    await expectGone(RT3_AT_BIRD, PEER_NAMES);
    if (gwRestarted) delete before.gw;
    await expectNoSessionReset(before);
  });

  // Issue 14: gobgpd 3.10 panics when one source gives it the default membership and a
  // specific one. Our RR sends gw the default while FRR or BIRD (no route-target) is up
  // and the specific memberships of the agent's instances otherwise, never both.
  it.runIf(IMPL === 'control-node')('gw holds only the default membership from the RR while FRR or BIRD is up and only the specific ones after both leave, survives each switch, and a vrf del withdraws its membership', async () => {
    const gwBefore = await upSince(['gw']);
    const gwPid = gw.pid;
    expect(gwPid).toBeDefined();
    let frrUp = true;
    let birdUp = true;
    try {
      // The case that crashed gobgpd: an agent subscribed while FRR and BIRD lack route-target.
      await agent!.subscribe(BLUE, 1);
      await agent!.subscribe(GREEN, 2);
      await publishAt(BLUE, AGENT_BLUE);
      await publishAt(GREEN, AGENT_GREEN);
      await expect.poll(gwMembershipsFromRr, POLL).toEqual(['default']);
      await expectSteady(gwMembershipsFromRr, ['default'], 3_000, 'gw memberships from the RR, FRR and BIRD up');
      await Promise.all(PEER_NAMES.map((p) =>
        expect.poll(() => hasRoute(peers[p], AGENT_BLUE), { ...POLL, message: `agent route at ${p}` }).toBe(true)));
      await expect.poll(async () => (await agent!.routes(BLUE)).some((i) => i.id === BASELINE.gw.prefix), POLL).toBe(true);

      // FRR leaves: BIRD still lacks route-target, so the default stays.
      await frr.stop();
      frrUp = false;
      await expectSteady(gwMembershipsFromRr, ['default'], 2_000, 'gw memberships from the RR, BIRD up');
      // BIRD leaves too: the default goes, the instances' memberships come.
      await bird.stop();
      birdUp = false;
      // The instances' import targets, and each instance's automatic target:64512:<8000000+id>.
      await expect.poll(gwMembershipsFromRr, POLL).toEqual([RT1, RT5, 'target:64512:8000001', 'target:64512:8000002']);
      expect(gw.pid).toBe(gwPid);
      // No VPN route missing after the switch, in either direction.
      await expectSteady(async () => (await agent!.routes(BLUE)).some((i) => i.id === BASELINE.gw.prefix), true, 2_000, 'gw route at the agent');
      expect(await hasRoute(gw, AGENT_BLUE)).toBe(true);

      // The dynamic membership withdrawal, against gobgpd itself (it holds no default now).
      await expectAbsentFor(gw, AGENT_GREEN, 1_000);
      await gw.addVrf({ name: 'green', rd: '192.0.2.11:5', importRts: [RT5], exportRts: [RT5] });
      await expect.poll(() => hasRoute(gw, AGENT_GREEN), { ...POLL, message: 'agent green route at gw' }).toBe(true);
      await gw.delVrf('green');
      await expectGone(AGENT_GREEN, ['gw']);
      expect(gw.pid).toBe(gwPid);
      expect(await hasRoute(gw, AGENT_BLUE)).toBe(true);

      // A gw route whose target nobody here imports: the RR gets it once it asks for everything.
      await gw.announce(RT7_AT_GW);

      // BIRD comes back: the specific memberships go, the default comes, and the RR gets
      // everything from gw again.
      await bird.start();
      birdUp = true;
      await expectAllEstablished(['bird']);
      await expect.poll(gwMembershipsFromRr, POLL).toEqual(['default']);
      await expectReflected(RT7_AT_GW, 'gw', ['bird']);
      await frr.start();
      frrUp = true;
      await expectAllEstablished(['frr']);
      await expectSteady(gwMembershipsFromRr, ['default'], 2_000, 'gw memberships from the RR, FRR and BIRD back');
      await expectReflected(RT7_AT_GW, 'gw', ['frr']);
      for (const src of PEER_NAMES) await expectReflected(BASELINE[src], src, others(src));
      await expect.poll(() => hasRoute(frr, AGENT_BLUE), POLL).toBe(true);
      await expect.poll(() => hasRoute(frr, AGENT_GREEN), POLL).toBe(true);
      expect(gw.pid).toBe(gwPid);
      await expectNoSessionReset(gwBefore);
    } finally {
      await gw.withdraw(RT7_AT_GW).catch(() => undefined);
      await agent!.unsubscribe(GREEN).catch(() => undefined);
      await agent!.unsubscribe(BLUE).catch(() => undefined);
      if (!birdUp) await bird.start();
      if (!frrUp) await frr.start();
    }
    await expectAllEstablished(PEER_NAMES);
    await expectGone(AGENT_BLUE, PEER_NAMES);
  });

  it('the route reflector exits cleanly within 5 s of SIGTERM and every peer then drops its session and reflected routes', async () => {
    const started = Date.now();
    const code = await dut.stop();
    const elapsed = Date.now() - started;
    if (IMPL === 'control-node') {
      expect(code).toBe(0);
      expect(elapsed).toBeLessThan(5_000);
    } else {
      expect(code).not.toBe('SIGKILL');
    }
    await Promise.all(PEER_NAMES.map((p) =>
      expect.poll(() => sessionStateAt(peers[p], RR), { ...POLL, message: `${p} after RR stop` }).not.toBe('established')));
    await expectGone(BASELINE.frr, ['gw', 'bird']);
    await expectGone(BASELINE.gw, ['frr', 'bird']);
    await expectGone(BASELINE.bird, ['gw', 'frr']);
    for (const src of PEER_NAMES) await expectGone(BASELINE6[src], others(src));
  });
});
