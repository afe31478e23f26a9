/**
 * The stream parser's fast path (parsePlainStanza) against saxes: on agent
 * traffic it must build the very tree saxes builds, and on anything it is
 * not sure of it must answer undefined (the parser then asks saxes), never a
 * different tree.
 */
import fc from 'fast-check';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { describe, expect, test } from 'vitest';
import { PlainStanzaBuilder, SCAN_DECLINED, SCAN_MORE, parsePlainStanza } from '../../../src/xmpp/wire/plain-stanza.js';
import { XmppStreamParser } from '../../../src/xmpp/wire/stream-parser.js';
import { publishInet, subscribeIq, withdrawInet, agentEndOfRib } from '../../../src/xmpp/wire/agent-builders.js';
import type { XmlElement } from '../../../src/xmpp/wire/xml.js';
import { realAgentPublish, realConfigSubscribe } from '../../support/real-agent.js';
import { BLUE, COLLECTION_B, COLLECTION_E, PUBLISH_B, PUBLISH_E, SUBSCRIBE_B } from './fixtures.js';

/** The tree saxes builds for one stanza inside a stream root (as stream-parser.ts feeds it); undefined on an error. */
function saxesTree(stanza: string): XmlElement | undefined {
  const sax = new SaxesParser({ xmlns: false, position: false });
  const stack: XmlElement[] = [];
  let done: XmlElement | undefined;
  let failed = false;
  sax.on('opentag', (tag: SaxesTagPlain) => {
    const el: XmlElement = { name: tag.name, attrs: tag.attributes as Record<string, string>, children: [] };
    if (stack.length > 1) stack[stack.length - 1]!.children.push(el);
    stack.push(el);
  });
  sax.on('closetag', () => {
    const el = stack.pop()!;
    if (stack.length === 1) done = el;
  });
  const text = (t: string): void => {
    const kids = stack[stack.length - 1]!.children;
    const last = kids[kids.length - 1];
    if (typeof last === 'string') kids[kids.length - 1] = last + t;
    else kids.push(t);
  };
  sax.on('text', (t: string) => stack.length > 1 && text(t));
  sax.on('cdata', (t: string) => stack.length > 1 && text(t));
  sax.on('error', () => {
    failed = true;
  });
  sax.write('<stream:stream xmlns="jabber:client">');
  sax.write(stanza);
  return failed ? undefined : done;
}

/** Each top-level element of a document string (the XML declarations between them dropped). */
function splitStanzas(doc: string): string[] {
  return doc.replace(/<\?xml[^?]*\?>\s*/g, '').split(/(?<=<\/iq>)\s*/).map((s) => s.trim()).filter(Boolean);
}

const route = { prefix: '10.1.1.3/32', nextHop: '192.0.2.1', label: 38, virtualNetwork: BLUE, securityGroups: [8000001], communities: ['64512:1'] };
const AGENT_TRAFFIC = [
  SUBSCRIBE_B, PUBLISH_B, COLLECTION_B, PUBLISH_E, COLLECTION_E,
  ...splitStanzas(realAgentPublish({ agent: 'compute-1', seq: 4, instance: BLUE, route: { ...route, tags: [65543, 0x80010001], localSequenceNumber: 7, sequenceNumber: 5 } })),
  ...splitStanzas(realConfigSubscribe('compute-1')),
  ...splitStanzas(subscribeIq({ agent: 'compute-1', id: 'subscribe1', instance: BLUE, instanceId: 1 })),
  ...splitStanzas(publishInet({ agent: 'compute-1', seq: 7, instance: BLUE, route })),
  ...splitStanzas(withdrawInet({ agent: 'compute-1', seq: 8, instance: BLUE, prefix: '10.1.1.3/32' })),
  ...splitStanzas(agentEndOfRib({ agent: 'compute-1', seq: 9 })),
];

