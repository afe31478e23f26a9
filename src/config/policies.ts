/**
 * The `routing-policies` section: named policies of ordered terms, attached
 * by name to routing instances and BGP peers (`import-policies`,
 * `export-policies`). Values are parsed here, once, into the typed form of
 * src/policy/types.ts; src/policy/evaluate.ts applies them.
 *
 *   routing-policies:
 *     - name: calico-in
 *       terms:
 *         - from:                                   # every condition given must hold (default: match all)
 *             prefixes:                             # any of; match: exact | orlonger | longer | upto
 *               - { prefix: 10.244.0.0/16, match: upto, upto: 26 }
 *             protocols: [bgpaas]                   # bgp | xmpp | bgpaas | static | local
 *             communities: [64500:1, no-export]     # any of (asn:value or a well-known name)
 *             extended-communities: [target:64512:1001]   # any of (route targets, or 0x<16 hex digits>)
 *             as-path: "^64500( |$)"                # regex on "64500 65001 {65002 65003}"
 *             families: [inet]
 *           then:
 *             action: accept                        # accept | reject | next (default next)
 *             local-pref: 200
 *             med: 10
 *             add-communities: [64512:7]            # also remove-communities, set-communities
 *             as-path-prepend: [64512, 64512]
 *             next-hop: 192.0.2.1
 */

import { z } from 'zod';
import { parseCommunity } from '../bgp/wire/community-text.js';
import { parsePrefix, parseRouteTarget } from '../bgp/wire/format.js';
import { parsePrefix6 } from '../bgp/wire/ipv6.js';
import type { Policy, PolicyTerm, PrefixMatch, PrefixMatchKind, Protocol, TermAction, TermMatch } from '../policy/types.js';
import { PROTOCOLS } from '../policy/types.js';
import { describeValue } from './errors.js';
import { expected, families, integer, ipv4, ipv4Value, list, mapping, name } from './scalars.js';

export type RoutingPolicyConfig = Policy;

const MATCH_KINDS: readonly PrefixMatchKind[] = ['exact', 'orlonger', 'longer', 'upto'];

function oneOf<T extends string>(values: readonly T[]) {
  return z.custom<T>((v) => typeof v === 'string' && (values as readonly string[]).includes(v), {
    error: expected(`one of ${values.join(', ')}`),
  });
}

const prefixText = z
  .custom<string>((v) => typeof v === 'string' && (parsePrefix(v) ?? parsePrefix6(v)) !== undefined, {
    error: expected('a prefix like 10.0.0.0/8 or 2001:db8::/32'),
  });

const prefixEntry = mapping({
  prefix: prefixText,
  match: oneOf(MATCH_KINDS).default('exact'),
  upto: integer(0, 128).optional(),
});

const community = z
  .custom<string>((v) => typeof v === 'string' && parseCommunity(v) !== undefined, {
    error: expected('a community like 64512:100 or a well-known name (no-export, no-advertise, ...)'),
  })
  .transform((s): number => parseCommunity(s) ?? 0);

function extCommunityValue(s: string): bigint | undefined {
  const rt = parseRouteTarget(s);
  if (rt !== undefined) return rt;
  return /^0x[0-9a-f]{16}$/i.test(s) ? BigInt(s) : undefined;
}

const extCommunity = z
  .custom<string>((v) => typeof v === 'string' && extCommunityValue(v) !== undefined, {
    error: expected('an extended community like target:64512:1 or 0x<16 hex digits>'),
  })
  .transform((s): bigint => extCommunityValue(s) ?? 0n);

