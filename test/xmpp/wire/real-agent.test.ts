/**
 * Golden stanzas in the real agent's forms, byte for byte, decoded by the
 * production parser; and the CN's item back, byte for byte. Written by
 * hand from the schema and the agent's printer (see test/support/real-agent.ts),
 * so that an encode/decode mistake shared by both of our sides shows here.
 */
import { describe, expect, test } from 'vitest';
import {
  inetItemXml, pairCollection, parseAgentStanza, parseCnMessage, parseItemUint, type CollectionRequest,
  type PublishRequest,
} from '../../../src/xmpp/wire/index.js';
import { parseInetItem } from '../../../src/xmpp/wire/inet-item.js';
import { realAgentPublish, realConfigSubscribe } from '../../support/real-agent.js';
import { AGENT_HEADER, BLUE, parseAll, stanzas } from './fixtures.js';

const HIGH_TAG = 0x80010001; // printed -2147418111

/** compute-1 publishing 10.1.1.3/32 in blue: sequence 5, tags 65543 and 0x80010001, local sequence 7. */
const GOLDEN_PUBLISH = `<?xml version="1.0"?>
<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="pubsub4">
<pubsub xmlns="http://jabber.org/protocol/pubsub">
<publish node="1/1/default-domain:demo:blue:blue/10.1.1.3/32">
<item>
<entry>
<nlri>
<af>1</af>
<safi>1</safi>
<address>10.1.1.3/32</address>
</nlri>
<next-hops>
<next-hop>
<af>1</af>
<address>192.168.1.10</address>
<mac>52:54:00:8a:3e:01</mac>
<label>38</label>
<vni>0</vni>
<tunnel-encapsulation-list>
<tunnel-encapsulation>gre</tunnel-encapsulation>
<tunnel-encapsulation>udp</tunnel-encapsulation>
</tunnel-encapsulation-list>
<virtual-network>default-domain:demo:blue</virtual-network>
<tag-list>
<tag>65543</tag>
<tag>-2147418111</tag>
</tag-list>
<local-sequence-number>7</local-sequence-number>
</next-hop>
</next-hops>
<version>1</version>
<virtual-network></virtual-network>
<mobility seqno="0" sticky="false" />
<sequence-number>5</sequence-number>
<security-group-list>
<security-group>8000002</security-group>
</security-group-list>
<community-tag-list />
<local-preference>100</local-preference>
<med>0</med>
<load-balance>
<load-balance-fields />
<load-balance-decision>field-hash</load-balance-decision>
</load-balance>
<sub-protocol>interface</sub-protocol>
</entry>
</item>
</publish>
</pubsub>
</iq>
<?xml version="1.0"?>
<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="collection4">
<pubsub xmlns="http://jabber.org/protocol/pubsub">
<collection node="default-domain:demo:blue:blue">
<associate node="1/1/default-domain:demo:blue:blue/10.1.1.3/32" />
</collection>
</pubsub>
</iq>
`;

/** As captured from a real agent right after the stream opened. */
const GOLDEN_CONFIG = `<iq type="set" from="compute-1" to="network-control@contrailsystems.com/config">
<pubsub xmlns="http://jabber.org/protocol/pubsub">
<subscribe node="virtual-router:default-global-system-config:compute-1" />
</pubsub>
</iq>`;

/** The item the CN sends back for that route (Example C shape with the tags and the sequence). */
const GOLDEN_ITEM =
  '\n\t\t\t<item id="10.1.1.3/32"><entry><nlri><af>1</af><safi>1</safi><address>10.1.1.3/32</address></nlri>' +
  '<next-hops><next-hop><af>1</af><address>192.168.1.10</address><mac/><label>38</label><vni>0</vni>' +
  '<tunnel-encapsulation-list><tunnel-encapsulation>gre</tunnel-encapsulation><tunnel-encapsulation>udp</tunnel-encapsulation></tunnel-encapsulation-list>' +
  '<virtual-network>default-domain:demo:blue</virtual-network><tag-list><tag>65543</tag><tag>-2147418111</tag></tag-list>' +
  '<local-sequence-number>0</local-sequence-number></next-hop></next-hops>' +
  '<version>1</version><virtual-network>default-domain:demo:blue</virtual-network><mobility sticky="false" seqno="5"/>' +
  '<sequence-number>5</sequence-number><security-group-list><security-group>8000002</security-group></security-group-list>' +
  '<community-tag-list/><local-preference>100</local-preference><med>200</med>' +
  '<load-balance><load-balance-fields/><load-balance-decision/></load-balance><sub-protocol/></entry></item>';

