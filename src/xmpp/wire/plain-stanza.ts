/**
 * Fast path of the XMPP stream parser (stream-parser.ts) for one stanza:
 * the plain XML that agents actually send — ASCII names, quoted attribute
 * values, character data with the five predefined entities — is delimited
 * and turned into an XmlElement tree in one pass over its characters,
 * without the element lexer and without saxes. It is fed the stanza's
 * characters as they arrive (`scan` on the stream's text from an index, or
 * `feed` with pieces) and builds every complete tag and text run at once;
 * an unfinished tag or text run at the end of a feed is scanned again, whole,
 * with the next one (its characters are checked meanwhile where that can be
 * done without the rest: odd characters, entities already complete, a
 * malformed tag).
 *
 * It declines anything outside that subset, however legal (character
 * references, CDATA, comments and processing instructions, non-ASCII names,
 * whitespace characters in attribute values that XML would normalise,
 * carriage returns in text), anything malformed, and an element nested
 * deeper than `maxDepth`; the caller then hands the stanza's characters so
 * far to the element lexer and saxes, which go on with it and build the tree
 * or report the error exactly as before. It declines at the latest where the
 * lexer would refuse a character (`<!`, `<?`, too deep), so the lexer never
 * refuses one that this path already took. So what this accepts is a subset
 * of what saxes accepts, with the same tree (W3C XML 1.0 §2.3 names, §2.4
 * character data, §3.1 start and end tags, §4.6 predefined entities);
 * test/xmpp/wire/plain-stanza.test.ts compares the two on agent traffic and
 * on malformed input.
 *
 * Why: saxes cost about a third of the control node's CPU time with 2000
 * agents publishing (its per-character state machine), and a lexer pass plus
 * a builder pass over each stanza cost most of the rest of its input
 * decoding: this path visits each character once, checks each value in the
 * loop that finds its end (no regular expression), takes element and
 * attribute names of the agent vocabulary from a table instead of slicing
 * them, and gives attributes an object in fast mode (not a dictionary).
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
const AMP = 0x26;
const BANG = 0x21;
const QMARK = 0x3f;
const RBRACKET = 0x5d;

/** `scan`: every character was taken, the stanza is still open. */
export const SCAN_MORE = -1;
/** `scan`: the stanza is not plain (or is malformed): the lexer and saxes must take it from its start. */
export const SCAN_DECLINED = -2;

const ENTITY = /&([a-z]{2,4};)?/g;

/**
 * Attribute maps: no inherited keys (an attribute called `__proto__` or
 * `constructor` is just a key, as with `Object.create(null)`), but
 * `new Attrs()` objects keep V8's fast properties where `Object.create(null)`
 * makes a hash table.
 */
const Attrs = function Attrs(): void {} as unknown as new () => Record<string, string>;
Attrs.prototype = Object.create(null) as object;

/**
 * What an element without attributes, and one without children, holds:
 * one shared, frozen instance each instead of a fresh object and array per
 * element (most elements of an item have neither attributes nor, for the
 * empty ones, children: about 70 bytes less per element, ~40 elements per
 * published route). addChild replaces the empty array rather than pushing.
 */
const NO_ATTRS: Record<string, string> = Object.freeze(new Attrs());
const NO_CHILDREN: (XmlElement | string)[] = Object.freeze([]) as unknown as (XmlElement | string)[];

/**
 * Element and attribute names of agent stanzas, used instead of a slice of
 * the input when the name matches (no allocation, and the decoders compare
 * them with their literals by identity). Other names are sliced.
 */
const VOCABULARY = [
  'iq', 'message', 'type', 'from', 'to', 'id', 'xmlns', 'node', 'pubsub', 'publish', 'collection', 'associate',
  'dissociate', 'subscribe', 'unsubscribe', 'options', 'instance-id', 'no-ribout', 'item', 'entry', 'nlri', 'af',
  'safi', 'address', 'next-hops', 'next-hop', 'mac', 'label', 'vni', 'tunnel-encapsulation-list',
  'tunnel-encapsulation', 'virtual-network', 'tag-list', 'tag', 'local-sequence-number', 'version', 'mobility',
  'seqno', 'sticky', 'sequence-number', 'security-group-list', 'security-group', 'community-tag-list',
  'community-tag', 'local-preference', 'med', 'load-balance', 'load-balance-fields', 'load-balance-field-list',
  'load-balance-decision', 'sub-protocol', 'event', 'items', 'retract',
];

