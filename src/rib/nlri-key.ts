/**
 * Compact route keys: no per-route strings on the hot path. The key of each
 * family is part of its description in the family registry
 * (src/bgp/wire/families/registry.ts); tables take it from there.
 */

export type { RouteKey } from '../bgp/wire/families/registry.js';
