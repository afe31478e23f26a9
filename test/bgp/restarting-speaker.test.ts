/**
 * Restarting-speaker mode (RFC 4724 §4.1, bgp.graceful-restart
 * .restarting-speaker), over real TCP on loopback: after our start our
 * OPENs carry the R bit, and nothing is advertised until every configured
 * peer is settled: its End-of-RIB in for each family when it does graceful
 * restart, at once when it does not, given up on when it is not up by
 * restart-time; end-of-rib-timeout ends the wait in any case. Then the
 * whole table goes out, followed by End-of-RIB.
 */

import { describe, expect, it } from 'vitest';
import { encodeEndOfRib, endOfRibFamily } from '../../src/bgp/wire/index.js';
import type { OpenMessage } from '../../src/bgp/wire/types.js';
import type { GracefulRestartOptions } from '../../src/bgp/graceful-restart.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { ip } from '../rib/support.js';
import { ASN, grCap, grSpeaker, heldBy, route, useCleanups, vpn } from '../support/bgp-gr.js';

const cleanups = useCleanups();
const CTX = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };
const A = '192.0.2.21:1:10.1.0.0/16';
const RESTARTING: GracefulRestartOptions = { restartTime: 60, endOfRibTimeout: 60, restartingSpeaker: true };
const EOR = encodeEndOfRib({ afi: 1, safi: 128 });

/** Connects as `address` and returns the peer with the OPEN we sent it. */
async function connect(port: number, address: string, caps: Parameters<typeof openFor>[3] = []): Promise<{ peer: RawBgpPeer; ours: OpenMessage }> {
  const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: address, timeoutMs: 8000 });
  cleanups.push(() => peer.destroy());
  const ours = await peer.handshake(openFor(ASN, ip(address), ['1/128'], caps), true);
  return { peer, ours };
}

const vpnUpdates = (p: RawBgpPeer): number => p.received.filter((m) => m.type === 'update' && m.mpReach !== undefined).length;
const gotEndOfRib = (p: RawBgpPeer): boolean => p.received.some((m) => m.type === 'update' && endOfRibFamily(m) !== undefined);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('restarting-speaker mode (RFC 4724 §4.1)', () => {
  it('sets the R bit and advertises nothing until every graceful-restart peer\'s End-of-RIB, then the table and End-of-RIB', async () => {
    const { peering, port } = await grSpeaker(cleanups, RESTARTING);
    const gw = await connect(port, '127.0.0.21', [grCap(60)]);
    const client = await connect(port, '127.0.0.22', [grCap(60)]);
    const plain = await connect(port, '127.0.0.23'); // no graceful restart: owes no End-of-RIB
    expect([gw, client, plain].map((p) => p.ours.capabilities.find((c) => c.code === 64))).toEqual(
      Array(3).fill(expect.objectContaining({ restarting: true, families: [{ afi: 1, safi: 128, forwarding: true }] })),
    );
    gw.peer.send(route('10.1.0.0/16', 100));
    gw.peer.sendRaw(EOR);
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A]);
    await settle(300);
    expect([vpnUpdates(client.peer), vpnUpdates(plain.peer), gotEndOfRib(plain.peer)]).toEqual([0, 0, false]); // the client's End-of-RIB is owed
    client.peer.sendRaw(EOR);
    await plain.peer.until('A, then End-of-RIB, at the plain peer', () => heldBy(plain.peer).join() === A && gotEndOfRib(plain.peer));
    await client.peer.until('A at the client', () => heldBy(client.peer).join() === A);
  });

  it('stops waiting, at restart-time, for a configured peer whose session never came up', async () => {
    const { port } = await grSpeaker(cleanups, { ...RESTARTING, restartTime: 1 });
    const gw = await connect(port, '127.0.0.21', [grCap(60)]);
    const plain = await connect(port, '127.0.0.23');
    gw.peer.send(route('10.1.0.0/16', 100));
    gw.peer.sendRaw(EOR);
    await settle(300);
    expect(vpnUpdates(plain.peer)).toBe(0); // rr-client (127.0.0.22) is configured, not up yet
    await plain.peer.until('A at the plain peer after the 1 s restart time', () => heldBy(plain.peer).join() === A);
  });

  it('ends the wait at end-of-rib-timeout when a graceful-restart peer never sends its End-of-RIB, and clears the R bit afterwards', async () => {
    const { port } = await grSpeaker(cleanups, { ...RESTARTING, endOfRibTimeout: 1 });
    const gw = await connect(port, '127.0.0.21', [grCap(60)]);
    const plain = await connect(port, '127.0.0.23');
    gw.peer.send(route('10.1.0.0/16', 100));
    await plain.peer.until('A at the plain peer after the 1 s End-of-RIB timeout', () => heldBy(plain.peer).join() === A);
    const late = await connect(port, '127.0.0.22', [grCap(60)]);
    expect(late.ours.capabilities.find((c) => c.code === 64)).toMatchObject({ restarting: false });
  });

  it('advertises at once, without the R bit and without listing families, when restarting-speaker is off', async () => {
    const { port } = await grSpeaker(cleanups, { ...RESTARTING, restartingSpeaker: false });
    const gw = await connect(port, '127.0.0.21', [grCap(60)]);
    const plain = await connect(port, '127.0.0.23');
    expect(plain.ours.capabilities.find((c) => c.code === 64)).toMatchObject({ restarting: false, families: [] });
    gw.peer.send(route('10.1.0.0/16', 100));
    await plain.peer.until('A at the plain peer', () => heldBy(plain.peer).join() === A);
  });
});
