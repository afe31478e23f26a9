/**
 * Two control nodes as a cluster (issue 12), every process in its own network namespace:
 *   gw   192.0.2.11  gobgpd as the MX gateway: VRF public (rd 192.0.2.11:1, target:64512:1001),
 *                   iBGP with inet-vpn + route-target to both control nodes
 *   cn1  192.0.2.15  our control node: iBGP to gw and to cn2 (no cluster id: a full mesh, no
 *                   reflection, contrail-control.md §5.3), XMPP on :5269, introspect on :8083,
 *                   instance public (id 1, vn-index 4, target:64512:1001)
 *   cn2  192.0.2.16  the same, peering with gw and cn1
 *   a1..a3 192.0.2.21..23  vRouter agents; each runs two XMPP sessions with the same agent
 *                   name, one to each control node, and publishes the same routes to both,
 *                   as real agents do (§7)
 * One control node is killed with SIGKILL while the gateway's RIBs and the agents' views
 * from the other node are read every 100 ms: no route may be absent at any sample. It is
 * then restarted: every table — both nodes' bgp.l3vpn.0 and public.inet.0 (their own JSON
 * introspect), the gateway's RIBs, every agent's items — must be exactly as before the
 * kill, and as the model says. The tests run in order and build on each other.
 */
import { describe, expect, it } from 'vitest';
import { ControlNode, GoBgp, Lab, LabAgent, nextHopsOf, sessionStateAt, sessionUpSince, sleep, useLab, waitUntil } from './lab/index.js';
import type { CnConfig, PublishedRoute, VpnRoute, VpnRouteSpec } from './lab/index.js';

const ASN = 64512;
const GW = '192.0.2.11';
const RT = 'target:64512:1001';
const PUBLIC = 'default-domain:admin:public:public';
const SG = 8000002;
const POLL = { timeout: 10_000, interval: 200 } as const;
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;
/**
 * The gap watch samples every 100 ms; samples further apart than this could hide a gap (the
 * retract and UPDATE counters of `churnAt` cover what falls between samples).
 */
const MAX_SAMPLE_SPACING_MS = 1_000;

type Cn = 'cn1' | 'cn2';
const CNS: readonly Cn[] = ['cn1', 'cn2'];
const CN_ADDRESS: Record<Cn, string> = { cn1: '192.0.2.15', cn2: '192.0.2.16' };
const other = (c: Cn): Cn => (c === 'cn1' ? 'cn2' : 'cn1');

type Host = 'a1' | 'a2' | 'a3';
const HOSTS: readonly Host[] = ['a1', 'a2', 'a3'];
const OCTET: Record<Host, number> = { a1: 21, a2: 22, a3: 23 };
const addressOf = (h: Host): string => `192.0.2.${OCTET[h]}`;
const agentName = (h: Host): string => `compute-${OCTET[h]}`;

function cnConfig(me: Cn): CnConfig {
  const peer = other(me);
  return {
    node: { name: me, routerId: CN_ADDRESS[me], asn: ASN },
    bgp: {
      listen: { address: CN_ADDRESS[me], port: 179 },
      holdTime: 90,
      peers: [
        { name: 'gw', address: GW, asn: ASN, families: ['inet-vpn', 'route-target'] },
        { name: peer, address: CN_ADDRESS[peer], asn: ASN, families: ['inet-vpn', 'route-target'] },
      ],
    },
    xmpp: { listen: { address: CN_ADDRESS[me], port: 5269 } },
    introspect: { listen: { address: CN_ADDRESS[me], port: 8083 } },
    routingInstances: [{ name: PUBLIC, id: 1, vnIndex: 4, importTargets: [RT], exportTargets: [RT] }],
  };
}

/** The gateway's default route in VRF public. */
const GW_DEFAULT: VpnRouteSpec = { rd: `${GW}:1`, prefix: '0.0.0.0/0', label: 300, nextHop: GW, routeTargets: [RT] };

