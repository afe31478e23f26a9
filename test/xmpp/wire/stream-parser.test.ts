import { describe, expect, test } from 'vitest';
import { XmppStreamParser } from '../../../src/xmpp/wire/stream-parser.js';
import { endsComplete } from '../../../src/xmpp/wire/utf8.js';
import type { XmppEvent } from '../../../src/xmpp/wire/stream-parser.js';
import { attr, child, findFirst, text } from '../../../src/xmpp/wire/xml.js';
import {
  AGENT_HEADER, BLUE, COLLECTION_B, ENTRY_B, KEEPALIVE_BYTES, PUBLISH_B, SUBSCRIBE_B, agentStream, normalize, parseAll,
  parseSplit, stanzas,
} from './fixtures.js';

function kinds(events: XmppEvent[]): string[] {
  return events.map((e) => (e.kind === 'stanza' ? `stanza:${e.el.name}` : e.kind));
}

function errorOf(events: XmppEvent[]): { condition: string; text: string } | undefined {
  const last = events[events.length - 1];
  return last?.kind === 'error' ? { condition: last.condition, text: last.text } : undefined;
}

describe('stream open and keepalives', () => {
  test('the Example A agent header opens the stream with all its attributes', () => {
    const events = parseAll(AGENT_HEADER);
    expect(events).toEqual([
      {
        kind: 'open',
        attrs: {
          from: 'compute-1', to: 'network-control@contrailsystems.com', version: '1.0', 'xml:lang': 'en',
          xmlns: '', 'xmlns:stream': 'http://etherx.jabber.org/streams',
        },
      },
    ]);
  });

  test('the 0xC8 0x80 keepalive after the header is a keepalive event', () => {
    const p = new XmppStreamParser();
    expect(kinds(p.feed(Buffer.from(AGENT_HEADER)))).toEqual(['open']);
    expect(kinds(p.feed(KEEPALIVE_BYTES))).toEqual(['keepalive']);
    expect(kinds(p.feed(Buffer.from(' \n\t\r')))).toEqual(['keepalive']);
  });

  test('the ASCII stanza after a keepalive is not sent through the streaming decoder, and reads the same', () => {
    const p = new XmppStreamParser();
    p.feed(Buffer.from(AGENT_HEADER));
    expect(kinds(p.feed(KEEPALIVE_BYTES))).toEqual(['keepalive']);
    const decoder = (p as unknown as { decoder: TextDecoder }).decoder;
    let calls = 0;
    const decode = decoder.decode.bind(decoder);
    decoder.decode = (input?: AllowSharedBufferSource, options?: TextDecodeOptions): string => {
      calls++;
      return decode(input, options);
    };
    const events = p.feed(Buffer.from(SUBSCRIBE_B));
    expect(kinds(events)).toEqual(['stanza:iq']);
    expect(calls).toBe(0);
    // Half a two-byte character at the end: that piece and the next go through the decoder, and the character is whole.
    const split = Buffer.from(`<iq type="set" id="é"/>`);
    const at = split.indexOf(0xc3) + 1;
    expect(p.feed(split.subarray(0, at))).toEqual([]);
    const done = p.feed(split.subarray(at));
    expect(calls).toBe(2);
    expect(done[0]?.kind === 'stanza' && attr(done[0].el, 'id')).toBe('é');
  });

  test.each([
    ['ASCII', [0x61], true],
    ['the keepalive C8 80', [0x20, 0xc8, 0x80], true],
    ['a lone lead byte', [0x61, 0xc8], false],
    ['a three-byte sequence short of one', [0xe2, 0x82], false],
    ['a whole three-byte sequence', [0xe2, 0x82, 0xac], true],
    ['a whole four-byte sequence', [0xf0, 0x9f, 0x98, 0x80], true],
    ['continuation bytes only', [0x80, 0x80], false],
    ['a continuation byte after ASCII (an error, no state)', [0x61, 0x80], false],
  ])('endsComplete: %s → %s', (_name, bytes, want) => {
    expect(endsComplete(Uint8Array.from(bytes))).toBe(want);
  });

  test('a keepalive split between its two bytes is reported once complete', () => {
    const p = new XmppStreamParser();
    p.feed(Buffer.from(AGENT_HEADER));
    expect(p.feed(KEEPALIVE_BYTES.subarray(0, 1))).toEqual([]);
    expect(kinds(p.feed(KEEPALIVE_BYTES.subarray(1)))).toEqual(['keepalive']);
  });

  test('keepalive runs before and between stanzas are reported in order', () => {
    const input = Buffer.concat([
      Buffer.from(AGENT_HEADER), Buffer.from('  \n'), KEEPALIVE_BYTES, Buffer.from(SUBSCRIBE_B),
      KEEPALIVE_BYTES, KEEPALIVE_BYTES, Buffer.from('\r\n'), Buffer.from(COLLECTION_B), Buffer.from('\n'),
    ]);
    expect(kinds(parseAll(input))).toEqual(['open', 'keepalive', 'stanza:iq', 'keepalive', 'stanza:iq', 'keepalive']);
  });

  test('a header with a single-quoted XML declaration, single quotes and another attribute order is accepted', () => {
    const header =
      "<?xml version='1.0' encoding='UTF-8'?>\n<stream:stream xmlns:stream='http://etherx.jabber.org/streams' " +
      "xmlns='jabber:client' to='network-control@contrailsystems.com' from='compute-9' version='1.0'>";
    const [open] = parseAll(header);
    expect(open).toEqual({
      kind: 'open',
      attrs: {
        'xmlns:stream': 'http://etherx.jabber.org/streams', xmlns: 'jabber:client',
        to: 'network-control@contrailsystems.com', from: 'compute-9', version: '1.0',
      },
    });
  });

  test('an XML declaration fed one character at a time before the header still opens the stream', () => {
    const input = Buffer.from(`<?xml version='1.0'?>${AGENT_HEADER}`);
    const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    expect(kinds(parseSplit(input, cuts))).toEqual(['open']);
  });

  test('whitespace and U+0200 before the header are skipped without events', () => {
    expect(kinds(parseAll(`\n \u0200<?xml version="1.0"?>\n${AGENT_HEADER}`))).toEqual(['open']);
  });

  test('an XML declaration before every stanza, as real agents print it, is skipped', () => {
    const decl = '<?xml version="1.0"?>\n';
    const events = parseAll(`${AGENT_HEADER}${decl}${SUBSCRIBE_B}${decl}${PUBLISH_B}`);
    expect(kinds(events)).toEqual(['open', 'keepalive', 'stanza:iq', 'keepalive', 'stanza:iq']);
  });

  test('</stream:stream> closes the stream, trailing whitespace included', () => {
    expect(kinds(parseAll(`${AGENT_HEADER}${SUBSCRIBE_B}</stream:stream >\n`))).toEqual(['open', 'stanza:iq', 'close']);
  });

  test('a self-closing stream header opens and closes at once', () => {
    expect(kinds(parseAll('<stream:stream from="a"/>'))).toEqual(['open', 'close']);
  });
});

