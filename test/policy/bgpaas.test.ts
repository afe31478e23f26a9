/**
 * BGP-as-a-Service in a running node (in process, real TCP on loopback):
 * a scripted eBGP speaker plays the Calico node inside the VM, test agents
 * play the vRouters. Its routes are resolved through the VM's /32 that an
 * agent published, and what leaves toward agents and the VPN table carries
 * the compute's next hop, label, RD and communities; they follow the VM's
 * route as it goes, comes back and moves. Static routes resolve the same
 * way. contrail-control.md §5.5.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signedSocket } from '../../src/bgp/session/tcp-md5.js';
import { extCommunityToString, ipv4ToString, labelList, nlriToString, parsePrefix } from '../../src/bgp/wire/index.js';
import type { UpdateMessage, VpnPrefix } from '../../src/bgp/wire/types.js';
import { parseConfigText, passwordKeyPaths, tcpMd5Problem } from '../../src/config/index.js';
import type { ServerHandle } from '../../src/server.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import type { TestAgent } from '../support/agent.js';
import { useXmppNode } from '../support/xmpp-node.js';
import { pathsOf } from '../../src/rib/types.js';

const PODS = 'default-domain:k8s:pods:pods';
/** The VM's session comes from a loopback address here; its routes' next hop, the VM's /32 in the instance, is VM_IP (a 127/8 next hop would be refused as martian). */
const VM = '127.0.0.50';
const VM_IP = '192.0.2.50';
const CONFIG = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 } }
introspect: { listen: { address: 127.0.0.1, port: 0 } }
routing-policies:
  - name: calico-lp
    terms: [{ from: { prefixes: [{ prefix: 10.244.1.0/24, match: exact }] }, then: { local-pref: 150 } }]
routing-instances:
  - name: "${PODS}"
    vn-index: 7
    import-targets: [target:64512:1001]
    export-targets: [target:64512:1001]
    bgpaas:
      - { name: calico-1, address: ${VM}, asn: 64500, gateway-address: 10.10.0.1, import-policies: [calico-lp] }
    static-routes:
      - { prefix: 10.99.0.0/16, next-hop: ${VM_IP}, communities: [64512:99] }