/** A route published by an agent in public (to every control node it is connected to). */
interface AgentRoute { host: Host; prefix: string; label: number }
const FIP: AgentRoute = { host: 'a1', prefix: '198.51.100.5/32', label: 25 };
const SERVICE_A1: AgentRoute = { host: 'a1', prefix: '198.51.100.10/32', label: 31 };
const SERVICE_A2: AgentRoute = { host: 'a2', prefix: '198.51.100.10/32', label: 32 };
const VM_A3: AgentRoute = { host: 'a3', prefix: '198.51.100.20/32', label: 41 };

let lab: Lab | undefined;
let gw: GoBgp;
const cn = {} as Record<Cn, ControlNode>;
/** Per host, one agent runner per control node (same agent name, same namespace). */
const agents = {} as Record<Host, Record<Cn, LabAgent>>;

// ---- the model ----------------------------------------------------------------------

const published: AgentRoute[] = [];
/** XMPP sessions up, as `host@cn`. */
const sessions = new Set<string>();
const running = new Set<Cn>();
let gwDefault = false;

const session = (h: Host, c: Cn): string => `${h}@${c}`;

function wire(r: AgentRoute): PublishedRoute {
  return { prefix: r.prefix, nextHop: addressOf(r.host), label: r.label, encapsulations: ['gre', 'udp'], securityGroups: [SG] };
}

/** Publishes on every session the agent has, as a real agent does. */
async function publish(r: AgentRoute): Promise<void> {
  for (const c of CNS) if (sessions.has(session(r.host, c))) await agents[r.host][c].publish(PUBLIC, wire(r));
  if (!published.includes(r)) published.push(r);
}

/** Connects (retrying, bounded, like a real agent) to control node `c`, subscribes and republishes. */
async function bringUp(h: Host, c: Cn): Promise<void> {
  await waitUntil(`${h} connected to ${c}`, async () => {
    await agents[h][c].connect();
    return true;
  }, 15_000, 500);
  sessions.add(session(h, c));
  await agents[h][c].subscribe(PUBLIC, 1);
  for (const r of published.filter((x) => x.host === h)) await agents[h][c].publish(PUBLIC, wire(r));
}

/** Routes control node `c` has from its own agents (XMPP). */
const xmppAt = (c: Cn): AgentRoute[] => (running.has(c) ? published.filter((r) => sessions.has(session(r.host, c))) : []);

/** Routes `c` has at all: its agents' and, over iBGP, the other node's agents'. */
function knownAt(c: Cn): AgentRoute[] {
  const peer = other(c);
  const viaPeer = running.has(c) && running.has(peer) ? xmppAt(peer) : [];
  return [...xmppAt(c), ...viaPeer.filter((r) => !xmppAt(c).includes(r))];
}

// ---- views, normalised for exact comparison -------------------------------------------

const sorted = (xs: string[]): string[] => [...xs].sort();
const rdOf = (r: AgentRoute): string => `${addressOf(r.host)}:1`;
const vpnLine = (r: Pick<VpnRoute, 'rd' | 'prefix' | 'labels' | 'nextHop'>): string => `${r.rd} ${r.prefix} [${r.labels.join(',')}] via ${r.nextHop}`;
const agentVpnLine = (r: AgentRoute): string => `${rdOf(r)} ${r.prefix} [${r.label}] via ${addressOf(r.host)}`;
const gwDefaultLine = `${GW_DEFAULT.rd} ${GW_DEFAULT.prefix} [${GW_DEFAULT.label}] via ${GW}`;

/** What the gateway holds from control node `c`: exactly `c`'s own agents' routes (no reflection, §5.3). */
async function gwFrom(c: Cn): Promise<string[]> {
  return sorted((await gw.adjInVpn(CN_ADDRESS[c])).map(vpnLine));
}

function expectedGwFrom(c: Cn): string[] {
  return sorted(xmppAt(c).map(agentVpnLine));
}

