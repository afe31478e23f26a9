/**
 * Contrail scenarios end to end, every process in its own network namespace:
 *   gw   192.0.2.11  gobgpd as the MX gateway: VRF public (rd 192.0.2.11:1, target:64512:1001),
 *                   use-multiple-paths, iBGP to cn with inet-vpn + route-target
 *   cn   192.0.2.15  our control node: BGP to gw (plain iBGP, no cluster id), XMPP on :5269,
 *                   instances public (id 1, vn-index 4, target:64512:1001) and svc (id 2,
 *                   vn-index 5, target:64512:1002, also importing target:64512:1001)
 *   a1   192.0.2.21  vRouter agent (TestAgent in interop/lab/agent-runner.ts), public, instance-id 1
 *   a2   192.0.2.22  vRouter agent, public, instance-id 1
 *   a3   192.0.2.23  vRouter agent, svc, instance-id 2
 * The start and floating-IP scenarios run twice: with AS 64512 and with the 4-byte AS
 * 4200000000 (gateway in the same AS), where security groups, origin VN and the automatic
 * target take Contrail's 4-byte-AS forms (contrail-control.md §3.2, §4.3).
 * Assertions read gobgpd's own RIBs (`gobgp -j global rib -a vpnv4`, `gobgp -j vrf public rib`,
 * `gobgp -j neighbor`) and what each agent was pushed. The tests run in order and build on
 * each other: the file keeps a model of what is published and who is connected, and
 * `expectConverged` compares every table, exactly, with what the model says.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ControlNode, GoBgp, Lab, LabAgent, findRoute, nextHopsOf, sessionStateAt, sessionUpSince, useLab, waitUntil } from './lab/index.js';
import type { CnConfig, PublishedRoute, VpnRouteSpec } from './lab/index.js';

const CN = '192.0.2.15';
const GW = '192.0.2.11';
const PUBLIC = 'default-domain:admin:public:public';
const SVC = 'default-domain:admin:svc:svc';
const PUBLIC_VN = 'default-domain:admin:public';
const SG = 8000002;
const POLL = { timeout: 10_000, interval: 200 } as const;
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;

/** What differs between the AS sizes: the AS (ours and the gateway's) and the communities it makes. */
interface Scenario {
  asn: number;
  rtPublic: string;
  /** The FIP's extended communities as the gateway holds them, in wire (numeric) order. */
  fipCommunities: string[];
  /**
   * The same as gobgp 3.10.0 prints them (`gobgp global rib -a vpnv4`): 4-byte-AS targets in
   * asdot, Contrail's 80:xx / 82:xx communities as opaque, subtype and value bytes as one number.
   */
  fipGoBgpText: string;
}

const SCENARIOS: Record<'as2' | 'as4', Scenario> = {
  as2: {
    asn: 64512,
    rtPublic: 'target:64512:1001',
    fipCommunities: ['target:64512:1001', 'target:64512:8000001', 'encapsulation:gre', 'encapsulation:udp',
      `secgroup:64512:${SG}`, 'originvn:64512:4'],
    // 04 fc00 007a1202, 71 fc00 00000004
    fipGoBgpText: '[64512:1001], [64512:8000001], [GRE], [MPLS in UDP], [1402976845042178], [32083749298503684]',
  },
  as4: {
    asn: 4200000000,
    rtPublic: 'target:4200000000:1001',
    // Automatic target 8000+id; the security group as the (AS4, index 0) + (index 0, id) pair.
    fipCommunities: ['target:4200000000:1001', 'target:4200000000:8001', 'encapsulation:gre', 'encapsulation:udp',
      `secgroup:0:${SG}`, 'secgroup:4200000000:0', 'originvn:4200000000:4'],
    // 80: 04 0000 007a1202; 82: 04 fa56ea00 0000, 71 fa56ea00 0004
    fipGoBgpText: '[64086.59904:1001], [64086.59904:8001], [GRE], [MPLS in UDP], [1125899914842626], [1401151106842624], [32081923568304132]',
  },
};
let sc: Scenario = SCENARIOS.as2;

