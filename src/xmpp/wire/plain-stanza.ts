/**
 * Fast path of the XMPP stream parser (stream-parser.ts) for one stanza:
 * the plain XML that agents actually send — ASCII names, quoted attribute
 * values, character data with the five predefined entities — is turned into
 * an XmlElement tree directly, in one pass, without saxes. It is fed the
 * stanza's characters as they arrive and builds every complete tag and text
 * run at once; only an unfinished tag or text run at the end of a feed
 * waits for the next (its characters are checked meanwhile where that can
 * be done without the rest: odd characters, entities already complete).
 *
 * It declines anything outside that subset, however legal
 * (character references, CDATA, non-ASCII names, whitespace characters in
 * attribute values that XML would normalise, carriage returns in text), and
 * anything malformed; the caller then hands the stanza's characters so far
 * to saxes, which goes on with it and builds the tree or reports the error
 * exactly as before (an error inside a tag or text run cut by the end of a
 * feed shows once that tag or run is complete). So
 * what this accepts is a subset of what saxes accepts, with the same tree
 * (W3C XML 1.0 §2.3 names, §2.4 character data, §3.1 start and end tags,
 * §4.6 predefined entities); test/xmpp/wire/plain-stanza.test.ts compares
 * the two on agent traffic and on malformed input.
 *
 * Why: saxes cost about a third of the control node's CPU time with 2000
 * agents publishing (its per-character state machine); this path scans with
 * indexOf and slices.
 *
 * Pure (L0): no I/O, never throws.
 */