`;

const node = useXmppNode();
let calico: RawBgpPeer | undefined;

afterEach(() => {
  calico?.destroy();
  calico = undefined;
});

async function agent(name: string): Promise<TestAgent> {
  const a = await node.agent(name);
  a.subscribe(PODS, 3);
  return a;
}

const pod = (prefix: string) => parsePrefix(prefix)!;
const announce = (prefixes: string[]): UpdateMessage => ({
  type: 'update', withdrawn: [], nlri: prefixes.map(pod),
  attrs: { origin: 0, asPath: [{ type: 2, asns: [64500] }], nextHop: 0xc0000232 },
});

/** The VPN routes of the instance, as the gateway would get them. */
function vpn(s: ServerHandle): Map<string, { labels: readonly number[]; nextHop: string; asPath: number[]; communities: string[]; localPref?: number }> {
  const out = new Map();
  for (const [, d] of s.peering.tables['inet-vpn']!.entries()) {
    const p = pathsOf(d)[0]!;
    const a = p.attrs.attrs;
    out.set(nlriToString(d.nlri as VpnPrefix), {
      labels: labelList(p.labels), nextHop: ipv4ToString(a.nextHop ?? 0), asPath: (a.asPath ?? []).flatMap((x) => x.asns),
      communities: (a.extCommunities ?? []).map(extCommunityToString), localPref: a.localPref,
    });
  }
  return out;
}

async function calicoUp(s: ServerHandle): Promise<RawBgpPeer> {
  calico = await RawBgpPeer.connect(s.listening.bgp.port, '127.0.0.1', {
    localAddress: VM, ctx: { fourOctetAs: true, ebgp: true, families: new Set(['1/1']) },
  });
  await calico.handshake(openFor(64500, 0x7f000032, ['1/1']), true);
  return calico;
}

describe('BGP-as-a-Service', () => {
  it('resolves the Calico node\'s pod routes through the VM\'s /32 and exports them as the VM\'s compute would', async () => {
    const s = await node.start(CONFIG);
    const compute = await agent('compute-18');
    const other = await agent('compute-19');
    compute.publish(PODS, { prefix: `${VM_IP}/32`, nextHop: '192.0.2.18', label: 51, encapsulations: ['gre', 'udp'], securityGroups: [8000001] });
    const peer = await calicoUp(s);
    peer.send(announce(['10.244.0.0/24', '10.244.1.0/24']));
    await other.waitFor(() => other.routes(PODS).has('10.244.1.0/24'), 3000, 'pod routes at the other agent');
    const item = other.routes(PODS).get('10.244.0.0/24')!;
    expect(item.nextHops.map((n) => `${n.address}/${n.label}`)).toEqual(['192.0.2.18/51']);
    expect(item.securityGroups).toEqual([8000001]);
    await expect.poll(() => [...vpn(s).keys()].sort(), { timeout: 3000 }).toEqual([
      '192.0.2.18:3:10.244.0.0/24', '192.0.2.18:3:10.244.1.0/24', `192.0.2.18:3:${VM_IP}/32`,
      '192.0.2.18:3:10.99.0.0/16',
    ].sort());
    const r = vpn(s).get('192.0.2.18:3:10.244.0.0/24')!;
    expect(r).toMatchObject({ labels: [51], nextHop: '192.0.2.18', asPath: [64500] });
    expect(r.communities).toEqual(expect.arrayContaining([
      'target:64512:1001', 'target:64512:8000001', 'encapsulation:gre', 'encapsulation:udp', 'secgroup:64512:8000001', 'originvn:64512:7',
    ]));
    expect(vpn(s).get('192.0.2.18:3:10.244.1.0/24')!.localPref).toBe(150); // the session's import policy
    expect(vpn(s).get('192.0.2.18:3:10.99.0.0/16')!.asPath).toEqual([]); // the static route
  });

  it('takes the pod routes away with the VM\'s route, brings them back with it, and follows it to another compute', async () => {
    const s = await node.start(CONFIG);
    const c18 = await agent('compute-18');
    const c19 = await agent('compute-19');
    const peer = await calicoUp(s);
    peer.send(announce(['10.244.0.0/24']));
    const podAt = (a: TestAgent) => (a.routes(PODS).get('10.244.0.0/24')?.nextHops ?? []).map((n) => `${n.address}/${n.label}`);
    // Unresolved: nothing leaves the staging table.
    await expect.poll(() => s.instances.get(PODS)!.staging!.inet!.size, { timeout: 3000 }).toBe(1);
    const podsInet = s.instances.get(PODS)!.table('inet')!;
    const podDest = podsInet.get(podsInet.keyOf(pod('10.244.0.0/24')));
    expect(podDest ? pathsOf(podDest) : []).toEqual([]);
    c18.publish(PODS, { prefix: `${VM_IP}/32`, nextHop: '192.0.2.18', label: 51 });
    await c19.waitFor(() => podAt(c19).length === 1, 3000, 'resolved via compute-18');
    expect(podAt(c19)).toEqual(['192.0.2.18/51']);
    c18.withdraw(PODS, `${VM_IP}/32`);
    await c19.waitFor(() => podAt(c19).length === 0, 3000, 'gone with the VM route');
    expect([...vpn(s).keys()].filter((k) => k.includes('10.244.'))).toEqual([]);
    c18.publish(PODS, { prefix: `${VM_IP}/32`, nextHop: '192.0.2.18', label: 51 });
    await c19.waitFor(() => podAt(c19).length === 1, 3000, 'back with the VM route');
    // The VM moves: compute-19 publishes it, compute-18 withdraws.
    c19.publish(PODS, { prefix: `${VM_IP}/32`, nextHop: '192.0.2.19', label: 61 });
    c18.withdraw(PODS, `${VM_IP}/32`);
    await c18.waitFor(() => podAt(c18).join() === '192.0.2.19/61', 3000, 'followed the VM to compute-19');
    await expect.poll(() => [...vpn(s).keys()].filter((k) => k.includes('10.244.')), { timeout: 3000 }).toEqual(['192.0.2.19:3:10.244.0.0/24']);
  });

  it('sends the session the instance\'s routes with our AS prepended and the gateway as next hop, never its own back', async () => {
    const s = await node.start(CONFIG);
    const c18 = await agent('compute-18');
    c18.publish(PODS, { prefix: `${VM_IP}/32`, nextHop: '192.0.2.18', label: 51 });
    c18.publish(PODS, { prefix: '10.1.1.5/32', nextHop: '192.0.2.18', label: 52 });
    const peer = await calicoUp(s);
    peer.send(announce(['10.244.0.0/24']));
    const got = new Map<string, UpdateMessage>();
    await peer.until('the agent routes', (ms) => {
      for (const m of ms) if (m.type === 'update') for (const n of m.nlri) got.set(`${ipv4ToString(n.addr)}/${n.len}`, m);
      return got.has('10.1.1.5/32');
    });
    const u = got.get('10.1.1.5/32')!;
    expect(ipv4ToString(u.attrs.nextHop!)).toBe('10.10.0.1');
    expect(u.attrs.asPath).toEqual([{ type: 2, asns: [64512] }]);
    expect(got.has('10.244.0.0/24')).toBe(false); // its own route, AS 64500 in the path
  });

  it('lists the session with its instance in introspect and metrics', async () => {
    const s = await node.start(CONFIG);
    await calicoUp(s);
    const base = `http://127.0.0.1:${s.listening.introspect!.port}`;
    const list = (await (await fetch(`${base}/api/neighbors`)).json()) as { name: string; routingInstance?: string; state: string }[];
    expect(list.find((n) => n.name === 'calico-1')).toMatchObject({ routingInstance: PODS, state: 'Established' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`control_node_bgpaas_session_up{session="calico-1",instance="${PODS}"} 1`);
  });

  it('asks for the instance\'s import targets while the session is up', async () => {
    const s = await node.start(CONFIG);
    const rtc = () => [...s.peering.tables['route-target']!.entries()].map(([, d]) => nlriToString(d.nlri)).sort();
    expect(rtc()).toEqual([]);
    const peer = await calicoUp(s);
    await expect.poll(rtc, { timeout: 3000 }).toEqual(['64512:target:64512:1001', '64512:target:64512:8000001']);
    peer.destroy();
    await expect.poll(rtc, { timeout: 5000 }).toEqual([]);
  });

  it('refuses an iBGP session in the config, naming the key', () => {
    const bad = CONFIG.replace('asn: 64500, gateway', 'asn: 64512, gateway');
    expect(() => parseConfigText(bad, 'test.yaml')).toThrow('test.yaml: routing-instances[0].bgpaas[0].asn: a BGP-as-a-Service session is eBGP: asn 64512 is node.asn');
  });

  it('signs a session configured with a password (TCP-MD5): the VM signing with it gets Established, an unsigned one no TCP answer', async () => {
    const s = await node.start(CONFIG.replace('gateway-address: 10.10.0.1,', 'gateway-address: 10.10.0.1, password: calico-s3cret,'));
    const unsigned = await tcpFrom(VM, s.listening.bgp.port, undefined);
    expect(unsigned).toBe('no answer');
    calico = await RawBgpPeer.connect(s.listening.bgp.port, '127.0.0.1', {
      localAddress: VM, password: 'calico-s3cret', ctx: { fourOctetAs: true, ebgp: true, families: new Set(['1/1']) },
    });
    await calico.handshake(openFor(64500, 0x7f000032, ['1/1']), true);
    const neighbors = async () => (await (await fetch(`http://127.0.0.1:${s.listening.introspect!.port}/api/neighbors`)).json()) as { name: string; state: string }[];
    await expect.poll(async () => (await neighbors()).find((n) => n.name === 'calico-1')?.state, { timeout: 3000 }).toBe('Established');
  });

  it('names the BGP-as-a-Service password key when the platform cannot sign', () => {
    const config = parseConfigText(CONFIG.replace('gateway-address: 10.10.0.1,', 'gateway-address: 10.10.0.1, password: k,'), 'test.yaml');
    expect(passwordKeyPaths(config)).toEqual(['routing-instances[0].bgpaas[0].password']);
    expect(tcpMd5Problem(config, { ok: false, reason: 'no CONFIG_TCP_MD5SIG' })).toEqual({
      keyPath: 'routing-instances[0].bgpaas[0].password', reason: 'TCP-MD5 is not available here: no CONFIG_TCP_MD5SIG',
    });
    expect(() => parseConfigText(CONFIG.replace('gateway-address: 10.10.0.1,', `gateway-address: 10.10.0.1, password: '${'x'.repeat(81)}',`), 'test.yaml'))
      .toThrow(/^test\.yaml: routing-instances\[0\]\.bgpaas\[0\]\.password: expected a password of 1\.\.80 bytes, got "x+\.\.\."$/);
  });
});

/** 'connected' or 'no answer': a TCP connection from `from`, signed with `key` or not, bounded at 1.5 s. */
function tcpFrom(from: string, port: number, key: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const sock = key === undefined ? new net.Socket() : signedSocket('127.0.0.1', key);
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('no answer');
    }, 1500);
    sock.on('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    sock.connect({ host: '127.0.0.1', port, localAddress: from }, () => {
      clearTimeout(timer);
      sock.destroy();
      resolve('connected');
    });
  });
}
