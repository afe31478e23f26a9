/**
 * agentPath: the extended communities of a real agent's item, exactly
 * (contrail-control.md §3.2), for a 2-octet and a 4-octet local AS, and the
 * MAC-mobility rule of the reference (mobility@seqno, else sequence-number).
 */
import { describe, expect, it } from 'vitest';
import { agentMobility, agentPath } from '../../src/xmpp/agent-routes.js';
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
