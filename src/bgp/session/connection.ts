/**
 * One TCP connection of a BGP session: the socket, its receive buffer, its
 * per-connection timers (hold, keepalive) and the RFC 9687 send hold timer.
 *
 * A Connection knows nothing of the FSM's rules; it reports socket events to
 * the session tagged with its generation number, and the session drops events
 * from a generation it no longer holds (RFC 4271 §6.8 leaves up to two
 * connections per peer alive at once, so staleness is real, not theoretical).
 *
 * RFC 9687: the send hold timer runs while written data is waiting to reach
 * the kernel and restarts whenever a write completes; when it fires, the
 * peer has stopped reading and the session is torn down with 8/0.
 *
 * Reading yields: libuv reads up to 32 × 64 KiB from a busy socket in one
 * event-loop turn, and a peer sending a full table had its UPDATEs handled
 * for most of a second without a break (no timer, no other socket, no
 * agent). Once data has been handled for READ_SLICE_MS in one turn, the
 * socket is paused until the next check phase (setImmediate); the bytes
 * wait in the kernel meanwhile, nothing is dropped or reordered.
 */

import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectionOrigin, FsmState } from '../fsm.js';
import { RxBuffer } from './rx-buffer.js';
import { Timers } from './timers.js';

/** Timers owned by one connection; the session owns connect-retry and idle-hold. */
export type ConnectionTimer = 'hold' | 'keepalive' | 'send-hold';

export interface ConnectionEvents {
  connected(gen: number): void;
  data(gen: number, chunk: Uint8Array): void;
  closed(gen: number, error: string | undefined): void;
  drain(gen: number): void;
  timer(gen: number, timer: ConnectionTimer): void;
}

/** What introspect shows about a connection. */
export interface ConnectionInfo {
  readonly gen: number;
  readonly origin: ConnectionOrigin;
  readonly state: FsmState['name'];
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly writableLength: number;
}

export interface ConnectionOptions {
  /** RFC 9687 send hold time, seconds. */
  readonly sendHoldTime: number;
  /** How long a graceful close may take before the socket is destroyed, ms. */
  readonly lingerMs: number;
}

/** Time data may be handled in one event-loop turn before reading yields, ms. */
export const READ_SLICE_MS = 20;

export class Connection {
  /** This connection's own FSM state (the session's, while it is the primary). */
  fsm: FsmState;
  readonly rx = new RxBuffer();
  readonly timers: Timers<ConnectionTimer>;
  /** The last socket error, for the tcp-failed detail. */
  error: string | undefined;
  private pendingWrites = 0;
  private closing: Promise<void> | undefined;

  constructor(
    readonly gen: number,
    readonly origin: ConnectionOrigin,
    readonly socket: net.Socket,
    fsm: FsmState,
    private readonly opts: ConnectionOptions,
    events: ConnectionEvents,
  ) {
    this.fsm = fsm;
    this.timers = new Timers((t) => events.timer(gen, t));
    socket.setNoDelay(true);
    socket.on('connect', () => events.connected(gen));
    socket.on('data', (chunk: Buffer) => this.onData(chunk, events));
    socket.on('drain', () => events.drain(gen));
    // The peer's FIN: finish our side too, so 'close' follows even on a half-open-capable socket.
    socket.on('end', () => socket.end());
    socket.on('error', (err: Error) => {
      this.error = err.message;
    });
    socket.on('close', (hadError: boolean) => {
      this.timers.clear();
      events.closed(gen, hadError ? (this.error ?? 'socket error') : undefined);
    });
  }

  /** When this turn's reading started (undefined between turns), and whether reading waits for the next turn. */
  private sliceStart: number | undefined;
  private yielded = false;

  private onData(chunk: Buffer, events: ConnectionEvents): void {
    if (this.sliceStart === undefined) {
      this.sliceStart = performance.now();
      setImmediate(this.endSlice);
    }
    events.data(this.gen, chunk);
    if (!this.yielded && performance.now() - this.sliceStart > READ_SLICE_MS && !this.socket.destroyed) {
      this.yielded = true;
      this.socket.pause();
    }
  }

  private readonly endSlice = (): void => {
    this.sliceStart = undefined;
    if (!this.yielded) return;
    this.yielded = false;
    if (!this.socket.destroyed) this.socket.resume();
  };

  get isClosed(): boolean {
    return this.closing !== undefined || this.socket.destroyed;
  }

  /** Write one buffer; false when the caller should wait for 'drain'. */
  write(bytes: Uint8Array): boolean {
    if (this.isClosed) return false;
    this.writeStarted();
    return this.socket.write(bytes, () => this.writeDone());
  }

  /** Write several buffers as one writev (cork/uncork); false = wait for 'drain'. */
  writeMany(chunks: readonly Uint8Array[]): boolean {
    if (this.isClosed) return false;
    if (chunks.length === 0) return this.socket.writableLength < this.socket.writableHighWaterMark;
    this.socket.cork();
    let ok = true;
    const last = chunks.length - 1;
    chunks.forEach((chunk, i) => {
      if (i < last) ok = this.socket.write(chunk);
    });
    this.writeStarted();
    ok = this.socket.write(chunks[last] as Uint8Array, () => this.writeDone()) && ok;
    this.socket.uncork();
    return ok;
  }

  /** Flush what was written, then close; destroy after the linger time. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.timers.clear();
    const socket = this.socket;
    this.closing = new Promise<void>((resolve) => {
      if (socket.closed) return resolve();
      socket.once('close', () => resolve());
      if (socket.connecting || socket.destroyed) {
        socket.destroy();
        return;
      }
      const linger = setTimeout(() => socket.destroy(), this.opts.lingerMs);
      linger.unref();
      socket.once('close', () => clearTimeout(linger));
      socket.end();
    });
    this.rx.clear();
    return this.closing;
  }

  /** Close at once, without flushing. */
  destroy(): Promise<void> {
    const closed = this.close();
    this.socket.destroy();
    return closed;
  }

  info(): ConnectionInfo {
    const s = this.socket;
    return {
      gen: this.gen,
      origin: this.origin,
      state: this.fsm.name,
      localAddress: s.localAddress,
      localPort: s.localPort,
      remoteAddress: s.remoteAddress,
      remotePort: s.remotePort,
      writableLength: s.writableLength,
    };
  }

  // RFC 9687 §4: the timer measures how long the oldest queued write has been stuck.
  private writeStarted(): void {
    this.pendingWrites++;
    if (!this.timers.running('send-hold')) this.timers.arm('send-hold', this.opts.sendHoldTime);
  }

  private writeDone(): void {
    this.pendingWrites = Math.max(0, this.pendingWrites - 1);
    if (this.isClosed) return;
    if (this.pendingWrites === 0) this.timers.cancel('send-hold');
    else this.timers.arm('send-hold', this.opts.sendHoldTime);
  }
}

/** Send a NOTIFICATION on a connection we will not use, then close it. */
export function refuse(socket: net.Socket, notification: Uint8Array, lingerMs: number): void {
  socket.on('error', () => undefined);
  socket.end(notification);
  const t = setTimeout(() => socket.destroy(), lingerMs);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

/** How many BGP messages a buffer of whole messages holds (walks the length fields). */
export function countMessages(bytes: Uint8Array): number {
  let n = 0;
  let off = 0;
  while (off + 19 <= bytes.length) {
    const len = ((bytes[off + 16] ?? 0) << 8) | (bytes[off + 17] ?? 0);
    if (len < 19) break;
    n++;
    off += len;
  }
  return n;
}
