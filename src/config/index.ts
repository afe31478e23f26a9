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
export type { BgpConfig, MaxPrefixesConfig, PeerConfig } from './bgp.js';
export { passwordKeyPaths, tcpMd5Problem } from './bgp.js';
export type { XmppConfig, XmppTlsConfig } from './xmpp.js';
export type { RoutingInstanceConfig } from './routing-instances.js';
export type { IntrospectConfig } from './introspect.js';
export type { FamilyName, ListenConfig, LogLevel } from './scalars.js';
export { FAMILY_NAMES, LOG_LEVELS, formatIpv4, parseIpv4 } from './scalars.js';
export { diffConfig } from './diff.js';
export type { ConfigDiff, PeerRef, ReloadPlan } from './diff.js';
export {
  DEFAULT_BGP_PORT,
  DEFAULT_CONNECT_RETRY,
  DEFAULT_FAMILIES,
  DEFAULT_HOLD_TIME,
} from './bgp.js';
export { DEFAULT_XMPP_HOLD_TIME, DEFAULT_XMPP_PORT } from './xmpp.js';
export { MAX_INSTANCE_ID } from './routing-instances.js';
export { DEFAULT_INTROSPECT_PORT } from './introspect.js';
export {
  DEFAULT_CONFIG_LABEL,
  DEFAULT_INTROSPECT_LISTEN_PORT,
  DEFAULT_XMPP_LISTEN_PORT,
  defaultConfigDocument,
} from './default.js';
