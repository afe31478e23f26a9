/**
 * Agent → CN serialisation, i.e. what a vRouter agent writes
 * (contrail-control.md §1.3 agent header, §2.2 subscribe / unsubscribe,
 * §2.3 publish + collection, §2.8 examples A, B, E).
 *
 * The control node never sends these; they exist for the test agent
 * (test/support/agent.ts), interop tests and benchmarks, and mirror the real
 * agent's output: options nested inside `<subscribe>`, one next-hop per
 * item, iq ids `subscribe<N>` / `pubsub<N>` / `collection<N>`. With
 * `declaration: true` each stanza is preceded by `<?xml version="1.0"?>\n`,
 * as real agents (pugixml `format_default`) print it.
 */
import {
  BGP_PEER_RESOURCE, CONTROL_NODE_JID, PUBSUB_NS, STREAM_NS, XMPP_AFI_IPV4, XMPP_AFI_IPV6, XMPP_SAFI_UNICAST,
} from './constants.js';
import { escapeAttr as a, escapeText as t } from './escape.js';

const TO_BGP = `${CONTROL_NODE_JID}/${BGP_PEER_RESOURCE}`;
const DECLARATION = '<?xml version="1.0"?>\n';

export interface AgentIqOptions {
  agent: string;
  id: string;
  /** Prefix the stanza with an XML declaration, like real agents. */
  declaration?: boolean;
}

/** Agent stream header: order from, to, version, xml:lang, xmlns, xmlns:stream (last), ` >`. */
export function agentStreamHeader(o: { from: string; to?: string; subCluster?: string }): string {
  return (
    `<stream:stream from="${a(o.from)}" to="${a(o.to ?? CONTROL_NODE_JID)}" version="1.0" xml:lang="en" ` +
    `xmlns="${a(o.subCluster ?? '')}" xmlns:stream="${STREAM_NS}" >`
  );
}

function iq(o: AgentIqOptions, body: string): string {
  const head = o.declaration === true ? DECLARATION : '';
  return (
    `${head}<iq type="set" from="${a(o.agent)}" to="${TO_BGP}" id="${a(o.id)}">` +
    `<pubsub xmlns="${PUBSUB_NS}">${body}</pubsub></iq>`
  );
}

export function subscribeIq(o: AgentIqOptions & { instance: string; instanceId?: number; noRibOut?: boolean }): string {
  const opts: string[] = [];
  if (o.instanceId !== undefined) opts.push(`<instance-id>${o.instanceId}</instance-id>`);
  if (o.noRibOut === true) opts.push('<no-ribout>true</no-ribout>');
  const options = opts.length === 0 ? '' : `<options>${opts.join('')}</options>`;
  return iq(o, `<subscribe node="${a(o.instance)}">${options}</subscribe>`);
}

export function unsubscribeIq(o: AgentIqOptions & { instance: string }): string {
  return iq(o, `<unsubscribe node="${a(o.instance)}"/>`);
}

/** A route as an agent publishes it (one next-hop). */
export interface AgentRouteSpec {
  prefix: string;
  nextHop: string;
  label: number;
  encapsulations?: string[];
  virtualNetwork?: string;
  securityGroups?: number[];
  localPref?: number;
  med?: number;
  sequenceNumber?: number;
  communities?: string[];
  subProtocol?: string;
  mac?: string;
  loadBalance?: { fields: string[]; decision: string };
}

/** The XMPP AFI of a prefix as an agent writes it: 2 for IPv6 text, else 1. */
function afiOf(prefix: string): number {
  return prefix.includes(':') ? XMPP_AFI_IPV6 : XMPP_AFI_IPV4;
}

/** `1/1/<ri>/<prefix>`, or `2/1/<ri>/<prefix>` for an IPv6 prefix. */
export function inetPublishNode(instance: string, prefix: string): string {
  return `${afiOf(prefix)}/${XMPP_SAFI_UNICAST}/${instance}/${prefix}`;
}

