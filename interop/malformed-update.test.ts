/**
 * RFC 7606 treat-as-withdraw and the Cease on stop, end to end against the
 * running binary. Our control node reflects VPNv4 routes between iBGP RR
 * clients in AS 64512, each in its own network namespace:
 *   gw   192.0.2.11  gobgpd, inet-vpn only
 *   frr  192.0.2.12  FRR bgpd -Z, VPNv4
 *   bird 192.0.2.13  BIRD 2, vpn4
 *   inj  192.0.2.20  bgp-injector.mjs: a raw BGP session with hand-built bytes
 *   cn   192.0.2.15  the control node: router id 10.0.0.15, cluster id 10.255.0.1
 *                    (three distinct values, so a swap of any two shows)
 * The injector announces two routes, then re-sends one of them with an ORIGIN
 * of 5 (no such value: RFC 7606 §7.1, treat-as-withdraw). That route must go
 * from gobgpd, FRR and BIRD while the other stays and no session resets.
 * Last, SIGTERM: every peer must have been told Cease 6/2 (RFC 4486).
 * Every assertion reads a peer's own view (RIB, session table, last error).
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../src/bgp/wire/index.js';
import type { UpdateMessage } from '../src/bgp/wire/types.js';
import { Bird, ControlNode, Frr, GoBgp, Lab, expectedReflection, hasRoute, sessionStateAt, sessionUpSince, useLab,
  viewAt } from './lab/index.js';
import type { CnConfig, VpnRouteSpec, VpnSpeaker } from './lab/index.js';
import { BgpInjector, vpnUpdateHex } from './lab/injector.js';

const ASN = 64512;
const CN = '192.0.2.15';
const CN_ROUTER_ID = '10.0.0.15';
const CLUSTER_ID = '10.255.0.1';
const INJ_ROUTER_ID = '10.0.0.20';
const POLL = { timeout: 20_000, interval: 300 } as const;
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;

type PeerName = 'gw' | 'frr' | 'bird';
const PEER_NAMES: readonly PeerName[] = ['gw', 'frr', 'bird'];

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: CN_ROUTER_ID, asn: ASN, clusterId: CLUSTER_ID },
  bgp: {
    listen: { address: CN, port: 179 },
    holdTime: 90,
    peers: [
      { name: 'gw', address: '192.0.2.11', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
      { name: 'frr', address: '192.0.2.12', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
      { name: 'bird', address: '192.0.2.13', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
      { name: 'inj', address: '192.0.2.20', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'], passive: true },
    ],
  },
};

/** Routes the injector announces (next hop: a "vRouter" on the lab segment). */
const POISONED: VpnRouteSpec = { rd: '192.0.2.20:1', prefix: '198.18.61.0/24', label: 2061, routeTargets: ['target:64512:1'], nextHop: '192.0.2.100' };
const SURVIVOR: VpnRouteSpec = { rd: '192.0.2.20:2', prefix: '198.18.62.0/24', label: 2062, routeTargets: ['target:64512:1'], nextHop: '192.0.2.100' };
/** The injector as a route source, for the reflection oracle (ORIGINATOR_ID = its router id). */
const INJECTOR_SOURCE = { routerId: INJ_ROUTER_ID };

let lab: Lab | undefined;
let cn: ControlNode;
let inj: BgpInjector;
let gw: GoBgp;
let frr: Frr;
let bird: Bird;
let peers: Record<PeerName, VpnSpeaker>;

async function expectReflectedEverywhere(spec: VpnRouteSpec): Promise<void> {
  const want = expectedReflection(spec, INJECTOR_SOURCE, CLUSTER_ID);
  await Promise.all(PEER_NAMES.map((p) =>
    expect.poll(() => viewAt(peers[p], spec), { ...POLL, message: `${spec.prefix} at ${p}` }).toEqual(want)));
}

async function startLab(): Promise<void> {
  lab = await Lab.create([
    { name: 'gw', octet: 11 }, { name: 'frr', octet: 12 }, { name: 'bird', octet: 13 }, { name: 'cn', octet: 15 }, { name: 'inj', octet: 20 },
  ]);
  cn = new ControlNode(lab, 'cn', CN_CONFIG);
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: '10.0.0.11', localAddress: '192.0.2.11',
    neighbors: [{ address: CN, peerAs: ASN, families: ['l3vpn-ipv4-unicast'], connectRetry: 3 }],
  });
  frr = new Frr(lab, 'frr', { asn: ASN, routerId: '10.0.0.12', neighbors: [{ address: CN, peerAs: ASN }], networks: [] });
  bird = new Bird(lab, 'bird', {
    asn: ASN, routerId: '10.0.0.13', localAddress: '192.0.2.13', neighbors: [{ name: 'to_cn', address: CN, peerAs: ASN }],
    routes: [], connectRetry: 3, errorWait: [1, 2],
  });
  peers = { gw, frr, bird };
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await Promise.all([gw.start(), frr.start(), bird.start()]);
  inj = BgpInjector.start(lab, 'inj', { peer: CN, asn: ASN, bgpId: INJ_ROUTER_ID });
}

