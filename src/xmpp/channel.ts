/**
 * One agent's XMPP connection: the socket, the stream parser, the open,
 * hold and keepalive timers, and an AgentSession once the stream is open.
 *
 * shared/docs/contrail-control.md §1: the agent speaks first; we answer
 * with our stream header and are Established at once (§1.6); keepalive is
 * 0xC8 0x80 every hold/3; anything received restarts the hold timer; on
 * expiry, a parse error or a protocol error the session — and only this
 * session — is closed and every route the agent published is withdrawn
 * (§1.7). `</stream:stream>` from the agent is treated as a close.
 *
 * Hold time: there is no negotiation on the wire; each side uses its own
 * (§1.4). An agent uses its configured one (90 s, or the fast-convergence
 * value), which `xmpp.hold-time` must match. Because the agent's value is
 * not known here, a silent session is only closed after the larger of our
 * hold time and the agent's (`agentHoldTimeSec`, 90 s by default), and
 * keepalives go out every third of the smaller one, so a mismatch never
 * takes a session down that keeps the agent's pace.
 *
 * End-of-RIB: every `endOfRibCheckMs` the session is asked whether its
 * subscriptions have settled (AgentSession.settle).
 *
 * TLS (§1.5; `tls` set): after the agent's first header we send ours and
 * `<stream:features>` with STARTTLS required (no SASL); the agent's
 * `<starttls/>` gets `<proceed/>`, the same socket becomes a server-side
 * TLSSocket that asks for the agent's certificate and refuses one that does
 * not chain to the configured CA, and the agent opens a new stream over
 * it, which we answer with our header alone. Anything but `<starttls/>`
 * before that (a plain agent) closes the connection with the reason logged;
 * the open timer bounds the whole negotiation.
 */

import type net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import type { PeerInfo } from '../rib/types.js';
import { keepsState, type AgentRestarts } from './graceful-restart.js';
import { AgentSession, type AgentSessionDeps } from './agent-session.js';
import { FlushScheduler, type FlushTask } from './flush-scheduler.js';
import {
  KEEPALIVE,
  STARTTLS_FEATURES,
  STARTTLS_PROCEED,
  STREAM_CLOSE,
  TLS_NS,
  XmppStreamParser,
  parseAgentStanza,
  streamHeader,
  type XmppStreamLimits,
} from './wire/index.js';

/** Open timer: the agent must send its stream header within 15 s (§1.4). */
export const OPEN_TIMEOUT_MS = 15_000;

/** Session timers with Contrail's defaults; tests shorten them. */
export interface XmppTimers {
  /** The agents' hold time as far as we know it (Contrail's agent default: 90 s). */
  agentHoldTimeSec: number;
  /** End-of-RIB once no subscribe came for this long (Contrail: 6 s)… */
  endOfRibQuietMs: number;
  /** …checked this often (Contrail: 1 s)… */
  endOfRibCheckMs: number;
  /** …and at the latest this long after the session came up (Contrail: 300 s). */
  endOfRibMaxMs: number;
}

export const DEFAULT_XMPP_TIMERS: Readonly<XmppTimers> = Object.freeze({
  agentHoldTimeSec: 90,
  endOfRibQuietMs: 6_000,
  endOfRibCheckMs: 1_000,
  endOfRibMaxMs: 300_000,
});
/** Stop writing to an agent above this many buffered bytes; resume on drain. */
const HIGH_WATER = 1 << 20;
/** Stop reading from an agent above this many received bytes not yet handled. */
const INBOX_HIGH = 256 * 1024;
/** Received bytes handled per scheduler turn (whole chunks, at least one). */
const INBOX_TURN = 32 * 1024;

/** `tls-wait`: features sent, waiting for `<starttls/>`; `tls-handshake`: `<proceed/>` sent, TLS starting. */
export type ChannelState = 'open-wait' | 'tls-wait' | 'tls-handshake' | 'established' | 'closed';

export interface ChannelOptions extends AgentSessionDeps {
  readonly serverName: string;
  readonly holdTimeSec: number;
  readonly timers?: Readonly<XmppTimers>;
  readonly limits?: Partial<XmppStreamLimits>;
  /** Accept the agent's name (false: another live session has it). */
  readonly register: (ch: AgentChannel, name: string) => boolean;
  readonly closed: (ch: AgentChannel, reason: string) => void;
  readonly peerId: () => number;
  /** Require STARTTLS (§1.5); `upgrade` runs the server side of the handshake on the socket, client certificate checked. */
  readonly tls?: StartTls;
  /** Graceful restart helper (§5.4): keeps what a dropped agent left, for its next session. */
  readonly restarts?: AgentRestarts;
  /** Serves every agent's outbound work in bounded slices (one per server); default: one shared by the process. */
  readonly scheduler?: FlushScheduler;
}