/** Every path of the gateway's VPN RIB (one per control node that sent it, plus its own). */
async function gwVpnView(): Promise<string[]> {
  return sorted((await gw.vpnRoutes()).map(vpnLine));
}

function expectedGwVpn(): string[] {
  return sorted([...(gwDefault ? [gwDefaultLine] : []), ...CNS.flatMap((c) => xmppAt(c).map(agentVpnLine))]);
}

/** The gateway's VRF public, one line per source route (gobgp keys VRF paths by RD:prefix). */
async function gwVrfView(): Promise<string[]> {
  return sorted([...new Set((await gw.vrfRoutes('public')).map((r) => `${r.rd} ${r.prefix} via ${r.nextHop}`))]);
}

function expectedGwVrf(): string[] {
  const own = gwDefault ? [`${GW_DEFAULT.rd} ${GW_DEFAULT.prefix} via ${GW}`] : [];
  const agentsRoutes = [...new Set(CNS.flatMap((c) => xmppAt(c)))];
  return sorted([...own, ...agentsRoutes.map((r) => `${rdOf(r)} ${r.prefix} via ${addressOf(r.host)}`)]);
}

/** One line per item the agent's session to `c` holds: prefix and its next hops (address/label). */
async function agentView(h: Host, c: Cn): Promise<string[]> {
  const items = await agents[h][c].routes(PUBLIC);
  return items.map((i) => `${i.id} -> ${nextHopsOf(items, i.id).join(' ')}`).sort();
}

/** Every route `c` knows, as one item per prefix with the ECMP set of every agent publishing it. */
function expectedAgentView(c: Cn): string[] {
  const byPrefix = new Map<string, string[]>();
  if (gwDefault && running.has(c)) byPrefix.set(GW_DEFAULT.prefix, [`${GW}/${GW_DEFAULT.label}`]);
  for (const r of knownAt(c)) byPrefix.set(r.prefix, [...(byPrefix.get(r.prefix) ?? []), `${addressOf(r.host)}/${r.label}`]);
  return [...byPrefix].map(([p, nhs]) => `${p} -> ${sorted(nhs).join(' ')}`).sort();
}

interface IntrospectPath {
  protocol: string; source: string; best: boolean; ecmp: boolean; nextHop?: string; labels: number[];
  originatorId?: string; clusterList?: string[]; replicatedFrom?: string; infeasible?: string;
}
interface IntrospectRoutes { routes: { prefix: string; paths: IntrospectPath[] }[]; more: boolean }

const VPN_TABLE = 'bgp.l3vpn.0';
const VRF_TABLE = `${PUBLIC}.inet.0`;

/**
 * A control node's two tables as its JSON introspect shows them, one line per path:
 * table, prefix, protocol, source, next hop, labels, and `*>` best / `*=` ECMP / `*` other.
 */
async function cnView(c: Cn): Promise<string[]> {
  const lines: string[] = [];
  for (const table of [VPN_TABLE, VRF_TABLE]) {
    const res = (await cn[c].api(`/api/routes?table=${encodeURIComponent(table)}&limit=1000`)) as IntrospectRoutes;
    expect(res.more, `${c} ${table} fits one page`).toBe(false);
    for (const r of res.routes) {
      for (const p of r.paths) {
        const mark = p.best ? '*>' : p.ecmp ? '*=' : '*';
        const extra = [p.originatorId && `originator ${p.originatorId}`, p.clusterList?.length && `clusters ${p.clusterList.join(',')}`,
          p.infeasible && `infeasible ${p.infeasible}`].filter(Boolean).join(' ');
        lines.push(`${table} ${r.prefix} ${mark} ${p.protocol} ${p.source} ${p.nextHop ?? '-'} [${p.labels.join(',')}]${extra ? ` ${extra}` : ''}`);
      }
    }
  }
  return lines.sort();
}

