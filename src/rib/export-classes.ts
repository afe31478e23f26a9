/**
 * Export classes: peers that get identical outbound attributes (same
 * iBGP/eBGP, client or not, AS, and export policy) form one class, and the
 * outbound attribute set of a path is made once per (path's source, class)
 * and cached on the source set. A class with an export policy also keeps,
 * per update group, the attribute sets its policy made (one reference each,
 * given back when the group goes). RFC 4271 §9.2, RFC 4456 (exportAttrs).
 */

import type { Nlri, PathAttributes } from '../bgp/wire/types.js';
import type { AttrSet, AttrStore } from './attr-store.js';
import { exportAttrs, type LocalSpeaker } from './export.js';
import type { Dest, Path, PeerInfo } from './types.js';

/**
 * A peer's export policy (src/policy, attached by the composition root):
 * the attributes a route goes out with, or undefined to keep it from the
 * peer. `key` names the policy chain (and its definition): peers with
 * different keys are never in one update group.
 */
export interface PeerExportPolicy {
  readonly key: string;
  decide(nlri: Nlri, source: PeerInfo, attrs: PathAttributes): PathAttributes | undefined;
}

/** What export needs to know of an update group. */
export interface ExportGroup {
  readonly classId: number;
  /** A member standing for the class. */
  readonly to: PeerInfo;
}

/** Room for peer classes in an export-cache key. */
const CLASS_SPACE = 1 << 20;

export class ExportClasses {
  private readonly classes = new Map<string, number>();
  private readonly policies = new Map<number, PeerExportPolicy>();
  private readonly policySets = new Map<ExportGroup, Map<string, AttrSet>>();

  constructor(
    private readonly store: AttrStore,
    private readonly local: LocalSpeaker,
  ) {}

  /** The class of a peer with this export policy. */
  classFor(info: PeerInfo, exportPolicy: PeerExportPolicy | undefined): number {
    const cls = `${info.ibgp}|${info.rrClient}|${info.asn}|${exportPolicy?.key ?? ''}`;
    let classId = this.classes.get(cls);
    if (classId === undefined) {
      classId = this.classes.size + 1;
      if (classId >= CLASS_SPACE) throw new RangeError(`more than ${CLASS_SPACE - 1} peer classes`);
      this.classes.set(cls, classId);
      if (exportPolicy) this.policies.set(classId, exportPolicy);
    }
    return classId;
  }

  /** True when the group's export policy keeps the path back at this destination. */
  rejects(g: ExportGroup, dest: Dest, path: Path): boolean {
    const policy = this.policies.get(g.classId);
    return policy !== undefined && policy.decide(dest.nlri, path.peer, this.base(path, g).attrs) === undefined;
  }

  /** The outbound attribute set of a path toward a group: export rules, then the group's export policy. */
  out(path: Path, g: ExportGroup, dest: Dest): AttrSet {
    const base = this.base(path, g);
    const policy = this.policies.get(g.classId);
    if (!policy) return base;
    const attrs = policy.decide(dest.nlri, path.peer, base.attrs);
    if (attrs === undefined || attrs === base.attrs) return base; // undefined: desired() already kept it back
    let sets = this.policySets.get(g);
    if (!sets) this.policySets.set(g, (sets = new Map()));
    const set = this.store.intern(attrs);
    const held = sets.get(set.key);
    if (held) {
      this.store.release(set);
      return held;
    }
    sets.set(set.key, set);
    return set;
  }

  /** Give back the sets a group's policy made (the group is going away). */
  release(g: ExportGroup): void {
    for (const set of this.policySets.get(g)?.values() ?? []) this.store.release(set);
    this.policySets.delete(g);
  }

  /** The interned outbound attribute set for a path toward a class of peers (cached on the source set). */
  private base(path: Path, g: ExportGroup): AttrSet {
    const src = path.attrs;
    // Peer classes come from configured peers (ibgp × client × AS × policy),
    // far below 2^20; peer ids grow with every agent connection, and stay
    // exact in a double up to 2^33 of them.
    const key = path.peer.id * CLASS_SPACE + g.classId;
    src.exportCache ??= new Map();
    const hit = src.exportCache.get(key);
    if (hit && hit.routerId === path.peer.routerId) return hit.out;
    if (hit) this.store.release(hit.out);
    const out = this.store.intern(exportAttrs(path, g.to, this.local));
    src.exportCache.set(key, { routerId: path.peer.routerId, out });
    return out;
  }
}
