/**
 * IPv6 end to end through our control node (issue 8), every process in its own namespace:
 *   gw   192.0.2.11  gobgpd as the MX gateway: VRF public (rd 192.0.2.11:1, target:64512:1001),
 *                   use-multiple-paths, iBGP to cn with inet-vpn + inet6-vpn + route-target
 *   cn   192.0.2.15  our control node: BGP to gw (families inet-vpn, inet6-vpn, route-target),
 *                   XMPP on :5269, instance public (id 1, vn-index 4, target:64512:1001)
 *   a1   192.0.2.21  vRouter agent in public, instance-id 1
 *   a2   192.0.2.22  vRouter agent in public, instance-id 1
 *   a3   192.0.2.23  vRouter agent in public, instance-id 1 (only watches)
 * An agent publishes IPv6 prefixes under 2/1/<ri>/<prefix> with its IPv4 address as next hop;
 * the control node exports them as VPNv6 with RD <agent>:1 and an IPv4-mapped next hop, and
 * pushes VPNv6 routes imported into public back as <items node="2/1/<ri>">.
 * gobgp prints an IPv4-mapped next hop as the bare IPv4 address; the lab readers spell it
 * '::ffff:a.b.c.d' for IPv6 routes (routeNextHop in lab/routes.ts).
 */
import { describe, expect, it } from 'vitest';
import { ControlNode, GoBgp, Lab, LabAgent, findRoute, ipv4Mapped, nextHopsOf, sessionStateAt, sessionUpSince, useLab,
  waitUntil } from './lab/index.js';
import type { CnConfig, PublishedRoute, VpnRouteSpec } from './lab/index.js';

const ASN = 64512;
const CN = '192.0.2.15';
const GW = '192.0.2.11';
const PUBLIC = 'default-domain:admin:public:public';
const PUBLIC_VN = 'default-domain:admin:public';
const RT_PUBLIC = 'target:64512:1001';
const INET6 = 2;
const POLL = { timeout: 10_000, interval: 200 } as const;
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: CN, asn: ASN },
  bgp: {
    listen: { address: CN, port: 179 },
    holdTime: 90,
    peers: [{ name: 'gw', address: GW, asn: ASN, families: ['inet-vpn', 'inet6-vpn', 'route-target'] }],
  },
  xmpp: { listen: { address: CN, port: 5269 } },
  routingInstances: [{ name: PUBLIC, id: 1, vnIndex: 4, importTargets: [RT_PUBLIC], exportTargets: [RT_PUBLIC] }],
};

type Host = 'a1' | 'a2' | 'a3';
const HOSTS: readonly Host[] = ['a1', 'a2', 'a3'];
const OCTET: Record<Host, number> = { a1: 21, a2: 22, a3: 23 };
const addressOf = (h: Host): string => `192.0.2.${OCTET[h]}`;

/** An IPv6 route published by an agent in public. */
interface AgentRoute6 { host: Host; prefix: string; label: number }
const FIP6: AgentRoute6 = { host: 'a1', prefix: '2001:db8:5::5/128', label: 25 };
const SERVICE6_A1: AgentRoute6 = { host: 'a1', prefix: '2001:db8:5::10/128', label: 31 };
const SERVICE6_A2: AgentRoute6 = { host: 'a2', prefix: '2001:db8:5::10/128', label: 32 };
/** The gateway's IPv6 routes in VRF public: a /48 and the default route (a zero-length prefix after label and RD). */
const GW_ROUTE6: VpnRouteSpec = { rd: `${GW}:1`, prefix: '2001:db8:ff::/48', label: 301, routeTargets: [RT_PUBLIC], nextHop: ipv4Mapped(GW) };
const GW_DEFAULT6: VpnRouteSpec = { ...GW_ROUTE6, prefix: '::/0', label: 300 };

let lab: Lab | undefined;
let cn: ControlNode;
let gw: GoBgp;
const agents = {} as Record<Host, LabAgent>;

function wire(r: AgentRoute6): PublishedRoute {
  return { prefix: r.prefix, nextHop: addressOf(r.host), label: r.label, encapsulations: ['gre', 'udp'] };
}

/** `RD prefix [labels] via next hop` of every VPNv6 path at gw. */
async function gwVpn6View(): Promise<string[]> {
  return (await gw.vpnRoutes('vpnv6')).map((r) => `${r.rd} ${r.prefix} [${r.labels.join(',')}] via ${r.nextHop}`).sort();
}

/** `RD prefix via next hop` of every path of gw's IPv6 VRF public. */
async function gwVrf6View(): Promise<string[]> {
  return (await gw.vrfRoutes('public', 'ipv6')).map((r) => `${r.rd} ${r.prefix} via ${r.nextHop}`).sort();
}

