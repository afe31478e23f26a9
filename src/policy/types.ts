/**
 * Routing-policy values, as the config edge builds them (typed, parsed once)
 * and as src/policy/evaluate.ts reads them. Plain data only.
 *
 * The model is Contrail's routing policy (schema `RoutingPolicyType`:
 * terms of from / then, shared/docs/contrail-control.md) written the way
 * Junos policy-statements read: terms in order; a matching term applies its
 * changes, then `accept` or `reject` ends the evaluation and `next` goes on
 * to the following term; when no term decides, the route is accepted with
 * whatever changes matched terms made.
 */

import type { FamilyName } from '../bgp/wire/types.js';

/** How a route's prefix is compared with a policy prefix (Junos route-filter types). */
export type PrefixMatchKind = 'exact' | 'orlonger' | 'longer' | 'upto';

export interface PrefixMatch {
  readonly family: 'inet' | 'inet6';
  /** The prefix address (number for IPv4, bigint for IPv6), host bits zero. */
  readonly addr: number | bigint;
  readonly len: number;
  readonly match: PrefixMatchKind;
  /** For `upto`: the longest length that matches. */
  readonly upto?: number;
}

/** Where a path came from, in Contrail's vocabulary. */
export type Protocol = 'bgp' | 'xmpp' | 'bgpaas' | 'static' | 'local';

export const PROTOCOLS: readonly Protocol[] = ['bgp', 'xmpp', 'bgpaas', 'static', 'local'];

/** Every condition given must hold; within a list, any member matches. */
export interface TermMatch {
  readonly prefixes?: readonly PrefixMatch[];
  readonly protocols?: readonly Protocol[];
  /** Standard communities (RFC 1997), as numbers. */
  readonly communities?: readonly number[];
  /** Extended communities (route targets and the other Contrail types), as 64-bit values. */
  readonly extCommunities?: readonly bigint[];
  /** Matched against the AS path written as space-separated numbers (sets in braces). */
  readonly asPath?: RegExp;
  readonly families?: readonly FamilyName[];
}

export type TermDecision = 'accept' | 'reject' | 'next';

export interface TermAction {
  readonly action: TermDecision;
  readonly localPref?: number;
  readonly med?: number;
  readonly addCommunities?: readonly number[];
  readonly removeCommunities?: readonly number[];
  readonly setCommunities?: readonly number[];
  readonly asPathPrepend?: readonly number[];
  /** IPv4 next hop to set. */
  readonly nextHop?: number;
}

export interface PolicyTerm {
  readonly from: TermMatch;
  readonly then: TermAction;
}

export interface Policy {
  readonly name: string;
  readonly terms: readonly PolicyTerm[];
}
