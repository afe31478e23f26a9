/**
 * What a real vRouter agent writes, byte for byte, for the test agent and
 * the golden stanzas — written from the schema (tf-api-client
 * xmpp_unicast.xsd `ItemType`, contrail-control.md §2.4) and the agent's
 * printer, not from our own encoder:
 *
 *   - every field of the item, in schema order: nlri (af, safi, address);
 *     per next hop af, address, mac (the vhost MAC), label, vni (0),
 *     tunnel-encapsulation-list, virtual-network, tag-list/tag*,
 *     local-sequence-number; then version, virtual-network (empty),
 *     `<mobility seqno="0" sticky="false" />` (always zero: the VM-move
 *     sequence travels in sequence-number), sequence-number,
 *     security-group-list, community-tag-list, local-preference, med (0),
 *     load-balance (no fields, decision field-hash), sub-protocol;
 *   - integers printed as C `int`: tags, labels, sequences and security
 *     groups ≥ 2^31 come out negative;
 *   - each stanza a separate pugixml document (`format_default`, indent ""):
 *     `<?xml version="1.0"?>` declaration, one node per line, no
 *     indentation, string fields always as `<x>text</x>` (even empty),
 *     lists without members as `<x />`;
 *   - the config-channel subscribe an agent sends right after the stream
 *     opens (§2.8 Example F, as captured from a real agent: no id, no
 *     declaration).
 */
import { CONTROL_NODE_JID, PUBSUB_NS, escapeAttr, escapeText } from '../../src/xmpp/wire/index.js';

/** A route as a real agent knows it (one next hop: itself). */
export interface RealAgentRoute {
  prefix: string;
  nextHop: string;
  label: number;
  /** The vhost interface's MAC; default 00:00:5e:00:01:00 style per compute. */
  mac?: string;
  encapsulations?: string[];
  virtualNetwork?: string;
  /** Tag ids as uint32 (type << 16 | id); printed as C int. */
  tags?: number[];
  localSequenceNumber?: number;
  /** The VM-move sequence (path preference sequence). */
  sequenceNumber?: number;
  securityGroups?: number[];
  communities?: string[];
  localPref?: number;
  subProtocol?: string;
}

export const DEFAULT_VHOST_MAC = '52:54:00:8a:3e:01';

/** A uint32 as C `printf("%d")` of an `int` prints it. */
export function cInt(v: number): string {
  return String(v >= 0x80000000 ? v - 0x100000000 : v);
}

type Node = { name: string; attrs?: [string, string][]; text?: string; children?: Node[] };

const el = (name: string, text: string | number): Node => ({ name, text: String(text) });
const list = (name: string, inner: string, values: readonly string[]): Node => ({
  name, children: values.map((v) => el(inner, v)),
});

/** pugixml `format_default` with an empty indent. */
function print(n: Node): string {
  const attrs = (n.attrs ?? []).map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  if (n.text !== undefined) return `<${n.name}${attrs}>${escapeText(n.text)}</${n.name}>\n`;
  if (!n.children || n.children.length === 0) return `<${n.name}${attrs} />\n`;
  return `<${n.name}${attrs}>\n${n.children.map(print).join('')}</${n.name}>\n`;
}

function afiOf(prefix: string): number {
  return prefix.includes(':') ? 2 : 1;
}

function entry(r: RealAgentRoute): Node {
  const nextHop: Node = {
    name: 'next-hop',
    children: [
      el('af', 1), el('address', r.nextHop), el('mac', r.mac ?? DEFAULT_VHOST_MAC), el('label', cInt(r.label)), el('vni', 0),
      list('tunnel-encapsulation-list', 'tunnel-encapsulation', r.encapsulations ?? ['gre', 'udp']),
      el('virtual-network', r.virtualNetwork ?? ''),
      list('tag-list', 'tag', (r.tags ?? []).map(cInt)),
      el('local-sequence-number', cInt(r.localSequenceNumber ?? 0)),
    ],
  };
  return {
    name: 'entry',
    children: [
      { name: 'nlri', children: [el('af', afiOf(r.prefix)), el('safi', 1), el('address', r.prefix)] },
      { name: 'next-hops', children: [nextHop] },
      el('version', 1),
      el('virtual-network', ''),
      { name: 'mobility', attrs: [['seqno', '0'], ['sticky', 'false']] },
      el('sequence-number', cInt(r.sequenceNumber ?? 0)),
      list('security-group-list', 'security-group', (r.securityGroups ?? []).map(cInt)),
      list('community-tag-list', 'community-tag', r.communities ?? []),
      el('local-preference', r.localPref ?? 100),
      el('med', 0),
      { name: 'load-balance', children: [{ name: 'load-balance-fields' }, el('load-balance-decision', 'field-hash')] },
      el('sub-protocol', r.subProtocol ?? 'interface'),
    ],
  };
}

function iqDoc(o: { agent: string; id: string }, action: Node): string {
  return '<?xml version="1.0"?>\n' + print({
    name: 'iq',
    attrs: [['type', 'set'], ['from', o.agent], ['to', `${CONTROL_NODE_JID}/bgp-peer`], ['id', o.id]],
    children: [{ name: 'pubsub', attrs: [['xmlns', PUBSUB_NS]], children: [action] }],
  });
}

export function realPublishNode(instance: string, prefix: string): string {
  return `${afiOf(prefix)}/1/${instance}/${prefix}`;
}

/** The publish iq and its collection iq (two documents) adding one route. */
export function realAgentPublish(o: { agent: string; seq: number; instance: string; route: RealAgentRoute }): string {
  const node = realPublishNode(o.instance, o.route.prefix);
  const publish: Node = {
    name: 'publish', attrs: [['node', node]], children: [{ name: 'item', children: [entry(o.route)] }],
  };
  const collection: Node = {
    name: 'collection', attrs: [['node', o.instance]], children: [{ name: 'associate', attrs: [['node', node]] }],
  };
  return iqDoc({ agent: o.agent, id: `pubsub${o.seq}` }, publish) + iqDoc({ agent: o.agent, id: `collection${o.seq}` }, collection);
}

/** A publish of another family (EVPN `25/242`, multicast `1/241`, ...): node and a minimal item, then its collection. */
export function realAgentOtherFamily(o: { agent: string; seq: number; instance: string; node: string; itemXml: string }): string {
  const publish = `<?xml version="1.0"?>\n<iq type="set" from="${escapeAttr(o.agent)}" to="${CONTROL_NODE_JID}/bgp-peer" id="pubsub${o.seq}">\n` +
    `<pubsub xmlns="${PUBSUB_NS}">\n<publish node="${escapeAttr(o.node)}">\n<item>\n${o.itemXml}</item>\n</publish>\n</pubsub>\n</iq>\n`;
  const collection: Node = {
    name: 'collection', attrs: [['node', o.instance]], children: [{ name: 'associate', attrs: [['node', o.node]] }],
  };
  return publish + iqDoc({ agent: o.agent, id: `collection${o.seq}` }, collection);
}

/** The config-channel subscribe of a real agent (captured form). */
export function realConfigSubscribe(agent: string): string {
  return (
    `<iq type="set" from="${escapeAttr(agent)}" to="${CONTROL_NODE_JID}/config">\n` +
    `<pubsub xmlns="${PUBSUB_NS}">\n` +
    `<subscribe node="virtual-router:default-global-system-config:${escapeAttr(agent)}" />\n` +
    '</pubsub>\n</iq>'
  );
}
