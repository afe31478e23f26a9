/**
 * BgpSession over real TCP on 127.0.0.1 (random free ports): establishment,
 * UPDATE exchange, hold and send-hold timers (RFC 4271 §6.5, RFC 9687),
 * header errors (1/1), connection collisions (RFC 4271 §6.8), Cease on stop
 * (RFC 4486), RFC 7606 treat-as-withdraw, and failure containment.
 * A scripted raw peer plays the misbehaving side where needed.
 */

import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BgpSession } from '../../src/bgp/session/index.js';
import type { DownReason, Negotiated, SessionConfig, SessionHandler, StateName, UpdateAction } from '../../src/bgp/session/index.js';
import { decodeMessage, encodeKeepalive, encodeMessage, frame } from '../../src/bgp/wire/index.js';
import type { BgpMessage, CodecContext, Fault, OpenMessage, UpdateMessage } from '../../src/bgp/wire/types.js';

// ---------------------------------------------------------------- harness

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Recorder {
  readonly handler: SessionHandler;
  readonly established: Negotiated[];
  readonly updates: Array<{ msg: UpdateMessage; action: UpdateAction; faults: readonly Fault[] }>;
  readonly downs: Array<{ reason: DownReason; detail: string; from: StateName }>;
  drains: number;
}

function recorder(over: Partial<SessionHandler> = {}): Recorder {
  const r: Recorder = {
    established: [],
    updates: [],
    downs: [],
    drains: 0,
    handler: {
      established: (n) => r.established.push(n),
      update: (msg, action, faults) => r.updates.push({ msg, action, faults }),
      routeRefresh: () => undefined,
      down: (reason, detail, from) => r.downs.push({ reason, detail, from }),
      drain: () => r.drains++,
      ...over,
    },
  };
  return r;
}

/** A listener on a random port that hands every connection to `target()`. */
async function listener(target: () => ((s: net.Socket) => void) | undefined): Promise<number> {
  const server = net.createServer((s) => {
    const t = target();
    if (t) t(s);
    else s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as net.AddressInfo).port;
}

const A_ID = 0x0a000001;
const B_ID = 0x0a000002;

function session(cfg: Partial<SessionConfig> & Pick<SessionConfig, 'peerPort'>, rec: Recorder): BgpSession {
  const s = new BgpSession(
    {
      name: 'peer',
      localAs: 64512,
      routerId: A_ID,
      peerAddress: '127.0.0.1',
      peerAs: 64513,
      passive: false,
      holdTime: 90,
      connectRetry: 1,
      lingerMs: 200,
      families: ['inet', 'inet-vpn'],
      ...cfg,
    },
    rec.handler,
  );
  cleanups.push(() => s.stop());
  return s;
}

/** Two BgpSessions pointed at each other, each with its own listener. */
async function pair(aCfg: Partial<SessionConfig> = {}, bCfg: Partial<SessionConfig> = {}, aOver: Partial<SessionHandler> = {}) {
  let a: BgpSession | undefined;
  let b: BgpSession | undefined;
  const portA = await listener(() => a && ((s) => a?.accept(s)));
  const portB = await listener(() => b && ((s) => b?.accept(s)));
  const ra = recorder(aOver);
  const rb = recorder();
  a = session({ peerPort: portB, ...aCfg }, ra);
  b = session({ peerPort: portA, localAs: 64513, peerAs: 64512, routerId: B_ID, ...bCfg }, rb);
  return { a, b, ra, rb, portA, portB };
}

async function established(...sessions: BgpSession[]): Promise<void> {
  await vi.waitFor(() => {
    for (const s of sessions) expect(s.stateName).toBe('Established');
  }, { timeout: 8000, interval: 20 });
}

const PRE_CTX: CodecContext = { fourOctetAs: false, ebgp: true, families: new Set() };
const CTX: CodecContext = { fourOctetAs: true, ebgp: true, families: new Set(['1/1', '1/128']) };

/** A scripted BGP speaker over a raw socket: sends what it is told, records what it gets. */
class RawPeer {
  readonly received: BgpMessage[] = [];
  closed = false;
  private pending = new Uint8Array(0);

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
    cleanups.push(() => socket.destroy());
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  send(msg: BgpMessage): void {
    this.socket.write(encodeMessage(msg, msg.type === 'open' ? PRE_CTX : CTX));
  }

  async next(type: BgpMessage['type'], count = 1): Promise<BgpMessage> {
    let found: BgpMessage | undefined;
    await vi.waitFor(() => {
      const all = this.received.filter((m) => m.type === type);
      expect(all.length).toBeGreaterThanOrEqual(count);
      found = all[count - 1];
    }, { timeout: 8000, interval: 10 });
    return found as BgpMessage;
  }

  /** OPEN both ways, then our KEEPALIVE: the session under test becomes Established. */
  async handshake(open: OpenMessage = peerOpen()): Promise<void> {
    this.send(open);
    await this.next('open');
    await this.next('keepalive');
    this.send({ type: 'keepalive' });
  }

  private onData(chunk: Buffer): void {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending);
    buf.set(chunk, this.pending.length);
    const f = frame(buf);
    for (const m of f.messages) {
      const d = decodeMessage(m, CTX);
      if (d.value) this.received.push(d.value);
    }
    this.pending = buf.slice(f.consumed);
  }
}

