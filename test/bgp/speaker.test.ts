/**
 * BgpSpeaker: the glue between sessions and the RIB, over real TCP on
 * loopback. Each simulated peer is a RawBgpPeer (the project's own codec)
 * connecting from its own 127.0.0.x address to a speaker whose peers are all
 * passive; the speaker runs on a master BgpPeering as the server builds it.
 * Covered: UPDATE → RIB → reflected UPDATE, session end → withdrawals,
 * RFC 7606 treat-as-withdraw reaching the RIB, the route-target End-of-RIB
 * hold (RFC 4684 §6, Contrail's 30 s fallback, shortened here through
 * `rtcEorWaitMs`), and flushing with backpressure (a peer that stops reading
 * holds up nobody and is served once it reads again), and the output cap: a
 * stuck peer holds at most OUTPUT_CAP and one drain round under churn, is
 * caught up to exactly the table once it reads, and is ended by the send
 * hold timer (shortened through the peer's `sendHoldTime`) if it never does.
 */

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BgpSpeaker, DRAIN_BATCH, OUTPUT_CAP } from '../../src/bgp/speaker.js';
import { encodeEndOfRib, parseRouteTarget, rdToString } from '../../src/bgp/wire/index.js';
import type { BgpMessage, CodecContext, PathAttributes, UpdateMessage, VpnPrefix } from '../../src/bgp/wire/types.js';
import type { BgpPeerOptions } from '../../src/bgp/options.js';
import type { FamilyName } from '../../src/bgp/wire/types.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { ip, masterPeering } from '../rib/support.js';

const ASN = 64512;
const LOCAL = { routerId: ip('10.0.0.1'), asn: ASN, clusterId: ip('10.255.0.1'), reflector: true };
const RT1 = parseRouteTarget('target:64512:1')!;
const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128', '1/132']) };
const GR = { code: 64 as const, restarting: false, notification: false, restartTime: 120, families: [] };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface PeerSpec {
  name: string;
  /** 127.0.0.x: the peer connects from here, and the speaker knows it by it. */
  address: string;
  families: FamilyName[];
  /** RFC 9687 send hold time, seconds (default: the session's, 480 s or more). */
  sendHoldTime?: number;
}

async function speaker(specs: readonly PeerSpec[], rtcEorWaitMs?: number) {
  const peering = masterPeering(LOCAL);
  const peers: BgpPeerOptions[] = specs.map((p) => ({
    name: p.name, address: p.address, asn: ASN, port: 179, passive: true, routeReflectorClient: true, families: p.families,
    ...(p.sendHoldTime === undefined ? {} : { sendHoldTime: p.sendHoldTime }),
  }));
  const s = new BgpSpeaker(peering, {
    name: 'cn', asn: ASN, routerId: LOCAL.routerId, logger: pino({ level: 'silent' }),
    bgp: { listen: { address: '127.0.0.1', port: 0 }, holdTime: 90, connectRetry: 1, peers },
    ...(rtcEorWaitMs === undefined ? {} : { rtcEorWaitMs }),
  });
  const { port } = await s.start();
  cleanups.push(() => s.stop());
  return { speaker: s, peering, port };
}

/** Connects a raw peer from `address` and brings its session up; `extra` capabilities go into its OPEN. */
async function up(port: number, address: string, families: string[], extra: Parameters<typeof openFor>[3] = [], timeoutMs = 8000): Promise<RawBgpPeer> {
  const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: address, timeoutMs });
  cleanups.push(() => peer.destroy());
  await peer.handshake(openFor(ASN, ip(address) + 0x0a000000 - ip('127.0.0.0'), families, extra), true);
  return peer;
}

function vpnUpdate(rd: string, prefix: string, label: number, extra: PathAttributes = {}): UpdateMessage {
  const [a, l] = prefix.split('/');
  const [admin, assigned] = rd.split(':');
  const rdv = (1n << 48n) | (BigInt(ip(admin!)) << 16n) | BigInt(Number(assigned));
  return {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: [RT1], ...extra },
    mpReach: { afi: 1, safi: 128, family: 'inet-vpn', nextHop: ip('192.0.2.100'), nlri: [{ family: 'inet-vpn', labels: [label], rd: rdv, addr: ip(a!), len: Number(l) }] },
  };
}

/** 200 communities: about 850 bytes of attributes per route. */
const BULKY = Array.from({ length: 200 }, (_, i) => 0xfc000000 + i);