function agentStanzas(xml: string) {
  const events = parseAll(AGENT_HEADER + xml);
  expect(events.filter((e) => e.kind === 'error')).toEqual([]);
  return stanzas(events).map(parseAgentStanza);
}

describe('the real agent publish, byte for byte', () => {
  test('our real-agent fixture prints exactly the golden stanzas', () => {
    const route = {
      prefix: '10.1.1.3/32', nextHop: '192.168.1.10', label: 38, mac: '52:54:00:8a:3e:01',
      virtualNetwork: 'default-domain:demo:blue', tags: [65543, HIGH_TAG], localSequenceNumber: 7, sequenceNumber: 5,
      securityGroups: [8000002],
    };
    expect(realAgentPublish({ agent: 'compute-1', seq: 4, instance: BLUE, route })).toBe(GOLDEN_PUBLISH);
    expect(realConfigSubscribe('compute-1')).toBe(GOLDEN_CONFIG);
  });

  test('the golden publish decodes to the route: tags modulo 2^32, sequence 5, vhost MAC, local sequence 7', () => {
    const [publish, collection] = agentStanzas(GOLDEN_PUBLISH);
    const paired = pairCollection(publish as PublishRequest, collection as CollectionRequest);
    if (paired.kind !== 'update') throw new Error(`not paired: ${JSON.stringify(paired)}`);
    const r = parseInetItem(paired.items[0]!, { master: false, withdraw: false });
    expect(r).toEqual({
      ok: true,
      route: {
        prefix: { family: 'inet', addr: 0x0a010103, len: 32 },
        nextHop: {
          address: 0xc0a8010a, label: 38, encapsulations: ['gre', 'udp'], virtualNetwork: 'default-domain:demo:blue',
          tags: [65543, HIGH_TAG], mac: '52:54:00:8a:3e:01', localSequenceNumber: 7,
        },
        sequenceNumber: 5, mobility: { seqno: 0, sticky: false }, localPref: 100, med: 0, securityGroups: [8000002],
        communities: [], loadBalance: { fields: [], decision: 'field-hash' }, subProtocol: 'interface', virtualNetwork: '',
      },
    });
  });

  test('the golden config subscribe is a config request for the virtual router', () => {
    expect(agentStanzas(GOLDEN_CONFIG)).toEqual([
      { kind: 'config', action: 'subscribe', node: 'virtual-router:default-global-system-config:compute-1' },
    ]);
  });
});

describe('the item back to agents, byte for byte', () => {
  test('carries the tags as C int and the sequence in both mobility and sequence-number', () => {
    const xml = inetItemXml({
      prefix: '10.1.1.3/32',
      nextHops: [{ address: '192.168.1.10', label: 38, encapsulations: ['gre', 'udp'], virtualNetwork: 'default-domain:demo:blue', tags: [65543, HIGH_TAG] }],
      virtualNetwork: 'default-domain:demo:blue', localPref: 100, med: 200, sequenceNumber: 5, mobility: { seqno: 5, sticky: false },
      securityGroups: [8000002], communities: [],
    });
    expect(xml).toBe(GOLDEN_ITEM);
  });

  test('an agent reads the golden item back with the tag ≥ 2^31 intact', () => {
    const msg = `<message from="network-control@contrailsystems.com" to="compute-1/bgp-peer"><event xmlns="http://jabber.org/protocol/pubsub"><items node="1/1/${BLUE}">${GOLDEN_ITEM}</items></event></message>`;
    const m = parseCnMessage(stanzas(parseAll(AGENT_HEADER + msg))[0]!);
    if (m.kind !== 'items') throw new Error('not items');
    expect(m.items[0]!.nextHops[0]!.tags).toEqual([65543, HIGH_TAG]);
    expect(m.items[0]!.sequenceNumber).toBe(5);
    expect(m.items[0]!.mobility).toEqual({ seqno: 5, sticky: false });
  });
});

describe('item integers as strtoul into 32 bits', () => {
  test.each([
    ['-2147418111', 0x80010001],
    ['-1', 0xffffffff],
    ['-0', 0],
    ['4294967295', 0xffffffff],
    ['4294967296', 0],
    ['-4294967297', 0xffffffff],
    ['18446744073709551616', 0xffffffff],
    [' +42 ', 42],
    ['', 0],
  ])('%j reads as %i', (text, value) => {
    expect(parseItemUint(text)).toBe(value);
  });

  test.each(['-', '1x', '- 1', '0x10', '1.5'])('%j is not an integer (the item is malformed)', (text) => {
    expect(parseItemUint(text)).toBeUndefined();
  });
});