const processScheduler = new FlushScheduler();

export interface StartTls {
  /** Resolves with the TLS socket once the agent's certificate is accepted; rejects with the reason otherwise. */
  upgrade(raw: net.Socket): Promise<tls.TLSSocket>;
}

export class AgentChannel implements FlushTask {
  state: ChannelState = 'open-wait';
  session?: AgentSession;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt = Date.now();
  closeReason?: string;
  /** The stream runs over TLS (its handshake is done). */
  secure = false;
  private parser: XmppStreamParser;
  private socket: net.Socket;
  private holdTimer?: NodeJS.Timeout;
  private keepaliveTimer?: NodeJS.Timeout;
  private eorTimer?: NodeJS.Timeout;
  private congested = false;
  private readonly log: Logger;
  private readonly scheduler: FlushScheduler;
  /** Received chunks not handled yet (established sessions only; see onData). */
  private readonly inbox: Buffer[] = [];
  private inboxBytes = 0;

  constructor(
    socket: net.Socket,
    private readonly opts: ChannelOptions,
  ) {
    this.socket = socket;
    this.scheduler = opts.scheduler ?? processScheduler;
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.log = opts.logger.child({ remote: `${this.remoteAddress}:${this.remotePort}` });
    this.parser = new XmppStreamParser(opts.limits);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    this.listen(socket);
    this.armHold(OPEN_TIMEOUT_MS, 'open timer expired');
  }

  /**
   * Once the session is up, received bytes wait in the inbox for a turn of
   * the scheduler (parsing and applying a publish of a few hundred routes
   * takes milliseconds; 2000 agents publishing at once used to hold one
   * poll phase for seconds). Above INBOX_HIGH the socket stops reading:
   * TCP pushes back on the agent.
   */
  private readonly onData = (chunk: Buffer): void => {
    if (this.state !== 'established') return this.guard(() => this.receive(chunk));
    this.inbox.push(chunk);
    this.inboxBytes += chunk.length;
    if (this.inboxBytes > INBOX_HIGH && !this.socket.isPaused()) this.socket.pause();
    this.scheduler.requestInput(this);
  };
  private readonly onDrain = (): void => {
    this.congested = false;
    this.wake();
  };
  // What arrived before the connection ended is handled first, as if it had been read at once.
  private readonly onClose = (): void => {
    this.guard(() => this.readInbox(Infinity));
    this.close('connection closed', false);
  };
  private readonly onError = (err: Error): void => {
    this.guard(() => this.readInbox(Infinity));
    this.close(`socket error: ${err.message}`, false);
  };

  /** Run the stream on `socket`: the TCP socket, then the TLS socket over it. */
  private listen(socket: net.Socket): void {
    socket.on('data', this.onData).on('drain', this.onDrain).on('close', this.onClose).on('error', this.onError);
  }

  private unlisten(socket: net.Socket): void {
    socket.off('data', this.onData).off('drain', this.onDrain).off('close', this.onClose).off('error', this.onError);
  }

  get name(): string | undefined {
    return this.session?.name;
  }

  /** The agent is not reading fast enough: its outbound queue waits for the socket to drain. */
  get isCongested(): boolean {
    return this.congested;
  }

  /** Bytes written to the socket but not yet taken by the kernel. */
  get backlogBytes(): number {
    return this.socket.writableLength;
  }

