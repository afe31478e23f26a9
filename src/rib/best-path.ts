/**
 * Best-path selection in the Contrail control node's order
 * (tf-controller src/bgp/bgp_path.cc BgpPath::PathCompare; see
 * shared/docs/contrail-control.md §3.6), as named, ordered steps.
 *
 * The first step that tells two paths apart decides; `explain()` names it so
 * losers can say why they lost. Steps before ECMP_CUTOFF decide preference;
 * paths equal through them are ECMP-equal (Contrail: "paths equal up to here
 * are ECMP-eligible"); later steps only order the equal ones.
 *
 * Deviations: the LLGR_STALE step comes right after feasibility (RFC 9494
 * §4.4), not after the MAC-mobility sequence as in Contrail; EVPN-only
 * steps (ETree root, aliasing) and service-chain steps have no input yet
 * and are left out; the path-id steps have no add-path receive yet.
 */

import { AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SET } from '../bgp/wire/types.js';
import type { AsPathSegment } from '../bgp/wire/types.js';
import { mobilityOf } from '../bgp/wire/ext-communities/index.js';
import { isLlgrStale, type Path } from './types.js';

export interface SelectionOptions {
  /** Compare MED between paths from different neighbour ASes (default false). */
  readonly alwaysCompareMed: boolean;
}

export const DEFAULT_SELECTION: SelectionOptions = { alwaysCompareMed: false };

/** A step returns <0 when a is better, >0 when b is better, 0 when equal. */
interface Step {
  readonly name: string;
  readonly cmp: (a: Path, b: Path, o: SelectionOptions) => number;
}

/** AS_PATH length for selection: a set counts 1, confederation segments 0 (RFC 4271 §9.1.2.2, RFC 5065). */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  let n = 0;
  if (!path) return 0;
  for (const s of path) {
    if (s.type === AS_SET) n += 1;
    else if (s.type !== AS_CONFED_SEQUENCE && s.type !== AS_CONFED_SET) n += s.asns.length;
  }
  return n;
}

/** The neighbour AS for MED comparison: the first AS of the first AS_SEQUENCE, or 0. */
function neighborAs(p: Path): number {
  const seg = p.attrs.attrs.asPath?.[0];
  return seg && seg.type === 2 ? (seg.asns[0] ?? 0) : 0;
}

/** MAC-mobility extended community (type 0x06 subtype 0x00), if any. */
function mobility(p: Path): { sticky: boolean; seq: number } | undefined {
  return mobilityOf(p.attrs.attrs.extCommunities);
}

const localPref = (p: Path): number => p.attrs.attrs.localPref ?? 100;
const routerIdOf = (p: Path): number => p.attrs.attrs.originatorId ?? p.peer.routerId;

/** Contrail's order. Each step cites bgp_path.cc's PathCompare. */
export const STEPS: readonly Step[] = [
  // 1. Feasible before infeasible.
  { name: 'feasibility', cmp: (a, b) => (a.infeasible ? 1 : 0) - (b.infeasible ? 1 : 0) },
  // Path without LLGR_STALE first. Contrail compares it after the sequence
  // number (its step 6); RFC 9494 §4.4 says an LLGR-stale path is "treated as
  // least preferred", so here it comes before LOCAL_PREF: a stale gateway path
  // with a high LOCAL_PREF never beats a live one.
  { name: 'llgr-stale', cmp: (a, b) => (isLlgrStale(a) ? 1 : 0) - (isLlgrStale(b) ? 1 : 0) },
  // 2. Higher LOCAL_PREF.
  { name: 'local-pref', cmp: (a, b) => localPref(b) - localPref(a) },
  // 4. MAC mobility: as coded, the path WITHOUT the sticky bit wins (contrail-control.md §3.6 step 4).
  { name: 'sticky', cmp: (a, b) => (mobility(a)?.sticky ? 1 : 0) - (mobility(b)?.sticky ? 1 : 0) },
  // 5. Higher MAC-mobility sequence number; different sequences are never ECMP.
  { name: 'sequence', cmp: (a, b) => (mobility(b)?.seq ?? 0) - (mobility(a)?.seq ?? 0) },
  // 7. Shorter AS_PATH.
  { name: 'as-path', cmp: (a, b) => asPathLength(a.attrs.attrs.asPath) - asPathLength(b.attrs.attrs.asPath) },
  // 8. Lower ORIGIN.
  { name: 'origin', cmp: (a, b) => (a.attrs.attrs.origin ?? 2) - (b.attrs.attrs.origin ?? 2) },
  // 9. Lower MED, only between paths from the same non-zero neighbour AS unless always-compare-med.
  {
    name: 'med',
    cmp: (a, b, o) => {
      const na = neighborAs(a);
      if (!o.alwaysCompareMed && (na === 0 || na !== neighborAs(b))) return 0;
      return (a.attrs.attrs.med ?? 0) - (b.attrs.attrs.med ?? 0);
    },
  },
  // ---- ECMP cutoff ----
  // 12. Locally generated before learned.
  { name: 'local-origin', cmp: (a, b) => (a.peer.kind === 'local' ? 0 : 1) - (b.peer.kind === 'local' ? 0 : 1) },
  // 15. XMPP path before BGP path.
  { name: 'xmpp-before-bgp', cmp: (a, b) => (a.peer.kind === 'xmpp' ? 0 : 1) - (b.peer.kind === 'xmpp' ? 0 : 1) },
  // 16. eBGP before iBGP.
  {
    name: 'ebgp-before-ibgp',
    cmp: (a, b) =>
      (a.peer.kind === 'bgp' && a.peer.ibgp ? 1 : 0) - (b.peer.kind === 'bgp' && b.peer.ibgp ? 1 : 0),
  },
  // 18. Lower router id (ORIGINATOR_ID when present, else the peer's).
  { name: 'router-id', cmp: (a, b) => routerIdOf(a) - routerIdOf(b) },
  // 19. Shorter CLUSTER_LIST.
  {
    name: 'cluster-list',
    cmp: (a, b) => (a.attrs.attrs.clusterList?.length ?? 0) - (b.attrs.attrs.clusterList?.length ?? 0),
  },
  // 20. Lower peer address, then lower peer id: a total order.
  { name: 'peer-address', cmp: (a, b) => a.peer.address - b.peer.address },
  { name: 'peer-id', cmp: (a, b) => a.peer.id - b.peer.id },
];

