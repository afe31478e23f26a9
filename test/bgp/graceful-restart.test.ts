/**
 * Graceful restart, helper side (RFC 4724 §4.2), over real TCP on loopback:
 * when a peer that advertised graceful restart loses its session without a
 * NOTIFICATION, its routes stay (stale) and other peers keep them; when it
 * comes back it resends what it still has and its End-of-RIB sweeps the
 * rest; if it does not come back within its restart time, they go. A peer
 * without graceful restart, or a session closed by a NOTIFICATION, loses
 * its routes at once, as before.
 */

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BgpSpeaker } from '../../src/bgp/speaker.js';
import { encodeEndOfRib, nlriToString, parseRd, parseRouteTarget } from '../../src/bgp/wire/index.js';
import type { CodecContext, UpdateMessage } from '../../src/bgp/wire/types.js';
import type { BgpPeering } from '../../src/rib/peering.js';
import { isStale } from '../../src/rib/types.js';
import { tableCounts } from '../../src/introspect/data.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { ip, masterPeering } from '../rib/support.js';

const ASN = 64512;
const LOCAL = { routerId: ip('10.0.0.1'), asn: ASN, clusterId: ip('10.255.0.1'), reflector: true };
const RT1 = parseRouteTarget('target:64512:1')!;
const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };
/** The peer's graceful-restart capability: restart time, and VPNv4 listed with forwarding preserved. */
const grCap = (restartTime: number, restarting = false, forwarding = true) => ({
  code: 64 as const, restarting, notification: false, restartTime, families: [{ afi: 1, safi: 128, forwarding }],
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function speaker(gr: boolean): Promise<{ peering: BgpPeering; port: number; speaker: BgpSpeaker }> {
  const peering = masterPeering(LOCAL);
  const peer = (name: string, address: string) => ({
    name, address, asn: ASN, port: 179, passive: true, routeReflectorClient: true, families: ['inet-vpn' as const],
  });
  const s = new BgpSpeaker(peering, {
    name: 'cn', asn: ASN, routerId: LOCAL.routerId, logger: pino({ level: 'silent' }),
    bgp: {
      listen: { address: '127.0.0.1', port: 0 }, holdTime: 90, connectRetry: 1,
      peers: [peer('gw', '127.0.0.21'), peer('rr-client', '127.0.0.22')],
      ...(gr && { gracefulRestart: { restartTime: 90, staleTime: 5 } }),
    },
  });
  const { port } = await s.start();
  cleanups.push(() => s.stop());
  return { peering, port, speaker: s };
}

async function up(port: number, address: string, extra: Parameters<typeof openFor>[3] = [], timeoutMs = 8000): Promise<RawBgpPeer> {
  const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: address, timeoutMs });
  cleanups.push(() => peer.destroy());
  await peer.handshake(openFor(ASN, ip(address), ['1/128'], extra), true);
  return peer;
}

/**
 * Connects again after the session went down: the speaker refuses a
 * connection while the session sits out its idle-hold time (1 s here), so
 * try every 300 ms, at most 20 times.
 */