/** `prefix -> address/label ...` per item of an agent's inet6 table of public. */
async function agent6View(h: Host): Promise<string[]> {
  const items = await agents[h].routes(PUBLIC, INET6);
  return items.map((i) => `${i.id} -> ${nextHopsOf(items, i.id).join(' ')}`).sort();
}

/** Connects (retrying, bounded) and subscribes to public with instance-id 1. */
async function bringUp(h: Host): Promise<void> {
  await waitUntil(`${h} connected to ${CN}`, async () => {
    await agents[h].connect();
    return true;
  }, 15_000, 500);
  await agents[h].subscribe(PUBLIC, 1);
}

async function startLab(): Promise<void> {
  lab = await Lab.create([{ name: 'gw', octet: 11 }, { name: 'cn', octet: 15 }, ...HOSTS.map((h) => ({ name: h, octet: OCTET[h] }))]);
  cn = new ControlNode(lab, 'cn', CN_CONFIG);
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: GW, localAddress: GW, multiplePaths: true,
    vrfs: [{ name: 'public', rd: `${GW}:1`, importRts: [RT_PUBLIC], exportRts: [RT_PUBLIC] }],
    neighbors: [{ address: CN, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast', 'l3vpn-ipv6-unicast'], connectRetry: 3 }],
  });
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await gw.start();
  for (const h of HOSTS) agents[h] = await LabAgent.start(lab, h, { name: `compute-${OCTET[h]}`, server: { address: CN, port: 5269 } });
  await Promise.all(HOSTS.map((h) => bringUp(h)));
}

