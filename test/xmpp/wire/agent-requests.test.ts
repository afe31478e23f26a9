import { describe, expect, test } from 'vitest';
import { pairCollection, parseAgentStanza, parseUpdateItems } from '../../../src/xmpp/wire/agent-requests.js';
import type { AgentRequest, CollectionRequest, PublishRequest } from '../../../src/xmpp/wire/agent-requests.js';
import { MASTER_INSTANCE } from '../../../src/xmpp/wire/constants.js';
import { BLUE, COLLECTION_B, COLLECTION_E, PUBLISH_B, PUBLISH_E, SUBSCRIBE_B, stanzaOf } from './fixtures.js';

const TO = 'network-control@contrailsystems.com/bgp-peer';

function request(xml: string): AgentRequest {
  return parseAgentStanza(stanzaOf(xml));
}

function iq(body: string, attrs = `type="set" from="compute-1" to="${TO}" id="x1"`): string {
  return `<iq ${attrs}><pubsub xmlns="http://jabber.org/protocol/pubsub">${body}</pubsub></iq>`;
}

describe('parseAgentStanza', () => {
  test('Example B subscribe, with options nested inside <subscribe>, carries the instance-id', () => {
    expect(request(SUBSCRIBE_B)).toEqual({ kind: 'subscribe', instance: BLUE, instanceId: 3, noRibOut: false });
  });

  test('options beside <subscribe>, as the reference mock sends them, are found too', () => {
    const xml = iq(`<subscribe node="${BLUE}"/><options><instance-id> 7 </instance-id><no-ribout>true</no-ribout></options>`);
    expect(request(xml)).toEqual({ kind: 'subscribe', instance: BLUE, instanceId: 7, noRibOut: true });
  });

  test('a subscribe without instance-id is receive-only (instanceId undefined)', () => {
    expect(request(iq(`<subscribe node="${BLUE}"/>`))).toEqual({
      kind: 'subscribe', instance: BLUE, instanceId: undefined, noRibOut: false,
    });
    const minusOne = iq(`<subscribe node="${BLUE}"><options><instance-id>-1</instance-id></options></subscribe>`);
    expect(request(minusOne)).toMatchObject({ kind: 'subscribe', instanceId: undefined });
  });

  test('the last instance-id wins and no-ribout follows pugixml as_bool', () => {
    const xml = iq(
      `<subscribe node="${BLUE}"><options><instance-id>1</instance-id><instance-id>9</instance-id>` +
        '<no-ribout>yes</no-ribout></options></subscribe>',
    );
    expect(request(xml)).toMatchObject({ instanceId: 9, noRibOut: true });
  });

  test('unsubscribe names the instance and ignores options', () => {
    expect(request(iq(`<unsubscribe node="${BLUE}"><options><instance-id>3</instance-id></options></unsubscribe>`))).toEqual({
      kind: 'unsubscribe', instance: BLUE,
    });
  });

  test('Example B publish carries its node and its one item', () => {
    const r = request(PUBLISH_B);
    expect(r.kind).toBe('publish');
    if (r.kind !== 'publish') return;
    expect(r.node).toBe(`1/1/${BLUE}/10.1.1.3/32`);
    expect(r.items.map((i) => i.name)).toEqual(['item']);
  });

  test('Example B collection associates and Example E collection dissociates', () => {
    expect(request(COLLECTION_B)).toEqual({ kind: 'collection', instance: BLUE, associate: `1/1/${BLUE}/10.1.1.3/32` });
    expect(request(COLLECTION_E)).toEqual({ kind: 'collection', instance: BLUE, dissociate: `1/1/${BLUE}/10.1.1.3/32` });
  });

  test('an empty collection is the End-of-RIB half', () => {
    expect(request(iq('<collection/>'))).toEqual({ kind: 'collection', instance: '' });
  });

  test('a `to` without bgp-peer is ignored, whatever the stanza', () => {
    expect(request(iq(`<subscribe node="${BLUE}"/>`, 'type="set"')).kind).toBe('ignored');
    expect(request(iq(`<subscribe node="${BLUE}"/>`, 'type="set" to="network-control@contrailsystems.com/other"')).kind).toBe('ignored');
  });

  test('an iq to the config resource is a config request, with its action and node', () => {
    const config = iq(`<subscribe node="virtual-router:default-global-system-config:compute-1"/>`, `type="set" to="network-control@contrailsystems.com/config"`);
    expect(request(config)).toEqual({
      kind: 'config', action: 'subscribe', node: 'virtual-router:default-global-system-config:compute-1',
    });
  });

  test('iq type get, message stanzas and other elements are ignored', () => {
    expect(request(iq(`<subscribe node="${BLUE}"/>`, `type="get" to="${TO}"`))).toEqual({ kind: 'ignored', why: 'iq type "get"' });
    expect(request(`<message to="compute-1/bgp-peer"><event><items node="0/0/EndOfRib"/></event></message>`)).toEqual({
      kind: 'ignored', why: 'message stanza',
    });
    expect(request(`<presence to="${TO}"/>`).kind).toBe('ignored');
  });

  test('an iq without pubsub, without action, or with an unknown action is ignored', () => {
    expect(request(`<iq type="set" to="${TO}"/>`).kind).toBe('ignored');
    expect(request(iq('')).kind).toBe('ignored');
    expect(request(iq('<retract node="x"/>')).kind).toBe('ignored');
  });

  test('the action is the first child element of the first pubsub, whitespace skipped', () => {
    const xml = iq(`\n  <subscribe node="a"/>\n  <unsubscribe node="b"/>`);
    expect(request(xml)).toMatchObject({ kind: 'subscribe', instance: 'a' });
  });
});

