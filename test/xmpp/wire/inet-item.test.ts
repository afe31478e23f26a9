import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseInetItem, parsePublishNode } from '../../../src/xmpp/wire/inet-item.js';
import type { InetDropReason } from '../../../src/xmpp/wire/inet-item.js';
import { findFirst, text } from '../../../src/xmpp/wire/xml.js';
import type { XmlElement } from '../../../src/xmpp/wire/xml.js';
import { AGENT_HEADER, ENTRY_B, parseAll, stanzas } from './fixtures.js';

function itemOf(entryXml: string): XmlElement {
  const [el] = stanzas(parseAll(`${AGENT_HEADER}<item>${entryXml}</item>`));
  if (el === undefined) throw new Error(`fixture does not parse: ${entryXml}`);
  return el;
}

/** A valid VRF item (Example B's entry) with `replace` applied once to its text. */
function poisoned(search: string | RegExp, replacement: string): XmlElement {
  const xml = ENTRY_B.replace(search, replacement);
  if (xml === ENTRY_B) throw new Error(`fixture edit ${String(search)} changed nothing`);
  return itemOf(xml);
}

const VRF = { master: false, withdraw: false };
const MASTER = { master: true, withdraw: false };

function reasonOf(item: XmlElement, opts = VRF): InetDropReason | 'ok' {
  const r = parseInetItem(item, opts);
  return r.ok ? 'ok' : r.reason;
}

describe('parseInetItem accepts', () => {
  test('Example B as a fully typed route', () => {
    const r = parseInetItem(itemOf(ENTRY_B), VRF);
    expect(r).toEqual({
      ok: true,
      route: {
        prefix: { family: 'inet' as const, addr: 0x0a010103, len: 32 },
        nextHop: {
          address: 0xc0a8010a, label: 38, encapsulations: ['gre', 'udp'],
          virtualNetwork: 'default-domain:demo:blue', tags: [], localSequenceNumber: 0,
        },
        sequenceNumber: 0, localPref: 100, med: 0, securityGroups: [8000002], communities: [],
        loadBalance: { fields: [], decision: 'field-hash' }, subProtocol: 'interface', virtualNetwork: '',
      },
    });
  });

  test('host bits are masked: 10.1.1.5/24 becomes 10.1.1.0/24', () => {
    const r = parseInetItem(poisoned('10.1.1.3/32', '10.1.1.5/24'), VRF);
    expect(r.ok && r.route.prefix).toEqual({ family: 'inet' as const, addr: 0x0a010100, len: 24 });
  });

  test('an address with fewer than three dots is padded: 10.1/16 is 10.1.0.0/16', () => {
    const r = parseInetItem(poisoned('10.1.1.3/32', '10.1/16'), VRF);
    expect(r.ok && r.route.prefix).toEqual({ family: 'inet' as const, addr: 0x0a010000, len: 16 });
  });

  test('the prefix length is read with atoi: 10.0.0.0/8abc is /8', () => {
    const r = parseInetItem(poisoned('10.1.1.3/32', '10.0.0.0/8abc'), VRF);
    expect(r.ok && r.route.prefix).toEqual({ family: 'inet' as const, addr: 0x0a000000, len: 8 });
  });

  test('element order is free, unknown elements are ignored, integers may carry whitespace', () => {
    const item = itemOf(
      '<entry><med> 5 </med><future-field>x</future-field><next-hops><next-hop><label>7</label>' +
        '<address>1.2.3.4</address><af>1</af><mac>0:1:2:a:b:C</mac><tag-list><tag>4</tag></tag-list></next-hop></next-hops>' +
        '<mobility seqno="3" sticky="true"/><community-tag-list><community-tag>no-export</community-tag></community-tag-list>' +
        '<nlri><address>192.168.0.0/16</address><safi>1</safi><af>1</af></nlri></entry>',
    );
    const r = parseInetItem(item, VRF);
    expect(r).toMatchObject({
      ok: true,
      route: {
        med: 5, mobility: { seqno: 3, sticky: true }, communities: ['no-export'],
        nextHop: { address: 0x01020304, label: 7, mac: '00:01:02:0a:0b:0c', tags: [4] },
      },
    });
  });

  test('a zero label in the master instance is accepted', () => {
    expect(reasonOf(poisoned('<label>38</label>', '<label>0</label>'), MASTER)).toBe('ok');
  });

  test('a withdraw needs only the nlri', () => {
    const item = itemOf('<entry><nlri><af>1</af><safi>1</safi><address>10.1.1.3/32</address></nlri></entry>');
    const r = parseInetItem(item, { master: false, withdraw: true });
    expect(r).toMatchObject({ ok: true, route: { prefix: { family: 'inet' as const, addr: 0x0a010103, len: 32 }, nextHop: { address: 0, label: 0 } } });
  });
});