/**
 * The vocabulary as a trie walked while a name is scanned: TRIE[state·32 +
 * column] is the next state (0: not a vocabulary prefix, and state 0 leads
 * only to 0), ROOT the start, WORDS[state] the word ending there. A name is
 * a vocabulary word exactly when its walk ends on a state with a word: no
 * second pass over the name. Columns (NAME_COL): 1–26 `a`–`z`, 27 `-`, 28
 * any other name character (no word has one: always state 0), so a row is
 * 32 entries and the table stays small enough for the L1 cache.
 */
const ROOT = 1;
const OTHER_NAME_COL = 28;
function vocabularyColumn(c: number): number {
  if (c >= 0x61 && c <= 0x7a) return c - 0x60;
  return c === 0x2d ? 27 : OTHER_NAME_COL;
}
const { TRIE, WORDS } = (() => {
  const rows: number[][] = [[], []];
  const words: (string | undefined)[] = [undefined, undefined];
  for (const w of VOCABULARY) {
    let st = ROOT;
    for (let i = 0; i < w.length; i++) {
      const c = vocabularyColumn(w.charCodeAt(i));
      let next = rows[st]![c];
      if (next === undefined) {
        next = rows.length;
        rows.push([]);
        words.push(undefined);
        rows[st]![c] = next;
      }
      st = next;
    }
    words[st] = w;
  }
  const trie = new Uint16Array(rows.length * 32);
  rows.forEach((row, st) => row.forEach((next, c) => {
    if (c !== OTHER_NAME_COL) trie[st * 32 + c] = next; // a word with another character is never found
  }));
  return { TRIE: trie, WORDS: words };
})();

