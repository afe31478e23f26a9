/**
 * Offline checks of the lab harness: RIB/session parsers against outputs captured
 * from gobgp 3.10.0, FRR 8.4.4 and BIRD 2.0.12 in this lab, and the config
 * generators (our YAML, gobgpd TOML for the stand-in reflector). No namespaces,
 * no daemons: runs in milliseconds and pins down what the live tests rely on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  birdConf, birdSinceToEpoch, canonicalNextHop, controlNodeYaml, frrBgpdConf, goBgpRrConfig, goBgpToml, parseBirdProtocols, parseBirdSessions,
  goBgpExtCommunity, parseBirdIpv4Routes, parseBirdVpnRoutes, parseFrrSummary, parseFrrVpnPrefixDetail, parseFrrVpnPrefixes, parseGoBgpNeighbors,
  parseGoBgpRtcRib, parseGoBgpVpnRib, parseGoBgpVrfRib, routeNextHop, vpnFamilyOf,
} from './lab/index.js';
import type { CnConfig } from './lab/index.js';
import { parseConfigText } from '../src/config/index.js';

const GOBGP_VPN = JSON.stringify({
  '192.0.2.12:1:198.18.10.0/24': [{
    nlri: { prefix: '198.18.10.0/24', labels: [1001], rd: { type: 1, admin: '192.0.2.12', assigned: 1 } }, best: true,
    attrs: [{ type: 1, value: 0 }, { type: 2, as_paths: [] }, { type: 4, metric: 0 }, { type: 5, value: 100 },
      { type: 9, value: '192.0.2.12' }, { type: 10, value: ['192.0.2.15'] },
      { type: 16, value: [{ type: 0, subtype: 2, value: '64512:1' }, { type: 1, subtype: 2, value: '192.0.2.1:7' }] },
      { type: 14, nexthop: '192.0.2.12', afi: 1, safi: 128, value: [] }],
    'neighbor-ip': '192.0.2.15',
  }],
  '64512:7:198.18.7.0/24': [{
    nlri: { prefix: '198.18.7.0/24', labels: [7], rd: { type: 0, admin: 64512, assigned: 7 } }, best: true,
    attrs: [{ type: 2, as_paths: [{ segment_type: 2, num: 2, asns: [64600, 64601] }] }, { type: 4, metric: 5 },
      { type: 16, value: [{ type: 3, subtype: 12, tunnel_type: 2 }] }, { type: 14, nexthop: '192.0.2.11' }],
  }],
});

const GOBGP_RTC = JSON.stringify({
  '64512:64512:1': [
    { nlri: { prefix: '64512:64512:1' }, best: true, attrs: [{ type: 1, value: 0 }, { type: 14, nexthop: '0.0.0.0' }] },
    { nlri: { prefix: '64512:64512:1' }, best: false, attrs: [{ type: 9, value: '192.0.2.15' }, { type: 10, value: ['192.0.2.15'] },
      { type: 14, nexthop: '192.0.2.15' }] },
  ],
});

const FRR_LIST = JSON.stringify({ routes: { routeDistinguishers: {
  '192.0.2.11:5': { '198.18.12.0/24': [{}] }, '192.0.2.13:1': { '198.18.12.0/24': [{}], '198.18.11.0/24': [{}] },
} } });

const FRR_DETAIL = JSON.stringify({
  '192.0.2.13:1': { prefix: '198.18.11.0/24', paths: [{
    aspath: { string: 'Local', segments: [], length: 0 }, origin: 'IGP', locPrf: 100, valid: true,
    bestpath: { overall: true }, extendedCommunity: { string: 'RT:64512:1 RT:64512:9' }, originatorId: '192.0.2.13',
    clusterList: { list: ['192.0.2.15'] }, remoteLabel: 1003, nexthops: [{ ip: '192.0.2.100', afi: 'ipv4', used: true }],
  }] },
});

const FRR_SUMMARY = JSON.stringify({ ipv4Vpn: { routerId: '192.0.2.12', peers: { '192.0.2.15': { remoteAs: 64512, state: 'Established', peerUptimeEstablishedEpoch: 1795458844 } } } });

const BIRD_ROUTES = [
  'BIRD 2.0.12 ready.',
  'Table vpntab:',
  '64512:7 198.18.7.0/24 unicast [to_gw 18:42:01.051] * (100) [AS64601e]',
  '\tvia 192.0.2.11 on v-bird mpls 7',
  '\tType: BGP univ',
  '\tBGP.as_path: 64600 64601',
  '\tBGP.next_hop: 192.0.2.11',
  '\tBGP.med: 5',
  '\tBGP.local_pref: 100',
  '\tBGP.ext_community: (rt, 64512, 1)',
  '\tBGP.mpls_label_stack: 7',
  '192.0.2.11:5 198.18.5.0/24 unicast [vpnstatic 18:41:56.868] * (200)',
  '\tvia 192.0.2.100 on v-bird mpls 77',
  '\tType: static univ',
  '\tBGP.ext_community: (rt, 64512, 1) (rt, 192.0.2.1, 7)',
  '                     unicast [to_gw 18:42:00.943] (100) [?]',
  '\tvia 192.0.2.11 on v-bird mpls 1005',
  '\tBGP.next_hop: 192.0.2.11',
  '\tBGP.originator_id: 192.0.2.12',
  '\tBGP.cluster_list: 192.0.2.15 192.0.2.16',
  '\tBGP.mpls_label_stack: 1005',
  '64512:6 198.18.6.0/24 unreachable [to_gw 18:42:00.999 from 192.0.2.11] * (100) [?]',
  '\tType: BGP univ',
  '\tBGP.next_hop: 10.9.9.9',
  '\tBGP.mpls_label_stack: 1006',
  '',
].join('\n');

/** `birdc show route table master4 all` of the Calico node in interop/bgpaas.test.ts (BIRD 2.0.12). */
const BIRD_IPV4_ROUTES = [
  'BIRD 2.0.12 ready.',
  'Table master4:',
  '10.244.0.0/24        blackhole [ipv4static 02:52:54.364] * (200)',
  '\tType: static univ',
  '192.0.2.0/24         unicast [direct1 02:52:54.365] * (240)',
  '\tdev v-vm',
  '\tType: device univ',
  '192.0.2.50/32        unicast [to_cn 02:52:59.297 from 192.0.2.15] * (100) [AS64512?]',
  '\tvia 192.0.2.1 on v-vm',
  '\tType: BGP univ',
  '\tBGP.origin: Incomplete',
  '\tBGP.as_path: 64512',
  '\tBGP.next_hop: 192.0.2.1',
  '\tBGP.med: 200',
  '\tBGP.local_pref: 100',
  '\tBGP.ext_community: (generic, 0x30c0000, 0x2) (generic, 0x30c0000, 0xd) (generic, 0x8004fc00, 0x7a1201)',
  '',
].join('\n');

