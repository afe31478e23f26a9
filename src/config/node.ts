/**
 * The `node` section: who this control node is.
 *
 *   node:
 *     name: cn1               # shown in logs and introspect
 *     router-id: 10.0.0.1     # BGP identifier, dotted quad, not 0.0.0.0
 *     asn: 64512              # local autonomous system, 1..4294967295
 *     cluster-id: 10.0.0.1    # optional RFC 4456 cluster id: dotted quad or integer
 */

import { asn, id32, ipv4NonZero, ipv4Value, mapping, name } from './scalars.js';

export interface NodeConfig {
  name: string;
  /** The BGP identifier as a uint32. */
  routerId: number;
  /** The BGP identifier as written (dotted quad). */
  routerIdText: string;
  asn: number;
  /** RFC 4456 cluster id as a uint32; absent means "use the router id". */
  clusterId?: number;
}

export const nodeSection = mapping({
  name,
  'router-id': ipv4NonZero,
  asn,
  'cluster-id': id32.optional(),
}).transform((raw): NodeConfig => {
  const node: NodeConfig = {
    name: raw.name,
    routerId: ipv4Value(raw['router-id']),
    routerIdText: raw['router-id'],
    asn: raw.asn,
  };
  if (raw['cluster-id'] !== undefined) node.clusterId = raw['cluster-id'];
  return node;
});