describe('stanzas', () => {
  test('the Example B stanzas come out as iq elements with their tree', () => {
    const [sub, pub, coll] = stanzas(parseAll(`${AGENT_HEADER}${SUBSCRIBE_B}${PUBLISH_B}${COLLECTION_B}`));
    expect(sub?.attrs).toEqual({
      type: 'set', from: 'compute-1', to: 'network-control@contrailsystems.com/bgp-peer', id: 'subscribe0',
    });
    expect(text(findFirst(sub!, 'instance-id')!)).toBe('3');
    expect(attr(findFirst(pub!, 'publish')!, 'node')).toBe(`1/1/${BLUE}/10.1.1.3/32`);
    expect(text(findFirst(pub!, 'security-group')!)).toBe('8000002');
    expect(attr(findFirst(coll!, 'associate')!, 'node')).toBe(`1/1/${BLUE}/10.1.1.3/32`);
  });

  test('any depth-1 element is a stanza; the caller decides what to do with it', () => {
    const events = parseAll(`${AGENT_HEADER}<message to="x"/><presence/><stream:features><starttls/></stream:features>`);
    expect(kinds(events)).toEqual(['open', 'stanza:message', 'stanza:presence', 'stanza:stream:features']);
  });

  test('entities, character references and CDATA become text; > in attribute values is fine', () => {
    const [el] = stanzas(parseAll(`${AGENT_HEADER}<iq a="x>y&amp;&#65;"><b>&lt;&#x20AC;<![CDATA[<i>]]]]></b></iq>`));
    expect(el?.attrs['a']).toBe('x>y&A');
    expect(text(child(el!, 'b')!)).toBe('<€<i>]]');
  });

  test('an instance name with é and € split inside each multi-byte character parses identically', () => {
    const name = 'default-domain:démo:€blue';
    const input = Buffer.from(`${AGENT_HEADER}<iq type="set" to="x/bgp-peer"><pubsub><subscribe node="${name}"/></pubsub></iq>`);
    const eAt = input.indexOf(Buffer.from('é'));
    const euroAt = input.indexOf(Buffer.from('€'));
    for (const cut of [eAt + 1, euroAt + 1, euroAt + 2]) {
      const [el] = stanzas(parseSplit(input, [cut]));
      expect(attr(findFirst(el!, 'subscribe')!, 'node')).toBe(name);
    }
    const perByte = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    expect(parseSplit(input, perByte)).toEqual(parseAll(input));
  });

  test('the agent stream split at every byte offset gives the same events', () => {
    const input = agentStream();
    const whole = parseAll(input);
    expect(kinds(whole)).toEqual([
      'open', 'keepalive', 'stanza:iq', 'keepalive', 'stanza:iq', 'keepalive', 'stanza:iq', 'keepalive',
      'stanza:iq', 'stanza:iq', 'keepalive', 'close',
    ]);
    for (let cut = 1; cut < input.length; cut++) {
      expect(parseSplit(input, [cut])).toEqual(whole);
    }
  });

  test('the agent stream fed one byte at a time gives the same events', () => {
    const input = agentStream();
    const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    expect(parseSplit(input, cuts)).toEqual(parseAll(input));
  });

  test('a tiny slice size changes nothing', () => {
    const input = agentStream();
    expect(parseSplit(input, [], { sliceBytes: 3 })).toEqual(parseAll(input));
  });
});

