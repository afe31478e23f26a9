/**
 * TestAgent: a scriptable vRouter agent over real TCP, modelled on Contrail's
 * NetworkAgentMock, for unit, interop and benchmark use.
 *
 * Wire behaviour (contrail-control.md §1.3, §1.4, §2.2, §2.3, §2.8):
 *   - connects (optionally from `localAddress`), sends the agent stream
 *     header (`xmlns=""` then `xmlns:stream` last), waits for the CN header,
 *     then sends one keepalive and one every `keepaliveMs` (hold/3);
 *   - subscribe / unsubscribe / publish+collection / withdraw iqs exactly as
 *     a real agent prints them, by default each preceded by
 *     `<?xml version="1.0"?>\n` (pugixml `format_default`);
 *   - `publishReal` / `subscribeConfig` / `publishOtherFamily` send exactly
 *     what a real agent prints (test/support/real-agent.ts: every field,
 *     C-int integers, the config-channel subscribe);
 *   - answers nothing (the protocol is fire-and-forget);
 *   - keeps per-table views of what the CN pushes: items replace, retracts
 *     remove; End-of-RIB messages are counted.
 *   - with `tls`, the real agent's STARTTLS (contrail-control.md §1.5): after
 *     the CN's header it waits for `<stream:features>` with `<starttls>`,
 *     sends `<starttls/>`, on `<proceed/>` starts TLS on the same socket with
 *     its certificate (the server's must chain to `tls.ca`; like the agent,
 *     no host name check), then sends a new stream header and goes on as above
 *     once the CN's second header arrives.
 * Everything it parses goes through the production parser
 * (src/xmpp/wire), so a CN bug that produces bad XML fails the test here.
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  KEEPALIVE, STARTTLS_REQUEST, TLS_NS, XMPP_AFI_IPV4, XMPP_SAFI_UNICAST, XmppStreamParser, agentEndOfRib, agentStreamHeader, parseCnMessage,
  publishInet, subscribeIq, unsubscribeIq, withdrawInet,
} from '../../src/xmpp/wire/index.js';
import type { AgentRouteSpec, ReceivedInetItem, XmlElement, XmppEvent } from '../../src/xmpp/wire/index.js';
import { realAgentOtherFamily, realAgentPublish, realConfigSubscribe, type RealAgentRoute } from './real-agent.js';

export type { RealAgentRoute };

export type ReceivedItem = ReceivedInetItem;
export type PublishedRoute = AgentRouteSpec;

export interface TestAgentOptions {
  host: string;
  port: number;
  /** Agent name: `from` of the header and of every iq (a compute hostname). */
  name: string;
  localAddress?: string;
  /** Keepalive period; default 30 s (hold 90 s / 3). */
  keepaliveMs?: number;
  /** Bound on TCP connect + CN stream header; default 5 s. */
  connectTimeoutMs?: number;
  /** `xmlns` of the header (sub-cluster name); default ''. */
  subCluster?: string;
  /** Prefix each iq with an XML declaration like real agents; default true. */
  xmlDeclaration?: boolean;
  /** Keep every received stanza in `received` (off by default: benchmarks). */
  recordStanzas?: boolean;
  /** STARTTLS with this certificate and key (PEM); the CN's certificate must chain to `ca`. */
  tls?: { cert: string; key: string; ca: string };
}

export interface TestAgentClosed {
  reason: string;
}

