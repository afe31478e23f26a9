/**
 * The golden CN → agent stanzas (cn-golden.ts: the bytes a real control node
 * writes) checked both ways: decoded by our agent side (stream parser +
 * parseCnMessage, what TestAgent uses) into values written out here by hand,
 * and compared with what our encoder (builders.ts) writes for the same values
 * — byte for byte where we claim byte equality, and element for element
 * (whitespace between tags and the spelling of empty elements aside) for the
 * item, whose layout we do not copy.
 */
import { describe, expect, test } from 'vitest';
import { KEEPALIVE, endOfRibMessage, retractMessage, routeMessage, streamHeader } from '../../../src/xmpp/wire/builders.js';
import type { OutInetItem } from '../../../src/xmpp/wire/builders.js';
import { parseCnMessage } from '../../../src/xmpp/wire/cn-messages.js';
import type { CnMessage, ReceivedInetItem } from '../../../src/xmpp/wire/cn-messages.js';
import type { XmppEvent } from '../../../src/xmpp/wire/index.js';
import {
  GOLDEN_BLUE, GOLDEN_END_OF_RIB, GOLDEN_ITEM_MESSAGE, GOLDEN_KEEPALIVE, GOLDEN_RETRACT_MESSAGE, GOLDEN_STREAM_HEADER,
} from './cn-golden.js';
import { parseAll, parseSplit, stanzas } from './fixtures.js';

/** What an agent makes of the CN's stream header followed by `body`. */
function agentReads(body: string): XmppEvent[] {
  const events = parseAll(GOLDEN_STREAM_HEADER + body);
  expect(events.filter((e) => e.kind === 'error')).toEqual([]);
  return events;
}

function messageOf(body: string): CnMessage {
  const els = stanzas(agentReads(body));
  expect(els).toHaveLength(1);
  return parseCnMessage(els[0]!);
}

/** Example C as the agent must understand it, every field spelled out. */
const EXAMPLE_C: ReceivedInetItem = {
  id: '10.1.1.3/32',
  prefix: '10.1.1.3/32',
  af: 1,
  safi: 1,
  nextHops: [{
    af: 1, address: '192.168.1.10', mac: '', label: 38, encapsulations: ['gre', 'udp'],
    virtualNetwork: 'default-domain:demo:blue', tags: [], localSequenceNumber: 0,
  }],
  version: 1,
  virtualNetwork: 'default-domain:demo:blue',
  mobility: { seqno: 0, sticky: false },
  sequenceNumber: 0,
  securityGroups: [8000002],
  communities: [],
  localPref: 100,
  med: 200,
  loadBalance: { fields: [], decision: 'field-hash' },
  subProtocol: 'interface',
};

/** The same item as our encoder's input. */
const EXAMPLE_C_OUT: OutInetItem = {
  prefix: '10.1.1.3/32',
  nextHops: [{ address: '192.168.1.10', label: 38, encapsulations: ['gre', 'udp'], virtualNetwork: 'default-domain:demo:blue', tags: [] }],
  virtualNetwork: 'default-domain:demo:blue',
  localPref: 100,
  med: 200,
  sequenceNumber: 0,
  mobility: { seqno: 0, sticky: false },
  securityGroups: [8000002],
  communities: [],
  loadBalance: { fields: [], decision: 'field-hash' },
  subProtocol: 'interface',
};

/**
 * XML text with the differences no XML reader sees removed, by plain string
 * rules (not our parser, so that a parser bug cannot hide here): whitespace
 * between tags, `<x />` and `<x></x>` both written `<x/>`.
 */
