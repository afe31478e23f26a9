/**
 * Agent fidelity at a real BGP peer (issue 9, part A): agents in their own
 * namespaces publish exactly what a real vRouter agent prints
 * (test/support/real-agent.ts), and gobgpd, as the gateway, shows what
 * reached BGP.
 *   gw   192.0.2.11  gobgpd: VRF public (target:64512:1001), iBGP to cn with inet-vpn + route-target
 *   cn   192.0.2.15  our control node, instance public (id 1, vn-index 4)
 *   a1   192.0.2.21  agent compute-21, public, instance-id 1
 *   a2   192.0.2.22  agent compute-22, public, instance-id 1
 * The tests run in order and build on each other.
 */
import { describe, expect, it } from 'vitest';
import { ControlNode, GoBgp, Lab, LabAgent, findRoute, goBgpExtCommunity, sessionStateAt, useLab, waitUntil } from './lab/index.js';
import type { CnConfig, RealAgentRoute } from './lab/index.js';

const CN = '192.0.2.15';
const GW = '192.0.2.11';
const PUBLIC = 'default-domain:admin:public:public';
const PUBLIC_VN = 'default-domain:admin:public';
const ASN = 64512;
const SG = 8000002;
/** Contrail tag ids: type << 16 | id; the second is ≥ 2^31, printed by the agent as -2147418111. */
const APP_TAG = 0x00010007;
const HIGH_TAG = 0x80010001;
const VM = '198.51.100.5/32';
const POLL = { timeout: 15_000, interval: 200 } as const;
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;

const CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: CN, asn: ASN },
  bgp: { listen: { address: CN, port: 179 }, holdTime: 90, peers: [{ name: 'gw', address: GW, asn: ASN, families: ['inet-vpn', 'route-target'] }] },
  xmpp: { listen: { address: CN, port: 5269 } },
  routingInstances: [{ name: PUBLIC, id: 1, vnIndex: 4, importTargets: ['target:64512:1001'], exportTargets: ['target:64512:1001'] }],
};

let lab: Lab | undefined;
let gw: GoBgp;
let a1: LabAgent;
let a2: LabAgent;

const vm = (nextHop: string, label: number, extra: Partial<RealAgentRoute>): RealAgentRoute => ({
  prefix: VM, nextHop, label, virtualNetwork: PUBLIC_VN, securityGroups: [SG], tags: [APP_TAG, HIGH_TAG], ...extra,
});

async function startLab(): Promise<void> {
  lab = await Lab.create([{ name: 'gw', octet: 11 }, { name: 'cn', octet: 15 }, { name: 'a1', octet: 21 }, { name: 'a2', octet: 22 }]);
  const cn = new ControlNode(lab, 'cn', CONFIG);
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: GW, localAddress: GW, multiplePaths: true,
    vrfs: [{ name: 'public', rd: `${GW}:1`, importRts: ['target:64512:1001'], exportRts: ['target:64512:1001'] }],
    neighbors: [{ address: CN, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3 }],
  });
  await lab.startCapture();
  await cn.start();
  await gw.start();
  a1 = await LabAgent.start(lab, 'a1', { name: 'compute-21', server: { address: CN, port: 5269 } });
  a2 = await LabAgent.start(lab, 'a2', { name: 'compute-22', server: { address: CN, port: 5269 } });
}

async function connect(agent: LabAgent): Promise<void> {
  await waitUntil(`${agent.name} connected`, async () => {
    await agent.connect();
    return true;
  }, 15_000, 500);
}

/** The gateway's view of the VPN route from `agentAddress`, and the raw line gobgp prints for it. */
async function atGateway(agentAddress: string): Promise<{ communities: string[]; text: string | undefined }> {
  const rd = `${agentAddress}:1`;
  const r = findRoute(await gw.vpnRoutes(), rd, VM);
  const text = (await gw.cli(['global', 'rib', '-a', 'vpnv4'])).split('\n').find((l) => l.includes(`${rd}:${VM}`));
  return { communities: r?.extCommunities ?? [], text };
}

