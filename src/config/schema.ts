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
import { routingInstancesSection } from './routing-instances.js';
import type { RoutingInstanceConfig } from './routing-instances.js';
import { mapping } from './scalars.js';
import { xmppSection } from './xmpp.js';
import type { XmppConfig } from './xmpp.js';

export interface Config {
  node: NodeConfig;
  bgp: BgpConfig;
  xmpp: XmppConfig;
  routingInstances: RoutingInstanceConfig[];
  introspect: IntrospectConfig;
}

const sections = mapping({
  node: nodeSection,
  bgp: bgpSection.prefault({}),
  xmpp: xmppSection.prefault({}),
  'routing-instances': routingInstancesSection.default(() => []),
  introspect: introspectSection.prefault({}),
});

type Sections = z.output<typeof sections>;

/** Checks that span sections; paths are the file's own keys. */
function crossCheck(doc: Sections, ctx: z.RefinementCtx): void {
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

function toConfig(doc: Sections): Config {
  return {
    node: doc.node,
    bgp: doc.bgp,
    xmpp: doc.xmpp,
    routingInstances: doc['routing-instances'],
    introspect: doc.introspect,
  };
}

/** Validates a parsed document (plain data) and produces the typed Config. */
export const configSchema = sections.superRefine(crossCheck).transform(toConfig);
