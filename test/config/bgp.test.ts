/**
 * The `bgp` section: listen address, timers and peers, every key with good
 * and bad values, defaults, uniqueness of peer names and addresses, and the
 * route-reflector-client rule that spans sections.
 */

import { describe, expect, it } from 'vitest';
import { tcpMd5Problem } from '../../src/config/index.js';
import { docWithPeer, errorOf, load, minimalDoc, peerDoc } from './support.js';

function bgpWith(bgp: unknown): Record<string, unknown> {
  return { ...minimalDoc(), bgp };
}

describe('the bgp section', () => {
  it('may be left out, and then every default applies', () => {
    expect(load(minimalDoc()).bgp).toEqual({
      listen: { address: '127.0.0.1', port: 179 },
      holdTime: 90,
      connectRetry: 5,
      gracefulRestart: { enabled: false, restartTime: 60, endOfRibTimeout: 300, longLivedStaleTime: 0, restartingSpeaker: false },
      peers: [],
    });
  });

  it('reads graceful-restart, its times defaulted key by key', () => {
    expect(load(bgpWith({ 'graceful-restart': { enabled: true, 'stale-time': 120 } })).bgp.gracefulRestart)
      .toEqual({ enabled: true, restartTime: 60, endOfRibTimeout: 120, longLivedStaleTime: 0, restartingSpeaker: false });
    expect(errorOf(bgpWith({ 'graceful-restart': { 'restart-time': 5000 } })).message).toBe(
      'config.yaml: bgp.graceful-restart.restart-time: expected an integer 1..4095, got 5000',
    );
  });

  it('reads the long-lived stale time, the End-of-RIB timeout and restarting-speaker of graceful restart, and refuses bad ones naming the key', () => {
    const gr = { enabled: true, 'long-lived-stale-time': 86400, 'end-of-rib-timeout': 45, 'restarting-speaker': true };
    expect(load(bgpWith({ 'graceful-restart': gr })).bgp.gracefulRestart)
      .toEqual({ enabled: true, restartTime: 60, endOfRibTimeout: 45, longLivedStaleTime: 86400, restartingSpeaker: true });
    expect(errorOf(bgpWith({ 'graceful-restart': { 'restarting-speaker': 'yes' } })).message).toBe(
      'config.yaml: bgp.graceful-restart.restarting-speaker: expected true or false, got "yes"',
    );
    expect(errorOf(bgpWith({ 'graceful-restart': { 'long-lived-stale-time': 16777216 } })).message).toBe(
      'config.yaml: bgp.graceful-restart.long-lived-stale-time: expected an integer 0..16777215, got 16777216',
    );
    expect(errorOf(bgpWith({ 'graceful-restart': { 'end-of-rib-timeout': 0 } })).message).toBe(
      'config.yaml: bgp.graceful-restart.end-of-rib-timeout: expected an integer 1..65535, got 0',
    );
    expect(errorOf(bgpWith({ 'graceful-restart': { 'stale-time': 30, 'end-of-rib-timeout': 45 } })).message).toBe(
      'config.yaml: bgp.graceful-restart.end-of-rib-timeout: 45 disagrees with stale-time 30 (its older name): give one of them',
    );
  });

  it('fills in the listen defaults key by key', () => {
    expect(load(bgpWith({ listen: { port: 1179 } })).bgp.listen).toEqual({ address: '127.0.0.1', port: 1179 });
    expect(load(bgpWith({ listen: { address: '0.0.0.0' } })).bgp.listen).toEqual({ address: '0.0.0.0', port: 179 });
  });

  it('written with no value gets every default, and so does an empty peer list', () => {
    expect(load(bgpWith(null)).bgp.peers).toEqual([]);
    expect(load(bgpWith({ peers: null, 'hold-time': null })).bgp).toMatchObject({ peers: [], holdTime: 90 });
  });

  it('must be a mapping', () => {
    expect(errorOf(bgpWith([])).message).toBe('config.yaml: bgp: expected a mapping, got a list');
  });

  it('rejects an unknown key and lists the keys allowed there', () => {
    expect(errorOf(bgpWith({ holdtime: 30 })).message).toBe(
      'config.yaml: bgp.holdtime: unknown key (allowed: listen, hold-time, connect-retry, graceful-restart, peers)',
    );
    expect(errorOf(bgpWith({ listen: { host: '127.0.0.1' } })).message).toBe(
      'config.yaml: bgp.listen.host: unknown key (allowed: address, port)',
    );
  });
});

