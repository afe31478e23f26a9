/**
 * What contrail-introspect-cli (vcheny/contrail-introspect-cli, ist.py) does
 * with a control node's introspect, restated for the tests (the tool
 * itself cannot be downloaded on the test machines):
 *
 * - `get(path)`: GET `http://host:port/<path>` (spaces as %20), fail on a
 *   non-2xx status, parse the text strictly; then, while the page has a
 *   `//next_batch` with text and a `link`, GET `Snh_<link>?x=<text>` and keep
 *   every page;
 * - `text(xpath)`: printText, the text of every match in every page;
 * - `table(xpath, columns)`: printTbl/dumpTbl, one row per match, each
 *   column the child's text, its list items joined by newlines, `n/a` when
 *   empty, `-` when absent; without columns, the first match's children.
 *
 * Beyond what lxml checks, `get` also refuses what would trip ist.py in
 * python 3: an XML declaration with an encoding (lxml rejects a str that
 * has one), non-ASCII bytes (requests decodes text/* without a charset as
 * Latin-1), and whitespace text between elements (ist.py takes a container's
 * `.text` for its value).
 */

import { DOMParser, type Document, type Element, type Node as XmlNode } from '@xmldom/xmldom';
import xpath from 'xpath';

/** xpath's types are the DOM's; xmldom's nodes are the same shape. */
function select<T>(expr: string, node: XmlNode): T[] {
  return xpath.select(expr, node as unknown as globalThis.Node) as unknown as T[];
}

export class Ist {
  readonly pages: Document[] = [];
  readonly urls: string[] = [];

  constructor(private readonly base: string) {}

  async get(path: string): Promise<this> {
    this.pages.length = 0;
    let next: string | undefined = path;
    while (next !== undefined) {
      const url = `${this.base}/${next.replace(/ /g, '%20')}`;
      this.urls.push(url);
      const res = await fetch(url);
      if (res.status < 200 || res.status > 299) throw new Error(`${url}: HTTP ${res.status}`);
      const doc = parseStrict(await res.text(), url);
      this.pages.push(doc);
      const batch = select<Element>('//next_batch', doc);
      const link = batch[0]?.getAttribute('link');
      next = batch[0]?.textContent && link ? `Snh_${link}?x=${batch[0].textContent}` : undefined;
    }
    return this;
  }

  nodes(expr: string): Element[] {
    return this.pages.flatMap((doc) => select<Element>(expr, doc));
  }

  text(expr: string): string[] {
    return this.nodes(expr).map((n) => n.textContent ?? '');
  }

  table(expr: string, columns: readonly string[] = []): string[][] {
    const items = this.nodes(expr);
    if (items.length === 0) return [];
    const fields = columns.length > 0 ? columns : children(items[0]!).map((c) => c.nodeName).filter((n) => n !== 'more');
    return items.map((entry) => fields.map((f) => cell(children(entry).find((c) => c.nodeName === f))));
  }
}

function children(e: Element): Element[] {
  return Array.from(e.childNodes as ArrayLike<XmlNode>).filter((n): n is Element => n.nodeType === 1);
}

function cell(f: Element | undefined): string {
  if (!f) return '-';
  if (children(f).length === 0) return f.textContent ? f.textContent : 'n/a';
  return select<XmlNode>('.//element/text()', f).map((t) => t.nodeValue).join('\n');
}

/** Parse as strictly as lxml does, and refuse what ist.py would stumble on. */
export function parseStrict(text: string, where: string): Document {
  if (/^<\?xml[^>]*encoding=/.test(text)) throw new Error(`${where}: XML declaration with an encoding`);
  if (/[^\x09\x0a\x0d\x20-\x7e]/.test(text)) throw new Error(`${where}: not pure ASCII`);
  if (/>\s+</.test(text)) throw new Error(`${where}: whitespace between elements`);
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void errors.push(`${level}: ${msg}`) }).parseFromString(text, 'text/xml');
  if (errors.length > 0) throw new Error(`${where}: ${errors.join('; ')}`);
  return doc;
}

/** ist.py's route time format, `%Y-%b-%d %H:%M:%S.%f`, read back to epoch ms. */
export function parseSandeshTime(s: string): number {
  const m = /^(\d{4})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})$/.exec(s);
  if (!m) throw new Error(`not a Sandesh time: ${s}`);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[2]!);
  return Date.UTC(+m[1]!, month, +m[3]!, +m[4]!, +m[5]!, +m[6]!, Math.floor(+m[7]! / 1000));
}

/** ist.py `ctr route show`'s request path (SnhShowRoute), from its arguments. */
export function showRoutePath(a: { table?: string; vrf?: string; prefix?: string; longer?: boolean; shorter?: boolean; source?: string; protocol?: string; family?: string } = {}): string {
  let prefix = a.prefix ?? '';
  let shorter = a.shorter ?? false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(prefix)) {
    prefix += '%2F32';
    shorter = true;
  }
  return `Snh_ShowRouteReq?routing_table=${a.table ?? ''}&routing_instance=${a.vrf ?? ''}&prefix=${prefix}` +
    `&longer_match=${a.longer ? '1' : ''}&shorter_match=${shorter ? '1' : ''}&count=` +
    `&start_routing_table=&start_routing_instance=&start_prefix=&source=${a.source ?? ''}&protocol=${a.protocol ?? ''}&family=${a.family ?? ''}`;
}
