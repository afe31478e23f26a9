/**
 * The embedded default configuration, used when no --config is given: a
 * lone node on the loopback, on non-privileged, non-standard ports (BGP,
 * XMPP, introspect), with no peers and no routing instances. It is
 * kept as a document in the file's own terms and goes through the same
 * validation as a file, so defaults never drift from the schema.
 */

import os from 'node:os';

/** The label used in error messages for the embedded default. */
export const DEFAULT_CONFIG_LABEL = '<default>';

export const DEFAULT_ROUTER_ID = '127.0.0.1';
export const DEFAULT_ASN = 64512;
export const DEFAULT_LISTEN_ADDRESS = '127.0.0.1';
export const DEFAULT_LISTEN_PORT = 10179;
/** XMPP and introspect ports of the default: non-privileged and off the standard 5269/8083. */
export const DEFAULT_XMPP_LISTEN_PORT = 15269;
export const DEFAULT_INTROSPECT_LISTEN_PORT = 18083;

/** The default document; the node is named after this host. */
export function defaultConfigDocument(): Record<string, unknown> {
  return {
    node: {
      name: os.hostname() || 'control-node',
      'router-id': DEFAULT_ROUTER_ID,
      asn: DEFAULT_ASN,
    },
    bgp: {
      listen: { address: DEFAULT_LISTEN_ADDRESS, port: DEFAULT_LISTEN_PORT },
      peers: [],
    },
    xmpp: {
      listen: { address: DEFAULT_LISTEN_ADDRESS, port: DEFAULT_XMPP_LISTEN_PORT },
    },
    'routing-instances': [],
    introspect: {
      listen: { address: DEFAULT_LISTEN_ADDRESS, port: DEFAULT_INTROSPECT_LISTEN_PORT },
    },
  };
}
