/**
 * The `introspect` section: the HTTP status pages (Contrail's Sandesh
 * introspect port is 8083).
 *
 *   introspect:
 *     listen: { address: 127.0.0.1, port: 8083 }   # defaults shown; port 0 = any free port
 *     enabled: true                                 # false: no introspect server
 *
 * The whole section may be left out; every key then takes its default.
 */

import { bool, listen, mapping } from './scalars.js';
import type { ListenConfig } from './scalars.js';

export interface IntrospectConfig {
  enabled: boolean;
  listen: ListenConfig;
}

export const DEFAULT_INTROSPECT_PORT = 8083;

export const introspectSection = mapping({
  listen: listen(DEFAULT_INTROSPECT_PORT).prefault({}),
  enabled: bool.default(true),
}).transform((raw): IntrospectConfig => ({ enabled: raw.enabled, listen: raw.listen }));
