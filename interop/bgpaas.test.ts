/**
 * BGP-as-a-Service end to end (issue 11), every process in its own network namespace:
 *   gw   192.0.2.11  gobgpd as the gateway: VRF pods (rd 192.0.2.11:1, target:64512:1001),
 *                   iBGP to cn with inet-vpn + route-target
 *   cn   192.0.2.15  our control node: instance pods (id 3, vn-index 7, target:64512:1001) with the
 *                   BGP-as-a-Service session calico-1 (192.0.2.50, AS 64500, gateway address
 *                   192.0.2.1), XMPP on :5269, introspect on :8083
 *   vm   192.0.2.50  BIRD 2 as the Calico node in the VM: eBGP AS 64500 to cn:179, announcing the pod
 *                   prefixes 10.244.0.0/24 and 10.244.1.0/24 with itself as next hop
 *   c18  192.0.2.18  vRouter agent (TestAgent via agent-runner.ts), the VM's compute: publishes
 *                   192.0.2.50/32 in pods, label 51, security group 8000001, instance-id 3
 *   c19  192.0.2.19  a second vRouter agent in pods, with a workload 10.1.1.19/32 of its own
 * The pod routes are resolved through the VM's /32, so at the gateway they carry the compute's
 * next hop, label and RD. The file keeps a model of where the VM is and what is published, and
 * `expectConverged` compares every view with it, exactly: gobgpd's VPN RIB and VRF, each agent's
 * items and BIRD's master4. The second lab runs the same node with routing policies attached:
 * the gateway peer's export policy rejects 10.244.1.0/24, the session's import policy sets
 * local-pref 200, which the node's JSON introspect shows.
 */
import { describe, expect, it } from 'vitest';
import { Bird, ControlNode, GoBgp, Lab, LabAgent, findRoute, nextHopsOf, sessionStateAt, sessionUpSince, useLab, waitUntil } from './lab/index.js';
import type { CnConfig, PublishedRoute } from './lab/index.js';

const CN = '192.0.2.15';
const GW = '192.0.2.11';
const VM = '192.0.2.50';
/** The VN's gateway address: next hop of everything the node sends the Calico node. */
const GATEWAY = '192.0.2.1';
const INTROSPECT = 8083;
const PODS = 'default-domain:k8s:pods:pods';
const PODS_VN = 'default-domain:k8s:pods';
const INSTANCE_ID = 3;
const VN_INDEX = 7;
const SG = 8000001;
const RT = 'target:64512:1001';
/** The instance's automatic target, from its config id: target:<asn>:<8000000+id>. */
const AUTO_RT = `target:64512:${8_000_000 + INSTANCE_ID}`;
const POD_PREFIXES = ['10.244.0.0/24', '10.244.1.0/24'] as const;
const POLL = { timeout: 15_000, interval: 250 } as const;
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;

type Compute = 'c18' | 'c19';
const COMPUTES: readonly Compute[] = ['c18', 'c19'];
const OCTET: Record<Compute, number> = { c18: 18, c19: 19 };
/** The VM interface's label on each compute. */
const VM_LABEL: Record<Compute, number> = { c18: 51, c19: 61 };
const WORKLOAD = { host: 'c19' as Compute, prefix: '10.1.1.19/32', label: 71 };

const addressOf = (c: Compute): string => `192.0.2.${OCTET[c]}`;
/** The RD of an agent's routes: `<compute>:<instance-id of its subscription>`. */
const rdOf = (c: Compute): string => `${addressOf(c)}:${INSTANCE_ID}`;

/** The policies of the second lab (README "Routing policy"). */
const POLICIES: NonNullable<CnConfig['routingPolicies']> = [
  { name: 'no-pods-1', terms: [{ from: { prefixes: [{ prefix: '10.244.1.0/24', match: 'exact' }] }, then: { action: 'reject' } }] },
  { name: 'calico-in', terms: [{ from: { protocols: ['bgpaas'], asPath: '^64500( |$)' }, then: { localPref: 200 } }] },
];