function cnConfig(): CnConfig {
  return {
    node: { name: 'cn1', routerId: CN, asn: sc.asn },
    bgp: {
      listen: { address: CN, port: 179 },
      holdTime: 90,
      peers: [{ name: 'gw', address: GW, asn: sc.asn, families: ['inet-vpn', 'route-target'] }],
    },
    xmpp: { listen: { address: CN, port: 5269 } },
    routingInstances: [
      { name: PUBLIC, id: 1, vnIndex: 4, importTargets: [sc.rtPublic], exportTargets: [sc.rtPublic] },
      { name: SVC, id: 2, vnIndex: 5, importTargets: [`target:${sc.asn}:1002`, sc.rtPublic], exportTargets: [`target:${sc.asn}:1002`] },
    ],
  };
}

/** The gateway's default route in VRF public, injected as the issue says. */
const GW_DEFAULT: Omit<VpnRouteSpec, 'routeTargets'> = { rd: `${GW}:1`, prefix: '0.0.0.0/0', label: 300, nextHop: GW };

type Host = 'a1' | 'a2' | 'a3';
const HOSTS: readonly Host[] = ['a1', 'a2', 'a3'];
const OCTET: Record<Host, number> = { a1: 21, a2: 22, a3: 23 };
/** Each agent's subscription: instance and instance-id (the assigned number of its RDs). */
const SUBSCRIPTION: Record<Host, { instance: string; id: number }> = {
  a1: { instance: PUBLIC, id: 1 }, a2: { instance: PUBLIC, id: 1 }, a3: { instance: SVC, id: 2 },
};

/** A route published by an agent in its (public) instance. */
interface AgentRoute { host: Host; prefix: string; label: number }
const FIP: AgentRoute = { host: 'a1', prefix: '198.51.100.5/32', label: 25 };
const SERVICE_A1: AgentRoute = { host: 'a1', prefix: '198.51.100.10/32', label: 31 };
const SERVICE_A2: AgentRoute = { host: 'a2', prefix: '198.51.100.10/32', label: 32 };

const addressOf = (h: Host): string => `192.0.2.${OCTET[h]}`;

let lab: Lab | undefined;
let cn: ControlNode;
let gw: GoBgp;
const agents = {} as Record<Host, LabAgent>;

// ---- the model ----------------------------------------------------------------------

const published: AgentRoute[] = [];
const connected = new Set<Host>();
let gwDefault = false;

function wire(r: AgentRoute): PublishedRoute {
  return { prefix: r.prefix, nextHop: addressOf(r.host), label: r.label, encapsulations: ['gre', 'udp'], securityGroups: [SG] };
}

async function publish(r: AgentRoute): Promise<void> {
  await agents[r.host].publish(SUBSCRIPTION[r.host].instance, wire(r));
  if (!published.includes(r)) published.push(r);
}

async function withdraw(r: AgentRoute): Promise<void> {
  await agents[r.host].withdraw(SUBSCRIPTION[r.host].instance, r.prefix);
  published.splice(published.indexOf(r), 1);
}

/** The agent's session is gone: so are its routes, from the model. */
function lost(h: Host): void {
  connected.delete(h);
  for (const r of published.filter((x) => x.host === h)) published.splice(published.indexOf(r), 1);
}

/** Connects (retrying, bounded, like a real agent) and subscribes; republishes `routes`. */
async function bringUp(h: Host, routes: readonly AgentRoute[] = []): Promise<void> {
  await waitUntil(`${h} connected to ${CN}`, async () => {
    await agents[h].connect();
    return true;
  }, 15_000, 500);
  connected.add(h);
  await agents[h].subscribe(SUBSCRIPTION[h].instance, SUBSCRIPTION[h].id);
  for (const r of routes) await publish(r);
}

// ---- views, normalised for exact comparison -------------------------------------------

const sorted = (xs: string[]): string[] => [...xs].sort();

