/**
 * `control-node show ...` against a running node (in-process, two agents
 * with routes): the command line it accepts, the aligned tables and JSON it
 * prints, and the one-line failure when the node cannot be reached; then
 * the built binary, for the exit code main.ts gives.
 */

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHOW_URL, formatDuration, parseCli, runShow, type CliOutput, type ShowOptions } from '../../src/cli.js';
import { startIntrospect } from '../../src/introspect/server.js';
import { makeTestPki } from '../support/certs.js';
import { BLUE, startNode, withRoutes, type Node } from '../introspect/node.js';

function capture(): CliOutput & { out: string; err: string } {
  const sink = { out: '', err: '', writeOut: (t: string) => void (sink.out += t), writeErr: (t: string) => void (sink.err += t) };
  return sink;
}

let node: Node;
beforeAll(async () => {
  node = await startNode();
  await withRoutes(node);
});
afterAll(() => node.stop());

async function show(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const sink = capture();
  const cli = parseCli(['show', ...args, '--url', node.base], sink);
  if (cli.kind !== 'show') throw new Error(`not a show command: ${JSON.stringify(cli)}`);
  const code = await runShow(cli.show, sink);
  return { code, out: sink.out, err: sink.err };
}

describe('parseCli show', () => {
  it('defaults to the embedded default node and takes --table, --prefix and --json for routes', () => {
    expect(parseCli(['show', 'summary'], capture())).toEqual({ kind: 'show', show: { what: 'summary', url: DEFAULT_SHOW_URL, json: false } });
    expect(DEFAULT_SHOW_URL).toBe('http://127.0.0.1:18083');
    expect(parseCli(['show', 'routes', '--table', 'inet.0', '--prefix', '10.', '--json', '--url', 'http://cn1:8083/'], capture())).toEqual({
      kind: 'show', show: { what: 'routes', url: 'http://cn1:8083', json: true, table: 'inet.0', prefix: '10.' } satisfies ShowOptions,
    });
  });

  it('rejects an unknown thing to show, or show alone, with exit code 2', () => {
    const sink = capture();
    expect(parseCli(['show', 'bananas'], sink)).toEqual({ kind: 'exit', code: 2 });
    expect(sink.err).toContain('bananas');
    expect(parseCli(['show'], capture())).toEqual({ kind: 'exit', code: 2 });
  });

  it('still runs a node with the options it had', () => {
    expect(parseCli(['-c', 'rr.yaml', '-l', 'warn'], capture())).toEqual({ kind: 'run', options: { configPath: 'rr.yaml', logLevel: 'warn' } });
  });
});

