/**
 * Shared by the graceful-restart speaker tests (test/bgp/graceful-restart,
 * test/bgp/long-lived-gr): a speaker with two passive iBGP peers on
 * loopback, raw peers that connect (and connect again after a restart),
 * VPNv4 routes, and what a peer holds after every UPDATE it got.
 */

import { pino } from 'pino';
import { afterEach } from 'vitest';
import { BgpSpeaker } from '../../src/bgp/speaker.js';
import type { GracefulRestartOptions } from '../../src/bgp/graceful-restart.js';
import { nlriToString, parseRd, parseRouteTarget } from '../../src/bgp/wire/index.js';
import type { CodecContext, PathAttributes, UpdateMessage } from '../../src/bgp/wire/types.js';
import type { BgpPeering } from '../../src/rib/peering.js';
import { pathsOf, isLlgrStale, isStale } from '../../src/rib/types.js';
import { RawBgpPeer, openFor } from './bgp-peer.js';
import { ip, masterPeering } from '../rib/support.js';

export const ASN = 64512;
const LOCAL = { routerId: ip('10.0.0.1'), asn: ASN, clusterId: ip('10.255.0.1'), reflector: true };
const RT1 = parseRouteTarget('target:64512:1')!;
const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };

/** A peer's graceful-restart capability: restart time, and VPNv4 listed with forwarding preserved. */
export const grCap = (restartTime: number, restarting = false, forwarding = true) => ({
  code: 64 as const, restarting, notification: false, restartTime, families: [{ afi: 1, safi: 128, forwarding }],
});

/** A peer's long-lived graceful-restart capability for VPNv4 (RFC 9494 §3.1). */
export const llgrCap = (staleTime: number, forwarding = true) => ({
  code: 71 as const, longLived: [{ afi: 1, safi: 128, forwarding, staleTime }],
});

export type ExtraCaps = Parameters<typeof openFor>[3];

/** Cleanups run after each test, last first. */
export function useCleanups(): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

/** A speaker on loopback with passive peers gw (127.0.0.21), rr-client (.22) and plain (.23), VPNv4 only. */
export async function grSpeaker(
  cleanups: Array<() => unknown>, gr: GracefulRestartOptions | undefined,
): Promise<{ peering: BgpPeering; port: number; speaker: BgpSpeaker }> {
  const peering = masterPeering(LOCAL);
  const peer = (name: string, address: string) => ({
    name, address, asn: ASN, port: 179, passive: true, routeReflectorClient: true, families: ['inet-vpn' as const],
  });
  const s = new BgpSpeaker(peering, {
    name: 'cn', asn: ASN, routerId: LOCAL.routerId, logger: pino({ level: 'silent' }),
    bgp: {
      listen: { address: '127.0.0.1', port: 0 }, holdTime: 90, connectRetry: 1,
      peers: [peer('gw', '127.0.0.21'), peer('rr-client', '127.0.0.22'), peer('plain', '127.0.0.23')],
      ...(gr && { gracefulRestart: gr }),
    },
  });
  const { port } = await s.start();
  cleanups.push(() => s.stop());
  return { peering, port, speaker: s };
}

export async function up(
  cleanups: Array<() => unknown>, port: number, address: string, extra: ExtraCaps = [], timeoutMs = 8000,
): Promise<RawBgpPeer> {
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
export async function upAgain(cleanups: Array<() => unknown>, port: number, address: string, extra: ExtraCaps): Promise<RawBgpPeer> {
  for (let i = 0; ; i++) {
    try {
      return await up(cleanups, port, address, extra, 600);
    } catch (err) {
      if (i >= 20) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** A VPNv4 route from gw (RD 192.0.2.21:1). */
export function route(prefix: string, label: number, extra: PathAttributes = {}): UpdateMessage {
  const [a, l] = prefix.split('/');
  return {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: [RT1], ...extra },
    mpReach: {
      afi: 1, safi: 128, family: 'inet-vpn', nextHop: ip('192.0.2.100'),
      nlri: [{ family: 'inet-vpn', labels: [label], rd: parseRd('192.0.2.21:1')!, addr: ip(a!), len: Number(l) }],
    },
  };
}

/** The VPN prefixes in the table, with '(stale)' or '(llgr-stale)' after those that are. */
export const vpn = (p: BgpPeering): string[] =>
  [...p.tables['inet-vpn']!.entries()].map(([, d]) => {
    const best = pathsOf(d)[0]!;
    const mark = isLlgrStale(best) ? ' (llgr-stale)' : isStale(best) ? ' (stale)' : '';
    return `${nlriToString(d.nlri)}${mark}`;
  }).sort();

/** A peer's view: prefix → the communities of the last UPDATE that announced it. */
export function heldWith(client: RawBgpPeer): Map<string, readonly number[]> {
  const held = new Map<string, readonly number[]>();
  for (const m of client.received) {
    if (m.type !== 'update') continue;
    for (const n of m.mpUnreach?.nlri ?? []) held.delete(nlriToString(n));
    for (const n of m.mpReach?.nlri ?? []) held.set(nlriToString(n), m.attrs.communities ?? []);
  }
  return held;
}

/** The prefixes a peer holds after every UPDATE so far. */
export const heldBy = (client: RawBgpPeer): string[] => [...heldWith(client).keys()].sort();
