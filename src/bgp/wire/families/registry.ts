/**
 * The family registry: the one description of every address family this
 * speaker knows (RFC 4760 §6 AFI/SAFI pairs). Each entry names the family
 * (its config token), its AFI/SAFI and NLRI codec, its compact route key,
 * its text form, the names of its tables, and its VPN / VRF partner.
 * Every list of families elsewhere (config tokens, capabilities, tables,
 * introspect, metrics) is derived from FAMILIES.
 *
 * Tables (Contrail names): the master instance holds inet.0, inet6.0,
 * bgp.l3vpn.0, bgp.l3vpn-inet6.0 and bgp.rtarget.0; a routing instance
 * holds <ri>.inet.0 and <ri>.inet6.0.
 */

import type { AfiSafi, FamilyName, Ipv4Prefix, Labels, Ipv6Prefix, Nlri, NlriOf, RtMembership, Vpn6Prefix, VpnPrefix } from '../types.js';
import { extCommunityToString } from '../ext-communities/index.js';
import { prefixToString, rdToString } from '../format.js';
import { prefix6ToString } from '../ipv6.js';
import type { AnyFamilyCodec, FamilyCodec } from './codec.js';
import { inetCodec } from './inet.js';
import { inet6Codec } from './inet6.js';
import { inetVpnCodec } from './inet-vpn.js';
import { inet6VpnCodec } from './inet6-vpn.js';
import { rtargetCodec } from './rtarget.js';

/** A compact, per-table route key: a number or a bigint, never a string on the hot path. */
export type RouteKey = number | bigint;

export interface Family<F extends FamilyName = FamilyName> {
  readonly name: F;
  readonly afi: number;
  readonly safi: number;
  readonly codec: FamilyCodec<F>;
  /** The route key of an NLRI (labels are path data, not part of the key). */
  key(n: NlriOf[F]): RouteKey;
  /** Contrail's introspect form of an NLRI. */
  text(n: NlriOf[F]): string;
  /** The NLRI a key stands for, where the key holds all of it (the unlabeled families). */
  fromKey?(key: RouteKey): NlriOf[F];
  /** The table of this family in the master instance. */
  readonly masterTable: string;
  /** The suffix of this family's table in a routing instance (`<ri>.inet6.0`); absent: masters only. */
  readonly vrfTable?: string;
  /** A VRF family's VPN partner (inet → inet-vpn), or a VPN family's VRF partner (inet-vpn → inet). */
  readonly vpn?: FamilyName;
  readonly vrf?: FamilyName;
  /** True for the labeled (VPN) families: their NLRI carry MPLS labels. */
  readonly labeled: boolean;
  /** Send order: memberships first, so peers filter what follows. */
  readonly sendOrder: number;
}

function rtcText(m: RtMembership): string {
  if (m.len === 0) return 'default';
  if (m.len === 96) return `${m.originAs}:${extCommunityToString(m.target)}`;
  return `${m.originAs}:0x${m.target.toString(16).padStart(16, '0')}/${m.len}`;
}

const inet: Family<'inet'> = {
  name: 'inet', afi: inetCodec.afi, safi: inetCodec.safi, codec: inetCodec,
  key: (p) => p.addr * 64 + p.len,
  text: prefixToString,
  fromKey: (k) => ({ family: 'inet', addr: Math.floor(Number(k) / 64), len: Number(k) % 64 }),
  masterTable: 'inet.0', vrfTable: 'inet.0', vpn: 'inet-vpn', labeled: false, sendOrder: 1,
};

const inet6: Family<'inet6'> = {
  name: 'inet6', afi: inet6Codec.afi, safi: inet6Codec.safi, codec: inet6Codec,
  key: (p) => (p.addr << 8n) | BigInt(p.len),
  text: prefix6ToString,
  fromKey: (k) => ({ family: 'inet6', addr: BigInt(k) >> 8n, len: Number(BigInt(k) & 0xffn) }),
  masterTable: 'inet6.0', vrfTable: 'inet6.0', vpn: 'inet6-vpn', labeled: false, sendOrder: 2,
};

const inetVpn: Family<'inet-vpn'> = {
  name: 'inet-vpn', afi: inetVpnCodec.afi, safi: inetVpnCodec.safi, codec: inetVpnCodec,
  key: (p) => (p.rd << 38n) | BigInt(p.addr * 64 + p.len),
  text: (p) => `${rdToString(p.rd)}:${prefixToString(p)}`,
  masterTable: 'bgp.l3vpn.0', vrf: 'inet', labeled: true, sendOrder: 3,
};

