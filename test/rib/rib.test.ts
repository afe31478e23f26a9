import { beforeEach, describe, expect, it } from 'vitest';
import { decodeMessage, endOfRibFamily, labelList, parseRouteTarget, rdToString } from '../../src/bgp/wire/index.js';
import type { CodecContext, PathAttributes, UpdateMessage, VpnPrefix } from '../../src/bgp/wire/types.js';
import type { BgpPeering, PeerRib } from '../../src/rib/peering.js';
import type { FamilyName } from '../../src/bgp/wire/types.js';
import { ip, masterPeering, peer } from './support.js';

const VPN = { afi: 1, safi: 128 } as const;
const RTC = { afi: 1, safi: 132 } as const;
const RT1 = parseRouteTarget('target:64512:1')!;
const RT2 = parseRouteTarget('target:64512:2')!;
// Router id, cluster id and every peer's address and router id (support.ts) all differ, so a
// reflector that writes one where the other belongs fails these tests.
const LOCAL = { routerId: ip('10.0.0.15'), asn: 64512, clusterId: ip('10.255.0.1'), reflector: true };
const ctx: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/1', '1/128', '1/132']) };

interface Seen {
  vpn: Map<string, { labels: readonly number[]; attrs: PathAttributes; nextHop: number }>;
  rtc: Set<string>;
  eor: string[];
  /** UPDATEs after whose announcements the peer held the default membership and a specific one (gobgpd 3.10 panics). */
  defaultWithSpecific: number;
  /** The memberships held after each UPDATE, in order. */
  rtcHistory: string[];
}

/** What each peer has received so far: its view of our Adj-RIB-Out. */
let views = new Map<PeerRib, Seen>();

/** Drain everything the RIB queued, deliver it to each addressee's view, and return `st`'s view. */
function receive(rib: BgpPeering, st: PeerRib, _seen?: Seen, maxRoutes?: number): Seen {
  for (let guard = 0; guard < 100 && rib.hasWork(); guard++) {
    for (const d of rib.drain(maxRoutes)) {
      for (const to of d.to) {
        let seen = views.get(to);
        if (!seen) views.set(to, (seen = fresh()));
        for (const bytes of d.msgs) apply(bytes, seen);
      }
    }
  }
  expect(rib.hasWork()).toBe(false);
  let mine = views.get(st);
  if (!mine) views.set(st, (mine = fresh()));
  return mine;
}

function apply(bytes: Uint8Array, seen: Seen): void {
  const { value, faults } = decodeMessage(bytes, ctx);
  expect(faults).toEqual([]);
  const m = value as UpdateMessage;
  const eor = endOfRibFamily(m);
  if (eor) {
    seen.eor.push(`${eor.afi}/${eor.safi}`);
    return;
  }
  const un = m.mpUnreach;
  const re = m.mpReach;
  // Announcements before withdrawals, as gobgpd applies an UPDATE that has both.
  if (re?.family === 'inet-vpn') for (const n of re.nlri) seen.vpn.set(vkey(n), { labels: labelList(n.labels), attrs: m.attrs, nextHop: re.nextHop as number });
  if (re?.family === 'route-target') for (const n of re.nlri) seen.rtc.add(`${n.len}:${n.target}`);
  if (seen.rtc.has('0:0') && seen.rtc.size > 1) seen.defaultWithSpecific++;
  if (un?.family === 'inet-vpn') for (const n of un.nlri) seen.vpn.delete(vkey(n));
  if (un?.family === 'route-target') for (const n of un.nlri) seen.rtc.delete(`${n.len}:${n.target}`);
  seen.rtcHistory.push([...seen.rtc].sort().join(' '));
}
const vkey = (n: VpnPrefix): string => `${rdToString(n.rd)}:${n.addr}/${n.len}`;
const fresh = (): Seen => ({ vpn: new Map(), rtc: new Set(), eor: [], defaultWithSpecific: 0, rtcHistory: [] });

