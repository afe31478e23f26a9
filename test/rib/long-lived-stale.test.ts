/**
 * Long-lived graceful restart in the peering engine (RFC 9494 §4.2–§4.4),
 * without sockets: a restarting peer's stale paths turning LLGR-stale get
 * the LLGR_STALE community, lose to any live path, go only to peers that
 * advertised LLGR (withdrawn from the others), and those with NO_LLGR are
 * dropped; the peer sending a path again refreshes it, its End-of-RIB
 * sweeps the rest.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeMessage, parseRd, parseRouteTarget, rdToString } from '../../src/bgp/wire/index.js';
import { LLGR_STALE, NO_LLGR } from '../../src/bgp/wire/llgr.js';
import type { CodecContext, PathAttributes, UpdateMessage, VpnPrefix } from '../../src/bgp/wire/types.js';
import type { BgpPeering, PeerRib } from '../../src/rib/peering.js';
import { pathsOf, isLlgrStale, isStale } from '../../src/rib/types.js';
import { ip, masterPeering, peer } from './support.js';

const VPN = { afi: 1, safi: 128 } as const;
const RT1 = parseRouteTarget('target:64512:1')!;
const LOCAL = { routerId: ip('10.0.0.15'), asn: 64512, clusterId: ip('10.255.0.1'), reflector: true };
const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };

/** What each peer holds: VPN prefix → the communities it was sent with. */
let held: Map<PeerRib, Map<string, readonly number[]>>;

function deliver(rib: BgpPeering): void {
  for (let guard = 0; guard < 100 && rib.hasWork(); guard++) {
    for (const d of rib.drain()) {
      for (const to of d.to) {
        let mine = held.get(to);
        if (!mine) held.set(to, (mine = new Map()));
        for (const bytes of d.msgs) {
          const m = decodeMessage(bytes, CTX).value as UpdateMessage;
          for (const n of m.mpUnreach?.nlri ?? []) mine.delete(key(n as VpnPrefix));
          for (const n of m.mpReach?.nlri ?? []) mine.set(key(n as VpnPrefix), m.attrs.communities ?? []);
        }
      }
    }
  }
  expect(rib.hasWork()).toBe(false);
}
const key = (n: VpnPrefix): string => `${rdToString(n.rd)}:${n.addr}/${n.len}`;
const view = (st: PeerRib): Map<string, readonly number[]> => held.get(st) ?? new Map();

function vpnRoute(prefix: string, extra: PathAttributes = {}): UpdateMessage {
  const [a, l] = prefix.split('/');
  return {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: [RT1], ...extra },
    mpReach: {
      afi: 1, safi: 128, family: 'inet-vpn', nextHop: ip('192.0.2.100'),
      nlri: [{ family: 'inet-vpn', labels: [100], rd: parseRd('192.0.2.21:1')!, addr: ip(a!), len: Number(l) }],
    },
  };
}
const A = `192.0.2.21:1:${ip('10.1.0.0')}/16`;
const N = `192.0.2.21:1:${ip('10.2.0.0')}/16`;

describe('long-lived stale paths in the peering engine', () => {
  let rib: BgpPeering;
  const up = (name: string, llgr: boolean): PeerRib => {
    const info = peer({ name });
    const st = rib.addPeer(info, ['inet-vpn']);
    rib.peerUp(st, [VPN], true, info.routerId, llgr);
    return st;
  };
  const paths = (prefix: string) => {
    const t = rib.tables['inet-vpn']!;
    const dest = [...t.entries()].find(([, d]) => key(d.nlri) === prefix)?.[1];
    return (dest ? pathsOf(dest) : []).map((p) => ({ peer: p.peer.name, stale: isStale(p), llgrStale: isLlgrStale(p) }));
  };
  beforeEach(() => {
    rib = masterPeering(LOCAL);
    held = new Map();
  });

  it('marks the stale paths LLGR_STALE, keeps them for LLGR peers, withdraws them from the others, and drops NO_LLGR paths', () => {
    const gw = up('gw', true);
    const withLlgr = up('with-llgr', true);
    const without = up('without', false);
    rib.update(gw, vpnRoute('10.1.0.0/16', { communities: [ip('0.0.0.9')] }));
    rib.update(gw, vpnRoute('10.2.0.0/16', { communities: [NO_LLGR] }));
    deliver(rib);
    expect([...view(without).keys()].sort()).toEqual([A, N]);

    rib.peerDown(gw, new Set(['inet-vpn'] as const));
    deliver(rib);
    expect(paths(A)).toEqual([{ peer: 'gw', stale: true, llgrStale: false }]);
    expect([...view(without).keys()].sort()).toEqual([A, N]); // plain graceful restart: nothing withdrawn yet

    rib.longLivedStale(gw, ['inet-vpn']);
    deliver(rib);
    expect(paths(A)).toEqual([{ peer: 'gw', stale: true, llgrStale: true }]);
    expect(paths(N)).toEqual([]);
    expect(gw.paths).toBe(1);
    expect([...gw.llgrFamilies]).toEqual(['inet-vpn']);
    expect(view(withLlgr)).toEqual(new Map([[A, [ip('0.0.0.9'), LLGR_STALE]]]));
    expect(view(without)).toEqual(new Map());
  });

  it('lets any live path win over an LLGR-stale one, even with a lower LOCAL_PREF, and sends it to every peer', () => {
    const gw = up('gw', true);
    const other = up('other', true);
    const without = up('without', false);
    rib.update(gw, vpnRoute('10.1.0.0/16', { localPref: 500 }));
    rib.peerDown(gw, new Set(['inet-vpn'] as const));
    rib.longLivedStale(gw, ['inet-vpn']);
    deliver(rib);
    expect(view(without).has(A)).toBe(false);
    rib.update(other, vpnRoute('10.1.0.0/16', { localPref: 50 }));
    deliver(rib);
    expect(paths(A)).toEqual([{ peer: 'other', stale: false, llgrStale: false }, { peer: 'gw', stale: true, llgrStale: true }]);
    expect(view(without).get(A)).toEqual([]);
  });

  it('refreshes a path the peer sends again after it came back, and sweeps the rest at its End-of-RIB', () => {
    const gw = up('gw', true);
    const without = up('without', false);
    rib.update(gw, vpnRoute('10.1.0.0/16'));
    rib.update(gw, vpnRoute('10.3.0.0/16'));
    rib.peerDown(gw, new Set(['inet-vpn'] as const));
    rib.longLivedStale(gw, ['inet-vpn']);
    deliver(rib);
    expect(view(without).size).toBe(0);
    rib.peerUp(gw, [VPN], true, gw.info.routerId, true);
    rib.update(gw, vpnRoute('10.1.0.0/16'));
    deliver(rib);
    expect(paths(A)).toEqual([{ peer: 'gw', stale: false, llgrStale: false }]);
    expect([...view(without).keys()]).toEqual([A]);
    rib.endOfRib(gw, 'inet-vpn');
    deliver(rib);
    expect(rib.tables['inet-vpn']!.size).toBe(1);
    expect([...gw.llgrFamilies, ...gw.staleFamilies]).toEqual([]);
    expect(gw.paths).toBe(1);
  });

  it('withdraws an LLGR-stale path received from a peer from every peer without LLGR, as if it were ours', () => {
    const src = up('src', false);
    const withLlgr = up('with-llgr', true);
    const without = up('without', false);
    rib.update(src, vpnRoute('10.1.0.0/16', { communities: [LLGR_STALE] }));
    deliver(rib);
    expect([...view(withLlgr).keys()]).toEqual([A]);
    expect(view(without).size).toBe(0);
  });
});
