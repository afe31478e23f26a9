/**
 * The built binary (bin/control-node.js → dist/main.js) run as a child
 * process: exit codes, the one-line operator messages on stderr, the JSON log
 * on stdout, listening on the configured port, and a clean stop on SIGTERM.
 * Everything binds to 127.0.0.1 only.
 */

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BgpMessage } from '../../src/bgp/wire/types.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'control-node.js');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cn-cli-'));
const children = new Set<ChildProcess>();

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitForStderr(r: Run, pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(r.stderr());
    if (match !== null) return match;
    if (r.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`stderr never matched ${pattern}; stderr so far: ${r.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function connect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

function writeConfig(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function goodConfig(port: number): string {
  return [
    'node: { name: cli-test, router-id: 127.0.0.1, asn: 64512 }',
    `bgp: { listen: { address: 127.0.0.1, port: ${port} } }`,
    'xmpp: { listen: { address: 127.0.0.1, port: 0 } }',
    'introspect: { listen: { address: 127.0.0.1, port: 0 } }',
    '',
  ].join('\n');
}

/** Newest modification time of any file under `folder`. */
function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * True when dist/ is older than src/. Skipping an up-to-date build matters:
 * `npm test` has just built, and rewriting dist/ while another test file runs
 * the binary could hand that run a half-written module.
 */
function buildIsStale(): boolean {
  const main = path.join(ROOT, 'dist', 'main.js');
  return !existsSync(main) || statSync(main).mtimeMs < newestMtime(path.join(ROOT, 'src'));
}

beforeAll(async () => {
  if (!buildIsStale()) return;
  try {
    await promisify(execFile)(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    throw new Error(`the build failed:\n${out.slice(0, 4000)}`);
  }
}, 180_000);

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('control-node given a bad configuration', () => {
  it('exits 2 with one line on stderr naming the file and the key', async () => {
    const file = writeConfig('bad.yaml', 'node: { name: cn1, router-id: 10.0.0.1, asn: x }\n');
    const r = run(['--config', file]);
    expect(await r.exit).toEqual({ code: 2, signal: null });
    expect(r.stderr()).toBe(`${file}: node.asn: expected an integer 1..4294967295, got "x"\n`);
    expect(r.stdout()).toBe('');
  });

  it('exits 2 with one line on stderr when the file does not exist', async () => {
    const file = path.join(dir, 'absent.yaml');
    const r = run(['--config', file]);
    expect((await r.exit).code).toBe(2);
    expect(r.stderr()).toMatch(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}: cannot read: ENOENT[^\\n]*\\n$`));
  });

  it('exits 2 with one line naming xmpp.tls.cert when the certificate file is missing', async () => {
    const missing = path.join(dir, 'no-such-cert.pem');
    const file = writeConfig('tls.yaml',
      `node: { name: cn1, router-id: 10.0.0.1, asn: 64512 }\nxmpp: { tls: { cert: ${missing}, key: ${missing}, ca: ${missing} } }\n`);
    const r = run(['--config', file]);
    expect(await r.exit).toEqual({ code: 2, signal: null });
    expect(r.stderr()).toMatch(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}: xmpp\\.tls\\.cert: cannot read "[^"]+": ENOENT[^\\n]*\\(and 2 more problems\\)\\n$`));
  });

  it('exits 2 for an option it does not know', async () => {
    const r = run(['--frobnicate']);
    expect((await r.exit).code).toBe(2);
    expect(r.stderr()).toContain('--frobnicate');
  });
});

describe('control-node given a good configuration', () => {
  it('listens where it says, accepts a connection, and exits 0 soon after SIGTERM', async () => {
    const port = await freePort();
    const r = run(['--config', writeConfig('good.yaml', goodConfig(port))]);
    await waitForStderr(r, new RegExp(`^control-node cli-test: BGP listening on 127\\.0\\.0\\.1:${port}\\n`));
    await connect(port);
    await waitForStderr(r, /XMPP listening on 127\.0\.0\.1:(\d+)\n/);
    await connect(Number(/XMPP listening on 127\.0\.0\.1:(\d+)/.exec(r.stderr())![1]));

    const sent = Date.now();
    r.child.kill('SIGTERM');
    expect(await r.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(5000);
    const lines = r.stdout().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { level?: unknown; node?: unknown; msg?: unknown });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['started', 'stopping', 'stopped']));
    for (const l of lines) expect(l).toMatchObject({ level: expect.any(Number), node: 'cli-test' });
  });

  it('exits 1 with one line on stderr when its port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const r = run(['--config', writeConfig('taken.yaml', goodConfig(port))]);
      expect((await r.exit).code).toBe(1);
      expect(r.stderr()).toMatch(/^control-node cli-test: cannot start: .*EADDRINUSE.*\n$/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});

/** A config whose one BGP peer is a RawBgpPeer listening on 127.0.0.1:`peerPort`. */
function peerConfig(listenPort: number, peerPort: number): string {
  return [
    'node: { name: cli-test, router-id: 10.0.0.1, asn: 64512 }',
    `bgp: { listen: { address: 127.0.0.1, port: ${listenPort} }, connect-retry: 1, peers: [ { name: raw, address: 127.0.0.1, asn: 64513, port: ${peerPort} } ] }`,
    'xmpp: { enabled: false }',
    'introspect: { enabled: false }',
    '',
  ].join('\n');
}

