/**
 * The Sandesh XML writer: the bytes Contrail's introspect pages are made of,
 * written the way the Sandesh library's TXMLProtocol writes them (tf-sandesh
 * library/cpp/protocol/TXMLProtocol.cpp) so that parsers written against a
 * real control node read ours unchanged:
 *
 * - every field is `<name type="T" identifier="N" [attr="v" ...]>value</name>`,
 *   extra attributes (`link`, `link_title`, `key`, `aggtype`) after the two,
 *   sorted by name (a std::map in the C++ writer);
 * - a struct field wraps one `<StructName>`; a list field wraps
 *   `<list type="T" size="K">` holding `<element>` items or structs;
 * - no whitespace between elements (contrail-introspect-cli reads `.text`
 *   of container elements and would take whitespace for a value);
 * - a response is `<Name type="sandesh">fields<more type="bool"
 *   identifier="0">false</more></Name>`, preceded by the stylesheet
 *   processing instruction and no XML declaration: lxml refuses a Python
 *   str that carries an encoding declaration.
 *
 * Text is escaped like escapeXMLControlChars (& < > " ') and, beyond what
 * Sandesh does, every non-ASCII character is written as a character
 * reference and characters XML 1.0 forbids become U+FFFD, so the body is
 * pure ASCII whatever charset a client assumes.
 */

export type Scalar = 'string' | 'bool' | 'i16' | 'i32' | 'i64' | 'u16' | 'u32' | 'u64';

/** Extra attributes of a field: `link`, `link_title`, `key`, `aggtype`. */
export type Attrs = Readonly<Record<string, string>>;

/** The stylesheet reference every page starts with (universal_parse.xsl renders it in a browser). */
export const STYLESHEET = '<?xml-stylesheet type="text/xsl" href="/universal_parse.xsl"?>';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or attribute value, escaped to pure ASCII. */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const entity = ENTITIES[ch];
    if (entity !== undefined) out += entity;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code === 0x09 || code === 0x0a || code === 0x0d) out += `&#${code};`;
    else if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) out += '&#xFFFD;';
    else out += `&#x${code.toString(16).toUpperCase()};`;
  }
  return out;
}

function open(name: string, type: string, id: number, attrs?: Attrs): string {
  let tag = `<${name} type="${type}" identifier="${id}"`;
  if (attrs) for (const k of Object.keys(attrs).sort()) tag += ` ${k}="${escapeXml(attrs[k]!)}"`;
  return `${tag}>`;
}

/** A scalar field. Numbers are written in decimal; booleans as true/false. */
export function field(name: string, type: Scalar, id: number, value: string | number | bigint | boolean, attrs?: Attrs): string {
  const text = typeof value === 'string' ? escapeXml(value) : String(value);
  return `${open(name, type, id, attrs)}${text}</${name}>`;
}

export const str = (name: string, id: number, value: string | undefined, attrs?: Attrs): string =>
  field(name, 'string', id, value ?? '', attrs);
export const u32 = (name: string, id: number, value: number | undefined): string => field(name, 'u32', id, value ?? 0);
export const u64 = (name: string, id: number, value: number | bigint | undefined): string => field(name, 'u64', id, value ?? 0);
export const i32 = (name: string, id: number, value: number | undefined): string => field(name, 'i32', id, value ?? 0);
export const bool = (name: string, id: number, value: boolean | undefined): string => field(name, 'bool', id, value ?? false);

/** A struct field: `inner` is the struct's fields, already written. */
export function struct(name: string, id: number, structName: string, inner: string): string {
  return `${open(name, 'struct', id)}<${structName}>${inner}</${structName}></${name}>`;
}

/** A list<string> field. */
export function strList(name: string, id: number, values: readonly string[], attrs?: Attrs): string {
  const items = values.map((v) => `<element>${escapeXml(v)}</element>`).join('');
  return `${open(name, 'list', id, attrs)}<list type="string" size="${values.length}">${items}</list></${name}>`;
}

/** A list<Struct> field: each item is one struct's fields, already written. */
export function structList(name: string, id: number, structName: string, items: readonly string[], attrs?: Attrs): string {
  const body = items.map((inner) => `<${structName}>${inner}</${structName}>`).join('');
  return `${open(name, 'list', id, attrs)}<list type="struct" size="${items.length}">${body}</list></${name}>`;
}

/**
 * A sandesh: its fields, then `more`, the auto-generated field 0 of a
 * response; null for a sandesh without it (a UVE).
 */
export function sandesh(name: string, inner: string, more: boolean | null = false): string {
  const tail = more === null ? '' : bool('more', 0, more);
  return `<${name} type="sandesh">${inner}${tail}</${name}>`;
}

/** The optional `next_batch` field (identifier 2 in every paged response), present only when there is a next page. */
export function nextBatchXml(next: string | undefined, link: string): string {
  return next === undefined ? '' : str('next_batch', 2, next, { link, link_title: 'next_batch' });
}

/** A whole page: the stylesheet reference, then the body. */
export function page(body: string): string {
  return STYLESHEET + body;
}

/** Contrail's UTCUsecToString: `2024-Jan-05 10:11:12.123000`, UTC. */
export function sandeshTime(epochMs: number | undefined): string {
  if (epochMs === undefined) return '';
  const d = new Date(epochMs);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const month = MONTHS[d.getUTCMonth()]!;
  return `${d.getUTCFullYear()}-${month}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:` +
    `${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
