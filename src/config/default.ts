/**
 * The embedded default configuration, used when no --config is given: a
 * lone node on the loopback, on a non-privileged port, with no peers. It is
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
  };
}
