/**
 * The extended communities the Contrail control node builds from agent
 * items and reads back, over whole community lists
 * (shared/docs/contrail-control.md §3.2, §4.3; tf-controller
 * src/bgp/bgp_xmpp_channel.cc, security_group/, origin-vn/, tag/).
 *
 * With a 4-octet local AS the experimental 0x82 form leaves only 16 bits for
 * the value, so Contrail pairs communities:
 * - security group / tag: for the i-th id, 82:04:<AS4>:<i> together with
 *   80:04:<i>:<id> (the 2-octet form's AS field carries the index);
 * - origin VN: 82:71:<AS4>:<index> when the index fits in 16 bits, else
 *   82:71:<AS4>:23456 together with 80:71:23456:<index> (AS_TRANS).
 * Builders never throw: values that cannot be carried are left out.
 */

import { decodeExtCommunity, encodeExtCommunity, extCommunityType, type ExtCommunity, type LoadBalanceField } from './codec.js';
import { tunnelName } from './text.js';

/** RFC 6793 AS_TRANS, the placeholder of the two-community origin-VN form. */
export const AS_TRANS = 23456;
/** Contrail's first automatic route-target value: 2-octet AS (32-bit value) and 4-octet AS (16-bit value), §4.3. */
export const AUTO_TARGET_BASE_AS2 = 8_000_000;
export const AUTO_TARGET_BASE_AS4 = 8_000;
/** Security-group ids 1..7999999 are global (valid in any AS); larger ones are allocated per AS (§4.3). */
const MAX_GLOBAL_SG_ID = 7_999_999;
const U16 = 0xffff;

type Typed<T extends ExtCommunity['type']> = Extract<ExtCommunity, { type: T }>;

function ofType<T extends ExtCommunity['type']>(ecs: readonly bigint[] | undefined, type: T): Typed<T>[] {
  const out: Typed<T>[] = [];
  for (const c of ecs ?? []) {
    if (extCommunityType(c) === type) out.push(decodeExtCommunity(c) as Typed<T>);
  }
  return out;
}

const isType = (c: bigint, type: ExtCommunity['type']): boolean => extCommunityType(c) === type;

const defined = (c: bigint | undefined): c is bigint => c !== undefined;

// ---------------------------------------------------------------- route targets

/** Route targets of any form (types 0x00/0x01/0x02, subtype 0x02; RFC 4360, RFC 5668). */
export function isRouteTarget(c: bigint): boolean {
  return isType(c, 'route-target');
}

/**
 * The automatic route target of instance `id`: target:<AS>:<8000000+id> for
 * a 2-octet AS, target:<AS>:<8000+id> for a 4-octet AS (whose value has 16
 * bits); undefined when it does not fit.
 */
export function autoRouteTarget(asn: number, id: number): bigint | undefined {
  if (asn <= U16) return encodeExtCommunity({ type: 'route-target', form: 'as2', admin: asn, value: AUTO_TARGET_BASE_AS2 + id });
  return encodeExtCommunity({ type: 'route-target', form: 'as4', admin: asn, value: AUTO_TARGET_BASE_AS4 + id });
}

// ---------------------------------------------------------------- security groups and tags

type IdKind = 'security-group' | 'tag';

/** One community per id (2-octet AS), or the (AS4, index) + (index, id) pair per id (4-octet AS). */
function idCommunities(kind: IdKind, asn: number, ids: readonly number[]): bigint[] {
  const unique = [...new Set(ids)];
  if (asn <= U16) return unique.map((id) => encodeExtCommunity({ type: kind, form: 'as2', asn, id })).filter(defined);
  const out: bigint[] = [];
  unique.forEach((id, index) => {
    const wide = encodeExtCommunity({ type: kind, form: 'as4', asn, id: index });
    const narrow = encodeExtCommunity({ type: kind, form: 'as2', asn: index, id });
    if (wide !== undefined && narrow !== undefined) out.push(wide, narrow);
  });
  return out;
}

/** An (AS, id) read back from a community list. */
export interface AsId {
  readonly asn: number;
  readonly id: number;
}

/** Every (AS, id) of `kind`, pairs joined: a 0x80 whose AS field is the index of a 0x82 takes that 0x82's AS. */
function idsOf(kind: IdKind, ecs: readonly bigint[] | undefined): AsId[] {
  const all = ofType(ecs, kind) as { form: 'as2' | 'as4'; asn: number; id: number }[];
  const wideByIndex = new Map<number, number>();
  for (const e of all) if (e.form === 'as4' && !wideByIndex.has(e.id)) wideByIndex.set(e.id, e.asn);
  const paired = new Set<number>();
  const out: AsId[] = [];
  for (const e of all) {
    if (e.form !== 'as2') continue;
    const asn4 = wideByIndex.get(e.asn);
    if (asn4 !== undefined) paired.add(e.asn);
    out.push({ asn: asn4 ?? e.asn, id: e.id });
  }
  for (const e of all) if (e.form === 'as4' && !paired.has(e.id)) out.push({ asn: e.asn, id: e.id });
  return out;
}

/** The communities for an agent's security-group ids under local AS `asn` (§3.2). */
export function securityGroupCommunities(asn: number, ids: readonly number[]): bigint[] {
  return idCommunities('security-group', asn, ids);
}

/** Every security group on a path, pairs joined, in community order. */
export function securityGroupRefs(ecs: readonly bigint[] | undefined): AsId[] {
  return idsOf('security-group', ecs);
}