const BIRD_PROTOCOLS = [
  'BIRD 2.0.12 ready.',
  'Name       Proto      Table      State  Since         Info',
  'vpnstatic  Static     vpntab     up     18:41:56.868  ',
  'to_cn      BGP        ---        start  18:42:00.774  Active        Socket: Connection refused',
].join('\n');

const BIRD_PROTOCOLS_ALL = [
  'BIRD 2.0.12 ready.',
  'Name       Proto      Table      State  Since         Info',
  'device1    Device     ---        up     18:34:05.255  ',
  'to_cn      BGP        ---        up     18:34:09.429  Established   ',
  '  BGP state:          Established',
  '    Neighbor address: 192.0.2.15',
  '    Neighbor AS:      64512',
].join('\n');

// ---- VPNv6: raw outputs captured in this lab (interop/fixtures/vpnv6/) from gobgp 3.10.0, FRR 8.4.4
// and BIRD 2.0.12, the routes reflected by our control node over IPv4 sessions. On the wire every
// VPNv6 next hop was RD 0 + ::ffff:a.b.c.d (24 bytes); gobgp and BIRD print it as the bare IPv4
// address, FRR as '::ffff:c000:20b' (and its own routes' as '::').
const fixture = (name: string): string => readFileSync(new URL(`fixtures/vpnv6/${name}`, import.meta.url), 'utf8');

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: '192.0.2.15', asn: 64512, clusterId: '192.0.2.15' },
  bgp: {
    listen: { address: '192.0.2.15', port: 179 },
    holdTime: 90,
    peers: [
      { name: 'gw', address: '192.0.2.11', asn: 64512, routeReflectorClient: true, families: ['inet-vpn', 'route-target'] },
      { name: 'frr', address: '192.0.2.12', asn: 64512, routeReflectorClient: true, families: ['inet-vpn'] },
    ],
  },
};

