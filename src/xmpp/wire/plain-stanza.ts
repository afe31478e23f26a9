/**
 * Fast path of the XMPP stream parser (stream-parser.ts) for one complete
 * stanza: the plain XML that agents actually send — ASCII names, quoted
 * attribute values, character data with the five predefined entities — is
 * turned into an XmlElement tree directly, in one pass, without saxes.
 *
 * It answers `undefined` for anything outside that subset, however legal
 * (character references, CDATA, non-ASCII names, whitespace characters in
 * attribute values that XML would normalise, carriage returns in text), and
 * for anything malformed; the caller then hands the very same characters to
 * saxes, which builds the tree or reports the error exactly as before. So
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

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  name(): string | undefined {
    const s = this.s;
    const from = this.i;
    if (from >= s.length || !isNameStart(s.charCodeAt(from))) return undefined;
    let j = from + 1;
    while (j < s.length && isNameChar(s.charCodeAt(j))) j++;
    this.i = j;
    return s.slice(from, j);
  }

  /** Skip whitespace; true when there was some. */
  space(): boolean {
    const from = this.i;
    while (this.i < this.s.length && isSpace(this.s.charCodeAt(this.i))) this.i++;
    return this.i > from;
  }

  /** Attributes up to the end of a start tag; the scanner stops on `>` or `/`. */
  attributes(): Record<string, string> | undefined {
    const attrs = Object.create(null) as Record<string, string>;
    for (;;) {
      const spaced = this.space();
      const c = this.s.charCodeAt(this.i);
      if (c === GT || c === SLASH) return attrs;
      if (!spaced) return undefined; // attributes must be separated by whitespace
      const name = this.name();
      if (name === undefined || name in attrs) return undefined;
      this.space();
      if (this.s.charCodeAt(this.i) !== EQ) return undefined;
      this.i++;
      this.space();
      const q = this.s.charCodeAt(this.i);
      if (q !== DQUOTE && q !== SQUOTE) return undefined;
      const end = this.s.indexOf(q === DQUOTE ? '"' : "'", this.i + 1);
      if (end < 0) return undefined;
      const raw = this.s.slice(this.i + 1, end);
      if (ATTR_ODD.test(raw)) return undefined;
      const value = decodeEntities(raw);
      if (value === undefined) return undefined;
      attrs[name] = value;
      this.i = end + 1;
    }
  }
}

/**
 * The tree of `text`, one complete stanza (from its `<` to its final `>`),
 * or undefined when saxes must decide.
 */
export function parsePlainStanza(text: string): XmlElement | undefined {
  const sc = new Scanner(text);
  const s = text;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (sc.i < s.length) {
    if (s.charCodeAt(sc.i) !== LT) {
      if (stack.length === 0) return undefined;
      const end = s.indexOf('<', sc.i);
      if (end < 0) return undefined;
      const raw = s.slice(sc.i, end);
      if (TEXT_ODD.test(raw)) return undefined;
      const t = decodeEntities(raw);
      if (t === undefined) return undefined;
      stack[stack.length - 1]!.children.push(t);
      sc.i = end;
      continue;
    }
    sc.i++;
    if (s.charCodeAt(sc.i) === SLASH) {
      sc.i++;
      const name = sc.name();
      const open = stack.pop();
      if (name === undefined || open === undefined || open.name !== name) return undefined;
      sc.space();
      if (s.charCodeAt(sc.i) !== GT) return undefined;
      sc.i++;
      if (stack.length === 0) return sc.i === s.length ? open : undefined;
      continue;
    }
    if (root !== undefined && stack.length === 0) return undefined;
    const name = sc.name();
    if (name === undefined) return undefined;
    const attrs = sc.attributes();
    if (attrs === undefined) return undefined;
    const el: XmlElement = { name, attrs, children: [] };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else root = el;
    if (s.charCodeAt(sc.i) === SLASH) {
      sc.i++;
      if (s.charCodeAt(sc.i) !== GT) return undefined;
      sc.i++;
      if (stack.length === 0) return sc.i === s.length ? el : undefined;
      continue;
    }
    sc.i++; // '>'
    stack.push(el);
  }
  return undefined;
}
