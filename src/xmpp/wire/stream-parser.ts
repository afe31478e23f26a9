/**
 * XMPP stream parser: raw TCP bytes in, stream events out. Never throws.
 *
 * Implements the receive side of contrail-control.md §1.2 (framing), §1.3
 * (stream header), §1.4 (whitespace / U+0200 keepalive) and §1.7 (close), as
 * a strict superset of what the reference control node accepts, hardened per
 * ecosystem.md §4.
 *
 * Pipeline, per `feed(chunk)`:
 *   1. the bytes are cut in `sliceBytes` pieces and decoded by one streaming
 *      UTF-8 decoder (splits inside a multi-byte sequence are carried over;
 *      invalid sequences become U+FFFD — they are not refused);
 *   2. between stanzas this module scans the text itself: whitespace and
 *      U+0200 runs are keepalives, `<?xml …?>` declarations are skipped (real
 *      agents print one before *every* stanza: pugixml `format_default` in
 *      the agent's controller_peer.cc), `</stream:stream>` closes the stream;
 *   3. a stanza goes to PlainStanzaBuilder (plain-stanza.ts), which
 *      delimits it and builds the tree of the plain XML agents send, in one
 *      pass over its characters. Once it declines (anything else, malformed
 *      or merely unusual, or too deep), or the stanza outgrows the size
 *      limit, the stanza starts over from its `<` on the old path: it is
 *      delimited by ElementLexer (element-lexer.ts), and saxes is given the
 *      characters held so far, then the rest, and its events build the
 *      XmlElement tree. saxes thus sees the document
 *      `<stream:stream …>` + (some) stanzas, never the gaps. A lexer fault or
 *      the size limit first hands saxes what was held, so errors are those
 *      saxes reports; one inside a tag or text run cut by the end of a feed
 *      shows once that tag or run is complete, or once the fast path sees
 *      that it is malformed.
 *
 * Decisions (RFC 6120 §11.1 "restricted XML"):
 *   - DOCTYPE, ENTITY declarations, comments, and processing instructions
 *     other than the XML declaration are REFUSED everywhere (restricted-xml);
 *     undefined entities too. CDATA is accepted inside stanzas only.
 *   - Character data between stanzas other than keepalive characters is
 *     bad-format; anything but keepalives after `</stream:stream>` is
 *     not-well-formed; a first element other than `stream:stream` is
 *     bad-format. Other saxes errors are not-well-formed.
 *   - Limits: a stanza may not exceed `maxStanzaBytes` counted from its `<`
 *     (the parser stops before handing more to saxes), elements may not nest
 *     deeper than `maxDepth` (the stanza element is depth 1), and markup held
 *     outside stanzas (stream header, XML declaration, closing tag) may not
 *     exceed `maxBufferedBytes` — all policy-violation. Nothing else is
 *     buffered, so memory held between feeds stays below
 *     max(maxStanzaBytes, maxBufferedBytes) plus a 3-byte decoder carry.
 *   - After an error event the parser is dead: further feeds return [].
 *
 * Determinism: the events are identical for any split of the byte stream,
 * except that keepalive runs are reported once per feed (so a split run may
 * yield two consecutive keepalive events). Every check fires at a definite
 * character: saxes is always given exactly the characters before the
 * refused one, so the first error is the same for any split.
 */
import { Buffer, isAscii } from 'node:buffer';
import { endsComplete } from './utf8.js';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { ElementLexer } from './element-lexer.js';
import { PlainStanzaBuilder, SCAN_DECLINED, SCAN_MORE } from './plain-stanza.js';
import { TreeBuilder } from './sax-tree.js';
import type { XmlElement } from './xml.js';

export type StreamErrorCondition =
  | 'bad-format'
  | 'restricted-xml'
  | 'policy-violation'
  | 'not-well-formed';

export type XmppEvent =
  | { kind: 'open'; attrs: Record<string, string> }
  | { kind: 'stanza'; el: XmlElement }
  | { kind: 'keepalive' }
  | { kind: 'close' }
  | { kind: 'error'; condition: StreamErrorCondition; text: string };