/**
 * Route n of a bulk load: 10.x.y.0/24 with its own MED, so that no two routes
 * share an attribute set and each goes out in an UPDATE of its own.
 */
function bulkRoute(n: number): UpdateMessage {
  const prefix = `10.${(n >>> 8) & 255}.${n & 255}.0/24`;
  return vpnUpdate('192.0.2.2:1', prefix, 16 + (n % 1000), { med: n, communities: BULKY });
}

const key = (n: VpnPrefix): string => `${rdToString(n.rd)}:${n.addr >>> 24}.${(n.addr >>> 16) & 255}.${(n.addr >>> 8) & 255}.${n.addr & 255}/${n.len}`;

const views = new WeakMap<readonly BgpMessage[], { seen: number; view: Map<string, PathAttributes> }>();

/** A peer's current view of the VPN routes it was sent: key → attributes (kept up to date incrementally). */
function vpnView(received: readonly BgpMessage[]): Map<string, PathAttributes> {
  let v = views.get(received);
  if (!v) views.set(received, (v = { seen: 0, view: new Map() }));
  const { view } = v;
  for (; v.seen < received.length; v.seen++) {
    const m = received[v.seen]!;
    if (m.type !== 'update') continue;
    if (m.mpUnreach?.family === 'inet-vpn') for (const n of m.mpUnreach.nlri as VpnPrefix[]) view.delete(key(n));
    if (m.mpReach?.family === 'inet-vpn') for (const n of m.mpReach.nlri as VpnPrefix[]) view.set(key(n), m.attrs);
  }
  return view;
}

const A = { name: 'a', address: '127.0.0.2', families: ['inet-vpn'] } as const satisfies PeerSpec;
const B = { name: 'b', address: '127.0.0.3', families: ['inet-vpn'] } as const satisfies PeerSpec;
const C = { name: 'c', address: '127.0.0.4', families: ['inet-vpn', 'route-target'] } as const satisfies PeerSpec;
const ROUTE = '192.0.2.2:1:198.18.10.0/24';

describe('BgpSpeaker between sessions and the RIB', () => {
  it('puts a client\'s UPDATE into the RIB and reflects it to another client with the sender\'s BGP identifier as ORIGINATOR_ID', async () => {
    const { peering, port } = await speaker([A, B]);
    const a = await up(port, A.address, ['1/128']);
    const b = await up(port, B.address, ['1/128']);
    a.send(vpnUpdate('192.0.2.2:1', '198.18.10.0/24', 1001));
    await b.until('the reflected route', (got) => vpnView(got).has(ROUTE));
    expect(peering.tables['inet-vpn']!.size).toBe(1);
    const attrs = vpnView(b.received).get(ROUTE)!;
    expect(attrs.originatorId).toBe(ip('10.0.0.2')); // a's OPEN identifier, not its address 127.0.0.2
    expect(attrs.clusterList).toEqual([LOCAL.clusterId]);
    expect(vpnView(a.received).has(ROUTE)).toBe(false); // never back to its source
  });

  it('withdraws a client\'s routes from the RIB and from the other clients when its session ends', async () => {
    const { peering, port } = await speaker([A, B]);
    const a = await up(port, A.address, ['1/128']);
    const b = await up(port, B.address, ['1/128']);
    a.send(vpnUpdate('192.0.2.2:1', '198.18.10.0/24', 1001));
    await b.until('the reflected route', (got) => vpnView(got).has(ROUTE));
    a.destroy();
    await b.until('the withdrawal', (got) => !vpnView(got).has(ROUTE));
    expect(peering.tables['inet-vpn']!.size).toBe(0);
  });

  it('takes an UPDATE with an invalid ORIGIN as a withdrawal of its route (RFC 7606), keeping the session and the client\'s other routes', async () => {
    const { speaker: s, peering, port } = await speaker([A, B]);
    const a = await up(port, A.address, ['1/128']);
    const b = await up(port, B.address, ['1/128']);
    a.send(vpnUpdate('192.0.2.2:1', '198.18.10.0/24', 1001));
    a.send(vpnUpdate('192.0.2.2:2', '198.18.11.0/24', 1002));
    await b.until('both routes', (got) => vpnView(got).size === 2);
    a.send(vpnUpdate('192.0.2.2:1', '198.18.10.0/24', 1001, { origin: 5 }));
    await b.until('the withdrawal', (got) => !vpnView(got).has(ROUTE));
    expect([...vpnView(b.received).keys()]).toEqual(['192.0.2.2:2:198.18.11.0/24']);
    expect(peering.tables['inet-vpn']!.size).toBe(1);
    expect(s.peers.get('a')!.session.stateName).toBe('Established');
    expect(s.peers.get('a')!.session.stats.faults.withdraw).toBe(1);
    expect(a.received.some((m) => m.type === 'notification')).toBe(false);
  });
});