describe('plain stanza fast path', () => {
  test('every agent stanza of the fixtures takes the fast path and gives the tree saxes gives', () => {
    expect(AGENT_TRAFFIC.length).toBeGreaterThan(10);
    for (const s of AGENT_TRAFFIC) {
      const fast = parsePlainStanza(s);
      expect(fast, s.slice(0, 120)).toBeDefined();
      expect(fast).toEqual(saxesTree(s));
    }
  });

  test('entities, a > in an attribute, single quotes, spaces around = and a self-closing root decode as saxes decodes them', () => {
    for (const s of [
      `<iq a='x &amp; y' b = "1 &lt; 2 &gt; 0">a &quot;b&quot; &apos;c&apos; &amp;amp;</iq>`,
      '<iq x="a>b"><q/><r  z="1"  /></iq >',
      '<iq/>',
      '<iq>\n\t <a>é €</a>\n</iq>',
    ]) {
      const fast = parsePlainStanza(s);
      expect(fast, s).toBeDefined();
      expect(fast).toEqual(saxesTree(s));
    }
  });

  test('legal forms it leaves to saxes (character references, CDATA, CR, tabs in attributes, non-ASCII names, astral characters) answer undefined', () => {
    for (const s of ['<iq>&#65;</iq>', '<iq>\u{1F600}</iq>', '<iq><![CDATA[x]]></iq>', '<iq>a\r\nb</iq>', '<iq a="x\ty"/>', '<iq><é/></iq>']) {
      expect(saxesTree(s), s).toBeDefined();
      expect(parsePlainStanza(s), s).toBeUndefined();
    }
  });

  test('malformed stanzas answer undefined, so saxes reports them', () => {
    for (const s of [
      '<iq></message>', '<iq a="1"b="2"/>', '<iq a="1" a="2"/>', '<iq>&bogus;</iq>', '<iq>a & b</iq>', '<iq>]]></iq>',
      '<iq a="<"/>', '<iq a=1/>', '<iq><a></iq>', '<iq/ >', '<1iq/>', '<iq>\u0001</iq>', '<iq a="\uffff"/>',
    ]) {
      expect(saxesTree(s), s).toBeUndefined();
      expect(parsePlainStanza(s), s).toBeUndefined();
    }
  });

  test('a stanza fed in two pieces, cut at every offset, gives the tree it gives in one piece', () => {
    const s = splitStanzas(publishInet({ agent: 'compute-1', seq: 7, instance: BLUE, route: { ...route, prefix: '10.0.0.1/32' } }))[0]!;
    const whole = parsePlainStanza(s);
    expect(whole).toBeDefined();
    for (let cut = 1; cut < s.length; cut++) {
      const b = new PlainStanzaBuilder();
      expect(b.feed(s.slice(0, cut)) && b.feed(s.slice(cut))).toBe(true);
      expect(b.finish()).toEqual(whole);
    }
  });

  test('a stanza that is not finished yet still reports a mismatched end tag or an unknown entity in the same feed', () => {
    for (const bad of ['<iq><oops></iq>', '<iq><a>x &bogus; y']) {
      const p = new XmppStreamParser();
      expect(p.feed(Buffer.from('<stream:stream xmlns="jabber:client">'))).toHaveLength(1);
      const events = p.feed(Buffer.from(bad));
      expect(events.map((e) => e.kind), bad).toEqual(['error']);
    }
  });

  test('attributes called __proto__ and constructor are own keys, as saxes makes them', () => {
    const s = '<iq __proto__="a" constructor="b" toString="c"><x hasOwnProperty="d"/></iq>';
    const fast = parsePlainStanza(s)!;
    expect(fast).toEqual(saxesTree(s));
    expect(Object.keys(fast.attrs)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.hasOwn(fast.attrs, '__proto__')).toBe(true);
    expect(fast.attrs['__proto__']).toBe('a');
    expect(Object.getPrototypeOf(Object.getPrototypeOf(fast.attrs))).toBeNull();
  });

  test('scan ends at the stanza end in a longer text, takes a split one in pieces, and declines past maxDepth', () => {
    const s = splitStanzas(publishInet({ agent: 'compute-1', seq: 7, instance: BLUE, route }))[0]!;
    const text = `xx${s}<iq/>`;
    const b = new PlainStanzaBuilder(32);
    expect(b.scan(text, 2)).toBe(2 + s.length);
    expect(b.finish()).toEqual(saxesTree(s));
    b.reset();
    expect(b.scan(text.slice(0, 40), 2)).toBe(SCAN_MORE);
    expect(b.scan(text, 40)).toBe(2 + s.length);
    expect(b.finish()).toEqual(saxesTree(s));
    const deep = new PlainStanzaBuilder(3);
    expect(deep.scan('<a><b><c></c></b></a>', 0)).toBe(21);
    deep.reset();
    expect(deep.scan('<a><b><c><d/></c></b></a>', 0)).toBe(SCAN_DECLINED);
  });

  test('random stanzas, well-formed or with one character changed, give the saxes tree or undefined, never another tree', () => {
    const name = fc.constantFrom('iq', 'item', 'entry', 'next-hop', 'a', 'x:y', 'vni');
    const textUnit = fc.constantFrom('a', ' ', '\n', '&amp;', '&lt;', 'é', '>', ']', '\t', '&#65;', '"');
    const value = fc.string({ unit: fc.constantFrom('v', ' ', '>', '&quot;', "'", '&amp;', 'é'), maxLength: 6 });
    const el: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
      el: fc.tuple(name, fc.uniqueArray(fc.constantFrom('id', 'to', 'node'), { maxLength: 2 }), value,
        fc.array(fc.oneof({ depthSize: 'small' }, fc.string({ unit: textUnit, maxLength: 5 }), tie('el')), { maxLength: 4 }))
        .map(([n, keys, v, kids]) => {
          const attrs = keys.map((k) => ` ${k}="${v}"`).join('');
          return kids.length === 0 ? `<${n}${attrs}/>` : `<${n}${attrs}>${kids.join('')}</${n}>`;
        }),
    })).el;
    const mutated = el.chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }),
      fc.constantFrom('<', '>', '/', '"', '=', ' ', '&', 'b', '!', '?', '\r', '\u0001', '-')));
    let fastCount = 0;
    fc.assert(fc.property(mutated, fc.boolean(), ([s, at, c], mutate) => {
      const text = mutate ? s.slice(0, at) + c + s.slice(at + 1) : s;
      const fast = parsePlainStanza(text);
      const slow = saxesTree(text);
      if (fast !== undefined) {
        fastCount++;
        expect(fast).toEqual(slow);
      }
      if (slow === undefined) expect(fast).toBeUndefined();
    }), { numRuns: 2000 });
    expect(fastCount).toBeGreaterThan(200);
  });
});