import type { XmlElement } from './xml.js';

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** Characters this path leaves to saxes in character data (\r: line-end normalisation; controls; surrogates, U+FFFE/F). */
const TEXT_ODD = /[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]|\]\]>/;
/** In attribute values: every control character (XML normalises \t \n \r there), `<`, surrogates, U+FFFE/F. */
const ATTR_ODD = /[\x00-\x1f<\ud800-\udfff\ufffe\uffff]/;
const ENTITY = /&([a-z]{2,4};)?/g;

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` decoded; undefined for any other `&`. */
function decodeEntities(raw: string): string | undefined {
  if (raw.indexOf('&') < 0) return raw;
  let ok = true;
  const out = raw.replace(ENTITY, (_m, name: string | undefined) => {
    switch (name) {
      case 'amp;':
        return '&';
      case 'lt;':
        return '<';
      case 'gt;':
        return '>';
      case 'quot;':
        return '"';
      case 'apos;':
        return "'";
      default:
        ok = false;
        return '';
    }
  });
  return ok ? out : undefined;
}

/** Index of the `>` closing the tag that starts at `from` (`<`), quotes skipped; -1 while incomplete. */
function tagEnd(s: string, from: number): number {
  let i = from + 1;
  for (;;) {
    const gt = s.indexOf('>', i);
    if (gt < 0) return -1;
    let q = -1;
    for (let j = i; j < gt; j++) {
      const c = s.charCodeAt(j);
      if (c === DQUOTE || c === SQUOTE) {
        q = j;
        break;
      }
    }
    if (q < 0) return gt;
    const close = s.indexOf(s[q]!, q + 1);
    if (close < 0) return -1;
    i = close + 1;
  }
}

/** A complete start tag `<name attrs…>` or `<name attrs…/>` (s[from] is `<`, s[end] is `>`). */
function startTag(s: string, from: number, end: number): { el: XmlElement; empty: boolean } | undefined {
  let i = from + 1;
  if (i >= end || !isNameStart(s.charCodeAt(i))) return undefined;
  while (i < end && isNameChar(s.charCodeAt(i))) i++;
  const name = s.slice(from + 1, i);
  const attrs = Object.create(null) as Record<string, string>;
  for (;;) {
    const spaced = i;
    while (i < end && isSpace(s.charCodeAt(i))) i++;
    if (i === end) return { el: { name, attrs, children: [] }, empty: false };
    if (s.charCodeAt(i) === SLASH) return i + 1 === end ? { el: { name, attrs, children: [] }, empty: true } : undefined;
    if (i === spaced || !isNameStart(s.charCodeAt(i))) return undefined; // attributes must be separated by whitespace
    const n0 = i;
    while (i < end && isNameChar(s.charCodeAt(i))) i++;
    const an = s.slice(n0, i);
    if (an in attrs) return undefined;
    while (i < end && isSpace(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== EQ) return undefined;
    i++;
    while (i < end && isSpace(s.charCodeAt(i))) i++;
    const q = s.charCodeAt(i);
    if (q !== DQUOTE && q !== SQUOTE) return undefined;
    const close = s.indexOf(q === DQUOTE ? '"' : "'", i + 1);
    if (close < 0 || close >= end) return undefined;
    const raw = s.slice(i + 1, close);
    if (ATTR_ODD.test(raw)) return undefined;
    const value = decodeEntities(raw);
    if (value === undefined) return undefined;
    attrs[an] = value;
    i = close + 1;
  }
}

/** The name of a complete end tag `</name S?>`, or undefined. */
function endTagName(s: string, from: number, end: number): string | undefined {
  let i = from + 2;
  if (i >= end || !isNameStart(s.charCodeAt(i))) return undefined;
  while (i < end && isNameChar(s.charCodeAt(i))) i++;
  const name = s.slice(from + 2, i);
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i === end ? name : undefined;
}

/** Builds one stanza from its characters, fed in pieces; see the header. */
export class PlainStanzaBuilder {
  private rest = '';
  private readonly stack: XmlElement[] = [];
  private root: XmlElement | undefined;
  private done = false;
  private declined = false;

  /** The next characters of the stanza; false once it declined (saxes must take over). */
  feed(text: string): boolean {
    if (this.declined) return false;
    const s = this.rest.length === 0 ? text : this.rest + text;
    this.rest = '';
    const at = this.build(s);
    if (at < 0) {
      this.declined = true;
      return false;
    }
    this.rest = at < s.length ? s.slice(at) : '';
    return true;
  }

  /** The stanza ended (everything was fed): its tree, or undefined (saxes must decide). */
  finish(): XmlElement | undefined {
    return !this.declined && this.done && this.rest.length === 0 ? this.root : undefined;
  }

  /** Build from `s`; the index of the first unfinished character, or -1 to decline. */
  private build(s: string): number {
    const stack = this.stack;
    let i = 0;
    while (i < s.length) {
      if (this.done) return -1;
      if (s.charCodeAt(i) !== LT) {
        if (stack.length === 0) return -1;
        const end = s.indexOf('<', i);
        if (end < 0) return pendingTextOk(s, i) ? i : -1;
        const raw = s.slice(i, end);
        if (TEXT_ODD.test(raw)) return -1;
        const t = decodeEntities(raw);
        if (t === undefined) return -1;
        stack[stack.length - 1]!.children.push(t);
        i = end;
        continue;
      }
      const end = tagEnd(s, i);
      if (end < 0) return i;
      if (s.charCodeAt(i + 1) === SLASH) {
        const open = stack.pop();
        if (open === undefined || endTagName(s, i, end) !== open.name) return -1;
        if (stack.length === 0) this.done = true;
      } else {
        const tag = startTag(s, i, end);
        if (tag === undefined || (this.root !== undefined && stack.length === 0)) return -1;
        if (stack.length > 0) stack[stack.length - 1]!.children.push(tag.el);
        else this.root = tag.el;
        if (!tag.empty) stack.push(tag.el);
        else if (stack.length === 0) this.done = true;
      }
      i = end + 1;
    }
    return i;
  }
}

/**
 * Unfinished text at the end of a feed: no odd character, and every entity
 * known — but the last one, while it may still become one (`&am`).
 */
function pendingTextOk(s: string, from: number): boolean {
  const raw = s.slice(from);
  if (TEXT_ODD.test(raw)) return false;
  const amp = raw.lastIndexOf('&');
  const open = amp >= 0 && /^&[a-z]{0,4}$/.test(raw.slice(amp));
  return decodeEntities(open ? raw.slice(0, amp) : raw) !== undefined;
}

/**
 * The tree of `text`, one complete stanza (from its `<` to its final `>`),
 * or undefined when saxes must decide.
 */
export function parsePlainStanza(text: string): XmlElement | undefined {
  const b = new PlainStanzaBuilder();
  return b.feed(text) ? b.finish() : undefined;
}
