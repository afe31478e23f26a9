import { describe, expect, it } from 'vitest';
import { comparePaths, ecmpEqual, explain, rankPaths } from '../../src/rib/best-path.js';
import type { Path } from '../../src/rib/types.js';
import { ip, path, peer } from './support.js';

const mobility = (sticky: boolean, seq: number): bigint =>
  (0x0600n << 48n) | ((sticky ? 1n : 0n) << 40n) | BigInt(seq);

/** Reference path vs. a variant that must win at exactly one named step. */
interface Case {
  readonly step: string;
  readonly better: () => Path;
  readonly worse: () => Path;
}

const sameNeighbor = { type: 2, asns: [65001] };

const cases: Case[] = [
  { step: 'feasibility', better: () => path(), worse: () => path({ infeasible: 'cluster-list-loop', attrs: { localPref: 500 } }) },
  // RFC 9494 §4.3: least preferred, so it decides before a higher LOCAL_PREF could.
  { step: 'llgr-stale', better: () => path({ attrs: { localPref: 50 } }), worse: () => path({ attrs: { communities: [0xffff0006], localPref: 500 } }) },
  { step: 'local-pref', better: () => path({ attrs: { localPref: 200 } }), worse: () => path({ attrs: { localPref: 100 } }) },
  { step: 'sticky', better: () => path({ attrs: { extCommunities: [mobility(false, 1)] } }), worse: () => path({ attrs: { extCommunities: [mobility(true, 9)] } }) },
  { step: 'sequence', better: () => path({ attrs: { extCommunities: [mobility(false, 5)] } }), worse: () => path({ attrs: { extCommunities: [mobility(false, 3)] } }) },
  { step: 'as-path', better: () => path({ attrs: { asPath: [{ type: 2, asns: [1] }] } }), worse: () => path({ attrs: { asPath: [{ type: 2, asns: [1, 2] }] } }) },
  { step: 'origin', better: () => path({ attrs: { origin: 0 } }), worse: () => path({ attrs: { origin: 2 } }) },
  { step: 'med', better: () => path({ attrs: { asPath: [sameNeighbor], med: 10 } }), worse: () => path({ attrs: { asPath: [sameNeighbor], med: 20 } }) },
  { step: 'local-origin', better: () => path({ peer: peer({ kind: 'local' }) }), worse: () => path() },
  { step: 'xmpp-before-bgp', better: () => path({ peer: peer({ kind: 'xmpp' }) }), worse: () => path() },
  { step: 'ebgp-before-ibgp', better: () => path({ peer: peer({ ibgp: false, asn: 65001 }) }), worse: () => path({ peer: peer({ ibgp: true }) }) },
  {
    step: 'router-id',
    better: () => path({ attrs: { originatorId: ip('10.0.0.1') } }),
    worse: () => path({ attrs: { originatorId: ip('10.0.0.2') } }),
  },
  {
    step: 'cluster-list',
    better: () => path({ peer: peer({ id: 1, routerId: 5 }), attrs: { originatorId: 7, clusterList: [1] } }),
    worse: () => path({ peer: peer({ id: 2, routerId: 5 }), attrs: { originatorId: 7, clusterList: [1, 2] } }),
  },
  {
    step: 'peer-address',
    better: () => path({ peer: peer({ id: 3, routerId: 5, address: 1 }), attrs: { originatorId: 7 } }),
    worse: () => path({ peer: peer({ id: 4, routerId: 5, address: 2 }), attrs: { originatorId: 7 } }),
  },
];

