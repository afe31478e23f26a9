/**
 * Public surface of the XMPP wire layer (pure: no sockets, no timers, no RIB).
 * See contrail-control.md §1–§2 for the protocol and each module's header for
 * the sections it implements.
 */
export * from './constants.js';
export * from './xml.js';
export * from './stream-parser.js';
export * from './agent-requests.js';
export * from './inet-item.js';
export { escapeAttr, escapeText } from './escape.js';
export {
  atoi, formatIpv4, formatIpv4Prefix, ipv4Mask, parseIpv4, parseIpv4Prefix, parseItemUint, parseMac,
} from './values.js';
export {
  STARTTLS_FEATURES, STARTTLS_PROCEED, STARTTLS_REQUEST, STREAM_CLOSE, endOfRibMessage, inetItemXml, itemHeadXml, itemTailXml,
  nextHopXmlAround, retractMessage,
  routeMessage, routeEnvelope, streamHeader,
} from './builders.js';
export type { OutInetItem, OutNextHop } from './builders.js';
export * from './agent-builders.js';
export * from './cn-messages.js';