describe('refusals', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>';

  test('a billion-laughs DOCTYPE before the header is restricted-xml', () => {
    expect(errorOf(parseAll(`${laughs}${AGENT_HEADER}<iq>&lol3;</iq>`))?.condition).toBe('restricted-xml');
  });

  test('a DOCTYPE or ENTITY declaration after the header is restricted-xml', () => {
    expect(errorOf(parseAll(`${AGENT_HEADER}<!DOCTYPE x>`))?.condition).toBe('restricted-xml');
    expect(errorOf(parseAll(`${AGENT_HEADER}<iq><!ENTITY a "b"></iq>`))?.condition).toBe('restricted-xml');
  });

  test('an undefined entity is an error event, not an exception', () => {
    const p = new XmppStreamParser();
    let events: XmppEvent[] = [];
    expect(() => {
      events = p.feed(Buffer.from(`${AGENT_HEADER}<iq to="x">&foo;</iq>`));
    }).not.toThrow();
    expect(errorOf(events)).toEqual({ condition: 'restricted-xml', text: 'undefined entity.' });
  });

  test('comments and processing instructions are refused inside and between stanzas', () => {
    for (const tail of ['<iq><!-- hi --></iq>', '<!-- hi -->', '<iq><?pi x?></iq>', '<?php x?>']) {
      expect(errorOf(parseAll(`${AGENT_HEADER}${tail}`))?.condition).toBe('restricted-xml');
    }
    expect(errorOf(parseAll(`<!-- hi -->${AGENT_HEADER}`))?.condition).toBe('restricted-xml');
  });

  test('nesting to depth 32 is accepted and depth 50 is a policy-violation', () => {
    const nest = (d: number) => '<a>'.repeat(d) + '</a>'.repeat(d);
    expect(kinds(parseAll(`${AGENT_HEADER}${nest(32)}`))).toEqual(['open', 'stanza:a']);
    expect(errorOf(parseAll(`${AGENT_HEADER}${nest(50)}`))?.condition).toBe('policy-violation');
  });

  test('a 2 MiB stanza is a policy-violation once 1 MiB has been seen, before the rest arrives', () => {
    const p = new XmppStreamParser();
    p.feed(Buffer.from(`${AGENT_HEADER}<iq><big>`));
    const events = p.feed(Buffer.alloc(1024 * 1024, 'x'));
    expect(errorOf(events)?.condition).toBe('policy-violation');
    expect(p.feed(Buffer.alloc(1024 * 1024, 'x'))).toEqual([]);
  });

  test('the stanza limit is exact: a stanza of maxStanzaBytes passes and one more byte fails', () => {
    const stanza = (n: number) => `<iq>${'€'.repeat(n)}</iq>`; // 9 + 3n bytes
    const limit = Buffer.byteLength(stanza(10));
    expect(kinds(parseAll(`${AGENT_HEADER}${stanza(10)}`, { maxStanzaBytes: limit }))).toEqual(['open', 'stanza:iq']);
    const over = parseAll(`${AGENT_HEADER}<iq>${'€'.repeat(10)}x</iq>`, { maxStanzaBytes: limit });
    expect(errorOf(over)?.condition).toBe('policy-violation');
  });

  test('an oversized stream header is a policy-violation', () => {
    const big = `<stream:stream from="${'a'.repeat(10_000)}">`;
    expect(errorOf(parseAll(big))?.condition).toBe('policy-violation');
  });

  test('a mismatched end tag <iq></message> is not-well-formed', () => {
    expect(errorOf(parseAll(`${AGENT_HEADER}<iq></message>`))?.condition).toBe('not-well-formed');
  });

  test('duplicate attributes and malformed tags are not-well-formed', () => {
    expect(errorOf(parseAll(`${AGENT_HEADER}<iq a="1" a="2"/>`))?.condition).toBe('not-well-formed');
    expect(errorOf(parseAll(`${AGENT_HEADER}< iq/>`))?.condition).toBe('not-well-formed');
    expect(errorOf(parseAll(`${AGENT_HEADER}</iq>`))?.condition).toBe('not-well-formed');
  });

  test('character data between stanzas is bad-format', () => {
    expect(errorOf(parseAll(`${AGENT_HEADER}${SUBSCRIBE_B}garbage`))?.condition).toBe('bad-format');
  });

  test('garbage before the header and a root other than stream:stream are bad-format', () => {
    expect(errorOf(parseAll(`hello${AGENT_HEADER}`))?.condition).toBe('bad-format');
    expect(errorOf(parseAll(`<iq type="set">`))?.condition).toBe('bad-format');
  });

  test('garbage after the stream is closed is not-well-formed', () => {
    const events = parseAll(`${AGENT_HEADER}</stream:stream>\n junk`);
    expect(kinds(events)).toEqual(['open', 'close', 'error']);
    expect(errorOf(events)?.condition).toBe('not-well-formed');
  });

  test('after an error the parser is dead and later feeds return nothing', () => {
    const p = new XmppStreamParser();
    expect(errorOf(p.feed(Buffer.from(`${AGENT_HEADER}<iq></x>`)))?.condition).toBe('not-well-formed');
    expect(p.dead).toBe(true);
    expect(p.feed(Buffer.from(SUBSCRIBE_B))).toEqual([]);
  });

  test('events before an error in the same feed are kept', () => {
    const events = parseAll(`${AGENT_HEADER}${SUBSCRIBE_B} <iq><!--x--></iq>`);
    expect(kinds(events)).toEqual(['open', 'stanza:iq', 'keepalive', 'error']);
  });

  test('limits must be positive integers', () => {
    expect(() => new XmppStreamParser({ maxDepth: 0 })).toThrow(RangeError);
  });
});