function cnConfig(withPolicies: boolean): CnConfig {
  return {
    node: { name: 'cn1', routerId: CN, asn: 64512 },
    bgp: {
      listen: { address: CN, port: 179 },
      holdTime: 90,
      peers: [{ name: 'gw', address: GW, asn: 64512, families: ['inet-vpn', 'route-target'],
        ...(withPolicies ? { exportPolicies: ['no-pods-1'] } : {}) }],
    },
    xmpp: { listen: { address: CN, port: 5269 } },
    introspect: { listen: { address: CN, port: INTROSPECT } },
    ...(withPolicies ? { routingPolicies: POLICIES } : {}),
    routingInstances: [{
      name: PODS, id: INSTANCE_ID, vnIndex: VN_INDEX, importTargets: [RT], exportTargets: [RT],
      bgpaas: [{ name: 'calico-1', address: VM, asn: 64500, gatewayAddress: GATEWAY, ...(withPolicies ? { importPolicies: ['calico-in'] } : {}) }],
    }],
  };
}

let lab: Lab | undefined;
let cn: ControlNode;
let gw: GoBgp;
let calico: Bird;
const agents = {} as Record<Compute, LabAgent>;

// ---- the model ----------------------------------------------------------------------

/** The compute whose agent publishes the VM's /32, if any. */
let vmAt: Compute | undefined;
let workload = false;
/** Pod prefixes the gateway peer's export policy rejects. */
let rejectedAtGw: readonly string[] = [];

function vmRoute(c: Compute): PublishedRoute {
  return { prefix: `${VM}/32`, nextHop: addressOf(c), label: VM_LABEL[c], encapsulations: ['gre', 'udp'], securityGroups: [SG] };
}

async function publishVm(c: Compute): Promise<void> {
  await agents[c].publish(PODS, vmRoute(c));
  vmAt = c;
}

async function withdrawVm(c: Compute): Promise<void> {
  await agents[c].withdraw(PODS, `${VM}/32`);
  if (vmAt === c) vmAt = undefined;
}

/** Every agent route the model has: prefix, compute, label. */
function agentRoutes(): { prefix: string; at: Compute; label: number }[] {
  return [
    ...(vmAt ? [{ prefix: `${VM}/32`, at: vmAt, label: VM_LABEL[vmAt] }] : []),
    ...(workload ? [{ prefix: WORKLOAD.prefix, at: WORKLOAD.host, label: WORKLOAD.label }] : []),
  ];
}

// ---- views, normalised for exact comparison -------------------------------------------

const sorted = (xs: string[]): string[] => [...xs].sort();

async function gwVpnView(): Promise<string[]> {
  return sorted((await gw.vpnRoutes()).map((r) => `${r.rd} ${r.prefix} [${r.labels.join(',')}] via ${r.nextHop} as [${r.asPath.join(' ')}]`));
}

function expectedGwVpn(): string[] {
  const pods = vmAt ? POD_PREFIXES.filter((p) => !rejectedAtGw.includes(p)).map((p) => `${rdOf(vmAt!)} ${p} [${VM_LABEL[vmAt!]}] via ${addressOf(vmAt!)} as [64500]`) : [];
  return sorted([...agentRoutes().map((r) => `${rdOf(r.at)} ${r.prefix} [${r.label}] via ${addressOf(r.at)} as []`), ...pods]);
}

async function gwVrfView(): Promise<string[]> {
  return sorted((await gw.vrfRoutes('pods')).map((r) => `${r.rd} ${r.prefix} via ${r.nextHop}`));
}

function expectedGwVrf(): string[] {
  const pods = vmAt ? POD_PREFIXES.filter((p) => !rejectedAtGw.includes(p)).map((p) => `${rdOf(vmAt!)} ${p} via ${addressOf(vmAt!)}`) : [];
  return sorted([...agentRoutes().map((r) => `${rdOf(r.at)} ${r.prefix} via ${addressOf(r.at)}`), ...pods]);
}

/** One line per item: prefix and its next hops (address/label), as the agent holds them. */
async function agentView(c: Compute): Promise<string[]> {
  const items = await agents[c].routes(PODS);
  return items.map((i) => `${i.id} -> ${nextHopsOf(items, i.id).join(' ')}`).sort();
}