/**
 * What control node `c`'s tables must hold, path by path (contrail-control.md §3.6, §5.3).
 * bgp.l3vpn.0: each own agent's route (XMPP, best) with the other node's copy of it beside it
 * (iBGP, ECMP-equal: it only loses at "XMPP before BGP"), the other node's agents' routes it
 * has over iBGP alone (best), and the gateway's route. public.inet.0: per prefix the own
 * agents' paths and, imported from bgp.l3vpn.0, every iBGP path of the other node (all
 * ECMP-equal paths are replicated), and the gateway's route; an XMPP path is best when
 * there is one (the lowest agent address), and every path is ECMP.
 */
function expectedCnView(c: Cn): string[] {
  if (!running.has(c)) return [];
  const peer = other(c);
  const mine = xmppAt(c);
  const theirs = running.has(peer) ? xmppAt(peer) : [];
  const lines: string[] = [];
  const nhl = (r: AgentRoute): string => `${addressOf(r.host)} [${r.label}]`;
  for (const r of new Set([...mine, ...theirs])) {
    const vpn = `${VPN_TABLE} ${rdOf(r)}:${r.prefix}`;
    if (mine.includes(r)) lines.push(`${vpn} *> XMPP ${agentName(r.host)} ${nhl(r)}`);
    if (theirs.includes(r)) lines.push(`${vpn} ${mine.includes(r) ? '*=' : '*>'} BGP ${peer} ${nhl(r)}`);
  }
  if (gwDefault) lines.push(`${VPN_TABLE} ${GW_DEFAULT.rd}:${GW_DEFAULT.prefix} *> BGP gw ${GW} [${GW_DEFAULT.label}]`);
  const byPrefix = new Map<string, string[]>();
  const add = (prefix: string, path: string): void => void byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), path]);
  for (const r of mine) add(r.prefix, `XMPP ${agentName(r.host)} ${nhl(r)}`);
  for (const r of theirs) add(r.prefix, `BGP ${peer} ${nhl(r)}`);
  if (gwDefault) add(GW_DEFAULT.prefix, `BGP gw ${GW} [${GW_DEFAULT.label}]`);
  for (const [prefix, paths] of byPrefix) {
    // 'BGP' sorts before 'XMPP': the best is the first XMPP path if any, else the only BGP path.
    const ordered = [...sorted(paths.filter((p) => p.startsWith('XMPP'))), ...sorted(paths.filter((p) => p.startsWith('BGP')))];
    ordered.forEach((p, i) => lines.push(`${VRF_TABLE} ${prefix} ${i === 0 ? '*>' : '*='} ${p}`));
  }
  return lines.sort();
}

/** Every table — both nodes, the gateway's RIBs, every agent session — is exactly what the model says. */
async function expectConverged(what: string): Promise<void> {
  await Promise.all([
    expect.poll(gwVpnView, { ...POLL, message: `${what}: gw VPN RIB` }).toEqual(expectedGwVpn()),
    expect.poll(gwVrfView, { ...POLL, message: `${what}: gw VRF public` }).toEqual(expectedGwVrf()),
    ...CNS.filter((c) => running.has(c)).flatMap((c) => [
      expect.poll(() => gwFrom(c), { ...POLL, message: `${what}: gw adj-in from ${c}` }).toEqual(expectedGwFrom(c)),
      expect.poll(() => cnView(c), { ...POLL, message: `${what}: ${c} tables` }).toEqual(expectedCnView(c)),
    ]),
    ...HOSTS.flatMap((h) => CNS.filter((c) => sessions.has(session(h, c))).map((c) =>
      expect.poll(() => agentView(h, c), { ...POLL, message: `${what}: agent ${h} via ${c}` }).toEqual(expectedAgentView(c)))),
  ]);
}