/** The security-group ids agents are given: those of the local AS, and global ones (1..7999999) of any AS (§2.7). */
export function securityGroupsOf(ecs: readonly bigint[] | undefined, localAsn: number): number[] {
  return securityGroupRefs(ecs)
    .filter((r) => r.asn === localAsn || (r.id >= 1 && r.id <= MAX_GLOBAL_SG_ID))
    .map((r) => r.id);
}

export function isSecurityGroup(c: bigint): boolean {
  return isType(c, 'security-group');
}

/** The communities for a next hop's tags under local AS `asn` (like security groups). */
export function tagCommunities(asn: number, tags: readonly number[]): bigint[] {
  return idCommunities('tag', asn, tags);
}

/** The tag ids on a path, pairs joined, in community order. */
export function tagsOf(ecs: readonly bigint[] | undefined): number[] {
  return idsOf('tag', ecs).map((r) => r.id);
}

// ---------------------------------------------------------------- origin VN

/** Origin VN `asn:index`: one community, or the AS_TRANS pair for a 4-octet AS and an index over 16 bits. */
export function originVnCommunities(asn: number, index: number): bigint[] {
  if (asn <= U16) return [encodeExtCommunity({ type: 'origin-vn', form: 'as2', asn, index })].filter(defined);
  if (index <= U16) return [encodeExtCommunity({ type: 'origin-vn', form: 'as4', asn, index })].filter(defined);
  const wide = encodeExtCommunity({ type: 'origin-vn', form: 'as4', asn, index: AS_TRANS });
  const narrow = encodeExtCommunity({ type: 'origin-vn', form: 'as2', asn: AS_TRANS, index });
  return wide !== undefined && narrow !== undefined ? [wide, narrow] : [];
}

/** Both origin-VN forms (80:71 and 82:71). */
export function isOriginVn(c: bigint): boolean {
  return isType(c, 'origin-vn');
}

/** The origin VN of a path, either form, the AS_TRANS pair joined; undefined when it has none. */
export function originVnOf(ecs: readonly bigint[] | undefined): { asn: number; index: number } | undefined {
  const all = ofType(ecs, 'origin-vn');
  const wideTrans = all.find((e) => e.form === 'as4' && e.index === AS_TRANS);
  const narrowTrans = all.find((e) => e.form === 'as2' && e.asn === AS_TRANS);
  if (wideTrans && narrowTrans) return { asn: wideTrans.asn, index: narrowTrans.index };
  const first = all[0];
  return first ? { asn: first.asn, index: first.index } : undefined;
}

// ---------------------------------------------------------------- opaque and EVPN

/** The tunnel-encapsulation community for an RFC 9012 tunnel type, undefined if it does not fit. */
export function encapsulationCommunity(tunnelType: number): bigint | undefined {
  return encodeExtCommunity({ type: 'encapsulation', tunnelType });
}

/** Tunnel encapsulation names on a path (Contrail's names, unknown types as numbers), unique, in community order. */
export function encapsulationsOf(ecs: readonly bigint[] | undefined): string[] {
  return [...new Set(ofType(ecs, 'encapsulation').map((e) => tunnelName(e.tunnelType)))];
}

/** The load-balance community (03:aa). */
export function loadBalanceCommunity(fields: readonly LoadBalanceField[], sourceBias: boolean): bigint {
  return encodeExtCommunity({ type: 'load-balance', fields, sourceBias }) as bigint;
}

/** The first load-balance community of a path, decoded. */
export function loadBalanceOf(ecs: readonly bigint[] | undefined): { fields: readonly LoadBalanceField[]; sourceBias: boolean } | undefined {
  const lb = ofType(ecs, 'load-balance')[0];
  return lb ? { fields: lb.fields, sourceBias: lb.sourceBias } : undefined;
}

/** The MAC-mobility community (06:00), undefined when seq does not fit in 32 bits. */
export function mobilityCommunity(seq: number, sticky: boolean): bigint | undefined {
  return encodeExtCommunity({ type: 'mac-mobility', sticky, seq });
}

/** The first MAC-mobility community of a path, decoded. */
export function mobilityOf(ecs: readonly bigint[] | undefined): { seq: number; sticky: boolean } | undefined {
  const m = ofType(ecs, 'mac-mobility')[0];
  return m ? { seq: m.seq, sticky: m.sticky } : undefined;
}

/** The Router-MAC community (06:03, RFC 9135 §8.1) for a canonical `aa:bb:cc:dd:ee:ff`; undefined for all-zero or unparsable. */
export function routerMacCommunity(mac: string): bigint | undefined {
  if (/^(?:00:){5}00$/.test(mac)) return undefined;
  return encodeExtCommunity({ type: 'router-mac', mac });
}

/** The first Router-MAC community of a path, as `aa:bb:cc:dd:ee:ff`. */
export function routerMacOf(ecs: readonly bigint[] | undefined): string | undefined {
  return ofType(ecs, 'router-mac')[0]?.mac;
}

/** Contrail's Local-Sequence-Number community (c0:00, seq(4), 2 zero bytes); undefined for 0 or a value over 32 bits. */
export function localSequenceCommunity(seq: number): bigint | undefined {
  if (seq === 0) return undefined;
  return encodeExtCommunity({ type: 'local-sequence-number', seq });
}

/** The first Local-Sequence-Number community of a path. */
export function localSequenceOf(ecs: readonly bigint[] | undefined): number | undefined {
  return ofType(ecs, 'local-sequence-number')[0]?.seq;
}