describe('real-agent items at a real BGP peer (gobgpd)', () => {
  useLab({ start: startLab, lab: () => lab, label: 'agent fidelity', stop: async () => { await a1?.stop(); await a2?.stop(); } });

  it('closes the session of an agent that asks for config, and keeps its next session that does not', async () => {
    await expect.poll(() => sessionStateAt(gw, CN), { ...SESSION_POLL, message: 'gw -> cn' }).toBe('established');
    await connect(a1);
    await a1.subscribeConfig();
    expect(await a1.waitClosed(5_000)).toMatchObject({ closed: true });
    await connect(a1);
    await a1.subscribe(PUBLIC, 1);
    await connect(a2);
    await a2.subscribe(PUBLIC, 1);
    await expect.poll(() => a1.state(), { ...POLL, message: 'a1 up on its second session, End-of-RIB after the quiet period' })
      .toMatchObject({ connected: true, sessions: 2, stats: { endOfRib: 1 } });
  });

  it('a real agent\'s tags, vhost MAC, sequence number, local sequence number and security group reach gobgpd as Contrail communities', async () => {
    await a1.publishReal(PUBLIC, vm('192.0.2.21', 25, { mac: '52:54:00:8a:3e:15', sequenceNumber: 3, localSequenceNumber: 7 }));
    await expect.poll(async () => (await atGateway('192.0.2.21')).communities, { ...POLL, message: 'VM route at gw' }).toEqual([
      'target:64512:1001', 'target:64512:8000001', 'encapsulation:gre', 'encapsulation:udp',
      'mobility:non-sticky:3', 'rtrmac:52:54:00:8a:3e:15', `secgroup:64512:${SG}`, 'originvn:64512:4',
      `tag:64512:${APP_TAG}`, `tag:64512:${HIGH_TAG}`, 'local_sequence_number:7',
    ]);
    console.log(`gobgpd shows the VM route from a real agent as:\n${(await atGateway('192.0.2.21')).text ?? '(absent)'}`);
  });

  it('the VM moving to another compute with a higher sequence wins: gobgpd keeps only the new compute\'s route, with sequence 4, and the agents get its next hop', async () => {
    await a2.publishReal(PUBLIC, vm('192.0.2.22', 26, { mac: '52:54:00:8a:3e:16', sequenceNumber: 4, localSequenceNumber: 1 }));
    await expect.poll(async () => (await atGateway('192.0.2.22')).communities, { ...POLL, message: 'moved VM at gw' })
      .toEqual(expect.arrayContaining(['mobility:non-sticky:4', 'rtrmac:52:54:00:8a:3e:16', 'local_sequence_number:1']));
    // Only paths equal to the best are exported (contrail-control.md §3.3): the old location loses at the sequence step.
    await expect.poll(async () => (await atGateway('192.0.2.21')).text, { ...POLL, message: 'old location withdrawn at gw' }).toBeUndefined();
    for (const agent of [a1, a2]) {
      await expect.poll(async () => (await agent.routes(PUBLIC)).find((i) => i.id === VM), { ...POLL, message: `moved VM at ${agent.name}` })
        .toMatchObject({
          sequenceNumber: 4, mobility: { seqno: 4, sticky: false },
          nextHops: [expect.objectContaining({ address: '192.0.2.22', label: 26, tags: [APP_TAG, HIGH_TAG] })],
        });
    }
  });
});

describe('gobgpd JSON of the communities Contrail builds from a next hop', () => {
  it('reads MAC mobility, router MAC, tags and the local sequence number as gobgpd 3.10.0 printed them for a real-agent route', () => {
    // Text form of the same route: [mac-mobility: 3], [router's mac: 52:54:00:8a:3e:15],
    // [37431773856071687], [37431776003555329] (tags), [458752] (local sequence number 7).
    const ecs = [
      { type: 6, subtype: 0, sequence: 3, is_sticky: false }, { type: 6, subtype: 3, mac: '52:54:00:8A:3E:15' },
      { type: 128, subtype: 132, value: 'hPwAAAEABw==' }, { type: 128, subtype: 132, value: 'hPwAgAEAAQ==' },
      { type: 192, subtype: 0, value: 'AAAAAAcAAA==' },
    ];
    expect(ecs.map(goBgpExtCommunity)).toEqual([
      'mobility:non-sticky:3', 'rtrmac:52:54:00:8a:3e:15', `tag:64512:${APP_TAG}`, `tag:64512:${HIGH_TAG}`, 'local_sequence_number:7',
    ]);
  });
});
