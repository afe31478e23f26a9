/**
 * Prefix matching for ShowRouteReq (tf-controller src/bgp/bgp_show_route.cc
 * ShowRouteHandler::MatchPrefix): a plain `prefix` is searched in the
 * route's text (Contrail: a regex search; here a substring, which cannot be
 * made to run away); with `longer_match` a route matches when it lies inside
 * the given prefix, with `shorter_match` when it covers it (both include the
 * prefix itself: contrail-introspect-cli asks `<address>/32` with
 * shorter_match to find the routes an address uses).
 *
 * As in Contrail, the given prefix is read in the table's own family: in a
 * VPN table it needs its RD (`192.0.2.21:3:10.1.1.3/32`), and a plain
 * `10.1.1.3/32` matches none of its routes.
 *
 * Also the text → route key parse used to resume a page at `start_prefix`.
 */

import { parsePrefix, parsePrefix6, parseRd, parseRtMembership } from '../../bgp/wire/index.js';
import type { Nlri } from '../../bgp/wire/types.js';
import type { Table } from '../../rib/table.js';
import type { RouteKey } from '../../rib/types.js';

interface Span {
  readonly rd: bigint | undefined;
  readonly addr: number | bigint;
  readonly len: number;
}

/** The address span of a route, or undefined for families without one (route targets). */
function spanOf(n: Nlri): Span | undefined {
  switch (n.family) {
    case 'inet':
    case 'inet6':
      return { rd: undefined, addr: n.addr, len: n.len };
    case 'inet-vpn':
    case 'inet6-vpn':
      return { rd: n.rd, addr: n.addr, len: n.len };
    case 'route-target':
      return undefined;
  }
}

/** The NLRI a prefix text stands for in the table's family (`RD:p/len` in a VPN table). */
function parseNlri(table: Table, text: string): Nlri | undefined {
  const family = table.family.name;
  switch (family) {
    case 'inet':
      return parsePrefix(text);
    case 'inet6':
      return parsePrefix6(text);
    case 'inet-vpn':
    case 'inet6-vpn': {
      const parts = text.split(':');
      const rd = parseRd(parts.slice(0, 2).join(':'));
      const rest = parts.slice(2).join(':');
      const p = family === 'inet-vpn' ? parsePrefix(rest) : parsePrefix6(rest);
      return rd === undefined || !p ? undefined : ({ ...p, family, labels: [], rd } as Nlri);
    }
    case 'route-target':
      return parseRtMembership(text);
  }
}

/** The route key a page resumes at, or undefined when the text is not a prefix of this table. */
export function keyOfText(table: Table, text: string): RouteKey | undefined {
  const n = parseNlri(table, text);
  return n && (table.keyOf as (x: Nlri) => RouteKey)(n);
}

/** True when `outer` covers `inner`: same RD (VPN), same or shorter length, same leading bits. */
function covers(outer: Span, inner: Span): boolean {
  if (outer.rd !== inner.rd) return false;
  if (inner.len < outer.len) return false;
  if (outer.len === 0) return true;
  if (typeof outer.addr === 'number' && typeof inner.addr === 'number') {
    const shift = 32 - outer.len;
    return outer.addr >>> shift === inner.addr >>> shift;
  }
  const shift = BigInt(128 - outer.len);
  return BigInt(outer.addr) >> shift === BigInt(inner.addr) >> shift;
}

export interface PrefixMatch {
  readonly prefix: string;
  readonly longer: boolean;
  readonly shorter: boolean;
}

/** A matcher for one table: route NLRI and its text → does it match. */
export function prefixMatcher(table: Table, m: PrefixMatch): (n: Nlri, text: string) => boolean {
  if (m.prefix === '') return () => true;
  if (!m.longer && !m.shorter) return (_n, text) => text.includes(m.prefix);
  const wanted = parseNlri(table, m.prefix);
  const want = wanted && spanOf(wanted);
  if (!wanted) return () => false;
  if (!want) return (_n, text) => text === m.prefix;
  return (n) => {
    const have = spanOf(n);
    return have !== undefined && ((m.longer && covers(want, have)) || (m.shorter && covers(have, want)));
  };
}
