/** Builders for RIB tests: peers, attribute sets and paths with readable defaults. */

import type { PathAttributes } from '../../src/bgp/wire/types.js';
import { FAMILY_NAMES, FAMILIES } from '../../src/bgp/wire/families/registry.js';
import { AttrStore } from '../../src/rib/attr-store.js';
import { BgpPeering, type TableSet } from '../../src/rib/peering.js';
import { Rib, type LocalSpeaker } from '../../src/rib/rib.js';
import { Table } from '../../src/rib/table.js';
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
  const set = store.intern(attrs);
  return {
    peer: over.peer ?? peer(),
    attrs: set,
    received: set,
    labels: over.labels ?? [],
    infeasible: over.infeasible,
    stamp: 0,
  };
}

/** A BGP peering engine over a fresh set of master tables (inet.0, bgp.l3vpn.0, ...), as the server attaches it. */
export function masterPeering(local: LocalSpeaker): BgpPeering {
  const tables: Record<string, Table> = {};
  for (const f of FAMILY_NAMES) tables[f] = new Table(FAMILIES[f].masterTable, FAMILIES[f]) as Table;
  return new BgpPeering(new Rib(local), tables as TableSet);
}
