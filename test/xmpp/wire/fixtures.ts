/**
 * Wire fixtures from contrail-control.md §2.8 (examples A, B, C, E), kept
 * close to the document's text, plus small helpers shared by the wire tests.
 */
import { XmppStreamParser } from '../../../src/xmpp/wire/stream-parser.js';
import type { XmppEvent, XmppStreamLimits } from '../../../src/xmpp/wire/stream-parser.js';
import type { XmlElement } from '../../../src/xmpp/wire/xml.js';

export const BLUE = 'default-domain:demo:blue:blue';

/** Example A, agent → CN. */
export const AGENT_HEADER =
  '<stream:stream from="compute-1" to="network-control@contrailsystems.com" version="1.0" xml:lang="en" ' +
  'xmlns="" xmlns:stream="http://etherx.jabber.org/streams" >';

/** Example A, CN → agent. */
export const CN_HEADER =
  '<stream:stream from="ctrl-1" to="compute-1" id="++123" version="1.0" xml:lang="en" ' +
  'xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams" >';

export const KEEPALIVE_BYTES = Buffer.from([0xc8, 0x80]);

/** Example B, subscribe. */
export const SUBSCRIBE_B = `<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="subscribe0">
  <pubsub xmlns="http://jabber.org/protocol/pubsub">
    <subscribe node="${BLUE}">
      <options><instance-id>3</instance-id></options>
    </subscribe>
  </pubsub>
</iq>`;

export const ENTRY_B = `<entry>
          <nlri><af>1</af><safi>1</safi><address>10.1.1.3/32</address></nlri>
          <next-hops>
            <next-hop>
              <af>1</af><address>192.168.1.10</address><label>38</label>
              <tunnel-encapsulation-list>
                <tunnel-encapsulation>gre</tunnel-encapsulation>
                <tunnel-encapsulation>udp</tunnel-encapsulation>
              </tunnel-encapsulation-list>
              <virtual-network>default-domain:demo:blue</virtual-network>
            </next-hop>
          </next-hops>
          <version>1</version>
          <sequence-number>0</sequence-number>
          <security-group-list><security-group>8000002</security-group></security-group-list>
          <local-preference>100</local-preference>
          <med>0</med>
          <load-balance><load-balance-decision>field-hash</load-balance-decision></load-balance>
          <sub-protocol>interface</sub-protocol>
        </entry>`;

/** Example B, publish. */
export const PUBLISH_B = `<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="pubsub0">
  <pubsub xmlns="http://jabber.org/protocol/pubsub">
    <publish node="1/1/${BLUE}/10.1.1.3/32">
      <item>
        ${ENTRY_B}
      </item>
    </publish>
  </pubsub>
</iq>`;

/** Example B, collection. */
export const COLLECTION_B = `<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="collection0">
  <pubsub xmlns="http://jabber.org/protocol/pubsub">
    <collection node="${BLUE}">
      <associate node="1/1/${BLUE}/10.1.1.3/32"/>
    </collection>
  </pubsub>
</iq>`;

/** Example E, withdraw pair (the document elides from/to with "…"). */
export const PUBLISH_E = `<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="pubsub1"><pubsub xmlns="http://jabber.org/protocol/pubsub">
        <publish node="1/1/${BLUE}/10.1.1.3/32"><item><entry>
          <nlri><af>1</af><safi>1</safi><address>10.1.1.3/32</address></nlri>
        </entry></item></publish></pubsub></iq>`;

export const COLLECTION_E = `<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="collection1"><pubsub xmlns="http://jabber.org/protocol/pubsub">
        <collection node="${BLUE}">
          <dissociate node="1/1/${BLUE}/10.1.1.3/32"/>
        </collection></pubsub></iq>`;

/** Example E, what others see. */
export const RETRACT_E = `<message from="network-control@contrailsystems.com" to="compute-2/bgp-peer">
        <event xmlns="http://jabber.org/protocol/pubsub">
          <items node="1/1/${BLUE}">
            <retract id="10.1.1.3/32" />
          </items></event></message>`;

/** Example C with the elided load-balance filled in. */
export const MESSAGE_C = `<message from="network-control@contrailsystems.com" to="compute-2/bgp-peer">
  <event xmlns="http://jabber.org/protocol/pubsub">
    <items node="1/1/${BLUE}">
      <item id="10.1.1.3/32">
        <entry>
          <nlri><af>1</af><safi>1</safi><address>10.1.1.3/32</address></nlri>
          <next-hops>
            <next-hop>
              <af>1</af><address>192.168.1.10</address><mac/><label>38</label><vni>0</vni>
              <tunnel-encapsulation-list>
                <tunnel-encapsulation>gre</tunnel-encapsulation>
                <tunnel-encapsulation>udp</tunnel-encapsulation>
              </tunnel-encapsulation-list>
              <virtual-network>default-domain:demo:blue</virtual-network>
              <tag-list/><local-sequence-number>0</local-sequence-number>
            </next-hop>
          </next-hops>
          <version>1</version>
          <virtual-network>default-domain:demo:blue</virtual-network>
          <mobility sticky="false" seqno="0"/>
          <sequence-number>0</sequence-number>
          <security-group-list><security-group>8000002</security-group></security-group-list>
          <community-tag-list/>
          <local-preference>100</local-preference>
          <med>200</med>
          <load-balance><load-balance-fields/><load-balance-decision/></load-balance>
          <sub-protocol/>
        </entry>
      </item>
    </items>
  </event>
</message>`;

/** Agent → CN stream: A, B, keepalive, E, close. */
export function agentStream(): Buffer {
  return Buffer.concat([
    Buffer.from(AGENT_HEADER),
    KEEPALIVE_BYTES,
    Buffer.from(`${SUBSCRIBE_B}\n${PUBLISH_B}\n${COLLECTION_B}`),
    KEEPALIVE_BYTES,
    Buffer.from(`  \n${PUBLISH_E}${COLLECTION_E}\n</stream:stream>`),
  ]);
}

/** Merge consecutive keepalive events (a run split across feeds may yield two). */
export function normalize(events: XmppEvent[]): XmppEvent[] {
  const out: XmppEvent[] = [];
  for (const e of events) {
    if (e.kind === 'keepalive' && out[out.length - 1]?.kind === 'keepalive') continue;
    out.push(e);
  }
  return out;
}

/** Parse `bytes` cut at the given offsets (sorted, in range). */
export function parseSplit(bytes: Uint8Array, cuts: number[], limits: Partial<XmppStreamLimits> = {}): XmppEvent[] {
  const p = new XmppStreamParser(limits);
  const events: XmppEvent[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    events.push(...p.feed(bytes.subarray(prev, c)));
    prev = c;
  }
  return normalize(events);
}

export function parseAll(input: Uint8Array | string, limits: Partial<XmppStreamLimits> = {}): XmppEvent[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  return parseSplit(bytes, [], limits);
}

/** The stanzas among events. */
export function stanzas(events: XmppEvent[]): XmlElement[] {
  return events.flatMap((e) => (e.kind === 'stanza' ? [e.el] : []));
}

/** Parse one stanza (wrapped in a stream) and return its element. */
export function stanzaOf(xml: string): XmlElement {
  const events = parseAll(`${AGENT_HEADER}${xml}`);
  const el = stanzas(events)[0];
  if (el === undefined) throw new Error(`no stanza in ${JSON.stringify(events)}`);
  return el;
}
