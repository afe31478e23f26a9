import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import {
  XmppStreamParser, endOfRibMessage, pairCollection, parseAgentStanza, parseInetItem, retractMessage, routeMessage,
  streamHeader,
} from '../../src/xmpp/wire/index.js';
import type { AgentRequest, OutInetItem, PublishRequest, XmppEvent } from '../../src/xmpp/wire/index.js';
import { TestAgent } from '../support/agent.js';

const BLUE = 'default-domain:demo:blue:blue';

/** A minimal fake control node: answers the header, records what it parses, pushes on demand. */
class FakeCn {
  readonly events: XmppEvent[] = [];
  readonly requests: AgentRequest[] = [];
  readonly raw: Buffer[] = [];
  socket: net.Socket | undefined;
  private readonly server: net.Server;

  constructor(private readonly answerHeader = true) {
    this.server = net.createServer((s) => this.accept(s));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(s: net.Socket): void {
    this.socket = s;
    const parser = new XmppStreamParser();
    s.on('data', (chunk: Buffer) => {
      this.raw.push(chunk);
      for (const e of parser.feed(chunk)) {
        this.events.push(e);
        if (e.kind === 'open' && this.answerHeader) s.write(streamHeader({ from: 'ctrl-1', to: e.attrs['from'] ?? '' }));
        if (e.kind === 'stanza') this.requests.push(parseAgentStanza(e.el));
      }
    });
    s.on('error', () => {});
  }

  push(data: string | string[]): void {
    for (const d of Array.isArray(data) ? data : [data]) this.socket?.write(d);
  }

  async until(pred: () => boolean, timeoutMs = 3000): Promise<void> {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > timeoutMs) throw new Error('fake CN: timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  kinds(): string[] {
    return this.requests.map((r) => r.kind);
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const item = (prefix: string, label = 38): OutInetItem => ({
  prefix,
  nextHops: [{ address: '192.168.1.10', label, encapsulations: ['gre', 'udp'], virtualNetwork: 'vn', tags: [] }],
  virtualNetwork: 'vn', localPref: 100, med: 200, sequenceNumber: 0, mobility: { seqno: 0, sticky: false },
  securityGroups: [], communities: [],
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function setup(opts: { keepaliveMs?: number; xmlDeclaration?: boolean } = {}): Promise<{ cn: FakeCn; agent: TestAgent }> {
  const cn = new FakeCn();
  const port = await cn.listen();
  const agent = await TestAgent.connect({ host: '127.0.0.1', port, name: 'compute-1', ...opts });
  cleanup.push(async () => {
    agent.destroy();
    await cn.close();
  });
  return { cn, agent };
}

describe('TestAgent', () => {
  test('connect sends the Example A header, waits for the CN header, then sends a keepalive', async () => {
    const { cn, agent } = await setup();
    await cn.until(() => cn.events.some((e) => e.kind === 'keepalive'));
    expect(cn.events[0]).toEqual({
      kind: 'open',
      attrs: {
        from: 'compute-1', to: 'network-control@contrailsystems.com', version: '1.0', 'xml:lang': 'en', xmlns: '',
        'xmlns:stream': 'http://etherx.jabber.org/streams',
      },
    });
    expect(Buffer.concat(cn.raw).toString()).toContain('xmlns="" xmlns:stream="http://etherx.jabber.org/streams" >');
    expect(agent.serverHeader).toMatchObject({ from: 'ctrl-1', to: 'compute-1', id: '++123' });
  });

  test('subscribe, publish and withdraw arrive as the CN expects them', async () => {
    const { cn, agent } = await setup();
    agent.subscribe(BLUE, 3);
    agent.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.168.1.10', label: 38, securityGroups: [8000002] });
    agent.withdraw(BLUE, '10.1.1.3/32');
    agent.unsubscribe(BLUE);
    await cn.until(() => cn.requests.length === 6);
    expect(cn.kinds()).toEqual(['subscribe', 'publish', 'collection', 'publish', 'collection', 'unsubscribe']);
    expect(cn.requests[0]).toEqual({ kind: 'subscribe', instance: BLUE, instanceId: 3, noRibOut: false });
    const add = pairCollection(cn.requests[1] as PublishRequest, cn.requests[2] as never);
    expect(add).toMatchObject({ kind: 'update', instance: BLUE, withdraw: false });
    const addItem = add.kind === 'update' ? add.items[0] : undefined;
    expect(parseInetItem(addItem!, { master: false, withdraw: false })).toMatchObject({
      ok: true, route: { prefix: { family: 'inet' as const, addr: 0x0a010103, len: 32 }, nextHop: { address: 0xc0a8010a, label: 38 }, securityGroups: [8000002] },
    });
    expect(pairCollection(cn.requests[3] as PublishRequest, cn.requests[4] as never)).toMatchObject({ withdraw: true });
    expect(Buffer.concat(cn.raw).toString()).toContain('<?xml version="1.0"?>\n<iq type="set"');
  });

  test('the End-of-RIB iq pair pairs into end-of-rib at the CN', async () => {
    const { cn, agent } = await setup({ xmlDeclaration: false });
    agent.sendEndOfRib();
    await cn.until(() => cn.requests.length === 2);
    expect(pairCollection(cn.requests[0] as PublishRequest, cn.requests[1] as never)).toEqual({ kind: 'end-of-rib' });
  });

  test('pushed items fill routes(), newer items replace, retracts remove, End-of-RIB is counted', async () => {
    const { cn, agent } = await setup();
    cn.push(routeMessage({ agent: 'compute-1', instance: BLUE, items: [item('10.1.1.3/32'), item('10.1.1.4/32')] }));
    await agent.waitFor(() => agent.routes(BLUE).size === 2, 3000, 'two routes');
    cn.push(routeMessage({ agent: 'compute-1', instance: BLUE, items: [item('10.1.1.3/32', 99)] }));
    await agent.waitFor(() => agent.routes(BLUE).get('10.1.1.3/32')?.nextHops[0]?.label === 99, 3000, 'label 99');
    cn.push(retractMessage({ agent: 'compute-1', instance: BLUE, prefixes: ['10.1.1.4/32'] }));
    cn.push(endOfRibMessage({ agent: 'compute-1' }));
    await agent.waitFor(() => agent.stats.endOfRib === 1, 3000, 'EoR');
    expect([...agent.routes(BLUE).keys()]).toEqual(['10.1.1.3/32']);
    expect(agent.stats).toMatchObject({ items: 3, retracts: 1, endOfRib: 1 });
    expect(agent.tableNodes()).toEqual([`1/1/${BLUE}`]);
  });

  test('inet6 items (node 2/1/<ri>) go to routes(instance, 2) and never into the inet view', async () => {
    const { cn, agent } = await setup();
    const v6Items = [item('2001:db8:5::5/128', 25), item('2001:db8:5::6/128')].map((i) => ({ ...i, afi: 2 }));
    cn.push(routeMessage({ agent: 'compute-1', instance: BLUE, afi: 2, items: v6Items }));
    cn.push(routeMessage({ agent: 'compute-1', instance: BLUE, items: [item('10.1.1.3/32')] }));
    await agent.waitFor(() => agent.routes(BLUE, 2).size === 2 && agent.routes(BLUE).size === 1, 3000, 'both tables');
    cn.push(retractMessage({ agent: 'compute-1', instance: BLUE, afi: 2, prefixes: ['2001:db8:5::6/128'] }));
    await agent.waitFor(() => agent.routes(BLUE, 2).size === 1, 3000, 'the inet6 retract');
    expect([...agent.routes(BLUE).keys()]).toEqual(['10.1.1.3/32']);
    const v6 = agent.routes(BLUE, 2).get('2001:db8:5::5/128');
    expect([v6?.af, v6?.safi, v6?.prefix, v6?.nextHops[0]?.address, v6?.nextHops[0]?.label]).toEqual([2, 1, '2001:db8:5::5/128', '192.168.1.10', 25]);
    expect(agent.tableNodes().sort()).toEqual([`1/1/${BLUE}`, `2/1/${BLUE}`]);
  });

  test('keepalives are sent every keepaliveMs', async () => {
    const { cn } = await setup({ keepaliveMs: 20 });
    await cn.until(() => cn.events.filter((e) => e.kind === 'keepalive').length >= 3);
  });

  test('waitFor rejects after its timeout', async () => {
    const { agent } = await setup();
    await expect(agent.waitFor(() => false, 50, 'nothing')).rejects.toThrow(/timed out after 50 ms waiting for nothing/);
  });

  test('a CN that drops the connection resolves closed and rejects pending waits', async () => {
    const { cn, agent } = await setup();
    const pending = agent.waitFor(() => false, 5000, 'never');
    cn.socket?.destroy();
    await expect(pending).rejects.toThrow(/connection closed/);
    expect((await agent.closed).reason).toMatch(/peer closed|ECONNRESET/);
  });

  test('close() sends </stream:stream> and the CN sees a stream close', async () => {
    const { cn, agent } = await setup();
    await agent.close();
    await cn.until(() => cn.events.some((e) => e.kind === 'close'));
  });

  test('a malformed push makes the agent drop the session with the parse error', async () => {
    const { cn, agent } = await setup();
    cn.push('<message><oops></message>');
    const c = await agent.closed;
    expect(c.reason).toMatch(/parse error not-well-formed/);
    expect(agent.protocolError).toMatch(/^not-well-formed: /);
  });

  test('connect rejects when nothing listens and when the CN never answers the header', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(TestAgent.connect({ host: '127.0.0.1', port, name: 'x' })).rejects.toThrow(/closed before the stream opened/);

    const silent = new FakeCn(false);
    const silentPort = await silent.listen();
    cleanup.push(() => silent.close());
    await expect(
      TestAgent.connect({ host: '127.0.0.1', port: silentPort, name: 'x', connectTimeoutMs: 100 }),
    ).rejects.toThrow(/no CN stream header within 100 ms/);
  });
});
