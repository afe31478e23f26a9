/**
 * The devices under test and their generated configurations. Every device
 * plays the same role: a route reflector listening passively on
 * addr:port (loopback), with the injector and the sinks as iBGP
 * route-reflector clients that negotiate IPv4-VPN only.
 *
 *  - control-node: `node bin/control-node.js --config <yaml> --log-level warn`
 *    (optionally under --cpu-prof), XMPP and introspect off unless the XMPP
 *    benchmark asks for them;
 *  - bird: BIRD 2 in the foreground (-f), a vpn4 table, next hops resolved
 *    through a static 198.18.0.0/15 route on lo (no kernel protocol: no FIB);
 *  - frr: /usr/lib/frr/bgpd in the foreground with -Z (no zebra), -n (no
 *    FIB), -S (no user switch), -P 0 (no vty TCP port), private vty socket dir;
 *  - gobgpd: TOML config, gRPC API on loopback port+1, pprof off, no zebra.
 *
 * Nothing here listens on or connects to anything but loopback.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const DEVICES = ['control-node', 'bird', 'frr', 'gobgpd'] as const;
export type DeviceKind = (typeof DEVICES)[number];
export const LABELS: Record<DeviceKind, string> = { 'control-node': 'control-node', bird: 'BIRD', frr: 'FRR', gobgpd: 'gobgpd' };

export interface PeerSpec {
  name: string;
  address: string;
  rrClient: boolean;
}

export interface XmppSpec {
  port: number;
  holdTime: number;
  instances: { name: string; id: number; vnIndex: number }[];
}

export interface Topology {
  addr: string;
  port: number;
  asn: number;
  routerId: string;
  holdTime: number;
  peers: PeerSpec[];
  xmpp?: XmppSpec;
  /** control-node: serve introspect here (metrics, /api/summary); off when absent. */
  introspectPort?: number;
}

export interface DeviceCommand {
  cmd: string;
  args: string[];
  cwd: string;
  /** Ports that must LISTEN before the run starts. */
  ports: { addr: string; port: number }[];
  /** Where --cpu-prof writes, when profiling. */
  profileDir?: string;
}

export interface DeviceOptions {
  repoRoot: string;
  /** --cpu-prof into this directory (control-node only). */
  profileDir?: string;
  /** Extra node flags for control-node (e.g. --max-old-space-size=8192). */
  nodeArgs: string[];
}

export function deviceCommand(kind: DeviceKind, t: Topology, dir: string, o: DeviceOptions): DeviceCommand {
  const ports = [{ addr: t.addr, port: t.port }];
  switch (kind) {
    case 'control-node': {
      const file = path.join(dir, 'control-node.yaml');
      fs.writeFileSync(file, controlNodeYaml(t));
      const args = [...o.nodeArgs];
      if (o.profileDir) args.push('--cpu-prof', '--cpu-prof-dir', o.profileDir);
      args.push(path.join(o.repoRoot, 'bin/control-node.js'), '--config', file, '--log-level', 'warn');
      if (t.xmpp) ports.push({ addr: t.addr, port: t.xmpp.port });
      return { cmd: process.execPath, args, cwd: o.repoRoot, ports, profileDir: o.profileDir };
    }
    case 'bird': {
      const file = path.join(dir, 'bird.conf');
      fs.writeFileSync(file, birdConf(t, dir));
      return { cmd: 'bird', args: ['-f', '-c', file, '-s', path.join(dir, 'bird.ctl'), '-P', path.join(dir, 'bird.pid')], cwd: dir, ports };
    }
    case 'frr': {
      const file = path.join(dir, 'bgpd.conf');
      fs.writeFileSync(file, frrConf(t, dir));
      const args = [
        '-f', file, '-i', path.join(dir, 'bgpd.pid'), '-Z', '-n', '-S', '-p', String(t.port), '-l', t.addr,
        '-A', '127.0.0.1', '-P', '0', '--vty_socket', dir, '-u', 'root', '-g', 'root',
      ];
      return { cmd: '/usr/lib/frr/bgpd', args, cwd: dir, ports };
    }
    case 'gobgpd': {
      const file = path.join(dir, 'gobgpd.toml');
      fs.writeFileSync(file, gobgpToml(t));
      const args = ['-f', file, '-t', 'toml', '-l', 'warn', '-p', `--api-hosts=${t.addr}:${t.port + 1}`, '--pprof-disable'];
      return { cmd: 'gobgpd', args, cwd: dir, ports };
    }
  }
}