/** Agents get every route of the instance, the pod routes too (the gateway's export policy is not theirs). */
function expectedAgentView(): string[] {
  const pods = vmAt ? POD_PREFIXES.map((p) => `${p} -> ${addressOf(vmAt!)}/${VM_LABEL[vmAt!]}`) : [];
  return sorted([...agentRoutes().map((r) => `${r.prefix} -> ${addressOf(r.at)}/${r.label}`), ...pods]);
}

/** The routes BIRD learned over BGP (its statics and direct routes have no AS path). */
async function birdView(): Promise<string[]> {
  return sorted((await calico.ipv4Routes()).filter((r) => r.asPath.length > 0).map((r) => `${r.prefix} via ${r.nextHop} as [${r.asPath.join(' ')}]`));
}

/** The instance's agent routes, from our AS, next hop the gateway address; never the pod routes back. */
function expectedBirdView(): string[] {
  return sorted(agentRoutes().map((r) => `${r.prefix} via ${GATEWAY} as [64512]`));
}

/** Every view — gateway VPN RIB and VRF, both agents, BIRD — is exactly what the model says. */
async function expectConverged(what: string): Promise<void> {
  await Promise.all([
    expect.poll(gwVpnView, { ...POLL, message: `${what}: gw VPN RIB` }).toEqual(expectedGwVpn()),
    expect.poll(gwVrfView, { ...POLL, message: `${what}: gw VRF pods` }).toEqual(expectedGwVrf()),
    ...COMPUTES.map((c) => expect.poll(() => agentView(c), { ...POLL, message: `${what}: agent ${c}` }).toEqual(expectedAgentView())),
    expect.poll(birdView, { ...POLL, message: `${what}: BIRD master4` }).toEqual(expectedBirdView()),
  ]);
}

/** The node's JSON introspect, read inside its namespace. */
async function introspectRoutes(table: string): Promise<{ prefix: string; paths: Record<string, unknown>[] }[]> {
  const url = `http://${CN}:${INTROSPECT}/api/routes?table=${encodeURIComponent(table)}&limit=1000`;
  const body = await lab!.exec('cn', 'curl', ['-sf', '--max-time', '5', url]);
  return (JSON.parse(body) as { routes: { prefix: string; paths: Record<string, unknown>[] }[] }).routes;
}

async function birdUpSince(): Promise<number | undefined> {
  return (await calico.sessions()).find((s) => s.neighbor === CN)?.upSince;
}

// ---- the lab ---------------------------------------------------------------------------

async function startLab(withPolicies: boolean): Promise<void> {
  vmAt = undefined;
  workload = false;
  rejectedAtGw = withPolicies ? ['10.244.1.0/24'] : [];
  lab = await Lab.create([{ name: 'gw', octet: 11 }, { name: 'cn', octet: 15 }, { name: 'vm', octet: 50 },
    ...COMPUTES.map((c) => ({ name: c, octet: OCTET[c] }))]);
  cn = new ControlNode(lab, 'cn', cnConfig(withPolicies));
  gw = new GoBgp(lab, 'gw', {
    asn: 64512, routerId: GW, localAddress: GW, multiplePaths: true,
    vrfs: [{ name: 'pods', rd: `${GW}:1`, importRts: [RT], exportRts: [RT] }],
    neighbors: [{ address: CN, peerAs: 64512, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3 }],
  });
  calico = new Bird(lab, 'vm', {
    asn: 64500, routerId: VM, localAddress: VM, families: [], ipv4: { routes: [...POD_PREFIXES] },
    neighbors: [{ name: 'to_cn', address: CN, peerAs: 64512 }],
  });
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await gw.start();
  await calico.start();
  for (const c of COMPUTES) agents[c] = await LabAgent.start(lab, c, { name: `compute-${OCTET[c]}`, server: { address: CN, port: 5269 } });
  for (const c of COMPUTES) {
    await waitUntil(`${c} connected to ${CN}`, async () => {
      await agents[c].connect();
      return true;
    }, 15_000, 500);
    await agents[c].subscribe(PODS, INSTANCE_ID);
  }
}

async function stopAgents(): Promise<void> {
  await Promise.all(Object.values(agents).map((a) => a.stop().catch(() => undefined)));
}

