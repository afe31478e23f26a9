/**
 * Decoding of what the CN pushes to agents (contrail-control.md §2.6
 * End-of-RIB, §2.7 route messages) — the agent's view, used by the test
 * agent and by round-trip tests of builders.ts. Lenient like an agent:
 * unknown elements are ignored, unparsable numbers read as 0.
 */
import { END_OF_RIB_NODE } from './constants.js';
import { parseItemUint } from './values.js';
import { attr, child, children, findFirst, text } from './xml.js';
import type { XmlElement } from './xml.js';
import type { RawNextHop } from './inet-item.js';

/** A next hop of an item pushed by the control node: the same fields an agent writes. */
export type ReceivedNextHop = RawNextHop;

export interface ReceivedInetItem {
  id: string;
  prefix: string;
  af: number;
  safi: number;
  nextHops: ReceivedNextHop[];
  version: number;
  virtualNetwork: string;
  mobility: { seqno: number; sticky: boolean };
  sequenceNumber: number;
  securityGroups: number[];
  communities: string[];
  localPref: number;
  med: number;
  loadBalance: { fields: string[]; decision: string };
  subProtocol: string;
}

export type CnMessage =
  | { kind: 'end-of-rib' }
  | {
      kind: 'items';
      node: string;
      afi: number;
      safi: number;
      instance: string;
      items: ReceivedInetItem[];
      retracts: string[];
    }
  | { kind: 'other'; why: string };

function num(el: XmlElement | undefined): number {
  return el === undefined ? 0 : parseItemUint(text(el)) ?? 0;
}

function str(el: XmlElement | undefined): string {
  return el === undefined ? '' : text(el);
}

function listText(el: XmlElement | undefined, inner: string): string[] {
  return el === undefined ? [] : children(el, inner).map(text);
}

function nextHopOf(nh: XmlElement): ReceivedNextHop {
  return {
    af: num(child(nh, 'af')),
    address: str(child(nh, 'address')),
    mac: str(child(nh, 'mac')),
    label: num(child(nh, 'label')),
    encapsulations: listText(child(nh, 'tunnel-encapsulation-list'), 'tunnel-encapsulation'),
    virtualNetwork: str(child(nh, 'virtual-network')),
    tags: listText(child(nh, 'tag-list'), 'tag').map((s) => parseItemUint(s) ?? 0),
    localSequenceNumber: num(child(nh, 'local-sequence-number')),
  };
}

/** One received `<item>`; id = the `id` attribute. */
export function parseReceivedInetItem(item: XmlElement): ReceivedInetItem {
  const entry = child(item, 'entry') ?? { name: 'entry', attrs: {}, children: [] };
  const nlri = child(entry, 'nlri');
  const mobility = child(entry, 'mobility');
  const lb = child(entry, 'load-balance');
  const nhs = child(entry, 'next-hops');
  return {
    id: attr(item, 'id') ?? '',
    prefix: str(nlri && child(nlri, 'address')),
    af: num(nlri && child(nlri, 'af')),
    safi: num(nlri && child(nlri, 'safi')),
    nextHops: nhs === undefined ? [] : children(nhs, 'next-hop').map(nextHopOf),
    version: num(child(entry, 'version')),
    virtualNetwork: str(child(entry, 'virtual-network')),
    mobility: {
      seqno: parseItemUint(mobility?.attrs['seqno'] ?? '') ?? 0,
      sticky: mobility?.attrs['sticky'] === 'true',
    },
    sequenceNumber: num(child(entry, 'sequence-number')),
    securityGroups: listText(child(entry, 'security-group-list'), 'security-group').map((s) => parseItemUint(s) ?? 0),
    communities: listText(child(entry, 'community-tag-list'), 'community-tag'),
    localPref: num(child(entry, 'local-preference')),
    med: num(child(entry, 'med')),
    loadBalance: {
      fields: listText(lb && child(lb, 'load-balance-fields'), 'load-balance-field-list'),
      decision: str(lb && child(lb, 'load-balance-decision')),
    },
    subProtocol: str(child(entry, 'sub-protocol')),
  };
}

/** Classify one stanza received by an agent. */
export function parseCnMessage(el: XmlElement): CnMessage {
  if (el.name !== 'message') return { kind: 'other', why: `<${el.name}>` };
  const items = findFirst(el, 'items');
  if (items === undefined) return { kind: 'other', why: 'message without <items>' };
  const node = attr(items, 'node') ?? '';
  if (node === END_OF_RIB_NODE) return { kind: 'end-of-rib' };
  const m = /^(\d+)\/(\d+)\/([^]*)$/.exec(node);
  if (m === null) return { kind: 'other', why: `items node ${JSON.stringify(node)}` };
  return {
    kind: 'items',
    node,
    afi: Number(m[1]),
    safi: Number(m[2]),
    instance: m[3] ?? '',
    items: children(items, 'item').map(parseReceivedInetItem),
    retracts: children(items, 'retract').map((r) => attr(r, 'id') ?? ''),
  };
}
