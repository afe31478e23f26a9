/**
 * RawBgpPeer: a scripted BGP speaker over a raw TCP socket, built on the
 * project's own codec (src/bgp/wire). It sends exactly what it is told
 * (OPEN, KEEPALIVE, UPDATEs, or raw bytes), records every message it gets
 * and waits for conditions, never for a fixed time. Used where the peer of
 * the code under test has to be scriptable: the speaker tests and the
 * command-line tests that drive the real binary.
 *
 * The socket is half-open capable (`allowHalfOpen`): when the other side
 * sends FIN, this peer does not answer with its own until told to
 * (`end()`), so a test can see what happens while a close lingers.
 */

import net from 'node:net';
import { vi } from 'vitest';
import { signedSocket } from '../../src/bgp/session/tcp-md5.js';
import { decodeMessage, encodeMessage, frame } from '../../src/bgp/wire/index.js';
import type { BgpMessage, CodecContext, OpenMessage } from '../../src/bgp/wire/types.js';

/** Before OPEN: 2-octet AS fields, no families. */
export const PRE_OPEN_CTX: CodecContext = { fourOctetAs: false, ebgp: false, families: new Set() };

export interface RawBgpPeerOptions {
  /** Codec context for everything after OPEN (default: 4-octet AS, iBGP, inet, inet-vpn, route-target). */
  ctx?: CodecContext;
  /** Bound on every wait, ms (default 8000). */
  timeoutMs?: number;
  /** Source address for connect() (any 127.x.y.z works on Linux: one per simulated peer). */
  localAddress?: string;
  /** Sign the connection with this TCP-MD5 key (RFC 2385, src/bgp/session/tcp-md5.ts). */
  password?: string;
}

const DEFAULT_CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/1', '1/128', '1/132']) };

export class RawBgpPeer {
  readonly received: BgpMessage[] = [];
  /** Every message as framed bytes, in order, including those that failed to decode. */
  readonly raw: Uint8Array[] = [];
  /** Index in `received` at which the other side's FIN arrived (undefined until then). */
  endedAfter: number | undefined;
  closed = false;
  private pending = new Uint8Array(0);
  private readonly ctx: CodecContext;
  private readonly timeoutMs: number;

  constructor(readonly socket: net.Socket, opts: RawBgpPeerOptions = {}) {
    this.ctx = opts.ctx ?? DEFAULT_CTX;
    this.timeoutMs = opts.timeoutMs ?? 8000;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => (this.endedAfter = this.received.length));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  /** Connects to host:port; the socket stays half-open when the other side ends first. */
  static connect(port: number, host = '127.0.0.1', opts: RawBgpPeerOptions = {}): Promise<RawBgpPeer> {
    return new Promise((resolve, reject) => {
      const local = opts.localAddress === undefined ? {} : { localAddress: opts.localAddress };
      const s = opts.password === undefined ? new net.Socket({ allowHalfOpen: true }) : signedSocket(host, opts.password, { allowHalfOpen: true });
      s.connect({ host, port, ...local }, () => resolve(new RawBgpPeer(s, opts)));
      s.once('error', reject);
    });
  }

  /**
   * Listens on 127.0.0.1 (any free port) for the code under test to connect
   * out; `accepted()` resolves with the peer of the first connection.
   */
  static async listen(opts: RawBgpPeerOptions = {}): Promise<{ port: number; accepted: () => Promise<RawBgpPeer>; close: () => Promise<void> }> {
    const peers: RawBgpPeer[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (s) => peers.push(new RawBgpPeer(s, opts)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const timeout = opts.timeoutMs ?? 8000;
    return {
      port: (server.address() as net.AddressInfo).port,
      accepted: async () => {
        await vi.waitFor(() => {
          if (peers.length === 0) throw new Error('no connection yet');
        }, { timeout, interval: 10 });
        return peers[0] as RawBgpPeer;
      },
      close: () => {
        for (const p of peers) p.destroy();
        return new Promise((resolve) => server.close(() => resolve()));
      },
    };
  }

  send(msg: BgpMessage): void {
    this.socket.write(encodeMessage(msg, msg.type === 'open' ? PRE_OPEN_CTX : this.ctx));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The `count`-th message of this type, once it has arrived. */
  async next(type: BgpMessage['type'], count = 1): Promise<BgpMessage> {
    let found: BgpMessage | undefined;
    await vi.waitFor(() => {
      const all = this.received.filter((m) => m.type === type);
      if (all.length < count) throw new Error(`${all.length} ${type} message(s) so far, waiting for ${count}`);
      found = all[count - 1];
    }, { timeout: this.timeoutMs, interval: 10 });
    return found as BgpMessage;
  }

  /** Resolves once `pred` holds over what was received. */
  async until(what: string, pred: (received: readonly BgpMessage[]) => boolean): Promise<void> {
    await vi.waitFor(() => {
      if (!pred(this.received)) throw new Error(`still waiting for ${what}`);
    }, { timeout: this.timeoutMs, interval: 10 });
  }

  /**
   * OPEN both ways, then KEEPALIVE both ways: the other side becomes
   * Established. Sends ours first (`weOpen`) when we connected to a passive side.
   */
  async handshake(open: OpenMessage, weOpen = false): Promise<OpenMessage> {
    if (weOpen) this.send(open);
    const theirs = await this.next('open');
    if (!weOpen) this.send(open);
    this.send({ type: 'keepalive' });
    await this.next('keepalive');
    return theirs as OpenMessage;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending);
    buf.set(chunk, this.pending.length);
    const f = frame(buf);
    for (const m of f.messages) {
      this.raw.push(m);
      const d = decodeMessage(m, this.received.some((x) => x.type === 'open') ? this.ctx : PRE_OPEN_CTX);
      if (d.value) this.received.push(d.value);
    }
    this.pending = buf.slice(f.consumed);
  }
}

/** An OPEN with the multiprotocol capabilities for `families` ('afi/safi'), route refresh and 4-octet AS. */
export function openFor(asn: number, bgpId: number, families: readonly string[], extra: OpenMessage['capabilities'] = []): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: asn > 0xffff ? 23456 : asn,
    holdTime: 90,
    bgpId,
    capabilities: [
      ...families.map((f) => {
        const [afi, safi] = f.split('/').map(Number);
        return { code: 1 as const, afi: afi as number, safi: safi as number };
      }),
      { code: 2 },
      { code: 65, asn },
      ...extra,
    ],
  };
}