describe('parseInetItem drops, one poisoned field each (§2.4)', () => {
  const cases: [string, string | RegExp, string, InetDropReason][] = [
    ['rule 1: a non-numeric integer', '<med>0</med>', '<med>zero</med>', 'malformed-item'],
    ['rule 1: trailing junk after a number', '<local-preference>100</local-preference>', '<local-preference>100x</local-preference>', 'malformed-item'],
    ['rule 1: a sign without digits', '<sequence-number>0</sequence-number>', '<sequence-number>-</sequence-number>', 'malformed-item'],
    ['rule 1: a non-numeric label', '<label>38</label>', '<label>0x26</label>', 'malformed-item'],
    ['rule 1: a non-numeric security group', '8000002', 'sg', 'malformed-item'],
    ['rule 2: bad af', '<af>1</af><safi>1</safi>', '<af>2</af><safi>1</safi>', 'bad-family'],
    ['rule 2: bad safi', '<af>1</af><safi>1</safi>', '<af>1</af><safi>128</safi>', 'bad-family'],
    ['rule 2: labeled unicast is valid but unsupported', '<af>1</af><safi>1</safi>', '<af>1</af><safi>4</safi>', 'unsupported-family'],
    ['rule 3: address without /', '10.1.1.3/32', '10.1.1.3', 'bad-prefix'],
    ['rule 3: length 33', '10.1.1.3/32', '10.1.1.3/33', 'bad-prefix'],
    ['rule 3: negative length', '10.1.1.3/32', '10.1.1.3/-1', 'bad-prefix'],
    ['rule 3: octet above 255', '10.1.1.3/32', '10.1.1.256/32', 'bad-prefix'],
    ['rule 3: an IPv6 prefix', '10.1.1.3/32', '2001:db8::/32', 'bad-prefix'],
    ['rule 4: no next-hop on add', /<next-hops>[^]*<\/next-hops>/, '<next-hops/>', 'missing-next-hop'],
    ['rule 6: two next-hops', /(<next-hop>[^]*<\/next-hop>)/, '$1$1', 'multiple-next-hops'],
    ['rule 7: next-hop af 3', '<af>1</af><address>192.168.1.10</address>', '<af>3</af><address>192.168.1.10</address>', 'bad-next-hop'],
    ['rule 7: IPv6 next-hop address', '192.168.1.10', '2001:db8::10', 'bad-next-hop'],
    ['rule 7: zero next-hop address', '192.168.1.10', '0.0.0.0', 'bad-next-hop'],
    ['rule 7: garbage next-hop address', '192.168.1.10', 'compute-1', 'bad-next-hop'],
    ['rule 8: label above 16777215', '<label>38</label>', '<label>16777216</label>', 'bad-label'],
    ['rule 8: label 0 in a VRF', '<label>38</label>', '<label>0</label>', 'bad-label'],
    ['rule 9: bad mac', '<label>38</label>', '<label>38</label><mac>00:11:22:33:44</mac>', 'bad-mac'],
    ['rule 9: non-hex mac', '<label>38</label>', '<label>38</label><mac>zz:11:22:33:44:55</mac>', 'bad-mac'],
  ];
  test.each(cases)('%s', (_name, search, replacement, reason) => {
    expect(reasonOf(poisoned(search, replacement))).toBe(reason);
  });

  test('rule 8: a non-zero label in the master instance', () => {
    expect(reasonOf(itemOf(ENTRY_B), MASTER)).toBe('bad-label');
  });

  test('label 16777215 is still accepted in a VRF', () => {
    expect(reasonOf(poisoned('<label>38</label>', '<label>16777215</label>'))).toBe('ok');
  });

  test('an item without <entry> is malformed', () => {
    const [el] = stanzas(parseAll(`${AGENT_HEADER}<item/>`));
    expect(reasonOf(el!)).toBe('malformed-item');
  });

  test('a withdraw still refuses a bad prefix and non-numeric fields', () => {
    const w = { master: false, withdraw: true };
    expect(reasonOf(poisoned('10.1.1.3/32', '10.1.1.3'), w)).toBe('bad-prefix');
    expect(reasonOf(poisoned('<med>0</med>', '<med>x</med>'), w)).toBe('malformed-item');
    expect(reasonOf(poisoned('<label>38</label>', '<label>0</label>'), w)).toBe('ok');
  });

  test('a drop carries a human-readable detail', () => {
    const r = parseInetItem(poisoned('<med>0</med>', '<med>zero</med>'), VRF);
    expect(r).toEqual({ ok: false, reason: 'malformed-item', detail: 'med is not an integer: "zero"' });
  });
});

