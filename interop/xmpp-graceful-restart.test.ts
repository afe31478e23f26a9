/**
 * XMPP graceful restart (contrail-control.md §5.4) against a real gateway:
 * a vRouter agent crashes and comes back within restart-time, and the
 * gateway never loses its routes; what it does not publish again goes at its
 * End-of-RIB; one that does not come back loses everything at restart-time.
 *   gw   192.0.2.11  gobgpd as the MX gateway, iBGP with inet-vpn + route-target, VRF public
 *   cn   192.0.2.15  our control node, xmpp.graceful-restart { enabled, restart-time }
 *   a1   192.0.2.21  the agent that crashes (its runner process ends: the TCP
 *                    connection goes without a stream close, as when an agent dies)
 *   a2   192.0.2.22  a second agent that watches the items it is pushed
 * "Never loses" is checked by polling gobgpd's own VPN RIB every 100 ms from
 * the crash until the agent's routes are published again.
 */
import { describe, expect, it } from 'vitest';
import { agentEndOfRib } from '../src/xmpp/wire/index.js';
import { ControlNode, GoBgp, Lab, LabAgent, sessionStateAt, useLab, waitUntil } from './lab/index.js';
import type { CnConfig, PublishedRoute } from './lab/index.js';

const CN = '192.0.2.15';
const GW = '192.0.2.11';
const ASN = 64512;
const PUBLIC = 'default-domain:admin:public:public';
const RT = 'target:64512:1001';
const RESTART_TIME = 12;
const POLL = { timeout: 15_000, interval: 200 } as const;

const route = (prefix: string, label: number): PublishedRoute => ({ prefix, nextHop: '192.0.2.21', label, encapsulations: ['gre', 'udp'] });
const FIP = route('198.51.100.5/32', 25);
const VM = route('10.1.1.3/32', 26);

function cnConfig(): CnConfig {
  return {
    node: { name: 'cn1', routerId: CN, asn: ASN },
    bgp: { listen: { address: CN, port: 179 }, holdTime: 90, peers: [{ name: 'gw', address: GW, asn: ASN, families: ['inet-vpn', 'route-target'] }] },
    xmpp: { listen: { address: CN, port: 5269 }, gracefulRestart: { enabled: true, restartTime: RESTART_TIME, endOfRibTimeout: 60 } },
    introspect: { listen: { address: CN, port: 8083 } },
    routingInstances: [{ name: PUBLIC, id: 1, vnIndex: 4, importTargets: [RT], exportTargets: [RT] }],
  };
}

let lab: Lab | undefined;
let cn: ControlNode;
let gw: GoBgp;
const agents: LabAgent[] = [];

async function startLab(): Promise<void> {
  lab = await Lab.create([{ name: 'gw', octet: 11 }, { name: 'cn', octet: 15 }, { name: 'a1', octet: 21 }, { name: 'a2', octet: 22 }]);
  cn = new ControlNode(lab, 'cn', cnConfig());
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: GW, localAddress: GW,
    // A VRF importing the instance's target: gobgpd then asks for it (RFC 4684) and gets a1's routes.
    vrfs: [{ name: 'public', rd: `${GW}:1`, importRts: [RT], exportRts: [RT] }],
    neighbors: [{ address: CN, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3 }],
  });
  await cn.start();
  await gw.start();
}

/** A fresh agent runner on `host`, connected (bounded retries) and subscribed to public. */
async function agentOn(host: 'a1' | 'a2', logName: string): Promise<LabAgent> {
  const a = await LabAgent.start(lab!, host, { name: `compute-${host}`, server: { address: CN, port: 5269 }, logName });
  agents.push(a);
  await waitUntil(`${host} connected`, async () => {
    await a.connect();
    return true;
  }, 15_000, 500);
  await a.subscribe(PUBLIC, 1);
  return a;
}

/** The agent's routes as gobgpd holds them: `rd prefix [labels] via next hop`, sorted. */
async function atGateway(): Promise<string[]> {
  return (await gw.vpnRoutes()).filter((r) => r.rd === '192.0.2.21:1')
    .map((r) => `${r.rd} ${r.prefix} [${r.labels.join(',')}] via ${r.nextHop}`).sort();
}

const BOTH = ['192.0.2.21:1 10.1.1.3/32 [26] via 192.0.2.21', '192.0.2.21:1 198.51.100.5/32 [25] via 192.0.2.21'];
const FIP_ONLY = ['192.0.2.21:1 198.51.100.5/32 [25] via 192.0.2.21'];