/** Everything a test can read, for before/after comparisons. */
async function snapshot(): Promise<Record<string, string[]>> {
  const snap: Record<string, string[]> = { gwVpn: await gwVpnView(), gwVrf: await gwVrfView() };
  for (const c of CNS) {
    snap[`${c} tables`] = await cnView(c);
    snap[`gw from ${c}`] = await gwFrom(c);
  }
  for (const h of HOSTS) for (const c of CNS) snap[`${h} via ${c}`] = await agentView(h, c);
  return snap;
}

interface BgpNeighborView { name: string; encoding: string; state: string; updatesOut: number }

async function bgpNeighborAt(c: Cn, peer: string): Promise<BgpNeighborView | undefined> {
  const ns = (await cn[c].api('/api/neighbors')) as BgpNeighborView[];
  return ns.find((n) => n.encoding === 'BGP' && n.name === peer);
}

/** State of `c`'s BGP session to `peer` as its introspect shows it. */
async function bgpStateAt(c: Cn, peer: string): Promise<string | undefined> {
  return (await bgpNeighborAt(c, peer))?.state;
}

/**
 * What can reveal a withdrawal too brief for the 100 ms samples: the retracts each agent's
 * session to `c` has received, and the UPDATEs `c` has sent the gateway.
 */
async function churnAt(c: Cn): Promise<{ retracts: Record<string, number>; updatesToGw: number | undefined }> {
  const retracts: Record<string, number> = {};
  for (const h of HOSTS) retracts[h] = (await agents[h][c].state()).stats?.retracts ?? -1;
  return { retracts, updatesToGw: (await bgpNeighborAt(c, 'gw'))?.updatesOut };
}

// ---- the gap watch ------------------------------------------------------------------

interface GapWatch {
  /** Ends the watch; resolves with every sample at which something expected was absent. */
  stop(): Promise<{ gaps: string[]; samples: number; maxSpacingMs: number }>;
}

/**
 * Reads, every 100 ms, the gateway's VPN RIB and VRF and the items of every agent's session
 * to `survivor`, and records each sample where a route the model expects is absent: at the
 * gateway, every agent route with at least one path (and the VRF entry); at the agents, every
 * item with its whole ECMP set. The expectations are taken now, before anything is done.
 */
