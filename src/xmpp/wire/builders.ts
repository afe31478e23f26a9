/**
 * CN → agent serialisation (contrail-control.md §1.3 stream header, §1.4
 * keepalive, §2.6 End-of-RIB, §2.7 route messages).
 *
 * Everything is plain string building (array join); every value that can
 * come from an agent or from configuration is escaped (escape.ts). Envelope
 * per §2.7: a newline before `<message` (agents treat it as a keepalive),
 * `from` = the control-node JID, `to` = `<agent>/bgp-peer`, no type / id,
 * `<event xmlns=pubsub><items node="1/1/<ri>">`, at most 32 `<item>` or 256
 * `<retract>` per message — longer inputs give several messages.
 *
 * Item content follows Example C: every field of the schema is emitted, empty
 * or zero when unset (`<mac/>`, `<vni>0</vni>`, `<tag-list/>`, …). One
 * rendering rule lives here: a next-hop with a non-zero label and no
 * encapsulation gets `gre` (§2.7). Tags are printed as the reference's C
 * `int` (ids ≥ 2^31 negative), as agents expect. De-duplication, sorting and mapping of
 * encapsulation names are the caller's business.
 */
import {
  BGP_PEER_RESOURCE, CONTROL_NODE_JID, END_OF_RIB_NODE, JABBER_CLIENT_NS, MAX_ITEMS_PER_MESSAGE,
  MAX_RETRACTS_PER_MESSAGE, PUBSUB_NS, STREAM_ID, STREAM_NS, TLS_NS, XMPP_AFI_IPV4, XMPP_SAFI_UNICAST,
} from './constants.js';
import { escapeAttr as a, escapeText as t } from './escape.js';
import { formatCInt } from './values.js';

export { KEEPALIVE } from './constants.js';

export interface OutNextHop {
  /** XMPP address family of the next hop: 1 (IPv4, the default) or 2 (IPv6). */
  af?: number;
  address: string;
  label: number;
  encapsulations: string[];
  virtualNetwork: string;
  tags: number[];
}

export interface OutInetItem {
  /** XMPP AFI of the table: 1 (inet, the default) or 2 (inet6). */
  afi?: number;
  /** Canonical prefix, e.g. `10.1.1.3/32` or `2001:db8::3/128`; also the item id. */
  prefix: string;
  /** ECMP members, best first (at least one). */
  nextHops: OutNextHop[];
  virtualNetwork: string;
  localPref: number;
  med: number;
  sequenceNumber: number;
  mobility: { seqno: number; sticky: boolean };
  securityGroups: number[];
  communities: string[];
  loadBalance?: { fields: string[]; decision: string };
  subProtocol?: string;
}

/**
 * CN stream header (§1.3): an open start tag, no XML declaration, attribute
 * order from, to, id, version, xml:lang, xmlns, xmlns:stream (last — the
 * reference's framer requires it), ` >` at the end.
 */
export function streamHeader(o: { from: string; to: string; id?: string }): string {
  return (
    `<stream:stream from="${a(o.from)}" to="${a(o.to)}" id="${a(o.id ?? STREAM_ID)}" version="1.0" ` +
    `xml:lang="en" xmlns="${JABBER_CLIENT_NS}" xmlns:stream="${STREAM_NS}" >`
  );
}

/** Closing tag, for a CN that chooses to send it before closing (§1.7 MAY). */
export const STREAM_CLOSE = '</stream:stream>';

/** Stream features after our first header when TLS is on (§1.5 step 2): STARTTLS, required; no SASL. */
export const STARTTLS_FEATURES = `<stream:features><starttls xmlns='${TLS_NS}'><required/></starttls></stream:features>`;

/** The answer to the agent's `<starttls/>`: TLS starts on the same socket right after it (§1.5 step 4). */
export const STARTTLS_PROCEED = `<proceed xmlns='${TLS_NS}'/>`;

/** What an agent sends to start TLS (§1.5 step 3). */
export const STARTTLS_REQUEST = `<starttls xmlns='${TLS_NS}'/>`;

function envelopeHead(agent: string, node: string): string {
  return (
    `\n<message from="${CONTROL_NODE_JID}" to="${a(agent)}/${BGP_PEER_RESOURCE}">` +
    `\n\t<event xmlns="${PUBSUB_NS}">\n\t\t<items node="${a(node)}">`
  );
}

const ENVELOPE_TAIL = '\n\t\t</items>\n\t</event>\n</message>';

/** `<afi>/1/<ri>`: `1/1/<ri>` for inet, `2/1/<ri>` for inet6 (§2.7). */
function inetNode(instance: string, afi = XMPP_AFI_IPV4): string {
  return `${afi}/${XMPP_SAFI_UNICAST}/${instance}`;
}

function list(outer: string, inner: string, values: readonly (string | number)[]): string {
  if (values.length === 0) return `<${outer}/>`;
  return `<${outer}>${values.map((v) => `<${inner}>${t(String(v))}</${inner}>`).join('')}</${outer}>`;
}

function leaf(name: string, value: string | number): string {
  const s = String(value);
  return s === '' ? `<${name}/>` : `<${name}>${t(s)}</${name}>`;
}

