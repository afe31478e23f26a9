/**
 * Agent fidelity (issue 9, part A), in process over loopback TCP: test
 * agents send exactly what a real vRouter agent prints (every field, the
 * VM-move sequence in sequence-number under `<mobility seqno="0"/>`, C-int
 * integers, the vhost MAC, tags, the config-channel subscribe, other
 * families), and we check the paths, what reaches bgp.l3vpn.0 and what
 * comes back to agents.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { extCommunityToString, ipv4ToString, rdToString } from '../../src/bgp/wire/index.js';
import type { VpnPrefix } from '../../src/bgp/wire/types.js';
import { neighbors } from '../../src/introspect/views.js';
import { XmppServer } from '../../src/xmpp/server.js';
import { TestAgent, type RealAgentRoute } from '../support/agent.js';
import { useXmppNode } from '../support/xmpp-node.js';
import { pathsOf } from '../../src/rib/types.js';

const BLUE = 'default-domain:demo:blue:blue';
const RED = 'default-domain:demo:red:red';
const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 }, hold-time: 9 }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100] }
  - { name: "${RED}", vn-index: 2, import-targets: [target:64512:200], export-targets: [target:64512:200] }
`;

/** Tag ids as Contrail allocates them: type << 16 | id; the second is ≥ 2^31 (printed -2147418111). */
const APP_TAG = 0x00010007;
const HIGH_TAG = 0x80010001;

let logLines: string[] = [];
const node = useXmppNode(CONFIG, () => {
  logLines = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => { logLines.push(chunk.toString('utf8')); cb(); } });
  return pino({ level: 'info' }, sink);
});
const agent = (name: string, keepaliveMs = 3000): Promise<TestAgent> => node.agent(name, { keepaliveMs });

const vm = (nextHop: string, label: number, extra: Partial<RealAgentRoute> = {}): RealAgentRoute => ({
  prefix: '10.1.1.3/32', nextHop, label, virtualNetwork: 'default-domain:demo:blue', securityGroups: [8000002], ...extra,
});

/** Every VPN path for `prefix` in bgp.l3vpn.0: RD and its communities as text. */
function vpnPaths(prefix = '10.1.1.3/32'): { rd: string; communities: string[] }[] {
  const out: { rd: string; communities: string[] }[] = [];
  for (const [, dest] of node.server.peering.tables['inet-vpn']!.entries()) {
    const n = dest.nlri as VpnPrefix;
    const text = `${ipv4ToString(n.addr)}/${n.len}`;
    if (text !== prefix) continue;
    for (const p of pathsOf(dest)) out.push({ rd: rdToString(n.rd), communities: (p.attrs.attrs.extCommunities ?? []).map(extCommunityToString) });
  }
  return out.sort((a, b) => a.rd.localeCompare(b.rd));
}

function until(pred: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  return expect.poll(pred, { timeout: timeoutMs, interval: 20, message: what }).toBe(true);
}

beforeEach(() => {
  Object.assign(node.server.xmpp!.timers, { endOfRibQuietMs: 300, endOfRibCheckMs: 50, endOfRibMaxMs: 60_000 });
});

describe('sequence numbers from real agents (mobility seqno is always 0)', () => {
  it('turns a non-zero sequence-number into a MAC-mobility community and sends it back in the item', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25, { sequenceNumber: 5 }));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the item back');
    const item = a.routes(BLUE).get('10.1.1.3/32')!;
    expect(item.sequenceNumber).toBe(5);
    expect(item.mobility).toEqual({ seqno: 5, sticky: false });
    expect(vpnPaths()[0]!.communities).toContain('mobility:non-sticky:5');
  });

  it('gives a moved VM the next hop with the higher sequence, not ECMP with the old one', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25, { sequenceNumber: 5 }));
    await a.waitFor(() => a.routes(BLUE).get('10.1.1.3/32')?.nextHops[0]?.address === '192.0.2.21', 3000, 'first home');
    b.publishReal(BLUE, vm('192.0.2.22', 26, { sequenceNumber: 6 }));
    await a.waitFor(() => a.routes(BLUE).get('10.1.1.3/32')?.nextHops[0]?.address === '192.0.2.22', 3000, 'moved');
    const item = a.routes(BLUE).get('10.1.1.3/32')!;
    expect(item.nextHops.map((n) => n.address)).toEqual(['192.0.2.22']);
    expect(item.sequenceNumber).toBe(6);
  });

  it('adds no mobility community when both the sequence-number and mobility seqno are 0', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the item back');
    expect(vpnPaths()[0]!.communities.filter((c) => c.startsWith('mobility:'))).toEqual([]);
    expect(a.routes(BLUE).get('10.1.1.3/32')!.sequenceNumber).toBe(0);
  });
});