function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: 64513,
    holdTime: 90,
    bgpId: 0x0a000009,
    capabilities: [
      { code: 1, afi: 1, safi: 1 },
      { code: 1, afi: 1, safi: 128 },
      { code: 2 },
      { code: 65, asn: 64513 },
    ],
    ...over,
  };
}

/** A passive session under test and its listener port, for a raw peer to connect to. */
async function passiveSession(cfg: Partial<SessionConfig> = {}, over: Partial<SessionHandler> = {}) {
  let s: BgpSession | undefined;
  const port = await listener(() => s && ((sock) => s?.accept(sock)));
  const rec = recorder(over);
  s = session({ peerPort: 1, passive: true, ...cfg }, rec);
  s.start();
  return { s, rec, port };
}

const UPDATE: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attrs: { origin: 0, asPath: [{ type: 2, asns: [64512] }], nextHop: 0xc0000201 },
  nlri: [{ family: 'inet' as const, addr: 0x0a010000, len: 16 }],
};

const notificationOf = (m: BgpMessage) => (m.type === 'notification' ? { code: m.code, subcode: m.subcode } : undefined);

// ---------------------------------------------------------------- tests

describe('BgpSession over TCP', () => {
  it('an active and a passive session reach Established and exchange an UPDATE', async () => {
    const { a, b, ra, rb } = await pair({}, { passive: true });
    b.start();
    a.start();
    await established(a, b);
    expect(ra.established[0]).toMatchObject({ peerAs: 64513, peerBgpId: B_ID, holdTime: 90, keepalive: 30, fourOctetAs: true });
    expect(ra.established[0]?.families).toEqual([{ afi: 1, safi: 1 }, { afi: 1, safi: 128 }]);
    expect(rb.established[0]).toMatchObject({ peerAs: 64512, peerBgpId: A_ID });
    const n = ra.established[0] as Negotiated;
    expect(a.write(encodeMessage(UPDATE, n.codec))).toBe(true);
    await vi.waitFor(() => expect(rb.updates).toHaveLength(1));
    expect(rb.updates[0]).toMatchObject({ action: 'none', faults: [], msg: { nlri: UPDATE.nlri, attrs: { nextHop: 0xc0000201 } } });
    expect(b.stats.updatesIn).toBe(1);
    expect(a.stats.updatesOut).toBe(1);
    expect(a.connections()).toHaveLength(1);
  });

  it('the hold timer expiring brings the session down with 4/0 sent', async () => {
    const { s, rec, port } = await passiveSession({ holdTime: 3 });
    const peer = await RawPeer.connect(port);
    await peer.handshake(peerOpen({ holdTime: 3 }));
    await established(s);
    // The peer now stays silent; our keepalives keep flowing every second.
    const note = await peer.next('notification');
    expect(notificationOf(note)).toEqual({ code: 4, subcode: 0 });
    expect(rec.downs).toEqual([{ reason: 'hold-timer-expired', from: 'Established', detail: 'hold timer expired' }]);
    expect(peer.received.filter((m) => m.type === 'keepalive').length).toBeGreaterThanOrEqual(2);
    await vi.waitFor(() => expect(peer.closed).toBe(true));
    expect(s.stats.flaps).toBe(1);
  });

  it('a peer sending a bad marker gets 1/1 and goes down while another session stays up', async () => {
    const healthy = await pair({}, { passive: true });
    healthy.b.start();
    healthy.a.start();
    await established(healthy.a, healthy.b);
    const { s, rec, port } = await passiveSession();
    const peer = await RawPeer.connect(port);
    await peer.handshake();
    await established(s);

    const bad = new Uint8Array(19);
    bad[17] = 19;
    bad[18] = 4;
    peer.socket.write(bad);
    expect(notificationOf(await peer.next('notification'))).toEqual({ code: 1, subcode: 1 });
    await vi.waitFor(() => expect(rec.downs).toHaveLength(1));
    expect(rec.downs[0]).toMatchObject({ reason: 'decode-error', from: 'Established' });
    expect(s.stats.faults.reset).toBe(1);

    expect(healthy.a.stateName).toBe('Established');
    expect(healthy.b.stateName).toBe('Established');
    healthy.a.write(encodeMessage(UPDATE, CTX));
    await vi.waitFor(() => expect(healthy.rb.updates).toHaveLength(1));
  });

  it('an UPDATE with an invalid ORIGIN is delivered as treat-as-withdraw and the session stays up', async () => {
    const { s, rec, port } = await passiveSession();
    const peer = await RawPeer.connect(port);
    await peer.handshake();
    await established(s);
    peer.send({ ...UPDATE, attrs: { ...UPDATE.attrs, origin: 5 } });
    await vi.waitFor(() => expect(rec.updates).toHaveLength(1));
    expect(rec.updates[0]?.action).toBe('withdraw');
    expect(rec.updates[0]?.faults).toEqual([expect.objectContaining({ action: 'withdraw', attr: 1, code: 3, subcode: 6 })]);
    expect(s.stats.faults.withdraw).toBeGreaterThan(0);
    expect(s.stateName).toBe('Established');
    expect(peer.received.some((m) => m.type === 'notification')).toBe(false);
  });

  it('stop() sends Cease 6/2 and the other side sees notification-received', async () => {
    const { a, b, ra, rb } = await pair({}, { passive: true });
    b.start();
    a.start();
    await established(a, b);
    await a.stop(2, 'maintenance window');
    expect(ra.downs).toEqual([{ reason: 'admin-stop', from: 'Established', detail: 'administratively stopped: maintenance window' }]);
    await vi.waitFor(() => expect(rb.downs).toHaveLength(1));
    expect(rb.downs[0]).toMatchObject({ reason: 'notification-received', from: 'Established' });
    expect(rb.downs[0]?.detail).toContain('6/2');
    expect(rb.downs[0]?.detail).toContain('maintenance window');
    expect(b.stats.lastNotificationReceived).toMatchObject({ code: 6, subcode: 2 });
    expect(a.stateName).toBe('Idle');
    // A stopped session stays down: no reconnect after the retry time. The witness that a retry
    // time has passed is a session started after the stop, with the same 1 s retry, pointed at a
    // closed port: once it has tried twice, a's own timer (armed earlier) would have fired too.
    const closedPort = await listener(() => undefined).then(async (p) => {
      await cleanups.pop()?.(); // close that listener again: connections to p are refused
      return p;
    });
    const witness = session({ peerPort: closedPort }, recorder());
    witness.start();
    await vi.waitFor(() => expect(witness.stats.connectAttempts).toBeGreaterThanOrEqual(2), { timeout: 8000, interval: 20 });
    expect(a.stateName).toBe('Idle');
    expect(a.stats.connectAttempts).toBe(1);
  });

  it('an exception thrown by the handler resets only that session, which then recovers', async () => {
    let calls = 0;
    const { a, b, ra, rb } = await pair({}, { passive: true }, {
      update: () => {
        calls++;
        if (calls === 1) throw new Error('handler bug');
      },
    });
    b.start();
    a.start();
    await established(a, b);
    b.write(encodeMessage(UPDATE, CTX));
    await vi.waitFor(() => expect(rb.downs).toHaveLength(1));
    expect(rb.downs[0]).toMatchObject({ reason: 'notification-received' });
    expect(b.stats.lastNotificationReceived).toMatchObject({ code: 6, subcode: 8 });
    expect(ra.downs[0]).toMatchObject({ reason: 'notification-sent', detail: 'internal error: handler bug' });
    expect(a.stats.lastError).toBe('internal error: handler bug');
    // Both come back after the idle-hold time and the next UPDATE goes through.
    await vi.waitFor(() => expect(ra.established).toHaveLength(2), { timeout: 8000 });
    await established(a, b);
    b.write(encodeMessage(UPDATE, CTX));
    await vi.waitFor(() => expect(calls).toBe(2));
  });

  it('a burst of many messages in few reads is processed, and writeMany reports backpressure then drain', async () => {
    const { a, b, ra, rb } = await pair({}, { passive: true });
    b.start();
    a.start();
    await established(a, b);
    const before = b.stats.keepalivesIn;
    const ka = encodeKeepalive();
    const chunk = new Uint8Array(ka.length * 4096);
    for (let i = 0; i < 4096; i++) chunk.set(ka, i * ka.length);
    const chunks = Array.from({ length: 64 }, () => chunk); // 262144 messages, ~5 MB
    expect(a.writeMany(chunks)).toBe(false);
    await vi.waitFor(() => expect(ra.drains).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(b.stats.keepalivesIn - before).toBeGreaterThanOrEqual(262_144), { timeout: 10_000 });
    expect(a.stats.updatesOut).toBe(262_144); // counted per message, whatever their type
    expect(b.stateName).toBe('Established');
    expect(rb.downs).toHaveLength(0);
  });

  it('the send hold timer closes a session whose peer stopped reading, with 8/0 (RFC 9687)', async () => {
    const { s, rec, port } = await passiveSession({ sendHoldTime: 1 });
    const peer = await RawPeer.connect(port);
    await peer.handshake();
    await established(s);
    peer.socket.pause();
    const mb = new Uint8Array(1 << 20);
    for (let i = 0; i < 24; i++) s.write(mb);
    await vi.waitFor(() => expect(rec.downs).toHaveLength(1), { timeout: 8000 });
    expect(rec.downs[0]).toMatchObject({ reason: 'send-hold-timer-expired', from: 'Established' });
    expect(s.stats.lastNotificationSent).toMatchObject({ code: 8, subcode: 0 });
    await vi.waitFor(() => expect(s.connections()).toHaveLength(0));
  });
});