describe('IPv6 through our control node: agents over XMPP and gobgpd as the MX gateway over VPNv6', () => {
  useLab({ start: startLab, lab: () => lab, label: 'contrail IPv6',
    stop: async () => { await Promise.all(Object.values(agents).map((a) => a.stop().catch(() => undefined))); } });

  it('the gateway has its session to the control node Established with VPNv6 and every agent has its End-of-RIB', async () => {
    await expect.poll(() => sessionStateAt(gw, CN), { ...SESSION_POLL, message: 'gw -> cn' }).toBe('established');
    for (const h of HOSTS) {
      await expect.poll(() => agents[h].state(), { ...POLL, message: `${h} connected, End-of-RIB received` })
        .toMatchObject({ connected: true, sessions: 1, stats: { endOfRib: 1 } });
    }
    expect(await gwVpn6View()).toEqual([]);
  });

  it('an agent\'s IPv6 route reaches the gateway as VPNv6 with RD 192.0.2.21:1, label 25, next hop ::ffff:192.0.2.21 and its targets', async () => {
    await agents.a1.publish(PUBLIC, wire(FIP6));
    const rd = `${addressOf('a1')}:1`;
    await expect.poll(async () => findRoute(await gw.vpnRoutes('vpnv6'), rd, FIP6.prefix), { ...POLL, message: 'FIP6 at gw' }).toEqual({
      rd, prefix: FIP6.prefix, labels: [25], nextHop: '::ffff:192.0.2.21', best: true,
      extCommunities: ['target:64512:1001', 'target:64512:8000001', 'encapsulation:gre', 'encapsulation:udp', 'originvn:64512:4'],
      clusterList: [], asPath: [], localPref: 100, med: 200,
    });
    expect(await gwVrf6View()).toEqual([`${rd} ${FIP6.prefix} via ::ffff:192.0.2.21`]);
    // Not VPNv4: the IPv4 tables stay empty.
    expect(await gw.vpnRoutes('vpnv4')).toEqual([]);
    expect(await gw.vrfRoutes('public', 'ipv4')).toEqual([]);
  });

  it('the agents of public get it back as a 2/1 item with next hop 192.0.2.21 and label 25, and nothing in their inet table', async () => {
    for (const h of HOSTS) {
      await expect.poll(async () => (await agents[h].routes(PUBLIC, INET6)).find((i) => i.id === FIP6.prefix),
        { ...POLL, message: `FIP6 at ${h}` }).toMatchObject({
        prefix: FIP6.prefix, af: 2, safi: 1,
        nextHops: [{ af: 1, address: '192.0.2.21', mac: '', label: 25, encapsulations: ['gre', 'udp'], virtualNetwork: PUBLIC_VN, tags: [] }],
      });
      expect(await agents[h].routes(PUBLIC)).toEqual([]);
    }
  });

  it('the gateway\'s IPv6 VRF routes, ::/0 included, reach every agent as 2/1 items with next hop 192.0.2.11 and their labels', async () => {
    await gw.announce(GW_ROUTE6);
    await gw.announce(GW_DEFAULT6);
    for (const h of HOSTS) {
      for (const spec of [GW_ROUTE6, GW_DEFAULT6]) {
        await expect.poll(async () => (await agents[h].routes(PUBLIC, INET6)).find((i) => i.id === spec.prefix),
          { ...POLL, message: `gateway route ${spec.prefix} at ${h}` }).toMatchObject({
          prefix: spec.prefix, af: 2, safi: 1,
          // No tunnel-encapsulation community from the gateway: the control node says gre.
          nextHops: [{ af: 1, address: GW, mac: '', label: spec.label, encapsulations: ['gre'], virtualNetwork: PUBLIC_VN, tags: [] }],
        });
      }
    }
    expect(await agent6View('a3')).toEqual(
      [`${FIP6.prefix} -> 192.0.2.21/25`, `${GW_ROUTE6.prefix} -> 192.0.2.11/301`, '::/0 -> 192.0.2.11/300'].sort());
  });

  it('two agents publishing one IPv6 service address give the gateway\'s IPv6 VRF two paths and an agent one item with both next hops', async () => {
    await agents.a1.publish(PUBLIC, wire(SERVICE6_A1));
    await agents.a2.publish(PUBLIC, wire(SERVICE6_A2));
    await expect.poll(async () => (await gw.vrfRoutes('public', 'ipv6')).filter((r) => r.prefix === SERVICE6_A1.prefix).map((r) => r.nextHop).sort(),
      { ...POLL, message: 'two paths in gw VRF public (IPv6)' }).toEqual(['::ffff:192.0.2.21', '::ffff:192.0.2.22']);
    await expect.poll(async () => nextHopsOf(await agents.a3.routes(PUBLIC, INET6), SERVICE6_A1.prefix),
      { ...POLL, message: 'one ECMP item at a3' }).toEqual(['192.0.2.21/31', '192.0.2.22/32']);
  });

  it('withdraws at the agent and at the gateway remove the routes from the gateway and from every agent, without a session reset', async () => {
    const up = await sessionUpSince(gw, CN);
    await agents.a1.withdraw(PUBLIC, FIP6.prefix);
    await gw.withdraw(GW_ROUTE6);
    await gw.withdraw(GW_DEFAULT6);
    await expect.poll(gwVpn6View, { ...POLL, message: 'gw VPNv6 RIB' }).toEqual([
      `192.0.2.21:1 ${SERVICE6_A1.prefix} [31] via ::ffff:192.0.2.21`, `192.0.2.22:1 ${SERVICE6_A2.prefix} [32] via ::ffff:192.0.2.22`]);
    await expect.poll(gwVrf6View, { ...POLL, message: 'gw VRF public (IPv6)' }).toEqual([
      `192.0.2.21:1 ${SERVICE6_A1.prefix} via ::ffff:192.0.2.21`, `192.0.2.22:1 ${SERVICE6_A2.prefix} via ::ffff:192.0.2.22`]);
    for (const h of HOSTS) {
      await expect.poll(() => agent6View(h), { ...POLL, message: `agent ${h}` }).toEqual([`${SERVICE6_A1.prefix} -> 192.0.2.21/31 192.0.2.22/32`]);
    }
    expect(await sessionUpSince(gw, CN)).toBe(up);
  });

  it('an agent that drops its connection loses its IPv6 paths at the gateway and at the other agents, and the other agent\'s path stays', async () => {
    const up = await sessionUpSince(gw, CN);
    await agents.a1.destroy(); // TCP gone without a stream close, like a crashed agent
    await expect.poll(gwVpn6View, { ...POLL, message: 'gw VPNv6 RIB' }).toEqual([`192.0.2.22:1 ${SERVICE6_A2.prefix} [32] via ::ffff:192.0.2.22`]);
    await expect.poll(gwVrf6View, { ...POLL, message: 'gw VRF public (IPv6)' }).toEqual([`192.0.2.22:1 ${SERVICE6_A2.prefix} via ::ffff:192.0.2.22`]);
    for (const h of ['a2', 'a3'] as const) {
      await expect.poll(() => agent6View(h), { ...POLL, message: `agent ${h}` }).toEqual([`${SERVICE6_A2.prefix} -> 192.0.2.22/32`]);
    }
    await agents.a2.withdraw(PUBLIC, SERVICE6_A2.prefix);
    await expect.poll(gwVpn6View, { ...POLL, message: 'gw VPNv6 RIB, last withdraw' }).toEqual([]);
    await expect.poll(gwVrf6View, { ...POLL, message: 'gw VRF public (IPv6), last withdraw' }).toEqual([]);
    await expect.poll(() => agent6View('a3'), { ...POLL, message: 'agent a3, last withdraw' }).toEqual([]);
    expect(await sessionUpSince(gw, CN)).toBe(up);
  });
});