async function gwVpnView(): Promise<string[]> {
  return sorted((await gw.vpnRoutes()).map((r) => `${r.rd} ${r.prefix} [${r.labels.join(',')}] via ${r.nextHop}`));
}

function expectedGwVpn(): string[] {
  const own = gwDefault ? [`${GW_DEFAULT.rd} ${GW_DEFAULT.prefix} [${GW_DEFAULT.label}] via ${GW}`] : [];
  return sorted([...own, ...published.map((r) => `${addressOf(r.host)}:1 ${r.prefix} [${r.label}] via ${addressOf(r.host)}`)]);
}

async function gwVrfView(): Promise<string[]> {
  return sorted((await gw.vrfRoutes('public')).map((r) => `${r.rd} ${r.prefix} via ${r.nextHop}`));
}

function expectedGwVrf(): string[] {
  const own = gwDefault ? [`${GW_DEFAULT.rd} ${GW_DEFAULT.prefix} via ${GW}`] : [];
  return sorted([...own, ...published.map((r) => `${addressOf(r.host)}:1 ${r.prefix} via ${addressOf(r.host)}`)]);
}

/** One line per item: prefix and its next hops (address/label), as the agent holds them. */
async function agentView(h: Host): Promise<string[]> {
  const items = await agents[h].routes(SUBSCRIPTION[h].instance);
  return items.map((i) => `${i.id} -> ${nextHopsOf(items, i.id).join(' ')}`).sort();
}

/** Both instances import target:<AS>:1001, so every agent sees every published route. */
function expectedAgentView(): string[] {
  const byPrefix = new Map<string, string[]>();
  if (gwDefault) byPrefix.set(GW_DEFAULT.prefix, [`${GW}/${GW_DEFAULT.label}`]);
  for (const r of published) byPrefix.set(r.prefix, [...(byPrefix.get(r.prefix) ?? []), `${addressOf(r.host)}/${r.label}`]);
  return [...byPrefix].map(([p, nhs]) => `${p} -> ${sorted(nhs).join(' ')}`).sort();
}

/** Every table — gateway VPN RIB, gateway VRF, every connected agent — is exactly what the model says. */
async function expectConverged(what: string): Promise<void> {
  await Promise.all([
    expect.poll(gwVpnView, { ...POLL, message: `${what}: gw VPN RIB` }).toEqual(expectedGwVpn()),
    expect.poll(gwVrfView, { ...POLL, message: `${what}: gw VRF public` }).toEqual(expectedGwVrf()),
    ...[...connected].map((h) => expect.poll(() => agentView(h), { ...POLL, message: `${what}: agent ${h}` }).toEqual(expectedAgentView())),
  ]);
}

async function gwUpSince(): Promise<number | undefined> {
  return sessionUpSince(gw, CN);
}