/** Whether `s` has `word` at `at` (a character loop: `startsWith` is a costly call on this path). */
function hasAt(s: string, at: number, word: string): boolean {
  const n = word.length;
  if (at + n > s.length) return false;
  for (let k = 0; k < n; k++) {
    if (s.charCodeAt(at + k) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** ASCII character classes: a table load instead of a chain of comparisons per character. */
const NAME_START = 1;
const NAME_CHAR = 2;
const SPACE = 4;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const start = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  const name = start || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
  const space = c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
  CLASS[c] = (start ? NAME_START : 0) | (name ? NAME_CHAR : 0) | (space ? SPACE : 0);
}

function isNameStart(c: number): boolean {
  return c < 128 && (CLASS[c]! & NAME_START) !== 0;
}

function isSpace(c: number): boolean {
  return c < 128 && (CLASS[c]! & SPACE) !== 0;
}

/** Surrogates and U+FFFE/U+FFFF: left to saxes (c ≥ 0xd800). */
function isOddHigh(c: number): boolean {
  return c <= 0xdfff || c === 0xfffe || c === 0xffff;
}

/** Per ASCII character: 0 if not a name character, else its trie column. */
const NAME_COL = new Uint8Array(128);
for (let c = 0; c < 128; c++) NAME_COL[c] = (CLASS[c]! & NAME_CHAR) !== 0 ? vocabularyColumn(c) : 0;

/** Set by `scanName`: the trie state the name's walk ended on. */
let nameState = 0;

/** The end of the name starting at `from` (a name start); its trie state in `nameState`. */
function scanName(s: string, from: number): number {
  const n = s.length;
  let st = ROOT;
  let i = from;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    const col = c < 128 ? NAME_COL[c]! : 0;
    if (col === 0) break;
    st = TRIE[(st << 5) | col]!;
  }
  nameState = st;
  return i;
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

/**
 * Unfinished text at the end of a feed: every entity known — but the last
 * one, while it may still become one (`&am`).
 */
function pendingEntitiesOk(raw: string): boolean {
  const amp = raw.lastIndexOf('&');
  const open = amp >= 0 && /^&[a-z]{0,4}$/.test(raw.slice(amp));
  return decodeEntities(open ? raw.slice(0, amp) : raw) !== undefined;
}

/**
 * Append a child. The first one replaces the empty array by a one-element
 * literal: a push would give every leaf element a 16-slot backing store.
 */
function addChild(parent: XmlElement, c: XmlElement | string): void {
  if (parent.children.length === 0) parent.children = [c];
  else parent.children.push(c);
}

/** Where a step of the scan stopped: index ≥ 0 to go on from, or MORE / DECLINED. */
const PENDING = -3;

/** Builds one stanza from its characters, fed in pieces; see the header. */
export class PlainStanzaBuilder {
  /** An unfinished tag or text run held from the previous feed. */
  private rest = '';
  /** Open elements: stack[0, depth). Kept between stanzas (no regrowth); cleared up to `high` on reset. */
  private readonly stack: (XmlElement | undefined)[] = [];
  private depth = 0;
  private high = 0;
  /** Per open element, its name's trie state if a vocabulary word, else 0 (for the end tag's comparison). */
  private readonly states: number[] = [];
  private root: XmlElement | undefined;
  private done = false;
  private declined = false;
  /** Set by `startTag` for `build`: the element it read, and whether it was `<x/>`. */
  private tagEl: XmlElement | undefined;
  private tagEmpty = false;
  private tagState = 0;

  constructor(private readonly maxDepth = Number.MAX_SAFE_INTEGER) {}

  /** Ready for the next stanza. */
  reset(): void {
    this.rest = '';
    for (let k = 0; k < this.high; k++) this.stack[k] = undefined; // hold no tree past its stanza
    this.depth = 0;
    this.high = 0;
    this.root = undefined;
    this.done = false;
    this.declined = false;
    this.tagEl = undefined;
  }

  /**
   * Take `s` from index `from`: the index just after the stanza's final `>`
   * once it is complete (then `finish()` gives its tree), SCAN_MORE when all
   * was taken, SCAN_DECLINED when the lexer and saxes must take over.
   */
  scan(s: string, from: number): number {
    if (this.declined) return SCAN_DECLINED;
    if (this.done) return from >= s.length && this.rest.length === 0 ? from : this.decline();
    const held = this.rest.length;
    // join, not +: a flat string (a cons string would cost every charCodeAt an indirection)
    const text = held === 0 ? s : [this.rest, from === 0 ? s : s.slice(from)].join('');
    const start = held === 0 ? from : 0;
    this.rest = '';
    const at = this.build(text, start);
    if (at === SCAN_DECLINED) return this.decline();
    if (at === SCAN_MORE) return SCAN_MORE;
    return held === 0 ? at : at - held + from;
  }

  /** The next characters of the stanza (all of them to be part of it); false once it declined. */
  feed(text: string): boolean {
    const at = this.scan(text, 0);
    if (at >= 0 && at < text.length) return this.decline() !== SCAN_DECLINED;
    return at !== SCAN_DECLINED;
  }

  /** The stanza ended (everything was fed): its tree, or undefined (saxes must decide). */
  finish(): XmlElement | undefined {
    return !this.declined && this.done && this.rest.length === 0 ? this.root : undefined;
  }

  private decline(): number {
    this.declined = true;
    this.rest = '';
    return SCAN_DECLINED;
  }

  /** Build from `s`; the index after the root's end, SCAN_MORE (the rest held) or SCAN_DECLINED. */
  private build(s: string, from: number): number {
    let i = from;
    while (i < s.length) {
      let next: number;
      if (s.charCodeAt(i) !== LT) next = this.textRun(s, i);
      else if (i + 1 >= s.length) next = PENDING;
      else if (s.charCodeAt(i + 1) === SLASH) next = this.endTag(s, i);
      else next = this.startTag(s, i);
      if (next === PENDING) {
        this.rest = s.slice(i);
        return SCAN_MORE;
      }
      if (next < 0) return SCAN_DECLINED;
      i = next;
      if (this.done) return i;
    }
    return SCAN_MORE;
  }

  /** Character data from `from` (not `<`) to the next `<`: appended to the open element. */
  private textRun(s: string, from: number): number {
    const top = this.depth > 0 ? this.stack[this.depth - 1] : undefined;
    if (top === undefined) return SCAN_DECLINED;
    const n = s.length;
    let amp = false;
    let j = from;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === LT) break;
      if (c < 0x20) {
        if (c !== 0x0a && c !== 0x09) return SCAN_DECLINED; // \r (line ends are normalised), controls
      } else if (c === AMP) {
        amp = true;
      } else if (c === RBRACKET) {
        if (s.startsWith(']]>', j)) return SCAN_DECLINED;
      } else if (c >= 0xd800 && isOddHigh(c)) {
        return SCAN_DECLINED;
      }
    }
    if (j === n) return amp && !pendingEntitiesOk(s.slice(from)) ? SCAN_DECLINED : PENDING;
    const raw = s.slice(from, j);
    const t = amp ? decodeEntities(raw) : raw;
    if (t === undefined) return SCAN_DECLINED;
    addChild(top, t);
    return j;
  }

  /** `</name S?>` closing the open element. */
  private endTag(s: string, from: number): number {
    const gt = s.indexOf('>', from + 2);
    if (gt < 0) return PENDING;
    if (this.depth === 0) return SCAN_DECLINED;
    const open = this.stack[--this.depth]!;
    const name = open.name;
    const state = this.states[this.depth]!;
    let i: number;
    if (state !== 0) {
      // a vocabulary word: the same walk ends on the same state
      i = scanName(s, from + 2);
      if (nameState !== state) return SCAN_DECLINED;
    } else {
      i = from + 2 + name.length;
      if (i > gt || !hasAt(s, from + 2, name)) return SCAN_DECLINED;
    }
    while (i < gt && isSpace(s.charCodeAt(i))) i++;
    if (i !== gt) return SCAN_DECLINED;
    if (this.depth === 0) this.done = true;
    return gt + 1;
  }

  /** A start tag `<name attrs…>` or `<name attrs…/>`: a new element, opened unless empty. */
  private startTag(s: string, from: number): number {
    const c = s.charCodeAt(from + 1);
    if (c === BANG || c === QMARK) return SCAN_DECLINED; // comment, CDATA, DOCTYPE, PI: the lexer's
    const depth = this.depth;
    if (depth >= this.maxDepth) return SCAN_DECLINED; // the lexer refuses it
    if (this.root !== undefined && depth === 0) return SCAN_DECLINED;
    const end = this.readTag(s, from);
    if (end < 0) return end;
    const el = this.tagEl!;
    this.tagEl = undefined;
    if (depth > 0) addChild(this.stack[depth - 1]!, el);
    else this.root = el;
    if (!this.tagEmpty) {
      this.stack[depth] = el;
      this.states[depth] = this.tagState;
      this.depth = depth + 1;
      if (depth >= this.high) this.high = depth + 1;
    } else if (depth === 0) {
      this.done = true;
    }
    return end;
  }

  /** Read the tag at `from` into `tagEl` / `tagEmpty`; the index after its `>`, PENDING or SCAN_DECLINED. */
  private readTag(s: string, from: number): number {
    const n = s.length;
    let i = from + 1;
    if (!isNameStart(s.charCodeAt(i))) return SCAN_DECLINED;
    i = scanName(s, i);
    if (i >= n) return PENDING;
    const word = WORDS[nameState];
    this.tagState = word === undefined ? 0 : nameState;
    const el: XmlElement = { name: word ?? s.slice(from + 1, i), attrs: NO_ATTRS, children: NO_CHILDREN };
    this.tagEl = el;
    let count = 0;
    for (;;) {
      const spaced = i;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i >= n) return PENDING;
      const c = s.charCodeAt(i);
      if (c === GT) {
        this.tagEmpty = false;
        return i + 1;
      }
      if (c === SLASH) {
        if (i + 1 >= n) return PENDING;
        this.tagEmpty = true;
        return s.charCodeAt(i + 1) === GT ? i + 2 : SCAN_DECLINED;
      }
      if (i === spaced || !isNameStart(c)) return SCAN_DECLINED; // attributes must be separated by whitespace
      if (count === 0) el.attrs = new Attrs();
      i = readAttribute(s, i, el.attrs, count++ > 0);
      if (i < 0) return i;
    }
  }
}

