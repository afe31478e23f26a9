/**
 * The control-node image in the interop lab (`npm run test:containers`, which
 * builds the images first; not part of `npm test`). Every daemon is a podman
 * container joined to its lab host's namespace:
 *   gw   192.0.2.11  gobgpd (interop-peers image), RTC + VPNv4, VRF blue (target:64512:1)
 *   frr  192.0.2.12  FRR bgpd (interop-peers image), VPNv4, one static VPN route
 *   cn   192.0.2.15  the control-node image as route reflector, BGP on 179 as its
 *                    unprivileged user (--cap-add NET_BIND_SERVICE), XMPP on 5269,
 *                    instance public (id 1, vn-index 4, target:64512:1), config
 *                    mounted at /etc/control-node
 *   a1   192.0.2.21  vRouter agent (the lab's agent runner, as in interop/), public
 *   a2   192.0.2.22  vRouter agent, public
 * Checks: the image's user and health check, both sessions Established, a VPN
 * route reflected each way, then the floating-IP scenario (contrail-scenarios
 * in interop/): an agent's floating IP reaches the gateway and FRR with its
 * label, next hop, targets and Contrail communities, the peers' routes reach
 * the agents as items, and the agent's loss withdraws it everywhere. Read from
 * the peers' own RIBs and from what each agent was pushed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Frr, GoBgp, Lab, LabAgent, WaitAborted, controlNodeYaml, expectedReflection, findRoute, hasRoute, nextHopsOf, run, sessionStateAt,
  useLab, viewAt, waitUntil,
} from '../interop/lab/index.js';
import type { CnConfig, ProcessHandle, PublishedRoute, VpnRouteSpec } from '../interop/lab/index.js';
import { containerized, removeAll, runContainer } from './podman.js';

const CN_IMAGE = process.env.CN_IMAGE ?? 'localhost/control-node:0.1.0';
const PEERS_IMAGE = process.env.CN_PEERS_IMAGE ?? 'localhost/interop-peers:bookworm';
const ASN = 64512;
const RR = '192.0.2.15';
const CLUSTER_ID = '10.255.0.1';
const RT1 = 'target:64512:1';
const PUBLIC = 'default-domain:admin:public:public';
const PUBLIC_VN = 'default-domain:admin:public';
const SG = 8000002;
const POLL = { timeout: 15_000, interval: 250 } as const;
/** gobgpd without graceful restart never sends End-of-RIB, so the first exchange may wait on fallback timers. */
const SYNC = { timeout: 60_000, interval: 500 } as const;

