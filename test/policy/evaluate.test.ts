/**
 * Routing-policy evaluation (src/policy/evaluate.ts), term by term: each
 * condition both ways, each action, and the order rules (first accept or
 * reject decides, `next` goes on, default accept).
 */
import { describe, expect, it } from 'vitest';
import { parseIpv6, parsePrefix, parseRd, parseRouteTarget } from '../../src/bgp/wire/index.js';
import type { Nlri, PathAttributes } from '../../src/bgp/wire/types.js';
import { apply, asPathText, evaluate, matches, prefixMatches, type RouteView } from '../../src/policy/evaluate.js';
import type { Policy, PrefixMatch, TermMatch } from '../../src/policy/types.js';

const p4 = (s: string): Nlri => parsePrefix(s)!;
const v6 = (s: string, len: number): Nlri => ({ family: 'inet6', addr: parseIpv6(s)!, len });
const ATTRS: PathAttributes = {
  origin: 0, asPath: [{ type: 2, asns: [64500, 65001] }], nextHop: 0xc0000232, localPref: 100,
  communities: [64500 * 65536 + 1], extCommunities: [parseRouteTarget('target:64512:1001')!],
};
const route = (nlri: Nlri, over: Partial<RouteView> = {}): RouteView => ({ nlri, attrs: ATTRS, protocol: 'bgpaas', ...over });
const pm = (prefix: string, match: PrefixMatch['match'], upto?: number): PrefixMatch => {
  const p = parsePrefix(prefix)!;
  return upto === undefined ? { family: 'inet', addr: p.addr, len: p.len, match } : { family: 'inet', addr: p.addr, len: p.len, match, upto };
};

describe('prefix matching', () => {
  it.each([
    ['exact matches the same prefix only', pm('10.244.0.0/16', 'exact'), ['10.244.0.0/16'], ['10.244.1.0/24', '10.0.0.0/8']],
    ['orlonger matches it and everything inside', pm('10.244.0.0/16', 'orlonger'), ['10.244.0.0/16', '10.244.1.0/24', '10.244.1.1/32'], ['10.245.0.0/16', '10.0.0.0/8']],
    ['longer matches only what is inside', pm('10.244.0.0/16', 'longer'), ['10.244.1.0/24'], ['10.244.0.0/16', '10.0.0.0/8']],
    ['upto bounds the length', pm('10.244.0.0/16', 'upto', 24), ['10.244.0.0/16', '10.244.1.0/24'], ['10.244.1.0/25', '10.245.0.0/24']],
    ['the default route with orlonger matches everything of its family', pm('0.0.0.0/0', 'orlonger'), ['0.0.0.0/0', '192.0.2.1/32'], []],
  ])('%s', (_name, m, yes, no) => {
    for (const s of yes) expect(prefixMatches(m, p4(s)), s).toBe(true);
    for (const s of no) expect(prefixMatches(m, p4(s)), s).toBe(false);
  });

  it('compares IPv6 prefixes only with IPv6 routes', () => {
    const m: PrefixMatch = { family: 'inet6', addr: parseIpv6('2001:db8::')!, len: 32, match: 'orlonger' };
    expect(prefixMatches(m, v6('2001:db8:5::', 48))).toBe(true);
    expect(prefixMatches(m, v6('2001:db9::', 32))).toBe(false);
    expect(prefixMatches(m, p4('32.1.13.184/32'))).toBe(false); // same leading bits, other family
  });

  it('matches a VPN route by the prefix inside it', () => {
    const vpn: Nlri = { family: 'inet-vpn', labels: [16], rd: parseRd('192.0.2.18:1')!, addr: 0x0af40100, len: 24 };
    expect(prefixMatches(pm('10.244.0.0/16', 'orlonger'), vpn)).toBe(true);
    expect(prefixMatches(pm('10.245.0.0/16', 'orlonger'), vpn)).toBe(false);
  });
});