describe('control-node show against a running node', () => {
  it('prints every table that has routes, best path marked, the ECMP path and the step a loser lost at', async () => {
    const { code, out, err } = await show(['routes', '--table', `${BLUE}.inet.0`]);
    expect([code, err]).toEqual([0, '']);
    expect(out).toBe([
      `${BLUE}.inet.0: 2 prefixes, 3 paths`,
      '    Prefix       Next hop    Label  Source     Proto  LocPref  MED  AS path  Lost at',
      '*>  10.1.1.3/32  192.0.2.21  25     compute-1  XMPP   100      200  -',
      '*=               192.0.2.22  26     compute-2  XMPP   100      200  -        peer-id',
      '*>  10.1.1.4/32  192.0.2.22  27     compute-2  XMPP   200      100  -',
      '',
    ].join('\n'));
  });

  it('prints all non-empty tables without --table, and only matching prefixes with --prefix', async () => {
    const all = (await show(['routes'])).out;
    expect(all.match(/^\S+: \d+ prefixes/gm)).toEqual([
      'bgp.rtarget.0: 4 prefixes', 'bgp.l3vpn.0: 4 prefixes', 'bgp.l3vpn-inet6.0: 1 prefixes',
      `${BLUE}.inet.0: 2 prefixes`, `${BLUE}.inet6.0: 1 prefixes`, 'default-domain:demo:red:red.inet.0: 1 prefixes',
    ]);
    const some = (await show(['routes', '--prefix', '10.1.1.4'])).out;
    expect(some.match(/^\*\S*\s+\S+/gm)).toEqual(['*>  192.0.2.22:3:10.1.1.4/32', '*>  10.1.1.4/32']);
  });

  it('prints neighbours and agents as aligned tables with their state and prefixes', async () => {
    const nei = (await show(['neighbors'])).out.split('\n');
    expect(nei[0]).toBe('Peer       Type  Address    AS     State        Up/Down   Prefixes');
    expect(nei[1]).toBe('gw         BGP   127.0.0.9  64512  Active       never     0');
    expect(nei[2]).toMatch(/^compute-1  XMPP  127\.0\.0\.1  -      Established  \d\d:\d\d:\d\d  2$/);
    const agents = (await show(['agents'])).out.split('\n');
    expect(agents[2]).toMatch(/^compute-2  127\.0\.0\.1  Established  \d\d:\d\d:\d\d  2 +3 +\d+$/);
  });

  it('prints instances and the summary from the same numbers as the JSON API', async () => {
    const inst = (await show(['instances'])).out.split('\n');
    expect(inst[2]).toBe(`${BLUE}                         1         target:64512:100,target:64512:8000001  target:64512:100,target:64512:8000001  2         2`);
    const sum = (await show(['summary'])).out.split('\n');
    expect(sum[0]).toBe('BGP peers: 1 (0 up), agents: 2, attribute sets: ' + sum[0]!.split('attribute sets: ')[1]);
    expect(sum.find((l) => l.startsWith('bgp.l3vpn.0 '))).toMatch(/^bgp\.l3vpn\.0 +4 +4$/);
  });

  it('prints the introspect JSON with --json', async () => {
    const { out } = await show(['routes', '--table', `${BLUE}.inet.0`, '--json']);
    const views = JSON.parse(out) as { table: string; routes: { prefix: string }[] }[];
    expect(views.map((v) => [v.table, v.routes.map((r) => r.prefix)])).toEqual([[`${BLUE}.inet.0`, ['10.1.1.3/32', '10.1.1.4/32']]]);
  });

  it('says in one line why, and exits 1, when the table does not exist or the node is unreachable', async () => {
    expect(await show(['routes', '--table', 'nope.0'])).toEqual({ code: 1, out: '', err: `control-node: ${node.base}/api/routes?table=nope.0&limit=1000: HTTP 404: no table nope.0\n` });
    const port = await closedPort();
    const sink = capture();
    expect(await runShow({ what: 'summary', url: `http://127.0.0.1:${port}`, json: false }, sink)).toBe(1);
    expect(sink.err).toBe(`control-node: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  it('formats up times like gobgp', () => {
    expect([formatDuration(65_000), formatDuration(3 * 86_400_000 + 3_723_000)]).toEqual(['00:01:05', '3d 01:02:03']);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('the built binary', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  /** Newest modification time under a folder. */
  const newest = (folder: string): number => Math.max(0, ...readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile()).map((e) => statSync(path.join(e.parentPath, e.name)).mtimeMs));
  // Build only when dist/ is older than src/: rewriting it while binary.test.ts runs the binary could hand that run a half-written module.
  beforeAll(async () => {
    const main = path.join(root, 'dist', 'main.js');
    if (existsSync(main) && statSync(main).mtimeMs >= newest(path.join(root, 'src'))) return;
    await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root });
  }, 180_000);

  it('shows routes of a running node and exits 1 with one line when there is none', async () => {
    const run = (args: string[]) => promisify(execFile)(process.execPath, [path.join(root, 'bin/control-node.js'), ...args]);
    const ok = await run(['show', 'routes', '--table', `${BLUE}.inet.0`, '--url', node.base]);
    expect(ok.stdout.split('\n')[0]).toBe(`${BLUE}.inet.0: 2 prefixes, 3 paths`);
    const port = await closedPort();
    const failed = await run(['show', 'neighbors', '--url', `http://127.0.0.1:${port}`]).catch((e: { code: number; stderr: string; stdout: string }) => e);
    expect(failed).toMatchObject({ code: 1, stdout: '', stderr: `control-node: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n` });
  });

  it('asks an HTTPS node with a token: CONTROL_NODE_TOKEN and a CA from NODE_EXTRA_CA_CERTS work, a wrong token is one line and exit 1', async () => {
    const pki = makeTestPki();
    const token = 'binary-test-token-0123456789';
    const tls = { cert: readFileSync(pki.files.cert, 'utf8'), key: readFileSync(pki.files.key, 'utf8') };
    const remote = await startIntrospect(node.server, { address: '127.0.0.1', port: 0 }, pino({ level: 'silent' }), { tls, token });
    const url = `https://127.0.0.1:${remote.address.port}`;
    const run = (args: string[], env: Record<string, string>) =>
      promisify(execFile)(process.execPath, [path.join(root, 'bin/control-node.js'), ...args], { env: { ...process.env, ...env } });
    try {
      const ok = await run(['show', 'routes', '--table', `${BLUE}.inet.0`, '--url', url], { CONTROL_NODE_TOKEN: token, NODE_EXTRA_CA_CERTS: pki.files.ca });
      expect(ok.stdout.split('\n')[0]).toBe(`${BLUE}.inet.0: 2 prefixes, 3 paths`);
      const failed = await run(['show', 'summary', '--url', url, '--ca', pki.files.ca, '--token', 'not-the-token-at-all'], {})
        .catch((e: { code: number; stderr: string; stdout: string }) => e);
      expect(failed).toMatchObject({ code: 1, stdout: '', stderr: `control-node: ${url}: HTTP 401: the token was refused\n` });
    } finally {
      await remote.close();
      pki.remove();
    }
  });
});
