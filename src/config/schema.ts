/**
 * The whole configuration document: one entry per top-level section, plus
 * the checks that need more than one section.
 *
 * To add a section: write `src/config/<section>.ts` exporting its output
 * interface and a `<section>Section` schema built from ./scalars.js, add it
 * to `sections` below (kebab-case key; `.prefault({})` if the whole section
 * is optional, `.default(() => [])` for an optional list) and to `Config`,
 * and map the key in `toConfig`.
 */

import { z } from 'zod';
import { bgpSection } from './bgp.js';
import type { BgpConfig } from './bgp.js';
import { introspectSection } from './introspect.js';
import type { IntrospectConfig } from './introspect.js';
import { nodeSection } from './node.js';
import type { NodeConfig } from './node.js';
import { routingPoliciesSection } from './policies.js';
import type { RoutingPolicyConfig } from './policies.js';
import { routingInstancesSection } from './routing-instances.js';
import type { RoutingInstanceConfig } from './routing-instances.js';
import { logLevel, mapping } from './scalars.js';
import type { LogLevel } from './scalars.js';
import { xmppSection } from './xmpp.js';
import type { XmppConfig } from './xmpp.js';

export interface Config {
  node: NodeConfig;
  bgp: BgpConfig;
  xmpp: XmppConfig;
  routingInstances: RoutingInstanceConfig[];
  routingPolicies: RoutingPolicyConfig[];
  introspect: IntrospectConfig;
  /** The JSON log's level; absent: the command line's `--log-level` (default info). Applied on reload too. */
  logLevel?: LogLevel;
}

const sections = mapping({
  node: nodeSection,
  bgp: bgpSection.prefault({}),
  xmpp: xmppSection.prefault({}),
  'routing-instances': routingInstancesSection.default(() => []),
  'routing-policies': routingPoliciesSection.default(() => []),
  introspect: introspectSection.prefault({}),
  'log-level': logLevel.optional(),
});

type Sections = z.output<typeof sections>;

/** Checks that span sections; paths are the file's own keys. */
function crossCheck(doc: Sections, ctx: z.RefinementCtx): void {
  checkPolicyNames(doc, ctx);
  checkBgpaas(doc, ctx);
  doc.bgp.peers.forEach((peer, i) => {
    if (peer.routeReflectorClient && peer.asn !== doc.node.asn) {
      ctx.addIssue({
        code: 'custom',
        path: ['bgp', 'peers', i, 'route-reflector-client'],
        input: true,
        message:
          `only an iBGP peer can be a route-reflector client, ` +
          `but this peer's asn ${peer.asn} is not node.asn ${doc.node.asn}`,
      });
    }
  });
}

/**
 * Every policy name a peer or an instance attaches must be defined in
 * routing-policies. (Zod runs this also when a section already failed, with
 * parts of it missing: every access is guarded.)
 */
function checkPolicyNames(doc: Sections, ctx: z.RefinementCtx): void {
  const known = new Set((doc['routing-policies'] ?? []).map((p) => p?.name));
  const defined = known.size === 0 ? 'none defined' : `defined: ${[...known].join(', ')}`;
  const check = (names: readonly string[] | undefined, path: (string | number)[]): void => {
    (names ?? []).forEach((n, j) => {
      if (!known.has(n)) ctx.addIssue({ code: 'custom', path: [...path, j], input: n, message: `unknown routing policy "${n}" (${defined})` });
    });
  };
  (doc.bgp?.peers ?? []).forEach((p, i) => {
    check(p?.importPolicies, ['bgp', 'peers', i, 'import-policies']);
    check(p?.exportPolicies, ['bgp', 'peers', i, 'export-policies']);
  });
  (doc['routing-instances'] ?? []).forEach((ri, i) => {
    check(ri?.importPolicies, ['routing-instances', i, 'import-policies']);
    check(ri?.exportPolicies, ['routing-instances', i, 'export-policies']);
    (ri?.bgpaas ?? []).forEach((b, j) => {
      check(b?.importPolicies, ['routing-instances', i, 'bgpaas', j, 'import-policies']);
      check(b?.exportPolicies, ['routing-instances', i, 'bgpaas', j, 'export-policies']);
    });
  });
}

/**
 * BGP-as-a-Service sessions are eBGP, and share the BGP listen port with
 * the peers: their names must be unique among all of them, and no two may
 * be told apart by the same (address, source port).
 */
function checkBgpaas(doc: Sections, ctx: z.RefinementCtx): void {
  const names = new Map<string, string>();
  const endpoints = new Map<string, string>();
  (doc.bgp?.peers ?? []).forEach((p, i) => {
    if (!p) return;
    names.set(p.name, `bgp.peers[${i}]`);
    endpoints.set(p.address, `bgp.peers[${i}]`);
  });
  (doc['routing-instances'] ?? []).forEach((ri, i) => {
    (ri?.bgpaas ?? []).forEach((b, j) => {
      if (!b) return;
      const here = `routing-instances[${i}].bgpaas[${j}]`;
      const path = ['routing-instances', i, 'bgpaas', j];
      if (b.asn === doc.node?.asn) {
        ctx.addIssue({ code: 'custom', path: [...path, 'asn'], input: b.asn, message: `a BGP-as-a-Service session is eBGP: asn ${b.asn} is node.asn` });
      }
      const other = names.get(b.name);
      if (other) ctx.addIssue({ code: 'custom', path: [...path, 'name'], input: b.name, message: `duplicate BGP session name "${b.name}" (already ${other})` });
      names.set(b.name, here);
      const endpoint = b.sourcePort === undefined ? b.address : `${b.address}:${b.sourcePort}`;
      const taken = endpoints.get(endpoint);
      if (taken) {
        ctx.addIssue({
          code: 'custom', path: [...path, 'address'], input: b.address,
          message: `${endpoint} is already ${taken}'s; give each session behind one address its source-port`,
        });
      }
      endpoints.set(endpoint, here);
    });
  });
}

function toConfig(doc: Sections): Config {
  return {
    node: doc.node,
    bgp: doc.bgp,
    xmpp: doc.xmpp,
    routingInstances: doc['routing-instances'],
    routingPolicies: doc['routing-policies'],
    introspect: doc.introspect,
    ...(doc['log-level'] !== undefined && { logLevel: doc['log-level'] }),
  };
}

/** Validates a parsed document (plain data) and produces the typed Config. */
export const configSchema = sections.superRefine(crossCheck).transform(toConfig);
