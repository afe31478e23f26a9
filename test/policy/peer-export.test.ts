/**
 * A BGP peer's export policy in the peering engine's update groups: peers
 * with different policies are in different groups; a rejected route is not
 * sent (and is withdrawn if it was); changed attributes go out changed; a
 * peer without a policy is untouched.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, parsePrefix } from '../../src/bgp/wire/index.js';
import type { PathAttributes, UpdateMessage } from '../../src/bgp/wire/types.js';
import { peerExportHook } from '../../src/policy/attach.js';
import type { Policy } from '../../src/policy/types.js';
import type { BgpPeering, PeerRib } from '../../src/rib/peering.js';
import { ip, masterPeering, peer } from '../rib/support.js';

const LOCAL = { routerId: ip('192.0.2.15'), asn: 64512, clusterId: ip('198.51.100.15'), reflector: true };
const CTX = { fourOctetAs: true, ebgp: false, families: new Set(['1/1']) };
const pfx = (s: string) => { const p = parsePrefix(s)!; return { addr: p.addr, len: p.len }; };

const noPods1: Policy = { name: 'no-pods-1', terms: [{ from: { prefixes: [{ family: 'inet', ...pfx('10.244.1.0/24'), match: 'exact' }] }, then: { action: 'reject' } }] };
const med: Policy = { name: 'med', terms: [{ from: {}, then: { action: 'accept', med: 42 } }] };

/** What each peer holds after draining: prefix → attributes. */
function drainAll(rib: BgpPeering): Map<PeerRib, Map<string, PathAttributes>> {
  const seen = new Map<PeerRib, Map<string, PathAttributes>>();
  for (let i = 0; i < 50 && rib.hasWork(); i++) {
    for (const d of rib.drain()) {
      for (const to of d.to) {
        let view = seen.get(to);
        if (!view) seen.set(to, (view = new Map()));
        for (const bytes of d.msgs) {
          const u = decodeMessage(bytes, CTX).value as UpdateMessage;
          for (const w of u.withdrawn) view.delete(`${w.addr}/${w.len}`);
          for (const n of u.nlri) view.set(`${n.addr}/${n.len}`, u.attrs);
        }
      }
    }
  }
  return seen;
}

function up(rib: BgpPeering, name: string, policy?: Policy[]): PeerRib {
  const info = peer({ name });
  const st = rib.addPeer(info, ['inet'], policy ? peerExportHook(policy) : undefined);
  rib.peerUp(st, [{ afi: 1, safi: 1 }], true, info.routerId);
  return st;
}

const announce = (prefix: string): UpdateMessage => ({
  type: 'update', withdrawn: [], attrs: { origin: 0, asPath: [], nextHop: ip('192.0.2.50'), localPref: 100 },
  nlri: [{ family: 'inet', ...pfx(prefix) }],
});

describe('export policies of BGP peers', () => {
  it('sends each peer what its own policy lets through, changed as the policy says', () => {
    const rib = masterPeering(LOCAL);
    const src = up(rib, 'src');
    const plain = up(rib, 'plain');
    const filtered = up(rib, 'filtered', [noPods1, med]);
    rib.update(src, announce('10.244.0.0/24'));
    rib.update(src, announce('10.244.1.0/24'));
    const seen = drainAll(rib);
    const key = (s: string) => `${pfx(s).addr}/${pfx(s).len}`;
    expect([...seen.get(plain)!.keys()].sort()).toEqual([key('10.244.0.0/24'), key('10.244.1.0/24')].sort());
    expect([...seen.get(filtered)!.keys()]).toEqual([key('10.244.0.0/24')]);
    expect(seen.get(filtered)!.get(key('10.244.0.0/24'))!.med).toBe(42);
    expect(seen.get(plain)!.get(key('10.244.0.0/24'))!.med).toBeUndefined();
    expect(plain.groups.get('inet')).not.toBe(filtered.groups.get('inet'));
  });

  it('puts peers with the same policy chain in one update group', () => {
    const rib = masterPeering(LOCAL);
    const a = up(rib, 'a', [noPods1]);
    const b = up(rib, 'b', [noPods1]);
    expect(a.groups.get('inet')).toBe(b.groups.get('inet'));
  });

  it('gives the attribute sets a policy made back when the group goes', () => {
    const rib = masterPeering(LOCAL);
    const src = up(rib, 'src');
    const filtered = up(rib, 'filtered', [med]);
    rib.update(src, announce('10.244.0.0/24'));
    drainAll(rib);
    const before = rib.rib.store.size;
    rib.peerDown(filtered);
    expect(rib.rib.store.size).toBeLessThan(before);
    rib.peerDown(src);
    expect(rib.rib.store.size).toBe(0);
  });
});