describe('parsePublishNode', () => {
  test('an IPv4 node yields afi, safi, instance and prefix', () => {
    expect(parsePublishNode('1/1/default-domain:demo:blue:blue/10.1.1.3/32')).toEqual({
      afi: 1, safi: 1, instance: 'default-domain:demo:blue:blue', prefix: '10.1.1.3/32',
    });
  });

  test('an optional sixth field is the primary instance-id', () => {
    expect(parsePublishNode('1/1/ri/10.1.1.3/32/5')).toMatchObject({ primaryId: 5 });
  });

  test('EVPN nodes carry no instance', () => {
    expect(parsePublishNode('25/242/00:00:5e:00:01:03,10.1.1.3/32')).toEqual({
      afi: 25, safi: 242, instance: '', prefix: '00:00:5e:00:01:03,10.1.1.3/32',
    });
  });

  test('non-numeric or missing afi/safi give undefined', () => {
    expect(parsePublishNode('')).toBeUndefined();
    expect(parsePublishNode('x/1/ri')).toBeUndefined();
    expect(parsePublishNode('1')).toBeUndefined();
  });

  test('a node with only afi/safi/instance has no prefix', () => {
    expect(parsePublishNode('1/1/ri')).toEqual({ afi: 1, safi: 1, instance: 'ri' });
  });

  test('random nodes read as the split-by-slash reference reads them', () => {
    const ref = (node: string) => {
      const parts = node.split('/');
      const [afiText, safiText] = parts;
      if (afiText === undefined || safiText === undefined || !/^\d+$/.test(afiText) || !/^\d+$/.test(safiText)) return undefined;
      const afi = Number(afiText);
      const safi = Number(safiText);
      if (afi === 25) {
        const prefix = parts.slice(2).join('/');
        return prefix === '' ? { afi, safi, instance: '' } : { afi, safi, instance: '', prefix };
      }
      const out: Record<string, unknown> = { afi, safi, instance: parts[2] ?? '' };
      if (parts[3] !== undefined && parts[4] !== undefined) out['prefix'] = `${parts[3]}/${parts[4]}`;
      if (afi === 1 && parts[5] !== undefined && /^\d+$/.test(parts[5])) out['primaryId'] = Number(parts[5]);
      return out;
    };
    const unit = fc.constantFrom('1', '2', '25', '0', '/', '/', 'ri', '10.0.0.1', '32', 'x', '');
    fc.assert(fc.property(fc.array(unit, { maxLength: 10 }).map((u) => u.join('')), (node) => {
      expect(parsePublishNode(node)).toEqual(ref(node));
    }), { numRuns: 3000 });
  });
});

describe('fixture sanity', () => {
  test('the item fixture really holds the Example B entry', () => {
    const sub = findFirst(itemOf(ENTRY_B), 'sub-protocol');
    expect(sub && text(sub)).toBe('interface');
  });
});
