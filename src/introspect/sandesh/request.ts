/**
 * Sandesh requests as the HTTP server sees them: `GET /Snh_<Request>?...`,
 * the request's fields taken from the query string *by position*, in the
 * order the .sandesh file declares them, whatever their names (Sandesh's
 * generated HTTP parsers do the same). So `?x=NodeStatus` (what a browser
 * sends after following a link) and `?tname=NodeStatus` (what
 * contrail-introspect-cli sends) both fill the first field.
 *
 * Also the page iteration tokens: `<next entry>||<search string>` for the
 * BgpShowHandler family of requests (tf-controller src/bgp/bgp_show_handler.h).
 */

import type { IntrospectContext } from '../data.js';
import type { RouteIndex } from '../route-index.js';
import type { Scalar } from './xml.js';

/** What a page needs besides the data: page sizes and the node's host name. */
export interface PageContext extends IntrospectContext {
  /** Routes per ShowRouteReq page (Contrail's kMaxCount, 1000). */
  readonly routePageSize: number;
  /** Entries per page of the other requests (Contrail's kPageLimit, 64). */
  readonly pageLimit: number;
  /** NodeStatus `name` (Contrail: the host name). */
  readonly hostname: string;
  /** Each table's keys in order, kept current, shared with `/api/routes`: a page never sorts a table. */
  readonly index: RouteIndex;
}

/** One request the server answers: its module, its fields in declaration order, and its response body. */
export interface SandeshRequest {
  readonly name: string;
  /** The .sandesh module that declares it (the index page lists modules). */
  readonly module: string;
  readonly fields: readonly (readonly [string, Scalar])[];
  respond(ctx: PageContext, params: Readonly<Record<string, string>>): string;
}

/** The request's fields from a raw query string (without `?`), by position; missing ones are ''. */
export function positionalParams(query: string, fields: readonly (readonly [string, Scalar])[]): Record<string, string> {
  const values = query.split('&').filter((t) => t !== '').map((token) => {
    const eq = token.indexOf('=');
    return decode(eq < 0 ? '' : token.slice(eq + 1));
  });
  const out: Record<string, string> = {};
  fields.forEach(([name], i) => (out[name] = values[i] ?? ''));
  return out;
}

function decode(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '));
  } catch {
    return v;
  }
}

/** A bool field as a form sends it: 1 / true / yes (any case) are true. */
export function parseBool(v: string | undefined): boolean {
  return /^(1|true|yes)$/i.test(v ?? '');
}

/** A u32 field; anything that is not a decimal in range counts as 0 (unset). */
export function parseU32(v: string | undefined): number {
  if (v === undefined || !/^\d{1,10}$/.test(v)) return 0;
  const n = Number(v);
  return n <= 0xffffffff ? n : 0;
}

/** Contrail's iteration separator. */
export const ITER_SEPARATOR = '||';

/** `<next entry>||<search string>`, or undefined when the token has no separator. */
export function splitIterate(info: string): { next: string; search: string } | undefined {
  const at = info.indexOf(ITER_SEPARATOR);
  if (at < 0) return undefined;
  return { next: info.slice(0, at), search: info.slice(at + ITER_SEPARATOR.length) };
}

/**
 * A BgpShowHandler request and its `...Iterate` twin (tf-controller
 * src/bgp/bgp_show_handler.h): the first takes a search string and starts at
 * the beginning, the second resumes from an iteration token; a token without
 * the separator gets `empty`, the response with no entries.
 */
export function searchRequests(
  name: string, page: (ctx: PageContext, search: string, next: string) => string, empty: string,
): readonly SandeshRequest[] {
  return [
    {
      name, module: 'bgp_peer', fields: [['search_string', 'string']],
      respond: (ctx, p) => page(ctx, p.search_string ?? '', ''),
    },
    {
      name: `${name}Iterate`, module: 'bgp_peer_internal', fields: [['iterate_info', 'string']],
      respond: (ctx, p) => {
        const it = splitIterate(p.iterate_info ?? '');
        return it ? page(ctx, it.search, it.next) : empty;
      },
    },
  ];
}