function watchForGaps(survivor: Cn): GapWatch {
  const wantGw = [...new Set(xmppAt(survivor).map(agentVpnLine))];
  const wantVrf = expectedGwVrf();
  const wantAgent = expectedAgentView(survivor);
  const gaps: string[] = [];
  let samples = 0;
  let maxSpacingMs = 0;
  let stopping = false;
  const started = Date.now();
  const loop = (async () => {
    let last = Date.now();
    while (!stopping && Date.now() - started < 120_000) {
      const t = Date.now();
      const [vpn, vrf, ...views] = await Promise.all([
        gwVpnView(), gwVrfView(), ...HOSTS.map((h) => agentView(h, survivor)),
      ]);
      samples++;
      const at = `t=${t - started}ms`;
      for (const want of wantGw) if (!vpn.includes(want)) gaps.push(`${at} gw VPN RIB: no path for ${want}`);
      for (const want of wantVrf) if (!vrf.includes(want)) gaps.push(`${at} gw VRF public: no ${want}`);
      HOSTS.forEach((h, i) => {
        const view = views[i]!;
        for (const want of wantAgent) if (!view.includes(want)) gaps.push(`${at} agent ${h} via ${survivor}: not ${want} (has ${view.find((v) => v.startsWith(want.split(' ')[0]!)) ?? 'nothing'})`);
      });
      const now = Date.now();
      maxSpacingMs = Math.max(maxSpacingMs, now - last);
      last = now;
      await sleep(Math.max(0, 100 - (now - t)));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return { gaps, samples, maxSpacingMs };
    },
  };
}

async function startLab(): Promise<void> {
  lab = await Lab.create([
    { name: 'gw', octet: 11 }, { name: 'cn1', octet: 15 }, { name: 'cn2', octet: 16 },
    ...HOSTS.map((h) => ({ name: h, octet: OCTET[h] })),
  ]);
  for (const c of CNS) cn[c] = new ControlNode(lab, c, cnConfig(c));
  gw = new GoBgp(lab, 'gw', {
    asn: ASN, routerId: GW, localAddress: GW, multiplePaths: true,
    vrfs: [{ name: 'public', rd: `${GW}:1`, importRts: [RT], exportRts: [RT] }],
    neighbors: CNS.map((c) => ({ address: CN_ADDRESS[c], peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3 })),
  });
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  for (const c of CNS) {
    await cn[c].start();
    running.add(c);
  }
  await gw.start();
  for (const h of HOSTS) {
    const l = lab;
    agents[h] = Object.fromEntries(await Promise.all(CNS.map(async (c) => [c, await LabAgent.start(l, h, {
      name: agentName(h), server: { address: CN_ADDRESS[c], port: 5269 }, logName: `${h}-${c}-agent.log`,
    })]))) as Record<Cn, LabAgent>;
  }
}

async function stopAgents(): Promise<void> {
  await Promise.all(Object.values(agents).flatMap((byCn) => Object.values(byCn)).map((a) => a.stop().catch(() => undefined)));
}

describe('Two control nodes as an iBGP full mesh: gobgpd and every agent keep every route through one when the other is killed', () => {
  useLab({ start: startLab, lab: () => lab, label: 'two control nodes', stop: stopAgents });

  it('the gateway is Established with both control nodes and the control nodes with each other', async () => {
    for (const c of CNS) {
      await expect.poll(() => sessionStateAt(gw, CN_ADDRESS[c]), { ...SESSION_POLL, message: `gw -> ${c}` }).toBe('established');
      await expect.poll(() => bgpStateAt(c, other(c)), { ...SESSION_POLL, message: `${c} -> ${other(c)}` }).toBe('Established');
    }
  });

  it('a route an agent publishes to one control node reaches the gateway from that node alone, and the other node\'s agents over iBGP', async () => {
    await bringUp('a1', 'cn1');
    await bringUp('a2', 'cn2');
    await publish(FIP);
    await expectConverged('a1 on cn1 only');
    // cn2 learned FIP from cn1 over iBGP: it gives it to its agent a2 but never to the gateway.
    expect(await gwFrom('cn2')).toEqual([]);
    expect(await agentView('a2', 'cn2')).toEqual([`${FIP.prefix} -> ${addressOf('a1')}/${FIP.label}`]);
    const [fromCn1] = await gw.adjInVpn(CN_ADDRESS.cn1);
    // No reflection between non-reflecting nodes: no ORIGINATOR_ID, no CLUSTER_LIST, empty AS path.
    expect(fromCn1).toMatchObject({ rd: rdOf(FIP), prefix: FIP.prefix, labels: [25], nextHop: addressOf('a1'), clusterList: [], asPath: [], localPref: 100 });
    expect(fromCn1?.originatorId).toBeUndefined();
  });

  it('with every agent on both control nodes, the gateway has each agent route twice (once from each node) and every agent session the same items', async () => {
    for (const h of HOSTS) for (const c of CNS) if (!sessions.has(session(h, c))) await bringUp(h, c);
    for (const r of [SERVICE_A1, SERVICE_A2, VM_A3]) await publish(r);
    await gw.announce(GW_DEFAULT);
    gwDefault = true;
    await expectConverged('every agent on both nodes');
    for (const c of CNS) {
      expect(await gwFrom(c)).toEqual(sorted([FIP, SERVICE_A1, SERVICE_A2, VM_A3].map(agentVpnLine)));
    }
    const ecmp = `${SERVICE_A1.prefix} -> ${addressOf('a1')}/${SERVICE_A1.label} ${addressOf('a2')}/${SERVICE_A2.label}`;
    for (const h of HOSTS) for (const c of CNS) expect(await agentView(h, c), `${h} via ${c}`).toContain(ecmp);
  });

  for (const victim of ['cn2', 'cn1'] as const) {
    const survivor = other(victim);
    describe(`${victim} killed with SIGKILL, then restarted`, () => {
      let before: Record<string, string[]>;
      /** When the gateway's session to the survivor came up: it must never be reset. */
      let gwToSurvivorSince: number | undefined;

      it(`while ${victim} dies no route is ever absent at the gateway or at an agent's session to ${survivor}, and the ECMP sets stay whole`, async () => {
        await expectConverged(`before killing ${victim}`);
        before = await snapshot();
        const survivorSessions = await Promise.all(HOSTS.map(async (h) => (await agents[h][survivor].state()).sessions));
        gwToSurvivorSince = await sessionUpSince(gw, CN_ADDRESS[survivor]);
        expect(gwToSurvivorSince).toBeDefined();
        const churn = await churnAt(survivor);
        expect(churn.updatesToGw, `${survivor} has sent the gateway its routes`).toBeGreaterThan(0);
        const watch = watchForGaps(survivor);
        await sleep(1_000);
        expect(await cn[victim].kill()).toBe('SIGKILL');
        running.delete(victim);
        for (const h of HOSTS) {
          expect(await agents[h][victim].waitClosed(5_000), `${h}'s session to ${victim}`).toMatchObject({ closed: true });
          sessions.delete(session(h, victim));
        }
        await expect.poll(() => sessionStateAt(gw, CN_ADDRESS[victim]), { ...POLL, message: `gw -> ${victim} down` }).not.toBe('established');
        await expect.poll(() => bgpStateAt(survivor, victim), { ...POLL, message: `${survivor} -> ${victim} down` }).not.toBe('Established');
        await expectConverged(`${victim} dead`);
        await sleep(2_000);
        const { gaps, samples, maxSpacingMs } = await watch.stop();
        console.info(`gap watch while ${victim} died: ${samples} samples, largest spacing ${maxSpacingMs} ms, ${gaps.length} gaps; ${survivor} before: ${JSON.stringify(churn)}`);
        expect(gaps).toEqual([]);
        expect(samples).toBeGreaterThan(20);
        expect(maxSpacingMs).toBeLessThan(MAX_SAMPLE_SPACING_MS);
        // Nothing was withdrawn even between samples: no retract to an agent, no UPDATE to the gateway.
        expect(await churnAt(survivor)).toEqual(churn);
        // The agents' sessions to the survivor were never dropped or reopened.
        for (const [i, h] of HOSTS.entries()) {
          expect(await agents[h][survivor].state(), `${h} via ${survivor}`).toMatchObject({ connected: true, sessions: survivorSessions[i] });
        }
      });

      it(`${victim} restarted re-learns everything, with no gap meanwhile, and every table at both nodes, the gateway and the agents is exactly as before the kill`, async () => {
        const churn = await churnAt(survivor);
        const watch = watchForGaps(survivor);
        await cn[victim].start();
        running.add(victim);
        await expect.poll(() => sessionStateAt(gw, CN_ADDRESS[victim]), { ...SESSION_POLL, message: `gw -> ${victim} after restart` }).toBe('established');
        await expect.poll(() => bgpStateAt(victim, survivor), { ...SESSION_POLL, message: `${victim} -> ${survivor} after restart` }).toBe('Established');
        await Promise.all(HOSTS.map((h) => bringUp(h, victim)));
        await expectConverged(`${victim} restarted`);
        const { gaps, samples } = await watch.stop();
        console.info(`gap watch while ${victim} restarted: ${samples} samples, ${gaps.length} gaps`);
        expect(gaps).toEqual([]);
        expect(await churnAt(survivor)).toEqual(churn);
        expect(await snapshot()).toEqual(before);
        expect(await sessionUpSince(gw, CN_ADDRESS[survivor]), `gw -> ${survivor} never reset`).toBe(gwToSurvivorSince);
      });
    });
  }
});
