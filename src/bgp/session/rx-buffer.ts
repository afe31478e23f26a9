/**
 * The receive buffer of one BGP connection: bytes accumulate at the tail and
 * are consumed from the head, so a burst of N bytes costs O(N) copying,
 * however it is split into TCP reads (no repeated concatenation).
 *
 * Bytes handed out by `pending()` are never overwritten afterwards: decoded
 * messages may keep views into them (RFC 4271 §4.1 framing happens on top,
 * in src/bgp/wire). New data goes after `end`, or into a fresh buffer.
 */

const MIN_CAPACITY = 16 * 1024;

export class RxBuffer {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** False while `buf` is a chunk adopted from the socket, which we must not write into. */
  private owned = false;

  /** Bytes received and not yet consumed. */
  get length(): number {
    return this.end - this.start;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.start === this.end) {
      // Nothing left over: use the socket's chunk as is, no copy.
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    if (this.owned && this.end + chunk.length <= this.buf.length) {
      this.buf.set(chunk, this.end);
      this.end += chunk.length;
      return;
    }
    const live = this.end - this.start;
    const next = new Uint8Array(Math.max(MIN_CAPACITY, 2 * (live + chunk.length)));
    next.set(this.buf.subarray(this.start, this.end), 0);
    next.set(chunk, live);
    this.buf = next;
    this.start = 0;
    this.end = live + chunk.length;
    this.owned = true;
  }

  /** A view of the unconsumed bytes. */
  pending(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  consume(n: number): void {
    this.start = Math.min(this.end, this.start + n);
  }

  clear(): void {
    this.buf = new Uint8Array(0);
    this.start = 0;
    this.end = 0;
    this.owned = false;
  }
}
