/**
 * Interned path-attribute sets (Contrail's BgpAttrDB, Holo's AttrSets).
 *
 * Every distinct PathAttributes value is stored once and gets a stable small
 * id, so paths share attributes, prefixes with the same attributes group into
 * one UPDATE cheaply, and encoded bytes can be cached per set. Sets are
 * reference counted and dropped when the last path lets go.
 */

import type { PathAttributes } from '../bgp/wire/types.js';

export interface AttrSet {
  readonly id: number;
  readonly attrs: Readonly<PathAttributes>;
  /** Canonical text of attrs: equal sets have equal keys. */
  readonly key: string;
  refs: number;
  /** Encoded attribute bytes, per encoding variant (see rib-out.ts). */
  wire?: Map<number, Uint8Array>;
  /** Outbound sets derived from this one, per (source peer, peer class) (see rib.ts). */
  exportCache?: Map<number, { routerId: number; out: AttrSet }>;
}

/** Canonical key of an attribute set. Field order is fixed; absent = empty. */
export function attrKey(a: PathAttributes): string {
  let k = `${a.origin ?? ''}|${a.nextHop ?? (a.nextHop6 !== undefined ? `v6:${a.nextHop6}` : '')}|${a.med ?? ''}|${a.localPref ?? ''}|${a.atomicAggregate ? 1 : ''}|`;
  if (a.asPath) for (const s of a.asPath) k += `${s.type}:${s.asns.join(',')};`;
  k += '|';
  if (a.aggregator) k += `${a.aggregator.asn}@${a.aggregator.address}`;
  k += `|${a.communities ? a.communities.join(',') : ''}|${a.originatorId ?? ''}|`;
  if (a.clusterList) k += a.clusterList.join(',');
  k += '|';
  if (a.extCommunities) k += a.extCommunities.join(',');
  k += '|';
  if (a.largeCommunities) for (const l of a.largeCommunities) k += `${l.global}:${l.local1}:${l.local2},`;
  k += '|';
  if (a.unknown) for (const u of a.unknown) k += `${u.flags}.${u.code}.${Buffer.from(u.value).toString('hex')},`;
  return k;
}

export class AttrStore {
  private readonly byKey = new Map<string, AttrSet>();
  private nextId = 1;

  /** The shared set equal to `attrs`, with one more reference taken. */
  intern(attrs: PathAttributes): AttrSet {
    const key = attrKey(attrs);
    let set = this.byKey.get(key);
    if (!set) {
      set = { id: this.nextId++, attrs: Object.freeze({ ...attrs }), key, refs: 0 };
      this.byKey.set(key, set);
    }
    set.refs++;
    return set;
  }

  /** Take one more reference on a set already interned. */
  retain(set: AttrSet): AttrSet {
    set.refs++;
    return set;
  }

  release(set: AttrSet): void {
    if (--set.refs > 0) return;
    this.byKey.delete(set.key);
    if (set.exportCache) {
      for (const e of set.exportCache.values()) this.onDrop?.(e.out);
      set.exportCache = undefined;
    }
  }

  /** Called for every derived outbound set held by a set being dropped. */
  onDrop?: (derived: AttrSet) => void;

  get size(): number {
    return this.byKey.size;
  }
}