const ceaseOf = (m: BgpMessage | undefined) => (m?.type === 'notification' ? { code: m.code, subcode: m.subcode } : undefined);

describe('control-node stopped while a BGP session is Established', () => {
  const listeners: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of listeners.splice(0)) await close();
  });

  /** Starts the binary with one peer and brings that session up; returns the run and the peer. */
  async function established(): Promise<{ r: Run; peer: RawBgpPeer }> {
    const l = await RawBgpPeer.listen();
    listeners.push(l.close);
    const r = run(['--config', writeConfig('peer.yaml', peerConfig(await freePort(), l.port))]);
    const peer = await l.accepted();
    const theirs = await peer.handshake(openFor(64513, 0x0a000002, ['1/1', '1/128']));
    expect(theirs).toMatchObject({ myAs: 64512, bgpId: 0x0a000001 });
    return { r, peer };
  }

  it('sends Cease 6/2 (administrative shutdown) as its last message before closing, and exits 0', async () => {
    const { r, peer } = await established();
    r.child.kill('SIGTERM');
    // The peer closes its side only once it has the NOTIFICATION, as a real one would.
    await peer.until('a NOTIFICATION', (got) => got.some((m) => m.type === 'notification'));
    peer.end();
    expect(await r.exit).toEqual({ code: 0, signal: null });
    await peer.until('the connection closed', () => peer.closed);
    expect(ceaseOf(peer.received.at(-1))).toEqual({ code: 6, subcode: 2 });
    // The FIN came after the NOTIFICATION, never before it.
    expect(peer.endedAfter).toBe(peer.received.length);
  });

  it('exits 3, not 0, when a second signal cuts the clean stop short', async () => {
    const { r, peer } = await established();
    r.child.kill('SIGTERM');
    await peer.until('a NOTIFICATION', (got) => got.some((m) => m.type === 'notification'));
    // The peer keeps its side open, so the stop lingers on this connection; a second SIGTERM forces the exit.
    r.child.kill('SIGTERM');
    expect(await r.exit).toEqual({ code: 3, signal: null });
    expect(r.stderr()).toContain('SIGTERM again, exiting without waiting');
  });
});

describe('control-node --version', () => {
  it('prints the package version and exits 0', async () => {
    const r = run(['--version']);
    expect((await r.exit).code).toBe(0);
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout()).toBe(`${version}\n`);
  });
});

describe('control-node reloading its configuration', () => {
  const withPeers = (port: number, peers: string[], routerId = '127.0.0.1'): string =>
    goodConfig(port).replace('router-id: 127.0.0.1', `router-id: ${routerId}`).replace(
      `bgp: { listen: { address: 127.0.0.1, port: ${port} } }`,
      `bgp: { listen: { address: 127.0.0.1, port: ${port} }, peers: [${peers.join(', ')}] }`,
    );
  const MX1 = '{ name: mx1, address: 127.0.0.2, asn: 64512, passive: true }';
  const MX2 = '{ name: mx2, address: 127.0.0.3, asn: 64512, passive: true }';
  const count = (text: string, needle: string): number => text.split(needle).length - 1;

  it('applies a file change and SIGHUP, refuses a bad file and an identity change, and the untouched session stays up', async () => {
    const port = await freePort();
    const file = writeConfig('reload.yaml', withPeers(port, [MX1]));
    const r = run(['--config', file]);
    const [, introspect] = await waitForStderr(r, /introspect on (http:\/\/[^/]+)\/api\/summary/);
    const mx1 = await RawBgpPeer.connect(port, '127.0.0.1', { localAddress: '127.0.0.2' });
    await mx1.handshake(openFor(64512, 0x0a000002, ['1/1', '1/128']), true);
    const label = 'control-node cli-test';

    writeFileSync(file, withPeers(port, [MX1, MX2]));
    await waitForStderr(r, new RegExp(`${label}: reload \\(file changed\\): applied`));
    r.child.kill('SIGHUP');
    await waitForStderr(r, new RegExp(`${label}: reload \\(SIGHUP\\): nothing changed`));
    writeFileSync(file, withPeers(port, [MX1, MX2]).replace('asn: 64512 }', 'asn: x }'));
    await waitForStderr(r, new RegExp(`${label}: reload \\(file changed\\) refused: ${file}: node.asn: expected an integer`));
    writeFileSync(file, withPeers(port, [MX1, MX2], '127.0.0.9'));
    await waitForStderr(r, /refused: node.router-id changed \(127.0.0.1 -> 127.0.0.9\)/);

    const neighbors = (await (await fetch(`${introspect}/api/neighbors`)).json()) as { name: string; state: string; flaps: number }[];
    expect(neighbors.map((n) => [n.name, n.state, n.flaps])).toEqual([['mx1', 'Established', 0], ['mx2', 'Active', 0]]);
    const summary = (await (await fetch(`${introspect}/api/summary`)).json()) as { lastReload: { ok: boolean; error: string } };
    expect(summary.lastReload).toMatchObject({ ok: false, error: expect.stringContaining('node.router-id changed') });
    expect(mx1.received.some((m: BgpMessage) => m.type === 'notification')).toBe(false);
    expect(count(r.stderr(), 'reload (file changed): applied')).toBe(1);
    mx1.destroy();
    r.child.kill('SIGTERM');
    expect(await r.exit).toEqual({ code: 0, signal: null });
  });
});