function nlri(prefix: string): string {
  return `<nlri><af>${afiOf(prefix)}</af><safi>${XMPP_SAFI_UNICAST}</safi><address>${t(prefix)}</address></nlri>`;
}

function wrapList(outer: string, inner: string, values: readonly (string | number)[]): string {
  return `<${outer}>${values.map((v) => `<${inner}>${t(String(v))}</${inner}>`).join('')}</${outer}>`;
}

/** `<item><entry>…</entry></item>` of an add (Example B). */
export function agentInetItem(r: AgentRouteSpec): string {
  const nh =
    `<next-hop><af>${XMPP_AFI_IPV4}</af><address>${t(r.nextHop)}</address>` +
    (r.mac === undefined ? '' : `<mac>${t(r.mac)}</mac>`) +
    `<label>${r.label}</label>` +
    wrapList('tunnel-encapsulation-list', 'tunnel-encapsulation', r.encapsulations ?? ['gre', 'udp']) +
    `<virtual-network>${t(r.virtualNetwork ?? '')}</virtual-network></next-hop>`;
  return (
    `<item><entry>${nlri(r.prefix)}<next-hops>${nh}</next-hops><version>1</version>` +
    `<virtual-network>${t(r.virtualNetwork ?? '')}</virtual-network>` +
    `<sequence-number>${r.sequenceNumber ?? 0}</sequence-number>` +
    wrapList('security-group-list', 'security-group', r.securityGroups ?? []) +
    wrapList('community-tag-list', 'community-tag', r.communities ?? []) +
    `<local-preference>${r.localPref ?? 100}</local-preference><med>${r.med ?? 0}</med>` +
    (r.loadBalance === undefined
      ? ''
      : `<load-balance>${wrapList('load-balance-fields', 'load-balance-field-list', r.loadBalance.fields)}` +
        `<load-balance-decision>${t(r.loadBalance.decision)}</load-balance-decision></load-balance>`) +
    `<sub-protocol>${t(r.subProtocol ?? 'interface')}</sub-protocol></entry></item>`
  );
}

export function publishIq(o: AgentIqOptions & { node: string; itemsXml: string }): string {
  return iq(o, `<publish node="${a(o.node)}">${o.itemsXml}</publish>`);
}

export function collectionIq(o: AgentIqOptions & { instance: string; node: string; associate: boolean }): string {
  const verb = o.associate ? 'associate' : 'dissociate';
  return iq(o, `<collection node="${a(o.instance)}"><${verb} node="${a(o.node)}"/></collection>`);
}

/** The publish + collection pair adding (or changing) one route. */
type PairOptions = Omit<AgentIqOptions, 'id'> & { seq: number; instance: string };

export function publishInet(o: PairOptions & { route: AgentRouteSpec }): string {
  const node = inetPublishNode(o.instance, o.route.prefix);
  const base = { agent: o.agent, declaration: o.declaration };
  return (
    publishIq({ ...base, id: `pubsub${o.seq}`, node, itemsXml: agentInetItem(o.route) }) +
    collectionIq({ ...base, id: `collection${o.seq}`, instance: o.instance, node, associate: true })
  );
}

/** The publish + collection pair withdrawing one route (Example E). */
export function withdrawInet(o: PairOptions & { prefix: string }): string {
  const node = inetPublishNode(o.instance, o.prefix);
  const base = { agent: o.agent, declaration: o.declaration };
  return (
    publishIq({ ...base, id: `pubsub${o.seq}`, node, itemsXml: `<item><entry>${nlri(o.prefix)}</entry></item>` }) +
    collectionIq({ ...base, id: `collection${o.seq}`, instance: o.instance, node, associate: false })
  );
}

/** End-of-RIB iq form (§2.3): publish with no node and no item, then an empty collection. */
export function agentEndOfRib(o: Omit<AgentIqOptions, 'id'> & { seq: number }): string {
  return iq({ ...o, id: `pubsub${o.seq}` }, '<publish/>') + iq({ ...o, id: `collection${o.seq}` }, '<collection/>');
}
