/**
 * The `xmpp` and `introspect` sections: where the agent-facing XMPP server
 * and the introspect pages listen, whether they run at all, and the XMPP
 * hold time; every key with good and bad values, and the defaults.
 */

import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { errorOf, errorOfText, FILE, load, minimalDoc } from './support.js';

function docWith(section: 'xmpp' | 'introspect', value: unknown): Record<string, unknown> {
  return { ...minimalDoc(), [section]: value };
}

describe('the xmpp section', () => {
  it('may be left out, and then the agent port 5269 on the loopback and a 90 s hold time apply', () => {
    expect(load(minimalDoc()).xmpp).toEqual({
      enabled: true,
      listen: { address: '127.0.0.1', port: 5269 },
      holdTime: 90,
    });
  });

  it('written with no value, or with empty keys, gets every default', () => {
    const defaults = load(minimalDoc()).xmpp;
    expect(load(docWith('xmpp', null)).xmpp).toEqual(defaults);
    expect(load(docWith('xmpp', { listen: null, 'hold-time': null, enabled: null })).xmpp).toEqual(defaults);
  });

  it('fills in the listen defaults key by key', () => {
    expect(load(docWith('xmpp', { listen: { port: 0 } })).xmpp.listen).toEqual({ address: '127.0.0.1', port: 0 });
    expect(load(docWith('xmpp', { listen: { address: '0.0.0.0' } })).xmpp.listen).toEqual({
      address: '0.0.0.0',
      port: 5269,
    });
  });

  it('reads the example from the documentation', () => {
    const text =
      'node: { name: cn1, router-id: 10.0.0.1, asn: 64512 }\n' +
      'xmpp:\n  listen: { address: 10.0.0.1, port: 5269 }\n  hold-time: 30\n  enabled: false\n';
    expect(parseConfigText(text, FILE).xmpp).toEqual({
      enabled: false,
      listen: { address: '10.0.0.1', port: 5269 },
      holdTime: 30,
    });
  });

  it('must be a mapping', () => {
    expect(errorOf(docWith('xmpp', [])).message).toBe('config.yaml: xmpp: expected a mapping, got a list');
    expect(errorOf(docWith('xmpp', true)).message).toBe('config.yaml: xmpp: expected a mapping, got true');
  });

  it('rejects an unknown key and lists the keys allowed there', () => {
    expect(errorOf(docWith('xmpp', { holdtime: 30 })).message).toBe(
      'config.yaml: xmpp.holdtime: unknown key (allowed: listen, hold-time, enabled, tls, max-routes-per-agent, graceful-restart)',
    );
    expect(errorOf(docWith('xmpp', { listen: { host: '127.0.0.1' } })).message).toBe(
      'config.yaml: xmpp.listen.host: unknown key (allowed: address, port)',
    );
  });
});

describe('xmpp.listen', () => {
  it.each(['0.0.0.0', '127.0.0.1', '192.0.2.1'])('accepts the address %j', (address) => {
    expect(load(docWith('xmpp', { listen: { address } })).xmpp.listen.address).toBe(address);
  });

  it.each(['localhost', '::1', '1.2.3.256', '010.0.0.1', 2130706433])('rejects the address %j', (address) => {
    expect(errorOf(docWith('xmpp', { listen: { address } })).message).toMatch(
      /^config\.yaml: xmpp\.listen\.address: expected a dotted-quad IPv4 address, got /,
    );
  });

  it.each([0, 5269, 15269, 65535])('accepts the port %d (0 lets the system pick one)', (port) => {
    expect(load(docWith('xmpp', { listen: { port } })).xmpp.listen.port).toBe(port);
  });

  it.each([-1, 65536, 52.69, '5269'])('rejects the port %j', (port) => {
    expect(errorOf(docWith('xmpp', { listen: { port } })).message).toMatch(
      /^config\.yaml: xmpp\.listen\.port: expected an integer 0\.\.65535, got /,
    );
  });

  it('reports a bad port exactly', () => {
    expect(errorOf(docWith('xmpp', { listen: { port: '5269' } })).message).toBe(
      'config.yaml: xmpp.listen.port: expected an integer 0..65535, got "5269"',
    );
  });
});

describe('xmpp.hold-time', () => {
  it.each([3, 8, 90, 65535])('accepts %d seconds', (value) => {
    expect(load(docWith('xmpp', { 'hold-time': value })).xmpp.holdTime).toBe(value);
  });

  it.each([0, 1, 2, 65536, 90.5, -90, '90', true])('rejects %j (no 0 here: agents always send keepalives)', (value) => {
    expect(errorOf(docWith('xmpp', { 'hold-time': value })).message).toMatch(
      /^config\.yaml: xmpp\.hold-time: expected an integer 3\.\.65535, got /,
    );
  });

  it('reports a hold time below 3 exactly', () => {
    expect(errorOf(docWith('xmpp', { 'hold-time': 2 })).message).toBe(
      'config.yaml: xmpp.hold-time: expected an integer 3..65535, got 2',
    );
  });
});

