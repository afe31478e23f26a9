/**
 * bgp.peers[].max-prefixes over real TCP on loopback: a RawBgpPeer from
 * 127.0.0.x sends more VPN routes than its limit to a BgpSpeaker whose peers
 * are passive. `teardown` must send Cease 6/1 with the RFC 4486 §4 data
 * (AFI, SAFI, the limit), drop the peer's routes and keep the session down
 * (or let it back after `restartAfter`); `warn` must only log, once.
 */

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BgpSpeaker } from '../../src/bgp/speaker.js';
import type { MaxPrefixes } from '../../src/bgp/options.js';
import type { CodecContext, NotificationMessage, UpdateMessage } from '../../src/bgp/wire/types.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { ip, masterPeering } from '../rib/support.js';

const ASN = 64512;
const LOCAL = { routerId: ip('10.0.0.1'), asn: ASN, clusterId: ip('10.255.0.1'), reflector: true };
const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };
const PEER = '127.0.0.2';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A speaker with one passive peer at 127.0.0.2 limited by `max`; its warnings are collected. */
async function speakerWith(max: MaxPrefixes) {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line) as Record<string, unknown>) });
  const peering = masterPeering(LOCAL);
  const s = new BgpSpeaker(peering, {
    name: 'cn', asn: ASN, routerId: LOCAL.routerId, logger,
    bgp: {
      listen: { address: '127.0.0.1', port: 0 }, holdTime: 90, connectRetry: 1,
      peers: [{ name: 'a', address: PEER, asn: ASN, port: 179, passive: true, routeReflectorClient: true, families: ['inet-vpn'], maxPrefixes: max }],
    },
  });
  const { port } = await s.start();
  cleanups.push(() => s.stop());
  return { speaker: s, peering, port, warnings };
}

async function up(port: number): Promise<RawBgpPeer> {
  const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: PEER });
  cleanups.push(() => peer.destroy());
  await peer.handshake(openFor(ASN, ip('10.0.0.2'), ['1/128']), true);
  return peer;
}

/** VPN route n: RD 192.0.2.2:n, 198.18.n.0/24. */
function route(n: number): UpdateMessage {
  return {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref: 100 },
    mpReach: {
      afi: 1, safi: 128, family: 'inet-vpn', nextHop: ip('192.0.2.100'),
      nlri: [{ family: 'inet-vpn', labels: [1000 + n], rd: (1n << 48n) | (BigInt(ip('192.0.2.2')) << 16n) | BigInt(n), addr: ip(`198.18.${n}.0`), len: 24 }],
    },
  };
}

/** Whether a connection from the peer's address gets as far as the speaker's OPEN within `ms`. */
async function accepted(port: number, ms: number): Promise<boolean> {
  const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: PEER, timeoutMs: ms });
  cleanups.push(() => peer.destroy());
  peer.send(openFor(ASN, ip('10.0.0.2'), ['1/128']));
  return peer.next('open').then(() => true, () => false);
}

describe('bgp.peers[].max-prefixes', () => {
  it('tears the session down with Cease 6/1 carrying AFI 1, SAFI 128 and the limit when the peer sends one route too many', async () => {
    const { speaker: s, peering, port, warnings } = await speakerWith({ limit: 3, action: 'teardown' });
    const a = await up(port);
    for (const n of [1, 2, 3]) a.send(route(n));
    await expect.poll(() => peering.tables['inet-vpn']!.size).toBe(3);
    expect(a.received.some((m) => m.type === 'notification')).toBe(false);
    a.send(route(4));
    const note = (await a.next('notification')) as NotificationMessage;
    expect([note.code, note.subcode]).toEqual([6, 1]);
    expect([...note.data]).toEqual([0, 1, 128, 0, 0, 0, 3]);
    await expect.poll(() => peering.tables['inet-vpn']!.size).toBe(0);
    expect(s.peers.get('a')!.session.stateName).toBe('Idle');
    expect(warnings.filter((w) => w.msg === 'maximum prefixes reached: 4 paths, limit 3')).toHaveLength(1);
  });

  it('keeps a torn-down session down when no restart time is configured: the next connection is refused', async () => {
    const { speaker: s, port } = await speakerWith({ limit: 1, action: 'teardown' });
    const a = await up(port);
    a.send(route(1));
    a.send(route(2));
    await a.next('notification');
    await expect.poll(() => s.peers.get('a')!.session.stateName).toBe('Idle');
    expect(await accepted(port, 2500)).toBe(false);
  });

  it('lets a torn-down session come back after restart-after seconds', async () => {
    const { speaker: s, port } = await speakerWith({ limit: 1, action: 'teardown', restartAfter: 1 });
    const a = await up(port);
    a.send(route(1));
    a.send(route(2));
    await a.next('notification');
    await expect.poll(() => s.peers.get('a')!.session.stateName, { timeout: 4000 }).toBe('Active');
    expect(await accepted(port, 4000)).toBe(true);
  });

  it('with action warn keeps every route and the session, and warns once while the peer stays over the limit', async () => {
    const { speaker: s, peering, port, warnings } = await speakerWith({ limit: 2, action: 'warn' });
    const a = await up(port);
    for (const n of [1, 2, 3, 4]) a.send(route(n));
    await expect.poll(() => peering.tables['inet-vpn']!.size).toBe(4);
    expect(s.peers.get('a')!.session.stateName).toBe('Established');
    expect(a.received.some((m) => m.type === 'notification')).toBe(false);
    expect(warnings.filter((w) => String(w.msg).startsWith('maximum prefixes reached'))).toEqual([
      expect.objectContaining({ peer: 'a', paths: 3, limit: 2, action: 'warn' }),
    ]);
  });
});