describe('VPN advertisement to a route-target peer (RFC 4684 §6)', () => {
  const membership = (): UpdateMessage => ({
    type: 'update', withdrawn: [], nlri: [], attrs: { origin: 0, asPath: [], localPref: 100 },
    mpReach: { afi: 1, safi: 132, family: 'route-target', nextHop: ip('10.0.0.4'), nlri: [{ family: 'route-target', len: 96, originAs: ASN, target: RT1 }] },
  });

  it('waits for the peer\'s route-target End-of-RIB when it promised one, then sends the routes it asked for', async () => {
    const { speaker: s, peering, port } = await speaker([A, B, C]);
    const a = await up(port, A.address, ['1/128']);
    const b = await up(port, B.address, ['1/128']);
    const c = await up(port, C.address, ['1/128', '1/132'], [GR]);
    c.send(membership());
    a.send(vpnUpdate('192.0.2.2:1', '198.18.10.0/24', 1001));
    await b.until('the route at b', (got) => vpnView(got).has(ROUTE));
    await expect.poll(() => peering.tables['route-target']!.size).toBeGreaterThan(0);
    // Held: c is in no VPN update group yet, and nothing VPN was sent to it.
    const cRib = s.peers.get('c')!.rib;
    expect(cRib.vpnHeld).toBe(true);
    expect(cRib.groups.has('inet-vpn')).toBe(false);
    expect(vpnView(c.received).size).toBe(0);

    c.sendRaw(encodeEndOfRib({ afi: 1, safi: 132 }));
    await c.until('the route after End-of-RIB', (got) => vpnView(got).has(ROUTE));
    expect(cRib.vpnHeld).toBe(false);
  });

  it('sends the routes when the fallback timer fires if the End-of-RIB never comes', async () => {
    const { speaker: s, port } = await speaker([A, C], 50);
    const a = await up(port, A.address, ['1/128']);
    a.send(vpnUpdate('192.0.2.2:1', '198.18.10.0/24', 1001));
    const c = await up(port, C.address, ['1/128', '1/132'], [GR]);
    c.send(membership());
    await c.until('the route without End-of-RIB', (got) => vpnView(got).has(ROUTE));
    expect(s.peers.get('c')!.rib.vpnHeld).toBe(false);
    expect(s.peers.get('c')!.rib.eorReceived.has('route-target')).toBe(false);
  });

  it('does not wait at all for a peer that did not advertise graceful restart, which promises no End-of-RIB', async () => {
    const { speaker: s, port } = await speaker([A, C]);
    const a = await up(port, A.address, ['1/128']);
    a.send(vpnUpdate('192.0.2.2:1', '198.18.10.0/24', 1001));
    const c = await up(port, C.address, ['1/128', '1/132']);
    c.send(membership());
    await c.until('the route', (got) => vpnView(got).has(ROUTE));
    expect(s.peers.get('c')!.rib.vpnHeld).toBe(false);
  });
});

describe('flushing UPDATEs with backpressure', () => {
  it('keeps serving the other clients while one has stopped reading, and catches that one up once it reads again', async () => {
    const { speaker: s, port } = await speaker([A, B, { name: 'd', address: '127.0.0.5', families: ['inet-vpn'] }]);
    const a = await up(port, A.address, ['1/128']);
    const b = await up(port, B.address, ['1/128'], [], 30_000);
    const d = await up(port, '127.0.0.5', ['1/128'], [], 30_000);
    d.socket.pause();
    // ~8 MB per peer: about twice what loopback's socket buffers hold for a reader that has stopped.
    const TOTAL = 9_000;
    for (let n = 0; n < TOTAL; n++) a.send(bulkRoute(n));
    await b.until(`all ${TOTAL} routes at b`, (got) => vpnView(got).size === TOTAL);
    // d pushed back: the speaker marked it blocked, and it has far from everything.
    expect(s.peers.get('d')!.blocked).toBe(true);
    expect(vpnView(d.received).size).toBeLessThan(TOTAL);
    d.socket.resume();
    await d.until(`all ${TOTAL} routes at d`, (got) => vpnView(got).size === TOTAL);
    expect(s.peers.get('d')!.session.stateName).toBe('Established');
  });
});