  /** Run a handler; an exception closes this session instead of the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'internal error on an agent session');
      this.close(`internal error: ${(err as Error).message}`);
    }
  }

  private receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    if (this.state === 'established') this.armHold(this.holdMs, 'hold timer expired');
    for (const ev of this.parser.feed(chunk)) {
      if ((this.state as ChannelState) === 'closed') return; // a handler may have closed it
      if ((this.state as ChannelState) === 'tls-handshake') return this.close('TLS: data after <starttls/>');
      switch (ev.kind) {
        case 'open':
          if (this.opts.tls && !this.secure) this.offerTls(ev.attrs);
          else this.open(ev.attrs);
          break;
        case 'stanza':
          if (this.state === 'tls-wait') {
            this.startTls(ev.el);
            break;
          }
          if (!this.session) return this.close('stanza before the stream header');
          this.session.handle(parseAgentStanza(ev.el));
          break;
        case 'keepalive':
          break;
        case 'close':
          return this.close('stream closed by the agent');
        case 'error':
          return this.close(`stream error (${ev.condition}): ${ev.text}`);
      }
    }
  }

  /** §1.5 step 2: our header and the STARTTLS feature, in cleartext. */
  private offerTls(attrs: Record<string, string>): void {
    if (this.state !== 'open-wait') return this.close('second stream header');
    const name = attrs.from ?? '';
    if (name === '' || name.length > 255) return this.close('stream header without a usable from name');
    this.write(streamHeader({ from: this.opts.serverName, to: name }) + STARTTLS_FEATURES);
    this.state = 'tls-wait';
    this.armHold(OPEN_TIMEOUT_MS, 'TLS required: no <starttls/> from the agent within the open time');
  }

  /** §1.5 steps 3-4: `<starttls/>` → `<proceed/>`, then TLS on the same socket; any other stanza is refused. */
  private startTls(el: { name: string; attrs: Record<string, string> }): void {
    if (el.name !== 'starttls' || el.attrs.xmlns !== TLS_NS) {
      this.log.warn({ got: el.name }, 'agent did not start TLS, which this control node requires; closing');
      return this.close(`TLS required: the agent sent <${el.name}> instead of <starttls/>`);
    }
    this.state = 'tls-handshake';
    const raw = this.socket;
    this.unlisten(raw); // the TLS socket takes the handle over; its outcome decides
    // Written before TLS takes over the handle, in the same tick: the agent's
    // ClientHello can only follow our <proceed/>, so no byte is read in between.
    raw.write(STARTTLS_PROCEED);
    this.opts.tls!.upgrade(raw).then(
      (secure) => this.guard(() => this.secured(secure)),
      (err: Error) => {
        if (this.state === 'closed') return;
        this.log.warn({ reason: err.message }, 'TLS handshake with the agent failed');
        this.close(`TLS handshake failed: ${err.message}`, false);
      },
    );
  }

  /** §1.5 step 5: the agent opens a new stream over TLS; we answer it with our header alone. */
  private secured(secure: tls.TLSSocket): void {
    if (this.state !== 'tls-handshake') {
      secure.destroy(); // closed meanwhile (open timer)
      return;
    }
    this.socket = secure;
    this.listen(secure);
    this.secure = true;
    this.state = 'open-wait';
    this.parser = new XmppStreamParser(this.opts.limits);
    const cert = secure.getPeerCertificate();
    this.log.info({ subject: cert.subject?.CN, issuer: cert.issuer?.CN, protocol: secure.getProtocol() }, 'agent TLS established');
  }

  private open(attrs: Record<string, string>): void {
    if (this.session) return this.close('second stream header');
    const name = attrs.from ?? '';
    if (name === '' || name.length > 255) return this.close('stream header without a usable from name');
    if (!this.opts.register(this, name)) return this.close(`another session of ${name} is up`);
    const address = parseAddress(this.remoteAddress);
    // Back within its restart time: the same source of paths as before, so what it publishes again replaces its stale paths.
    const info: PeerInfo = this.opts.restarts?.inherit(name, this.remoteAddress) ?? {
      id: this.opts.peerId(), name, kind: 'xmpp', address, asn: this.opts.asn,
      ibgp: true, rrClient: false, routerId: address,
    };
    this.session = new AgentSession(info, this.opts, {
      write: (text) => this.write(text),
      fail: (reason) => this.close(`protocol error: ${reason}`),
      refuse: (reason) => {
        this.log.warn({ agent: name, reason }, 'agent request refused; closing its session');
        this.close(`refused: ${reason}`);
      },
      wake: () => this.wake(),
      congested: () => this.congested,
      endOfRib: () => this.opts.restarts?.endOfRib(name),
    });
    this.state = 'established';
    this.write(streamHeader({ from: this.opts.serverName, to: name }));
    this.armHold(this.holdMs, 'hold timer expired');
    const hold = Math.min(this.opts.holdTimeSec, this.timers.agentHoldTimeSec);
    const every = Math.max(1, Math.floor(hold / 3)) * 1000;
    this.keepaliveTimer = setInterval(() => this.socket.write(KEEPALIVE), every);
    this.keepaliveTimer.unref();
    this.eorTimer = setInterval(() => this.guard(() => this.settle()), this.timers.endOfRibCheckMs);
    this.eorTimer.unref();
    this.log.info({ agent: name }, 'agent session established');
  }