const inet6Vpn: Family<'inet6-vpn'> = {
  name: 'inet6-vpn', afi: inet6VpnCodec.afi, safi: inet6VpnCodec.safi, codec: inet6VpnCodec,
  key: (p) => (p.rd << 136n) | (p.addr << 8n) | BigInt(p.len),
  text: (p) => `${rdToString(p.rd)}:${prefix6ToString(p)}`,
  masterTable: 'bgp.l3vpn-inet6.0', vrf: 'inet6', labeled: true, sendOrder: 4,
};

const routeTarget: Family<'route-target'> = {
  name: 'route-target', afi: rtargetCodec.afi, safi: rtargetCodec.safi, codec: rtargetCodec,
  key: (p) => (BigInt(p.originAs) << 71n) | (p.target << 7n) | BigInt(p.len),
  text: rtcText,
  masterTable: 'bgp.rtarget.0', labeled: false, sendOrder: 0,
};

/** Every family, by name. */
export const FAMILIES: { readonly [F in FamilyName]: Family<F> } = {
  inet, inet6, 'inet-vpn': inetVpn, 'inet6-vpn': inet6Vpn, 'route-target': routeTarget,
};

/** Every family name, in send order. */
export const FAMILY_NAMES: readonly FamilyName[] = (Object.keys(FAMILIES) as FamilyName[]).sort(
  (a, b) => FAMILIES[a].sendOrder - FAMILIES[b].sendOrder,
);

/** The families a routing instance has tables for (inet, inet6). */
export const VRF_FAMILIES: readonly FamilyName[] = FAMILY_NAMES.filter((f) => FAMILIES[f].vrfTable !== undefined);

const byNumber = new Map<number, Family>(Object.values(FAMILIES).map((f: Family) => [(f.afi << 8) | f.safi, f]));

/** The family of an AFI/SAFI this speaker implements, if any. */
export function familyByNumber(afi: number, safi: number): Family | undefined {
  return byNumber.get((afi << 8) | safi);
}

/** The codec of a family this speaker implements, if any. */
export function familyCodec(afi: number, safi: number): AnyFamilyCodec | undefined {
  return byNumber.get((afi << 8) | safi)?.codec as AnyFamilyCodec | undefined;
}

/** Type-erased view of a family (for code that handles NLRI of any family). */
export function anyFamily(name: FamilyName): Family<FamilyName> & { key(n: Nlri): RouteKey; text(n: Nlri): string } {
  return FAMILIES[name] as never;
}

export function familyKey(f: AfiSafi): string {
  return `${f.afi}/${f.safi}`;
}

export function familyOf(name: FamilyName): AfiSafi {
  return FAMILIES[name];
}

export function familyName(f: AfiSafi): FamilyName | undefined {
  return familyByNumber(f.afi, f.safi)?.name;
}

/** The key of any NLRI, by the family it carries. */
export function nlriKey(n: Nlri): RouteKey {
  return anyFamily(n.family).key(n);
}

/** Contrail's text form of any NLRI, by the family it carries. */
export function nlriToString(n: Nlri): string {
  return anyFamily(n.family).text(n);
}

/** True when the name is one of ours (for config tokens and agent node names). */
export function isFamilyName(s: string): s is FamilyName {
  return Object.prototype.hasOwnProperty.call(FAMILIES, s);
}

/** The VPN form of a VRF prefix (inet → inet-vpn, inet6 → inet6-vpn) with an RD and labels (RFC 4364 §4.1). */
export function toVpnNlri(n: Ipv4Prefix | Ipv6Prefix, rd: bigint, labels: Labels): VpnPrefix | Vpn6Prefix {
  return n.family === 'inet'
    ? { family: 'inet-vpn', labels, rd, addr: n.addr, len: n.len }
    : { family: 'inet6-vpn', labels, rd, addr: n.addr, len: n.len };
}

/** The VRF prefix of a VPN route (its RD and labels dropped). */
export function fromVpnNlri(n: VpnPrefix | Vpn6Prefix): Ipv4Prefix | Ipv6Prefix {
  return n.family === 'inet-vpn' ? { family: 'inet', addr: n.addr, len: n.len } : { family: 'inet6', addr: n.addr, len: n.len };
}