interface Waiter {
  pred: () => boolean;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class TestAgent {
  readonly name: string;
  /** Attributes of the CN's stream header (set once connected). */
  serverHeader: Record<string, string> = {};
  /** Resolves when the TCP connection is gone, whoever closed it. */
  readonly closed: Promise<TestAgentClosed>;
  readonly stats = { stanzas: 0, keepalives: 0, keepalivesSent: 0, items: 0, retracts: 0, endOfRib: 0, bytesSent: 0 };
  readonly received: XmlElement[] = [];
  /** The parse error that made the agent drop the session, if any. */
  protocolError: string | undefined;
  /** The stream runs over TLS. */
  secure = false;
  /** `<stream:features>` the CN offered after its first header, if any. */
  features: XmlElement | undefined;

  private socket: net.Socket;
  private parser = new XmppStreamParser();
  private readonly tables = new Map<string, Map<string, ReceivedItem>>();
  private readonly waiters = new Set<Waiter>();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private onOpen: (() => void) | undefined;
  private isClosed = false;
  private closeReason = 'closed';
  private seq = 0;

  private constructor(private readonly opts: TestAgentOptions) {
    this.name = opts.name;
    const connect: net.NetConnectOpts = { host: opts.host, port: opts.port };
    if (opts.localAddress !== undefined) connect.localAddress = opts.localAddress;
    this.socket = net.connect(connect);
    this.socket.setNoDelay(true);
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => {
        this.isClosed = true;
        if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
        this.rejectWaiters(new Error(`${this.name}: connection closed (${this.closeReason})`));
        resolve({ reason: this.closeReason });
      });
    });
    this.socket.on('error', (e) => {
      this.closeReason = `socket error: ${e.message}`;
    });
    this.socket.on('end', () => {
      if (this.closeReason === 'closed') this.closeReason = 'peer closed';
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  /** Connect, exchange stream headers, send the first keepalive. */
  static async connect(opts: TestAgentOptions): Promise<TestAgent> {
    const agent = new TestAgent(opts);
    await agent.handshake(opts.connectTimeoutMs ?? 5000);
    return agent;
  }

  private handshake(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.closeReason = `no CN stream header within ${timeoutMs} ms`;
        this.socket.destroy();
      }, timeoutMs);
      this.onOpen = () => {
        clearTimeout(timer);
        this.onOpen = undefined;
        resolve();
      };
      this.socket.once('connect', () => {
        this.write(agentStreamHeader({ from: this.name, subCluster: this.opts.subCluster ?? '' }));
      });
      void this.closed.then((c) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: closed before the stream opened (${c.reason})`));
      });
    });
  }

  // ---- requests ---------------------------------------------------------------

  subscribe(instance: string, instanceId?: number, opts: { noRibOut?: boolean } = {}): void {
    const o: Parameters<typeof subscribeIq>[0] = { ...this.iqBase(), id: `subscribe${this.seq++}`, instance };
    if (instanceId !== undefined) o.instanceId = instanceId;
    if (opts.noRibOut !== undefined) o.noRibOut = opts.noRibOut;
    this.write(subscribeIq(o));
  }

  unsubscribe(instance: string): void {
    this.write(unsubscribeIq({ ...this.iqBase(), id: `unsubscribe${this.seq++}`, instance }));
  }

  /** Add or change a route: publish + collection/associate (Example B). */
  publish(instance: string, route: PublishedRoute): void {
    this.write(publishInet({ ...this.iqBase(), seq: this.seq++, instance, route }));
  }

  /** Add or change a route exactly as a real agent prints it (every field, C-int integers). */
  publishReal(instance: string, route: RealAgentRoute): void {
    this.write(realAgentPublish({ agent: this.name, seq: this.seq++, instance, route }));
  }

  /** Publish an item of another family (`node` e.g. `25/242/<mac>,<ip>/32`), associated with `instance`. */
  publishOtherFamily(instance: string, node: string, itemXml: string): void {
    this.write(realAgentOtherFamily({ agent: this.name, seq: this.seq++, instance, node, itemXml }));
  }

  /** Ask for configuration on the config channel, as a real agent does right after the stream opens. */
  subscribeConfig(): void {
    this.write(realConfigSubscribe(this.name));
  }

  /** Withdraw a route: publish (nlri only) + collection/dissociate (Example E). */
  withdraw(instance: string, prefix: string): void {
    this.write(withdrawInet({ ...this.iqBase(), seq: this.seq++, instance, prefix }));
  }

  /** The iq form of End-of-RIB (§2.3): empty publish, empty collection. */
  sendEndOfRib(): void {
    this.write(agentEndOfRib({ ...this.iqBase(), seq: this.seq++ }));
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.write(bytes);
  }

  // ---- what the CN pushed -------------------------------------------------------

  /**
   * Live view of the unicast table of `instance` for `afi`: inet (1/1) by default,
   * inet6 (2/1) with XMPP_AFI_IPV6. Item id (prefix) → item.
   */
  routes(instance: string, afi: number = XMPP_AFI_IPV4): ReadonlyMap<string, ReceivedItem> {
    return this.table(`${afi}/${XMPP_SAFI_UNICAST}/${instance}`);
  }

  /** Live view of any pushed table, by its items node (`afi/safi/<ri>`). */
  table(node: string): ReadonlyMap<string, ReceivedItem> {
    return this.tableFor(node);
  }

  /** Nodes of every table looked at or pushed so far. */
  tableNodes(): string[] {
    return [...this.tables.keys()];
  }

  /** Resolve once `pred()` holds (checked now and after every received chunk). */
  waitFor(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    if (this.isClosed) return Promise.reject(new Error(`${this.name}: waiting for ${what} on a closed connection`));
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Send `</stream:stream>`, end the connection and wait for it to go (bounded). */
  async close(timeoutMs = 2000): Promise<void> {
    if (!this.isClosed) {
      this.closeReason = 'closed by agent';
      this.socket.end('</stream:stream>');
      const t = setTimeout(() => this.socket.destroy(), timeoutMs);
      await this.closed;
      clearTimeout(t);
    }
  }

  /** Drop the TCP connection at once (no stream close), like a crashing agent. */
  destroy(): void {
    this.closeReason = 'destroyed by agent';
    this.socket.destroy();
  }

  // ---- internals -------------------------------------------------------------------

  private iqBase(): { agent: string; declaration: boolean } {
    return { agent: this.name, declaration: this.opts.xmlDeclaration ?? true };
  }

  private write(data: Uint8Array | string): void {
    if (this.isClosed || this.socket.destroyed) return;
    this.stats.bytesSent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.socket.write(data);
  }

  private onData(chunk: Buffer): void {
    for (const e of this.parser.feed(chunk)) this.onEvent(e);
    this.checkWaiters();
  }

  private onEvent(e: XmppEvent): void {
    switch (e.kind) {
      case 'open':
        this.serverHeader = e.attrs;
        if (this.opts.tls && !this.secure) break; // features come next
        this.streamOpen();
        break;
      case 'keepalive':
        this.stats.keepalives++;
        break;
      case 'stanza':
        this.onStanza(e.el);
        break;
      case 'close':
        this.closeReason = 'CN closed the stream';
        this.socket.end();
        break;
      case 'error':
        this.protocolError = `${e.condition}: ${e.text}`;
        this.closeReason = `parse error ${this.protocolError}`;
        this.socket.destroy();
        break;
    }
  }

  /** The CN's header of the stream routes run on: one keepalive now, then every keepaliveMs. */
  private streamOpen(): void {
    this.write(KEEPALIVE);
    this.keepaliveTimer = setInterval(() => {
      this.write(KEEPALIVE);
      this.stats.keepalivesSent++;
      this.checkWaiters();
    }, this.opts.keepaliveMs ?? 30_000);
    this.keepaliveTimer.unref();
    this.onOpen?.();
  }

  /** §1.5 steps 2-4 from the agent's side; true when the stanza belonged to the negotiation. */
  private negotiateTls(el: XmlElement): boolean {
    if (el.name === 'stream:features') {
      this.features = el;
      const offered = el.children.some((c) => typeof c !== 'string' && c.name === 'starttls' && c.attrs.xmlns === TLS_NS);
      if (offered && this.opts.tls && !this.secure) this.write(STARTTLS_REQUEST);
      return true;
    }
    if (el.name !== 'proceed' || el.attrs.xmlns !== TLS_NS || !this.opts.tls || this.secure) return false;
    const raw = this.socket;
    raw.removeAllListeners('data');
    const secure = tls.connect({
      socket: raw, cert: this.opts.tls.cert, key: this.opts.tls.key, ca: this.opts.tls.ca,
      checkServerIdentity: () => undefined,
    });
    secure.on('secureConnect', () => {
      this.secure = true;
      this.parser = new XmppStreamParser();
      this.write(agentStreamHeader({ from: this.name, subCluster: this.opts.subCluster ?? '' }));
    });
    secure.on('error', (err) => {
      this.closeReason = `TLS error: ${err.message}`;
      secure.destroy();
    });
    secure.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket = secure;
    return true;
  }

  private onStanza(el: XmlElement): void {
    if (this.negotiateTls(el)) return;
    this.stats.stanzas++;
    if (this.opts.recordStanzas === true) this.received.push(el);
    const m = parseCnMessage(el);
    if (m.kind === 'end-of-rib') {
      this.stats.endOfRib++;
    } else if (m.kind === 'items') {
      const t = this.tableFor(m.node);
      for (const item of m.items) t.set(item.id, item);
      for (const id of m.retracts) t.delete(id);
      this.stats.items += m.items.length;
      this.stats.retracts += m.retracts.length;
    }
  }

  private tableFor(node: string): Map<string, ReceivedItem> {
    let t = this.tables.get(node);
    if (t === undefined) this.tables.set(node, (t = new Map()));
    return t;
  }

  private checkWaiters(): void {
    for (const w of [...this.waiters]) {
      if (!w.pred()) continue;
      clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve();
    }
  }

  private rejectWaiters(err: Error): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }
}
