/**
 * Bounds-checked big-endian byte reader for the BGP decoders.
 *
 * A read past the end never throws: it returns 0 (or an empty view), moves
 * the position to the end and sets `overrun`. Decoders read a whole field
 * group and check `overrun` once, which keeps the hot path free of
 * per-byte branches and closures (RFC 7606 §3: malformed input becomes a
 * fault, never an exception).
 */

export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  /** Set once any read went past `end`. */
  overrun = false;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end < pos ? pos : end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private fail(): 0 {
    this.overrun = true;
    this.pos = this.end;
    return 0;
  }

  u8(): number {
    if (this.pos + 1 > this.end) return this.fail();
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) return this.fail();
    this.pos = p + 2;
    return ((this.buf[p] as number) << 8) | (this.buf[p + 1] as number);
  }

  u24(): number {
    const p = this.pos;
    if (p + 3 > this.end) return this.fail();
    this.pos = p + 3;
    const b = this.buf;
    return ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
  }

  u32(): number {
    const p = this.pos;
    if (p + 4 > this.end) return this.fail();
    this.pos = p + 4;
    const b = this.buf;
    return (
      (((b[p] as number) << 24) |
        ((b[p + 1] as number) << 16) |
        ((b[p + 2] as number) << 8) |
        (b[p + 3] as number)) >>>
      0
    );
  }

  /** Eight bytes as an unsigned 64-bit bigint (RDs, extended communities). */
  u64(): bigint {
    if (this.pos + 8 > this.end) {
      this.fail();
      return 0n;
    }
    const hi = this.u32();
    const lo = this.u32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A view (no copy) of the next n bytes; empty on overrun. */
  view(n: number): Uint8Array {
    const p = this.pos;
    if (n < 0 || p + n > this.end) {
      this.fail();
      return new Uint8Array(0);
    }
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /** A copy of the next n bytes, safe to keep after the input buffer is reused. */
  copy(n: number): Uint8Array {
    return this.view(n).slice();
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      this.fail();
      return;
    }
    this.pos += n;
  }

  /**
   * A reader over the next n bytes; this reader moves past them. When fewer
   * than n bytes remain both readers are marked overrun.
   */
  sub(n: number): Reader {
    const p = this.pos;
    if (n < 0 || p + n > this.end) {
      this.fail();
      const r = new Reader(this.buf, this.end, this.end);
      r.overrun = true;
      return r;
    }
    this.pos = p + n;
    return new Reader(this.buf, p, p + n);
  }

  /** The bytes from the current position to the end, as a copy. */
  rest(): Uint8Array {
    return this.copy(this.remaining);
  }
}
