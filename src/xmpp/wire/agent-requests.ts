/**
 * Agent → CN requests on the `bgp-peer` channel (contrail-control.md §1.6,
 * §2.1 general rules, §2.2 subscribe / unsubscribe, §2.3 publish +
 * collection pairs).
 *
 * `parseAgentStanza` turns one stanza into a typed request exactly as the
 * reference dispatches it:
 *   - an iq addressed to the `config` resource (the IF-MAP channel, §2.8
 *     Example F) is reported as a config request: this control node does
 *     not serve configuration, and the session layer refuses it;
 *   - `to` must contain `bgp-peer` (substring test, §1.6), else ignored;
 *   - only `<iq type="set">` acts; `<message>` stanzas (including the agent's
 *     own End-of-RIB message) and other iq types are ignored;
 *   - the action is the first child element of the first `<pubsub>` found
 *     anywhere in the stanza; its `node` attribute is the action's node;
 *   - subscribe options come from the first `<options>` element anywhere in
 *     the stanza (nested inside `<subscribe>` by real agents, beside it by
 *     the reference's test mock), read with pugixml `as_int` / `as_bool`;
 *   - a collection's node is the first `<associate>` found, else the first
 *     `<dissociate>`.
 * `pairCollection` then implements the publish/collection pairing rule of
 * §2.3 (byte-identical node strings; both empty = End-of-RIB).
 */
import { BGP_PEER_RESOURCE, CONFIG_RESOURCE, MASTER_INSTANCE } from './constants.js';
import { parseInetItem, parsePublishNode, publishFamilySupported } from './inet-item.js';
import type { InetItemResult, PublishNode } from './inet-item.js';
import { pugiAsBool, pugiAsInt } from './values.js';
import { attr, children, findFirst, firstElement, text } from './xml.js';
import type { XmlElement } from './xml.js';

export type SubscribeRequest = {
  kind: 'subscribe';
  instance: string;
  /** The agent's VRF index; undefined when absent (or negative): receive-only. */
  instanceId: number | undefined;
  noRibOut: boolean;
};
export type UnsubscribeRequest = { kind: 'unsubscribe'; instance: string };
/** Parked by the channel until the next collection (§2.3). */
export type PublishRequest = { kind: 'publish'; node: string; items: XmlElement[] };
/** Both `associate` and `dissociate` absent with an empty instance = the EoR half. */
export type CollectionRequest = { kind: 'collection'; instance: string; associate?: string; dissociate?: string };
export type IgnoredRequest = { kind: 'ignored'; why: string };
/** An iq on the configuration channel (`…/config`): `action` is the pubsub action, `node` its node. */
export type ConfigRequest = { kind: 'config'; action: string; node: string };

export type AgentRequest =
  | SubscribeRequest | UnsubscribeRequest | PublishRequest | CollectionRequest | ConfigRequest | IgnoredRequest;

function ignored(why: string): IgnoredRequest {
  return { kind: 'ignored', why };
}

/** The resource of a JID (`network-control@contrailsystems.com/config` → `config`), '' when none. */
function resourceOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? '' : jid.slice(slash + 1);
}

function configRequest(el: XmlElement): ConfigRequest {
  const pubsub = findFirst(el, 'pubsub');
  const action = pubsub === undefined ? undefined : firstElement(pubsub);
  return { kind: 'config', action: action?.name ?? '', node: (action && attr(action, 'node')) ?? '' };
}

export function parseAgentStanza(el: XmlElement): AgentRequest {
  const to = attr(el, 'to') ?? '';
  if (el.name === 'iq' && resourceOf(to) === CONFIG_RESOURCE) return configRequest(el);
  if (!to.includes(BGP_PEER_RESOURCE)) {
    return ignored(`<${el.name}> not addressed to ${BGP_PEER_RESOURCE}`);
  }
  if (el.name === 'message') return ignored('message stanza');
  if (el.name !== 'iq') return ignored(`unsupported stanza <${el.name}>`);
  const type = attr(el, 'type') ?? '';
  if (type !== 'set') return ignored(`iq type ${JSON.stringify(type)}`);
  const pubsub = findPubsub(el);
  if (pubsub === undefined) return ignored('iq without <pubsub>');
  const action = firstElement(pubsub);
  if (action === undefined) return ignored('<pubsub> without an action');
  const node = attr(action, 'node') ?? '';
  switch (action.name) {
    case 'subscribe':
      return subscribeOf(el, node);
    case 'unsubscribe':
      return { kind: 'unsubscribe', instance: node };
    case 'publish':
      return { kind: 'publish', node, items: children(action, 'item') };
    case 'collection':
      return collectionOf(el, node);
    default:
      return ignored(`pubsub action <${action.name}>`);
  }
}

