/**
 * TCP-MD5 (RFC 2385, bgp.peers[].password) end to end: our binary against
 * gobgpd with `auth-password`, each in its own network namespace, iBGP
 * AS 64512, VPNv4, our node reflecting between its clients:
 *   a    192.0.2.11  gobgpd, password "alpha-key" on both sides
 *   b    192.0.2.12  gobgpd, password "bravo-key" on both sides (keys are per peer)
 *   bad  192.0.2.13  gobgpd with "not-the-key"; we expect "charlie-key"
 *   cn   192.0.2.15  the control node
 * a and b reach Established and a route from a is reflected to b: the
 * signed sessions carry traffic. bad never reaches Established, both
 * sides trying: its SYNs are dropped by our kernel, ours by its kernel.
 * Our log says so (an outbound attempt left unanswered, with the kernel's
 * TCPMD5* counters of this namespace showing the drops); a capture-free
 * check that the segments were really signed is that gobgpd, which has a
 * key for us, would drop them otherwise.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ControlNode, GoBgp, Lab, expectedReflection, sessionStateAt, useLab, viewAt } from './lab/index.js';
import type { CnConfig, VpnRouteSpec } from './lab/index.js';

const ASN = 64512;
const CN = '192.0.2.15';
const CLUSTER_ID = '10.255.0.1';
const SESSION_POLL = { timeout: 45_000, interval: 500 } as const;
/** How long the wrong-password peer is watched, with both sides retrying every 3-5 s. */
const NEVER_WINDOW_MS = 15_000;

const CN_CONFIG: CnConfig = {
  node: { name: 'cn1', routerId: '10.0.0.15', asn: ASN, clusterId: CLUSTER_ID },
  bgp: {
    listen: { address: CN, port: 179 },
    holdTime: 90,
    peers: [
      { name: 'a', address: '192.0.2.11', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'], password: 'alpha-key' },
      { name: 'b', address: '192.0.2.12', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'], password: 'bravo-key' },
      { name: 'bad', address: '192.0.2.13', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'], password: 'charlie-key' },
    ],
  },
};

const ROUTE: VpnRouteSpec = { rd: '192.0.2.11:7', prefix: '198.18.70.0/24', label: 2070, routeTargets: ['target:64512:7'], nextHop: '192.0.2.100' };

let lab: Lab | undefined;
let cn: ControlNode;
let a: GoBgp;
let b: GoBgp;
let bad: GoBgp;

function goBgp(host: string, octet: number, password: string): GoBgp {
  return new GoBgp(lab!, host, {
    asn: ASN, routerId: `10.0.0.${octet}`, localAddress: `192.0.2.${octet}`,
    neighbors: [{ address: CN, peerAs: ASN, families: ['l3vpn-ipv4-unicast'], connectRetry: 3, authPassword: password }],
  });
}

async function startLab(): Promise<void> {
  lab = await Lab.create([{ name: 'a', octet: 11 }, { name: 'b', octet: 12 }, { name: 'bad', octet: 13 }, { name: 'cn', octet: 15 }]);
  cn = new ControlNode(lab, 'cn', CN_CONFIG);
  a = goBgp('a', 11, 'alpha-key');
  b = goBgp('b', 12, 'bravo-key');
  bad = goBgp('bad', 13, 'not-the-key');
  await lab.startCapture(); // only with CN_LAB_CAPTURE=1
  await cn.start();
  await Promise.all([a.start(), b.start(), bad.start()]);
}

/** TcpExtTCPMD5Failure of a lab host's namespace: segments dropped for a signature made with another key. */
async function md5FailuresIn(host: string): Promise<number> {
  const [names, values] = (await lab!.exec(host, 'cat', ['/proc/net/netstat'])).split('\n').filter((l) => l.startsWith('TcpExt:'));
  const i = names!.split(/\s+/).indexOf('TCPMD5Failure');
  return Number(values!.split(/\s+/)[i]);
}

/** Our binary's log, as pino JSON objects. */
function cnLog(): Record<string, unknown>[] {
  return readFileSync(lab!.file(cn.logFile), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('TCP-MD5 between the running control node and gobgpd (RFC 2385)', () => {
  useLab({ start: startLab, lab: () => lab, label: 'control-node tcp-md5' });

  it('brings up the sessions whose passwords match, each with its own key', async () => {
    await Promise.all([a, b].map((p) =>
      expect.poll(() => sessionStateAt(p, CN), { ...SESSION_POLL, message: `${p.name} -> ${CN}` }).toBe('established')));
  });

  it('carries routes over the signed sessions: a route from a is reflected to b', async () => {
    await a.announce(ROUTE);
    await expect.poll(() => viewAt(b, ROUTE), { timeout: 20_000, interval: 300 })
      .toEqual(expectedReflection(ROUTE, a, CLUSTER_ID));
  });

  it('never brings up the session whose password differs, and our log says why', async () => {
    const deadline = Date.now() + NEVER_WINDOW_MS;
    const seen = new Set<string>();
    while (Date.now() < deadline) {
      seen.add(await sessionStateAt(bad, CN));
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(seen.has('established')).toBe(false);
    expect(seen.size).toBeGreaterThan(0);
    const said = cnLog().filter((l) => String(l.msg).startsWith('TCP-MD5 peer did not answer our signed SYN'));
    expect(said.length).toBeGreaterThan(0);
    expect(said[0]).toMatchObject({ peer: 'bad', level: 40 });
    expect(said[0]!.kernel).toEqual(expect.objectContaining({ TCPMD5Failure: expect.any(Number) }));
    expect(cnLog().some((l) => l.peer === 'bad' && l.msg === 'peer established')).toBe(false);
    // gobgpd's SYNs to us were signed with its key, not ours: the kernel in our namespace dropped them.
    expect(await md5FailuresIn('cn')).toBeGreaterThan(0);
  });
});
