/**
 * XMPP over TLS as Contrail agents negotiate it (contrail-control.md §1.5,
 * `xmpp.tls`): header, `<stream:features>` with STARTTLS required,
 * `<starttls/>`, `<proceed/>`, TLS on the same socket with the agent's
 * certificate checked against the configured CA, a new header each way, then
 * the ordinary route channel. In process over loopback, with certificates
 * made for the run (test/support/certs.ts) and the test agent doing the
 * real handshake; a raw socket shows the exact cleartext bytes.
 */
import net from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { xmppNeighbors } from '../../src/introspect/data.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { agentStreamHeader } from '../../src/xmpp/wire/index.js';
import { TestAgent } from '../support/agent.js';
import { makeTestPki, type TestPki } from '../support/certs.js';

const BLUE = 'default-domain:demo:blue:blue';

let pki: TestPki;
let server: ServerHandle;
let logs: Array<Record<string, unknown>>;
const agents: TestAgent[] = [];

beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

async function start(tls: boolean): Promise<void> {
  logs = [];
  const t = pki.files;
  const config = `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp:
  listen: { address: 127.0.0.1, port: 0 }
${tls ? `  tls: { cert: "${t.cert}", key: "${t.key}", ca: "${t.ca}" }` : ''}
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", vn-index: 1, import-targets: [target:64512:100], export-targets: [target:64512:100] }
`;
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  server = await startServer(parseConfigText(config, 'test.yaml'), { logger });
}

afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
  await server?.stop();
});

async function agent(name: string, tls?: { cert: string; key: string; ca: string }): Promise<TestAgent> {
  const a = await TestAgent.connect({ host: '127.0.0.1', port: server.listening.xmpp!.port, name, keepaliveMs: 3000, ...(tls && { tls }) });
  agents.push(a);
  return a;
}

const route = { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25, encapsulations: ['gre'], securityGroups: [] };

/** Everything the server writes in cleartext to a plain connection that sent `header`, until it has `until`. */
function cleartext(header: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: server.listening.xmpp!.port }, () => s.write(header));
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`timed out; got ${JSON.stringify(got)}`));
    }, 3000);
    s.on('data', (b: Buffer) => {
      got += b.toString('utf8');
      if (!until.test(got)) return;
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    });
  });
}

describe('an XMPP server with xmpp.tls', () => {
  it('answers the first header with its own and STARTTLS required, and nothing else', async () => {
    await start(true);
    const got = await cleartext(agentStreamHeader({ from: 'compute-1', subCluster: '' }), /<\/stream:features>/);
    expect(got).toMatch(/^<stream:stream from="cn-test" to="compute-1" id="\+\+123" [^>]*>/);
    expect(got.slice(got.indexOf('<stream:features>'))).toBe(
      "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
    );
  });

  it('takes an agent through STARTTLS with its certificate, and routes then flow both ways over TLS', async () => {
    await start(true);
    const a = await agent('compute-1', { ...pki.agent, ca: pki.ca });
    const b = await agent('compute-2', { ...pki.agent, ca: pki.ca });
    expect([a.secure, b.secure]).toEqual([true, true]);
    expect(a.features?.children).toEqual([expect.objectContaining({ name: 'starttls' })]);
    a.subscribe(BLUE, 1);
    b.subscribe(BLUE, 1);
    a.publish(BLUE, route);
    await b.waitFor(() => b.routes(BLUE).has('10.1.1.3/32'), 3000, 'the route at compute-2');
    expect(b.routes(BLUE).get('10.1.1.3/32')!.nextHops.map((n) => n.address)).toEqual(['192.0.2.21']);
    const channels = [...server.xmpp!.channels];
    expect(channels.map((c) => [c.name, c.secure, c.state])).toEqual([['compute-1', true, 'established'], ['compute-2', true, 'established']]);
    expect(logs.filter((l) => l.msg === 'agent TLS established').map((l) => l.subject)).toEqual(['compute-1', 'compute-1']);
    expect(xmppNeighbors(server).map((n) => [n.name, n.auth])).toEqual([['compute-1', 'TLS'], ['compute-2', 'TLS']]);
  });

  it('refuses an agent whose certificate another CA signed, and logs why', async () => {
    await start(true);
    await expect(agent('rogue', { ...pki.rogueAgent, ca: pki.ca })).rejects.toThrow(/closed before the stream opened/);
    await expect.poll(() => logs.find((l) => l.msg === 'TLS handshake with the agent failed')).toMatchObject({
      reason: 'client certificate refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(server.xmpp!.byName.size).toBe(0);
    expect(server.xmpp!.closeReasons.get('TLS handshake failed')).toBe(1);
  });

  it('refuses a plain agent that goes on without STARTTLS, and logs why', async () => {
    await start(true);
    const plain = await TestAgent.connect({ host: '127.0.0.1', port: server.listening.xmpp!.port, name: 'compute-9', connectTimeoutMs: 3000 });
    agents.push(plain);
    expect(plain.features).toBeDefined();
    plain.subscribe(BLUE, 1);
    expect((await plain.closed).reason).not.toBe('closed');
    expect(server.xmpp!.closeReasons.get('TLS required')).toBe(1);
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'agent did not start TLS, which this control node requires; closing', got: 'iq' }));
  });
});

describe('an XMPP server without xmpp.tls', () => {
  it('offers no features and serves a plain agent as before', async () => {
    await start(false);
    const got = await cleartext(agentStreamHeader({ from: 'compute-1', subCluster: '' }), /<stream:stream [^>]*>/);
    expect(got).not.toContain('features');
    const a = await agent('compute-1');
    expect(a.secure).toBe(false);
    expect(xmppNeighbors(server).map((n) => n.auth)).toEqual(['NIL']);
    a.subscribe(BLUE, 1);
    a.publish(BLUE, route);
    await expect.poll(() => server.xmpp!.channels.size).toBe(1);
  });
});