function vpnUpdate(rd: string, prefix: string, label: number, rts: bigint[], nextHop: string, extra: PathAttributes = {}): UpdateMessage {
  const [a, l] = prefix.split('/');
  const [admin, assigned] = rd.split(':');
  const rdv = (BigInt(1) << 48n) | (BigInt(ip(admin!)) << 16n) | BigInt(Number(assigned));
  return {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: rts, ...extra },
    mpReach: { afi: 1, safi: 128, family: 'inet-vpn' as const, nextHop: ip(nextHop), nlri: [{ family: 'inet-vpn' as const, labels: [label], rd: rdv, addr: ip(a!), len: Number(l) }] },
  };
}
const vpnWithdraw = (u: UpdateMessage): UpdateMessage => ({
  type: 'update', withdrawn: [], nlri: [], attrs: {},
  mpUnreach: { afi: 1, safi: 128, family: 'inet-vpn' as const, nlri: (u.mpReach!.nlri as VpnPrefix[]).map((n) => ({ ...n, labels: [] })) },
});

describe('the master RIB as a route reflector', () => {
  let rib: BgpPeering;
  const up = (name: string, families: FamilyName[], opts: { rrClient?: boolean; ibgp?: boolean } = {}): PeerRib => {
    const info = peer({ name, rrClient: opts.rrClient ?? true, ibgp: opts.ibgp ?? true, asn: opts.ibgp === false ? 65001 : 64512 });
    const st = rib.addPeer(info, families);
    const fams = families.map((f) => (f === 'inet' ? { afi: 1, safi: 1 } : f === 'inet-vpn' ? VPN : RTC));
    rib.peerUp(st, fams, true, info.routerId);
    return st;
  };
  beforeEach(() => { rib = masterPeering(LOCAL); views = new Map(); });

  it('reflects a client VPN route to the other clients with ORIGINATOR_ID and CLUSTER_LIST, next hop and label unchanged', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
    const seen = receive(rib, b, fresh());
    const r = seen.vpn.get('192.0.2.12:1:' + ip('198.18.10.0') + '/24');
    expect(r).toBeDefined();
    expect(r!.labels).toEqual([1001]);
    expect(r!.nextHop).toBe(ip('192.0.2.12'));
    expect(r!.attrs.originatorId).toBe(a.info.routerId);
    expect(r!.attrs.clusterList).toEqual([LOCAL.clusterId]);
    expect(r!.attrs.extCommunities).toEqual([RT1]);
    expect(receive(rib, a, fresh()).vpn.size).toBe(0);
  });

  it('prepends its cluster id to a CLUSTER_LIST the route already carries', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    const upstream = [ip('10.255.0.7'), ip('10.255.0.8')];
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12', { clusterList: upstream, originatorId: ip('10.9.9.9') }));
    const r = [...receive(rib, b, fresh()).vpn.values()][0]!;
    expect(r.attrs.clusterList).toEqual([LOCAL.clusterId, ...upstream]);
  });

  it('keeps an ORIGINATOR_ID the route already carries instead of writing the sending peer\'s router id', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    const originator = ip('10.9.9.9');
    expect(originator).not.toBe(a.info.routerId);
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12', { originatorId: originator, clusterList: [ip('10.255.0.7')] }));
    const r = [...receive(rib, b, fresh()).vpn.values()][0]!;
    expect(r.attrs.originatorId).toBe(originator);
  });

  it('writes the sending peer\'s router id, not its address, as ORIGINATOR_ID', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    expect(a.info.routerId).not.toBe(a.info.address);
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
    const r = [...receive(rib, b, fresh()).vpn.values()][0]!;
    expect(r.attrs.originatorId).toBe(a.info.routerId);
    expect(r.attrs.clusterList).toEqual([LOCAL.clusterId]);
    expect(r.attrs.clusterList).not.toContain(LOCAL.routerId);
  });

  it('sends End-of-RIB after the initial dump of each family', () => {
    const a = up('a', ['inet-vpn']);
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
    const b = up('b', ['inet-vpn']);
    const seen = receive(rib, b, fresh());
    expect(seen.vpn.size).toBe(1);
    expect(seen.eor).toEqual(['1/128']);
  });

  it('withdraws a reflected route when its source withdraws it', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    const u = vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12');
    rib.update(a, u);
    const seen = receive(rib, b, fresh());
    expect(seen.vpn.size).toBe(1);
    rib.update(a, vpnWithdraw(u));
    expect(receive(rib, b, seen).vpn.size).toBe(0);
  });

  it('withdraws every route of a peer when its session ends', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
    rib.update(a, vpnUpdate('192.0.2.12:2', '198.18.11.0/24', 1002, [RT1], '192.0.2.12'));
    const seen = receive(rib, b, fresh());
    expect(seen.vpn.size).toBe(2);
    rib.peerDown(a);
    expect(receive(rib, b, seen).vpn.size).toBe(0);
    expect(rib.tables['inet-vpn']!.size).toBe(0);
  });

  it('treats an UPDATE flagged treat-as-withdraw as a withdrawal of its NLRI', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    const u = vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12');
    rib.update(a, u);
    const seen = receive(rib, b, fresh());
    rib.update(a, u, true);
    expect(receive(rib, b, seen).vpn.size).toBe(0);
  });

  it('does not reflect a non-client route to another non-client', () => {
    const a = up('a', ['inet-vpn'], { rrClient: false });
    const b = up('b', ['inet-vpn'], { rrClient: false });
    const c = up('c', ['inet-vpn'], { rrClient: true });
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
    expect(receive(rib, b, fresh()).vpn.size).toBe(0);
    expect(receive(rib, c, fresh()).vpn.size).toBe(1);
  });

  it('keeps a route whose ORIGINATOR_ID is our router id, but never uses or sends it', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12', { originatorId: LOCAL.routerId }));
    expect(rib.tables['inet-vpn']!.size).toBe(1);
    expect(receive(rib, b, fresh()).vpn.size).toBe(0);
  });

  it('ignores a route whose CLUSTER_LIST holds our cluster id', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12', { clusterList: [7, LOCAL.clusterId] }));
    expect(receive(rib, b, fresh()).vpn.size).toBe(0);
  });

  it('prepends our AS and strips iBGP-only attributes toward an eBGP peer', () => {
    const a = up('a', ['inet-vpn']);
    const e = up('e', ['inet-vpn'], { ibgp: false, rrClient: false });
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12', { asPath: [{ type: 2, asns: [65100] }], med: 5 }));
    const r = [...receive(rib, e, fresh()).vpn.values()][0]!;
    expect(r.attrs.asPath).toEqual([{ type: 2, asns: [64512, 65100] }]);
    expect(r.attrs.localPref).toBeUndefined();
    expect(r.attrs.originatorId).toBeUndefined();
    expect(r.attrs.clusterList).toBeUndefined();
    expect(r.attrs.med).toBeUndefined();
  });

  it('skips and counts a route whose attributes cannot fit in one UPDATE, and keeps sending the others', () => {
    const a = up('a', ['inet-vpn']);
    const b = up('b', ['inet-vpn']);
    const huge = Array.from({ length: 1100 }, (_, i) => 0x10000 + i); // 4400 bytes of communities
    rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12', { communities: huge }));
    rib.update(a, vpnUpdate('192.0.2.12:2', '198.18.11.0/24', 1002, [RT1], '192.0.2.12'));
    const seen = receive(rib, b, fresh());
    expect([...seen.vpn.keys()]).toEqual([`192.0.2.12:2:${ip('198.18.11.0')}/24`]);
    expect(b.groups.get('inet-vpn')!.unencodable).toBe(1);
  });

  describe('update groups', () => {
    const key = (rd: string, p: string) => `${rd}:${ip(p.split('/')[0]!)}/${p.split('/')[1]}`;

    it('encodes a route once and delivers the same bytes to every other member of the group', () => {
      const a = up('a', ['inet-vpn']);
      const members = [up('b', ['inet-vpn']), up('c', ['inet-vpn']), up('d', ['inet-vpn'])];
      receive(rib, a);
      rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
      const deliveries = rib.drain();
      const announce = deliveries.filter((d) => d.to.length > 1);
      expect(announce).toHaveLength(1);
      expect(new Set(announce[0]!.to)).toEqual(new Set(members));
    });

    it('sends the route to its old source and withdraws it from its new source when the best path changes hands', () => {
      const a = up('a', ['inet-vpn']);
      const b = up('b', ['inet-vpn']);
      const c = up('c', ['inet-vpn']);
      rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
      receive(rib, a);
      expect(views.get(b)!.vpn.get(key('192.0.2.12:1', '198.18.10.0/24'))!.labels).toEqual([1001]);
      rib.update(b, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 2002, [RT1], '192.0.2.13', { localPref: 200 }));
      receive(rib, a);
      expect(views.get(a)!.vpn.get(key('192.0.2.12:1', '198.18.10.0/24'))!.labels).toEqual([2002]);
      expect(views.get(c)!.vpn.get(key('192.0.2.12:1', '198.18.10.0/24'))!.labels).toEqual([2002]);
      expect(views.get(b)!.vpn.has(key('192.0.2.12:1', '198.18.10.0/24'))).toBe(false);
      // And back again when b withdraws.
      rib.update(b, vpnWithdraw(vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 2002, [RT1], '192.0.2.13')));
      receive(rib, a);
      expect(views.get(b)!.vpn.get(key('192.0.2.12:1', '198.18.10.0/24'))!.labels).toEqual([1001]);
      expect(views.get(a)!.vpn.has(key('192.0.2.12:1', '198.18.10.0/24'))).toBe(false);
      expect(views.get(c)!.vpn.get(key('192.0.2.12:1', '198.18.10.0/24'))!.labels).toEqual([1001]);
    });

    it('gives a late joiner everything the group sent except its own routes, then End-of-RIB', () => {
      const a = up('a', ['inet-vpn']);
      const b = up('b', ['inet-vpn']);
      rib.update(a, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
      rib.update(b, vpnUpdate('192.0.2.13:1', '198.18.20.0/24', 1002, [RT1], '192.0.2.13'));
      receive(rib, a);
      const info = peer({ name: 'late' });
      const late = rib.addPeer(info, ['inet-vpn']);
      rib.peerUp(late, [VPN], true, info.routerId);
      rib.update(late, vpnUpdate('192.0.2.14:1', '198.18.30.0/24', 1003, [RT1], '192.0.2.14'));
      const seen = receive(rib, late);
      expect([...seen.vpn.keys()].sort()).toEqual([key('192.0.2.12:1', '198.18.10.0/24'), key('192.0.2.13:1', '198.18.20.0/24')].sort());
      expect(seen.eor).toEqual(['1/128']);
      expect(views.get(a)!.vpn.has(key('192.0.2.14:1', '198.18.30.0/24'))).toBe(true);
      expect(views.get(a)!.eor).toEqual(['1/128']);
    });

    it('keeps withdrawing to the group after the last path of a destination went, then forgets the destination', () => {
      const a = up('a', ['inet-vpn']);
      const b = up('b', ['inet-vpn']);
      const u = vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12');
      rib.update(a, u);
      receive(rib, a);
      rib.update(a, vpnWithdraw(u));
      expect(rib.tables['inet-vpn']!.size).toBe(0);
      expect([...rib.tables['inet-vpn']!.allDests()]).toHaveLength(1); // still owed a withdrawal
      receive(rib, a);
      expect(views.get(b)!.vpn.size).toBe(0);
      expect([...rib.tables['inet-vpn']!.allDests()]).toHaveLength(0);
    });

    it('says how many destinations the fullest group has queued, so the speaker can drain before a read burst ends', () => {
      const a = up('a', ['inet-vpn']);
      const b = up('b', ['inet-vpn']);
      receive(rib, a);
      expect(rib.queued()).toBe(0);
      const us = ['198.18.10.0/24', '198.18.11.0/24', '198.18.12.0/24'].map((p) => vpnUpdate('192.0.2.12:1', p, 1001, [RT1], '192.0.2.12'));
      for (const u of us) rib.update(a, u);
      rib.update(a, us[0]!); // the same destination again: queued again (src/rib/dest-queue.ts)
      expect(rib.queued()).toBe(4);
      expect(receive(rib, a).vpn.size).toBe(0); // a's own routes
      expect(views.get(b)!.vpn.size).toBe(3);
      expect(rib.queued()).toBe(0);
    });

    it('puts peers of different classes in different groups', () => {
      up('a', ['inet-vpn']);
      up('b', ['inet-vpn'], { rrClient: false });
      up('e', ['inet-vpn'], { ibgp: false, rrClient: false });
      expect(rib.groups.size).toBe(3);
    });
  });

  describe('route-target constraint (RFC 4684)', () => {
    const membership = (rt: bigint, len = 96): UpdateMessage => ({
      type: 'update', withdrawn: [], nlri: [], attrs: { origin: 0, asPath: [], localPref: 100 },
      mpReach: { afi: 1, safi: 132, family: 'route-target' as const, nextHop: ip('192.0.2.11'), nlri: [{ family: 'route-target' as const, len, originAs: len === 0 ? 0 : 64512, target: len === 0 ? 0n : rt }] },
    });

    it('sends a route-target peer only the VPN routes whose targets it asked for', () => {
      const gw = up('gw', ['inet-vpn', 'route-target']);
      const frr = up('frr', ['inet-vpn']);
      rib.update(gw, membership(RT1));
      rib.endOfRib(gw, 'route-target');
      rib.update(frr, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
      rib.update(frr, vpnUpdate('192.0.2.12:9', '198.18.99.0/24', 1009, [RT2], '192.0.2.12'));
      const seen = receive(rib, gw, fresh());
      expect([...seen.vpn.keys()].map((k) => k.split(':')[1])).toEqual(['1']);
    });

    it('sends newly wanted routes when a membership appears and withdraws them when it goes', () => {
      const gw = up('gw', ['inet-vpn', 'route-target']);
      const frr = up('frr', ['inet-vpn']);
      rib.update(gw, membership(RT1));
      rib.endOfRib(gw, 'route-target');
      rib.update(frr, vpnUpdate('192.0.2.12:9', '198.18.99.0/24', 1009, [RT2], '192.0.2.12'));
      const seen = receive(rib, gw, fresh());
      expect(seen.vpn.size).toBe(0);
      const m2 = membership(RT2);
      rib.update(gw, m2);
      expect(receive(rib, gw, seen).vpn.size).toBe(1);
      rib.update(gw, { type: 'update', withdrawn: [], nlri: [], attrs: {}, mpUnreach: { afi: 1, safi: 132, family: 'route-target' as const, nlri: m2.mpReach!.nlri as never } });
      expect(receive(rib, gw, seen).vpn.size).toBe(0);
    });

    it('sends every VPN route to a peer that advertised the default membership', () => {
      const gw = up('gw', ['inet-vpn', 'route-target']);
      const frr = up('frr', ['inet-vpn']);
      rib.update(gw, membership(0n, 0));
      rib.endOfRib(gw, 'route-target');
      rib.update(frr, vpnUpdate('192.0.2.12:9', '198.18.99.0/24', 1009, [RT2], '192.0.2.12'));
      expect(receive(rib, gw, fresh()).vpn.size).toBe(1);
    });

    it('holds VPN routes for a route-target peer until its route-target End-of-RIB', () => {
      const frr = up('frr', ['inet-vpn']);
      rib.update(frr, vpnUpdate('192.0.2.12:1', '198.18.10.0/24', 1001, [RT1], '192.0.2.12'));
      const gw = up('gw', ['inet-vpn', 'route-target']);
      rib.update(gw, membership(RT1));
      const seen = receive(rib, gw, fresh());
      expect(seen.vpn.size).toBe(0);
      rib.endOfRib(gw, 'route-target');
      expect(receive(rib, gw, seen).vpn.size).toBe(1);
      expect(seen.eor).toContain('1/128');
    });

    it('advertises the default membership to route-target peers while a VPN peer lacks route-target', () => {
      const gw = up('gw', ['inet-vpn', 'route-target']);
      expect(receive(rib, gw, fresh()).rtc.has('0:0')).toBe(false);
      const frr = up('frr', ['inet-vpn']);
      const seen = receive(rib, gw, fresh());
      expect(seen.rtc.has('0:0')).toBe(true);
      rib.peerDown(frr);
      expect(receive(rib, gw, seen).rtc.has('0:0')).toBe(false);
    });

    it('reflects membership routes between route-target peers', () => {
      const gw = up('gw', ['inet-vpn', 'route-target']);
      const gw2 = up('gw2', ['inet-vpn', 'route-target']);
      rib.update(gw, membership(RT1));
      expect(receive(rib, gw2, fresh()).rtc.has(`96:${RT1}`)).toBe(true);
    });

    describe('default or specific memberships, never both toward one peer (issue 14: gobgpd 3.10 panics)', () => {
      const RT3 = parseRouteTarget('target:64512:3')!;
      const key = (rt: bigint): string => `96:${rt}`;
      /** A membership we originate, as the routing-instance manager does for a subscribed instance. */
      const originate = (rt: bigint): void => {
        rib.rib.addPaths(rib.table('route-target')!, rib.rib.localPeer, { origin: 0, asPath: [], nextHop: LOCAL.routerId },
          [{ family: 'route-target', len: 96, originAs: LOCAL.asn, target: rt }]);
      };
      const history = (seen: Seen, from: number): string[] => seen.rtcHistory.slice(from);

      it('sends a route-target peer only the default membership while a VPN peer lacks route-target, though we and other peers have specific ones', () => {
        const gw = up('gw', ['inet-vpn', 'route-target']);
        const gw2 = up('gw2', ['inet-vpn', 'route-target']);
        originate(RT1);
        rib.update(gw2, membership(RT2));
        up('frr', ['inet-vpn']);
        const seen = receive(rib, gw, fresh());
        expect([...seen.rtc]).toEqual(['0:0']);
        expect(seen.defaultWithSpecific).toBe(0);
      });

      it('sends the specific memberships, ours and reflected ones, while every VPN peer does route-target', () => {
        const gw = up('gw', ['inet-vpn', 'route-target']);
        const gw2 = up('gw2', ['inet-vpn', 'route-target']);
        originate(RT1);
        rib.update(gw2, membership(RT2));
        expect([...receive(rib, gw, fresh()).rtc].sort()).toEqual([key(RT1), key(RT2)].sort());
      });

      it('switches from specific to default when a VPN peer without route-target comes up: withdrawals in one UPDATE, the default in a later one', () => {
        const gw = up('gw', ['inet-vpn', 'route-target']);
        originate(RT1);
        originate(RT2);
        const seen = receive(rib, gw, fresh());
        expect([...seen.rtc].sort()).toEqual([key(RT1), key(RT2)].sort());
        const mark = seen.rtcHistory.length;
        up('frr', ['inet-vpn']);
        receive(rib, gw, seen);
        expect([...seen.rtc]).toEqual(['0:0']);
        expect(seen.defaultWithSpecific).toBe(0);
        // Every UPDATE toward gw is either a withdrawal of old memberships or an announcement of new ones.
        expect(history(seen, mark)).toEqual(['', '0:0']);
      });

      it('switches from default to specific when the last VPN peer without route-target goes: the default withdrawn first, the specific ones after', () => {
        const gw = up('gw', ['inet-vpn', 'route-target']);
        const frr = up('frr', ['inet-vpn']);
        const bird = up('bird', ['inet-vpn']);
        originate(RT1);
        const seen = receive(rib, gw, fresh());
        expect([...seen.rtc]).toEqual(['0:0']);
        rib.peerDown(frr);
        receive(rib, gw, seen);
        expect([...seen.rtc]).toEqual(['0:0']);
        const mark = seen.rtcHistory.length;
        rib.peerDown(bird);
        receive(rib, gw, seen);
        expect(history(seen, mark)).toEqual(['', key(RT1)]);
        expect(seen.defaultWithSpecific).toBe(0);
      });

      it('never lets a peer hold both during a switch, even when each drain handles one destination', () => {
        const gw = up('gw', ['inet-vpn', 'route-target']);
        for (const rt of [RT1, RT2, RT3]) originate(rt);
        const seen = receive(rib, gw, fresh(), 1);
        const frr = up('frr', ['inet-vpn']);
        receive(rib, gw, seen, 1);
        expect([...seen.rtc]).toEqual(['0:0']);
        rib.peerDown(frr);
        receive(rib, gw, seen, 1);
        expect([...seen.rtc].sort()).toEqual([RT1, RT2, RT3].map(key).sort());
        expect(seen.defaultWithSpecific).toBe(0);
        expect(seen.rtcHistory).toContain('');
      });

      it('gives a specific membership that appears while the default is sent only after the default goes', () => {
        const gw = up('gw', ['inet-vpn', 'route-target']);
        const frr = up('frr', ['inet-vpn']);
        const seen = receive(rib, gw, fresh());
        originate(RT1);
        receive(rib, gw, seen);
        expect([...seen.rtc]).toEqual(['0:0']);
        rib.peerDown(frr);
        expect([...receive(rib, gw, seen).rtc]).toEqual([key(RT1)]);
        expect(seen.defaultWithSpecific).toBe(0);
      });

      it('reflects a peer\'s default membership alone to the other route-target peers, and still sends that peer the specific ones', () => {
        const gw = up('gw', ['inet-vpn', 'route-target']);
        const gw2 = up('gw2', ['inet-vpn', 'route-target']);
        originate(RT1);
        rib.update(gw2, membership(RT2));
        receive(rib, gw, fresh());
        rib.update(gw2, membership(0n, 0));
        expect([...receive(rib, gw, fresh()).rtc]).toEqual(['0:0']);
        expect([...receive(rib, gw2, fresh()).rtc]).toEqual([key(RT1)]);
        expect(views.get(gw)!.defaultWithSpecific).toBe(0);
      });
    });
  });
});
