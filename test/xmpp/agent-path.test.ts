/**
 * agentPath: the extended communities of a real agent's item, exactly
 * (contrail-control.md §3.2), for a 2-octet and a 4-octet local AS, and the
 * MAC-mobility rule of the reference (mobility@seqno, else sequence-number).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentMobility, agentPath, detachedItem, sameAgentAttrs } from '../../src/xmpp/agent-routes.js';
import type { AgentInetRoute } from '../../src/xmpp/wire/index.js';

const hex = (s: string): bigint => BigInt(`0x${s.replaceAll(' ', '')}`);

const route = (extra: Partial<AgentInetRoute> = {}, nh: Partial<AgentInetRoute['nextHop']> = {}): AgentInetRoute => ({
  prefix: { family: 'inet', addr: 0x0a010103, len: 32 },
  nextHop: {
    address: 0xc0a8010a, label: 38, encapsulations: ['gre'], virtualNetwork: 'vn', tags: [0x80010001],
    mac: '52:54:00:8a:3e:01', localSequenceNumber: 7, ...nh,
  },
  sequenceNumber: 5, mobility: { seqno: 0, sticky: false }, localPref: 100, med: 0, securityGroups: [8000002],
  communities: [], subProtocol: 'interface', virtualNetwork: '', ...extra,
});

describe('agentPath extended communities', () => {
  it('builds encapsulation, mobility, router MAC, security group, tag and local sequence communities, sorted, under a 2-octet AS', () => {
    const p = agentPath(route(), { asn: 64512, master: false, instanceId: 3 });
    expect(p.attrs.extCommunities).toEqual([
      hex('03 0c 00000000 0002'), // encapsulation gre
      hex('06 00 00 00 00000005'), // MAC mobility, non-sticky, seq 5 (from sequence-number)
      hex('06 03 5254008a3e01'), // router MAC
      hex('80 04 fc00 007a1202'), // security group 8000002
      hex('80 84 fc00 80010001'), // tag 0x80010001
      hex('c0 00 00000007 0000'), // local sequence number 7
    ]);
  });

  it('pairs tags like security groups under a 4-octet AS', () => {
    const p = agentPath(route({ securityGroups: [] }, { mac: undefined, localSequenceNumber: 0 }), { asn: 4200000000, master: false, instanceId: 3 });
    expect(p.attrs.extCommunities).toEqual(expect.arrayContaining([hex('82 84 fa56ea00 0000'), hex('80 84 0000 80010001')]));
  });

  it('attaches no extended communities in the master instance', () => {
    expect(agentPath(route({}, { label: 0 }), { asn: 64512, master: true, instanceId: 0 }).attrs.extCommunities).toBeUndefined();
  });
});

describe('MAC mobility of an item', () => {
  it('takes a non-zero mobility seqno with its sticky bit first', () => {
    expect(agentMobility({ mobility: { seqno: 9, sticky: true }, sequenceNumber: 5 })).toEqual({ seq: 9, sticky: true });
  });

  it('falls back to a non-zero sequence-number, not sticky, when mobility seqno is 0 (what real agents send)', () => {
    expect(agentMobility({ mobility: { seqno: 0, sticky: true }, sequenceNumber: 5 })).toEqual({ seq: 5, sticky: false });
  });

  it('gives none when both are 0, whatever the sticky attribute says', () => {
    expect(agentMobility({ mobility: { seqno: 0, sticky: true }, sequenceNumber: 0 })).toBeUndefined();
    expect(agentMobility({ sequenceNumber: 0 })).toBeUndefined();
  });
});

describe('items with the same attributes', () => {
  /** Items drawn from few values per field, so that equal attributes come up often. */
  const fieldsArb = fc.record({
    address: fc.constantFrom(0xc0a8010a, 0xc0a8010b),
    label: fc.constantFrom(16, 17),
    encapsulations: fc.constantFrom<string[]>(['gre'], ['gre', 'udp'], ['vxlan'], []),
    tags: fc.constantFrom<number[]>([], [1], [1, 2]),
    mac: fc.constantFrom<string | undefined>(undefined, '52:54:00:8a:3e:01'),
    localSequenceNumber: fc.constantFrom(0, 7),
    sequenceNumber: fc.constantFrom(0, 5),
    mobility: fc.constantFrom<AgentInetRoute['mobility']>(undefined, { seqno: 0, sticky: false }, { seqno: 2, sticky: true }),
    localPref: fc.constantFrom(100, 200),
    med: fc.constantFrom(0, 9),
    securityGroups: fc.constantFrom<number[]>([], [8000002], [8000002, 8000003]),
    communities: fc.constantFrom<string[]>([], ['no-export']),
    loadBalance: fc.constantFrom<AgentInetRoute['loadBalance']>(undefined, { fields: ['l3-source-address'], decision: 'source-bias' }),
  });
  type Fields = typeof fieldsArb extends fc.Arbitrary<infer F> ? F : never;
  const item = (f: Fields): AgentInetRoute => route(
    { sequenceNumber: f.sequenceNumber, mobility: f.mobility, localPref: f.localPref, med: f.med, securityGroups: f.securityGroups, communities: f.communities, loadBalance: f.loadBalance },
    { address: f.address, label: f.label, encapsulations: f.encapsulations, tags: f.tags, mac: f.mac, localSequenceNumber: f.localSequenceNumber },
  );
  /** Two items: the second takes each field of the first, or (one time in eight) of another draw. */
  const pairArb = fc.tuple(fieldsArb, fieldsArb, fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 13, maxLength: 13 })).map(([fa, fb, pick]) => {
    const mixed = Object.fromEntries(Object.keys(fa).map((k, i) => [k, pick[i] === 0 ? fb[k as keyof Fields] : fa[k as keyof Fields]])) as Fields;
    return [item(fa), item(mixed)] as const;
  });

  it('says two items are alike only when agentPath gives them the same attributes, RD and feasibility', () => {
    let alike = 0;
    fc.assert(
      fc.property(pairArb, fc.boolean(), ([a, b], master) => {
        // Copies of b's lists: alike must compare values, not identities.
        const b2 = { ...b, nextHop: { ...b.nextHop, tags: [...b.nextHop.tags] }, securityGroups: [...b.securityGroups] };
        expect(sameAgentAttrs(detachedItem(a), b2)).toBe(sameAgentAttrs(a, b2));
        if (!sameAgentAttrs(a, b2)) return;
        alike++;
        const o = { asn: 64512, master, instanceId: 3 };
        const [pa, pb] = [agentPath(a, o), agentPath(b2, o)];
        expect(pb.attrs).toEqual(pa.attrs);
        expect(pb.rd).toBe(pa.rd);
        expect(pb.noTunnelEncap).toBe(pa.noTunnelEncap);
      }),
      { numRuns: 3000 },
    );
    expect(alike).toBeGreaterThan(100);
  });

  it('tells items apart by every field that reaches the attributes', () => {
    const base = route();
    const variants: AgentInetRoute[] = [
      route({}, { address: 0xc0a8010b }), route({ localPref: 200 }), route({ med: 3 }), route({}, { localSequenceNumber: 8 }),
      route({}, { mac: undefined }), route({ sequenceNumber: 6 }), route({ mobility: { seqno: 1, sticky: false } }),
      route({}, { encapsulations: ['udp'] }), route({}, { tags: [1] }), route({ securityGroups: [] }), route({ communities: ['no-export'] }),
      route({ loadBalance: { fields: ['l4-protocol'], decision: 'field-hash' } }),
    ];
    expect(sameAgentAttrs(base, route({}, { label: 99 }))).toBe(true);
    for (const v of variants) expect(sameAgentAttrs(base, v)).toBe(false);
  });
});
