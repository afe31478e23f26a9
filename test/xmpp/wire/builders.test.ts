import { describe, expect, test } from 'vitest';
import { parseCnMessage } from '../../../src/xmpp/wire/cn-messages.js';
import type { CnMessage, ReceivedInetItem } from '../../../src/xmpp/wire/cn-messages.js';
import { KEEPALIVE, endOfRibMessage, retractMessage, routeMessage, streamHeader } from '../../../src/xmpp/wire/builders.js';
import type { OutInetItem } from '../../../src/xmpp/wire/builders.js';
import { escapeAttr, escapeText } from '../../../src/xmpp/wire/escape.js';
import { attr, findFirst } from '../../../src/xmpp/wire/xml.js';
import { AGENT_HEADER, BLUE, CN_HEADER, MESSAGE_C, RETRACT_E, parseAll, stanzas } from './fixtures.js';

function messagesOf(xml: string[]): CnMessage[] {
  const events = parseAll(AGENT_HEADER + xml.join(''));
  expect(events.some((e) => e.kind === 'error')).toBe(false);
  return stanzas(events).map(parseCnMessage);
}

function itemsOf(m: CnMessage | undefined): ReceivedInetItem[] {
  if (m?.kind !== 'items') throw new Error(`not an items message: ${JSON.stringify(m)}`);
  return m.items;
}

/** Example C's content as an OutInetItem. */
const ITEM_C: OutInetItem = {
  prefix: '10.1.1.3/32',
  nextHops: [
    { address: '192.168.1.10', label: 38, encapsulations: ['gre', 'udp'], virtualNetwork: 'default-domain:demo:blue', tags: [] },
  ],
  virtualNetwork: 'default-domain:demo:blue',
  localPref: 100,
  med: 200,
  sequenceNumber: 0,
  mobility: { seqno: 0, sticky: false },
  securityGroups: [8000002],
  communities: [],
};

function itemN(i: number): OutInetItem {
  return { ...ITEM_C, prefix: `10.0.${i >> 8}.${i & 255}/32` };
}

describe('streamHeader and keepalive', () => {
  test('the CN header is byte-for-byte the §1.3 / Example A open start tag', () => {
    expect(streamHeader({ from: 'ctrl-1', to: 'compute-1' })).toBe(CN_HEADER);
    expect(streamHeader({ from: 'ctrl-1', to: 'compute-1', id: '++123' })).toBe(CN_HEADER);
  });

  test('the header parses back as a stream open with xmlns:stream last', () => {
    const [open] = parseAll(CN_HEADER);
    expect(open?.kind === 'open' && Object.keys(open.attrs).at(-1)).toBe('xmlns:stream');
  });

  test('KEEPALIVE is the two bytes 0xC8 0x80', () => {
    expect([...KEEPALIVE]).toEqual([0xc8, 0x80]);
  });
});

describe('routeMessage', () => {
  test('the envelope starts with a newline and addresses <agent>/bgp-peer from the CN JID', () => {
    const [m] = routeMessage({ agent: 'compute-2', instance: BLUE, items: [ITEM_C] });
    expect(m?.startsWith('\n<message from="network-control@contrailsystems.com" to="compute-2/bgp-peer">')).toBe(true);
    const [el] = stanzas(parseAll(AGENT_HEADER + m));
    expect(el?.attrs).toEqual({ from: 'network-control@contrailsystems.com', to: 'compute-2/bgp-peer' });
    expect(attr(findFirst(el!, 'event')!, 'xmlns')).toBe('http://jabber.org/protocol/pubsub');
    expect(attr(findFirst(el!, 'items')!, 'node')).toBe(`1/1/${BLUE}`);
  });

  test('Example C content round-trips to the same fields as the document example', () => {
    const built = itemsOf(messagesOf(routeMessage({ agent: 'compute-2', instance: BLUE, items: [ITEM_C] }))[0]);
    const reference = itemsOf(messagesOf([MESSAGE_C])[0]);
    expect(built).toEqual(reference);
    expect(built[0]).toMatchObject({
      id: '10.1.1.3/32', prefix: '10.1.1.3/32', af: 1, safi: 1, version: 1, med: 200, localPref: 100,
      nextHops: [{ af: 1, address: '192.168.1.10', mac: '', label: 38, encapsulations: ['gre', 'udp'] }],
    });
  });

  test('every schema field is present, empty or zero when unset', () => {
    const [m] = routeMessage({ agent: 'a', instance: 'ri', items: [{ ...ITEM_C, securityGroups: [] }] });
    for (const tag of [
      '<mac/>', '<vni>0</vni>', '<tag-list/>', '<local-sequence-number>0</local-sequence-number>', '<version>1</version>',
      '<mobility sticky="false" seqno="0"/>', '<sequence-number>0</sequence-number>', '<security-group-list/>',
      '<community-tag-list/>', '<load-balance><load-balance-fields/><load-balance-decision/></load-balance>', '<sub-protocol/>',
    ]) {
      expect(m).toContain(tag);
    }
  });

  test('ECMP next-hops, tags, communities, load-balance and sub-protocol are carried', () => {
    const item: OutInetItem = {
      ...ITEM_C,
      nextHops: [
        { address: '192.168.1.10', label: 38, encapsulations: ['gre'], virtualNetwork: 'vn', tags: [1, 2] },
        { address: '192.168.1.11', label: 41, encapsulations: [], virtualNetwork: 'vn', tags: [] },
      ],
      communities: ['no-export', '64512:7'],
      mobility: { seqno: 4, sticky: true },
      loadBalance: { fields: ['l3-source-address', 'l4-protocol'], decision: 'source-bias' },
      subProtocol: 'interface-static',
    };
    const [got] = itemsOf(messagesOf(routeMessage({ agent: 'a', instance: 'ri', items: [item] }))[0]);
    expect(got).toMatchObject({
      nextHops: [
        { address: '192.168.1.10', label: 38, tags: [1, 2], encapsulations: ['gre'] },
        { address: '192.168.1.11', label: 41, tags: [], encapsulations: ['gre'] },
      ],
      communities: ['no-export', '64512:7'],
      mobility: { seqno: 4, sticky: true },
      loadBalance: { fields: ['l3-source-address', 'l4-protocol'], decision: 'source-bias' },
      subProtocol: 'interface-static',
    });
  });

  test('a zero label with no encapsulation gets no default gre', () => {
    const item = { ...ITEM_C, nextHops: [{ ...ITEM_C.nextHops[0]!, label: 0, encapsulations: [] }] };
    const [got] = itemsOf(messagesOf(routeMessage({ agent: 'a', instance: 'ri', items: [item] }))[0]);
    expect(got?.nextHops[0]?.encapsulations).toEqual([]);
  });

  test('33 items are split into messages of 32 and 1', () => {
    const msgs = routeMessage({ agent: 'a', instance: 'ri', items: Array.from({ length: 33 }, (_, i) => itemN(i)) });
    expect(msgs).toHaveLength(2);
    const parsed = messagesOf(msgs);
    expect(parsed.map((m) => itemsOf(m).length)).toEqual([32, 1]);
    expect(itemsOf(parsed[1])[0]?.id).toBe('10.0.0.32/32');
  });

  test('no items give no message', () => {
    expect(routeMessage({ agent: 'a', instance: 'ri', items: [] })).toEqual([]);
  });
});

