/**
 * `control-node show ...` against a node whose introspect speaks HTTPS with
 * a private CA and wants a token: --token (or CONTROL_NODE_TOKEN), --ca (or
 * NODE_EXTRA_CA_CERTS), and one clear line with exit code 1 when the token
 * is missing or wrong or the certificate is not trusted. The built binary
 * against such a node: test/cli/show.test.ts (which builds dist/ when stale).
 */

import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ENV, parseCli, runShow, type CliOutput, type ShowOptions } from '../../src/cli.js';
import { makeTestPki, type TestPki } from '../support/certs.js';
import { BLUE, startNode, withRoutes, type Node } from '../introspect/node.js';

const TOKEN = 'cli-remote-token-0123456789';

function capture(): CliOutput & { out: string; err: string } {
  const sink = { out: '', err: '', writeOut: (t: string) => void (sink.out += t), writeErr: (t: string) => void (sink.err += t) };
  return sink;
}

let pki: TestPki;
let node: Node;
let url: string;

beforeAll(async () => {
  pki = makeTestPki();
  const tls = { cert: readFileSync(pki.files.cert, 'utf8'), key: readFileSync(pki.files.key, 'utf8') };
  node = await startNode({ tls, token: TOKEN });
  url = `https://127.0.0.1:${node.introspect.address.port}`;
  await withRoutes(node);
}, 30_000);

afterAll(async () => {
  await node?.stop();
  pki?.remove();
});

afterEach(() => {
  delete process.env[TOKEN_ENV];
});

async function show(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const sink = capture();
  const cli = parseCli(['show', ...args], sink);
  if (cli.kind !== 'show') throw new Error(`not a show command: ${JSON.stringify(cli)}`);
  const code = await runShow(cli.show, sink);
  return { code, out: sink.out, err: sink.err };
}

describe('parseCli show, for a remote node', () => {
  it('takes --token and --ca', () => {
    expect(parseCli(['show', 'summary', '--url', 'https://cn1:8083', '--token', TOKEN, '--ca', '/etc/ca.pem'], capture())).toEqual({
      kind: 'show', show: { what: 'summary', url: 'https://cn1:8083', json: false, token: TOKEN, ca: '/etc/ca.pem' } satisfies ShowOptions,
    });
  });

  it('takes the token from CONTROL_NODE_TOKEN when --token is not given, and --token over it', () => {
    process.env[TOKEN_ENV] = 'from-the-environment-000';
    expect(parseCli(['show', 'agents'], capture())).toMatchObject({ show: { token: 'from-the-environment-000' } });
    expect(parseCli(['show', 'agents', '--token', TOKEN], capture())).toMatchObject({ show: { token: TOKEN } });
  });

  it('has no token when neither is given', () => {
    expect((parseCli(['show', 'agents'], capture()) as { show: ShowOptions }).show).not.toHaveProperty('token');
  });
});

describe('control-node show over HTTPS with a token', () => {
  it('prints the routes with the token and the CA', async () => {
    const { code, out, err } = await show(['routes', '--table', `${BLUE}.inet.0`, '--url', url, '--token', TOKEN, '--ca', pki.files.ca]);
    expect([code, err]).toEqual([0, '']);
    expect(out.split('\n')[0]).toBe(`${BLUE}.inet.0: 2 prefixes, 3 paths`);
  });

  it('presents the token from CONTROL_NODE_TOKEN', async () => {
    process.env[TOKEN_ENV] = TOKEN;
    const { code, out } = await show(['summary', '--url', url, '--ca', pki.files.ca]);
    expect(code).toBe(0);
    expect(out).toMatch(/^BGP peers: 1 \(0 up\), agents: 2,/);
  });

  it('says in one line that a token is needed, or was refused, and exits 1', async () => {
    expect(await show(['neighbors', '--url', url, '--ca', pki.files.ca])).toEqual({
      code: 1, out: '', err: `control-node: ${url}: HTTP 401: it needs a token: --token or CONTROL_NODE_TOKEN\n`,
    });
    expect(await show(['neighbors', '--url', url, '--ca', pki.files.ca, '--token', `${TOKEN}-wrong`])).toEqual({
      code: 1, out: '', err: `control-node: ${url}: HTTP 401: the token was refused\n`,
    });
  });

  it('says in one line that the certificate is not trusted, with the hint, when the CA is not given', async () => {
    const { code, out, err } = await show(['summary', '--url', url, '--token', TOKEN]);
    expect([code, out]).toEqual([1, '']);
    expect(err).toMatch(new RegExp(`^control-node: cannot reach ${url.replace(/\./g, '\\.')}: [A-Z_]+ \\(a private CA\\? --ca FILE\\)\\n$`));
  });

  it('names --ca when its file cannot be read', async () => {
    expect(await show(['summary', '--url', url, '--token', TOKEN, '--ca', '/nonexistent/ca.pem'])).toEqual({
      code: 1, out: '', err: 'control-node: --ca /nonexistent/ca.pem: ENOENT\n',
    });
  });
});