describe('best path in the Contrail order', () => {
  for (const c of cases) {
    it(`prefers the better path at step ${c.step}, in both argument orders`, () => {
      const a = c.better();
      const b = c.worse();
      expect(comparePaths(a, b)).toBeLessThan(0);
      expect(comparePaths(b, a)).toBeGreaterThan(0);
      expect(explain(a, b)).toBe(c.step);
      expect(explain(b, a)).toBe(c.step);
    });
  }

  it('does not compare MED between paths from different neighbour ASes', () => {
    const a = path({ attrs: { asPath: [{ type: 2, asns: [65001] }], med: 50 } });
    const b = path({ attrs: { asPath: [{ type: 2, asns: [65002] }], med: 10 } });
    expect(explain(a, b)).not.toBe('med');
    expect(ecmpEqual(a, b)).toBe(true);
  });

  it('compares MED across neighbour ASes with always-compare-med', () => {
    const a = path({ attrs: { asPath: [{ type: 2, asns: [65001] }], med: 50 } });
    const b = path({ attrs: { asPath: [{ type: 2, asns: [65002] }], med: 10 } });
    expect(explain(a, b, { alwaysCompareMed: true })).toBe('med');
    expect(comparePaths(b, a, { alwaysCompareMed: true })).toBeLessThan(0);
  });

  it('prefers an IGP route from a gateway over an XMPP route at equal local-pref', () => {
    const gw = path({ attrs: { origin: 0 } });
    const agent = path({ peer: peer({ kind: 'xmpp' }), attrs: { origin: 2 } });
    expect(comparePaths(gw, agent)).toBeLessThan(0);
    expect(explain(gw, agent)).toBe('origin');
  });

  it('counts an AS_SET as one hop and confederation segments as none', () => {
    const set = path({ attrs: { asPath: [{ type: 1, asns: [1, 2, 3] }, { type: 3, asns: [9, 9] }] } });
    const seq = path({ attrs: { asPath: [{ type: 2, asns: [1, 2] }] } });
    expect(explain(set, seq)).toBe('as-path');
    expect(comparePaths(set, seq)).toBeLessThan(0);
  });

  it('treats two agents with the same local-pref and sequence as ECMP', () => {
    const a = path({ peer: peer({ kind: 'xmpp' }), attrs: { origin: 2 } });
    const b = path({ peer: peer({ kind: 'xmpp' }), attrs: { origin: 2, nextHop: ip('192.0.2.22') } });
    const ranked = [b, a];
    expect(rankPaths(ranked)).toBe(2);
  });

  it('never makes paths with different sequence numbers ECMP', () => {
    const a = path({ attrs: { extCommunities: [mobility(false, 5)] } });
    const b = path({ attrs: { extCommunities: [mobility(false, 3)] } });
    const ranked = [b, a];
    expect(rankPaths(ranked)).toBe(1);
    expect(ranked[0]).toBe(a);
  });

  it('ranks an LLGR-stale path below every live one, and still above an infeasible one', () => {
    const stale = path({ attrs: { communities: [0xffff0006], localPref: 900 } });
    const live = path({ attrs: { localPref: 10, asPath: [{ type: 2, asns: [1, 2, 3] }] } });
    const looped = path({ infeasible: 'as-path-loop' });
    const ranked = [looped, stale, live];
    expect(rankPaths(ranked)).toBe(1);
    expect(ranked).toEqual([live, stale, looped]);
  });

  it('gives no ECMP set when the best path is infeasible', () => {
    const ranked = [path({ infeasible: 'originator-id-loop' })];
    expect(rankPaths(ranked)).toBe(0);
  });

  it('finds the same best path whatever order the paths arrive in', () => {
    const ps = [
      path({ attrs: { asPath: [{ type: 2, asns: [65001] }], med: 30 } }),
      path({ attrs: { asPath: [{ type: 2, asns: [65002] }], med: 10 } }),
      path({ attrs: { asPath: [{ type: 2, asns: [65001] }], med: 20 } }),
      path({ attrs: { localPref: 90 } }),
    ];
    const perms = (xs: Path[]): Path[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((r) => [x, ...r]));
    const bests = new Set(perms(ps).map((p) => { const c = [...p]; rankPaths(c); return c[0]; }));
    expect(bests.size).toBe(1);
  });
});
