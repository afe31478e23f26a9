/**
 * BgpSession: the I/O driver around the pure FSM (src/bgp/fsm.ts) for one
 * configured peer. It owns the sockets and the timers, turns socket events
 * into FSM inputs, carries out the FSM's actions and reports to a
 * SessionHandler.
 *
 * RFC 4271 §8 (FSM; connect-retry and automatic restart), §6.8 (connection
 * collision: up to two connections, the one initiated by the higher BGP
 * identifier survives, the other gets Cease/7), RFC 7606 (malformed UPDATE
 * handling via src/bgp/session/receive.ts), RFC 9687 (send hold timer, see
 * connection.ts), RFC 4486 / RFC 9003 (Cease on stop).
 *
 * Connections: `primary` is the one the session's FSM state refers to (an
 * outbound attempt in Connect, or the connection that exchanges OPENs);
 * `candidate` is a second, inbound connection accepted while the primary is
 * in Connect, OpenSent or OpenConfirm. The candidate runs its own copy of the
 * FSM, with session-level effects (connect, connect-retry, idle-hold,
 * handler calls) suppressed, until the collision is resolved: when either
 * connection receives an OPEN, one of the two is closed with Cease/7 and the
 * survivor becomes the primary. A connection that arrives while Established
 * is refused with Cease/7 (RFC 4271 §6.8, last paragraph).
 *
 * Every input runs through one queue, so a handler that calls stop() from
 * inside a callback sees a consistent state, and no exception from a peer, a
 * decoder or a handler leaves this class: it resets the session instead.
 */

import net from 'node:net';
import { pino } from 'pino';
import type { Logger } from 'pino';
import {
  CEASE_ADMIN_SHUTDOWN,
  CEASE_COLLISION,
  CEASE_OUT_OF_RESOURCES,
  ERR_CEASE,
  IDLE,
  collisionWinner,
  describeNotification,
  step,
} from '../fsm.js';
import type {
  DownReason,
  FsmAction,
  FsmConfig,
  FsmInput,
  FsmState,
  Negotiated,
  StateName,
  TimerName,
} from '../fsm.js';
import { encodeKeepalive, encodeMessage, encodeNotification, familyOf } from '../wire/index.js';
import type { BgpMessage, CodecContext, RouteRefreshMessage, UpdateMessage } from '../wire/types.js';
import { Connection, countMessages, refuse } from './connection.js';
import type { ConnectionEvents, ConnectionInfo } from './connection.js';
import { receive } from './receive.js';
import { outboundSocket, reportUnanswered } from './tcp-md5.js';
import type { Received } from './receive.js';
import { Timers } from './timers.js';
import { emptyStats, recordReceived, recordSent } from './types.js';
import type { SessionConfig, SessionHandler, SessionStats, UpdateAction } from './types.js';

export const DEFAULT_PEER_PORT = 179;
export const DEFAULT_HOLD_TIME = 90;
export const DEFAULT_CONNECT_RETRY = 5;
/** RFC 9687 §3: at least 8 minutes. */
export const MIN_SEND_HOLD_TIME = 480;

type SessionTimer = Extract<TimerName, 'connect-retry' | 'idle-hold'>;

/** Pre-encoded bytes from write() are UPDATEs as far as the counters go. */
const UPDATE_MARK = { type: 'update' } as const;

/** How a received message was treated, passed through to the handler with the UPDATE. */
interface RxInfo {
  readonly action: UpdateAction;
  readonly faults: Received['faults'];
}

export class BgpSession {
  private fsm: FsmState = IDLE;
  private primary: Connection | undefined;
  private candidate: Connection | undefined;
  private nextGen = 1;
  private fsmCfg: FsmConfig;
  private readonly preCodec: CodecContext;
  private readonly timers: Timers<SessionTimer>;
  private readonly closing = new Set<Promise<void>>();
  private readonly queue: Array<() => void> = [];
  private running = false;
  private recovering = false;
  /** Outbound attempts in a row that got no answer (TCP-MD5 diagnostics). */
  private unanswered = 0;
  private readonly counters: SessionStats = emptyStats();
  private readonly log: Logger;
  private readonly keepaliveBytes = encodeKeepalive();
  private readonly events: ConnectionEvents;