/** Sessions up, then the VM's /32 and the workload published: the start of both labs. */
function sessionsUpAndVmPublished(): void {
  it('BIRD\'s eBGP session from the VM, the gateway\'s session and both agents come up, and the VM\'s /32 brings the pod routes', async () => {
    await expect.poll(() => sessionStateAt(calico, CN), { ...SESSION_POLL, message: 'vm -> cn' }).toBe('established');
    expect((await calico.sessions()).find((s) => s.neighbor === CN)?.peerAs).toBe(64512);
    await expect.poll(() => sessionStateAt(gw, CN), { ...SESSION_POLL, message: 'gw -> cn' }).toBe('established');
    for (const c of COMPUTES) expect(await agents[c].state(), c).toMatchObject({ connected: true, sessions: 1 });
    await expectConverged('nothing published yet');
    await publishVm('c18');
    await agents.c19.publish(PODS, { prefix: WORKLOAD.prefix, nextHop: addressOf('c19'), label: WORKLOAD.label, encapsulations: ['gre', 'udp'] });
    workload = true;
    await expectConverged('VM /32 published at c18');
  });
}

describe('BGP-as-a-Service: BIRD as the Calico node in a VM, gobgpd as the gateway, two vRouter agents', () => {
  useLab({ start: () => startLab(false), lab: () => lab, label: 'bgpaas', stop: stopAgents });

  sessionsUpAndVmPublished();

  it('the gateway holds both pod prefixes with AS path 64500, next hop 192.0.2.18, label 51, RD 192.0.2.18:3, both targets, encapsulations, security group and origin VN', async () => {
    for (const prefix of POD_PREFIXES) {
      const route = findRoute(await gw.vpnRoutes(), rdOf('c18'), prefix);
      expect(route && { ...route, extCommunities: sorted(route.extCommunities) }, prefix).toEqual({
        rd: rdOf('c18'), prefix, labels: [51], nextHop: '192.0.2.18', best: true, asPath: [64500],
        extCommunities: sorted([RT, AUTO_RT, 'encapsulation:gre', 'encapsulation:udp', `secgroup:64512:${SG}`, `originvn:64512:${VN_INDEX}`]),
        // iBGP from a non-reflecting control node: no originator id, no cluster list.
        clusterList: [], localPref: 100,
      });
    }
    // gobgp's text form: security group 8000001 and origin VN 64512:7 as opaque 7-byte numbers
    // (04 fc00 007a1201 and 71 fc00 00000007), in the order they came on the wire.
    const text = (await gw.cli(['global', 'rib', '-a', 'vpnv4'])).split('\n').filter((l) => l.includes(`${rdOf('c18')}:10.244.`));
    expect(text).toHaveLength(2);
    for (const line of text) {
      expect(line).toMatch(/\[51\]\s+192\.0\.2\.18\s+64500\s/);
      expect(line).toContain('{Extcomms: [64512:1001], [64512:8000003], [GRE], [MPLS in UDP], [1402976845042177], [32083749298503687]}');
    }
    const vrf = (await gw.vrfRoutes('pods')).filter((r) => r.prefix.startsWith('10.244.'));
    expect(sorted(vrf.map((r) => `${r.rd} ${r.prefix} via ${r.nextHop}`))).toEqual(POD_PREFIXES.map((p) => `${rdOf('c18')} ${p} via 192.0.2.18`));
  });

  it('both agents get both pod prefixes with the VM\'s compute as next hop, label 51, its encapsulations, security group and virtual network', async () => {
    for (const c of COMPUTES) {
      const items = (await agents[c].routes(PODS)).filter((i) => i.id.startsWith('10.244.'));
      expect(items.map((i) => i.id), c).toEqual([...POD_PREFIXES]);
      for (const item of items) {
        expect(item, `${item.id} at ${c}`).toMatchObject({
          securityGroups: [SG],
          nextHops: [{ af: 1, address: '192.0.2.18', mac: '', label: 51, encapsulations: ['gre', 'udp'], virtualNetwork: PODS_VN, tags: [], localSequenceNumber: 0 }],
        });
      }
    }
  });

  it('BIRD gets the agents\' routes with the gateway address as next hop and AS path 64512, and none of its own pod routes back', async () => {
    const received = (await calico.ipv4Routes()).filter((r) => r.asPath.length > 0);
    expect(sorted(received.map((r) => `${r.prefix} via ${r.nextHop} as [${r.asPath.join(' ')}]`))).toEqual(
      sorted([`${VM}/32 via ${GATEWAY} as [64512]`, `${WORKLOAD.prefix} via ${GATEWAY} as [64512]`]));
  });

  it('withdrawing the VM\'s /32 takes the pod routes away from the gateway and the agents, and publishing it again brings them back, on the same BGP sessions', async () => {
    const [birdUp, gwUp] = [await birdUpSince(), await sessionUpSince(gw, CN)];
    await withdrawVm('c18');
    await expectConverged('VM /32 withdrawn');
    await publishVm('c18');
    await expectConverged('VM /32 published again');
    expect([await birdUpSince(), await sessionUpSince(gw, CN)]).toEqual([birdUp, gwUp]);
  });

  it('when the VM moves to compute 192.0.2.19 the pod routes follow it: next hop 192.0.2.19, label 61, RD 192.0.2.19:3', async () => {
    await publishVm('c19');
    await withdrawVm('c18');
    await expectConverged('VM moved to c19');
    const route = findRoute(await gw.vpnRoutes(), rdOf('c19'), '10.244.1.0/24');
    expect(route).toMatchObject({ labels: [61], nextHop: '192.0.2.19', asPath: [64500] });
    expect(route?.extCommunities).toEqual(expect.arrayContaining([`secgroup:64512:${SG}`, 'encapsulation:gre', 'encapsulation:udp']));
  });
});