describe('xmpp.graceful-restart', () => {
  it('reads restart-time, end-of-rib-timeout and long-lived-stale-time when enabled, long-lived off by default', () => {
    expect(load(docWith('xmpp', { 'graceful-restart': { enabled: true } })).xmpp.gracefulRestart)
      .toEqual({ restartTime: 60, endOfRibTimeout: 300, longLivedStaleTime: 0 });
    const gr = { enabled: true, 'restart-time': 30, 'end-of-rib-timeout': 20, 'long-lived-stale-time': 86400 };
    expect(load(docWith('xmpp', { 'graceful-restart': gr })).xmpp.gracefulRestart)
      .toEqual({ restartTime: 30, endOfRibTimeout: 20, longLivedStaleTime: 86400 });
    expect(load(docWith('xmpp', { 'graceful-restart': { 'long-lived-stale-time': 60 } })).xmpp.gracefulRestart).toBeUndefined();
  });

  it.each([-1, 16777216, 1.5, '60'])('rejects long-lived-stale-time %j naming the key', (value) => {
    expect(errorOf(docWith('xmpp', { 'graceful-restart': { enabled: true, 'long-lived-stale-time': value } })).message).toMatch(
      /^config\.yaml: xmpp\.graceful-restart\.long-lived-stale-time: expected an integer 0\.\.16777215, got /,
    );
  });
});

describe('xmpp.enabled', () => {
  it.each([true, false])('accepts %j', (enabled) => {
    expect(load(docWith('xmpp', { enabled })).xmpp.enabled).toBe(enabled);
  });

  it.each(['yes', 'true', 1, 0])('rejects %j', (enabled) => {
    expect(errorOf(docWith('xmpp', { enabled })).message).toMatch(
      /^config\.yaml: xmpp\.enabled: expected true or false, got /,
    );
  });

  it('takes YAML "yes" as the string it is, and rejects it', () => {
    const text = 'node: { name: cn1, router-id: 10.0.0.1, asn: 64512 }\nxmpp: { enabled: yes }\n';
    expect(errorOfText(text).message).toBe('config.yaml: xmpp.enabled: expected true or false, got "yes"');
  });
});

describe('the introspect section', () => {
  it('may be left out, and then the introspect port 8083 on the loopback applies', () => {
    expect(load(minimalDoc()).introspect).toEqual({ enabled: true, listen: { address: '127.0.0.1', port: 8083 } });
  });

  it('written with no value, or with empty keys, gets every default', () => {
    const defaults = load(minimalDoc()).introspect;
    expect(load(docWith('introspect', null)).introspect).toEqual(defaults);
    expect(load(docWith('introspect', { listen: null, enabled: null })).introspect).toEqual(defaults);
  });

  it('takes every key', () => {
    expect(load(docWith('introspect', { listen: { address: '0.0.0.0', port: 0 }, enabled: false })).introspect).toEqual({
      enabled: false,
      listen: { address: '0.0.0.0', port: 0 },
    });
  });

  it('fills in the listen defaults key by key', () => {
    expect(load(docWith('introspect', { listen: { port: 9083 } })).introspect.listen).toEqual({
      address: '127.0.0.1',
      port: 9083,
    });
    expect(load(docWith('introspect', { listen: { address: '10.0.0.1' } })).introspect.listen).toEqual({
      address: '10.0.0.1',
      port: 8083,
    });
  });

  it('must be a mapping', () => {
    expect(errorOf(docWith('introspect', 8083)).message).toBe(
      'config.yaml: introspect: expected a mapping, got 8083',
    );
  });

  it('rejects an unknown key and lists the keys allowed there', () => {
    expect(errorOf(docWith('introspect', { port: 8083 })).message).toBe(
      'config.yaml: introspect.port: unknown key (allowed: listen, enabled, tls, token, token-file)',
    );
    expect(errorOf(docWith('introspect', { listen: { addr: '127.0.0.1' } })).message).toBe(
      'config.yaml: introspect.listen.addr: unknown key (allowed: address, port)',
    );
  });

  it.each([
    [{ listen: { address: 'localhost' } }, 'introspect.listen.address: expected a dotted-quad IPv4 address, got "localhost"'],
    [{ listen: { port: 65536 } }, 'introspect.listen.port: expected an integer 0..65535, got 65536'],
    [{ listen: { port: -1 } }, 'introspect.listen.port: expected an integer 0..65535, got -1'],
    [{ listen: [] }, 'introspect.listen: expected a mapping, got a list'],
    [{ enabled: 'no' }, 'introspect.enabled: expected true or false, got "no"'],
  ])('rejects %j', (value, error) => {
    expect(errorOf(docWith('introspect', value)).message).toBe(`config.yaml: ${error}`);
  });
});

describe('the xmpp and introspect sections in JSON', () => {
  it('read the same as in YAML', () => {
    const json = JSON.stringify({
      ...minimalDoc(),
      xmpp: { listen: { address: '0.0.0.0', port: 0 }, 'hold-time': 10, enabled: true },
      introspect: { listen: { port: 0 }, enabled: false },
    });
    const config = parseConfigText(json, 'cn.json');
    expect(config.xmpp).toEqual({ enabled: true, listen: { address: '0.0.0.0', port: 0 }, holdTime: 10 });
    expect(config.introspect).toEqual({ enabled: false, listen: { address: '127.0.0.1', port: 0 } });
  });

  it('report errors by key path', () => {
    const json = JSON.stringify({ ...minimalDoc(), xmpp: { 'hold-time': '90' } });
    expect(errorOfText(json).message).toBe('config.yaml: xmpp.hold-time: expected an integer 3..65535, got "90"');
  });
});
