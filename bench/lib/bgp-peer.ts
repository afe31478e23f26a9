/**
 * A minimal BGP speaker on a raw TCP socket, for the injector and the sinks.
 *
 * It connects from a chosen loopback address, sends an OPEN with IPv4-VPN
 * (1/128), route refresh and 4-octet AS, answers the device's OPEN with a
 * KEEPALIVE and keeps sending KEEPALIVEs every hold/3. Messages before
 * Established go through our codec (frame + decodeMessage). After that the
 * raw bytes are handed to `onData` (the sink's counter walks them; the
 * injector ignores them), so no object is built per route.
 */

import net from 'node:net';
import {
  decodeMessage, encodeKeepalive, encodeMessage, encodeNotification, frame,
  type CodecContext, type OpenMessage,
} from '../../src/bgp/wire/index.js';
import { parseIpv4 } from '../../src/bgp/wire/index.js';
import { sleep } from './procs.js';

export interface PeerOptions {
  name: string;
  /** Source address (127.0.0.x). */
  local: string;
  host: string;
  port: number;
  asn: number;
  holdTime: number;
}

export const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };

export function openMessage(asn: number, holdTime: number, bgpId: string): Uint8Array {
  const open: OpenMessage = {
    type: 'open', version: 4, myAs: asn <= 0xffff ? asn : 23456, holdTime, bgpId: parseIpv4(bgpId) ?? 0,
    capabilities: [{ code: 1, afi: 1, safi: 128 }, { code: 2 }, { code: 65, asn }],
  };
  return encodeMessage(open, CTX);
}

export class BgpPeer {
  readonly socket: net.Socket;
  /** Set once the session is Established (OPEN and KEEPALIVE received). */
  up = false;
  error: string | undefined;
  /** Raw bytes after Established; must return how many bytes it consumed (whole messages). */
  onData: ((buf: Buffer) => number) | undefined;
  readonly closed: Promise<void>;
  private pending: Buffer = Buffer.alloc(0);
  private gotOpen = false;
  private ka: NodeJS.Timeout | undefined;
  private onUp: (() => void) | undefined;

  private constructor(readonly opts: PeerOptions) {
    this.socket = net.connect({ host: opts.host, port: opts.port, localAddress: opts.local });
    this.socket.setNoDelay(true);
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => {
        if (this.ka) clearInterval(this.ka);
        if (!this.up && this.error === undefined) this.error = 'closed before Established';
        resolve();
      });
    });
    this.socket.on('error', (e) => {
      this.error ??= e.message;
    });
    this.socket.on('connect', () => this.socket.write(openMessage(opts.asn, opts.holdTime, opts.local)));
    this.socket.on('data', (chunk: Buffer) => this.data(chunk));
  }

  /** Connect and reach Established, retrying (the device may still be starting) until timeoutMs. */
  static async connect(opts: PeerOptions, timeoutMs: number): Promise<BgpPeer> {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      const p = new BgpPeer(opts);
      const ok = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), Math.max(100, Math.min(10_000, until - Date.now())));
        p.onUp = () => {
          clearTimeout(t);
          resolve(true);
        };
        void p.closed.then(() => {
          clearTimeout(t);
          resolve(false);
        });
      });
      if (ok) return p;
      last = p.error ?? 'no OPEN/KEEPALIVE in time';
      p.socket.destroy();
      await sleep(300);
    }
    throw new Error(`${opts.name}: no session with ${opts.host}:${opts.port} from ${opts.local}: ${last}`);
  }

  private data(chunk: Buffer): void {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.up) {
      const { messages, consumed, fault } = frame(buf);
      if (fault) {
        this.error = `bad header: ${fault.reason}`;
        this.socket.destroy();
        return;
      }
      let used = 0;
      for (const m of messages) {
        used += m.length;
        const d = decodeMessage(m, CTX).value;
        if (d?.type === 'open') {
          this.gotOpen = true;
          this.socket.write(encodeKeepalive());
          const hold = Math.min(d.holdTime || this.opts.holdTime, this.opts.holdTime);
          const every = hold > 0 ? Math.max(1000, (hold * 1000) / 3) : 30_000;
          this.ka = setInterval(() => this.socket.writable && this.socket.write(encodeKeepalive()), every);
          this.ka.unref();
        } else if (d?.type === 'keepalive' && this.gotOpen) {
          this.up = true;
          this.onUp?.();
          break;
        } else if (d?.type === 'notification') {
          this.error = `NOTIFICATION ${d.code}/${d.subcode} from the device`;
        }
      }
      void consumed;
      buf = buf.subarray(used);
      if (!this.up) {
        this.pending = Buffer.from(buf);
        return;
      }
    }
    const n = this.onData ? this.onData(buf) : skipWhole(buf);
    this.pending = n >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(n));
  }

  write(bytes: Uint8Array): boolean {
    return this.socket.write(bytes);
  }

  /** Resolves when everything written so far has been handed to the kernel. */
  drained(): Promise<void> {
    if (this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((r) => this.socket.once('drain', () => r()));
  }

  /** Cease / administrative shutdown, then close (bounded). */
  async close(): Promise<void> {
    if (this.ka) clearInterval(this.ka);
    if (!this.socket.destroyed) {
      this.socket.end(encodeNotification(6, 2));
      const t = setTimeout(() => this.socket.destroy(), 1000);
      await this.closed;
      clearTimeout(t);
    }
  }
}

/** Length of the whole messages at the front of buf (nothing parsed). */
export function skipWhole(buf: Buffer): number {
  let p = 0;
  while (buf.length - p >= 19) {
    const len = buf.readUInt16BE(p + 16);
    if (len < 19 || buf.length - p < len) break;
    p += len;
  }
  return p;
}
