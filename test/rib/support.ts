/** Builders for RIB tests: peers, attribute sets and paths with readable defaults. */

import type { PathAttributes } from '../../src/bgp/wire/types.js';
import { AttrStore } from '../../src/rib/attr-store.js';
import type { Path, PeerInfo } from '../../src/rib/types.js';

export const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

let nextId = 100;
export function peer(over: Partial<PeerInfo> = {}): PeerInfo {
  const id = over.id ?? nextId++;
  return {
    id,
    name: `p${id}`,
    kind: 'bgp',
    address: ip('192.0.2.1') + id,
    asn: 64512,
    ibgp: true,
    rrClient: true,
    routerId: ip('10.0.0.1') + id,
    ...over,
  };
}

const store = new AttrStore();
export function path(over: { attrs?: PathAttributes; peer?: PeerInfo; labels?: number[]; infeasible?: Path['infeasible'] } = {}): Path {
  const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: ip('192.0.2.100'), localPref: 100, ...over.attrs };
  return {
    peer: over.peer ?? peer(),
    attrs: store.intern(attrs),
    labels: over.labels ?? [],
    infeasible: over.infeasible,
    stamp: 0,
  };
}