describe('connection collisions (RFC 4271 §6.8)', () => {
  it('two active sessions started at once end with exactly one shared connection', async () => {
    const { a, b, ra, rb } = await pair();
    a.start();
    b.start();
    await established(a, b);
    // The losing connection of the collision is closed (6/7) shortly after: wait for that.
    await vi.waitFor(() => {
      expect(a.connections()).toHaveLength(1);
      expect(b.connections()).toHaveLength(1);
    }, { timeout: 8000, interval: 20 });
    expect(a.stateName).toBe('Established');
    expect(b.stateName).toBe('Established');
    const [ca, ...restA] = a.connections();
    const [cb, ...restB] = b.connections();
    expect(restA).toEqual([]);
    expect(restB).toEqual([]);
    expect(ca?.localPort).toBe(cb?.remotePort);
    expect(ca?.remotePort).toBe(cb?.localPort);
    expect(ra.established).toHaveLength(1);
    expect(rb.established).toHaveLength(1);
  });

  /** A (active, id 10.0.0.1) connects to a raw peer that also connects back to A. */
  async function collide(peerId: number) {
    let a: BgpSession | undefined;
    const portA = await listener(() => a && ((s) => a?.accept(s)));
    const accepted: RawPeer[] = [];
    const portR = await listener(() => (s) => accepted.push(new RawPeer(s)));
    const rec = recorder();
    a = session({ peerPort: portR }, rec);
    a.start();
    await vi.waitFor(() => expect(accepted).toHaveLength(1));
    const aOutbound = accepted[0] as RawPeer; // the connection A initiated
    const aInbound = await RawPeer.connect(portA); // the one the peer initiated
    await aOutbound.next('open');
    await aInbound.next('open');
    const open = peerOpen({ bgpId: peerId });
    aOutbound.send(open);
    aInbound.send(open);
    return { a, rec, aOutbound, aInbound };
  }

  it('keeps the connection the peer initiated when the peer has the higher BGP identifier', async () => {
    const { a, rec, aOutbound, aInbound } = await collide(0x0a000009);
    expect(notificationOf(await aOutbound.next('notification'))).toEqual({ code: 6, subcode: 7 });
    await aInbound.next('keepalive');
    aInbound.send({ type: 'keepalive' });
    await established(a);
    expect(a.connections().map((c) => c.origin)).toEqual(['inbound']);
    expect(a.stats.collisions).toBe(1);
    expect(rec.downs).toEqual([]);
    expect(aInbound.received.some((m) => m.type === 'notification')).toBe(false);
  });

  it('keeps the connection we initiated when our BGP identifier is higher', async () => {
    const { a, rec, aOutbound, aInbound } = await collide(0x01000001);
    expect(notificationOf(await aInbound.next('notification'))).toEqual({ code: 6, subcode: 7 });
    await aOutbound.next('keepalive');
    aOutbound.send({ type: 'keepalive' });
    await established(a);
    expect(a.connections().map((c) => c.origin)).toEqual(['outbound']);
    expect(a.stats.collisions).toBe(1);
    expect(rec.downs).toEqual([]);
    expect(aOutbound.received.some((m) => m.type === 'notification')).toBe(false);
  });

  it('refuses a new connection with 6/7 while Established and keeps the session', async () => {
    const { s, rec, port } = await passiveSession();
    const first = await RawPeer.connect(port);
    await first.handshake();
    await established(s);
    const second = await RawPeer.connect(port);
    expect(notificationOf(await second.next('notification'))).toEqual({ code: 6, subcode: 7 });
    await vi.waitFor(() => expect(second.closed).toBe(true));
    expect(s.stateName).toBe('Established');
    expect(s.connections()).toHaveLength(1);
    expect(rec.downs).toEqual([]);
  });
});