describe('BGP-as-a-Service with routing policies: an export policy toward the gateway and an import policy on the session', () => {
  useLab({ start: () => startLab(true), lab: () => lab, label: 'bgpaas with policies', stop: stopAgents });

  sessionsUpAndVmPublished();

  it('the gateway peer\'s export policy rejecting 10.244.1.0/24 keeps just that prefix from the gateway, while bgp.l3vpn.0 and the agents keep both', async () => {
    const atGw = (await gw.vpnRoutes()).map((r) => `${r.rd} ${r.prefix}`);
    expect(sorted(atGw)).toEqual(sorted([`${rdOf('c18')} 10.244.0.0/24`, `${rdOf('c18')} ${VM}/32`, `${rdOf('c19')} ${WORKLOAD.prefix}`]));
    const vpn = (await introspectRoutes('bgp.l3vpn.0')).map((r) => r.prefix).filter((p) => p.includes(':10.244.'));
    expect(sorted(vpn)).toEqual(POD_PREFIXES.map((p) => `${rdOf('c18')}:${p}`));
    for (const c of COMPUTES) {
      expect((await agents[c].routes(PODS)).filter((i) => i.id.startsWith('10.244.')).map((i) => i.id), c).toEqual([...POD_PREFIXES]);
    }
  });

  it('the session\'s import policy setting local-pref 200 shows on the pod routes in introspect and at the gateway, and nowhere else', async () => {
    const routes = await introspectRoutes(`${PODS}.inet.0`);
    const byPrefix = new Map(routes.map((r) => [r.prefix, r.paths]));
    for (const prefix of POD_PREFIXES) {
      expect(byPrefix.get(prefix), prefix).toEqual([expect.objectContaining({
        protocol: 'BGP', source: 'calico-1', best: true, nextHop: '192.0.2.18', labels: [51], rd: rdOf('c18'), localPref: 200, asPath: '64500',
      })]);
    }
    expect(byPrefix.get(`${VM}/32`), 'the VM\'s /32 from its agent').toEqual([expect.objectContaining({
      protocol: 'XMPP', source: 'compute-18', nextHop: '192.0.2.18', labels: [51], localPref: 100 })]);
    expect(findRoute(await gw.vpnRoutes(), rdOf('c18'), '10.244.0.0/24')?.localPref).toBe(200);
    expect(findRoute(await gw.vpnRoutes(), rdOf('c18'), `${VM}/32`)?.localPref).toBe(100);
  });
});
