/**
 * The RIB core's one way in (src/rib/rib.ts): BGP peers, agents and local
 * origination all add and withdraw paths through addPaths / withdrawPath,
 * which intern the attributes, check for loops, apply import policy and keep
 * the attributes as received beside the effective ones.
 */

import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../src/bgp/wire/families/registry.js';
import type { Ipv4Prefix, PathAttributes, VpnPrefix } from '../../src/bgp/wire/types.js';
import { Rib } from '../../src/rib/rib.js';
import { Table } from '../../src/rib/table.js';
import { ip, peer } from './support.js';
import { pathsOf } from '../../src/rib/types.js';

const LOCAL = { routerId: ip('192.0.2.15'), asn: 64512, clusterId: ip('198.51.100.1'), reflector: true };
const p4 = (a: string, len: number): Ipv4Prefix => ({ family: 'inet', addr: ip(a), len });
const ATTRS: PathAttributes = { origin: 0, asPath: [], nextHop: ip('192.0.2.11'), localPref: 100 };

function setup(): { rib: Rib; inet: Table; vpn: Table } {
  const rib = new Rib(LOCAL);
  return {
    rib,
    inet: new Table('inet.0', FAMILIES.inet) as Table,
    vpn: new Table('bgp.l3vpn.0', FAMILIES['inet-vpn']) as Table,
  };
}

