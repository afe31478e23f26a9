/**
 * Graceful restart, helper side (RFC 4724 §4.2), over real TCP on loopback:
 * when a peer that advertised graceful restart loses its session without a
 * NOTIFICATION, its routes stay (stale) and other peers keep them; when it
 * comes back it resends what it still has and its End-of-RIB sweeps the
 * rest; if it does not come back within its restart time, they go. A peer
 * without graceful restart, or a session closed by a NOTIFICATION, loses
 * its routes at once, as before.
 */

import { describe, expect, it } from 'vitest';
import { encodeEndOfRib } from '../../src/bgp/wire/index.js';
import { tableCounts } from '../../src/introspect/data.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { ip } from '../rib/support.js';
import { ASN, grCap, grSpeaker, heldBy, route, up as upOn, upAgain as upAgainOn, useCleanups, vpn, type ExtraCaps } from '../support/bgp-gr.js';

const cleanups = useCleanups();
const CTX = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };
const speaker = (gr: boolean) => grSpeaker(cleanups, gr ? { restartTime: 90, endOfRibTimeout: 5 } : undefined);
const up = (port: number, address: string, extra: ExtraCaps = []) => upOn(cleanups, port, address, extra);
const upAgain = (port: number, address: string, extra: ExtraCaps) => upAgainOn(cleanups, port, address, extra);

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
