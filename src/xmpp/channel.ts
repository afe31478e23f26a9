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
 */

import type net from 'node:net';
import type { Logger } from 'pino';
import type { PeerInfo } from '../rib/types.js';
import { AgentSession, type AgentSessionDeps } from './agent-session.js';
import {
  KEEPALIVE,
  STREAM_CLOSE,
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

export type ChannelState = 'open-wait' | 'established' | 'closed';

export interface ChannelOptions extends AgentSessionDeps {
  readonly serverName: string;
  readonly holdTimeSec: number;
  readonly timers?: Readonly<XmppTimers>;
  readonly limits?: Partial<XmppStreamLimits>;
  /** Accept the agent's name (false: another live session has it). */
  readonly register: (ch: AgentChannel, name: string) => boolean;
  readonly closed: (ch: AgentChannel, reason: string) => void;
  readonly peerId: () => number;
}

export class AgentChannel {
  state: ChannelState = 'open-wait';
  session?: AgentSession;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt = Date.now();
  closeReason?: string;
  private readonly parser: XmppStreamParser;
  private holdTimer?: NodeJS.Timeout;
  private keepaliveTimer?: NodeJS.Timeout;
  private eorTimer?: NodeJS.Timeout;
  private flushQueued = false;
  private congested = false;
  private readonly log: Logger;

  constructor(
    private readonly socket: net.Socket,
    private readonly opts: ChannelOptions,
  ) {
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.log = opts.logger.child({ remote: `${this.remoteAddress}:${this.remotePort}` });
    this.parser = new XmppStreamParser(opts.limits);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    socket.on('data', (chunk: Buffer) => this.guard(() => this.receive(chunk)));
    socket.on('drain', () => {
      this.congested = false;
      this.wake();
    });
    socket.on('close', () => this.close('connection closed', false));
    socket.on('error', (err) => this.close(`socket error: ${err.message}`, false));
    this.armHold(OPEN_TIMEOUT_MS, 'open timer expired');
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
      switch (ev.kind) {
        case 'open':
          this.open(ev.attrs);
          break;
        case 'stanza':
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

  private open(attrs: Record<string, string>): void {
    if (this.session) return this.close('second stream header');
    const name = attrs.from ?? '';
    if (name === '' || name.length > 255) return this.close('stream header without a usable from name');
    if (!this.opts.register(this, name)) return this.close(`another session of ${name} is up`);
    const address = parseAddress(this.remoteAddress);
    const info: PeerInfo = {
      id: this.opts.peerId(), name, kind: 'xmpp', address, asn: this.opts.asn,
      ibgp: true, rrClient: false, routerId: address,
    };
    this.session = new AgentSession(info, this.opts, {
      write: (text) => this.write(text),
      writev: (parts) => this.writev(parts),
      fail: (reason) => this.close(`protocol error: ${reason}`),
      refuse: (reason) => {
        this.log.warn({ agent: name, reason }, 'agent request refused; closing its session');
        this.close(`refused: ${reason}`);
      },
      wake: () => this.wake(),
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

  private write(data: string | Uint8Array): boolean {
    if (this.state === 'closed') return false;
    const ok = this.socket.write(data);
    if (!ok || this.socket.writableLength > HIGH_WATER) this.congested = true;
    return !this.congested;
  }

  /** Corked writes go out as one writev of the given buffers (the cached items are not copied). */
  private writev(parts: readonly Uint8Array[]): boolean {
    if (this.state === 'closed') return false;
    this.socket.cork();
    let ok = true;
    for (const p of parts) ok = this.socket.write(p) && ok;
    this.socket.uncork();
    if (!ok || this.socket.writableLength > HIGH_WATER) this.congested = true;
    return !this.congested;
  }

  private wake(): void {
    if (this.flushQueued || this.congested || this.state !== 'established') return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.guard(() => {
        if (this.state === 'established' && !this.congested && this.session?.flush()) this.wake();
      });
    });
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
    this.session?.close();
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