describe('retractMessage and End-of-RIB', () => {
  test('a retract parses like Example E', () => {
    const built = messagesOf(retractMessage({ agent: 'compute-2', instance: BLUE, prefixes: ['10.1.1.3/32'] }));
    expect(built).toEqual(messagesOf([RETRACT_E]));
    expect(built[0]).toMatchObject({ kind: 'items', instance: BLUE, retracts: ['10.1.1.3/32'], items: [] });
  });

  test('300 retracts are split into messages of 256 and 44', () => {
    const prefixes = Array.from({ length: 300 }, (_, i) => `10.0.${i >> 8}.${i & 255}/32`);
    const msgs = retractMessage({ agent: 'a', instance: 'ri', prefixes });
    expect(msgs).toHaveLength(2);
    const parsed = messagesOf(msgs);
    expect(parsed.map((m) => (m.kind === 'items' ? m.retracts.length : -1))).toEqual([256, 44]);
    expect(parsed.flatMap((m) => (m.kind === 'items' ? m.retracts : []))).toEqual(prefixes);
  });

  test('the End-of-RIB message is the §2.6 form and parses as end-of-rib', () => {
    const m = endOfRibMessage({ agent: 'compute-1' });
    expect(m).toBe(
      '\n<message from="network-control@contrailsystems.com" to="compute-1/bgp-peer">\n\t' +
        '<event xmlns="http://jabber.org/protocol/pubsub">\n<items node="0/0/EndOfRib"></items>\n\t</event>\n</message>',
    );
    expect(messagesOf([m])).toEqual([{ kind: 'end-of-rib' }]);
  });
});

describe('escaping', () => {
  const nasty = `a<b>&"c'd`;

  test('agent and instance names with < & " \' are escaped and parse back verbatim', () => {
    const [m] = routeMessage({ agent: nasty, instance: nasty, items: [{ ...ITEM_C, prefix: nasty, virtualNetwork: nasty }] });
    const [el] = stanzas(parseAll(AGENT_HEADER + m));
    expect(el?.attrs['to']).toBe(`${nasty}/bgp-peer`);
    const [msg] = messagesOf([m!]);
    expect(msg).toMatchObject({ kind: 'items', instance: nasty });
    expect(itemsOf(msg)[0]).toMatchObject({ id: nasty, prefix: nasty, virtualNetwork: nasty });
  });

  test('the stream header and retracts escape too', () => {
    const [open] = parseAll(streamHeader({ from: nasty, to: nasty }));
    expect(open).toMatchObject({ kind: 'open', attrs: { from: nasty, to: nasty } });
    const [r] = messagesOf(retractMessage({ agent: nasty, instance: 'ri', prefixes: [nasty] }));
    expect(r).toMatchObject({ retracts: [nasty] });
  });

  test('attribute whitespace is kept as character references; impossible characters become U+FFFD', () => {
    expect(escapeAttr('a\tb\nc')).toBe('a&#9;b&#10;c');
    expect(escapeText('x\u0001y\ud800z')).toBe('x\ufffdy\ufffdz');
    expect(escapeText('é€𝄞')).toBe('é€𝄞');
    const [open] = parseAll(streamHeader({ from: 'a\tb\nc\u0001', to: 't' }));
    expect(open).toMatchObject({ attrs: { from: 'a\tb\nc\ufffd' } });
  });
});
