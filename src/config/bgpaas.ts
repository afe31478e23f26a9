/**
 * Per routing instance: BGP-as-a-Service sessions and static routes
 * (shared/docs/contrail-control.md §5.5 and §3.3).
 *
 *   routing-instances:
 *     - name: default-domain:k8s:pods:pods
 *       bgpaas:
 *         - name: calico-node-1          # unique among all BGP peers and BGPaaS sessions
 *           address: 192.0.2.50          # the VM's address; sessions are accepted from it (passive)
 *           asn: 64500                   # eBGP only: not node.asn
 *           hold-time: 90                # optional
 *           families: [inet]             # default [inet]; inet6 too
 *           gateway-address: 192.0.2.1   # next hop of what we send it; nothing is sent without one
 *           ipv6-gateway-address: 2001:db8::1
 *           password: s3cret             # optional TCP-MD5 key (RFC 2385), as for bgp.peers
 *           source-port: 50001           # optional: tells apart VMs behind the vRouter's NAT
 *           import-policies: [calico-in] # routing-policies by name
 *           export-policies: []
 *       static-routes:
 *         - { prefix: 10.99.0.0/16, next-hop: 192.0.2.50, communities: [64512:99] }
 */

import { z } from 'zod';
import { parseCommunity } from '../bgp/wire/community-text.js';
import { parsePrefix } from '../bgp/wire/format.js';
import { parseIpv6, parsePrefix6 } from '../bgp/wire/ipv6.js';
import type { FamilyName, Ipv4Prefix, Ipv6Prefix } from '../bgp/wire/types.js';
import { password } from './bgp.js';
import { policyNames } from './policies.js';
import { asn, expected, families, holdTime, ipv4NonZero, ipv4Value, list, mapping, name, port } from './scalars.js';

export interface BgpaasConfig {
  name: string;
  address: string;
  asn: number;
  holdTime?: number;
  families: FamilyName[];
  /** IPv4 next hop of routes sent to the session (uint32), if configured. */
  gatewayAddress?: number;
  ipv6GatewayAddress?: bigint;
  sourcePort?: number;
  /** TCP-MD5 key (RFC 2385); the session's segments are signed and checked. */
  password?: string;
  importPolicies: string[];
  exportPolicies: string[];
}

export interface StaticRouteConfig {
  prefix: Ipv4Prefix | Ipv6Prefix;
  /** IPv4 next hop (uint32), resolved in the instance. */
  nextHop: number;
  communities: number[];
}

const ipv6 = z
  .custom<string>((v) => typeof v === 'string' && parseIpv6(v) !== undefined, { error: expected('an IPv6 address') })
  .transform((s): bigint => parseIpv6(s) ?? 0n);

const bgpaasFamilies = families.superRefine((fs, ctx) => {
  fs.forEach((f, i) => {
    if (f !== 'inet' && f !== 'inet6') {
      ctx.addIssue({ code: 'custom', path: [i], input: f, message: `expected inet or inet6 for a BGP-as-a-Service session, got "${f}"` });
    }
  });
});

const session = mapping({
  name,
  address: ipv4NonZero,
  asn,
  'hold-time': holdTime.optional(),
  families: bgpaasFamilies.default(() => ['inet' as FamilyName]),
  'gateway-address': ipv4NonZero.optional(),
  'ipv6-gateway-address': ipv6.optional(),
  'source-port': port.optional(),
  password: password.optional(),
  'import-policies': policyNames,
  'export-policies': policyNames,
}).transform((raw): BgpaasConfig => {
  const out: BgpaasConfig = {
    name: raw.name, address: raw.address, asn: raw.asn, families: raw.families,
    importPolicies: raw['import-policies'], exportPolicies: raw['export-policies'],
  };
  if (raw['hold-time'] !== undefined) out.holdTime = raw['hold-time'];
  if (raw['gateway-address'] !== undefined) out.gatewayAddress = ipv4Value(raw['gateway-address']);
  if (raw['ipv6-gateway-address'] !== undefined) out.ipv6GatewayAddress = raw['ipv6-gateway-address'];
  if (raw['source-port'] !== undefined) out.sourcePort = raw['source-port'];
  if (raw.password !== undefined) out.password = raw.password;
  return out;
});

export const bgpaasSessions = list(session, 'a list of BGP-as-a-Service sessions').default(() => []);

const prefix = z
  .custom<string>((v) => typeof v === 'string' && (parsePrefix(v) ?? parsePrefix6(v)) !== undefined, {
    error: expected('a prefix like 10.0.0.0/8 or 2001:db8::/32'),
  })
  .transform((s): Ipv4Prefix | Ipv6Prefix => parsePrefix(s) ?? parsePrefix6(s)!);

const community = z
  .custom<string>((v) => typeof v === 'string' && parseCommunity(v) !== undefined, {
    error: expected('a community like 64512:100 or a well-known name'),
  })
  .transform((s): number => parseCommunity(s) ?? 0);

const staticRoute = mapping({
  prefix,
  'next-hop': ipv4NonZero,
  communities: list(community, 'a list of communities').default(() => []),
}).transform((raw): StaticRouteConfig => ({ prefix: raw.prefix, nextHop: ipv4Value(raw['next-hop']), communities: raw.communities }));

export const staticRoutes = list(staticRoute, 'a list of static routes').default(() => []);
