/**
 * The control-node image in the interop lab (`npm run test:containers`, which
 * builds the images first; not part of `npm test`). Every daemon is a podman
 * container joined to its lab host's namespace:
 *   gw   192.0.2.11  gobgpd (interop-peers image), RTC + VPNv4, VRF blue (target:64512:1)
 *   frr  192.0.2.12  FRR bgpd (interop-peers image), VPNv4, one static VPN route
 *   cn   192.0.2.15  the control-node image as route reflector, BGP on 179 as its
 *                    unprivileged user (--cap-add NET_BIND_SERVICE), config mounted
 *                    at /etc/control-node
 * Checks: the image's user and health check, both sessions Established, and a
 * VPN route reflected each way, read from the peers' own RIBs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Frr, GoBgp, Lab, WaitAborted, controlNodeYaml, expectedReflection, run, sessionStateAt, useLab, viewAt, waitUntil } from '../interop/lab/index.js';
import type { CnConfig, ProcessHandle, VpnRouteSpec } from '../interop/lab/index.js';
import { containerized, removeAll, runContainer } from './podman.js';

const CN_IMAGE = process.env.CN_IMAGE ?? 'localhost/control-node:0.1.0';
const PEERS_IMAGE = process.env.CN_PEERS_IMAGE ?? 'localhost/interop-peers:bookworm';
const ASN = 64512;
const RR = '192.0.2.15';
const CLUSTER_ID = '10.255.0.1';
const RT1 = 'target:64512:1';
/** gobgpd without graceful restart never sends End-of-RIB, so the first exchange may wait on fallback timers. */
const SYNC = { timeout: 60_000, interval: 500 } as const;

const CN_CONFIG: CnConfig = {
  node: { name: 'cn-ctr', routerId: '10.0.0.15', asn: ASN, clusterId: CLUSTER_ID },
  bgp: {
    listen: { address: RR, port: 179 },
    holdTime: 90,
    peers: [
      { name: 'gw', address: '192.0.2.11', asn: ASN, routeReflectorClient: true, families: ['inet-vpn', 'route-target'] },
      { name: 'frr', address: '192.0.2.12', asn: ASN, routeReflectorClient: true, families: ['inet-vpn'] },
    ],
  },
  // The image's health check asks 127.0.0.1:8083.
  introspect: { listen: { address: '0.0.0.0', port: 8083 } },
};

const FROM_GW: VpnRouteSpec = { rd: '192.0.2.11:21', prefix: '198.18.21.0/24', label: 1021, routeTargets: [RT1], nextHop: '192.0.2.11' };
const FROM_FRR: VpnRouteSpec = { rd: '192.0.2.12:22', prefix: '198.18.22.0/24', label: 1022, routeTargets: [RT1], nextHop: '192.0.2.12' };

let lab: Lab | undefined;
let cn: ProcessHandle | undefined;
let cnName = '';
let gw: GoBgp;
let frr: Frr;

async function imageExists(image: string): Promise<boolean> {
  return run('podman', ['image', 'exists', image]).then(() => true, () => false);
}

async function startLab(): Promise<void> {
  for (const image of [CN_IMAGE, PEERS_IMAGE]) {
    if (!(await imageExists(image))) throw new Error(`image ${image} is missing: run npm run test:containers (it builds the images)`);
  }
  lab = await Lab.create([{ name: 'gw', octet: 11 }, { name: 'frr', octet: 12 }, { name: 'cn', octet: 15 }]);
  const l = lab;

  // The config directory must be readable by the image's user (uid 10001); the lab dir is 0700.
  const cfgDir = l.file('cn-config');
  mkdirSync(cfgDir, { mode: 0o755 });
  writeFileSync(`${cfgDir}/control-node.yaml`, controlNodeYaml(CN_CONFIG), { mode: 0o644 });
  cnName = `${l.id}-cn`;
  cn = runContainer(l, 'cn', {
    image: CN_IMAGE, name: cnName, logFile: l.file('cn-container.log'),
    runArgs: ['--cap-add', 'NET_BIND_SERVICE', '-v', `${cfgDir}:/etc/control-node:ro`],
  });
  const proc = cn;
  await waitUntil('control-node container listening on 179', async () => {
    if (!proc.isRunning()) throw new WaitAborted(`control-node container exited (${String(await proc.exited)}), see ${proc.logFile}`);
    return (await l.exec('cn', 'ss', ['-Htln'])).includes(`${RR}:179`);
  }, 30_000);

  const peers = containerized(l, PEERS_IMAGE);
  gw = new GoBgp(peers, 'gw', {
    asn: ASN, routerId: '10.0.0.11', localAddress: '192.0.2.11',
    vrfs: [{ name: 'blue', rd: '192.0.2.11:1', importRts: [RT1], exportRts: [RT1] }],
    neighbors: [{ address: RR, peerAs: ASN, families: ['rtc', 'l3vpn-ipv4-unicast'], connectRetry: 3 }],
  });
  frr = new Frr(peers, 'frr', {
    asn: ASN, routerId: '10.0.0.12', neighbors: [{ address: RR, peerAs: ASN }], families: ['vpnv4'], networks: [FROM_FRR], connectRetry: 3,
  });
  await Promise.all([gw.start(), frr.start()]);
}

describe('control-node image in the lab', () => {
  useLab({
    start: startLab,
    lab: () => lab,
    label: 'containers',
    stop: async () => {
      await Promise.allSettled([gw?.stop(), frr?.stop(), cn?.stop()]);
      await removeAll();
    },
  });

  it('runs the node, gobgpd and FRR as containers, the node as its unprivileged user, and its health check passes', async () => {
    const names = (await run('podman', ['ps', '--format', '{{.Names}}'])).split('\n');
    expect(names).toEqual(expect.arrayContaining([cnName, `${lab?.id}-gw`, `${lab?.id}-frr`]));
    expect((await run('podman', ['inspect', '--format', '{{.Config.User}}', cnName])).trim()).toBe('control-node');
    await expect.poll(() => run('podman', ['healthcheck', 'run', cnName], { timeoutMs: 15_000 }).then(() => true, () => false),
      { timeout: 20_000, interval: 1_000, message: 'podman healthcheck run' }).toBe(true);
  });

  it('brings up both sessions', async () => {
    await expect.poll(() => sessionStateAt(gw, RR), { ...SYNC, message: 'gw -> cn' }).toBe('established');
    await expect.poll(() => sessionStateAt(frr, RR), { ...SYNC, message: 'frr -> cn' }).toBe('established');
  });

  it('reflects a VPN route each way', async () => {
    await gw.announce(FROM_GW);
    await expect.poll(() => viewAt(frr, FROM_GW), { ...SYNC, message: 'gw route at frr' }).toEqual(expectedReflection(FROM_GW, gw, CLUSTER_ID));
    await expect.poll(() => viewAt(gw, FROM_FRR), { ...SYNC, message: 'frr route at gw' }).toEqual(expectedReflection(FROM_FRR, frr, CLUSTER_ID));
  });
});
