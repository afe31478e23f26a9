/**
 * A small HTTP(S) client for the introspect access tests: any method, any
 * headers, a CA to trust, and the raw response headers (fetch hides
 * Set-Cookie and cannot be given a CA). An event stream is answered as soon
 * as its headers arrive, and the connection is then dropped.
 */

import http from 'node:http';
import https from 'node:https';

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** PEM CA to trust (https only). */
  readonly ca?: string;
  readonly body?: string;
}

export function request(url: string, o: RequestOptions = {}): Promise<Reply> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, {
      method: o.method ?? 'GET', headers: o.headers ?? {}, agent: false,
      ...(u.protocol === 'https:' && { ca: o.ca }),
    }, (res) => {
      const status = res.statusCode ?? 0;
      if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        resolve({ status, headers: res.headers, body: '' });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(o.body);
  });
}