describe('tags, router MAC and local sequence number from the next hop', () => {
  it('carries next-hop tags as tag communities to BGP and back to agents in tag-list, ids ≥ 2^31 included', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25, { tags: [APP_TAG, HIGH_TAG] }));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the item back');
    expect(vpnPaths()[0]!.communities).toEqual(expect.arrayContaining([`tag:64512:${APP_TAG}`, `tag:64512:${HIGH_TAG}`]));
    expect(a.routes(BLUE).get('10.1.1.3/32')!.nextHops[0]!.tags.sort((x, y) => x - y)).toEqual([APP_TAG, HIGH_TAG]);
  });

  it('turns the vhost MAC into a router-MAC community and a local sequence number into its community', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25, { mac: '52:54:00:8A:3E:01', localSequenceNumber: 7 }));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the item back');
    expect(vpnPaths()[0]!.communities).toEqual(expect.arrayContaining(['rtrmac:52:54:00:8a:3e:01', 'local_sequence_number:7']));
  });

  it('adds no router-MAC community for an all-zero MAC and none for local sequence number 0', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25, { mac: '00:00:00:00:00:00' }));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the item back');
    expect(vpnPaths()[0]!.communities.filter((c) => c.startsWith('rtrmac:') || c.startsWith('local_sequence'))).toEqual([]);
  });
});

describe('integers printed as C int', () => {
  it('accepts negative security groups, tags and sequences and reads them modulo 2^32 instead of dropping the item', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25, { securityGroups: [0x80000005], tags: [HIGH_TAG], sequenceNumber: 0xfffffffe }));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the item back');
    const session = node.server.xmpp!.byName.get('compute-1')!.session!;
    expect(session.stats.dropped.size).toBe(0);
    expect(vpnPaths()[0]!.communities).toEqual(expect.arrayContaining([
      `secgroup:64512:${0x80000005}`, `tag:64512:${HIGH_TAG}`, `mobility:non-sticky:${0xfffffffe}`,
    ]));
    expect(a.routes(BLUE).get('10.1.1.3/32')!.sequenceNumber).toBe(0xfffffffe);
  });
});

describe('End-of-RIB once subscriptions have settled', () => {
  it('sends End-of-RIB to an agent that subscribed to nothing, after the quiet period', async () => {
    const a = await agent('compute-1');
    const started = Date.now();
    await a.waitFor(() => a.stats.endOfRib === 1, 3000, 'End-of-RIB');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('waits for the quiet period after the last subscribe, not the first flush, and sends it after both dumps', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    b.subscribe(BLUE, 1);
    b.subscribe(RED, 2);
    b.publishReal(BLUE, vm('192.0.2.22', 26));
    b.publishReal(RED, vm('192.0.2.22', 27, { prefix: '10.2.2.2/32' }));
    a.subscribe(BLUE, 1);
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'blue dump');
    expect(a.stats.endOfRib).toBe(0);
    const lastSubscribe = Date.now();
    a.subscribe(RED, 2);
    await a.waitFor(() => a.stats.endOfRib === 1, 3000, 'End-of-RIB');
    expect(Date.now() - lastSubscribe).toBeGreaterThanOrEqual(250);
    expect(a.routes(RED).has('10.2.2.2/32')).toBe(true);
  });

  it('sends it at the maximum even while subscribes keep coming', async () => {
    Object.assign(node.server.xmpp!.timers, { endOfRibQuietMs: 60_000, endOfRibMaxMs: 400 });
    const a = await agent('compute-1');
    let n = 0;
    const more = setInterval(() => a.subscribe(`default-domain:demo:vn${n}:vn${n++}`, 10 + n), 50);
    try {
      await a.waitFor(() => a.stats.endOfRib === 1, 3000, 'End-of-RIB at the maximum');
    } finally {
      clearInterval(more);
    }
    expect(n).toBeGreaterThan(3);
    expect(node.server.xmpp!.byName.get('compute-1')!.session!.endOfRibSent).toBe(true);
  });
});

