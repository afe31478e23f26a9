/**
 * Long-lived graceful restart, helper side (RFC 9494 §4.2–§4.4), over real
 * TCP on loopback with second-long timers: a peer that advertised GR and
 * LLGR and dropped keeps its routes stale for its restart time, then
 * long-lived stale (LLGR_STALE, sent on to peers with LLGR, withdrawn from
 * the others, NO_LLGR routes dropped) for the long-lived time, capped by
 * ours; back in time, what it sends again is refreshed and its End-of-RIB,
 * or our End-of-RIB timeout, sweeps the rest.
 */

import { describe, expect, it } from 'vitest';
import { encodeEndOfRib } from '../../src/bgp/wire/index.js';
import { LLGR_STALE, NO_LLGR } from '../../src/bgp/wire/llgr.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { ip } from '../rib/support.js';
import type { GracefulRestartOptions } from '../../src/bgp/graceful-restart.js';
import { ASN, grCap, grSpeaker, heldBy, heldWith, llgrCap, route, up as upOn, upAgain as upAgainOn, useCleanups, vpn, type ExtraCaps } from '../support/bgp-gr.js';

const cleanups = useCleanups();
const CTX = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };
const speaker = (gr: GracefulRestartOptions | undefined) => grSpeaker(cleanups, gr);
const up = (port: number, address: string, extra: ExtraCaps = []) => upOn(cleanups, port, address, extra);
const upAgain = (port: number, address: string, extra: ExtraCaps) => upAgainOn(cleanups, port, address, extra);

const A = '192.0.2.21:1:10.1.0.0/16';
const B = '192.0.2.21:1:10.2.0.0/16';
const N = '192.0.2.21:1:10.9.0.0/16';
const GR = { restartTime: 90, endOfRibTimeout: 30, longLivedStaleTime: 3600 };