/** FRR's record of the last reset of its session to the control node (`show bgp neighbors X json`). */
async function frrLastReset(): Promise<Record<string, unknown>> {
  const obj = JSON.parse(await frr.vtysh([`show bgp neighbors ${CN} json`])) as Record<string, Record<string, unknown>>;
  const n = obj[CN] ?? {};
  return Object.fromEntries(Object.entries(n).filter(([k]) => /^last(Reset|Notification|Error)/.test(k)));
}

/** BIRD's "Last error" line for its session to the control node. */
async function birdLastError(): Promise<string | undefined> {
  const out = await bird.birdc(['show', 'protocols', 'all', 'to_cn']);
  return /Last error:\s+(.+)/.exec(out)?.[1]?.trim();
}

describe('a malformed UPDATE sent to the running control node (RFC 7606), and its Cease on stop', () => {
  useLab({ start: startLab, lab: () => lab, label: 'control-node', stop: () => inj?.stop() });

  it('the injector\'s hand-built UPDATE names the route it means, and the ORIGIN 5 variant is a treat-as-withdraw fault', () => {
    const ctx = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };
    const good = decodeMessage(Buffer.from(vpnUpdateHex(POISONED, 0), 'hex'), ctx);
    expect(good.faults).toEqual([]);
    const u = good.value as UpdateMessage;
    expect(u.attrs.origin).toBe(0);
    expect(u.mpReach?.nlri).toEqual([expect.objectContaining({ family: 'inet-vpn', labels: 2061, addr: 0xc6123d00, len: 24 })]);
    const bad = decodeMessage(Buffer.from(vpnUpdateHex(POISONED, 5), 'hex'), ctx);
    expect(bad.faults).toEqual([expect.objectContaining({ action: 'withdraw', attr: 1 })]);
  });

  it('every peer, the injector included, has its session to the control node Established', async () => {
    await Promise.all(PEER_NAMES.map((p) =>
      expect.poll(() => sessionStateAt(peers[p], CN), { ...SESSION_POLL, message: `${p} -> ${CN}` }).toBe('established')));
    await inj.waitEstablished();
  });

  it('routes the injector announces reach gobgpd, FRR and BIRD with its ORIGINATOR_ID and the cluster id in CLUSTER_LIST', async () => {
    await inj.send(vpnUpdateHex(POISONED, 0));
    await inj.send(vpnUpdateHex(SURVIVOR, 0));
    await expectReflectedEverywhere(POISONED);
    await expectReflectedEverywhere(SURVIVOR);
  });

  it('the same route re-sent with ORIGIN 5 disappears at gobgpd, FRR and BIRD while the other stays and no session goes down', async () => {
    await expectReflectedEverywhere(POISONED); // does not depend on the previous test having run
    const upBefore = await Promise.all(PEER_NAMES.map((p) => sessionUpSince(peers[p], CN)));
    expect(upBefore.every((t) => t !== undefined)).toBe(true);

    await inj.send(vpnUpdateHex(POISONED, 5));
    await Promise.all(PEER_NAMES.map((p) =>
      expect.poll(() => hasRoute(peers[p], POISONED), { ...POLL, message: `${POISONED.prefix} gone at ${p}` }).toBe(false)));

    // Treat-as-withdraw, not a session reset: the other route of the same session is still everywhere,
    // the injector got no NOTIFICATION and is still Established, and no peer's session restarted.
    await expectReflectedEverywhere(SURVIVOR);
    const s = await inj.state();
    expect(s).toMatchObject({ established: true, closed: false, notifications: [] });
    const upAfter = await Promise.all(PEER_NAMES.map((p) => sessionUpSince(peers[p], CN)));
    PEER_NAMES.forEach((p, i) => {
      // FRR derives its epoch from an uptime in seconds: allow its rounding, not a restart.
      expect(Math.abs((upAfter[i] ?? 0) - (upBefore[i] ?? 0)), `${p}: session to the control node restarted`).toBeLessThanOrEqual(1_500);
    });
  });

  it('on SIGTERM the control node exits 0 and its peers record Cease 6/2 (administrative shutdown) received from it', async () => {
    await inj.waitEstablished();
    const code = await cn.stop();
    expect(code).toBe(0);
    // The raw injector saw the NOTIFICATION itself, before the connection closed.
    await expect.poll(async () => (await inj.state()).closed, POLL).toBe(true);
    expect((await inj.state()).notifications).toEqual([{ code: 6, subcode: 2 }]);
    // FRR and BIRD say why their session went down.
    await expect.poll(frrLastReset, POLL).toMatchObject({
      lastResetDueTo: 'BGP Notification received',
      lastErrorCodeSubcode: '0602',
    });
    await expect.poll(birdLastError, POLL).toBe('Received: Administrative shutdown');
  });
});