describe('the other conditions', () => {
  it.each<[string, TermMatch, RouteView, RouteView]>([
    ['protocols', { protocols: ['bgpaas'] }, route(p4('10.0.0.0/8')), route(p4('10.0.0.0/8'), { protocol: 'xmpp' })],
    ['communities (any of)', { communities: [1, 64500 * 65536 + 1] }, route(p4('10.0.0.0/8')), route(p4('10.0.0.0/8'), { attrs: { ...ATTRS, communities: [2] } })],
    ['extended communities', { extCommunities: [parseRouteTarget('target:64512:1001')!] }, route(p4('10.0.0.0/8')),
      route(p4('10.0.0.0/8'), { attrs: { ...ATTRS, extCommunities: [parseRouteTarget('target:64512:1002')!] } })],
    ['as-path regex', { asPath: /^64500( |$)/ }, route(p4('10.0.0.0/8')), route(p4('10.0.0.0/8'), { attrs: { ...ATTRS, asPath: [{ type: 2, asns: [64501] }] } })],
    ['families', { families: ['inet'] }, route(p4('10.0.0.0/8')), route(v6('2001:db8::', 32))],
  ])('%s: matches one route and not the other', (_name, m, yes, no) => {
    expect(matches(m, yes)).toBe(true);
    expect(matches(m, no)).toBe(false);
  });

  it('needs every condition a term gives', () => {
    const m: TermMatch = { protocols: ['bgpaas'], prefixes: [pm('10.244.0.0/16', 'orlonger')] };
    expect(matches(m, route(p4('10.244.1.0/24')))).toBe(true);
    expect(matches(m, route(p4('10.244.1.0/24'), { protocol: 'bgp' }))).toBe(false);
    expect(matches(m, route(p4('10.1.0.0/16')))).toBe(false);
  });

  it('writes the AS path for the regex as numbers, with sets in braces', () => {
    expect(asPathText([{ type: 2, asns: [64500, 65001] }, { type: 1, asns: [65002, 65003] }])).toBe('64500 65001 {65002 65003}');
  });
});

describe('actions', () => {
  it('sets local-pref, MED and next hop, and leaves the input alone', () => {
    const out = apply({ action: 'accept', localPref: 200, med: 5, nextHop: 0x0a000001 }, { ...ATTRS, nextHop6: 1n });
    expect([out.localPref, out.med, out.nextHop, out.nextHop6]).toEqual([200, 5, 0x0a000001, undefined]);
    expect(ATTRS.localPref).toBe(100);
  });

  it('adds, removes and sets communities, sorted and without duplicates', () => {
    expect(apply({ action: 'next', addCommunities: [5, 64500 * 65536 + 1] }, ATTRS).communities).toEqual([5, 64500 * 65536 + 1]);
    expect(apply({ action: 'next', removeCommunities: [64500 * 65536 + 1] }, ATTRS).communities).toBeUndefined();
    expect(apply({ action: 'next', setCommunities: [9, 3], addCommunities: [3] }, ATTRS).communities).toEqual([3, 9]);
  });

  it('prepends to the first AS_SEQUENCE, or adds one before a set', () => {
    expect(apply({ action: 'next', asPathPrepend: [64512, 64512] }, ATTRS).asPath).toEqual([{ type: 2, asns: [64512, 64512, 64500, 65001] }]);
    const set = { ...ATTRS, asPath: [{ type: 1, asns: [1, 2] }] };
    expect(apply({ action: 'next', asPathPrepend: [64512] }, set).asPath).toEqual([{ type: 2, asns: [64512] }, { type: 1, asns: [1, 2] }]);
  });

  it('returns the very same attributes when a term changes nothing', () => {
    expect(apply({ action: 'accept' }, ATTRS)).toBe(ATTRS);
  });
});

describe('evaluation order', () => {
  const reject1: Policy = { name: 'no-pods-1', terms: [{ from: { prefixes: [pm('10.244.1.0/24', 'exact')] }, then: { action: 'reject' } }] };
  const lp: Policy = { name: 'lp', terms: [{ from: { protocols: ['bgpaas'] }, then: { action: 'next', localPref: 300 } }] };
  const acceptAll: Policy = { name: 'all', terms: [{ from: {}, then: { action: 'accept', med: 1 } }] };

  it('accepts by default with the changes of every matching next term', () => {
    const d = evaluate([lp], route(p4('10.244.0.0/24')));
    expect(d).toEqual({ accept: true, attrs: { ...ATTRS, localPref: 300 } });
  });

  it('lets the first accept or reject decide, across the policies of a chain', () => {
    expect(evaluate([reject1, acceptAll], route(p4('10.244.1.0/24')))).toMatchObject({ accept: false, decidedBy: { policy: 'no-pods-1', term: 0 } });
    const other = evaluate([reject1, lp, acceptAll], route(p4('10.244.0.0/24')));
    expect(other).toMatchObject({ accept: true, decidedBy: { policy: 'all', term: 0 } });
    expect([other.attrs.localPref, other.attrs.med]).toEqual([300, 1]);
  });

  it('sees the changes of earlier terms in later conditions', () => {
    const tag: Policy = { name: 'tag', terms: [
      { from: {}, then: { action: 'next', addCommunities: [7] } },
      { from: { communities: [7] }, then: { action: 'reject' } },
    ] };
    expect(evaluate([tag], route(p4('10.0.0.0/8'))).accept).toBe(false);
  });

  it('accepts everything, unchanged, with no policy', () => {
    const d = evaluate([], route(p4('10.0.0.0/8')));
    expect(d.accept).toBe(true);
    expect(d.attrs).toBe(ATTRS);
  });
});