/** Polls the gateway every 100 ms until `until` settles; resolves with how many polls saw fewer than `want`. */
function watchGateway(want: readonly string[], until: Promise<unknown>): Promise<{ polls: number; gaps: string[][] }> {
  return (async () => {
    let done = false;
    void until.finally(() => (done = true));
    let polls = 0;
    const gaps: string[][] = [];
    // Bounded: the steps under watch take well under a minute.
    for (const deadline = Date.now() + 60_000; !done && Date.now() < deadline; polls++) {
      const now = await atGateway();
      if (!want.every((r) => now.includes(r))) gaps.push(now);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { polls, gaps };
  })();
}

describe('XMPP graceful restart with gobgpd as the gateway', () => {
  useLab({
    start: startLab, lab: () => lab, label: 'xmpp graceful restart',
    stop: async () => void (await Promise.allSettled(agents.map((a) => a.stop()))),
  });

  let a1: LabAgent;
  let a2: LabAgent;

  it('the gateway holds both of a1\'s routes and a2 is pushed them', async () => {
    await expect.poll(() => sessionStateAt(gw, CN), { timeout: 45_000, interval: 500, message: 'gw -> cn' }).toBe('established');
    a1 = await agentOn('a1', 'a1-first.log');
    a2 = await agentOn('a2', 'a2.log');
    await a1.publish(PUBLIC, FIP);
    await a1.publish(PUBLIC, VM);
    await expect.poll(atGateway, { ...POLL, message: 'both at gw' }).toEqual(BOTH);
    await expect.poll(async () => (await a2.routes(PUBLIC)).map((i) => i.id).sort(), { ...POLL, message: 'both at a2' })
      .toEqual(['10.1.1.3/32', '198.51.100.5/32']);
  });

  it('a1 crashes and comes back within restart-time: the gateway never loses its routes, polled every 100 ms', async () => {
    const back = (async () => {
      await a1.stop(); // the runner ends: its TCP connection goes with no stream close
      await expect.poll(async () => (await cn.api('/api/routes?table=bgp.l3vpn.0')) as { routes: { paths: { stale?: boolean }[] }[] },
        { ...POLL, message: 'a1\'s paths kept as stale at the node' })
        .toMatchObject({ routes: [{ paths: [{ stale: true }] }, { paths: [{ stale: true }] }] });
      a1 = await agentOn('a1', 'a1-second.log');
      await a1.publish(PUBLIC, FIP); // only the FIP again; 10.1.1.3/32 is gone from the VM
      await new Promise((r) => setTimeout(r, 2_000)); // and the gateway keeps both a while after (no late flap)
    })();
    const watched = await Promise.all([watchGateway(BOTH, back), back]).then(([w]) => w);
    expect(watched.polls).toBeGreaterThanOrEqual(10);
    expect(watched.gaps).toEqual([]);
    // a2 kept both items throughout the restart.
    expect((await a2.routes(PUBLIC)).map((i) => i.id).sort()).toEqual(['10.1.1.3/32', '198.51.100.5/32']);
  });

  it('at a1\'s End-of-RIB the route it did not publish again is withdrawn from the gateway and from a2; the other stays', async () => {
    await a1.sendRaw(agentEndOfRib({ agent: 'compute-a1', seq: 1000 }));
    await expect.poll(atGateway, { ...POLL, message: 'only the FIP at gw' }).toEqual(FIP_ONLY);
    await expect.poll(async () => (await a2.routes(PUBLIC)).map((i) => i.id), { ...POLL, message: 'only the FIP at a2' })
      .toEqual(['198.51.100.5/32']);
    const table = (await cn.api('/api/routes?table=bgp.l3vpn.0')) as { routes: { prefix: string; paths: { stale?: boolean }[] }[] };
    expect(table.routes.map((r) => ({ prefix: r.prefix, stale: r.paths.some((p) => p.stale === true) })))
      .toEqual([{ prefix: '192.0.2.21:1:198.51.100.5/32', stale: false }]);
  });

  it('an agent that does not come back loses its routes at the gateway when restart-time runs out, not before', async () => {
    await a1.stop();
    const crashedAt = Date.now();
    // Still there well into restart-time...
    await new Promise((r) => setTimeout(r, (RESTART_TIME / 2) * 1000));
    expect(await atGateway()).toEqual(FIP_ONLY);
    // ...and gone after it.
    await expect.poll(atGateway, { timeout: RESTART_TIME * 1000, interval: 500, message: 'withdrawn at restart-time' }).toEqual([]);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(RESTART_TIME * 1000 - 1000);
    await expect.poll(async () => (await a2.routes(PUBLIC)).length, { ...POLL, message: 'nothing left at a2' }).toBe(0);
  });
});