  constructor(
    readonly config: SessionConfig,
    private readonly handler: SessionHandler,
    logger?: Logger,
  ) {
    this.log = logger ?? pino({ level: 'silent' });
    this.fsmCfg = fsmConfigOf(config);
    // Before the OPENs are exchanged: 2-octet AS, no families (RFC 6793 §4).
    this.preCodec = { fourOctetAs: false, ebgp: config.peerAs !== config.localAs, families: new Set() };
    this.timers = new Timers((t) =>
      this.enqueue(() => {
        if (t === 'connect-retry') this.noteUnanswered();
        this.stepPrimary({ kind: 'timer-expired', timer: t });
      }),
    );
    this.events = {
      connected: (gen) => this.enqueue(() => this.onInput(gen, { kind: 'tcp-connected' })),
      data: (gen, chunk) => this.enqueue(() => this.onData(gen, chunk)),
      closed: (gen, error) =>
        this.enqueue(() =>
          this.onInput(gen, error === undefined ? { kind: 'tcp-closed' } : { kind: 'tcp-failed', detail: error }),
        ),
      drain: (gen) => this.enqueue(() => this.onDrain(gen)),
      timer: (gen, timer) => this.enqueue(() => this.onInput(gen, { kind: 'timer-expired', timer })),
    };
  }

  // ---------------------------------------------------------------- API

  /** The FSM state of the session (of its primary connection). */
  get state(): FsmState {
    return this.fsm;
  }

  get stateName(): StateName {
    return this.fsm.name;
  }

  get stats(): Readonly<SessionStats> {
    return this.counters;
  }

  /** Bytes written and still waiting in the primary connection's socket (0 without one). */
  get writableLength(): number {
    return this.primary?.socket.writableLength ?? 0;
  }

  /** The live connections (at most two), for introspect and tests. */
  /**
   * Whether the OPENs sent from now on carry the graceful-restart R bit
   * (RFC 4724 §4.1: we have restarted and defer our advertisements).
   */
  setRestarting(on: boolean): void {
    this.fsmCfg = { ...this.fsmCfg, restarting: on };
  }