/** Withdrawals of VPN routes, 200 to an UPDATE (labels do not matter in MP_UNREACH). */
function vpnWithdraw(rd: string, prefixes: readonly string[]): UpdateMessage[] {
  const out: UpdateMessage[] = [];
  for (let i = 0; i < prefixes.length; i += 200) {
    const nlri = prefixes.slice(i, i + 200).map((p) => vpnUpdate(rd, p, 0).mpReach!.nlri[0] as VpnPrefix);
    out.push({ type: 'update', withdrawn: [], nlri: [], attrs: {}, mpUnreach: { afi: 1, safi: 128, family: 'inet-vpn', nlri } });
  }
  return out;
}

const bulkPrefix = (n: number): string => `10.${(n >>> 8) & 255}.${n & 255}.0/24`;
const smallPrefix = (n: number): string => `172.${16 + (n >>> 8)}.${n & 255}.0/24`;

/** 3000 bytes of an unrecognised optional transitive attribute: bulky UPDATEs that cost little to decode. */
const BLOB = [{ flags: 0xc0, code: 250, value: new Uint8Array(3000).fill(7) }];
const BULK = 3600;
const ROUNDS = 4;
/** The MED route 10.0.1.0/24 has after the last round: b has seen the end of the churn. */
const LAST_MED = (ROUNDS - 1) * BULK + 1;

/**
 * A stuck peer's test bed: a feeds, b reads, d stops reading after it got
 * SMALL routes (RD 192.0.2.2:2). The churn then changes every SMALL route's
 * attributes or withdraws it, and runs ROUNDS rounds over BULK bulky routes
 * (RD 192.0.2.2:1, ~3.1 kB an UPDATE): announce all with new MEDs,
 * withdraw a third. Returns what the table must hold at the end (route
 * key → MED) and the largest writableLength d's socket had after any write.
 */
async function stuckPeerChurn(sendHoldTime?: number) {
  const D = { name: 'd', address: '127.0.0.5', families: ['inet-vpn'], ...(sendHoldTime === undefined ? {} : { sendHoldTime }) } satisfies PeerSpec;
  const { speaker: s, port } = await speaker([A, B, D]);
  const a = await up(port, A.address, ['1/128']);
  const b = await up(port, B.address, ['1/128'], [], 40_000);
  const d = await up(port, D.address, ['1/128'], [], 40_000);
  const SMALL = 400;
  const want = new Map<string, number>();
  for (let n = 0; n < SMALL; n++) {
    a.send(vpnUpdate('192.0.2.2:2', smallPrefix(n), 100, { med: n }));
    want.set(`192.0.2.2:2:${smallPrefix(n)}`, n);
  }
  await d.until(`the ${SMALL} small routes at d`, (got) => vpnView(got).size === SMALL);
  const e = s.peers.get('d')!;
  let peak = 0;
  let given = 0;
  const write = e.session.writeMany.bind(e.session);
  e.session.writeMany = (chunks) => {
    const ok = write(chunks);
    for (const c of chunks) given += c.length;
    peak = Math.max(peak, e.session.writableLength);
    return ok;
  };
  d.socket.pause();
  const bFrom = b.raw.length;

  // Half the small routes go, the other half change attributes: d must end up with exactly that.
  const gone = Array.from({ length: SMALL / 2 }, (_, n) => smallPrefix(n));
  for (const m of vpnWithdraw('192.0.2.2:2', gone)) a.send(m);
  for (const p of gone) want.delete(`192.0.2.2:2:${p}`);
  for (let n = SMALL / 2; n < SMALL; n++) {
    a.send(vpnUpdate('192.0.2.2:2', smallPrefix(n), 100, { med: 10_000 + n }));
    want.set(`192.0.2.2:2:${smallPrefix(n)}`, 10_000 + n);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (let n = 0; n < BULK; n++) {
      a.send(vpnUpdate('192.0.2.2:1', bulkPrefix(n), 16 + (n % 1000), { med: r * BULK + n, unknown: BLOB }));
      want.set(`192.0.2.2:1:${bulkPrefix(n)}`, r * BULK + n);
    }
    const third = Array.from({ length: BULK / 3 }, (_, i) => bulkPrefix(3 * i + (r % 3)));
    for (const m of vpnWithdraw('192.0.2.2:1', third)) a.send(m);
    for (const p of third) want.delete(`192.0.2.2:1:${p}`);
  }
  /** Bytes of UPDATEs b got, and bytes written to d's socket, since d stopped reading. */
  const churn = () => ({ toB: b.raw.slice(bFrom).reduce((n, m) => n + m.length, 0), toD: given });
  return { s, a, b, d, e, want, peak: () => peak, churn };
}

