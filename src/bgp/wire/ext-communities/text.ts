/**
 * Extended communities in the Contrail control node's introspect notation
 * (tf-controller src/bgp/community.cc ExtCommunity::ToString and the
 * per-type ToString methods): `target:64512:8000001`, `encapsulation:gre`,
 * `originvn:64512:1`, `secgroup:64512:8000002`, `tag:64512:3`,
 * `mobility:non-sticky:5`, `rtrmac:<mac>`, `load-balance:field-hash`,
 * `local_sequence_number:<n>`. RFC 4360, RFC 5668, RFC 9012, RFC 7432.
 *
 * Deviations from Contrail, kept from earlier versions of this project:
 * unknown values print as "0x" + 16 hex digits (Contrail: no prefix);
 * unknown tunnel types print their number (Contrail: "unspecified"); a
 * 4-octet-AS route target whose AS fits in 16 bits prints as "100L:7" so
 * that it parses back to the same type.
 */

import { decodeExtCommunity, type AdminForm, type ExtCommunity } from './codec.js';

/** Tunnel types of the encapsulation community (RFC 9012 §14.5 registry) by Contrail's names. */
export const TUNNEL_TYPES: Readonly<Record<string, number>> = {
  gre: 2,
  vxlan: 8,
  nvgre: 9,
  mpls: 10,
  'mpls-o-gre': 11,
  'vxlan-gpe': 12,
  udp: 13,
  native: 16,
};

const TUNNEL_NAMES = new Map<number, string>(Object.entries(TUNNEL_TYPES).map(([k, v]) => [v, k]));

/** Contrail's name of a tunnel type, or its number as text. */
export function tunnelName(tunnelType: number): string {
  return TUNNEL_NAMES.get(tunnelType) ?? String(tunnelType);
}

function dottedQuad(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** "admin:value" of a route target / site of origin. */
function adminValue(form: AdminForm, admin: number, value: number, markSmallAs4: boolean): string {
  if (form === 'ipv4') return `${dottedQuad(admin)}:${value}`;
  if (form === 'as4' && markSmallAs4 && admin <= 0xffff) return `${admin}L:${value}`;
  return `${admin}:${value}`;
}

/** "0x" and the 16 hex digits of the raw community. */
export function extCommunityHex(c: bigint): string {
  return `0x${BigInt.asUintN(64, c).toString(16).padStart(16, '0')}`;
}

/** Contrail introspect form of one extended community. Never throws. */
export function extCommunityToString(c: bigint): string {
  return typedToString(decodeExtCommunity(c)) ?? extCommunityHex(c);
}

function typedToString(e: ExtCommunity): string | undefined {
  switch (e.type) {
    case 'route-target':
      return `target:${adminValue(e.form, e.admin, e.value, true)}`;
    case 'site-of-origin':
      return `soo:${adminValue(e.form, e.admin, e.value, false)}`;
    case 'source-as':
      return `source-as:${e.asn}:${e.value}`;
    case 'vrf-route-import':
      return `rt-import:${dottedQuad(e.address)}:${e.value}`;
    case 'encapsulation':
      return `encapsulation:${tunnelName(e.tunnelType)}`;
    case 'default-gateway':
      return 'defaultgw:0';
    case 'load-balance':
      return `load-balance:${e.sourceBias ? 'source-bias' : 'field-hash'}`;
    case 'mac-mobility':
      return `mobility:${e.sticky ? 'sticky' : 'non-sticky'}:${e.seq}`;
    case 'router-mac':
      return `rtrmac:${e.mac}`;
    case 'etree':
      return `etree:${e.leaf ? 'leaf' : 'root'}:${e.label}`;
    case 'origin-vn':
      return `originvn:${e.asn}:${e.index}`;
    case 'security-group':
      return `secgroup:${e.asn}:${e.id}`;
    case 'tag':
      return `tag:${e.asn}:${e.id}`;
    case 'sub-cluster':
      return `subcluster:${e.asn}:${e.id}`;
    case 'local-sequence-number':
      return `local_sequence_number:${e.seq}`;
    case 'unknown':
      return undefined;
  }
}