describe('the config channel', () => {
  it('closes only the session of an agent that asks for config, with the reason logged, and keeps a later session without it', async () => {
    const other = await agent('compute-2');
    other.subscribe(BLUE, 1);
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    a.publishReal(BLUE, vm('192.0.2.21', 25));
    await other.waitFor(() => other.routes(BLUE).has('10.1.1.3/32'), 3000, "compute-1's route");
    a.subscribeConfig();
    await a.closed;
    await other.waitFor(() => !other.routes(BLUE).has('10.1.1.3/32'), 3000, "compute-1's route withdrawn");
    expect(node.server.xmpp!.closeReasons.get('refused')).toBe(1);
    expect(logLines.some((l) => l.includes('config channel not served') && l.includes('compute-1'))).toBe(true);
    const again = await agent('compute-1');
    again.subscribe(BLUE, 1);
    again.publishReal(BLUE, vm('192.0.2.21', 25));
    await other.waitFor(() => other.routes(BLUE).has('10.1.1.3/32'), 3000, 'the route from the new session');
    expect(node.server.xmpp!.byName.get('compute-2')?.state).toBe('established');
    expect(node.server.xmpp!.byName.get('compute-1')?.state).toBe('established');
  });
});

describe('families this control node does not carry', () => {
  it('keeps the session, counts items per family in introspect and metrics, and logs once per agent and family at info', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    const evpn = '<entry>\n<nlri>\n<af>25</af>\n<safi>242</safi>\n<mac>02:00:00:00:00:03</mac>\n<address>10.1.1.3/32</address>\n</nlri>\n</entry>\n';
    const mcast = '<entry>\n<nlri>\n<af>1</af>\n<safi>241</safi>\n<group>239.1.1.1</group>\n<source>0.0.0.0</source>\n</nlri>\n</entry>\n';
    a.publishOtherFamily(BLUE, '25/242/02:00:00:00:00:03,10.1.1.3/32', evpn);
    a.publishOtherFamily(BLUE, '25/242/02:00:00:00:00:04,10.1.1.4/32', evpn);
    a.publishOtherFamily(BLUE, `1/241/${BLUE}/239.1.1.1,0.0.0.0`, mcast);
    a.publishOtherFamily(BLUE, `1/5/${BLUE}/3-10.0.0.1:1,239.1.1.1,0.0.0.0`, mcast);
    a.publishOtherFamily(BLUE, `1/4/${BLUE}/10.9.9.9/32`, mcast);
    a.publishReal(BLUE, vm('192.0.2.21', 25));
    await a.waitFor(() => a.routes(BLUE).has('10.1.1.3/32'), 3000, 'the inet route after them');
    const session = node.server.xmpp!.byName.get('compute-1')!.session!;
    expect(Object.fromEntries(session.stats.unsupported)).toEqual({ '25/242': 2, '1/241': 1, '1/5': 1, '1/4': 1 });
    expect(session.stats.dropped.size).toBe(0);
    const view = neighbors(node.server).find((n) => (n as { name: string }).name === 'compute-1') as { unsupportedFamilies: object };
    expect(view.unsupportedFamilies).toEqual({ '25/242': 2, '1/241': 1, '1/5': 1, '1/4': 1 });
    expect(Object.fromEntries(node.server.xmpp!.unsupportedItems)).toEqual({ '25/242': 2, '1/241': 1, '1/5': 1, '1/4': 1 });
    const logged = logLines.map((l) => JSON.parse(l) as { level: number; family?: string; agent?: string }).filter((l) => l.family !== undefined);
    expect(logged.map((l) => `${l.agent} ${l.family} ${l.level}`).sort()).toEqual([
      'compute-1 1/241 30', 'compute-1 1/4 30', 'compute-1 1/5 30', 'compute-1 25/242 30',
    ]);
  });
});

describe('hold time', () => {
  it("never closes a session that keeps the agent's pace within the larger hold time, and closes a silent one after it", async () => {
    const xmpp = new XmppServer({
      listen: { address: '127.0.0.1', port: 0 }, holdTimeSec: 0.5, serverName: 'cn-test', asn: 64512,
      rib: node.server.rib, manager: node.server.instances, logger: pino({ level: 'silent' }), timers: { agentHoldTimeSec: 3 },
    });
    const { port } = await xmpp.start();
    try {
      const paced = await TestAgent.connect({ host: '127.0.0.1', port, name: 'paced', keepaliveMs: 1000 });
      const silent = await TestAgent.connect({ host: '127.0.0.1', port, name: 'silent', keepaliveMs: 600_000 });
      node.track(paced, silent);
      const started = Date.now();
      await silent.closed;
      expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
      await paced.waitFor(() => paced.stats.keepalivesSent >= 4, 6000, 'four keepalives at the agent pace');
      expect(xmpp.byName.get('paced')?.state).toBe('established');
      expect(xmpp.closeReasons.get('hold timer expired')).toBe(1);
    } finally {
      await xmpp.stop();
    }
  });
});
