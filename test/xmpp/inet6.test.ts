/**
 * IPv6 end to end in process: agents publish `2/1/<ri>` items into
 * `<ri>.inet6.0`, the control node exports them to `bgp.l3vpn-inet6.0`
 * (RFC 4659, RD `<next-hop>:<instance-id>`, next hop ::ffff:<compute> on the
 * wire), and VPNv6 routes from a BGP peer come back to agents as `2/1`
 * items. Test agents over loopback TCP; the BGP peer is driven through the
 * peering engine's message interface and what it is sent is decoded.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage, extCommunityToString, ipv6ToString, nlriToString, parseIpv6, parseRd, parseRouteTarget, rdToString,
} from '../../src/bgp/wire/index.js';
import type { UpdateMessage, Vpn6Prefix } from '../../src/bgp/wire/types.js';
import { labelList } from '../../src/bgp/wire/index.js';
import type { PeerRib } from '../../src/rib/peering.js';
import type { TestAgent } from '../support/agent.js';
import { useXmppNode } from '../support/xmpp-node.js';
import { pathsOf } from '../../src/rib/types.js';

const BLUE = 'default-domain:demo:blue:blue';
const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 }, hold-time: 9 }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100] }
`;

const node = useXmppNode(CONFIG);
const agent = (name: string): Promise<TestAgent> => node.agent(name);

const v6Table = (a: TestAgent) => a.table(`2/1/${BLUE}`);
const nextHopsOf = (a: TestAgent, prefix: string): string[] =>
  (v6Table(a).get(prefix)?.nextHops ?? []).map((n) => `${n.address}/${n.label}`).sort();

function vpn6Routes(): { rd: string; prefix: string; labels: readonly number[]; nextHop?: number; communities: string[] }[] {
  const out = [];
  for (const [, dest] of node.server.peering.tables['inet6-vpn']!.entries()) {
    const n = dest.nlri as Vpn6Prefix;
    const best = pathsOf(dest)[0]!;
    out.push({
      rd: rdToString(n.rd), prefix: nlriToString(n).slice(rdToString(n.rd).length + 1), labels: labelList(best.labels),
      nextHop: best.attrs.attrs.nextHop, communities: (best.attrs.attrs.extCommunities ?? []).map(extCommunityToString),
    });
  }
  return out.sort((x, y) => x.rd.localeCompare(y.rd));
}

describe('IPv6 from agents', () => {
  it('puts a 2/1 item into <ri>.inet6.0 and pushes it back to every subscriber as a 2/1 item, with ECMP', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    a.publish(BLUE, { prefix: '2001:db8:5::5/128', nextHop: '192.0.2.21', label: 25, encapsulations: ['gre'] });
    b.publish(BLUE, { prefix: '2001:db8:5::5/128', nextHop: '192.0.2.22', label: 26, encapsulations: ['gre'] });
    await b.waitFor(() => nextHopsOf(b, '2001:db8:5::5/128').length === 2, 3000, 'two IPv6 next hops at compute-2');
    await a.waitFor(() => nextHopsOf(a, '2001:db8:5::5/128').length === 2, 3000, 'two IPv6 next hops at compute-1');
    expect(nextHopsOf(a, '2001:db8:5::5/128')).toEqual(['192.0.2.21/25', '192.0.2.22/26']);
    expect(node.server.instances.get(BLUE)!.table('inet6')!.size).toBe(1);
    expect(node.server.instances.get(BLUE)!.table('inet')!.size).toBe(0);
    expect(a.routes(BLUE).size).toBe(0); // nothing in the 1/1 table
    expect(v6Table(a).get('2001:db8:5::5/128')!.nextHops[0]!.virtualNetwork).toBe('default-domain:demo:blue');
  });

  it('exports each agent route to bgp.l3vpn-inet6.0 with RD next-hop:instance-id, the targets and origin VN', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 3);
    a.publish(BLUE, { prefix: '2001:db8:5::/64', nextHop: '192.0.2.21', label: 25, encapsulations: ['gre'] });
    await expect.poll(() => vpn6Routes().length, { timeout: 3000 }).toBe(1);
    expect(vpn6Routes()[0]).toEqual({
      rd: '192.0.2.21:3', prefix: '2001:db8:5::/64', labels: [25], nextHop: 0xc0000215,
      // numeric order, as Contrail keeps the list
      communities: ['target:64512:100', 'target:64512:8000001', 'encapsulation:gre', 'originvn:64512:1'],
    });
    expect(node.server.peering.tables['inet-vpn']!.size).toBe(0);
  });

  it('withdraws the item and the VPNv6 route when the agent withdraws, and when it disconnects', async () => {
    const a = await agent('compute-1');
    const b = await agent('compute-2');
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    a.publish(BLUE, { prefix: '2001:db8:5::5/128', nextHop: '192.0.2.21', label: 25 });
    a.publish(BLUE, { prefix: '2001:db8:6::/48', nextHop: '192.0.2.21', label: 25 });
    await b.waitFor(() => v6Table(b).size === 2, 3000, 'two IPv6 items');
    a.withdraw(BLUE, '2001:db8:5::5/128');
    await b.waitFor(() => v6Table(b).size === 1, 3000, 'retract of 2001:db8:5::5/128');
    expect([...v6Table(b).keys()]).toEqual(['2001:db8:6::/48']);
    expect(vpn6Routes().map((r) => r.prefix)).toEqual(['2001:db8:6::/48']);
    a.destroy();
    await b.waitFor(() => v6Table(b).size === 0, 5000, 'everything retracted after the disconnect');
    await expect.poll(() => vpn6Routes().length, { timeout: 3000 }).toBe(0);
  });
});

describe('IPv6 from a BGP peer', () => {
  const update = (prefix: string, rd: string, label: number, nextHop: number | bigint): UpdateMessage => {
    const [addr, len] = prefix.split('/');
    return {
      type: 'update', withdrawn: [], nlri: [],
      attrs: { origin: 0, asPath: [], localPref: 100, extCommunities: [parseRouteTarget('target:64512:100')!] },
      mpReach: {
        afi: 2, safi: 128, family: 'inet6-vpn', nextHop,
        nlri: [{ family: 'inet6-vpn', labels: [label], rd: parseRd(rd)!, addr: parseIpv6(addr!)!, len: Number(len) }],
      },
    };
  };

  function gateway(families: { afi: number; safi: number }[]): PeerRib {
    const gw = node.server.peering.addPeer(
      { id: node.server.rib.allocatePeerId(), name: 'gw', kind: 'bgp', address: 0xc000020b, asn: 64512, ibgp: true, rrClient: true, routerId: 0x0a00000b },
      ['inet6-vpn', 'inet-vpn'],
    );
    node.server.peering.peerUp(gw, families, true, 0x0a00000b);
    return gw;
  }

  it('gives subscribed agents a 2/1 item with every ECMP path of a VPNv6 prefix, IPv4-mapped next hops as IPv4', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    const gw = gateway([{ afi: 2, safi: 128 }]);
    node.server.peering.update(gw, update('::/0', '192.0.2.11:1', 300, 0xc000020b));
    node.server.peering.update(gw, update('::/0', '192.0.2.12:1', 301, 0xc000020c));
    await a.waitFor(() => nextHopsOf(a, '::/0').length === 2, 3000, 'two gateway next hops');
    expect(nextHopsOf(a, '::/0')).toEqual(['192.0.2.11/300', '192.0.2.12/301']);
    node.server.peering.peerDown(gw);
    await a.waitFor(() => !v6Table(a).has('::/0'), 3000, 'retract after the gateway session ends');
  });

  it('names a global IPv6 next hop as such (af 2) in the item', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    const gw = gateway([{ afi: 2, safi: 128 }]);
    node.server.peering.update(gw, update('2001:db8:ff::/48', '192.0.2.11:1', 300, parseIpv6('2001:db8::b')!));
    await a.waitFor(() => v6Table(a).has('2001:db8:ff::/48'), 3000, 'the gateway route');
    const nh = v6Table(a).get('2001:db8:ff::/48')!.nextHops[0]!;
    expect(nh.address).toBe(ipv6ToString(parseIpv6('2001:db8::b')!));
    expect(nh.af).toBe(2);
  });

  it('reflects an agent route to a VPNv6 peer with the next hop ::ffff:<compute> and the label in the NLRI', async () => {
    const a = await agent('compute-1');
    a.subscribe(BLUE, 1);
    const gw = gateway([{ afi: 2, safi: 128 }]);
    a.publish(BLUE, { prefix: '2001:db8:5::5/128', nextHop: '192.0.2.21', label: 25 });
    await expect.poll(() => vpn6Routes().length, { timeout: 3000 }).toBe(1);
    const got: UpdateMessage[] = [];
    for (let i = 0; i < 10 && node.server.peering.hasWork(); i++) {
      for (const d of node.server.peering.drain()) {
        if (!d.to.includes(gw)) continue;
        for (const m of d.msgs) got.push(decodeMessage(m, { fourOctetAs: true, ebgp: false, families: new Set(['2/128']) }).value as UpdateMessage);
      }
    }
    const reach = got.map((u) => u.mpReach).find((r) => r?.family === 'inet6-vpn' && r.nlri.length > 0);
    expect(reach?.nextHop).toBe(0xc0000215);
    expect(reach?.nlri).toEqual([
      { family: 'inet6-vpn', labels: 25, rd: parseRd('192.0.2.21:1')!, addr: parseIpv6('2001:db8:5::5')!, len: 128 },
    ]);
  });
});