const CN_CONFIG: CnConfig = {
  node: { name: 'cn-ctr', routerId: '10.0.0.15', asn: ASN, clusterId: CLUSTER_ID },
  bgp: {
    listen: { address: RR, port: 179 },
    holdTime: 90,
    peers: [
      { name: 'gw', address: '192.0.2.11', asn: ASN, routeReflectorClient: true, families: ['inet-vpn', 'route-target'] },
      { name: 'frr', address: '192.0.2.12', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
    ],
  },
  xmpp: { listen: { address: RR, port: 5269 } },
  routingInstances: [{ name: PUBLIC, id: 1, vnIndex: 4, importTargets: [RT1], exportTargets: [RT1] }],
  // The image's health check asks 127.0.0.1:8083.
  introspect: { listen: { address: '0.0.0.0', port: 8083 } },
};

const FROM_GW: VpnRouteSpec = { rd: '192.0.2.11:21', prefix: '198.18.21.0/24', label: 1021, routeTargets: [RT1], nextHop: '192.0.2.11' };
const FROM_FRR: VpnRouteSpec = { rd: '192.0.2.12:22', prefix: '198.18.22.0/24', label: 1022, routeTargets: [RT1], nextHop: '192.0.2.12' };

let lab: Lab | undefined;
let cn: ProcessHandle | undefined;
let cnName = '';
let gw: GoBgp;
let frr: Frr;
const agents: Partial<Record<'a1' | 'a2', LabAgent>> = {};

/** a1's floating IP as a real agent publishes it: next hop its own address, label 25, GRE and UDP, a security group. */
const FIP: PublishedRoute = { prefix: '198.51.100.5/32', nextHop: '192.0.2.21', label: 25, encapsulations: ['gre', 'udp'], securityGroups: [SG] };
const FIP_RD = '192.0.2.21:1';

function agent(h: 'a1' | 'a2'): LabAgent {
  const a = agents[h];
  if (!a) throw new Error(`agent ${h} was not started`);
  return a;
}

/** One line per item the agent holds in public: prefix -> next hops (address/label). */
async function agentView(h: 'a1' | 'a2'): Promise<string[]> {
  const items = await agent(h).routes(PUBLIC);
  return items.map((i) => `${i.id} -> ${nextHopsOf(items, i.id).join(' ')}`).sort();
}

async function imageExists(image: string): Promise<boolean> {
  return run('podman', ['image', 'exists', image]).then(() => true, () => false);
}

async function startLab(): Promise<void> {
  for (const image of [CN_IMAGE, PEERS_IMAGE]) {
    if (!(await imageExists(image))) throw new Error(`image ${image} is missing: run npm run test:containers (it builds the images)`);
  }
  lab = await Lab.create([
    { name: 'gw', octet: 11 }, { name: 'frr', octet: 12 }, { name: 'cn', octet: 15 }, { name: 'a1', octet: 21 }, { name: 'a2', octet: 22 },
  ]);
  const l = lab;

  // The config directory must be readable by the image's user (uid 10001); the lab dir is 0700.
  const cfgDir = l.file('cn-config');
  mkdirSync(cfgDir, { mode: 0o755 });
  writeFileSync(`${cfgDir}/control-node.yaml`, controlNodeYaml(CN_CONFIG), { mode: 0o644 });
  cnName = `${l.id}-cn`;
  cn = runContainer(l, 'cn', {
    image: CN_IMAGE, name: cnName, logFile: l.file('cn-container.log'),
    runArgs: ['--cap-add', 'NET_BIND_SERVICE', '-v', `${cfgDir}:/etc/control-node:ro`],
  });
  const proc = cn;
  await waitUntil('control-node container listening on 179', async () => {
    if (!proc.isRunning()) throw new WaitAborted(`control-node container exited (${String(await proc.exited)}), see ${proc.logFile}`);
    return (await l.exec('cn', 'ss', ['-Htln'])).includes(`${RR}:179`);
  }, 30_000);

  const peers = containerized(l, PEERS_IMAGE);
  gw = new GoBgp(peers, 'gw', {
    asn: ASN, routerId: '10.0.0.11', localAddress: '192.0.2.11',
    vrfs: [{ name: 'blue', rd: '192.0.2.11:1', importRts: [RT1], exportRts: [RT1] }],
    neighbors: [{ address: RR, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3 }],
  });
  frr = new Frr(peers, 'frr', {
    asn: ASN, routerId: '10.0.0.12', neighbors: [{ address: RR, peerAs: ASN }], families: ['vpnv4'], networks: [FROM_FRR], connectRetry: 3,
  });
  await Promise.all([gw.start(), frr.start()]);
  // The agents run as in interop/ (the lab's agent runner in their own namespaces), not as containers.
  for (const h of ['a1', 'a2'] as const) agents[h] = await LabAgent.start(l, h, { name: `compute-${h}`, server: { address: RR, port: 5269 } });
}

describe('control-node image in the lab', () => {
  useLab({
    start: startLab,
    lab: () => lab,
    label: 'containers',
    stop: async () => {
      await Promise.allSettled([gw?.stop(), frr?.stop(), cn?.stop(), ...Object.values(agents).map((a) => a.stop())]);
      await removeAll();
    },
  });

  it('runs the node, gobgpd and FRR as containers, the node as its unprivileged user, and its health check passes', async () => {
    const names = (await run('podman', ['ps', '--format', '{{.Names}}'])).split('\n');
    expect(names).toEqual(expect.arrayContaining([cnName, `${lab?.id}-gw`, `${lab?.id}-frr`]));
    expect((await run('podman', ['inspect', '--format', '{{.Config.User}}', cnName])).trim()).toBe('control-node');
    await expect.poll(() => run('podman', ['healthcheck', 'run', cnName], { timeoutMs: 15_000 }).then(() => true, () => false),
      { timeout: 20_000, interval: 1_000, message: 'podman healthcheck run' }).toBe(true);
  });

  it('brings up both sessions', async () => {
    await expect.poll(() => sessionStateAt(gw, RR), { ...SYNC, message: 'gw -> cn' }).toBe('established');
    await expect.poll(() => sessionStateAt(frr, RR), { ...SYNC, message: 'frr -> cn' }).toBe('established');
  });

  it('reflects a VPN route each way', async () => {
    await gw.announce(FROM_GW);
    await expect.poll(() => viewAt(frr, FROM_GW), { ...SYNC, message: 'gw route at frr' }).toEqual(expectedReflection(FROM_GW, gw, CLUSTER_ID));
    await expect.poll(() => viewAt(gw, FROM_FRR), { ...SYNC, message: 'frr route at gw' }).toEqual(expectedReflection(FROM_FRR, frr, CLUSTER_ID));
  });

  describe('floating IP with agents', () => {
    it('both agents connect over XMPP to the containerized node, subscribe to public and are pushed the peers\' routes', async () => {
      for (const h of ['a1', 'a2'] as const) {
        await waitUntil(`${h} connected to ${RR}`, async () => {
          await agent(h).connect();
          return true;
        }, 20_000, 500);
        await agent(h).subscribe(PUBLIC, 1);
      }
      // gw's route (198.18.21.0/24, label 1021) and FRR's (198.18.22.0/24, label 1022) carry target:64512:1.
      for (const h of ['a1', 'a2'] as const) {
        await expect.poll(() => agentView(h), { ...POLL, message: `peers' routes at ${h}` })
          .toEqual(['198.18.21.0/24 -> 192.0.2.11/1021', '198.18.22.0/24 -> 192.0.2.12/1022']);
      }
    });

    it('a1\'s floating IP reaches the gateway with label 25, next hop 192.0.2.21, RD 192.0.2.21:1 and Contrail\'s communities', async () => {
      await agent('a1').publish(PUBLIC, FIP);
      await expect.poll(async () => findRoute(await gw.vpnRoutes(), FIP_RD, FIP.prefix), { ...POLL, message: 'FIP at gw' }).toMatchObject({
        rd: FIP_RD, prefix: FIP.prefix, labels: [25], nextHop: '192.0.2.21',
        // The instance's target, the automatic target 8000000+id, both encapsulations, the security group, origin VN 64512:4.
        extCommunities: [RT1, 'target:64512:8000001', 'encapsulation:gre', 'encapsulation:udp', `secgroup:64512:${SG}`, 'originvn:64512:4'],
        asPath: [], localPref: 100,
      });
    });

    it('the floating IP reaches FRR, the second VPN client, and agent a2 as an item with a1\'s next hop and the security group', async () => {
      await expect.poll(async () => {
        const r = findRoute(await frr.vpnRoutes(), FIP_RD, FIP.prefix);
        return r && { labels: r.labels, nextHop: r.nextHop, targets: r.extCommunities.filter((c) => c.startsWith('target:')).sort() };
      }, { ...POLL, message: 'FIP at frr' }).toEqual({ labels: [25], nextHop: '192.0.2.21', targets: [RT1, 'target:64512:8000001'] });
      await expect.poll(async () => (await agent('a2').routes(PUBLIC)).find((i) => i.id === FIP.prefix), { ...POLL, message: 'FIP at a2' })
        .toMatchObject({
          securityGroups: [SG],
          nextHops: [expect.objectContaining({ address: '192.0.2.21', label: 25, encapsulations: ['gre', 'udp'], virtualNetwork: PUBLIC_VN })],
        });
      await expect.poll(() => agentView('a2'), { ...POLL, message: 'a2 holds exactly three items' })
        .toEqual(['198.18.21.0/24 -> 192.0.2.11/1021', '198.18.22.0/24 -> 192.0.2.12/1022', `${FIP.prefix} -> 192.0.2.21/25`]);
    });

    it('a1\'s session ending withdraws the floating IP from the gateway, FRR and a2, and leaves the peers\' routes in place', async () => {
      await agent('a1').close();
      const spec = { rd: FIP_RD, prefix: FIP.prefix };
      await expect.poll(() => hasRoute(gw, spec), { ...POLL, message: 'FIP gone from gw' }).toBe(false);
      await expect.poll(() => hasRoute(frr, spec), { ...POLL, message: 'FIP gone from frr' }).toBe(false);
      await expect.poll(() => agentView('a2'), { ...POLL, message: 'a2 back to the peers\' routes' })
        .toEqual(['198.18.21.0/24 -> 192.0.2.11/1021', '198.18.22.0/24 -> 192.0.2.12/1022']);
      expect(await viewAt(frr, FROM_GW)).toEqual(expectedReflection(FROM_GW, gw, CLUSTER_ID));
      expect(await viewAt(gw, FROM_FRR)).toEqual(expectedReflection(FROM_FRR, frr, CLUSTER_ID));
    });
  });
});
