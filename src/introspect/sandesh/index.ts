/**
 * The Contrail-compatible introspect (Sandesh HTTP) on the introspect port:
 * which requests exist, and the pages around them, the way a real control
 * node serves them (contrail-control.md §6):
 *
 *   /index.html               an HTML index of the modules (a real control
 *                             node also serves it at /, where this one
 *                             serves the web route viewer)
 *   /<module>.xml             the module's requests and their fields (type="rlist")
 *   /Snh_<Request>?a=..&b=..  a request, fields by position; the response XML
 *   /universal_parse.xsl      the stylesheet the pages name, for browsers
 *
 * Pages: ShowRouteReq, ShowRouteSummaryReq, BgpNeighborReq,
 * ShowRoutingInstanceReq (with their *Iterate next pages),
 * ShowXmppConnectionReq, SandeshUVECacheReq (NodeStatus, BgpRouterState),
 * SandeshUVETypesReq.
 */

import { INSTANCE_REQUESTS } from './instances.js';
import { NEIGHBOR_REQUESTS } from './neighbors.js';
import { positionalParams, type PageContext, type SandeshRequest } from './request.js';
import { ROUTE_REQUESTS } from './routes.js';
import { STATUS_REQUESTS } from './status.js';
import { UNIVERSAL_PARSE_XSL } from './stylesheet.js';
import { page } from './xml.js';

export type { PageContext } from './request.js';

export const REQUESTS: ReadonlyMap<string, SandeshRequest> = new Map(
  [...ROUTE_REQUESTS, ...NEIGHBOR_REQUESTS, ...INSTANCE_REQUESTS, ...STATUS_REQUESTS].map((r) => [r.name, r]),
);

const MODULES = [...new Set([...REQUESTS.values()].map((r) => r.module))];

export interface SandeshReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const XML = 'text/xml; charset=utf-8';

/** The reply for a path of the Sandesh pages, or undefined when the path is not one of them. */
export function sandeshReply(ctx: PageContext, pathname: string, query: string): SandeshReply | undefined {
  if (pathname === '/index.html') return { status: 200, contentType: 'text/html; charset=utf-8', body: indexPage() };
  if (pathname === '/universal_parse.xsl') return { status: 200, contentType: XML, body: UNIVERSAL_PARSE_XSL };
  const module = /^\/([a-z_]+)\.xml$/.exec(pathname)?.[1];
  if (module !== undefined && MODULES.includes(module)) return { status: 200, contentType: XML, body: modulePage(module) };
  if (!pathname.startsWith('/Snh_')) return undefined;
  const req = REQUESTS.get(pathname.slice('/Snh_'.length));
  if (!req) return { status: 404, contentType: 'text/plain; charset=utf-8', body: `no request ${pathname.slice(5)}\n` };
  return { status: 200, contentType: XML, body: page(req.respond(ctx, positionalParams(query, req.fields))) };
}

function indexPage(): string {
  const links = MODULES.map((m) => `<a href="${m}.xml">${m}.xml</a><br/>`).join('');
  return `<html><head><title>control-node</title></head><body><h1>Modules for control-node</h1>${links}</body></html>`;
}

/** A module's requests with their fields, as Sandesh's generated `<module>.xml` lists them (values "0"). */
function modulePage(module: string): string {
  const requests = [...REQUESTS.values()].filter((r) => r.module === module).map((r) => {
    const fields = r.fields.map(([name, type]) => `<${name} type="${type}">0</${name}>`).join('');
    return `<${r.name} type="sandesh">${fields}</${r.name}>`;
  });
  return page(`<${module} type="rlist">${requests.join('')}</${module}>`);
}
