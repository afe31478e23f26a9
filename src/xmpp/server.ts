/**
 * The XMPP server for vRouter agents (shared/docs/contrail-control.md §1):
 * accepts connections, keeps one live session per agent name (a second
 * connection claiming a live name is dropped, §1.3), and stops them all.
 * `timers` (hold, End-of-RIB) start at Contrail's defaults; every session
 * opened afterwards uses their current values (tests shorten them).
 */

import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { Rib } from '../rib/rib.js';
import type { InstanceManager } from '../routing-instances/manager.js';
import type { Table } from '../rib/table.js';
import { AgentRestarts } from './graceful-restart.js';
import { AgentChannel, DEFAULT_XMPP_TIMERS, OPEN_TIMEOUT_MS, type StartTls, type XmppTimers } from './channel.js';
import { FlushScheduler } from './flush-scheduler.js';
import { ItemCache } from './item-cache.js';
import type { XmppStreamLimits } from './wire/index.js';

export interface XmppServerOptions {
  readonly listen: { address: string; port: number };
  readonly holdTimeSec: number;
  readonly serverName: string;
  readonly asn: number;
  readonly rib: Rib;
  readonly manager: InstanceManager;
  readonly logger: Logger;
  readonly limits?: Partial<XmppStreamLimits>;
  readonly timers?: Partial<XmppTimers>;
  /** PEM: agents must STARTTLS and present a certificate that chains to `ca` (contrail-control.md §1.5). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Close an agent's session (only its) when it publishes more routes than this. */
  readonly maxRoutes?: number;
  /** Graceful restart helper for agents (§5.4); absent: off, as in Contrail by default. */
  readonly gracefulRestart?: { readonly restartTimeSec: number; readonly endOfRibTimeoutSec: number; readonly longLivedStaleTimeSec?: number };
}

export class XmppServer {
  readonly channels = new Set<AgentChannel>();
  readonly byName = new Map<string, AgentChannel>();
  /** Sessions ended, by reason (introspect, metrics). */
  readonly closeReasons = new Map<string, number>();
  /** Items of families not carried here, by `afi/safi`, over all sessions (metrics). */
  readonly unsupportedItems = new Map<string, number>();
  /** Session timers, Contrail's defaults unless given; read when a session opens. */
  readonly timers: XmppTimers;
  /** Rendered items per instance table, shared by its subscribers (refcounted). */
  readonly itemCaches = new Map<Table, { cache: ItemCache; users: number }>();
  /** Serves every agent's outbound items in bounded slices of the event loop. */
  readonly scheduler = new FlushScheduler();
  private server?: net.Server;
  private readonly startTls: StartTls | undefined;

  /** What dropped agents left, kept for their return (graceful restart), when enabled. */
  readonly restarts: AgentRestarts | undefined;

  constructor(private readonly opts: XmppServerOptions) {
    this.timers = { ...DEFAULT_XMPP_TIMERS, ...opts.timers };
    this.startTls = opts.tls && tlsUpgrader(opts.tls);
    const gr = opts.gracefulRestart;
    this.restarts = gr && new AgentRestarts({
      rib: opts.rib, manager: opts.manager, logger: opts.logger,
      restartMs: gr.restartTimeSec * 1000, endOfRibMs: gr.endOfRibTimeoutSec * 1000, longLivedMs: (gr.longLivedStaleTimeSec ?? 0) * 1000,
    });
  }

  async start(): Promise<{ address: string; port: number }> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.opts.listen.address, port: this.opts.listen.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.logger.error({ err }, 'xmpp listener error'));
    const a = server.address() as net.AddressInfo;
    return { address: a.address, port: a.port };
  }

  private accept(socket: net.Socket): void {
    const o = this.opts;
    const ch = new AgentChannel(socket, {
      rib: o.rib, manager: o.manager, asn: o.asn, logger: o.logger.child({ xmpp: true }),
      serverName: o.serverName, holdTimeSec: o.holdTimeSec, limits: o.limits, timers: { ...this.timers },
      unsupported: (family, n) => this.unsupportedItems.set(family, (this.unsupportedItems.get(family) ?? 0) + n),
      peerId: () => o.rib.allocatePeerId(),
      scheduler: this.scheduler,
      ...(this.startTls && { tls: this.startTls }),
      ...(o.maxRoutes !== undefined && { maxRoutes: o.maxRoutes }),
      ...(this.restarts && { restarts: this.restarts }),
      items: {
        acquire: (inst, table) => {
          let e = this.itemCaches.get(table);
          if (!e) {
            e = { cache: new ItemCache(inst, table, o.manager.instances.values(), o.asn), users: 0 };
            this.itemCaches.set(table, e);
          }
          e.users++;
          return e.cache;
        },
        release: (table) => {
          const e = this.itemCaches.get(table);
          if (!e || --e.users > 0) return;
          e.cache.dispose();
          this.itemCaches.delete(table);
        },
      },
      register: (c, name) => {
        const live = this.byName.get(name);
        if (live && live !== c && live.state !== 'closed') return false;
        this.byName.set(name, c);
        return true;
      },
      closed: (c, reason) => {
        this.channels.delete(c);
        if (c.name && this.byName.get(c.name) === c) this.byName.delete(c.name);
        const key = reason.replace(/:.*/, '');
        this.closeReasons.set(key, (this.closeReasons.get(key) ?? 0) + 1);
      },
    });
    this.channels.add(ch);
  }

  /** Config reload, before instances are removed: their subscribers are detached (kept pending). */
  instancesRemoved(names: readonly string[]): void {
    for (const ch of this.channels) for (const name of names) ch.session?.detachInstance(name);
  }

  /**
   * Config reload, after instances were added or changed: items are
   * rendered again (virtual-network names follow targets and vn-indexes),
   * and pending subscriptions to instances that now exist attach.
   */
  instancesChanged(): void {
    for (const { cache } of this.itemCaches.values()) cache.refresh(this.opts.manager.instances.values());
    for (const ch of this.channels) {
      ch.session?.resync();
      ch.session?.attachPending();
    }
  }

  async stop(): Promise<void> {
    this.server?.close();
    for (const ch of [...this.channels]) ch.close('control node stopping');
    this.restarts?.stop();
  }
}

/**
 * The server side of STARTTLS, on a tls.Server that never listens: the raw
 * socket handed to it (its 'connection' event) goes through Node's own
 * server handshake, which asks for the client's certificate and destroys the
 * socket when it does not chain to `ca` (a TLSSocket made by hand skips that
 * check). One such server per handshake, so its two outcome events belong
 * to that socket alone (a destroyed TLS socket no longer knows its peer).
 */
function tlsUpgrader(pem: { cert: string; key: string; ca: string }): StartTls {
  const options: tls.TlsOptions = {
    cert: pem.cert, key: pem.key, ca: pem.ca, requestCert: true, rejectUnauthorized: true, handshakeTimeout: OPEN_TIMEOUT_MS,
  };
  return {
    upgrade: (raw) =>
      new Promise((resolve, reject) => {
        const server = tls.createServer(options);
        server.once('secureConnection', resolve);
        server.once('tlsClientError', (err: Error, s: tls.TLSSocket) => {
          // A certificate that does not chain to `ca` ends as a hang-up; its verify error is the real reason.
          const refused = s.authorizationError === undefined ? undefined : `client certificate refused: ${String(s.authorizationError)}`;
          reject(new Error(refused ?? err.message));
        });
        server.emit('connection', raw);
      }),
  };
}
