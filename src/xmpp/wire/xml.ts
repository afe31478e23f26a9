/**
 * XML element model for the XMPP wire layer.
 *
 * Role: the tiny immutable-by-convention tree that the stream parser
 * (stream-parser.ts) produces for every depth-1 stanza, and a handful of
 * lookup helpers used by the pubsub decoders. No namespace processing is
 * done (contrail-control.md §2.1: the CN does not check `xmlns`), so names
 * are kept verbatim, prefixes included (`stream:features`).
 *
 * `attrs` objects have a null prototype (an attribute called `__proto__` is
 * just a key). Text children are kept as strings; adjacent text and CDATA
 * runs are merged by the builder, so a tree never holds two strings in a row.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

/** First direct child element called `name`. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  // Indexed loops here and below: for-of made an iterator result per child
  // (~150 MB in the agents bench, where every item field is looked up so).
  const kids = el.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c !== 'string' && c.name === name) return c;
  }
  return undefined;
}

/** Direct child elements, optionally only those called `name`. */
export function children(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  const kids = el.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c !== 'string' && (name === undefined || c.name === name)) out.push(c);
  }
  return out;
}

/** First direct child element, if any. */
export function firstElement(el: XmlElement): XmlElement | undefined {
  const kids = el.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c !== 'string') return c;
  }
  return undefined;
}

/** Concatenated direct text content (CDATA included), verbatim. */
export function text(el: XmlElement): string {
  const kids = el.children;
  // The common leaf: one text child, returned as it is.
  if (kids.length === 1 && typeof kids[0] === 'string') return kids[0];
  let s = '';
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c === 'string') s += c;
  }
  return s;
}

/** Attribute value, or undefined when absent. */
export function attr(el: XmlElement, name: string): string | undefined {
  return Object.hasOwn(el.attrs, name) ? el.attrs[name] : undefined;
}

/**
 * First descendant element called `name` in document order, `el` itself
 * excluded (pugixml `find_node` semantics, which the reference uses to look
 * up `<pubsub>`, `<options>`, `<associate>` ...). Iterative: no recursion
 * depth issue even on hand-built trees.
 */
export function findFirst(el: XmlElement, name: string): XmlElement | undefined {
  // One stack for every call (nothing here calls back into findFirst), emptied
  // before returning so it keeps no tree alive: no array per lookup (a few
  // per published route).
  const stack = SCRATCH;
  pushChildrenReversed(stack, el);
  let found: XmlElement | undefined;
  for (let cur = stack.pop(); cur !== undefined; cur = stack.pop()) {
    if (cur.name === name) {
      found = cur;
      break;
    }
    pushChildrenReversed(stack, cur);
  }
  stack.length = 0;
  return found;
}

const SCRATCH: XmlElement[] = [];

function pushChildrenReversed(stack: XmlElement[], el: XmlElement): void {
  for (let i = el.children.length - 1; i >= 0; i--) {
    const c = el.children[i];
    if (c !== undefined && typeof c !== 'string') stack.push(c);
  }
}

/** Convenience constructor, mostly for tests and builders of expected trees. */
export function element(
  name: string,
  attrs: Record<string, string> = {},
  kids: (XmlElement | string)[] = [],
): XmlElement {
  return { name, attrs, children: kids };
}
