import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { XmppStreamParser } from '../../../src/xmpp/wire/stream-parser.js';
import type { XmppStreamLimits } from '../../../src/xmpp/wire/stream-parser.js';
import { AGENT_HEADER, COLLECTION_B, PUBLISH_E, SUBSCRIBE_B, normalize, parseAll, parseSplit, stanzas } from './fixtures.js';

/** Sorted distinct cut offsets inside [1, len-1]. */
function cutsFor(len: number): fc.Arbitrary<number[]> {
  if (len < 2) return fc.constant([]);
  return fc
    .uniqueArray(fc.integer({ min: 1, max: len - 1 }), { maxLength: Math.min(24, len - 1) })
    .map((xs) => xs.sort((a, b) => a - b));
}

function withCuts(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<[Uint8Array, number[]]> {
  return bytes.chain((b) => cutsFor(b.length).map((cuts): [Uint8Array, number[]] => [b, cuts]));
}

const nameChar = fc.constantFrom('a', 'b', 'z', '-', ':', '.', 'é', '€', '𝄞', '0');
const name = fc.tuple(fc.constantFrom('a', 'x', 'é'), fc.string({ unit: nameChar, maxLength: 6 })).map(([h, t]) => h + t);
const textUnit = fc.constantFrom('a', ' ', '\n', 'é', '€', '𝄞', '&amp;', '&lt;', '&#x20AC;', '>', '\u0200');
const attrValue = fc.string({ unit: fc.constantFrom('v', ' ', '>', '€', '&quot;', "'"), maxLength: 8 });

/** Random well-formed elements up to depth 4. */
const elementXml: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc
    .tuple(
      name,
      fc.array(fc.tuple(fc.constantFrom('id', 'to', 'node', 'x:y'), attrValue), { maxLength: 3 }),
      fc.array(fc.oneof({ depthSize: 'small' }, fc.string({ unit: textUnit, maxLength: 6 }), tie('el')), { maxLength: 4 }),
    )
    .map(([n, attrs, kids]) => {
      const uniq = [...new Map(attrs).entries()].map(([k, v]) => ` ${k}="${v}"`).join('');
      return kids.length === 0 ? `<${n}${uniq}/>` : `<${n}${uniq}>${kids.join('')}</${n}>`;
    }),
})).el;

const gap = fc.constantFrom('', ' ', '\n', '\u0200', '\u0200\u0200', '<?xml version="1.0"?>\n', '\r\n\t');
const streamText = fc
  .tuple(
    fc.constantFrom('', '<?xml version="1.0"?>', "<?xml version='1.0'?>\n"),
    fc.array(fc.tuple(gap, fc.oneof(elementXml, fc.constantFrom(SUBSCRIBE_B, COLLECTION_B, PUBLISH_E))), { maxLength: 6 }),
    fc.constantFrom('', '</stream:stream>', ' </stream:stream>\n'),
  )
  .map(([decl, body, close]) => decl + AGENT_HEADER + body.map(([g, el]) => g + el).join('') + close);

describe('stream parser properties', () => {
  test('random bytes fed in random pieces never throw', () => {
    fc.assert(
      fc.property(withCuts(fc.uint8Array({ maxLength: 300 })), ([bytes, cuts]) => {
        const p = new XmppStreamParser();
        let prev = 0;
        for (const c of [...cuts, bytes.length]) {
          p.feed(bytes.subarray(prev, c));
          prev = c;
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('random bytes after a valid header give the same events for any split', () => {
    const afterHeader = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from(AGENT_HEADER), b]));
    fc.assert(
      fc.property(withCuts(afterHeader), ([bytes, cuts]) => {
        expect(parseSplit(bytes, cuts)).toEqual(parseAll(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  test('random well-formed streams give the same events for any split, one stanza per element', () => {
    const input = streamText.map((s) => Buffer.from(s));
    fc.assert(
      fc.property(withCuts(input), ([bytes, cuts]) => {
        const whole = parseAll(bytes);
        expect(whole.some((e) => e.kind === 'error')).toBe(false);
        expect(parseSplit(bytes, cuts)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  test('mutated streams (one byte changed) give the same events for any split, with tight limits', () => {
    const limits: Partial<XmppStreamLimits> = { maxStanzaBytes: 400, maxDepth: 3, maxBufferedBytes: 200, sliceBytes: 7 };
    const mutated = streamText.chain((s) => {
      const b = Buffer.from(s);
      return fc.tuple(fc.integer({ min: 0, max: b.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
        const copy = Buffer.from(b);
        copy[at] = v;
        return copy as Uint8Array;
      });
    });
    fc.assert(
      fc.property(withCuts(mutated), ([bytes, cuts]) => {
        expect(parseSplit(bytes, cuts, limits)).toEqual(parseAll(bytes, limits));
      }),
      { numRuns: 1000 },
    );
  });

  test('the stanza count matches the number of elements written', () => {
    fc.assert(
      fc.property(fc.array(elementXml, { maxLength: 8 }), (els) => {
        const events = normalize(new XmppStreamParser().feed(Buffer.from(AGENT_HEADER + els.join('\n'))));
        expect(stanzas(events)).toHaveLength(els.length);
      }),
      { numRuns: 300 },
    );
  });
});