describe('bgp.listen', () => {
  it.each(['0.0.0.0', '127.0.0.1', '192.0.2.1'])('accepts the address %j', (address) => {
    expect(load(bgpWith({ listen: { address } })).bgp.listen.address).toBe(address);
  });

  it.each(['localhost', '::1', '1.2.3.256', 2130706433])('rejects the address %j', (address) => {
    expect(errorOf(bgpWith({ listen: { address } })).message).toMatch(
      /^config\.yaml: bgp\.listen\.address: expected a dotted-quad IPv4 address, got /,
    );
  });

  it.each([0, 179, 10179, 65535])('accepts the port %d (0 lets the system pick one)', (port) => {
    expect(load(bgpWith({ listen: { port } })).bgp.listen.port).toBe(port);
  });

  it.each([-1, 65536, 17.9, '179'])('rejects the port %j', (port) => {
    expect(errorOf(bgpWith({ listen: { port } })).message).toMatch(
      /^config\.yaml: bgp\.listen\.port: expected an integer 0\.\.65535, got /,
    );
  });
});

describe('bgp.hold-time and bgp.connect-retry', () => {
  it.each([0, 3, 90, 65535])('accept a hold time of %d', (value) => {
    expect(load(bgpWith({ 'hold-time': value })).bgp.holdTime).toBe(value);
  });

  it.each([1, 2, 65536, 90.5, -3, '90'])('reject a hold time of %j', (value) => {
    expect(errorOf(bgpWith({ 'hold-time': value })).message).toMatch(
      /^config\.yaml: bgp\.hold-time: expected 0 or an integer 3\.\.65535, got /,
    );
  });

  it.each([1, 5, 120])('accept a connect retry of %d', (value) => {
    expect(load(bgpWith({ 'connect-retry': value })).bgp.connectRetry).toBe(value);
  });

  it.each([0, 65536, 'soon'])('reject a connect retry of %j', (value) => {
    expect(errorOf(bgpWith({ 'connect-retry': value })).message).toMatch(
      /^config\.yaml: bgp\.connect-retry: expected an integer 1\.\.65535, got /,
    );
  });
});

describe('bgp.peers', () => {
  it('must be a list', () => {
    expect(errorOf(bgpWith({ peers: { a: 1 } })).message).toBe(
      'config.yaml: bgp.peers: expected a list of peers, got a mapping',
    );
  });

  it('applies the peer defaults', () => {
    expect(load(docWithPeer()).bgp.peers).toEqual([
      {
        name: 'gobgp1',
        address: '10.0.0.2',
        asn: 64512,
        port: 179,
        passive: false,
        routeReflectorClient: false,
        families: ['inet', 'inet-vpn'],
        importPolicies: [],
        exportPolicies: [],
      },
    ]);
  });

  it('turns every peer key into its camelCase field', () => {
    const peer = load(
      docWithPeer({
        port: 1790,
        passive: true,
        'route-reflector-client': true,
        families: ['route-target', 'inet-vpn'],
        'hold-time': 30,
        'local-address': '10.0.0.1',
      }),
    ).bgp.peers[0];
    expect(peer).toEqual({
      name: 'gobgp1',
      address: '10.0.0.2',
      asn: 64512,
      port: 1790,
      passive: true,
      routeReflectorClient: true,
      families: ['route-target', 'inet-vpn'],
      holdTime: 30,
      localAddress: '10.0.0.1',
      importPolicies: [],
      exportPolicies: [],
    });
  });

  it('names the peer by its index in the error', () => {
    const doc = bgpWith({ peers: [peerDoc(), peerDoc({ name: 'b', address: '10.0.0.3', asn: 'x' })] });
    expect(errorOf(doc).message).toBe(
      'config.yaml: bgp.peers[1].asn: expected an integer 1..4294967295, got "x"',
    );
  });

  it('rejects an unknown peer key and lists the keys allowed there', () => {
    expect(errorOf(docWithPeer({ 'remote-as': 1 })).message).toBe(
      'config.yaml: bgp.peers[0].remote-as: unknown key (allowed: name, address, asn, port, passive, ' +
        'route-reflector-client, families, hold-time, local-address, import-policies, export-policies, password, max-prefixes)',
    );
  });

  it.each(['name', 'address', 'asn'])('requires the peer key %s', (key) => {
    const { [key]: _dropped, ...peer } = peerDoc();
    const err = errorOf(bgpWith({ peers: [peer] }));
    expect(err.message).toMatch(new RegExp(`^config\\.yaml: bgp\\.peers\\[0\\]\\.${key}: missing; expected `));
  });
});