describe('speed', () => {
  /** An Example B publish padded with copies of its item up to about `targetBytes`. */
  function bigPublish(targetBytes: number): { bytes: Buffer; count: number } {
    const item = `<item>${ENTRY_B.replace(/>\s+</g, '><')}</item>`;
    const head = `<iq type="set" to="x/bgp-peer"><pubsub><publish node="n">`;
    const tail = '</publish></pubsub></iq>';
    const count = Math.floor((targetBytes - head.length - tail.length) / item.length);
    return { bytes: Buffer.from(head + item.repeat(count) + tail), count };
  }

  test('a 1 MiB stanza of route items parses correctly in 1 MiB and in 64 KiB chunks', () => {
    const { bytes, count } = bigPublish(1024 * 1024);
    expect(bytes.length).toBeLessThanOrEqual(1024 * 1024);
    for (const chunk of [1024 * 1024, 64 * 1024]) {
      const p = new XmppStreamParser();
      p.feed(Buffer.from(AGENT_HEADER));
      const events: XmppEvent[] = [];
      const t0 = performance.now();
      for (let off = 0; off < bytes.length; off += chunk) events.push(...p.feed(bytes.subarray(off, off + chunk)));
      const ms = performance.now() - t0;
      console.log(`1 MiB stanza (${count} items) in ${chunk / 1024} KiB chunks: ${ms.toFixed(1)} ms`);
      const [el] = stanzas(events);
      expect(findFirst(el!, 'publish')!.children).toHaveLength(count);
    }
  });

  test('many small stanzas in one big chunk parse to the same count', () => {
    const n = 10_000;
    const input = Buffer.from(AGENT_HEADER + `${COLLECTION_B}\n`.repeat(n));
    const t0 = performance.now();
    const events = normalize(new XmppStreamParser().feed(input));
    console.log(`${n} collection stanzas (${(input.length / 1e6).toFixed(1)} MB) in one chunk: ${(performance.now() - t0).toFixed(1)} ms`);
    expect(stanzas(events)).toHaveLength(n);
  });
});