const medsOf = (view: Map<string, PathAttributes>): Map<string, number | undefined> => new Map([...view].map(([k, v]) => [k, v.med]));

/** The peer's view is exactly `want` (route key → MED). */
function holds(received: readonly BgpMessage[], want: ReadonlyMap<string, number>): boolean {
  const v = vpnView(received);
  return v.size === want.size && [...want].every(([k, med]) => v.get(k)?.med === med);
}

describe('a peer that stops reading (output cap)', () => {
  it('keeps the live member of its update group served while the stuck one holds no more than the cap and one drain round', async () => {
    const { b, d, e, want, peak, churn } = await stuckPeerChurn();
    await b.until('the churned table at b', (got) => holds(got, want));
    expect(medsOf(vpnView(b.received))).toEqual(want);
    expect(vpnView(b.received).get('192.0.2.2:1:10.0.1.0/24')?.med).toBe(LAST_MED);
    // One drain round of these UPDATEs (each the largest b saw) is what the speaker may add past the cap.
    const largest = Math.max(...b.raw.map((m) => m.length));
    const bound = OUTPUT_CAP + DRAIN_BATCH * largest;
    expect(peak()).toBeGreaterThan(OUTPUT_CAP);
    expect(peak()).toBeLessThanOrEqual(bound);
    expect(e.session.writableLength).toBeLessThanOrEqual(bound);
    // Without the cap d would have been given every byte b got; it was given what the kernel and the cap took.
    const { toB, toD } = churn();
    expect(toB - toD).toBeGreaterThan(2 * OUTPUT_CAP);
    expect(e.rib.outPaused).toBe(true);
    expect(e.rib.groups.get('inet-vpn')!.stepOf(e.rib)).toMatchObject({ behind: true, paused: true });
    expect(vpnView(d.received).size).toBeLessThan(want.size + 200);
  }, 60_000);

  it('brings the stuck peer, once it reads again, to exactly the table: withdrawn routes gone, changed ones at their last attributes', async () => {
    const { a, b, d, e, want } = await stuckPeerChurn();
    await b.until('the churned table at b', (got) => holds(got, want));
    // d had all the small routes; half of them were withdrawn while it read nothing.
    d.socket.resume();
    await d.until('d in step with the table', (got) => holds(got, want));
    expect(medsOf(vpnView(d.received))).toEqual(want);
    expect(vpnView(d.received).has('192.0.2.2:2:172.16.0.0/24')).toBe(false);
    expect(vpnView(d.received).get('192.0.2.2:2:172.16.200.0/24')?.med).toBe(10_200);
    await expect.poll(() => e.rib.groups.get('inet-vpn')!.stepOf(e.rib)).toEqual({ behind: false, paused: false, held: 0 });
    expect(e.rib.outPaused).toBe(false);
    expect(e.session.stateName).toBe('Established');
    // In step again: a new route reaches d with b's bytes, through the group.
    a.send(vpnUpdate('192.0.2.2:3', '198.18.10.0/24', 1001, { med: 7 }));
    await d.until('a new route at d', (got) => vpnView(got).get('192.0.2.2:3:198.18.10.0/24')?.med === 7);
  }, 60_000);

  it('ends the session of a peer that never reads again when its send hold timer expires, and keeps the others', async () => {
    const { s, b, e, want } = await stuckPeerChurn(2);
    await b.until('the churned table at b', (got) => holds(got, want));
    await expect.poll(() => e.session.stats.lastDownReason, { timeout: 10_000 }).toBe('send-hold-timer-expired');
    expect(e.rib.up).toBe(false);
    expect(e.session.writableLength).toBe(0);
    expect(s.peers.get('b')!.session.stateName).toBe('Established');
  }, 60_000);
});