describe('each peer key', () => {
  // [key, value, the parsed peer's field, what it must hold]; every value differs from the default.
  const good: [string, unknown, string, unknown][] = [
    ['name', 'rr-client.1', 'name', 'rr-client.1'],
    ['address', '192.0.2.7', 'address', '192.0.2.7'],
    ['asn', 4200000000, 'asn', 4200000000],
    ['port', 1, 'port', 1],
    ['port', 65535, 'port', 65535],
    ['passive', true, 'passive', true],
    ['route-reflector-client', true, 'routeReflectorClient', true],
    ['families', ['inet'], 'families', ['inet']],
    ['families', ['inet', 'inet-vpn', 'route-target'], 'families', ['inet', 'inet-vpn', 'route-target']],
    ['hold-time', 0, 'holdTime', 0],
    ['hold-time', 3, 'holdTime', 3],
    ['local-address', '192.0.2.1', 'localAddress', '192.0.2.1'],
  ];
  it.each(good)('accepts %s: %j', (key, value, field, expected) => {
    const peer = load(docWithPeer({ [key]: value })).bgp.peers[0] as unknown as Record<string, unknown>;
    expect(peer[field]).toEqual(expected);
  });

  it('gives a peer written with only name, address and asn its defaults', () => {
    expect(load(docWithPeer()).bgp.peers[0]).toMatchObject({
      port: 179, passive: false, routeReflectorClient: false, families: ['inet', 'inet-vpn'],
    });
    expect(load(docWithPeer()).bgp.peers[0]?.holdTime).toBeUndefined();
  });

  const bad: [string, unknown, string][] = [
    ['name', 'two words', 'a name of 1..255 printable characters without spaces, got "two words"'],
    ['address', '0.0.0.0', 'a dotted-quad IPv4 address other than 0.0.0.0, got "0.0.0.0"'],
    ['address', 'gobgp1', 'a dotted-quad IPv4 address other than 0.0.0.0, got "gobgp1"'],
    ['asn', 0, 'an integer 1..4294967295, got 0'],
    ['port', 0, 'an integer 1..65535, got 0'],
    ['port', 65536, 'an integer 1..65535, got 65536'],
    ['passive', 'yes', 'true or false, got "yes"'],
    ['route-reflector-client', 1, 'true or false, got 1'],
    ['families', 'inet', 'a list of families, got "inet"'],
    ['hold-time', 2, '0 or an integer 3..65535, got 2'],
    ['local-address', '10.0.0', 'a dotted-quad IPv4 address other than 0.0.0.0, got "10.0.0"'],
  ];
  it.each(bad)('rejects %s: %j', (key, value, reason) => {
    expect(errorOf(docWithPeer({ [key]: value })).message).toBe(
      `config.yaml: bgp.peers[0].${key}: expected ${reason}`,
    );
  });

  it('accepts the IPv6 families inet6 and inet6-vpn', () => {
    const peer = load(docWithPeer({ families: ['inet6', 'inet6-vpn', 'route-target'] })).bgp.peers[0];
    expect(peer?.families).toEqual(['inet6', 'inet6-vpn', 'route-target']);
  });

  it('rejects a family it does not know, naming the list item', () => {
    expect(errorOf(docWithPeer({ families: ['inet', 'evpn'] })).message).toBe(
      'config.yaml: bgp.peers[0].families[1]: expected one of inet, inet6, inet-vpn, inet6-vpn, route-target, got "evpn"',
    );
  });

  it('rejects an empty family list', () => {
    expect(errorOf(docWithPeer({ families: [] })).message).toBe(
      'config.yaml: bgp.peers[0].families: expected at least one family, got an empty list',
    );
  });

  it('rejects a family listed twice', () => {
    expect(errorOf(docWithPeer({ families: ['inet', 'inet-vpn', 'inet'] })).message).toBe(
      'config.yaml: bgp.peers[0].families[2]: duplicate family "inet"',
    );
  });
});

describe('peer uniqueness', () => {
  it('rejects two peers with the same name', () => {
    const doc = bgpWith({ peers: [peerDoc(), peerDoc({ address: '10.0.0.3' })] });
    expect(errorOf(doc).message).toBe(
      'config.yaml: bgp.peers[1].name: duplicate peer name "gobgp1" (already used by bgp.peers[0])',
    );
  });

  it('rejects two peers with the same address', () => {
    const doc = bgpWith({ peers: [peerDoc(), peerDoc({ name: 'frr1' }), peerDoc({ name: 'bird1', address: '10.0.0.9' })] });
    expect(errorOf(doc).message).toBe(
      'config.yaml: bgp.peers[1].address: duplicate peer address "10.0.0.2" (already used by bgp.peers[0])',
    );
  });

  it('accepts peers that differ in both name and address', () => {
    const doc = bgpWith({ peers: [peerDoc(), peerDoc({ name: 'frr1', address: '10.0.0.3' })] });
    expect(load(doc).bgp.peers.map((p) => p.name)).toEqual(['gobgp1', 'frr1']);
  });
});

