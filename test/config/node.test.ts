/**
 * The `node` section: every key, good and bad values, and the exact
 * one-line error naming the key.
 */

import { describe, expect, it } from 'vitest';
import { errorOf, load, minimalDoc } from './support.js';

function nodeWith(key: string, value: unknown): Record<string, unknown> {
  const doc = minimalDoc();
  doc.node = { ...doc.node, [key]: value };
  return doc;
}

function nodeWithout(key: string): Record<string, unknown> {
  const doc = minimalDoc();
  const { [key]: _dropped, ...rest } = doc.node as Record<string, unknown>;
  return { ...doc, node: rest };
}

describe('the node section', () => {
  it('is turned into camelCase fields with the router id as text and as a uint32', () => {
    expect(load(minimalDoc()).node).toEqual({
      name: 'cn1',
      routerId: 0x0a000001,
      routerIdText: '10.0.0.1',
      asn: 64512,
    });
  });

  it('is required', () => {
    expect(errorOf({ bgp: {} }).message).toBe('config.yaml: node: missing; expected a mapping');
  });

  it('must be a mapping', () => {
    expect(errorOf({ node: 'cn1' }).message).toBe('config.yaml: node: expected a mapping, got "cn1"');
  });

  it('rejects an unknown key and lists the keys allowed there', () => {
    expect(errorOf(nodeWith('routerid', '10.0.0.1')).message).toBe(
      'config.yaml: node.routerid: unknown key (allowed: name, router-id, asn, cluster-id)',
    );
  });

  for (const key of ['name', 'router-id', 'asn']) {
    it(`requires ${key}`, () => {
      const err = errorOf(nodeWithout(key));
      expect(err.keyPath).toBe(`node.${key}`);
      expect(err.message).toMatch(new RegExp(`^config\\.yaml: node\\.${key}: missing; expected `));
    });
  }
});

describe('a node key written with no value', () => {
  it('counts as missing', () => {
    expect(errorOf(nodeWith('asn', null)).message).toBe(
      'config.yaml: node.asn: missing; expected an integer 1..4294967295',
    );
  });

  it('leaves an optional key absent', () => {
    expect(load(nodeWith('cluster-id', null)).node.clusterId).toBeUndefined();
  });

  it('is still rejected when the key is unknown', () => {
    expect(errorOf(nodeWith('colour', null)).keyPath).toBe('node.colour');
  });
});

describe('node.name', () => {
  it.each(['cn1', 'cn-1.example.com', 'control_node:1'])('accepts %j', (name) => {
    expect(load(nodeWith('name', name)).node.name).toBe(name);
  });

  it.each([[''], ['has space'], [5], [['cn1']]])('rejects %j', (name) => {
    expect(errorOf(nodeWith('name', name)).message).toMatch(
      /^config\.yaml: node\.name: expected a name of 1\.\.255 printable characters without spaces, got /,
    );
  });
});

describe('node.router-id', () => {
  it.each([
    ['192.0.2.1', 0xc0000201],
    ['255.255.255.255', 0xffffffff],
    ['1.0.0.0', 0x01000000],
  ])('accepts %j as %d', (text, value) => {
    const node = load(nodeWith('router-id', text)).node;
    expect(node.routerId).toBe(value);
    expect(node.routerIdText).toBe(text);
  });

  it.each(['0.0.0.0', '256.0.0.1', '10.0.0', '10.0.0.1.2', '010.0.0.1', ' 10.0.0.1', 'localhost', 167772161])(
    'rejects %j',
    (value) => {
      expect(errorOf(nodeWith('router-id', value)).message).toMatch(
        /^config\.yaml: node\.router-id: expected a dotted-quad IPv4 address other than 0\.0\.0\.0, got /,
      );
    },
  );
});

describe('node.asn', () => {
  it.each([1, 65535, 64512, 4294967295])('accepts %d', (asn) => {
    expect(load(nodeWith('asn', asn)).node.asn).toBe(asn);
  });

  it.each([
    [0, '0'],
    [4294967296, '4294967296'],
    [1.5, '1.5'],
    [-1, '-1'],
    ['64512', '"64512"'],
    [true, 'true'],
  ])('rejects %j', (asn, shown) => {
    expect(errorOf(nodeWith('asn', asn)).message).toBe(
      `config.yaml: node.asn: expected an integer 1..4294967295, got ${shown}`,
    );
  });
});

describe('node.cluster-id', () => {
  it('is absent unless given', () => {
    expect(load(minimalDoc()).node.clusterId).toBeUndefined();
  });

  it.each([
    ['10.0.0.9', 0x0a000009],
    [42, 42],
    [0, 0],
    [4294967295, 4294967295],
  ])('accepts %j as %d', (value, id) => {
    expect(load(nodeWith('cluster-id', value)).node.clusterId).toBe(id);
  });

  it.each(['1.2.3', -1, 4294967296, 1.5, true, 'abc'])('rejects %j', (value) => {
    expect(errorOf(nodeWith('cluster-id', value)).message).toMatch(
      /^config\.yaml: node\.cluster-id: expected a dotted-quad IPv4 address or an integer 0\.\.4294967295, got /,
    );
  });
});