describe('long-lived graceful restart, as the helper', () => {
  it('turns a dropped peer\'s routes long-lived stale after its restart time: LLGR_STALE to LLGR peers, withdrawn from the others, NO_LLGR dropped', async () => {
    const { peering, port } = await speaker(GR);
    const withLlgr = await up(port, '127.0.0.22', [grCap(0), llgrCap(60)]);
    const plain = await up(port, '127.0.0.23');
    const gw = await up(port, '127.0.0.21', [grCap(1), llgrCap(60)]);
    gw.send(route('10.1.0.0/16', 100, { communities: [ip('0.0.0.7')] }));
    gw.send(route('10.9.0.0/16', 109, { communities: [NO_LLGR] }));
    await plain.until('both routes at the plain peer', () => heldBy(plain).length === 2);
    gw.destroy();
    await expect.poll(() => vpn(peering), { timeout: 2000 }).toEqual([`${A} (stale)`, `${N} (stale)`]);
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([`${A} (llgr-stale)`]);
    await withLlgr.until('A with LLGR_STALE, N withdrawn', () => heldWith(withLlgr).get(A)?.includes(LLGR_STALE) === true && !heldWith(withLlgr).has(N));
    expect(heldWith(withLlgr)).toEqual(new Map([[A, [ip('0.0.0.7'), LLGR_STALE]]]));
    await plain.until('everything withdrawn from the peer without LLGR', () => heldBy(plain).length === 0);
  });

  it('sweeps long-lived stale routes when the smaller of the peer\'s and our long-lived stale time runs out', async () => {
    const { peering, port } = await speaker({ ...GR, longLivedStaleTime: 1 });
    const withLlgr = await up(port, '127.0.0.22', [grCap(0), llgrCap(60)]);
    const gw = await up(port, '127.0.0.21', [grCap(1), llgrCap(3600)]);
    gw.send(route('10.1.0.0/16', 100));
    await withLlgr.until('A at the LLGR peer', () => heldBy(withLlgr).length === 1);
    gw.destroy();
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([`${A} (llgr-stale)`]);
    await withLlgr.until('A withdrawn after our 1 s long-lived stale time', () => heldBy(withLlgr).length === 0);
    expect(vpn(peering)).toEqual([]);
  });

  it('goes long-lived stale at once for a peer with LLGR and restart time 0', async () => {
    const { peering, port } = await speaker(GR);
    const gw = await up(port, '127.0.0.21', [grCap(0), llgrCap(60)]);
    gw.send(route('10.1.0.0/16', 100));
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A]);
    gw.destroy();
    await expect.poll(() => vpn(peering), { timeout: 2000 }).toEqual([`${A} (llgr-stale)`]);
  });

  it('drops the routes at once of a peer without LLGR that has restart time 0, and of any peer when we do not do LLGR', async () => {
    for (const [ours, caps] of [[GR, [grCap(0)]], [{ ...GR, longLivedStaleTime: 0 }, [grCap(0), llgrCap(60)]]] as const) {
      const { peering, port } = await speaker(ours);
      const gw = await up(port, '127.0.0.21', [...caps]);
      gw.send(route('10.1.0.0/16', 100));
      await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A]);
      gw.destroy();
      await expect.poll(() => vpn(peering), { timeout: 2000 }).toEqual([]);
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });

  it('refreshes what a peer back from long-lived stale sends again, to every peer, and sweeps the rest at its End-of-RIB', async () => {
    const { peering, port } = await speaker(GR);
    const plain = await up(port, '127.0.0.23');
    const gw = await up(port, '127.0.0.21', [grCap(1), llgrCap(60)]);
    gw.send(route('10.1.0.0/16', 100));
    gw.send(route('10.2.0.0/16', 101));
    await plain.until('both routes at the plain peer', () => heldBy(plain).length === 2);
    gw.destroy();
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([`${A} (llgr-stale)`, `${B} (llgr-stale)`]);
    await plain.until('withdrawn from the peer without LLGR', () => heldBy(plain).length === 0);
    const back = await upAgain(port, '127.0.0.21', [grCap(1, true), llgrCap(60)]);
    back.send(route('10.1.0.0/16', 100));
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A, `${B} (llgr-stale)`]);
    await plain.until('A back at the plain peer, without LLGR_STALE', () => heldWith(plain).get(A)?.length === 0);
    back.sendRaw(encodeEndOfRib({ afi: 1, safi: 128 }));
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A]);
  });

  it('sweeps the stale routes of a peer that came back but sends no End-of-RIB when the End-of-RIB timeout runs out', async () => {
    const { peering, port } = await speaker({ ...GR, endOfRibTimeout: 1 });
    const gw = await up(port, '127.0.0.21', [grCap(60)]);
    gw.send(route('10.1.0.0/16', 100));
    gw.send(route('10.2.0.0/16', 101));
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A, B]);
    gw.destroy();
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([`${A} (stale)`, `${B} (stale)`]);
    const back = await upAgain(port, '127.0.0.21', [grCap(60, true)]);
    back.send(route('10.1.0.0/16', 100));
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A, `${B} (stale)`]);
    await expect.poll(() => vpn(peering), { timeout: 4000 }).toEqual([A]);
  });

  it('advertises the configured long-lived stale time for each family beside graceful restart, and no LLGR capability when it is 0', async () => {
    for (const [time, expected] of [[3600, [{ code: 71, longLived: [{ afi: 1, safi: 128, forwarding: false, staleTime: 3600 }] }]], [0, []]] as const) {
      const { port } = await speaker({ ...GR, longLivedStaleTime: time });
      const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: '127.0.0.21' });
      cleanups.push(() => peer.destroy());
      const ours = await peer.handshake(openFor(ASN, ip('127.0.0.21'), ['1/128']), true);
      expect(ours.capabilities.filter((c) => c.code === 71)).toEqual(expected);
      expect(ours.capabilities.find((c) => c.code === 64)).toMatchObject({ restartTime: 90 });
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });
});