export interface XmppStreamLimits {
  /** Largest stanza, in bytes from its `<` to its final `>`. */
  maxStanzaBytes: number;
  /** Deepest element nesting inside a stanza (the stanza itself is 1). */
  maxDepth: number;
  /** Largest piece of markup held outside a stanza (header, declaration, close tag). */
  maxBufferedBytes: number;
  /** Work unit: bytes decoded and scanned before limits are re-checked. */
  sliceBytes: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<XmppStreamLimits> = Object.freeze({
  maxStanzaBytes: 1024 * 1024,
  maxDepth: 32,
  maxBufferedBytes: 8 * 1024,
  sliceBytes: 64 * 1024,
});

const enum Mode {
  /** Before the stream header: whitespace, XML declarations. */
  Prelude,
  /** Between stanzas. */
  Gap,
  /** Inside markup outside stanzas (`<?xml`, `</…>`, the header, or an undecided `<`). */
  Markup,
  Stanza,
  Closed,
  Dead,
}

type MarkupKind = 'undecided' | 'declaration' | 'end-tag' | 'header';

type SaxOptions = { xmlns: false; position: false };
const ABORT: unique symbol = Symbol('abort-saxes-write');
const XML_DECLARATION = /^<\?xml(?:[ \t\r\n][^]*)?\?>$/;
/** pugixml's declaration (`format_default`), before every stanza of a real agent. */
const AGENT_DECLARATION = '<?xml version="1.0"?>';
const STREAM_CLOSE = /^<\/stream:stream[ \t\r\n]*>$/;
const STREAM_ELEMENT = 'stream:stream';

/** Keepalive filler: XML whitespace and U+0200 (bytes 0xC8 0x80), §1.4. */
function isKeepaliveChar(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x200;
}

export class XmppStreamParser {
  private readonly limits: XmppStreamLimits;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  /** The decoder holds no bytes of an unfinished sequence. */
  private decoderClean = true;
  private readonly sax: SaxesParser<SaxOptions>;
  private readonly tree = new TreeBuilder();
  private mode = Mode.Prelude;
  private opened = false;
  private out: XmppEvent[] = [];
  private keepalivePending = false;
  private markup = '';
  private markupBytes = 0;
  private markupKind: MarkupKind = 'undecided';
  private headerLexer = new ElementLexer(1, true);
  private lexer: ElementLexer;
  private stanzaBytes = 0;
  /** The fast path, and whether it still has the current stanza. */
  private readonly plain: PlainStanzaBuilder;
  private fast = false;
  /** The current stanza's characters from earlier feeds while the fast path has it (for the lexer, should it decline). */
  private stanza: string[] = [];