/** `name S? = S? "value"` from `from` into `attrs` (`more`: it has some already); the index after the closing quote, PENDING or SCAN_DECLINED. */
function readAttribute(s: string, from: number, attrs: Record<string, string>, more: boolean): number {
  const n = s.length;
  let i = scanName(s, from);
  const nameEnd = i;
  const word = WORDS[nameState];
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  if (i >= n) return PENDING;
  if (s.charCodeAt(i) !== EQ) return SCAN_DECLINED;
  i++;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  if (i >= n) return PENDING;
  const q = s.charCodeAt(i);
  if (q !== DQUOTE && q !== SQUOTE) return SCAN_DECLINED;
  const v0 = i + 1;
  let amp = false;
  for (i = v0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === q) break;
    // every control character (XML normalises \t \n \r in values), `<`, surrogates, U+FFFE/F
    if (c < 0x20 || c === LT || (c >= 0xd800 && isOddHigh(c))) return SCAN_DECLINED;
    if (c === AMP) amp = true;
  }
  if (i >= n) return PENDING;
  const raw = s.slice(v0, i);
  const value = amp ? decodeEntities(raw) : raw;
  if (value === undefined) return SCAN_DECLINED;
  const name = word ?? s.slice(from, nameEnd);
  if (more && attrs[name] !== undefined) return SCAN_DECLINED; // a duplicate
  attrs[name] = value;
  return i + 1;
}

/**
 * The tree of `text`, one complete stanza (from its `<` to its final `>`),
 * or undefined when saxes must decide.
 */
export function parsePlainStanza(text: string): XmlElement | undefined {
  const b = new PlainStanzaBuilder();
  return b.feed(text) ? b.finish() : undefined;
}
