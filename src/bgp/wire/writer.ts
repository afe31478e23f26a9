/**
 * Growable big-endian byte writer for the BGP encoders.
 *
 * Values are written without validation beyond masking to the field width:
 * the encoders are only ever given values the decoders (or the RIB) built.
 */

export class Writer {
  private buf: Uint8Array;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial > 16 ? initial : 16);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  u24(v: number): void {
    this.ensure(3);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 16) & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = v & 0xff;
    this.pos = p + 3;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  u64(v: bigint): void {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    this.u32(Number(v & 0xffffffffn));
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Overwrite a 16-bit field written earlier (length back-patching). */
  patchU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  patchU8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }

  /** Move bytes [from, pos) to start at `to` (< from) and shrink accordingly. */
  shiftDown(from: number, to: number): void {
    this.buf.copyWithin(to, from, this.pos);
    this.pos -= from - to;
  }

  /**
   * Room for `n` more bytes: the buffer to write them into from `pos` on;
   * the caller advances `pos`. For encoders of many small fields (an NLRI)
   * that would otherwise check the room once per byte.
   */
  reserve(n: number): Uint8Array {
    this.ensure(n);
    return this.buf;
  }

  /** A copy of everything written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