  private get timers(): Readonly<XmppTimers> {
    return this.opts.timers ?? DEFAULT_XMPP_TIMERS;
  }

  /** The hold timer: the larger of ours and the agent's (see the header). */
  private get holdMs(): number {
    return Math.max(this.opts.holdTimeSec, this.timers.agentHoldTimeSec) * 1000;
  }

  private settle(): void {
    const t = this.timers;
    if (this.session?.settle(Date.now(), { quietMs: t.endOfRibQuietMs, maxMs: t.endOfRibMaxMs })) {
      clearInterval(this.eorTimer);
    }
  }

  private write(data: string | Uint8Array | readonly Uint8Array[]): boolean {
    if (this.state === 'closed') return false;
    const ok = typeof data === 'string' || data instanceof Uint8Array ? this.socket.write(data) : this.gather(data);
    if (!ok || this.socket.writableLength > HIGH_WATER) this.congested = true;
    return !this.congested;
  }

  /**
   * Chunks in one gathered write (writev): a batch is the agent's envelopes
   * around bodies shared with other agents, sent without copying them into
   * one buffer per agent.
   */
  private gather(chunks: readonly Uint8Array[]): boolean {
    if (chunks.length === 1) return this.socket.write(chunks[0]!);
    this.socket.cork();
    let ok = true;
    for (const c of chunks) ok = this.socket.write(c);
    this.socket.uncork();
    return ok;
  }

  /** There is outbound work: take a turn in the shared scheduler (it bounds how long agent flushes hold the loop). */
  private wake(): void {
    if (this.congested || this.state !== 'established') return;
    this.scheduler.request(this);
  }

  /** The scheduler's turn: push one budget of items; true when more is left for a later turn. */
  runFlush(): boolean {
    let more = false;
    this.guard(() => {
      more = this.state === 'established' && !this.congested && (this.session?.flush(!this.scheduler.inputWaiting) ?? false) && !this.congested;
    });
    return more;
  }

  /** The scheduler's input turn: handle up to INBOX_TURN received bytes; true when more are waiting. */
  runInput(): boolean {
    this.guard(() => this.readInbox(INBOX_TURN));
    return this.state === 'established' && this.inbox.length > 0;
  }

  /** Handle up to `budget` bytes of the inbox (whole chunks; at least one); reading resumes once it is low. */
  private readInbox(budget: number): void {
    let used = 0;
    while (this.inbox.length > 0 && used < budget && this.state !== 'closed') {
      const chunk = this.inbox.shift()!;
      this.inboxBytes -= chunk.length;
      used += chunk.length;
      this.receive(chunk);
    }
    if (this.state === 'closed') {
      this.inbox.length = 0;
      this.inboxBytes = 0;
    } else if (this.inboxBytes <= INBOX_HIGH / 2 && this.socket.isPaused()) {
      this.socket.resume();
    }
  }

  private armHold(ms: number, reason: string): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.close(reason), ms);
    this.holdTimer.unref();
  }

  /** End the session: withdraw the agent's routes, close the socket. */
  close(reason: string, sendClose = true): void {
    if (this.state === 'closed') return;
    const wasUp = this.state === 'established';
    this.state = 'closed';
    this.closeReason = reason;
    clearTimeout(this.holdTimer);
    clearInterval(this.keepaliveTimer);
    clearInterval(this.eorTimer);
    this.scheduler.cancel(this);
    const restarts = this.opts.restarts;
    const kept = this.session?.close(wasUp && restarts !== undefined && keepsState(reason));
    if (kept) restarts!.keep(kept, this.remoteAddress);
    if (sendClose && wasUp && !this.socket.destroyed) this.socket.end(STREAM_CLOSE);
    else this.socket.destroy();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    if (wasUp) this.log.info({ agent: this.name, reason }, 'agent session closed');
    else this.log.warn({ reason }, 'agent connection closed before the stream was up');
    this.opts.closed(this, reason);
  }
}

function parseAddress(s: string): number {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}