/** Our binary's log (pino JSON lines) from byte `from` on: what it says it did. */
function cnLogSince(from: number): Record<string, unknown>[] {
  const lines = readFileSync(lab!.file(cn.logFile)).subarray(from).toString('utf8').split('\n');
  lines.pop(); // empty, or a line still being written
  return lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function cnLogSize(): number {
  return statSync(lab!.file(cn.logFile)).size;
}

async function startLab(scenario: Scenario): Promise<void> {
  sc = scenario;
  published.length = 0;
  connected.clear();
  gwDefault = false;
  lab = await Lab.create([{ name: 'gw', octet: 11 }, { name: 'cn', octet: 15 }, ...HOSTS.map((h) => ({ name: h, octet: OCTET[h] }))]);
  cn = new ControlNode(lab, 'cn', cnConfig());
  gw = new GoBgp(lab, 'gw', {
    asn: sc.asn, routerId: GW, localAddress: GW, multiplePaths: true,
    vrfs: [{ name: 'public', rd: `${GW}:1`, importRts: [sc.rtPublic], exportRts: [sc.rtPublic] }],
    neighbors: [{ address: CN, peerAs: sc.asn, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3 }],
  });
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await gw.start();
  for (const h of HOSTS) agents[h] = await LabAgent.start(lab, h, { name: `compute-${OCTET[h]}`, server: { address: CN, port: 5269 } });
  await Promise.all(HOSTS.map((h) => bringUp(h)));
}

/** Sessions up, then the floating-IP scenario: the part that runs under both AS sizes. */
function startAndFloatingIp(): void {
  it('the gateway has its BGP session to the control node Established and all three agents are connected', async () => {
    await expect.poll(() => sessionStateAt(gw, CN), { ...SESSION_POLL, message: 'gw -> cn' }).toBe('established');
    for (const h of HOSTS) {
      await expect.poll(() => agents[h].state(), { ...POLL, message: `${h} connected, End-of-RIB received` })
        .toMatchObject({ connected: true, sessions: 1, stats: { endOfRib: 1 } });
    }
    await expectConverged('start');
  });

  describe('floating IP', () => {
    it('an agent\'s floating IP reaches the gateway with its next hop, label 25, RD 192.0.2.21:1, both targets, encapsulations, security group and origin VN', async () => {
      await publish(FIP);
      const rd = `${addressOf('a1')}:1`;
      await expect.poll(async () => findRoute(await gw.vpnRoutes(), rd, FIP.prefix), { ...POLL, message: 'FIP at gw' }).toEqual({
        rd, prefix: FIP.prefix, labels: [25], nextHop: '192.0.2.21', best: true,
        // gobgp JSON: {"type":3,"subtype":12,"tunnel_type":2|13} and, for origin VN 64512:4,
        // the opaque {"type":128,"subtype":113,"value":"cfwAAAAABA=="} (see gobgp.ts).
        extCommunities: sc.fipCommunities,
        // iBGP from a non-reflecting control node: no originator id, no cluster list, empty AS path;
        // MED 200 is derived from local-pref 100 (contrail-control.md §3.1).
        clusterList: [], asPath: [], localPref: 100, med: 200,
      });
      const text = (await gw.cli(['global', 'rib', '-a', 'vpnv4'])).split('\n').find((l) => l.includes(`${rd}:${FIP.prefix}`));
      expect(text).toContain(`{Extcomms: ${sc.fipGoBgpText}}`);
      const vrf = (await gw.vrfRoutes('public')).filter((r) => r.prefix === FIP.prefix);
      expect(vrf).toEqual([{ rd, prefix: FIP.prefix, nextHop: '192.0.2.21', best: false, localPref: 100, med: 200 }]);
      await expectConverged('FIP');
    });

    it('the floating IP reaches the other agents with its security group and virtual network, and every agent stays on its first session', async () => {
      for (const h of ['a2', 'a3'] as const) {
        const item = (await agents[h].routes(SUBSCRIPTION[h].instance)).find((i) => i.id === FIP.prefix);
        expect(item, `FIP at ${h}`).toMatchObject({ securityGroups: [SG], nextHops: [expect.objectContaining({ virtualNetwork: PUBLIC_VN })] });
      }
      for (const h of HOSTS) expect(await agents[h].state()).toMatchObject({ connected: true, sessions: 1 });
    });

    it('the gateway\'s default route in VRF public reaches the agents as an item with next hop 192.0.2.11 and label 300', async () => {
      await gw.announce({ ...GW_DEFAULT, routeTargets: [sc.rtPublic] });
      gwDefault = true;
      for (const h of HOSTS) {
        await expect.poll(async () => (await agents[h].routes(SUBSCRIPTION[h].instance)).find((i) => i.id === '0.0.0.0/0')?.nextHops,
          { ...POLL, message: `default route at ${h}` }).toEqual([
          // No tunnel-encapsulation community from the gateway: the control node says gre (§2.7).
          { af: 1, address: GW, mac: '', label: 300, encapsulations: ['gre'], virtualNetwork: PUBLIC_VN, tags: [], localSequenceNumber: 0 },
        ]);
      }
      await expectConverged('default route');
    });
  });
}

async function stopAgents(): Promise<void> {
  await Promise.all(Object.values(agents).map((a) => a.stop().catch(() => undefined)));
}

describe('Contrail scenarios: vRouter agents over XMPP, our control node, gobgpd as the MX gateway', () => {
  useLab({ start: () => startLab(SCENARIOS.as2), lab: () => lab, label: 'contrail scenarios', stop: stopAgents });

  startAndFloatingIp();

  describe('service ECMP', () => {
    it('two agents publishing one service address give the gateway\'s VRF two paths and an agent in svc one item with both next hops', async () => {
      await publish(SERVICE_A1);
      await publish(SERVICE_A2);
      await expect.poll(async () => (await gw.vrfRoutes('public')).filter((r) => r.prefix === SERVICE_A1.prefix).map((r) => r.nextHop).sort(),
        { ...POLL, message: 'two paths in gw VRF public' }).toEqual(['192.0.2.21', '192.0.2.22']);
      const itemsAtA3 = async (): Promise<unknown[]> => (await agents.a3.routes(SVC)).filter((i) => i.id === SERVICE_A1.prefix)
        .map((i) => ({ ...i, nextHops: [...i.nextHops].sort((x, y) => x.address.localeCompare(y.address)) }));
      await expect.poll(itemsAtA3, { ...POLL, message: 'one ECMP item at a3' }).toEqual([expect.objectContaining({
        id: SERVICE_A1.prefix,
        nextHops: [
          { af: 1, address: '192.0.2.21', mac: '', label: 31, encapsulations: ['gre', 'udp'], virtualNetwork: PUBLIC_VN, tags: [], localSequenceNumber: 0 },
          { af: 1, address: '192.0.2.22', mac: '', label: 32, encapsulations: ['gre', 'udp'], virtualNetwork: PUBLIC_VN, tags: [], localSequenceNumber: 0 },
        ],
      })]);
      await expectConverged('ECMP');
    });
  });

  describe('withdraw, agent disconnect, agent reconnect, control-node restart', () => {
    it('a withdraw at one agent shrinks the ECMP set to one path everywhere, and publishing again restores it', async () => {
      const up = await gwUpSince();
      await withdraw(SERVICE_A1);
      await expectConverged('after the withdraw');
      await publish(SERVICE_A1);
      await expectConverged('after publishing again');
      expect(await gwUpSince()).toBe(up);
    });

    it('an agent that drops its connection loses all its paths at the gateway and at the other agents, and nothing else goes', async () => {
      const up = await gwUpSince();
      await agents.a1.destroy(); // TCP gone without a stream close, like a crashed agent
      lost('a1');
      await expectConverged('after a1 dropped');
      expect(await gwUpSince()).toBe(up);
    });

    it('the agent reconnecting and republishing restores its paths everywhere and is sent the whole table again', async () => {
      await bringUp('a1', [FIP, SERVICE_A1]);
      await expectConverged('after a1 came back');
      // End-of-RIB follows once the subscriptions have settled (6 s without a subscribe).
      await expect.poll(() => agents.a1.state(), { ...POLL, message: 'a1 End-of-RIB on its second session' })
        .toMatchObject({ connected: true, sessions: 2, stats: { endOfRib: 1 } });
    });

    it('after a SIGTERM restart of the control node the gateway and the agents reconnect and every table is rebuilt with nothing stale', async () => {
      const up = await gwUpSince();
      const routes = [...published];
      const started = Date.now();
      expect(await cn.stop()).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000);
      for (const h of HOSTS) expect(await agents[h].waitClosed(5_000)).toMatchObject({ closed: true });
      for (const h of HOSTS) lost(h);
      await expect.poll(() => sessionStateAt(gw, CN), { ...POLL, message: 'gw -> cn while cn is down' }).not.toBe('established');
      await expectConverged('control node down'); // the gateway keeps only its own default route

      await cn.start();
      await expect.poll(() => sessionStateAt(gw, CN), { ...SESSION_POLL, message: 'gw -> cn after restart' }).toBe('established');
      expect(await gwUpSince()).not.toBe(up);
      await Promise.all(HOSTS.map((h) => bringUp(h, routes.filter((r) => r.host === h))));
      await expectConverged('after the restart');
    });
  });

  describe('bad XMPP input from one agent (a2) never disturbs another agent (a1, a3) or the BGP peer', () => {
    const TO = 'network-control@contrailsystems.com/bgp-peer';
    const PROBE: AgentRoute = { host: 'a1', prefix: '198.51.100.200/32', label: 200 };
    const NEXT_GOOD: AgentRoute = { host: 'a2', prefix: '198.51.100.77/32', label: 77 };
    const ANOTHER_GOOD: AgentRoute = { host: 'a2', prefix: '198.51.100.78/32', label: 78 };
    const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    let up: number | undefined;
    let logMark = 0;
    /** a2's session count when the survivable cases began: none of them may cost a reconnect. */
    let survivableSessions: number | undefined;
    /** What the control node logged about a2's session since the bad input: closes and dropped items. */
    const a2Log = (): { closed: unknown[]; dropped: unknown[]; pending: number } => {
      const mine = cnLogSince(logMark).filter((e) => e['agent'] === `compute-${OCTET.a2}`);
      return {
        closed: mine.filter((e) => e['msg'] === 'agent session closed').map((e) => e['reason']),
        dropped: mine.filter((e) => e['msg'] === 'agent item dropped').map((e) => e['reason']),
        pending: mine.filter((e) => e['msg'] === 'subscription to an unknown instance kept pending').length,
      };
    };

    /** a2 is connected, subscribed to public and part of the service ECMP set; everything converged. */
    async function badAgentReady(): Promise<void> {
      if (!connected.has('a2')) await bringUp('a2');
      if (!published.includes(SERVICE_A2)) await publish(SERVICE_A2);
      await expectConverged('before the bad input');
      up = await gwUpSince();
      expect(up).toBeDefined();
      logMark = cnLogSize();
    }

    /** The control node, the BGP session and the good agents are untouched, and a1 is still served. */
    async function othersUndisturbed(what: string): Promise<void> {
      expect(cn.pid, 'control node still running').toBeDefined();
      expect(await sessionStateAt(gw, CN)).toBe('established');
      expect(await gwUpSince(), 'the BGP session to gw was not reset').toBe(up);
      for (const h of ['a1', 'a3'] as const) expect(await agents[h].state()).toMatchObject({ connected: true });
      await publish(PROBE);
      await expectConverged(`${what}: a probe from a1`);
      await withdraw(PROBE);
      await expectConverged(`${what}: the probe withdrawn`);
    }

    /** Bad input that must close the session, and the reason our binary must log for it. */
    const closing: [string, () => Promise<void>, RegExp][] = [
      ['malformed XML', () => agents.a2.sendRaw(`<iq type="set" to="${TO}"><pubsub></iq>`), /^stream error \(not-well-formed\)/],
      ['an entity bomb', () => agents.a2.sendRaw(`<!DOCTYPE lolz [<!ENTITY lol0 "lol">${entities}]><iq type="set" to="${TO}">&lol9;</iq>`),
        /^stream error \(restricted-xml\)/],
      ['deep nesting', () => agents.a2.sendRaw(`<iq type="set" to="${TO}">${'<pubsub>'.repeat(1000)}`), /^stream error \(policy-violation\): .*nested/],
      ['a huge stanza', async () => {
        await agents.a2.sendRaw(`<iq type="set" to="${TO}"><pubsub><publish node="1/1/${PUBLIC}/198.51.100.9/32"><item><entry>`);
        await agents.a2.sendRaw('x'.repeat(64 * 1024), 32); // 2 MiB, twice the limit
      }, /^stream error \(policy-violation\): stanza larger/],
      ['a publish into an instance it never subscribed to', () => agents.a2.publish(SVC, wire({ host: 'a2', prefix: '198.51.100.11/32', label: 33 })),
        /^protocol error: publish to default-domain:admin:svc:svc without a subscription/],
    ];
    for (const [what, send, reason] of closing) {
      it(`${what} closes only that agent's session, which withdraws exactly its routes`, async () => {
        await badAgentReady();
        await send();
        expect(await agents.a2.waitClosed(5_000)).toEqual({ closed: true, reason: 'CN closed the stream' });
        lost('a2');
        await expect.poll(a2Log, { ...POLL, message: 'what the control node logged' }).toEqual({
          closed: [expect.stringMatching(reason)], dropped: [], pending: 0 });
        await expectConverged(`after ${what}`);
        await othersUndisturbed(what);
      });
    }

    /** Bad input that must not close the session, and what our binary must log for it. */
    const survivable: [string, () => Promise<void>, { dropped: string[]; pending: number }][] = [
      ['an item for an instance that does not exist (it waits, pending, for the instance)', async () => {
        const nowhere = 'default-domain:admin:nowhere:nowhere';
        await agents.a2.subscribe(nowhere, 9);
        await agents.a2.publish(nowhere, wire({ host: 'a2', prefix: '198.51.100.99/32', label: 99 }));
      }, { dropped: [], pending: 1 }],
      ['a bad prefix', async () => {
        for (const prefix of ['198.51.100.7/33', '198.51.100.300/32', 'not-an-address/32']) {
          await agents.a2.publish(PUBLIC, wire({ host: 'a2', prefix, label: 34 }));
        }
      }, { dropped: ['bad-prefix', 'bad-prefix', 'bad-prefix'], pending: 0 }],
      ['a bad label', async () => {
        await agents.a2.publish(PUBLIC, wire({ host: 'a2', prefix: '198.51.100.8/32', label: 0 }));
        await agents.a2.publish(PUBLIC, wire({ host: 'a2', prefix: '198.51.100.8/32', label: 16_777_216 }));
      }, { dropped: ['bad-label', 'bad-label'], pending: 0 }],
      ['a bad item among good ones in one publish', async () => {
        await agents.a2.publishMany(PUBLIC, [wire({ host: 'a2', prefix: '198.51.100.7/33', label: 35 }), wire(ANOTHER_GOOD),
          wire({ host: 'a2', prefix: '198.51.100.8/32', label: 0 })]);
        published.push(ANOTHER_GOOD);
      }, { dropped: ['bad-prefix', 'bad-label'], pending: 0 }],
    ];
    for (const [what, send, logged] of survivable) {
      it(`${what} leaves the session up, its routes in place and its next item served, and goes nowhere itself`, async () => {
        await badAgentReady();
        survivableSessions ??= (await agents.a2.state()).sessions;
        expect((await agents.a2.state()).sessions, 'a2 was not reconnected since the first survivable case').toBe(survivableSessions);
        await send();
        await publish(NEXT_GOOD); // processed after the bad item, on the same session
        await expectConverged(`after ${what}`); // exact: nothing of the bad item anywhere
        expect(await agents.a2.state()).toMatchObject({ connected: true });
        await expect.poll(a2Log, { ...POLL, message: 'what the control node logged' }).toEqual({ closed: [], ...logged });
        for (const r of [NEXT_GOOD, ANOTHER_GOOD]) if (published.includes(r)) await withdraw(r);
        await expectConverged(`${what}: next items withdrawn`);
        await othersUndisturbed(what);
      });
    }

    it('the bad agent\'s routes go when, and only when, its session is closed', async () => {
      // Still the session, and the route, from before the survivable cases above.
      expect(connected.has('a2') && published.includes(SERVICE_A2)).toBe(true);
      await badAgentReady();
      expect(await agents.a2.state()).toMatchObject({ connected: true, sessions: survivableSessions });
      await agents.a2.close();
      lost('a2');
      await expectConverged('after a2 closed');
      await othersUndisturbed('a2 closed');
    });
  });
});

describe('Contrail scenarios under the 4-byte AS 4200000000 (gateway in the same AS)', () => {
  useLab({ start: () => startLab(SCENARIOS.as4), lab: () => lab, label: 'contrail scenarios, 4-byte AS', stop: stopAgents });

  startAndFloatingIp();
});
