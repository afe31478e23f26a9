/**
 * Live updates for the web viewer: `GET /api/events`, a server-sent event
 * stream (text/event-stream, WHATWG HTML §9.2) that says *that* something
 * changed, never what: the page then re-reads the JSON it shows (the page
 * of routes it is on, the neighbours), so an update costs one page however
 * big the tables are and however fast the routes churn.
 *
 * One timer for all clients, running only while a client is connected.
 * Each tick reads two versions and sends a `change` event when either moved:
 *
 *   rib    the RIB's last path stamp (every path added or replaced moves it;
 *          a withdrawal moves the table counts, which are folded in too)
 *   peers  a digest of the neighbour records (state, counters, subscriptions)
 *
 * A new client gets the current versions at once. A comment line every 15
 * ticks keeps idle connections open through proxies.
 */

import type http from 'node:http';
import { createHash } from 'node:crypto';
import { bgpNeighbors, xmppNeighbors } from './data.js';
import type { IntrospectSources } from './sources.js';
import { tables } from './views.js';

export interface Versions {
  readonly rib: string;
  readonly peers: string;
}

const KEEPALIVE_TICKS = 15;

export class EventStream {
  private readonly clients = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private last: Versions | undefined;
  private ticks = 0;

  constructor(
    private readonly s: IntrospectSources,
    private readonly tickMs = 1000,
  ) {}

  /** Take over the response as an event stream until the client goes away. */
  attach(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // Tell the browser how soon to reconnect if the stream breaks.
    res.write(`retry: ${Math.max(this.tickMs, 1000)}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.detach(res));
    const now = this.versions();
    this.last = now;
    send(res, now);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  /** Connected clients (for tests). */
  get size(): number {
    return this.clients.size;
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  private detach(res: http.ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = this.versions();
    const moved = !this.last || now.rib !== this.last.rib || now.peers !== this.last.peers;
    this.last = now;
    this.ticks++;
    for (const res of this.clients) {
      if (moved) send(res, now);
      else if (this.ticks % KEEPALIVE_TICKS === 0) res.write(': keepalive\n\n');
    }
  }

  private versions(): Versions {
    let counts = '';
    for (const [, t] of tables(this.s)) counts += `${t.size}/${t.paths},`;
    const peers = JSON.stringify([bgpNeighbors(this.s), xmppNeighbors(this.s)]);
    return {
      rib: `${this.s.rib.lastStamp}:${digest(counts)}`,
      peers: digest(peers),
    };
  }
}

function send(res: http.ServerResponse, v: Versions): void {
  res.write(`event: change\ndata: ${JSON.stringify(v)}\n\n`);
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 16);
}
