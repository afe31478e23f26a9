/**
 * The configuration module's public face: load a file (or the embedded
 * default) into a typed, validated Config, or fail with a one-line
 * ConfigError.
 */

export { loadConfig, parseConfigText, validateConfig } from './load.js';
export { ConfigError } from './errors.js';
export type { ConfigErrorPlace } from './errors.js';
export type { Config } from './schema.js';
export type { NodeConfig } from './node.js';
export type { BgpConfig, PeerConfig } from './bgp.js';
export type { FamilyName } from './scalars.js';
export { FAMILY_NAMES, formatIpv4, parseIpv4 } from './scalars.js';
export {
  DEFAULT_BGP_PORT,
  DEFAULT_CONNECT_RETRY,
  DEFAULT_FAMILIES,
  DEFAULT_HOLD_TIME,
} from './bgp.js';
export { DEFAULT_CONFIG_LABEL, defaultConfigDocument } from './default.js';