function nextHopXml(nh: OutNextHop): string {
  const encaps = nh.encapsulations.length === 0 && nh.label !== 0 ? ['gre'] : nh.encapsulations;
  return (
    `<next-hop><af>${nh.af ?? XMPP_AFI_IPV4}</af>${leaf('address', nh.address)}<mac/><label>${nh.label}</label><vni>0</vni>` +
    list('tunnel-encapsulation-list', 'tunnel-encapsulation', encaps) +
    leaf('virtual-network', nh.virtualNetwork) +
    list('tag-list', 'tag', nh.tags.map(formatCInt)) +
    '<local-sequence-number>0</local-sequence-number></next-hop>'
  );
}

function loadBalanceXml(lb: OutInetItem['loadBalance']): string {
  if (lb === undefined) return '<load-balance><load-balance-fields/><load-balance-decision/></load-balance>';
  return (
    `<load-balance>${list('load-balance-fields', 'load-balance-field-list', lb.fields)}` +
    `${leaf('load-balance-decision', lb.decision)}</load-balance>`
  );
}

/** One `<item id=…><entry>…</entry></item>` (Example C field order). */
export function inetItemXml(it: OutInetItem): string {
  return itemHeadXml(it.prefix, it.afi) + `<next-hops>${it.nextHops.map(nextHopXml).join('')}</next-hops>` + itemTailXml(it);
}

/** An item up to its `<next-hops>`: what depends on the prefix only. */
export function itemHeadXml(prefix: string, afi = XMPP_AFI_IPV4): string {
  return (
    `\n\t\t\t<item id="${a(prefix)}"><entry>` +
    `<nlri><af>${afi}</af><safi>${XMPP_SAFI_UNICAST}</safi>${leaf('address', prefix)}</nlri>`
  );
}

/** An item after its `</next-hops>`: what depends on the best path (and the first next hop's network) only. */
export function itemTailXml(it: Omit<OutInetItem, 'prefix' | 'afi' | 'nextHops'>): string {
  return (
    `<version>1</version>${leaf('virtual-network', it.virtualNetwork)}` +
    `<mobility sticky="${it.mobility.sticky ? 'true' : 'false'}" seqno="${it.mobility.seqno}"/>` +
    `<sequence-number>${it.sequenceNumber}</sequence-number>` +
    list('security-group-list', 'security-group', it.securityGroups) +
    list('community-tag-list', 'community-tag', it.communities) +
    `<local-preference>${it.localPref}</local-preference><med>${it.med}</med>` +
    loadBalanceXml(it.loadBalance) +
    leaf('sub-protocol', it.subProtocol ?? '') +
    '</entry></item>'
  );
}

/**
 * A next hop's `<next-hop>` cut around its label's digits: `pre + label +
 * post` is nextHopXml(nh) for any label of the same kind (zero, or not:
 * only that changes the encapsulation rule). Lets a renderer reuse one
 * next hop for the many prefixes an agent publishes with it.
 */
export function nextHopXmlAround(nh: OutNextHop): { pre: string; post: string } {
  const xml = nextHopXml(nh);
  const at = xml.indexOf('<label>') + '<label>'.length;
  return { pre: xml.slice(0, at), post: xml.slice(xml.indexOf('</label>', at)) };
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Reach items for one VRF inet or inet6 table; ≤ 32 items per message. */
export function routeMessage(o: { agent: string; instance: string; items: readonly OutInetItem[]; afi?: number }): string[] {
  const head = envelopeHead(o.agent, inetNode(o.instance, o.afi));
  return chunks(o.items, MAX_ITEMS_PER_MESSAGE).map((batch) => head + batch.map(inetItemXml).join('') + ENVELOPE_TAIL);
}

/**
 * The envelope of reach items for one agent and instance, for items already
 * rendered (and encoded) once for every agent: head + ≤ 32 items + tail.
 */
export function routeEnvelope(o: { agent: string; instance: string; afi?: number }): { head: string; tail: string } {
  return { head: envelopeHead(o.agent, inetNode(o.instance, o.afi)), tail: ENVELOPE_TAIL };
}

/** Withdrawals (`<retract id="<prefix>" />`); ≤ 256 per message. */
export function retractMessage(o: { agent: string; instance: string; prefixes: readonly string[]; afi?: number }): string[] {
  const head = envelopeHead(o.agent, inetNode(o.instance, o.afi));
  return chunks(o.prefixes, MAX_RETRACTS_PER_MESSAGE).map(
    (batch) => head + batch.map((p) => `\n\t\t\t<retract id="${a(p)}" />`).join('') + ENVELOPE_TAIL,
  );
}

/** End-of-RIB marker, byte-for-byte the §2.6 form. */
export function endOfRibMessage(o: { agent: string }): string {
  return (
    `\n<message from="${CONTROL_NODE_JID}" to="${a(o.agent)}/${BGP_PEER_RESOURCE}">` +
    `\n\t<event xmlns="${PUBSUB_NS}">\n<items node="${END_OF_RIB_NODE}"></items>\n\t</event>\n</message>`
  );
}