const asPathRegex = z
  .custom<string>((v) => typeof v === 'string', { error: expected('a regular expression (string)') })
  .transform((s, ctx): RegExp => {
    try {
      return new RegExp(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', input: s, message: `invalid regular expression ${describeValue(s)}: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

const from = mapping({
  prefixes: list(prefixEntry, 'a list of prefixes').optional(),
  upto: integer(0, 128).optional(),
  protocols: list(oneOf(PROTOCOLS), 'a list of protocols').optional(),
  communities: list(community, 'a list of communities').optional(),
  'extended-communities': list(extCommunity, 'a list of extended communities').optional(),
  'as-path': asPathRegex.optional(),
  families: families.optional(),
});

const then = mapping({
  action: oneOf(['accept', 'reject', 'next'] as const).default('next'),
  'local-pref': integer(0, 0xffff_ffff).optional(),
  med: integer(0, 0xffff_ffff).optional(),
  'add-communities': list(community, 'a list of communities').optional(),
  'remove-communities': list(community, 'a list of communities').optional(),
  'set-communities': list(community, 'a list of communities').optional(),
  'as-path-prepend': list(integer(1, 0xffff_ffff, 'an AS number 1..4294967295'), 'a list of AS numbers').optional(),
  'next-hop': ipv4.optional(),
});

type FromDoc = z.output<typeof from>;
type ThenDoc = z.output<typeof then>;

function toPrefix(p: { prefix: string; match: PrefixMatchKind; upto?: number }, upto: number | undefined): PrefixMatch {
  const v4 = parsePrefix(p.prefix);
  const base = v4 ?? parsePrefix6(p.prefix)!;
  const out: PrefixMatch = { family: base.family, addr: base.addr, len: base.len, match: p.match };
  const limit = p.upto ?? upto;
  return p.match === 'upto' && limit !== undefined ? { ...out, upto: limit } : out;
}

function toMatch(f: FromDoc | undefined): TermMatch {
  if (!f) return {};
  const m: { -readonly [K in keyof TermMatch]: TermMatch[K] } = {};
  if (f.prefixes) m.prefixes = f.prefixes.map((p) => toPrefix(p, f.upto));
  if (f.protocols) m.protocols = f.protocols as Protocol[];
  if (f.communities) m.communities = f.communities;
  if (f['extended-communities']) m.extCommunities = f['extended-communities'];
  if (f['as-path']) m.asPath = f['as-path'];
  if (f.families) m.families = f.families;
  return m;
}

function toAction(t: ThenDoc | undefined): TermAction {
  if (!t) return { action: 'next' };
  const a: { -readonly [K in keyof TermAction]: TermAction[K] } = { action: t.action };
  if (t['local-pref'] !== undefined) a.localPref = t['local-pref'];
  if (t.med !== undefined) a.med = t.med;
  if (t['add-communities']) a.addCommunities = t['add-communities'];
  if (t['remove-communities']) a.removeCommunities = t['remove-communities'];
  if (t['set-communities']) a.setCommunities = t['set-communities'];
  if (t['as-path-prepend']) a.asPathPrepend = t['as-path-prepend'];
  if (t['next-hop'] !== undefined) a.nextHop = ipv4Value(t['next-hop']);
  return a;
}

const term = mapping({ from: from.optional(), then: then.optional() }).transform(
  (t): PolicyTerm => ({ from: toMatch(t.from), then: toAction(t.then) }),
);

const policy = mapping({
  name,
  terms: list(term, 'a list of terms'),
}).superRefine((p, ctx) => {
  p.terms.forEach((t, i) => {
    for (const pm of t.from.prefixes ?? []) {
      if (pm.match === 'upto' && pm.upto === undefined) {
        ctx.addIssue({ code: 'custom', path: ['terms', i, 'from', 'prefixes'], input: pm, message: 'match: upto needs an upto length' });
      } else if (pm.upto !== undefined && (pm.upto < pm.len || pm.upto > (pm.family === 'inet' ? 32 : 128))) {
        ctx.addIssue({
          code: 'custom', path: ['terms', i, 'from', 'prefixes'], input: pm.upto,
          message: `upto ${pm.upto} is outside ${pm.len}..${pm.family === 'inet' ? 32 : 128} for a /${pm.len}`,
        });
      }
    }
  });
});

/** The section: a list of uniquely named policies. */
export const routingPoliciesSection = list(policy, 'a list of routing policies').superRefine((ps, ctx) => {
  const seen = new Map<string, number>();
  ps.forEach((p, i) => {
    const j = seen.get(p.name);
    if (j !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], input: p.name, message: `duplicate routing-policy name "${p.name}" (already routing-policies[${j}])` });
    } else {
      seen.set(p.name, i);
    }
  });
});

/** A list of policy names (checked against the section in schema.ts). */
export const policyNames = list(name, 'a list of routing-policy names').default(() => []);