describe('interop lab parsers and generators', () => {
  it('GoBGP VPNv4 JSON becomes typed routes with RD, labels, next hop, RTs, originator and cluster list', () => {
    const [a, b] = parseGoBgpVpnRib(GOBGP_VPN);
    expect(a).toEqual({ rd: '192.0.2.12:1', prefix: '198.18.10.0/24', labels: [1001], nextHop: '192.0.2.12', best: true,
      extCommunities: ['target:64512:1', 'target:192.0.2.1:7'], originatorId: '192.0.2.12', clusterList: ['192.0.2.15'],
      localPref: 100, med: 0, asPath: [] });
    expect(b).toMatchObject({ rd: '64512:7', asPath: [64600, 64601], med: 5, nextHop: '192.0.2.11' });
    expect(b?.extCommunities).toEqual(['encapsulation:gre']);
    expect(parseGoBgpVpnRib('{}\n')).toEqual([]);
  });

  it('GoBGP extended communities of Contrail routes read as Contrail names, and unknown ones stay raw', () => {
    // As gobgp 3.10.0 printed an agent route exported by our control node (text form:
    // "[64512:1001], [64512:8000001], [GRE], [MPLS in UDP], [32083749298503684]").
    const ecs = [{ type: 0, subtype: 2, value: '64512:1001' }, { type: 3, subtype: 12, tunnel_type: 2 },
      { type: 3, subtype: 12, tunnel_type: 13 }, { type: 128, subtype: 113, value: 'cfwAAAAABA==' },
      { type: 128, subtype: 4, value: 'BPwAAHoSAg==' }, { type: 128, subtype: 170, value: 'qgAAAAAAAA==' }];
    expect(ecs.map(goBgpExtCommunity)).toEqual(['target:64512:1001', 'encapsulation:gre', 'encapsulation:udp',
      'originvn:64512:4', 'secgroup:64512:8000002', 'gobgp:{"type":128,"subtype":170,"value":"qgAAAAAAAA=="}']);
  });

  it('GoBGP 4-byte-AS route targets, printed in asdot, read as asplain, and Contrail\'s 82:xx pairs by their fields', () => {
    // As gobgp 3.10.0 printed an agent route under AS 4200000000 (text form:
    // "[64086.59904:1001], [1125899914842626], [1401151106842624], [32081923568304132]").
    const ecs = [{ type: 2, subtype: 2, value: '64086.59904:1001' }, { type: 128, subtype: 4, value: 'BAAAAHoSAg==' },
      { type: 130, subtype: 4, value: 'BPpW6gAAAA==' }, { type: 130, subtype: 113, value: 'cfpW6gAABA==' }];
    expect(ecs.map(goBgpExtCommunity)).toEqual(['target:4200000000:1001', 'secgroup:0:8000002', 'secgroup:4200000000:0', 'originvn:4200000000:4']);
  });

  it('GoBGP VRF JSON yields the source RD from the key, the prefix and the next hop of every path', () => {
    const text = JSON.stringify({
      '192.0.2.11:1:0.0.0.0/0': [{ nlri: { prefix: '0.0.0.0/0' }, best: false, attrs: [{ type: 1, value: 2 }, { type: 3, nexthop: '192.0.2.11' }] }],
      '192.0.2.21:1:198.51.100.10/32': [{ nlri: { prefix: '198.51.100.10/32' }, best: false,
        attrs: [{ type: 1, value: 2 }, { type: 4, metric: 200 }, { type: 5, value: 100 }, { type: 3, nexthop: '192.0.2.21' }] }],
    });
    expect(parseGoBgpVrfRib(text)).toEqual([
      { rd: '192.0.2.11:1', prefix: '0.0.0.0/0', nextHop: '192.0.2.11', best: false },
      { rd: '192.0.2.21:1', prefix: '198.51.100.10/32', nextHop: '192.0.2.21', best: false, localPref: 100, med: 200 },
    ]);
    expect(parseGoBgpVrfRib('{}')).toEqual([]);
  });

  it('GoBGP RTC JSON yields origin AS and route target per membership route', () => {
    const rtc = parseGoBgpRtcRib(GOBGP_RTC);
    expect(rtc).toHaveLength(2);
    expect(rtc[1]).toEqual({ prefix: '64512:64512:1', originAs: 64512, routeTarget: 'target:64512:1', nextHop: '192.0.2.15',
      originatorId: '192.0.2.15', clusterList: ['192.0.2.15'], best: false, isDefault: false });
    const withDefault = parseGoBgpRtcRib(JSON.stringify({ '0:default': [{ nlri: null, best: true, attrs: [] }] }));
    expect(withDefault).toEqual([{ prefix: '0:default', nextHop: '', clusterList: [], best: true, isDefault: true }]);
  });

  it('GoBGP neighbor JSON maps numeric session states to names', () => {
    const text = JSON.stringify([{ conf: { neighbor_address: '192.0.2.15', peer_asn: 64512 }, state: { session_state: 6 },
      timers: { state: { uptime: { seconds: 1795458851 } } } },
      { conf: { neighbor_address: '192.0.2.16' }, state: { session_state: 3 } }]);
    expect(parseGoBgpNeighbors(text)).toEqual([
      { neighbor: '192.0.2.15', state: 'established', peerAs: 64512, upSince: 1795458851000 }, { neighbor: '192.0.2.16', state: 'active' }]);
  });

  it('FRR list and per-prefix JSON give the same route shape, and the summary gives session states', () => {
    expect(parseFrrVpnPrefixes(FRR_LIST).sort()).toEqual(['198.18.11.0/24', '198.18.12.0/24']);
    expect(parseFrrVpnPrefixDetail(FRR_DETAIL)).toEqual([{ rd: '192.0.2.13:1', prefix: '198.18.11.0/24', labels: [1003],
      nextHop: '192.0.2.100', extCommunities: ['target:64512:1', 'target:64512:9'], originatorId: '192.0.2.13',
      clusterList: ['192.0.2.15'], localPref: 100, asPath: [], best: true }]);
    expect(parseFrrSummary(FRR_SUMMARY)).toEqual([{ neighbor: '192.0.2.15', state: 'established', peerAs: 64512, upSince: 1795458844000 }]);
  });

  it('BIRD route text with alternates and unreachable routes is parsed path by path', () => {
    const routes = parseBirdVpnRoutes(BIRD_ROUTES);
    expect(routes.map((r) => [r.rd, r.prefix, r.labels, r.nextHop, r.best])).toEqual([
      ['64512:7', '198.18.7.0/24', [7], '192.0.2.11', true],
      ['192.0.2.11:5', '198.18.5.0/24', [77], '192.0.2.100', true],
      ['192.0.2.11:5', '198.18.5.0/24', [1005], '192.0.2.11', false],
      ['64512:6', '198.18.6.0/24', [1006], '10.9.9.9', true],
    ]);
    expect(routes[0]).toMatchObject({ asPath: [64600, 64601], med: 5, localPref: 100, extCommunities: ['target:64512:1'] });
    expect(routes[1]?.extCommunities).toEqual(['target:64512:1', 'target:192.0.2.1:7']);
    expect(routes[2]).toMatchObject({ originatorId: '192.0.2.12', clusterList: ['192.0.2.15', '192.0.2.16'] });
  });

  it('IPv4-mapped next hops read the same whatever the tool printed, and only IPv6 routes turn a bare IPv4 next hop into one', () => {
    expect(['::ffff:c000:20b', '::FFFF:192.0.2.11', '0:0:0:0:0:ffff:c000:20b', '::ffff:192.0.2.11'].map(canonicalNextHop))
      .toEqual(Array(4).fill('::ffff:192.0.2.11'));
    expect(['::', '2001:db8::1', '::ffff:0:c000:20b', '192.0.2.11', 'fe80::1:ffff:c000:20b'].map(canonicalNextHop))
      .toEqual(['::', '2001:db8::1', '::ffff:0:c000:20b', '192.0.2.11', 'fe80::1:ffff:c000:20b']);
    expect(routeNextHop('2001:db8:41::/48', '192.0.2.11')).toBe('::ffff:192.0.2.11');
    expect(routeNextHop('198.18.1.0/24', '192.0.2.11')).toBe('192.0.2.11');
    expect(routeNextHop('2001:db8:41::/48', '::')).toBe('::');
    expect([vpnFamilyOf('2001:db8::/32'), vpnFamilyOf('::/0'), vpnFamilyOf('0.0.0.0/0')]).toEqual(['vpnv6', 'vpnv6', 'vpnv4']);
  });

  it('GoBGP VPNv6 and IPv6 VRF JSON give IPv6 prefixes with IPv4-mapped next hops, which gobgp prints as IPv4', () => {
    const vpn = parseGoBgpVpnRib(fixture('gobgp-global-rib-vpnv6.json'));
    expect(vpn.map((r) => [r.rd, r.prefix, r.labels, r.nextHop, r.best])).toEqual([
      ['192.0.2.11:41', '2001:db8:41::/48', [1041], '::ffff:192.0.2.11', true],
      ['192.0.2.11:51', '2001:db8:51::/48', [1051], '::ffff:192.0.2.11', true],
      ['192.0.2.12:40', '2001:db8:40::/48', [1040], '::ffff:192.0.2.12', true],
    ]);
    expect(vpn[2]).toMatchObject({ extCommunities: ['target:64512:1'], originatorId: '192.0.2.12', clusterList: ['192.0.2.15'], asPath: [] });
    expect(parseGoBgpVrfRib(fixture('gobgp-vrf-blue-rib-ipv6.json')).map((r) => `${r.rd} ${r.prefix} via ${r.nextHop}`)).toEqual([
      '192.0.2.11:41 2001:db8:41::/48 via ::ffff:192.0.2.11',
      '192.0.2.11:51 2001:db8:51::/48 via ::ffff:192.0.2.11',
      '192.0.2.12:40 2001:db8:40::/48 via ::ffff:192.0.2.12',
    ]);
  });

  it('FRR IPv6 VPN JSON gives the reflected route with its mapped next hop, label and reflection attributes', () => {
    expect(parseFrrVpnPrefixes(fixture('frr-show-bgp-ipv6-vpn.json')).sort()).toEqual(['2001:db8:40::/48', '2001:db8:41::/48', '2001:db8:51::/48']);
    expect(parseFrrVpnPrefixDetail(fixture('frr-show-bgp-ipv6-vpn-2001-db8-41.json'))).toEqual([{ rd: '192.0.2.11:41',
      prefix: '2001:db8:41::/48', labels: [1041], nextHop: '::ffff:192.0.2.11', extCommunities: ['target:64512:1'],
      originatorId: '192.0.2.11', clusterList: ['192.0.2.15'], localPref: 100, asPath: [], best: true }]);
    // FRR's own static VPNv6 route: next hop '::' in its table, ::ffff:192.0.2.12 on the wire.
    expect(parseFrrVpnPrefixDetail(fixture('frr-show-bgp-ipv6-vpn-2001-db8-40-own.json'))).toMatchObject([
      { rd: '192.0.2.12:40', prefix: '2001:db8:40::/48', labels: [], nextHop: '::', best: true }]);
  });

  it('BIRD vpn6 route text gives IPv6 prefixes, labels and mapped next hops, which BIRD prints as IPv4', () => {
    const routes = parseBirdVpnRoutes(fixture('bird-show-route-table-vpntab6-all.txt'));
    expect(routes.map((r) => [r.rd, r.prefix, r.labels, r.nextHop, r.best])).toEqual([
      ['192.0.2.13:2', '2001:db8:2::/48', [1002], '::ffff:192.0.2.100', true],
      ['192.0.2.13:5', '2001:db8:5::/48', [3], '::ffff:192.0.2.13', true],
      ['192.0.2.13:3', '2001:db8:3::/48', [1003], '::ffff:192.0.2.100', true],
      ['192.0.2.13:1', '2001:db8:1::/48', [1001], '::ffff:192.0.2.100', true],
      ['192.0.2.13:4', '2001:db8:4::/48', [3], '::ffff:192.0.2.13', true],
    ]);
    expect(routes[0]).toMatchObject({ originatorId: '192.0.2.13', clusterList: ['192.0.2.15'], extCommunities: ['target:64512:1'], asPath: [] });
  });

  it('FRR and BIRD configs put VPNv6 routes under their own family, with BIRD accepting IPv4-mapped next hops', () => {
    const v4 = { rd: '192.0.2.12:40', prefix: '198.18.40.0/24', label: 1040, routeTargets: ['target:64512:1'], nextHop: '192.0.2.12' };
    const v6 = { rd: '192.0.2.12:43', prefix: '2001:db8:43::/48', label: 1043, routeTargets: ['target:64512:1'], nextHop: '::ffff:192.0.2.12' };
    const frr = frrBgpdConf({ asn: 64512, routerId: '192.0.2.12', neighbors: [{ address: '192.0.2.15', peerAs: 64512 }],
      families: ['vpnv4', 'vpnv6'], networks: [v4, v6] }, '/x.log');
    expect(frr).toContain([' address-family ipv4 vpn', '  neighbor 192.0.2.15 activate',
      '  network 198.18.40.0/24 rd 192.0.2.12:40 label 1040 route-map RT_64512_1', ' exit-address-family',
      ' address-family ipv6 vpn', '  neighbor 192.0.2.15 activate',
      '  network 2001:db8:43::/48 rd 192.0.2.12:43 label 1043 route-map RT_64512_1', ' exit-address-family'].join('\n'));
    const bird = birdConf({ asn: 64512, routerId: '192.0.2.13', localAddress: '192.0.2.13', families: ['vpnv4', 'vpnv6'],
      neighbors: [{ name: 'to_cn', address: '192.0.2.15', peerAs: 64512 }], routes: [v4, { ...v6, nextHop: '::ffff:192.0.2.100' }] }, '/x.log');
    expect(bird).toContain('vpn4 table vpntab;\nvpn6 table vpntab6;\n');
    expect(bird).toContain('protocol static vpnstatic6 {\n  vpn6 { table vpntab6; };\n  route 192.0.2.12:43 2001:db8:43::/48 via ::ffff:192.0.2.100 mpls 1043 {');
    expect(bird).toContain('  vpn6 mpls { table vpntab6; igp table master6; extended next hop on; import all; export all; };');
    expect(bird.match(/route 192\.0\.2\.12:4\d/g)).toHaveLength(2);
    // Without families, the VPNv4-only config of before.
    expect(birdConf({ asn: 64512, routerId: '192.0.2.13', localAddress: '192.0.2.13', neighbors: [] }, '/x.log')).not.toContain('vpn6');
  });

  it('BIRD protocol tables give protocol states and BGP session states', () => {
    expect(parseBirdProtocols(BIRD_PROTOCOLS)[1]).toEqual({ name: 'to_cn', proto: 'BGP', table: '---', state: 'start',
      since: '18:42:00.774', info: 'Active        Socket: Connection refused' });
    const now = new Date(2026, 10, 23, 20, 0, 0).getTime();
    expect(birdSinceToEpoch('18:34:09.429', now)).toBe(new Date(2026, 10, 23, 18, 34, 9, 429).getTime());
    expect(birdSinceToEpoch('21:00:00.000', now)).toBe(new Date(2026, 10, 22, 21, 0, 0).getTime());
    expect(birdSinceToEpoch('2026-11-20 18:34:09', now)).toBe(new Date(2026, 10, 20, 18, 34, 9).getTime());
    const [s] = parseBirdSessions(BIRD_PROTOCOLS_ALL);
    expect(s).toMatchObject({ neighbor: '192.0.2.15', state: 'established', peerAs: 64512 });
    expect(typeof s?.upSince).toBe('number');
  });

  it('the control node YAML matches the documented config format', () => {
    expect(controlNodeYaml(CN_CONFIG)).toBe([
      'node: { name: cn1, router-id: 192.0.2.15, asn: 64512, cluster-id: 192.0.2.15 }',
      'bgp:',
      '  listen: { address: 192.0.2.15, port: 179 }',
      '  hold-time: 90',
      '  peers:',
      '    - { name: gw, address: 192.0.2.11, asn: 64512, route-reflector-client: true, families: [inet-vpn, route-target] }',
      '    - { name: frr, address: 192.0.2.12, asn: 64512, route-reflector-client: true, families: [inet-vpn] }',
      '',
    ].join('\n'));
  });

  it('the control node YAML with xmpp and routing-instances sections is accepted by the config loader as meant', () => {
    const yaml = controlNodeYaml({
      node: { name: 'cn1', routerId: '192.0.2.15', asn: 64512 },
      bgp: { listen: { address: '192.0.2.15', port: 179 }, holdTime: 90,
        peers: [{ name: 'gw', address: '192.0.2.11', asn: 64512, families: ['inet-vpn', 'route-target'] }] },
      xmpp: { listen: { address: '192.0.2.15', port: 5269 }, holdTime: 30 },
      routingInstances: [
        { name: 'default-domain:admin:public:public', id: 1, vnIndex: 4, importTargets: ['target:64512:1001'], exportTargets: ['target:64512:1001'] },
        { name: 'default-domain:admin:svc:svc', vnIndex: 5, importTargets: ['target:64512:1002', 'target:64512:1001'] },
      ],
    });
    expect(yaml).toContain('\nxmpp:\n  listen: { address: 192.0.2.15, port: 5269 }\n  hold-time: 30\nrouting-instances:\n');
    const cfg = parseConfigText(yaml, 'lab.yaml');
    expect(cfg.node.clusterId).toBeUndefined();
    expect(cfg.xmpp).toEqual({ enabled: true, listen: { address: '192.0.2.15', port: 5269 }, holdTime: 30 });
    expect(cfg.routingInstances.map((ri) => [ri.name, ri.id, ri.vnIndex, ri.importTargets.length, ri.exportTargets.length])).toEqual([
      ['default-domain:admin:public:public', 1, 4, 1, 1], ['default-domain:admin:svc:svc', 2, 5, 2, 0]]);
  });

  it('BIRD master4 text gives IPv4 routes by prefix: received ones with next hop and AS path, its statics without', () => {
    const routes = parseBirdIpv4Routes(BIRD_IPV4_ROUTES);
    expect(routes.map((r) => [r.prefix, r.nextHop, r.asPath, r.best])).toEqual([
      ['10.244.0.0/24', '', [], true], ['192.0.2.0/24', '', [], true], ['192.0.2.50/32', '192.0.2.1', [64512], true],
    ]);
    expect(routes[2]).toMatchObject({ med: 200, localPref: 100 });
    expect(routes[2]).not.toHaveProperty('rd');
  });

  it('the BIRD Calico-node config exports only its static pod routes, with next hop self, and has no VPN channel', () => {
    const conf = birdConf({ asn: 64500, routerId: '192.0.2.50', localAddress: '192.0.2.50', families: [],
      ipv4: { routes: ['10.244.0.0/24', '10.244.1.0/24'] }, neighbors: [{ name: 'to_cn', address: '192.0.2.15', peerAs: 64512 }] }, '/x.log');
    expect(conf).toContain('protocol static ipv4static {\n  ipv4;\n  route 10.244.0.0/24 blackhole;\n  route 10.244.1.0/24 blackhole;\n}');
    expect(conf).toContain('  local 192.0.2.50 as 64500;\n  neighbor 192.0.2.15 as 64512;');
    expect(conf).toContain('  ipv4 { import all; export where proto = "ipv4static"; next hop self; };');
    expect(conf).not.toMatch(/vpn4|vpn6|mpls/);
  });

  it('the control node YAML with introspect, routing policies, BGP-as-a-Service, static routes and attached policies is accepted by the config loader as meant', () => {
    const pods = 'default-domain:k8s:pods:pods';
    const yaml = controlNodeYaml({
      node: { name: 'cn1', routerId: '192.0.2.15', asn: 64512 },
      bgp: { listen: { address: '192.0.2.15', port: 179 }, holdTime: 90,
        peers: [{ name: 'gw', address: '192.0.2.11', asn: 64512, families: ['inet-vpn', 'route-target'], exportPolicies: ['no-pods-1'] }] },
      introspect: { listen: { address: '192.0.2.15', port: 8083 } },
      routingPolicies: [
        { name: 'no-pods-1', terms: [{ from: { prefixes: [{ prefix: '10.244.1.0/24', match: 'exact' }] }, then: { action: 'reject' } }] },
        { name: 'calico-in', terms: [{ from: { protocols: ['bgpaas'], asPath: '^64500( |$)' }, then: { localPref: 200, addCommunities: ['64512:44'] } }] },
      ],
      routingInstances: [{
        name: pods, id: 3, vnIndex: 7, importTargets: ['target:64512:1001'], exportTargets: ['target:64512:1001'], importPolicies: ['calico-in'],
        bgpaas: [{ name: 'calico-1', address: '192.0.2.50', asn: 64500, gatewayAddress: '192.0.2.1', importPolicies: ['calico-in'] }],
        staticRoutes: [{ prefix: '10.99.0.0/16', nextHop: '192.0.2.50', communities: ['64512:99'] }],
      }],
    });
    expect(yaml).toContain('\nintrospect:\n  listen: { address: 192.0.2.15, port: 8083 }\nrouting-policies:\n');
    const cfg = parseConfigText(yaml, 'lab.yaml');
    expect(cfg.introspect).toEqual({ enabled: true, listen: { address: '192.0.2.15', port: 8083 } });
    expect(cfg.bgp.peers[0]).toMatchObject({ importPolicies: [], exportPolicies: ['no-pods-1'] });
    expect(cfg.routingPolicies.map((p) => [p.name, p.terms.length])).toEqual([['no-pods-1', 1], ['calico-in', 1]]);
    expect(cfg.routingPolicies[0]?.terms[0]).toMatchObject({
      from: { prefixes: [{ family: 'inet', addr: 0x0af40100, len: 24, match: 'exact' }] }, then: { action: 'reject' } });
    expect(cfg.routingPolicies[1]?.terms[0]?.from.asPath?.source).toBe('^64500( |$)');
    expect(cfg.routingPolicies[1]?.terms[0]).toMatchObject({ from: { protocols: ['bgpaas'] }, then: { action: 'next', localPref: 200, addCommunities: [64512 * 65536 + 44] } });
    const [ri] = cfg.routingInstances;
    expect(ri).toMatchObject({ name: pods, id: 3, vnIndex: 7, importPolicies: ['calico-in'], exportPolicies: [] });
    expect(ri?.bgpaas).toEqual([{ name: 'calico-1', address: '192.0.2.50', asn: 64500, families: ['inet'], gatewayAddress: 0xc0000201,
      importPolicies: ['calico-in'], exportPolicies: [] }]);
    expect(ri?.staticRoutes).toEqual([{ prefix: { family: 'inet', addr: 0x0a630000, len: 16 }, nextHop: 0xc0000232, communities: [64512 * 65536 + 99] }]);
  });

  it('the gobgpd stand-in gets the same peers, cluster id and families as the control node', () => {
    const toml = goBgpToml(goBgpRrConfig(CN_CONFIG));
    expect(toml).toContain('router-id = "192.0.2.15"');
    expect(toml.match(/route-reflector-cluster-id = "192.0.2.15"/g)).toHaveLength(2);
    expect(toml.match(/afi-safi-name = "rtc"/g)).toHaveLength(1);
    expect(toml.match(/afi-safi-name = "l3vpn-ipv4-unicast"/g)).toHaveLength(2);
    expect(toml).toContain('hold-time = 90');
    const v6 = goBgpToml(goBgpRrConfig({ ...CN_CONFIG, bgp: { ...CN_CONFIG.bgp,
      peers: CN_CONFIG.bgp.peers.map((p) => ({ ...p, families: [...p.families, 'inet6-vpn' as const] })) } }));
    expect(v6.match(/afi-safi-name = "l3vpn-ipv6-unicast"/g)).toHaveLength(2);
  });

  it('FRR and BIRD configs carry the static VPN routes with labels and route targets', () => {
    const spec = { rd: '192.0.2.12:40', prefix: '198.18.40.0/24', label: 1040, routeTargets: ['target:64512:1'], nextHop: '192.0.2.12' };
    const frr = frrBgpdConf({ asn: 64512, routerId: '192.0.2.12', neighbors: [{ address: '192.0.2.15', peerAs: 64512 }], networks: [spec] }, '/x.log');
    expect(frr).toContain('network 198.18.40.0/24 rd 192.0.2.12:40 label 1040 route-map RT_64512_1');
    expect(frr).toContain(' set extcommunity rt 64512:1');
    const bird = birdConf({ asn: 64512, routerId: '192.0.2.13', localAddress: '192.0.2.13',
      neighbors: [{ name: 'to_cn', address: '192.0.2.15', peerAs: 64512 }], routes: [{ ...spec, nextHop: '192.0.2.100' }] }, '/x.log');
    expect(bird).toContain('route 192.0.2.12:40 198.18.40.0/24 via 192.0.2.100 mpls 1040 {');
    expect(bird).toContain('bgp_ext_community.add((rt, 64512, 1));');
    expect(bird).toContain('error wait time 1, 2;');
  });
});
