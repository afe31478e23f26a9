/**
 * The routing-policies section: policies parsed once into typed values,
 * attached by name to peers and instances, every mistake one line naming
 * the key.
 */
import { describe, expect, it } from 'vitest';
import { parseIpv6, parseRouteTarget } from '../../src/bgp/wire/index.js';
import { errorOf, load, minimalDoc, peerDoc } from './support.js';

const BLUE = 'default-domain:demo:blue:blue';
const withPolicies = (policies: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...minimalDoc(), 'routing-policies': policies, ...extra,
});

describe('the routing-policies section', () => {
  it('reads every condition and action of a term into typed values', () => {
    const cfg = load(withPolicies([{
      name: 'calico-in',
      terms: [{
        from: {
          prefixes: [{ prefix: '10.244.0.0/16', match: 'upto', upto: 26 }, { prefix: '2001:db8::/32', match: 'orlonger' }],
          protocols: ['bgpaas', 'xmpp'], communities: ['64500:1', 'no-export'],
          'extended-communities': ['target:64512:1001'], 'as-path': '^64500( |$)', families: ['inet', 'inet6'],
        },
        then: {
          action: 'accept', 'local-pref': 200, med: 10, 'add-communities': ['64512:7'], 'remove-communities': ['64500:1'],
          'as-path-prepend': [64512, 64512], 'next-hop': '192.0.2.1',
        },
      }],
    }]));
    const [p] = cfg.routingPolicies;
    expect(p!.name).toBe('calico-in');
    const t = p!.terms[0]!;
    expect(t.from.prefixes).toEqual([
      { family: 'inet', addr: 0x0af40000, len: 16, match: 'upto', upto: 26 },
      { family: 'inet6', addr: parseIpv6('2001:db8::'), len: 32, match: 'orlonger' },
    ]);
    expect(t.from.protocols).toEqual(['bgpaas', 'xmpp']);
    expect(t.from.communities).toEqual([64500 * 65536 + 1, 0xffffff01]);
    expect(t.from.extCommunities).toEqual([parseRouteTarget('target:64512:1001')]);
    expect(t.from.asPath!.test('64500 65001')).toBe(true);
    expect(t.from.asPath!.test('64501')).toBe(false);
    expect(t.from.families).toEqual(['inet', 'inet6']);
    expect(t.then).toEqual({
      action: 'accept', localPref: 200, med: 10, addCommunities: [64512 * 65536 + 7], removeCommunities: [64500 * 65536 + 1],
      asPathPrepend: [64512, 64512], nextHop: 0xc0000201,
    });
  });

  it('makes a term with no from match everything, and a term with no action go on to the next', () => {
    const cfg = load(withPolicies([{ name: 'lp', terms: [{ then: { 'local-pref': 50 } }] }]));
    expect(cfg.routingPolicies[0]!.terms[0]).toEqual({ from: {}, then: { action: 'next', localPref: 50 } });
  });

  it('attaches policies by name to peers and instances, in order', () => {
    const cfg = load(withPolicies([{ name: 'a', terms: [] }, { name: 'b', terms: [] }], {
      bgp: { peers: [peerDoc({ 'import-policies': ['b', 'a'], 'export-policies': ['a'] })] },
      'routing-instances': [{ name: BLUE, 'import-policies': ['a'], 'export-policies': ['b'] }],
    }));
    expect(cfg.bgp.peers[0]).toMatchObject({ importPolicies: ['b', 'a'], exportPolicies: ['a'] });
    expect(cfg.routingInstances[0]).toMatchObject({ importPolicies: ['a'], exportPolicies: ['b'] });
  });

  it.each([
    [
      'an unknown policy name on a peer',
      withPolicies([{ name: 'a', terms: [] }], { bgp: { peers: [peerDoc({ 'export-policies': ['a', 'nope'] })] } }),
      'config.yaml: bgp.peers[0].export-policies[1]: unknown routing policy "nope" (defined: a)',
    ],
    [
      'an unknown policy name on an instance',
      { ...minimalDoc(), 'routing-instances': [{ name: BLUE, 'import-policies': ['x'] }] },
      'config.yaml: routing-instances[0].import-policies[0]: unknown routing policy "x" (none defined)',
    ],
    [
      'two policies with one name',
      withPolicies([{ name: 'a', terms: [] }, { name: 'a', terms: [] }]),
      'config.yaml: routing-policies[1].name: duplicate routing-policy name "a" (already routing-policies[0])',
    ],
    [
      'a bad prefix',
      withPolicies([{ name: 'a', terms: [{ from: { prefixes: [{ prefix: '10.0.0.0/33' }] } }] }]),
      'config.yaml: routing-policies[0].terms[0].from.prefixes[0].prefix: expected a prefix like 10.0.0.0/8 or 2001:db8::/32, got "10.0.0.0/33"',
    ],
    [
      'upto without a length',
      withPolicies([{ name: 'a', terms: [{ from: { prefixes: [{ prefix: '10.0.0.0/8', match: 'upto' }] } }] }]),
      'config.yaml: routing-policies[0].terms[0].from.prefixes: match: upto needs an upto length',
    ],
    [
      'an upto shorter than the prefix',
      withPolicies([{ name: 'a', terms: [{ from: { prefixes: [{ prefix: '10.0.0.0/16', match: 'upto', upto: 8 }] } }] }]),
      'config.yaml: routing-policies[0].terms[0].from.prefixes: upto 8 is outside 16..32 for a /16',
    ],
    [
      'an unknown protocol',
      withPolicies([{ name: 'a', terms: [{ from: { protocols: ['ospf'] } }] }]),
      'config.yaml: routing-policies[0].terms[0].from.protocols[0]: expected one of bgp, xmpp, bgpaas, static, local, got "ospf"',
    ],
    [
      'a bad community',
      withPolicies([{ name: 'a', terms: [{ then: { 'add-communities': ['70000:1'] } }] }]),
      'config.yaml: routing-policies[0].terms[0].then.add-communities[0]: expected a community like 64512:100 or a well-known name (no-export, no-advertise, ...), got "70000:1"',
    ],
    [
      'a bad regular expression',
      withPolicies([{ name: 'a', terms: [{ from: { 'as-path': '(' } }] }]),
      'config.yaml: routing-policies[0].terms[0].from.as-path: invalid regular expression "(": Invalid regular expression: /(/: Unterminated group',
    ],
    [
      'an unknown action',
      withPolicies([{ name: 'a', terms: [{ then: { action: 'drop' } }] }]),
      'config.yaml: routing-policies[0].terms[0].then.action: expected one of accept, reject, next, got "drop"',
    ],
  ])('rejects %s with one line naming the key', (_name, doc, message) => {
    expect(errorOf(doc).message).toBe(message);
  });
});
