/**
 * Incremental element-boundary lexer (XMPP framing, contrail-control.md §1.2).
 *
 * Role: find where one depth-1 stanza (or, in `tagOnly` mode, one start tag
 * such as the stream header) ends, across arbitrary chunk splits, without
 * buffering and in linear time. It understands just enough XML to track
 * nesting: start / end / empty-element tags, quoted attribute values (which
 * may contain `>`), and CDATA sections. Well-formedness proper is left to
 * saxes, which sees exactly the same characters; this lexer only decides
 * *where a stanza ends* so that nothing between stanzas ever reaches saxes.
 *
 * It also enforces two of the hardening rules early, before the characters
 * are handed to saxes (ecosystem.md §4):
 *   - nesting deeper than `maxDepth` ⇒ policy-violation (RFC 6120 §4.9.3.16);
 *   - comments, processing instructions and `<!DOCTYPE`/`<!ENTITY` inside a
 *     stanza ⇒ restricted-xml (RFC 6120 §11.1). CDATA is allowed.
 *
 * The lexer starts in text state; callers hand it text that begins with `<`.
 */

export type LexFault = { condition: 'restricted-xml' | 'policy-violation'; text: string };

export type LexStep =
  /** Everything handed in was consumed; the element is still open. */
  | { kind: 'more' }
  /** The element (or start tag) ends just before index `at`. */
  | { kind: 'end'; at: number; selfClosing: boolean }
  /** The character at index `at` is refused; nothing from `at` on is consumed. */
  | ({ kind: 'fault'; at: number } & LexFault);

const enum St {
  Text,
  Lt,
  StartTag,
  Quoted,
  EndTag,
  Bang,
  Cdata,
}

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QMARK = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const RBRACKET = 0x5d;
const DASH = 0x2d;
const CDATA_OPEN = '[CDATA[';
const MORE: LexStep = { kind: 'more' };

export class ElementLexer {
  private state = St.Text;
  private depth = 0;
  private quote = '"';
  private slash = false;
  private bangMatched = 0;
  private brackets = 0;

  constructor(
    private readonly maxDepth: number,
    private readonly tagOnly = false,
  ) {}

  /** Scan `s` from index `from`; see LexStep. Never throws. */
  scan(s: string, from: number): LexStep {
    let i = from;
    const n = s.length;
    while (i < n) {
      switch (this.state) {
        case St.Text: {
          const j = s.indexOf('<', i);
          if (j < 0) return MORE;
          i = j + 1;
          this.state = St.Lt;
          break;
        }
        case St.Lt: {
          const r = this.afterLt(s, i);
          if (typeof r !== 'number') return r;
          i = r;
          break;
        }
        case St.StartTag: {
          const r = this.inStartTag(s, i);
          if (typeof r !== 'number') return r;
          i = r;
          break;
        }
        case St.Quoted: {
          const j = s.indexOf(this.quote, i);
          if (j < 0) return MORE;
          i = j + 1;
          this.state = St.StartTag;
          break;
        }
        case St.EndTag: {
          const j = s.indexOf('>', i);
          if (j < 0) return MORE;
          i = j + 1;
          this.depth--;
          if (this.depth <= 0) return { kind: 'end', at: i, selfClosing: false };
          this.state = St.Text;
          break;
        }
        case St.Bang: {
          const r = this.inBang(s, i);
          if (typeof r !== 'number') return r;
          i = r;
          break;
        }
        case St.Cdata:
          i = this.inCdata(s, i);
          break;
      }
    }
    return MORE;
  }

  /** Just after `<`: decide between end tag, `<!…`, PI and start tag. */
  private afterLt(s: string, i: number): number | LexStep {
    const c = s.charCodeAt(i);
    if (c === SLASH) {
      this.state = St.EndTag;
      return i + 1;
    }
    if (c === BANG) {
      this.state = St.Bang;
      this.bangMatched = 0;
      return i + 1;
    }
    if (c === QMARK) {
      return fault(i, 'restricted-xml', 'processing instruction inside a stanza');
    }
    if (this.depth >= this.maxDepth) {
      return fault(i, 'policy-violation', `elements nested deeper than ${this.maxDepth}`);
    }
    this.depth++;
    this.slash = false;
    this.state = St.StartTag;
    return i; // the name is consumed by the start-tag loop
  }

  /** Inside a start tag: look for a quote or the closing `>`. */
  private inStartTag(s: string, from: number): number | LexStep {
    const n = s.length;
    for (let i = from; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === DQUOTE || c === SQUOTE) {
        this.quote = c === DQUOTE ? '"' : "'";
        this.state = St.Quoted;
        this.slash = false;
        return i + 1;
      }
      if (c === GT) {
        const selfClosing = this.slash;
        if (selfClosing) this.depth--;
        if (this.tagOnly || this.depth === 0) return { kind: 'end', at: i + 1, selfClosing };
        this.state = St.Text;
        return i + 1;
      }
      this.slash = c === SLASH;
    }
    return n;
  }

  /** After `<!`: only `<![CDATA[` is acceptable. */
  private inBang(s: string, i: number): number | LexStep {
    if (s[i] !== CDATA_OPEN[this.bangMatched]) {
      const what =
        this.bangMatched === 0 && s.charCodeAt(i) === DASH
          ? 'comment inside a stanza'
          : 'markup declaration (DOCTYPE / ENTITY) inside a stanza';
      return fault(i, 'restricted-xml', what);
    }
    this.bangMatched++;
    if (this.bangMatched === CDATA_OPEN.length) {
      this.state = St.Cdata;
      this.brackets = 0;
    }
    return i + 1;
  }

  /** Inside CDATA: look for `]]>`, possibly split across chunks. */
  private inCdata(s: string, from: number): number {
    const n = s.length;
    let i = from;
    while (i < n) {
      if (this.brackets === 0) {
        const j = s.indexOf(']', i);
        if (j < 0) return n;
        i = j;
      }
      const c = s.charCodeAt(i++);
      if (c === RBRACKET) {
        this.brackets++;
      } else if (c === GT && this.brackets >= 2) {
        this.state = St.Text;
        return i;
      } else {
        this.brackets = 0;
      }
    }
    return n;
  }
}

function fault(at: number, condition: LexFault['condition'], text: string): LexStep {
  return { kind: 'fault', at, condition, text };
}