describe('pairCollection', () => {
  const publish = (node: string): PublishRequest => ({ kind: 'publish', node, items: [] });
  const associate = (instance: string, node: string): CollectionRequest => ({ kind: 'collection', instance, associate: node });

  test('a publish and a collection naming the same node pair into an add', () => {
    expect(pairCollection(publish('1/1/ri/10.0.0.0/8'), associate('ri', '1/1/ri/10.0.0.0/8'))).toEqual({
      kind: 'update', instance: 'ri', withdraw: false, node: '1/1/ri/10.0.0.0/8', items: [],
    });
  });

  test('a dissociate pairs into a withdraw', () => {
    const r = pairCollection(publish('n'), { kind: 'collection', instance: 'ri', dissociate: 'n' });
    expect(r).toMatchObject({ kind: 'update', withdraw: true });
  });

  test('different node strings or no parked publish leave the collection unpaired', () => {
    expect(pairCollection(publish('1/1/ri/10.0.0.0/8'), associate('ri', '1/1/ri/10.0.0.0/08')).kind).toBe('unpaired');
    expect(pairCollection(undefined, associate('ri', 'n')).kind).toBe('unpaired');
  });

  test('an empty publish followed by an empty collection is End-of-RIB', () => {
    expect(pairCollection(publish(''), { kind: 'collection', instance: '' })).toEqual({ kind: 'end-of-rib' });
    expect(pairCollection(undefined, { kind: 'collection', instance: '' }).kind).toBe('unpaired');
  });
});

describe('parseUpdateItems', () => {
  function update(node: string, instance = BLUE) {
    const pub = request(PUBLISH_B);
    if (pub.kind !== 'publish') throw new Error('fixture');
    return { kind: 'update' as const, instance, withdraw: false, node, items: pub.items };
  }

  test('an IPv4 unicast update yields one validated route per item', () => {
    const r = parseUpdateItems(update(`1/1/${BLUE}/10.1.1.3/32`));
    expect(r.kind).toBe('inet');
    if (r.kind !== 'inet') return;
    expect(r.results).toHaveLength(1);
    expect(r.results[0]).toMatchObject({ ok: true, route: { prefix: { family: 'inet' as const, addr: 0x0a010103, len: 32 } } });
  });

  test('the master instance applies the master label rule', () => {
    const r = parseUpdateItems(update(`1/1/${MASTER_INSTANCE}/10.1.1.3/32`, MASTER_INSTANCE));
    expect(r.kind === 'inet' && r.results[0]).toMatchObject({ ok: false, reason: 'bad-label' });
  });

  test('other families are reported as unsupported', () => {
    expect(parseUpdateItems(update(`1/241/${BLUE}/224.1.1.1,0.0.0.0`)).kind).toBe('unsupported-family');
    expect(parseUpdateItems(update(`1/4/${BLUE}/10.1.1.3/32`)).kind).toBe('unsupported-family');
    expect(parseUpdateItems(update('25/242/00:00:5e:00:01:03,10.1.1.3/32')).kind).toBe('unsupported-family');
    expect(parseUpdateItems(update('junk')).kind).toBe('unsupported-family');
  });
});
