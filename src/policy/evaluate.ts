/**
 * Routing-policy evaluation: a pure function of (policies, route) →
 * decision and the attributes to use. No tables, no sessions: the RIB's one
 * way in calls it for import policy (on the attributes as received) and the
 * VPN export and BGP update groups call it for export policy.
 *
 * Semantics (src/policy/types.ts): the policies of a chain are read as one
 * list of terms; the first matching term whose action is accept or reject
 * decides; `next` applies the term's changes and goes on; a route no term
 * decides is accepted with the changes made so far.
 */

import { FAMILIES } from '../bgp/wire/families/registry.js';
import type { AsPathSegment, FamilyName, Nlri, PathAttributes } from '../bgp/wire/types.js';
import { AS_SEQUENCE, AS_SET } from '../bgp/wire/types.js';
import type { Policy, PolicyTerm, PrefixMatch, Protocol, TermAction, TermMatch } from './types.js';

/** What a policy sees of a route. */
export interface RouteView {
  readonly nlri: Nlri;
  readonly attrs: PathAttributes;
  readonly protocol: Protocol;
}

export interface Decision {
  readonly accept: boolean;
  /** The attributes after every applied change; the given object when nothing changed. */
  readonly attrs: PathAttributes;
  /** Name of the policy and index of the term that decided, for introspect and logs. */
  readonly decidedBy?: { readonly policy: string; readonly term: number };
}

/** Evaluate a chain of policies against a route. */
export function evaluate(chain: readonly Policy[], route: RouteView): Decision {
  let attrs = route.attrs;
  for (const policy of chain) {
    for (let i = 0; i < policy.terms.length; i++) {
      const term = policy.terms[i] as PolicyTerm;
      if (!matches(term.from, { ...route, attrs })) continue;
      attrs = apply(term.then, attrs);
      if (term.then.action === 'next') continue;
      return { accept: term.then.action === 'accept', attrs, decidedBy: { policy: policy.name, term: i } };
    }
  }
  return { accept: true, attrs };
}

/** True when every condition the term gives holds for the route. */
export function matches(m: TermMatch, r: RouteView): boolean {
  if (m.families && !m.families.includes(r.nlri.family)) return false;
  if (m.protocols && !m.protocols.includes(r.protocol)) return false;
  if (m.prefixes && !m.prefixes.some((p) => prefixMatches(p, r.nlri))) return false;
  if (m.communities && !m.communities.some((c) => r.attrs.communities?.includes(c))) return false;
  if (m.extCommunities && !m.extCommunities.some((c) => r.attrs.extCommunities?.includes(c))) return false;
  if (m.asPath && !m.asPath.test(asPathText(r.attrs.asPath ?? []))) return false;
  return true;
}

/** The address and length of a route's prefix (a VPN route's inner prefix), with its VRF family. */
function prefixOf(n: Nlri): { family: FamilyName; addr: number | bigint; len: number } | undefined {
  switch (n.family) {
    case 'inet':
    case 'inet6':
      return n;
    case 'inet-vpn':
    case 'inet6-vpn':
      return { family: FAMILIES[n.family].vrf!, addr: n.addr, len: n.len };
    default:
      return undefined;
  }
}

/** Junos route-filter matching: exact, orlonger, longer, upto N. */
export function prefixMatches(p: PrefixMatch, n: Nlri): boolean {
  const r = prefixOf(n);
  if (!r || r.family !== p.family) return false;
  if (r.len < p.len || !samePrefix(p, r.addr)) return false;
  switch (p.match) {
    case 'exact':
      return r.len === p.len;
    case 'orlonger':
      return true;
    case 'longer':
      return r.len > p.len;
    case 'upto':
      return r.len <= (p.upto ?? p.len);
  }
}

/** True when `addr` lies inside the policy prefix. */
function samePrefix(p: PrefixMatch, addr: number | bigint): boolean {
  if (p.family === 'inet') {
    const mask = p.len === 0 ? 0 : (0xffffffff << (32 - p.len)) >>> 0;
    return ((Number(addr) & mask) >>> 0) === p.addr;
  }
  const all = (1n << 128n) - 1n;
  const mask = p.len === 0 ? 0n : (all << BigInt(128 - p.len)) & all;
  return (BigInt(addr) & mask) === p.addr;
}

/** "64500 65001 {65002 65003}": what an as-path regex is matched against. */
export function asPathText(path: readonly AsPathSegment[]): string {
  return path.map((s) => (s.type === AS_SET ? `{${s.asns.join(' ')}}` : s.asns.join(' '))).join(' ');
}

function sorted(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** The term's changes applied to a copy of the attributes (the same object when the term changes nothing). */
export function apply(t: TermAction, a: PathAttributes): PathAttributes {
  const changes = t.localPref !== undefined || t.med !== undefined || t.addCommunities || t.removeCommunities ||
    t.setCommunities || t.asPathPrepend || t.nextHop !== undefined;
  if (!changes) return a;
  const out: PathAttributes = { ...a };
  if (t.localPref !== undefined) out.localPref = t.localPref;
  if (t.med !== undefined) out.med = t.med;
  if (t.nextHop !== undefined) {
    out.nextHop = t.nextHop;
    out.nextHop6 = undefined;
  }
  let comms = t.setCommunities ? [...t.setCommunities] : [...(a.communities ?? [])];
  if (t.addCommunities) comms.push(...t.addCommunities);
  if (t.removeCommunities) comms = comms.filter((c) => !t.removeCommunities!.includes(c));
  if (t.setCommunities || t.addCommunities || t.removeCommunities) out.communities = comms.length ? sorted(comms) : undefined;
  if (t.asPathPrepend && t.asPathPrepend.length > 0) out.asPath = prepend(a.asPath ?? [], t.asPathPrepend);
  return out;
}

function prepend(path: readonly AsPathSegment[], asns: readonly number[]): AsPathSegment[] {
  const first = path[0];
  if (first && first.type === AS_SEQUENCE && first.asns.length + asns.length <= 255) {
    return [{ type: AS_SEQUENCE, asns: [...asns, ...first.asns] }, ...path.slice(1)];
  }
  return [{ type: AS_SEQUENCE, asns: [...asns] }, ...path];
}