async function upAgain(port: number, address: string, extra: Parameters<typeof openFor>[3]): Promise<RawBgpPeer> {
  for (let i = 0; ; i++) {
    try {
      return await up(port, address, extra, 600);
    } catch (err) {
      if (i >= 20) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

const route = (prefix: string, label: number): UpdateMessage => {
  const [a, l] = prefix.split('/');
  return {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: [RT1] },
    mpReach: {
      afi: 1, safi: 128, family: 'inet-vpn', nextHop: ip('192.0.2.100'),
      nlri: [{ family: 'inet-vpn', labels: [label], rd: parseRd('192.0.2.21:1')!, addr: ip(a!), len: Number(l) }],
    },
  };
};

/** The VPN prefixes in the table, with '(stale)' after stale ones. */
const vpn = (p: BgpPeering): string[] =>
  [...p.tables['inet-vpn']!.entries()].map(([, d]) => `${nlriToString(d.nlri)}${isStale(d.paths[0]!) ? ' (stale)' : ''}`).sort();

/** The client's view: what it holds after every UPDATE so far. */
function heldBy(client: RawBgpPeer): string[] {
  const held = new Set<string>();
  for (const m of client.received) {
    if (m.type !== 'update') continue;
    for (const n of m.mpUnreach?.nlri ?? []) held.delete(nlriToString(n));
    for (const n of m.mpReach?.nlri ?? []) held.add(nlriToString(n));
  }
  return [...held].sort();
}

const A = '192.0.2.21:1:10.1.0.0/16';
const B = '192.0.2.21:1:10.2.0.0/16';

describe('graceful restart, as the helper', () => {
  it('keeps a restarting peer\'s routes for the others, and sweeps what it does not send again at its End-of-RIB', async () => {
    const { peering, port } = await speaker(true);
    const client = await up(port, '127.0.0.22');
    const gw = await up(port, '127.0.0.21', [grCap(60)]);
    gw.send(route('10.1.0.0/16', 100));
    gw.send(route('10.2.0.0/16', 101));
    await client.until('both routes at the client', () => heldBy(client).length === 2);
    gw.destroy(); // the transport goes, no NOTIFICATION
    await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([`${A} (stale)`, `${B} (stale)`]);
    expect(heldBy(client)).toEqual([A, B]); // nothing withdrawn toward the others
    const back = await upAgain(port, '127.0.0.21', [grCap(60, true)]);
    back.send(route('10.1.0.0/16', 100));
    await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([A, `${B} (stale)`]);
    back.sendRaw(encodeEndOfRib({ afi: 1, safi: 128 }));
    await client.until('B withdrawn after the End-of-RIB', () => heldBy(client).join() === A);
    expect(vpn(peering)).toEqual([A]);
  });

  it('counts stale paths per table for introspect', async () => {
    const { peering, port } = await speaker(true);
    const gw = await up(port, '127.0.0.21', [grCap(60)]);
    gw.send(route('10.1.0.0/16', 100));
    await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([A]);
    expect(tableCounts(peering.table('inet-vpn')!).stalePaths).toBe(0);
    gw.destroy();
    await expect.poll(() => tableCounts(peering.table('inet-vpn')!).stalePaths, { timeout: 5000 }).toBe(1);
  });

  it('drops a restarting peer\'s routes when it does not come back within its restart time', async () => {
    const { peering, port } = await speaker(true);
    const client = await up(port, '127.0.0.22');
    const gw = await up(port, '127.0.0.21', [grCap(1)]);
    gw.send(route('10.1.0.0/16', 100));
    await client.until('the route at the client', () => heldBy(client).length === 1);
    gw.destroy();
    await expect.poll(() => vpn(peering), { timeout: 2000 }).toEqual([`${A} (stale)`]);
    await client.until('withdrawn after the 1 s restart time', () => heldBy(client).length === 0);
    expect(vpn(peering)).toEqual([]);
  });

  it('drops the stale routes at once of a peer that comes back without preserving their family', async () => {
    const { peering, port } = await speaker(true);
    const gw = await up(port, '127.0.0.21', [grCap(60)]);
    gw.send(route('10.1.0.0/16', 100));
    await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([A]);
    gw.destroy();
    await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([`${A} (stale)`]);
    await upAgain(port, '127.0.0.21', [grCap(60, true, false)]); // VPNv4 listed, forwarding bit clear
    await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([]);
  });

  it('keeps nothing for a peer without graceful restart, nor when helping is off', async () => {
    for (const [helper, caps] of [[true, []], [false, [grCap(60)]]] as const) {
      const { peering, port } = await speaker(helper);
      const gw = await up(port, '127.0.0.21', [...caps]);
      gw.send(route('10.1.0.0/16', 100));
      await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([A]);
      gw.destroy();
      await expect.poll(() => vpn(peering), { timeout: 5000 }).toEqual([]);
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });

  it('advertises the configured restart time, and none without the helper', async () => {
    for (const [helper, time] of [[true, 90], [false, 0]] as const) {
      const { port } = await speaker(helper);
      const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: '127.0.0.21' });
      cleanups.push(() => peer.destroy());
      const ours = await peer.handshake(openFor(ASN, ip('127.0.0.21'), ['1/128']), true);
      expect(ours.capabilities.find((c) => c.code === 64)).toMatchObject({ restartTime: time, families: [] });
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });
});
