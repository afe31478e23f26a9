/**
 * Routing-instance names, parsed once at the edge (config, XMPP) into a typed
 * value: `domain:project:vn:ri` (shared/docs/contrail-control.md §4.1).
 * Table names are formatted by exactly one function.
 */

import { FAMILIES } from '../bgp/wire/families/registry.js';
import type { FamilyName } from '../bgp/wire/types.js';

declare const brand: unique symbol;

/** A validated `domain:project:vn:ri` name. */
export type RoutingInstanceName = string & { readonly [brand]: 'RoutingInstanceName' };

export const MASTER_INSTANCE = 'default-domain:default-project:ip-fabric:__default__' as RoutingInstanceName;

/** Longest name accepted (Contrail bounds JIDs and names in practice by 1 KiB frames). */
const MAX_NAME = 512;

/** The name, or a reason it is not one. Each of the four parts is non-empty and free of whitespace and `/`. */
export function parseInstanceName(s: string): RoutingInstanceName | { error: string } {
  if (s.length > MAX_NAME) return { error: `longer than ${MAX_NAME} characters` };
  const parts = s.split(':');
  if (parts.length !== 4) return { error: `expected domain:project:vn:ri (4 parts), got ${parts.length}` };
  for (const p of parts) {
    if (p.length === 0) return { error: 'empty part in domain:project:vn:ri' };
    if (/[\s/<>&"']/.test(p)) return { error: `part "${p}" has a character not allowed in a name` };
  }
  return s as RoutingInstanceName;
}

export function isInstanceName(s: string): s is RoutingInstanceName {
  return typeof parseInstanceName(s) === 'string';
}

/** The virtual network of an instance: its name minus the last part. */
export function virtualNetworkOf(name: RoutingInstanceName): string {
  return name.slice(0, name.lastIndexOf(':'));
}

/**
 * The one function that names a table from (instance, family), Contrail's
 * way: the master's are `inet.0`, `inet6.0`, `bgp.l3vpn.0`,
 * `bgp.l3vpn-inet6.0`, `bgp.rtarget.0`; an instance's `<ri>.inet.0` and
 * `<ri>.inet6.0`. Undefined for a family an instance has no table of.
 */
export function tableName(name: RoutingInstanceName, family: FamilyName): string | undefined {
  const f = FAMILIES[family];
  if (name === MASTER_INSTANCE) return f.masterTable;
  return f.vrfTable === undefined ? undefined : `${name}.${f.vrfTable}`;
}