/** The first `<pubsub>` in document order: usually the iq's first child element, else a search. */
function findPubsub(el: XmlElement): XmlElement | undefined {
  const first = firstElement(el);
  return first?.name === 'pubsub' ? first : findFirst(el, 'pubsub');
}

function subscribeOf(el: XmlElement, instance: string): SubscribeRequest {
  let instanceId: number | undefined;
  let noRibOut = false;
  const options = findFirst(el, 'options');
  for (const opt of options === undefined ? [] : children(options)) {
    if (opt.name === 'instance-id') {
      const v = pugiAsInt(text(opt));
      instanceId = v < 0 ? undefined : v; // the reference's "missing" value is -1
    } else if (opt.name === 'no-ribout') {
      noRibOut = pugiAsBool(text(opt));
    }
  }
  return { kind: 'subscribe', instance, instanceId, noRibOut };
}

function collectionOf(el: XmlElement, instance: string): CollectionRequest {
  const associate = findFirst(el, 'associate');
  if (associate !== undefined) return { kind: 'collection', instance, associate: attr(associate, 'node') ?? '' };
  const dissociate = findFirst(el, 'dissociate');
  if (dissociate !== undefined) return { kind: 'collection', instance, dissociate: attr(dissociate, 'node') ?? '' };
  return { kind: 'collection', instance };
}

export type PairedCollection =
  /** A publish bound to an RI: add/change (associate) or delete (dissociate). */
  | { kind: 'update'; instance: string; withdraw: boolean; node: string; items: XmlElement[] }
  /** Empty publish node + collection with no node and no children (§2.3). */
  | { kind: 'end-of-rib' }
  /** Dropped silently (no close): no parked publish, or node strings differ. */
  | { kind: 'unpaired'; why: string };

/**
 * Pair a collection with the publish parked before it. The caller clears
 * its parked publish after every collection, paired or not (a lone publish
 * is replaced by the next one anyway).
 */
export function pairCollection(parked: PublishRequest | undefined, c: CollectionRequest): PairedCollection {
  const target = c.associate ?? c.dissociate;
  if (target === undefined) {
    if (c.instance === '' && parked !== undefined && parked.node === '') return { kind: 'end-of-rib' };
    return { kind: 'unpaired', why: 'collection without associate/dissociate' };
  }
  if (parked === undefined) return { kind: 'unpaired', why: 'no publish parked' };
  if (parked.node !== target) return { kind: 'unpaired', why: `node mismatch: ${parked.node} vs ${target}` };
  const withdraw = c.associate === undefined;
  return { kind: 'update', instance: c.instance, withdraw, node: parked.node, items: parked.items };
}

export function isMasterInstance(instance: string): boolean {
  return instance === MASTER_INSTANCE;
}

export type UpdateItems =
  | { kind: 'inet'; node: PublishNode; results: InetItemResult[] }
  | { kind: 'unsupported-family'; node: PublishNode | undefined };

/**
 * Validate every item of a paired update: IPv4 unicast items go through
 * `parseInetItem` (rules 1–4, 6–9); any other family is reported whole.
 */
export function parseUpdateItems(u: Extract<PairedCollection, { kind: 'update' }>): UpdateItems {
  const node = parsePublishNode(u.node);
  if (node === undefined || !publishFamilySupported(node)) return { kind: 'unsupported-family', node };
  const opts = { master: isMasterInstance(u.instance), withdraw: u.withdraw, afi: node.afi };
  const results: InetItemResult[] = [];
  for (const item of u.items) results.push(parseInetItem(item, opts));
  return { kind: 'inet', node, results };
}