export function controlNodeYaml(t: Topology): string {
  const lines = [
    `node: { name: bench-cn, router-id: ${t.routerId}, asn: ${t.asn}, cluster-id: ${t.routerId} }`,
    'bgp:',
    `  listen: { address: ${t.addr}, port: ${t.port} }`,
    `  hold-time: ${t.holdTime}`,
    '  peers:',
    ...t.peers.map(
      (p) =>
        `    - { name: ${p.name}, address: ${p.address}, asn: ${t.asn}, port: ${t.port}, passive: true, ` +
        `route-reflector-client: ${p.rrClient}, families: [inet-vpn] }`,
    ),
    t.xmpp
      ? `xmpp: { listen: { address: ${t.addr}, port: ${t.xmpp.port} }, hold-time: ${t.xmpp.holdTime} }`
      : 'xmpp: { enabled: false }',
    t.introspectPort === undefined
      ? 'introspect: { enabled: false }'
      : `introspect: { listen: { address: ${t.addr}, port: ${t.introspectPort} } }`,
  ];
  if (t.xmpp && t.xmpp.instances.length > 0) {
    lines.push('routing-instances:');
    for (const ri of t.xmpp.instances) lines.push(`  - { name: "${ri.name}", id: ${ri.id}, vn-index: ${ri.vnIndex} }`);
  }
  return lines.join('\n') + '\n';
}

function birdConf(t: Topology, dir: string): string {
  const lines = [
    `log "${dir}/bird.log" { warning, error, fatal };`,
    `router id ${t.routerId};`,
    'vpn4 table vpntab;',
    'protocol device { scan time 3600; }',
    // Next hops (198.18.0.0/15) resolve through this route; there is no kernel protocol, so no FIB.
    'protocol static nexthops { ipv4 { table master4; }; route 198.18.0.0/15 via "lo"; }',
    'template bgp rrc {',
    `  local ${t.addr} port ${t.port} as ${t.asn};`,
    '  strict bind on;',
    '  passive on;',
    '  rr client;',
    `  rr cluster id ${t.routerId};`,
    `  hold time ${t.holdTime}; keepalive time ${Math.max(1, Math.floor(t.holdTime / 3))};`,
    '  vpn4 mpls { table vpntab; igp table master4; import all; export all; };',
    '}',
    ...t.peers.map((p, i) => `protocol bgp peer${i} from rrc { neighbor ${p.address} as ${t.asn}; }`),
  ];
  return lines.join('\n') + '\n';
}

function frrConf(t: Topology, dir: string): string {
  return [
    'frr defaults traditional',
    'hostname bench-rr',
    `log file ${dir}/bgpd.log warnings`,
    '!',
    `router bgp ${t.asn}`,
    ` bgp router-id ${t.routerId}`,
    ` bgp cluster-id ${t.routerId}`,
    ' no bgp default ipv4-unicast',
    ' neighbor CLIENTS peer-group',
    ` neighbor CLIENTS remote-as ${t.asn}`,
    ' neighbor CLIENTS passive',
    ` neighbor CLIENTS timers ${Math.max(1, Math.floor(t.holdTime / 3))} ${t.holdTime}`,
    ...t.peers.map((p) => ` neighbor ${p.address} peer-group CLIENTS`),
    ' address-family ipv4 vpn',
    '  neighbor CLIENTS activate',
    '  neighbor CLIENTS route-reflector-client',
    ' exit-address-family',
    'exit',
    '!',
  ].join('\n') + '\n';
}

function gobgpToml(t: Topology): string {
  const lines = [
    '[global.config]',
    `  as = ${t.asn}`,
    `  router-id = "${t.routerId}"`,
    `  port = ${t.port}`,
    `  local-address-list = ["${t.addr}"]`,
  ];
  for (const p of t.peers) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${p.address}"`,
      `    peer-as = ${t.asn}`,
      '  [neighbors.timers.config]',
      `    hold-time = ${t.holdTime}`,
      `    keepalive-interval = ${Math.max(1, Math.floor(t.holdTime / 3))}`,
      '  [neighbors.transport.config]',
      '    passive-mode = true',
      `    local-address = "${t.addr}"`,
      '  [neighbors.route-reflector.config]',
      '    route-reflector-client = true',
      `    route-reflector-cluster-id = "${t.routerId}"`,
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "l3vpn-ipv4-unicast"',
    );
  }
  return lines.join('\n') + '\n';
}

/** One-line version of each device, for the results file (bounded, never fails). */
export function deviceVersion(kind: DeviceKind, repoRoot: string): string {
  const run = (cmd: string, args: string[]): string => {
    try {
      const r = spawnSync(cmd, args, { timeout: 5000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '?';
    } catch {
      return '?';
    }
  };
  switch (kind) {
    case 'control-node': {
      const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      return `control-node ${pkg.version} (node ${process.version})`;
    }
    case 'bird':
      return run('bird', ['--version']);
    case 'frr':
      return run('/usr/lib/frr/bgpd', ['--version']);
    case 'gobgpd':
      return run('gobgpd', ['--version']);
  }
}
