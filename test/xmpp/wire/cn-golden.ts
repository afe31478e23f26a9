/**
 * Golden CN → agent stanzas: the bytes a real Contrail / Tungsten Fabric
 * control node writes to a vRouter agent, so that a mistake shared by our
 * encoder (src/xmpp/wire/builders.ts) and our agent-side decoder
 * (cn-messages.ts, the stream parser) shows. Each constant names where its
 * bytes come from. None is a packet capture: they are rebuilt from the
 * reference source (OpenSDN-io/tf-controller; schema from tf-api-client).
 *
 * Provenance, per stanza:
 * - Stream header: xmpp/xmpp_proto.cc EncodeOpenResp writes the template
 *   sXMPP_STREAM_RESP (xmpp/xmpp_str.h; attribute order from, to, id, version,
 *   xml:lang, xmlns, xmlns:stream) with pugixml format_raw |
 *   format_no_declaration, which prints the empty element as `.../>`, then
 *   replaces the last `/` with a space. (A 2013 trace shows an XML declaration
 *   and two spaces before `>`: older pugixml and flags. Agents accept both.)
 * - Keepalive: sXMPP_WHITESPACE, U+0200 in UTF-8.
 * - Item message: bgp/xmpp_message_builder.cc: BgpXmppMessage::Start writes
 *   "\n\t<event …>" and "\n\t\t<items node=…>\n", GetData prefixes
 *   "\n<message from=… to=…>" and appends "\t\t</items>\n\t</event>\n</message>\n";
 *   AddIpReach prints the item with doc.print(w, "\t", format_default,
 *   encoding_auto, 3). The item's content follows the generated
 *   autogen::ItemType::Encode (contrail-generateDS: one child per schema
 *   member, in schema order, schema/xmpp_unicast.xsd; values through
 *   text().set, so an empty string is `<mac></mac>`; MobilityType members as
 *   attributes; Clear() applies the XSD defaults, so a path without a
 *   load-balance community still says `field-hash` and sub-protocol says
 *   `interface`). Printed by pugixml 1.13 from a small C++ program that
 *   makes exactly those calls: the document node adds its own depth-3
 *   indent, hence six tabs before `<item`.
 * - Retract: AddIpUnreach, "\t\t\t<retract id=\"…\" />\n", in the same envelope.
 * - End-of-RIB: bgp/bgp_xmpp_channel.cc BgpXmppChannel::SendEndOfRIB.
 * The item's values are contrail-control.md §2.8 Example C (compute-1's
 * 10.1.1.3/32 in blue, pushed to compute-2).
 */

export const GOLDEN_BLUE = 'default-domain:demo:blue:blue';

/** The CN's reply header to agent compute-1, CN hostname ctrl-1. */
export const GOLDEN_STREAM_HEADER =
  '<stream:stream from="ctrl-1" to="compute-1" id="++123" version="1.0" xml:lang="en" ' +
  'xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams" >';

/** Whitespace keepalive: U+0200 as UTF-8. */
export const GOLDEN_KEEPALIVE = Buffer.from([0xc8, 0x80]);

const ENVELOPE_HEAD = [
  '\n<message from="network-control@contrailsystems.com" to="compute-2/bgp-peer">', // GetData begin line
  '\n\t<event xmlns="http://jabber.org/protocol/pubsub">', // Start
  `\n\t\t<items node="1/1/${GOLDEN_BLUE}">\n`, // Start: <afi>/<xmpp safi>/<ri>
].join('');
const ENVELOPE_TAIL = '\t\t</items>\n\t</event>\n</message>\n'; // GetData closing tags

/** One reach item with every field, as the real CN prints it (Example C). */
export const GOLDEN_ITEM_MESSAGE = [
  ENVELOPE_HEAD,
  '\t\t\t\t\t\t<item id="10.1.1.3/32">\n',
  '\t\t\t\t<entry>\n',
  '\t\t\t\t\t<nlri>\n',
  '\t\t\t\t\t\t<af>1</af>\n',
  '\t\t\t\t\t\t<safi>1</safi>\n',
  '\t\t\t\t\t\t<address>10.1.1.3/32</address>\n',
  '\t\t\t\t\t</nlri>\n',
  '\t\t\t\t\t<next-hops>\n',
  '\t\t\t\t\t\t<next-hop>\n',
  '\t\t\t\t\t\t\t<af>1</af>\n',
  '\t\t\t\t\t\t\t<address>192.168.1.10</address>\n',
  '\t\t\t\t\t\t\t<mac></mac>\n',
  '\t\t\t\t\t\t\t<label>38</label>\n',
  '\t\t\t\t\t\t\t<vni>0</vni>\n',
  '\t\t\t\t\t\t\t<tunnel-encapsulation-list>\n',
  '\t\t\t\t\t\t\t\t<tunnel-encapsulation>gre</tunnel-encapsulation>\n',
  '\t\t\t\t\t\t\t\t<tunnel-encapsulation>udp</tunnel-encapsulation>\n',
  '\t\t\t\t\t\t\t</tunnel-encapsulation-list>\n',
  '\t\t\t\t\t\t\t<virtual-network>default-domain:demo:blue</virtual-network>\n',
  '\t\t\t\t\t\t\t<tag-list />\n',
  '\t\t\t\t\t\t\t<local-sequence-number>0</local-sequence-number>\n',
  '\t\t\t\t\t\t</next-hop>\n',
  '\t\t\t\t\t</next-hops>\n',
  '\t\t\t\t\t<version>1</version>\n',
  '\t\t\t\t\t<virtual-network>default-domain:demo:blue</virtual-network>\n',
  '\t\t\t\t\t<mobility sticky="false" seqno="0" />\n',
  '\t\t\t\t\t<sequence-number>0</sequence-number>\n',
  '\t\t\t\t\t<security-group-list>\n',
  '\t\t\t\t\t\t<security-group>8000002</security-group>\n',
  '\t\t\t\t\t</security-group-list>\n',
  '\t\t\t\t\t<community-tag-list />\n',
  '\t\t\t\t\t<local-preference>100</local-preference>\n',
  '\t\t\t\t\t<med>200</med>\n',
  '\t\t\t\t\t<load-balance>\n',
  '\t\t\t\t\t\t<load-balance-fields />\n',
  '\t\t\t\t\t\t<load-balance-decision>field-hash</load-balance-decision>\n',
  '\t\t\t\t\t</load-balance>\n',
  '\t\t\t\t\t<sub-protocol>interface</sub-protocol>\n',
  '\t\t\t\t</entry>\n',
  '\t\t\t</item>\n',
  ENVELOPE_TAIL,
].join('');

/** The withdrawal of that item. */
export const GOLDEN_RETRACT_MESSAGE = `${ENVELOPE_HEAD}\t\t\t<retract id="10.1.1.3/32" />\n${ENVELOPE_TAIL}`;

/** End-of-RIB to compute-1 (its `<items>` line has no indent in the reference). */
export const GOLDEN_END_OF_RIB =
  '\n<message from="network-control@contrailsystems.com" to="compute-1/bgp-peer">' +
  '\n\t<event xmlns="http://jabber.org/protocol/pubsub">' +
  '\n<items node="0/0/EndOfRib"></items>' +
  '\n\t</event>\n</message>\n';