  connections(): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    if (this.primary && !this.primary.socket.connecting) out.push(this.primary.info());
    if (this.candidate) out.push(this.candidate.info());
    return out;
  }

  /** Administrative start: connect (unless passive) and accept. */
  start(): void {
    this.enqueue(() => this.stepPrimary({ kind: 'start' }));
  }

  /** Cease (default 6/2 administrative shutdown, RFC 9003 message optional), close, stay down. */
  stop(subcode: number = CEASE_ADMIN_SHUTDOWN, message?: string): Promise<void> {
    return new Promise<void>((resolve) => {
      this.enqueue(() => {
        try {
          const input: FsmInput = message === undefined ? { kind: 'stop', subcode } : { kind: 'stop', subcode, message };
          if (this.candidate) this.stepCandidate(this.candidate, input);
          this.stepPrimary(input);
          this.timers.clear();
        } finally {
          void Promise.all([...this.closing]).then(() => resolve());
        }
      });
    });
  }

  /**
   * Send a NOTIFICATION and drop the session (e.g. max-prefix 6/1); it
   * restarts after the idle-hold time, after `restartAfter` seconds, or never.
   */
  reset(code: number, subcode: number, data?: Uint8Array, detail?: string, restartAfter?: number | 'never'): void {
    const input: FsmInput = {
      kind: 'reset',
      code,
      subcode,
      detail: detail ?? `reset by the speaker (${describeNotification({ code, subcode })})`,
      ...(data === undefined ? {} : { data }),
      ...(restartAfter === undefined ? {} : { restartAfter }),
    };
    this.enqueue(() => this.stepPrimary(input));
  }

  /** Take over an inbound TCP connection from this peer's address. */
  accept(socket: net.Socket): void {
    this.enqueue(() => this.onAccept(socket));
  }

  /** Write pre-encoded UPDATE bytes; false when not Established or to back off until drain(). */
  write(bytes: Uint8Array): boolean {
    const conn = this.primary;
    if (!conn || this.fsm.name !== 'Established') return false;
    recordSent(this.counters, UPDATE_MARK, countMessages(bytes));
    return conn.write(bytes);
  }

  /** Write many pre-encoded messages in one system call; same return value as write(). */
  writeMany(chunks: readonly Uint8Array[]): boolean {
    const conn = this.primary;
    if (!conn || this.fsm.name !== 'Established') return false;
    let n = 0;
    for (const c of chunks) n += countMessages(c);
    recordSent(this.counters, UPDATE_MARK, n);
    return conn.writeMany(chunks);
  }

  // ---------------------------------------------------------------- input queue

  private enqueue(job: () => void): void {
    this.queue.push(job);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        try {
          next();
        } catch (err) {
          this.internalError(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The live connection of generation `gen`; undefined for a stale event. */
  private connection(gen: number): Connection | undefined {
    if (this.primary?.gen === gen) return this.primary;
    if (this.candidate?.gen === gen) return this.candidate;
    return undefined;
  }

  private onInput(gen: number, input: FsmInput, rx?: RxInfo): void {
    const conn = this.connection(gen);
    if (!conn) return;
    if (conn === this.primary) this.stepPrimary(input, rx);
    else this.stepCandidate(conn, input, rx);
  }

  private onData(gen: number, chunk: Uint8Array): void {
    const conn = this.connection(gen);
    if (!conn) return;
    conn.rx.append(chunk);
    receive(conn.rx, () => this.codecFor(conn), (r) => {
      this.onReceived(conn, r);
      return this.connection(gen) === conn;
    });
  }

  private onReceived(conn: Connection, r: Received): void {
    const c = this.counters;
    for (const f of r.faults) c.faults[f.action]++;
    if (r.kind === 'fault') {
      this.log.warn({ fault: r.fault.reason, code: r.fault.code, subcode: r.fault.subcode }, 'malformed message');
      this.onInput(conn.gen, { kind: 'decode-fault', fault: r.fault });
      return;
    }
    recordReceived(this.counters, r.message);
    if (r.message.type === 'notification') this.log.info({ code: r.message.code, subcode: r.message.subcode }, 'NOTIFICATION received');
    if (r.action !== 'none') {
      this.log.warn({ action: r.action, faults: r.faults.map((f) => f.reason) }, 'malformed UPDATE handled per RFC 7606');
    }
    this.onInput(conn.gen, { kind: 'message-received', message: r.message }, { action: r.action, faults: r.faults });
  }

  private onDrain(gen: number): void {
    if (this.primary?.gen === gen && this.fsm.name === 'Established') this.handler.drain();
  }

  // ---------------------------------------------------------------- stepping

  private stepPrimary(input: FsmInput, rx?: RxInfo): void {
    const conn = this.primary;
    const prev = this.fsm;
    const res = step(prev, input, this.fsmCfg);
    this.fsm = res.state;
    if (conn) conn.fsm = res.state;
    const cand = this.candidate;
    const losing = res.actions.some((a) => a.type === 'close-connection');
    if (cand && losing && input.kind !== 'stop' && prev.name !== 'Established') {
      // The session is not lost while the other connection is still going.
      this.execute(res.actions, conn, false, rx);
      this.promote(cand);
      return;
    }
    this.execute(res.actions, conn, true, rx);
    // Down: to Idle, or back to Active at once (a passive peer that went away).
    if ((res.state.name === 'Idle' || losing) && this.candidate) this.dropCandidate();
    if (conn && prev.name === 'OpenSent' && res.state.name === 'OpenConfirm') {
      this.resolveCollision(conn, res.state.negotiated);
    }
  }

  private stepCandidate(conn: Connection, input: FsmInput, rx?: RxInfo): void {
    const prev = conn.fsm;
    const res = step(prev, input, this.fsmCfg);
    conn.fsm = res.state;
    this.execute(res.actions, conn, false, rx);
    if (this.candidate === conn && prev.name === 'OpenSent' && res.state.name === 'OpenConfirm') {
      this.resolveCollision(conn, res.state.negotiated);
    }
  }

  /**
   * Carry out FSM actions. With `session` false (a candidate, or a primary
   * being replaced) only the connection's own actions run.
   */
  private execute(actions: readonly FsmAction[], conn: Connection | undefined, session: boolean, rx?: RxInfo): void {
    for (const a of actions) {
      switch (a.type) {
        case 'connect':
          if (session) this.connectOut();
          break;
        case 'send':
          if (conn) this.send(conn, a.message);
          break;
        case 'arm-timer':
          if (a.timer === 'connect-retry' || a.timer === 'idle-hold') {
            if (session) this.timers.arm(a.timer, a.seconds);
          } else conn?.timers.arm(a.timer, a.seconds);
          break;
        case 'cancel-timer':
          if (a.timer === 'connect-retry' || a.timer === 'idle-hold') {
            if (session) this.timers.cancel(a.timer);
          } else conn?.timers.cancel(a.timer);
          break;
        case 'close-connection':
          if (conn) this.closeConnection(conn);
          break;
        case 'established':
          if (session) this.onEstablished(a.negotiated);
          break;
        case 'deliver':
          if (session) this.deliver(a.message, rx);
          break;
        case 'down':
          if (session) this.onDown(a.reason, a.detail, a.from);
          else this.log.debug({ reason: a.reason, detail: a.detail, gen: conn?.gen }, 'second connection closed');
          break;
      }
    }
  }

  // ---------------------------------------------------------------- collisions

  /** RFC 4271 §6.8, run when connection `x` has just received the peer's OPEN. */
  private resolveCollision(x: Connection, n: Negotiated): void {
    const other = x === this.primary ? this.candidate : this.primary;
    if (!other) {
      if (x === this.candidate) this.promote(x);
      return;
    }
    const otherState = other.fsm.name;
    if (otherState === 'Idle' || otherState === 'Connect' || otherState === 'Active') {
      // The other connection never exchanged OPENs: a slower attempt, not a collision.
      this.closeConnection(other);
      if (x === this.candidate) this.promote(x);
      return;
    }
    this.counters.collisions++;
    let loser: Connection;
    if (otherState === 'Established') loser = x;
    else if (x.origin === other.origin) loser = x.gen < other.gen ? x : other; // same side twice: keep the newer
    else {
      const winner = collisionWinner(this.fsmCfg.routerId, n.peerBgpId, this.fsmCfg.localAs, n.peerAs);
      loser = x.origin === winner ? other : x;
    }
    this.log.info({ kept: (loser === x ? other : x).origin, closed: loser.origin }, 'connection collision resolved');
    if (loser === this.primary) this.stepPrimary({ kind: 'collision-lost' });
    else this.stepCandidate(loser, { kind: 'collision-lost' });
  }

  /** The candidate takes over as the session's connection. */
  private promote(cand: Connection): void {
    const old = this.primary;
    this.candidate = undefined;
    if (old && old !== cand) this.closeConnection(old);
    this.primary = cand;
    this.fsm = cand.fsm;
    this.timers.cancel('connect-retry');
    this.timers.cancel('idle-hold');
    this.log.debug({ gen: cand.gen, origin: cand.origin, state: cand.fsm.name }, 'continuing on the other connection');
  }

  private dropCandidate(): void {
    const cand = this.candidate;
    if (cand) this.stepCandidate(cand, { kind: 'collision-lost' });
  }

  private onAccept(socket: net.Socket): void {
    switch (this.fsm.name) {
      case 'Idle':
        // RFC 4271 §8.2.2: Idle refuses incoming connections.
        this.log.debug({ remote: socket.remoteAddress }, 'inbound connection refused in Idle');
        socket.destroy();
        return;
      case 'Active':
        this.primary = this.newConnection(socket, 'inbound');
        this.stepPrimary({ kind: 'tcp-connected' });
        return;
      case 'Established':
        this.counters.collisions++;
        this.log.info({ remote: socket.remoteAddress }, 'inbound connection while Established refused with Cease/7');
        refuse(socket, encodeNotification(ERR_CEASE, CEASE_COLLISION), this.config.lingerMs ?? 1000);
        return;
      case 'Connect':
      case 'OpenSent':
      case 'OpenConfirm': {
        if (this.candidate) this.dropCandidate();
        const conn = this.newConnection(socket, 'inbound');
        this.candidate = conn;
        this.stepCandidate(conn, { kind: 'tcp-connected' });
        return;
      }
    }
  }

  // ---------------------------------------------------------------- connections

  private newConnection(socket: net.Socket, origin: 'inbound' | 'outbound'): Connection {
    const hold = this.fsmCfg.holdTime;
    const opts = {
      sendHoldTime: this.config.sendHoldTime ?? Math.max(MIN_SEND_HOLD_TIME, 2 * hold),
      lingerMs: this.config.lingerMs ?? 1000,
    };
    // An inbound connection starts as if the FSM were in Active; an outbound one in Connect.
    const fsm: FsmState = origin === 'inbound' ? { name: 'Active' } : { name: 'Connect' };
    return new Connection(this.nextGen++, origin, socket, fsm, opts, this.events);
  }

  private connectOut(): void {
    if (this.primary) this.closeConnection(this.primary);
    const { peerAddress, peerPort, localAddress } = this.config;
    const socket = outboundSocket(peerAddress, this.config.password);
    if (!socket.destroyed) {
      socket.connect({
        host: peerAddress,
        port: peerPort ?? DEFAULT_PEER_PORT,
        ...(localAddress ? { localAddress } : {}),
      });
    }
    this.primary = this.newConnection(socket, 'outbound');
    this.counters.connectAttempts++;
  }

  /** The connect-retry timer fired while an outbound attempt was still unanswered (tcp-md5.ts says what that means). */
  private noteUnanswered(): void {
    if (this.config.password === undefined || this.fsm.name !== 'Connect') return;
    reportUnanswered(this.log, this.config.peerAddress, ++this.unanswered);
  }

  private closeConnection(conn: Connection): void {
    if (this.primary === conn) this.primary = undefined;
    if (this.candidate === conn) this.candidate = undefined;
    if (conn.error) this.counters.lastError = conn.error;
    const closed = conn.close();
    this.closing.add(closed);
    void closed.then(() => this.closing.delete(closed));
  }

  private codecFor(conn: Connection): CodecContext {
    const s = conn.fsm;
    return s.name === 'OpenConfirm' || s.name === 'Established' ? s.negotiated.codec : this.preCodec;
  }

  private send(conn: Connection, msg: BgpMessage): void {
    const bytes =
      msg.type === 'keepalive'
        ? this.keepaliveBytes
        : msg.type === 'notification'
          ? encodeNotification(msg.code, msg.subcode, msg.data)
          : encodeMessage(msg, this.codecFor(conn));
    recordSent(this.counters, msg, 1);
    if (msg.type === 'notification') this.log.info({ code: msg.code, subcode: msg.subcode }, 'NOTIFICATION sent');
    conn.write(bytes);
  }

  // ---------------------------------------------------------------- handler

  private onEstablished(n: Negotiated): void {
    this.unanswered = 0;
    this.counters.establishedAt = Date.now();
    this.counters.negotiated = n;
    this.log.info({ holdTime: n.holdTime, families: n.families, peerAs: n.peerAs }, 'session established');
    this.handler.established(n);
  }

  private deliver(msg: UpdateMessage | RouteRefreshMessage, rx: RxInfo | undefined): void {
    if (msg.type === 'update') this.handler.update(msg, rx?.action ?? 'none', rx?.faults ?? []);
    else this.handler.routeRefresh(msg.afi, msg.safi);
  }

  private onDown(reason: DownReason, detail: string, from: StateName): void {
    const c = this.counters;
    if (from === 'Established') c.flaps++;
    c.lastDownReason = reason;
    c.lastDownAt = Date.now();
    c.establishedAt = undefined;
    c.negotiated = undefined;
    if (reason !== 'admin-stop') c.lastError = detail;
    this.log.info({ reason, detail, from }, 'session down');
    this.handler.down(reason, detail, from);
  }

  // ---------------------------------------------------------------- failure containment

  /** A bug or a throwing handler: reset the session rather than let the exception out. */
  private internalError(err: unknown): void {
    try {
      const detail = err instanceof Error ? err.message : String(err);
      this.counters.lastError = `internal error: ${detail}`;
      this.log.error({ err }, 'internal error in BGP session; resetting it');
      if (this.recovering) return this.hardReset();
      this.recovering = true;
      try {
        if (this.candidate) this.closeConnection(this.candidate);
        this.stepPrimary({ kind: 'reset', code: ERR_CEASE, subcode: CEASE_OUT_OF_RESOURCES, detail: `internal error: ${detail}` });
      } finally {
        this.recovering = false;
      }
    } catch {
      this.hardReset();
    }
  }

  /** Last resort: drop everything without calling the handler, restart later. */
  private hardReset(): void {
    for (const conn of [this.primary, this.candidate]) {
      if (!conn) continue;
      void conn.destroy();
    }
    this.primary = undefined;
    this.candidate = undefined;
    this.fsm = IDLE;
    this.timers.clear();
    this.timers.arm('idle-hold', this.fsmCfg.idleHold ?? this.fsmCfg.connectRetry);
  }
}

/** The pure FSM's settings for a configured peer, defaults filled in. */
function fsmConfigOf(config: SessionConfig): FsmConfig {
  const connectRetry = config.connectRetry ?? DEFAULT_CONNECT_RETRY;
  return {
    localAs: config.localAs,
    peerAs: config.peerAs,
    routerId: config.routerId >>> 0,
    holdTime: config.holdTime ?? DEFAULT_HOLD_TIME,
    connectRetry,
    passive: config.passive ?? false,
    families: config.families.map(familyOf),
    idleHold: config.idleHoldTime ?? connectRetry,
    ...(config.openHoldTime === undefined ? {} : { openHoldTime: config.openHoldTime }),
    ...(config.restartTime === undefined ? {} : { restartTime: config.restartTime }),
    ...(config.longLivedStaleTime === undefined ? {} : { longLivedStaleTime: config.longLivedStaleTime }),
    ...(config.restarting === undefined ? {} : { restarting: config.restarting }),
    ...(config.preserveForwarding === undefined ? {} : { preserveForwarding: config.preserveForwarding }),
  };
}