function canonical(xml: string): string {
  return xml
    .trim()
    .replace(/>\s+</g, '><')
    .replace(/<([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*\/>/g, '<$1$2/>')
    .replace(/<([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)><\/\1>/g, '<$1$2/>');
}

describe('golden CN → agent stanzas, as our agent side decodes them', () => {
  test('the stream header opens the stream with its seven attributes in the reference order', () => {
    const [open, ...rest] = agentReads('');
    expect(rest).toEqual([]);
    expect(open?.kind).toBe('open');
    const attrs = open?.kind === 'open' ? open.attrs : {};
    expect(Object.entries(attrs)).toEqual([
      ['from', 'ctrl-1'], ['to', 'compute-1'], ['id', '++123'], ['version', '1.0'], ['xml:lang', 'en'],
      ['xmlns', 'jabber:client'], ['xmlns:stream', 'http://etherx.jabber.org/streams'],
    ]);
  });

  test('the keepalive bytes are one keepalive', () => {
    const events = parseAll(Buffer.concat([Buffer.from(GOLDEN_STREAM_HEADER), GOLDEN_KEEPALIVE]));
    expect(events.map((e) => e.kind)).toEqual(['open', 'keepalive']);
  });

  test('the item message is Example C, every field as the reference sets it', () => {
    expect(messageOf(GOLDEN_ITEM_MESSAGE)).toEqual({
      kind: 'items', node: `1/1/${GOLDEN_BLUE}`, afi: 1, safi: 1, instance: GOLDEN_BLUE, items: [EXAMPLE_C], retracts: [],
    });
  });

  test('the retract message withdraws the one prefix and carries no item', () => {
    expect(messageOf(GOLDEN_RETRACT_MESSAGE)).toEqual({
      kind: 'items', node: `1/1/${GOLDEN_BLUE}`, afi: 1, safi: 1, instance: GOLDEN_BLUE, items: [], retracts: ['10.1.1.3/32'],
    });
  });

  test('the End-of-RIB message is End-of-RIB', () => {
    expect(messageOf(GOLDEN_END_OF_RIB)).toEqual({ kind: 'end-of-rib' });
  });

  test('a whole session of golden stanzas cut at every byte offset gives the events it gives in one piece', () => {
    const session = Buffer.concat([
      Buffer.from(GOLDEN_STREAM_HEADER), GOLDEN_KEEPALIVE, Buffer.from(GOLDEN_ITEM_MESSAGE), GOLDEN_KEEPALIVE,
      Buffer.from(GOLDEN_RETRACT_MESSAGE + GOLDEN_END_OF_RIB),
    ]);
    const whole = parseSplit(session, []);
    // The newlines the reference writes before and after each <message> are whitespace keepalives
    // to the agent (merged with the U+0200 next to them).
    expect(whole.map((e) => e.kind)).toEqual(['open', 'keepalive', 'stanza', 'keepalive', 'stanza', 'keepalive', 'stanza', 'keepalive']);
    expect(stanzas(whole).map((el) => parseCnMessage(el).kind)).toEqual(['items', 'items', 'end-of-rib']);
    for (let cut = 1; cut < session.length; cut++) expect(parseSplit(session, [cut])).toEqual(whole);
  });
});

describe('our encoder against the golden bytes', () => {
  test('writes the stream header byte for byte as the reference', () => {
    expect(streamHeader({ from: 'ctrl-1', to: 'compute-1' })).toBe(GOLDEN_STREAM_HEADER);
  });

  test('writes the keepalive byte for byte as the reference', () => {
    expect(Buffer.from(KEEPALIVE)).toEqual(GOLDEN_KEEPALIVE);
  });

  // Deviation, pinned: the reference ends every message with a newline after </message>;
  // ours does not (the next message's leading newline, or a keepalive, follows). Any other
  // byte that differs fails these two tests.
  test('writes End-of-RIB as the reference, but for the newline the reference adds after </message>', () => {
    expect(`${endOfRibMessage({ agent: 'compute-1' })}\n`).toBe(GOLDEN_END_OF_RIB);
  });

  test('writes a retract message as the reference, but for the newline the reference adds after </message>', () => {
    expect(retractMessage({ agent: 'compute-2', instance: GOLDEN_BLUE, prefixes: ['10.1.1.3/32'] })).toEqual([
      GOLDEN_RETRACT_MESSAGE.slice(0, -1),
    ]);
  });

  test('writes the item message with the reference\'s elements, attributes and text in the reference\'s order', () => {
    const ours = routeMessage({ agent: 'compute-2', instance: GOLDEN_BLUE, items: [EXAMPLE_C_OUT] });
    expect(ours).toHaveLength(1);
    expect(canonical(ours[0]!)).toBe(canonical(GOLDEN_ITEM_MESSAGE));
  });

  test('the comparison above sees a swapped pair of elements, a changed value and a dropped attribute', () => {
    const golden = canonical(GOLDEN_ITEM_MESSAGE);
    const swapped = GOLDEN_ITEM_MESSAGE.replace('<label>38</label>\n\t\t\t\t\t\t\t<vni>0</vni>', '<vni>0</vni>\n\t\t\t\t\t\t\t<label>38</label>');
    expect(swapped).not.toBe(GOLDEN_ITEM_MESSAGE);
    expect(canonical(swapped)).not.toBe(golden);
    expect(canonical(GOLDEN_ITEM_MESSAGE.replace('field-hash', 'source-bias'))).not.toBe(golden);
    expect(canonical(GOLDEN_ITEM_MESSAGE.replace(' seqno="0"', ''))).not.toBe(golden);
    expect(golden).toContain('<mac/><label>38</label>');
  });
});