  constructor(limits: Partial<XmppStreamLimits> = {}) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
    for (const [k, v] of Object.entries(this.limits)) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`XmppStreamParser: ${k} must be a positive integer`);
    }
    this.lexer = new ElementLexer(this.limits.maxDepth);
    this.plain = new PlainStanzaBuilder(this.limits.maxDepth);
    this.sax = this.makeSax();
  }

  /** True once an error event has been produced. */
  get dead(): boolean {
    return this.mode === Mode.Dead;
  }

  /** Feed raw bytes; returns the events they complete. Never throws. */
  feed(chunk: Uint8Array): XmppEvent[] {
    if (this.mode === Mode.Dead) return [];
    try {
      const step = this.limits.sliceBytes;
      for (let off = 0; off < chunk.length && !this.dead; off += step) {
        this.process(this.decode(chunk.subarray(off, off + step)));
      }
      this.flushKeepalive();
    } catch (e) {
      this.fail('not-well-formed', `internal parser error: ${e instanceof Error ? e.message : String(e)}`);
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  /**
   * UTF-8 → text. ASCII bytes with nothing held by the decoder are their own
   * text (a Latin-1 copy, several times cheaper than the decoder). The
   * decoder holds nothing once a piece ends on a complete sequence
   * (endsComplete): after an ASCII byte, and after Contrail's two-byte
   * keepalive (C8 80), which every agent sends, so that the publish that
   * follows it takes the fast path too (it went through the streaming
   * decoder: ~100 MB of the agents bench).
   */
  private decode(piece: Uint8Array): string {
    if (piece.length === 0) return '';
    let s: string;
    if (this.decoderClean && isAscii(piece)) {
      const bytes = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.length);
      s = bytes.toString('latin1');
    } else {
      s = this.decoder.decode(piece, { stream: true });
    }
    this.decoderClean = endsComplete(piece);
    return s;
  }

  private makeSax(): SaxesParser<SaxOptions> {
    const sax = new SaxesParser<SaxOptions>({ xmlns: false, position: false });
    sax.on('opentag', (tag: SaxesTagPlain) => this.tree.open(tag.name, tag.attributes));
    sax.on('closetag', () => this.tree.close());
    sax.on('text', (t: string) => this.tree.text(t));
    sax.on('cdata', (t: string) => this.tree.text(t));
    sax.on('error', (err: Error) => this.saxFailed(conditionOf(err.message), err.message));
    sax.on('comment', () => this.saxFailed('restricted-xml', 'comment'));
    sax.on('processinginstruction', () => this.saxFailed('restricted-xml', 'processing instruction'));
    sax.on('doctype', () => this.saxFailed('restricted-xml', 'DOCTYPE'));
    return sax;
  }

  private saxFailed(condition: StreamErrorCondition, text: string): never {
    this.fail(condition, text);
    throw ABORT;
  }

  private process(s: string): void {
    let i = 0;
    while (i < s.length) {
      switch (this.mode) {
        case Mode.Prelude:
        case Mode.Gap:
          i = this.scanOutside(s, i);
          break;
        case Mode.Markup:
          i = this.scanMarkup(s, i);
          break;
        case Mode.Stanza:
          i = this.scanStanza(s, i);
          break;
        case Mode.Closed:
          i = this.scanClosed(s, i);
          break;
        case Mode.Dead:
          return;
      }
    }
  }

  // ---- outside stanzas ------------------------------------------------------

  private scanOutside(s: string, from: number): number {
    for (let i = from; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (isKeepaliveChar(c)) {
        if (this.mode === Mode.Gap) this.keepalivePending = true;
        continue;
      }
      if (c === 0x3c /* < */) {
        this.mode = Mode.Markup;
        this.markupKind = 'undecided';
        this.markup = '<';
        this.markupBytes = 1;
        return i + 1;
      }
      const where = this.opened ? 'character data between stanzas' : 'data before the stream header';
      this.fail('bad-format', where);
      return s.length;
    }
    return s.length;
  }

  private scanMarkup(s: string, i: number): number {
    if (this.markupKind === 'undecided') return this.classifyMarkup(s, i);
    if (this.markupKind === 'header') return this.scanHeader(s, i);
    return this.scanUntil(s, i, this.markupKind === 'declaration' ? '?>' : '>');
  }

  /** The character after `<` tells what the markup is. */
  private classifyMarkup(s: string, i: number): number {
    const c = s.charCodeAt(i);
    if (c === 0x3f /* ? */ && i > 0 && s.startsWith(AGENT_DECLARATION, i - 1) && this.limits.maxBufferedBytes >= AGENT_DECLARATION.length) {
      // the declaration agents print before every stanza, whole in `s`: what scanUntil would conclude, at once
      this.mode = this.opened ? Mode.Gap : Mode.Prelude;
      return i - 1 + AGENT_DECLARATION.length;
    }
    if (c === 0x21 /* ! */) {
      this.fail('restricted-xml', 'DOCTYPE, ENTITY, comment or CDATA outside a stanza');
      return s.length;
    }
    if (c === 0x3f /* ? */) {
      this.markupKind = 'declaration';
    } else if (c === 0x2f /* / */) {
      this.markupKind = 'end-tag';
    } else if (!this.opened) {
      this.markupKind = 'header';
      this.headerLexer.scan('<', 0);
    } else {
      this.startStanza();
      if (i > 0 && s.charCodeAt(i - 1) === 0x3c) return i - 1; // the stanza's `<` is in `s`: scan it there
      return this.scanStanza('<', 0) === 1 ? i : s.length;
    }
    return i;
  }

  private appendMarkup(piece: string): boolean {
    this.markup += piece;
    this.markupBytes += Buffer.byteLength(piece, 'utf8');
    if (this.markupBytes <= this.limits.maxBufferedBytes) return true;
    this.fail('policy-violation', `markup outside a stanza longer than ${this.limits.maxBufferedBytes} bytes`);
    return false;
  }

  /** Accumulate a declaration or end tag until `terminator`. */
  private scanUntil(s: string, from: number, terminator: '?>' | '>'): number {
    let i = from;
    while (i < s.length) {
      const j = s.indexOf('>', i);
      const end = j < 0 ? s.length : j + 1;
      if (!this.appendMarkup(s.slice(i, end))) return s.length;
      i = end;
      if (j >= 0 && this.markup.endsWith(terminator)) {
        if (terminator === '>') this.completeEndTag();
        else this.completeDeclaration();
        return i;
      }
    }
    return i;
  }

  private completeDeclaration(): void {
    if (!XML_DECLARATION.test(this.markup)) {
      this.fail('restricted-xml', 'processing instruction outside a stanza');
      return;
    }
    this.mode = this.opened ? Mode.Gap : Mode.Prelude;
  }

  private completeEndTag(): void {
    if (!this.opened) {
      this.fail('not-well-formed', 'end tag before the stream header');
    } else if (!STREAM_CLOSE.test(this.markup)) {
      this.fail('not-well-formed', `unexpected end tag ${this.markup.slice(0, 64)}`);
    } else {
      this.flushKeepalive();
      this.out.push({ kind: 'close' });
      this.mode = Mode.Closed;
    }
  }

  private scanHeader(s: string, from: number): number {
    const step = this.headerLexer.scan(s, from);
    const end = step.kind === 'more' ? s.length : step.at;
    if (!this.appendMarkup(s.slice(from, end))) return s.length;
    if (step.kind === 'fault') this.fail(step.condition, step.text);
    else if (step.kind === 'end') this.completeHeader(step.selfClosing);
    return end;
  }

  private completeHeader(selfClosing: boolean): void {
    if (!this.feedSax(this.markup)) return;
    const root = this.tree.root;
    if (root === undefined || root.name !== STREAM_ELEMENT) {
      this.fail('bad-format', `expected <${STREAM_ELEMENT}>, got <${root?.name ?? '?'}>`);
      return;
    }
    this.opened = true;
    this.out.push({ kind: 'open', attrs: root.attrs });
    if (selfClosing) {
      this.out.push({ kind: 'close' });
      this.mode = Mode.Closed;
    } else {
      this.mode = Mode.Gap;
    }
  }

  private scanClosed(s: string, from: number): number {
    for (let i = from; i < s.length; i++) {
      if (!isKeepaliveChar(s.charCodeAt(i))) {
        this.fail('not-well-formed', 'data after the stream was closed');
        return s.length;
      }
    }
    return s.length;
  }

  // ---- stanzas --------------------------------------------------------------

  private startStanza(): void {
    this.flushKeepalive();
    this.mode = Mode.Stanza;
    this.stanzaBytes = 0;
    this.stanza = [];
    this.plain.reset();
    this.fast = true;
  }

  private scanStanza(s: string, from: number): number {
    return this.fast ? this.scanStanzaFast(s, from) : this.scanStanzaSlow(s, from);
  }

  /**
   * The fast path delimits and builds the stanza; the size limit is checked
   * on what it took (3 bytes per UTF-16 unit bound the UTF-8 size, so
   * stanzas far below the limit are not measured). Anything it declines, or
   * a stanza over the limit, goes back to the lexer and saxes from its start.
   */
  private scanStanzaFast(s: string, from: number): number {
    const at = this.plain.scan(s, from);
    if (at === SCAN_DECLINED) return this.declined(s, from);
    const stop = at === SCAN_MORE ? s.length : at;
    const budget = this.limits.maxStanzaBytes - this.stanzaBytes;
    if (3 * (stop - from) > budget) {
      const bytes = Buffer.byteLength(s.slice(from, stop), 'utf8');
      if (bytes > budget) return this.declined(s, from);
    }
    if (at === SCAN_MORE) {
      const region = from === 0 ? s : s.slice(from);
      this.stanza.push(region);
      this.stanzaBytes += Buffer.byteLength(region, 'utf8');
      return s.length;
    }
    const el = this.plain.finish();
    this.plain.reset(); // it holds nothing of this stanza until the next
    this.fast = false;
    this.stanza = [];
    if (el === undefined) return this.declined(s, from); // not reached: scan ended the stanza
    this.out.push({ kind: 'stanza', el });
    this.mode = Mode.Gap;
    return stop;
  }

  /**
   * The fast path declined the stanza: the lexer and saxes take it from its
   * start, as if they had had it all along (the fast path took nothing the
   * lexer refuses, so the held characters only open the stanza).
   */
  private declined(s: string, from: number): number {
    const held = this.stanza.length === 1 ? this.stanza[0]! : this.stanza.join('');
    this.plain.reset();
    this.fast = false;
    this.stanza = [];
    this.lexer = new ElementLexer(this.limits.maxDepth);
    this.stanzaBytes = 0;
    if (held.length > 0) this.scanStanzaSlow(held, 0);
    return this.mode === Mode.Stanza ? this.scanStanzaSlow(s, from) : from;
  }

  /** Hand the next region of a stanza to saxes, enforcing the limits first. */
  private scanStanzaSlow(s: string, from: number): number {
    const step = this.lexer.scan(s, from);
    const stop = step.kind === 'more' ? s.length : step.at;
    const region = from === 0 && stop === s.length ? s : s.slice(from, stop);
    const budget = this.limits.maxStanzaBytes - this.stanzaBytes;
    const bytes = Buffer.byteLength(region, 'utf8');
    if (bytes > budget) {
      this.feedSax(region.slice(0, utf8PrefixFitting(region, budget)));
      this.fail('policy-violation', `stanza larger than ${this.limits.maxStanzaBytes} bytes`);
      return s.length;
    }
    this.stanzaBytes += bytes;
    if (region.length > 0 && !this.feedSax(region)) return s.length;
    if (step.kind === 'fault') {
      // saxes first sees what came before the refused character.
      if (!this.dead) this.fail(step.condition, step.text);
      return s.length;
    }
    if (step.kind === 'end') this.completeStanza();
    return stop;
  }

  private completeStanza(): void {
    const el = this.tree.take();
    if (el === undefined) {
      this.fail('not-well-formed', 'stanza framing mismatch');
      return;
    }
    this.out.push({ kind: 'stanza', el });
    this.mode = Mode.Gap;
  }

  // ---- plumbing -------------------------------------------------------------

  private feedSax(text: string): boolean {
    if (this.mode === Mode.Dead) return false;
    if (text.length === 0) return true;
    try {
      this.sax.write(text);
    } catch (e) {
      if (e !== ABORT) this.fail('not-well-formed', e instanceof Error ? e.message : String(e));
    }
    return !this.dead;
  }

  private flushKeepalive(): void {
    if (!this.keepalivePending) return;
    this.keepalivePending = false;
    this.out.push({ kind: 'keepalive' });
  }

  private fail(condition: StreamErrorCondition, text: string): void {
    if (this.mode === Mode.Dead) return;
    this.flushKeepalive();
    this.out.push({ kind: 'error', condition, text });
    this.mode = Mode.Dead;
    this.markup = '';
    this.stanza = [];
    this.fast = false;
  }
}

/** saxes reports undefined entities as a plain error; RFC 6120 calls that restricted XML. */
function conditionOf(message: string): StreamErrorCondition {
  return message.includes('undefined entity') ? 'restricted-xml' : 'not-well-formed';
}

/** Number of leading UTF-16 units of `s` whose UTF-8 encoding fits in `budget` bytes. */
function utf8PrefixFitting(s: string, budget: number): number {
  let used = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (used + size > budget) break;
    used += size;
    i += pair ? 2 : 1;
  }
  return i;
}
