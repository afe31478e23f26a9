/**
 * The introspect HTTP server (node:http): the web route viewer, JSON views
 * of neighbours, routing instances and routes, Prometheus metrics, and the
 * same data as Contrail's Sandesh XML pages. GET only (nothing here changes
 * state); bad requests get a 4xx with a one-line error, never an exception
 * escaping. HTTPS when given a certificate; with a token, every request must
 * present it first (auth.ts: header, or the viewer's cookie).
 *
 *   /, /web/*                            the web route viewer (web/, web-assets.ts)
 *   /api/summary                         table sizes, peers up, update groups
 *   /api/neighbors                       BGP peers and XMPP agents (BgpNeighborReq)
 *   /api/instances                       routing instances (ShowRoutingInstanceReq)
 *   /api/routes?table=T&prefix=P&limit=N&after=C
 *                                        a page of routes with every path and why it lost
 *                                        (ShowRouteReq); `after` is the `next` of the page before
 *   /api/events                          server-sent events: something changed (events.ts)
 *   /metrics                             Prometheus text format
 *   /index.html, /<module>.xml, /Snh_<Request>
 *                                        Contrail-compatible introspect (sandesh/index.ts)
 */

import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import os from 'node:os';
import type { IntrospectSources } from './sources.js';
import { Gate, isLoopback } from './auth.js';
import { PathClock } from './clock.js';
import { EventStream } from './events.js';
import { metricsRegistry } from './metrics.js';
import { RouteIndex } from './route-index.js';
import { sandeshReply, type PageContext } from './sandesh/index.js';
import { SCAN_LIMIT, instances, neighbors, routes, summary } from './views.js';
import { WEB_HEADERS, loadWebAssets, type WebAsset } from './web-assets.js';

const MAX_ROUTES = 1000;
const PAGE_LIMIT = 64;

export interface IntrospectServer {
  readonly address: { address: string; port: number };
  close(): Promise<void>;
}

/** Who may read, and knobs for tests (Contrail has the same: a test mode with smaller pages). */
export interface IntrospectOptions {
  /** PEM certificate and key: HTTPS instead of HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  /** Every request must present this token (auth.ts). */
  readonly token?: string | undefined;
  /** Wall clock of path changes (default Date.now). */
  readonly now?: () => number;
  /** NodeStatus name (default the host name, as Contrail). */
  readonly hostname?: string;
  /** Routes per ShowRouteReq page (default 1000). */
  readonly routePageSize?: number;
  /** Entries per page of the other Sandesh requests (default 64). */
  readonly pageLimit?: number;
  /** Most routes one /api/routes page looks at (default SCAN_LIMIT, 100 000). */
  readonly routeScanLimit?: number;
  /** How often /api/events looks for changes, ms (default 1000). */
  readonly eventTickMs?: number;
}

/** What a request may use besides the page context. */
interface Served {
  readonly ctx: PageContext;
  readonly registry: ReturnType<typeof metricsRegistry>;
  readonly index: RouteIndex;
  readonly events: EventStream;
  readonly web: ReadonlyMap<string, WebAsset>;
  readonly scanLimit: number;
  readonly gate: Gate;
}

export async function startIntrospect(
  s: IntrospectSources,
  listen: { address: string; port: number },
  logger: Logger,
  opts: IntrospectOptions = {},
): Promise<IntrospectServer> {
  const registry = metricsRegistry(s);
  const clock = new PathClock(() => s.rib.lastStamp, opts.now);
  const index = new RouteIndex();
  const ctx: PageContext = {
    s, clock, hostname: opts.hostname ?? os.hostname(), index,
    routePageSize: opts.routePageSize ?? MAX_ROUTES, pageLimit: opts.pageLimit ?? PAGE_LIMIT,
  };
  const web = await loadWebAssets();
  if (web.missing.length > 0) logger.error({ missing: web.missing }, 'introspect: web viewer files missing; / answers 500');
  const served: Served = {
    ctx, registry, index, events: new EventStream(s, opts.eventTickMs), web: web.assets,
    scanLimit: opts.routeScanLimit ?? SCAN_LIMIT,
    gate: new Gate({ token: opts.token, tls: opts.tls !== undefined, logger, registry }),
  };
  warnIfExposed(listen.address, opts, logger);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(served, req, res).catch((err: unknown) => {
      logger.error({ err }, 'introspect request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.address, port: listen.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as { address: string; port: number };
  return {
    address: { address: a.address, port: a.port },
    close: () => new Promise<void>((resolve) => {
      clock.close();
      served.events.close();
      served.index.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Off the loopback, what is sent in clear can be read on the way: say so once, at start. */
function warnIfExposed(address: string, opts: IntrospectOptions, logger: Logger): void {
  if (isLoopback(address)) return;
  if (opts.token === undefined) {
    logger.warn({ address }, 'introspect: listening off the loopback without a token: anyone who can reach it reads everything it shows');
  } else if (opts.tls === undefined) {
    logger.warn({ address }, 'introspect: token without TLS off the loopback: the token crosses the network in clear (set introspect.tls)');
  }
}

async function handle(served: Served, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://introspect');
  if (!served.gate.admit(req, res, url)) return;
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    return send(res, 405, { error: 'only GET: introspect changes nothing' });
  }
  const { ctx, registry } = served;
  const s = ctx.s;
  const asset = served.web.get(url.pathname);
  if (asset) {
    res.writeHead(asset.status, { 'content-type': asset.contentType, ...WEB_HEADERS });
    res.end(asset.body);
    return;
  }
  const snh = sandeshReply(ctx, url.pathname, url.search.slice(1));
  if (snh) {
    res.writeHead(snh.status, { 'content-type': snh.contentType });
    res.end(snh.body);
    return;
  }
  switch (url.pathname) {
    case '/api/summary':
      return send(res, 200, summary(s));
    case '/api/neighbors':
      return send(res, 200, neighbors(s));
    case '/api/instances':
      return send(res, 200, instances(s));
    case '/api/routes': {
      const table = url.searchParams.get('table') ?? 'bgp.l3vpn.0';
      const limit = Number(url.searchParams.get('limit') ?? '100');
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROUTES) return send(res, 400, { error: `limit: 1..${MAX_ROUTES}` });
      const after = url.searchParams.get('after') ?? '';
      if (after !== '' && !/^\d{1,64}$/.test(after)) return send(res, 400, { error: 'after: the next of a page before' });
      const view = routes(ctx, served.index, {
        table, prefix: url.searchParams.get('prefix') ?? undefined, limit, scanLimit: served.scanLimit,
        ...(after !== '' && { after: BigInt(after) }),
      });
      return view ? send(res, 200, view) : send(res, 404, { error: `no table ${table}` });
    }
    case '/api/events':
      return served.events.attach(req, res);
    case '/metrics': {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(await registry.metrics());
      return;
    }
    default:
      return send(res, 404, { error: `no page ${url.pathname}` });
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
}
