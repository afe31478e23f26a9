/**
 * Who may read introspect: with a token configured, every request must
 * present it, one of three ways:
 *
 *   Authorization: Bearer <token>     RFC 6750 §2.1 (curl, scripts, `control-node show --token`)
 *   X-Auth-Token: <token>             what contrail-introspect-cli sends with --token
 *   Cookie: cn_introspect=<v>         the web viewer, after opening /?token=<token> once
 *
 * A browser cannot put a header on the viewer's EventSource (/api/events),
 * so the viewer logs in through its address: GET /?token=<token> with the
 * right token answers 303 to / (the token leaves the address bar and the
 * history; the page's fragment is kept by the browser, RFC 9110 §10.2.2)
 * and sets an HttpOnly, SameSite=Strict cookie (Secure under TLS) that the
 * page's own requests then carry. The cookie holds an HMAC of the token,
 * not the token: it opens introspect but cannot be replayed as the header
 * elsewhere, and a changed token invalidates it. Every endpoint is GET and
 * changes nothing, so a cookie cannot be abused across sites (and
 * SameSite=Strict keeps it off cross-site requests anyway).
 *
 * Comparisons are constant-time over SHA-256 digests (equal lengths, so
 * crypto.timingSafeEqual, and the length of the token does not leak).
 *
 * A refusal is 401 with `WWW-Authenticate: Bearer realm="control-node"`
 * (RFC 6750 §3; `error="invalid_token"` when a wrong token was presented)
 * and a JSON body that says how to present one and nothing else; it is
 * counted (control_node_introspect_unauthorized_total{reason}) and logged at
 * most once a minute per remote address, with how many were not logged.
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

export const COOKIE = 'cn_introspect';
export const LOG_EVERY_MS = 60_000;
/** Remote addresses remembered for the log's rate limit before old ones are dropped. */
const MAX_REMEMBERED = 4096;

type Reason = 'missing' | 'wrong';

export interface GateOptions {
  /** The token; undefined lets every request through. */
  readonly token: string | undefined;
  /** Whether the server speaks TLS (the cookie is then Secure). */
  readonly tls: boolean;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly now?: () => number;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function sameSecret(presented: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(presented), expectedDigest);
}

/** The cookie's value for a token. */
export function cookieValue(token: string): string {
  return createHmac('sha256', token).update('control-node introspect viewer cookie').digest('base64url');
}

/** The value of one cookie in a Cookie header (RFC 6265 §5.4), if present. */
function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The credentials a request carries: header tokens and the viewer cookie. */
function presented(req: http.IncomingMessage): { tokens: string[]; cookie: string | undefined } {
  const tokens: string[] = [];
  const auth = req.headers.authorization;
  const bearer = auth === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
  if (bearer) tokens.push(bearer[1]!);
  const x = req.headers['x-auth-token'];
  if (typeof x === 'string') tokens.push(x.trim());
  return { tokens, cookie: cookie(req.headers.cookie, COOKIE) };
}

export class Gate {
  private readonly tokenDigest: Buffer | undefined;
  private readonly cookieDigest: Buffer | undefined;
  private readonly refused: Counter<'reason'>;
  private readonly lastLog = new Map<string, { at: number; quiet: number }>();
  private readonly now: () => number;

  constructor(private readonly o: GateOptions) {
    this.now = o.now ?? Date.now;
    if (o.token !== undefined) {
      this.tokenDigest = digest(o.token);
      this.cookieDigest = digest(cookieValue(o.token));
    }
    this.refused = new Counter({
      name: 'control_node_introspect_unauthorized_total',
      help: 'Introspect requests refused for want of the token, by reason (missing: none presented; wrong: a wrong one)',
      labelNames: ['reason'], registers: [o.registry],
    });
    this.refused.inc({ reason: 'missing' }, 0);
    this.refused.inc({ reason: 'wrong' }, 0);
  }

  /**
   * True when the request may go on; otherwise the response is sent (401,
   * or the viewer's login redirect) and the caller must not touch it.
   */
  admit(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
    if (!this.tokenDigest || !this.cookieDigest) return true;
    const login = url.pathname === '/' && req.method === 'GET' ? url.searchParams.get('token') : null;
    if (login !== null) {
      if (!sameSecret(login, this.tokenDigest)) return this.refuse(req, res, 'wrong');
      const secure = this.o.tls ? '; Secure' : '';
      res.writeHead(303, {
        location: '/', 'cache-control': 'no-store',
        'set-cookie': `${COOKIE}=${cookieValue(this.o.token!)}; Path=/; HttpOnly; SameSite=Strict${secure}`,
      });
      res.end();
      return false;
    }
    const { tokens, cookie: c } = presented(req);
    let ok = false;
    // Every credential is compared (no early exit), each in constant time.
    for (const t of tokens) ok = sameSecret(t, this.tokenDigest) || ok;
    if (c !== undefined) ok = sameSecret(c, this.cookieDigest) || ok;
    if (ok) return true;
    return this.refuse(req, res, tokens.length > 0 || c !== undefined ? 'wrong' : 'missing');
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, reason: Reason): false {
    this.refused.inc({ reason });
    this.log(req.socket.remoteAddress ?? 'unknown', reason);
    const challenge = reason === 'wrong' ? 'Bearer realm="control-node", error="invalid_token"' : 'Bearer realm="control-node"';
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': challenge, 'cache-control': 'no-store' });
    res.end(`${JSON.stringify({
      error: reason === 'wrong' ? 'unauthorized: wrong token' : 'unauthorized: this introspect needs a token',
      how: 'Authorization: Bearer <token> or X-Auth-Token: <token>; in a browser, open /?token=<token>',
    }, null, 2)}`);
    return false;
  }

  /** At most one line per remote address per LOG_EVERY_MS, saying how many refusals went unlogged. */
  private log(remote: string, reason: Reason): void {
    const now = this.now();
    const seen = this.lastLog.get(remote);
    if (seen && now - seen.at < LOG_EVERY_MS) {
      seen.quiet++;
      return;
    }
    if (!seen && this.lastLog.size >= MAX_REMEMBERED) {
      // Under a flood from many addresses: drop those whose minute is over; if
      // none is, this one goes unlogged (the metric still counts it).
      for (const [r, s] of this.lastLog) if (now - s.at >= LOG_EVERY_MS) this.lastLog.delete(r);
      if (this.lastLog.size >= MAX_REMEMBERED) return;
    }
    this.o.logger.warn({ remote, reason, notLogged: seen?.quiet ?? 0 }, 'introspect: request refused without the right token');
    this.lastLog.set(remote, { at: now, quiet: 0 });
  }
}

/** Whether an address is the loopback (where a token in clear cannot be overheard). */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === 'localhost';
}