describe('the one way in', () => {
  it('shares one interned attribute set among every path of a batch, and drops it with the last path', () => {
    const { rib, inet } = setup();
    const src = peer();
    expect(rib.addPaths(inet, src, ATTRS, [p4('10.1.0.0', 16), p4('10.2.0.0', 16)])).toBe(2);
    const a = pathsOf(inet.get(inet.keyOf(p4('10.1.0.0', 16)))!)[0]!;
    const b = pathsOf(inet.get(inet.keyOf(p4('10.2.0.0', 16)))!)[0]!;
    expect(a.attrs).toBe(b.attrs);
    expect(a.attrs.refs).toBe(2);
    expect(a.received).toBe(a.attrs); // no policy: effective = as received
    expect(rib.store.size).toBe(1);
    expect(rib.withdrawPath(inet, p4('10.1.0.0', 16), src)).toBe(true);
    expect(rib.withdrawPath(inet, p4('10.1.0.0', 16), src)).toBe(false);
    expect(rib.withdrawPath(inet, p4('10.2.0.0', 16), src)).toBe(true);
    expect(rib.store.size).toBe(0);
  });

  it('counts a replacement as no new path', () => {
    const { rib, inet } = setup();
    const src = peer();
    rib.addPaths(inet, src, ATTRS, [p4('10.1.0.0', 16)]);
    expect(rib.addPaths(inet, src, { ...ATTRS, localPref: 200 }, [p4('10.1.0.0', 16)])).toBe(0);
    expect(pathsOf(inet.get(inet.keyOf(p4('10.1.0.0', 16)))!).map((p) => p.attrs.attrs.localPref)).toEqual([200]);
    expect(rib.store.size).toBe(1); // the replaced set was released
  });

  it('takes labels from a VPN NLRI and keeps them out of the route key', () => {
    const { rib, vpn } = setup();
    const n: VpnPrefix = { family: 'inet-vpn', labels: [1001], rd: 0x0001_c000_020b_0001n, addr: ip('198.51.100.0'), len: 24 };
    rib.addPaths(vpn, peer(), ATTRS, [n]);
    const dest = vpn.get(vpn.keyOf({ ...n, labels: [7] }))!;
    expect(pathsOf(dest)[0]!.labels).toEqual([1001]);
  });

  it('keeps the attributes as received beside what import policy made of them', () => {
    const { rib, inet } = setup();
    rib.importPolicy = (_t, _n, _s, a) => ({ ...a, localPref: 50 });
    const src = peer();
    rib.addPaths(inet, src, ATTRS, [p4('10.1.0.0', 16)]);
    const path = pathsOf(inet.get(inet.keyOf(p4('10.1.0.0', 16)))!)[0]!;
    expect(path.attrs.attrs.localPref).toBe(50);
    expect(path.received.attrs.localPref).toBe(100);
    expect(rib.store.size).toBe(2);
    rib.withdrawPath(inet, p4('10.1.0.0', 16), src);
    expect(rib.store.size).toBe(0);
  });

  it('keeps a path import policy rejects, infeasible and as received, so that a policy change can take it back', () => {
    const { rib, inet } = setup();
    const src = peer();
    rib.importPolicy = (_t, n, _s, a) => ((n as Ipv4Prefix).addr === ip('10.9.0.0') ? undefined : { ...a, localPref: 300 });
    expect(rib.addPaths(inet, src, ATTRS, [p4('10.1.0.0', 16), p4('10.9.0.0', 16)])).toBe(2);
    const at = (s: string) => inet.get(inet.keyOf(p4(s, 16)))!;
    expect(pathsOf(at('10.9.0.0')).map((p) => [p.infeasible, p.attrs.attrs.localPref])).toEqual([['rejected-by-policy', 100]]);
    expect(at('10.9.0.0').ecmpCount).toBe(0); // never used
    expect(pathsOf(at('10.1.0.0'))[0]!.attrs.attrs.localPref).toBe(300);
    // The policy changes: the rejected path is accepted, the other loses its local-pref, nothing withdrawn.
    rib.importPolicy = (_t, n, _s, a) => ((n as Ipv4Prefix).addr === ip('10.1.0.0') ? undefined : a);
    expect(rib.reevaluate(inet)).toBe(2);
    expect(pathsOf(at('10.9.0.0')).map((p) => [p.infeasible, p.attrs.attrs.localPref])).toEqual([[undefined, 100]]);
    expect(at('10.9.0.0').ecmpCount).toBe(1);
    expect(pathsOf(at('10.1.0.0')).map((p) => [p.infeasible, p.attrs.attrs.localPref])).toEqual([['rejected-by-policy', 100]]);
    expect(rib.reevaluate(inet)).toBe(0); // nothing more to change
    rib.importPolicy = undefined;
    rib.reevaluate(inet);
    rib.removeSource(inet, src);
    expect(rib.store.size).toBe(0);
  });

  it('keeps a loop the reason a rejected path is infeasible', () => {
    const { rib, inet } = setup();
    rib.importPolicy = () => undefined;
    rib.addPaths(inet, peer(), { ...ATTRS, originatorId: LOCAL.routerId }, [p4('10.1.0.0', 16)]);
    expect(pathsOf(inet.get(inet.keyOf(p4('10.1.0.0', 16)))!)[0]!.infeasible).toBe('originator-id-loop');
  });

  it('marks paths that loop infeasible, but keeps them visible', () => {
    const { rib, inet } = setup();
    const cases: Array<[PathAttributes, string | undefined]> = [
      [{ ...ATTRS, originatorId: LOCAL.routerId }, 'originator-id-loop'],
      [{ ...ATTRS, clusterList: [ip('10.9.9.9'), LOCAL.clusterId] }, 'cluster-list-loop'],
      [{ ...ATTRS, clusterList: [LOCAL.routerId] }, undefined], // the router id is not the cluster id here
    ];
    cases.forEach(([attrs, reason], i) => {
      rib.addPaths(inet, peer(), attrs, [p4(`10.${i}.0.0`, 16)]);
      expect(pathsOf(inet.get(inet.keyOf(p4(`10.${i}.0.0`, 16)))!)[0]!.infeasible).toBe(reason);
    });
  });

  it('checks the AS path for our AS only on eBGP sources', () => {
    const { rib, inet } = setup();
    const looped = { ...ATTRS, asPath: [{ type: 2, asns: [65001, 64512] }] };
    rib.addPaths(inet, peer({ ibgp: false, asn: 65001 }), looped, [p4('10.1.0.0', 16)]);
    rib.addPaths(inet, peer({ kind: 'xmpp' }), looped, [p4('10.2.0.0', 16)]);
    expect(pathsOf(inet.get(inet.keyOf(p4('10.1.0.0', 16)))!)[0]!.infeasible).toBe('as-path-loop');
    expect(pathsOf(inet.get(inet.keyOf(p4('10.2.0.0', 16)))!)[0]!.infeasible).toBeUndefined();
  });

  it('removes every path of a source at once, and only that source\'s', () => {
    const { rib, inet } = setup();
    const a = peer();
    const b = peer();
    rib.addPaths(inet, a, ATTRS, [p4('10.1.0.0', 16), p4('10.2.0.0', 16)]);
    rib.addPaths(inet, b, { ...ATTRS, nextHop: ip('192.0.2.12') }, [p4('10.1.0.0', 16)]);
    expect(rib.removeSource(inet, a)).toBe(2);
    expect(inet.size).toBe(1);
    expect(pathsOf(inet.get(inet.keyOf(p4('10.1.0.0', 16)))!).map((p) => p.peer)).toEqual([b]);
    expect(rib.store.size).toBe(1);
  });
});
