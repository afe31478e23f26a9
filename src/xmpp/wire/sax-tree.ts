/**
 * saxes events → XmlElement trees, for the stream parser's slow path
 * (stream-parser.ts): the stream header, and every stanza the plain fast
 * path (plain-stanza.ts) declines. Pure (L0): no I/O, never throws.
 */
import type { XmlElement } from './xml.js';

/**
 * saxes events → XmlElement trees. The first element is the stream root (kept
 * aside, never closed); every later depth-1 element is a stanza, handed out by
 * `take()` once closed.
 */
export class TreeBuilder {
  root: XmlElement | undefined;
  private readonly stack: XmlElement[] = [];
  private done: XmlElement | undefined;
  private extra = false;

  open(name: string, attrs: Record<string, string>): void {
    const el: XmlElement = { name, attrs, children: [] };
    if (this.root === undefined) {
      this.root = el;
      return;
    }
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) top.children.push(el);
    else if (this.done !== undefined) this.extra = true;
    this.stack.push(el);
  }

  close(): void {
    const el = this.stack.pop();
    if (el === undefined || this.stack.length > 0) return;
    if (this.done !== undefined) this.extra = true;
    this.done = el;
  }

  text(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      if (t.length > 0) this.extra = true;
      return;
    }
    const kids = top.children;
    const last = kids[kids.length - 1];
    if (typeof last === 'string') kids[kids.length - 1] = last + t;
    else kids.push(t);
  }

  /** The stanza just completed, if exactly one element was completed. */
  take(): XmlElement | undefined {
    const el = this.done;
    const ok = !this.extra && this.stack.length === 0;
    this.done = undefined;
    this.extra = false;
    return ok ? el : undefined;
  }
}
