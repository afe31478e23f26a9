/**
 * Protocol constants of the Contrail XMPP dialect (contrail-control.md §1.3,
 * §2.6, §2.7). One place for every literal JID, namespace and node string.
 */

/** The control node's JID (`from` of every message it pushes). */
export const CONTROL_NODE_JID = 'network-control@contrailsystems.com';
/** Resource of the route channel; `to` of agent iqs must contain it (§1.6). */
export const BGP_PEER_RESOURCE = 'bgp-peer';
/** Resource of the IF-MAP configuration channel (out of scope here). */
export const CONFIG_RESOURCE = 'config';
export const PUBSUB_NS = 'http://jabber.org/protocol/pubsub';
export const STREAM_NS = 'http://etherx.jabber.org/streams';
/** STARTTLS negotiation (RFC 6120 §5; contrail-control.md §1.5). */
export const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
/** Default namespace the CN announces in its stream header. */
export const JABBER_CLIENT_NS = 'jabber:client';
/** Literal stream id the reference CN always sends. */
export const STREAM_ID = '++123';
/** `<items node>` of the End-of-RIB marker message. */
export const END_OF_RIB_NODE = '0/0/EndOfRib';
/** The fabric (master) routing instance. */
export const MASTER_INSTANCE = 'default-domain:default-project:ip-fabric:__default__';
/** XMPP address families / SAFIs used in pubsub node names (§2.3). */
export const XMPP_AFI_IPV4 = 1;
export const XMPP_AFI_IPV6 = 2;
export const XMPP_AFI_L2VPN = 25;
export const XMPP_SAFI_UNICAST = 1;
export const XMPP_SAFI_LABELED = 4;
/** Largest label value accepted from an agent (§2.4 rule 8). */
export const MAX_AGENT_LABEL = 0xffffff;
/** Limits of the CN's outgoing messages (§2.7). */
export const MAX_ITEMS_PER_MESSAGE = 32;
export const MAX_RETRACTS_PER_MESSAGE = 256;
/** Whitespace keepalive: U+0200 in UTF-8 (§1.4). */
export const KEEPALIVE: Uint8Array = Uint8Array.of(0xc8, 0x80);
