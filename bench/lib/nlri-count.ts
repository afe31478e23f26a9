/**
 * The sinks' route counter: walks received BGP messages by their length
 * fields only, and in each UPDATE only the MP_REACH_NLRI / MP_UNREACH_NLRI
 * attributes for IPv4-VPN (1/128). No object is built per route.
 *
 * Two ways to know which route an NLRI is, both exact (a re-announcement is
 * counted as a duplicate, not as a new route; a withdrawal of a route not
 * held is counted as `missing`):
 *  - 'bitmap' (the BGP benchmark): every injected prefix is unique
 *    (10.0.0.0 + i, a /32), so the route is i and one byte per route says
 *    whether the sink holds it;
 *  - 'set' (the XMPP gateway): the same prefix comes with different RDs
 *    (ECMP from two agents), so the key is RD + prefix as a string.
 *
 * Labels in MP_REACH are walked to the bottom-of-stack bit; a withdrawal
 * carries one label field whatever its value (RFC 8277 §2.4).
 */

export type CountMode = 'bitmap' | 'set';

export class RouteCounter {
  holding = 0;
  reach = 0;
  unreach = 0;
  dups = 0;
  missing = 0;
  foreign = 0;
  updates = 0;
  eor = 0;
  messages = 0;
  bytes = 0;
  notification: string | undefined;
  private readonly held: Uint8Array;
  private readonly keys = new Set<string>();

  constructor(
    readonly mode: CountMode,
    readonly size: number,
    private readonly base = 0x0a000000,
  ) {
    this.held = new Uint8Array(mode === 'bitmap' ? size : 0);
  }

  /** Walk the whole messages at the front of buf; returns the bytes consumed. */
  consume(buf: Buffer): number {
    let p = 0;
    const n = buf.length;
    while (n - p >= 19) {
      const len = (buf[p + 16]! << 8) | buf[p + 17]!;
      if (len < 19 || len > 65535) {
        this.notification ??= `bad message length ${len}`;
        return n;
      }
      if (n - p < len) break;
      const type = buf[p + 18]!;
      this.messages++;
      if (type === 2) this.update(buf, p, p + len);
      else if (type === 3) this.notification = `NOTIFICATION ${buf[p + 19]}/${buf[p + 20]} from the device`;
      p += len;
    }
    this.bytes += p;
    return p;
  }

  private update(buf: Buffer, start: number, end: number): void {
    this.updates++;
    const wlen = (buf[start + 19]! << 8) | buf[start + 20]!;
    let q = start + 21 + wlen;
    const alen = (buf[q]! << 8) | buf[q + 1]!;
    q += 2;
    const aend = Math.min(end, q + alen);
    while (q + 3 <= aend) {
      const flags = buf[q]!;
      const type = buf[q + 1]!;
      let ln: number;
      let v: number;
      if (flags & 0x10) {
        ln = (buf[q + 2]! << 8) | buf[q + 3]!;
        v = q + 4;
      } else {
        ln = buf[q + 2]!;
        v = q + 3;
      }
      if ((type === 14 || type === 15) && ln >= 3 && buf[v] === 0 && buf[v + 1] === 1 && buf[v + 2] === 128) {
        if (type === 14) this.nlri(buf, v + 4 + buf[v + 3]! + 1, v + ln, true);
        else if (ln === 3) this.eor++;
        else this.nlri(buf, v + 3, v + ln, false);
      }
      q = v + ln;
    }
  }

  private nlri(buf: Buffer, s: number, e: number, reach: boolean): void {
    while (s < e) {
      const bits = buf[s]!;
      const next = s + 1 + ((bits + 7) >> 3);
      let t = s + 1;
      if (reach) {
        // labels until bottom of stack
        while (t + 3 <= next && (buf[t + 2]! & 1) === 0) t += 3;
        t += 3;
      } else {
        t += 3;
      }
      const pbits = bits - (t - s - 1) * 8 - 64;
      this.route(buf, t, pbits, reach);
      s = next;
    }
  }

  private route(buf: Buffer, rdAt: number, pbits: number, reach: boolean): void {
    if (reach) this.reach++;
    else this.unreach++;
    if (this.mode === 'bitmap') {
      if (pbits !== 32) {
        this.foreign++;
        return;
      }
      const i = buf.readUInt32BE(rdAt + 8) - this.base;
      if (i < 0 || i >= this.size) {
        this.foreign++;
        return;
      }
      const h = this.held[i]!;
      if (reach) {
        if (h) this.dups++;
        else {
          this.held[i] = 1;
          this.holding++;
        }
      } else if (h) {
        this.held[i] = 0;
        this.holding--;
      } else this.missing++;
      return;
    }
    const key = buf.toString('latin1', rdAt, rdAt + 8 + ((Math.max(0, pbits) + 7) >> 3)) + String.fromCharCode(pbits);
    if (reach) {
      if (this.keys.has(key)) this.dups++;
      else {
        this.keys.add(key);
        this.holding++;
      }
    } else if (this.keys.delete(key)) this.holding--;
    else this.missing++;
  }

  stats(): Record<string, number | string | undefined> {
    return {
      holding: this.holding, reach: this.reach, unreach: this.unreach, dups: this.dups, missing: this.missing,
      foreign: this.foreign, updates: this.updates, eor: this.eor, messages: this.messages, bytes: this.bytes,
      notification: this.notification,
    };
  }
}