describe('route-reflector clients', () => {
  it('may be iBGP peers', () => {
    expect(load(docWithPeer({ 'route-reflector-client': true })).bgp.peers[0]?.routeReflectorClient).toBe(true);
  });

  it('may not be eBGP peers', () => {
    expect(errorOf(docWithPeer({ asn: 65001, 'route-reflector-client': true })).message).toBe(
      'config.yaml: bgp.peers[0].route-reflector-client: only an iBGP peer can be a route-reflector client, ' +
        "but this peer's asn 65001 is not node.asn 64512",
    );
  });

  it('leave eBGP peers that are not clients alone', () => {
    expect(load(docWithPeer({ asn: 65001 })).bgp.peers[0]?.asn).toBe(65001);
  });
});

describe('bgp.peers[].password (TCP-MD5, RFC 2385)', () => {
  it('is kept as written, and absent when not given', () => {
    expect(load(docWithPeer({ password: 's3cret' })).bgp.peers[0]!.password).toBe('s3cret');
    expect(load(docWithPeer()).bgp.peers[0]).not.toHaveProperty('password');
  });

  it.each([
    ['', 'expected a password of 1..80 bytes, got ""'],
    ['x'.repeat(81), `expected a password of 1..80 bytes, got "${'x'.repeat(40)}..."`],
    [1234, 'expected a password of 1..80 bytes, got 1234'],
  ])('rejects %j', (password, reason) => {
    expect(errorOf(docWithPeer({ password })).message).toBe(`config.yaml: bgp.peers[0].password: ${reason}`);
  });

  it('counts the limit in bytes: 40 two-byte characters fit, 41 do not', () => {
    expect(load(docWithPeer({ password: 'é'.repeat(40) })).bgp.peers[0]!.password).toBe('é'.repeat(40));
    expect(errorOf(docWithPeer({ password: 'é'.repeat(41) })).message).toMatch(/^config\.yaml: bgp\.peers\[0\]\.password: expected a password/);
  });

  it('is refused, naming the first peer that has one, where the platform cannot sign segments', () => {
    const config = load({ ...minimalDoc(), bgp: { peers: [peerDoc(), peerDoc({ name: 'b', address: '10.0.0.3', password: 'k' })] } });
    expect(tcpMd5Problem(config, { ok: false, reason: 'no CONFIG_TCP_MD5SIG' })).toEqual({
      keyPath: 'bgp.peers[1].password', reason: 'TCP-MD5 is not available here: no CONFIG_TCP_MD5SIG',
    });
    expect(tcpMd5Problem(config, { ok: true })).toBeUndefined();
    expect(tcpMd5Problem(load(docWithPeer()), { ok: false, reason: 'x' })).toBeUndefined();
  });
});

describe('bgp.peers[].max-prefixes', () => {
  it('defaults the action to teardown, with no restart', () => {
    expect(load(docWithPeer({ 'max-prefixes': { limit: 1000 } })).bgp.peers[0]!.maxPrefixes).toEqual({ limit: 1000, action: 'teardown' });
  });

  it('takes warn, and teardown with a restart time in seconds', () => {
    expect(load(docWithPeer({ 'max-prefixes': { limit: 5, action: 'warn' } })).bgp.peers[0]!.maxPrefixes).toEqual({ limit: 5, action: 'warn' });
    expect(load(docWithPeer({ 'max-prefixes': { limit: 5, action: 'teardown', 'restart-after': 60 } })).bgp.peers[0]!.maxPrefixes)
      .toEqual({ limit: 5, action: 'teardown', restartAfter: 60 });
  });

  it.each([
    [{ limit: 0 }, 'max-prefixes.limit: expected an integer 1..4294967295, got 0'],
    [{}, 'max-prefixes.limit: missing; expected an integer 1..4294967295'],
    [{ limit: 5, action: 'drop' }, 'max-prefixes.action: expected warn or teardown, got "drop"'],
    [{ limit: 5, 'restart-after': 0 }, 'max-prefixes.restart-after: expected an integer 1..65535, got 0'],
    [{ limit: 5, action: 'warn', 'restart-after': 30 }, 'max-prefixes.restart-after: only with action: teardown (a warning never takes the session down)'],
    [{ limit: 5, idle: 3 }, 'max-prefixes.idle: unknown key (allowed: limit, action, restart-after)'],
  ])('rejects %j', (value, reason) => {
    expect(errorOf(docWithPeer({ 'max-prefixes': value })).message).toBe(`config.yaml: bgp.peers[0].${reason}`);
  });
});