/** Index of the first step after which equal paths are ECMP. */
export const ECMP_CUTOFF = STEPS.findIndex((s) => s.name === 'local-origin');

/** <0 when a is preferred, >0 when b is, 0 only for the same path. */
export function comparePaths(a: Path, b: Path, o: SelectionOptions = DEFAULT_SELECTION): number {
  for (const s of STEPS) {
    const r = s.cmp(a, b, o);
    if (r !== 0) return r;
  }
  return 0;
}

/** The name of the step that decides between a and b, or undefined when equal. */
export function explain(a: Path, b: Path, o: SelectionOptions = DEFAULT_SELECTION): string | undefined {
  for (const s of STEPS) if (s.cmp(a, b, o) !== 0) return s.name;
  return undefined;
}

/** True when a and b are equal through every step before the ECMP cutoff. */
export function ecmpEqual(a: Path, b: Path, o: SelectionOptions = DEFAULT_SELECTION): boolean {
  if (a.infeasible || b.infeasible) return false;
  for (let i = 0; i < ECMP_CUTOFF; i++) if (STEPS[i]!.cmp(a, b, o) !== 0) return false;
  return true;
}

/**
 * Sort paths best first and return how many head paths are ECMP-equal.
 *
 * MED makes pairwise comparison non-transitive, so selection is done by
 * elimination, step by step, as RFC 4271 §9.1.2.2 describes: at each step
 * only the paths the step prefers survive; at the MED step a path is dropped
 * only when a path from the same neighbour AS has a lower MED. The result
 * does not depend on arrival order. Survivors of the steps before the cutoff
 * are the ECMP set; the remaining paths are sorted behind it for display.
 */
export function rankPaths(paths: Path[], o: SelectionOptions = DEFAULT_SELECTION): number {
  if (paths.length === 0) return 0;
  if (paths[0] && paths.length === 1) return paths[0].infeasible ? 0 : 1;
  let alive = paths;
  let ecmp: Path[] = paths;
  for (let i = 0; i < STEPS.length; i++) {
    const step = STEPS[i]!;
    alive = step.name === 'med' ? eliminateByMed(alive, o) : keepPreferred(alive, step, o);
    if (i === ECMP_CUTOFF - 1) ecmp = alive;
    if (alive.length === 1 && i >= ECMP_CUTOFF - 1) break;
  }
  const best = alive[0]!;
  const head = [...ecmp].sort((x, y) => (x === best ? -1 : y === best ? 1 : comparePaths(x, y, o)));
  const inHead = new Set(head);
  const tail = paths.filter((p) => !inHead.has(p)).sort((x, y) => comparePaths(x, y, o));
  paths.length = 0;
  paths.push(...head, ...tail);
  return best.infeasible ? 0 : head.length;
}

function keepPreferred(ps: Path[], step: Step, o: SelectionOptions): Path[] {
  let keep: Path[] = [ps[0]!];
  for (let i = 1; i < ps.length; i++) {
    const r = step.cmp(ps[i]!, keep[0]!, o);
    if (r < 0) keep = [ps[i]!];
    else if (r === 0) keep.push(ps[i]!);
  }
  return keep;
}

function eliminateByMed(ps: Path[], o: SelectionOptions): Path[] {
  const med = STEPS.find((s) => s.name === 'med')!;
  return ps.filter((p) => !ps.some((q) => q !== p && med.cmp(q, p, o) < 0));
}
