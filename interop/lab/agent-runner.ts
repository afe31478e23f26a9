/**
 * A vRouter agent as a lab process: wraps one TestAgent (test/support/agent.ts)
 * and is driven over stdin/stdout with JSON lines, because the vitest process
 * cannot enter a network namespace but a child started with `ip netns exec`
 * can. See agents.ts for the driving side and for how this file is built
 * (tsc into <repo>/.lab/agent-runner/, run with plain `node`).
 *
 * Request:  {"id": 1, "cmd": "connect", ...arguments}
 * Reply:    {"id": 1, "ok": true, "result": ...} or {"id": 1, "ok": false, "error": "..."}
 * Event:    {"event": "closed", "reason": "..."} when the agent's TCP connection goes.
 *
 * Commands (run one at a time, in order): connect {host, port, name, keepaliveMs?,
 * connectTimeoutMs?}, subscribe {instance, instanceId?, noRibOut?}, unsubscribe
 * {instance}, publish {instance, route}, publishReal {instance, route} (exactly as a real
 * agent prints it, test/support/real-agent.ts), subscribeConfig, publishMany {instance, routes} (one publish
 * stanza with several items), withdraw {instance, prefix}, sendRaw
 * {data, repeat?}, routes {instance, afi?} (the received items of the inet table, or
 * of inet6 with afi 2, sorted by prefix),
 * state, waitClosed {timeoutMs}, close, destroy. A connect while a connection is
 * up is an error; after a close it opens a new session. The process exits when
 * stdin closes (dropping the connection without a stream close, like a crash).
 */
import { createInterface } from 'node:readline';
import { agentInetItem, collectionIq, inetPublishNode, publishIq } from '../../src/xmpp/wire/index.js';
import { TestAgent } from '../../test/support/agent.js';
import type { PublishedRoute, RealAgentRoute, ReceivedItem } from '../../test/support/agent.js';

export interface AgentState {
  connected: boolean;
  name: string | undefined;
  closeReason: string | undefined;
  protocolError: string | undefined;
  stats: TestAgent['stats'] | undefined;
  /** Connections made so far by this runner. */
  sessions: number;
}

interface Request {
  id: number;
  cmd: string;
  [arg: string]: unknown;
}

let agent: TestAgent | undefined;
let connected = false;
let closeReason: string | undefined;
let sessions = 0;

function send(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function log(text: string): void {
  process.stderr.write(`${new Date().toISOString()} ${text}\n`);
}

function str(req: Request, key: string): string {
  const v = req[key];
  if (typeof v !== 'string') throw new Error(`${req.cmd}: ${key} must be a string`);
  return v;
}

function optNum(req: Request, key: string): number | undefined {
  const v = req[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new Error(`${req.cmd}: ${key} must be a number`);
  return v;
}

function live(): TestAgent {
  if (!agent || !connected) throw new Error(`not connected${closeReason ? ` (${closeReason})` : ''}`);
  return agent;
}

async function connect(req: Request): Promise<unknown> {
  if (agent && connected) throw new Error('already connected');
  const opts: Parameters<typeof TestAgent.connect>[0] = { host: str(req, 'host'), port: optNum(req, 'port') ?? 5269, name: str(req, 'name') };
  const keepaliveMs = optNum(req, 'keepaliveMs');
  if (keepaliveMs !== undefined) opts.keepaliveMs = keepaliveMs;
  const connectTimeoutMs = optNum(req, 'connectTimeoutMs');
  if (connectTimeoutMs !== undefined) opts.connectTimeoutMs = connectTimeoutMs;
  const a = await TestAgent.connect(opts);
  agent = a;
  connected = true;
  closeReason = undefined;
  sessions++;
  void a.closed.then((c) => {
    if (agent !== a) return;
    connected = false;
    closeReason = c.reason;
    log(`connection closed: ${c.reason}`);
    send({ event: 'closed', reason: c.reason });
  });
  return a.serverHeader;
}

function routes(instance: string, afi: number | undefined): ReceivedItem[] {
  const table = agent?.routes(instance, afi) ?? new Map<string, ReceivedItem>();
  return [...table.values()].sort((x, y) => x.id.localeCompare(y.id));
}

async function waitClosed(timeoutMs: number): Promise<{ closed: boolean; reason: string | undefined }> {
  const a = agent;
  if (!a || !connected) return { closed: true, reason: closeReason };
  const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs).unref());
  const c = await Promise.race([a.closed, timeout]);
  return c === undefined ? { closed: false, reason: undefined } : { closed: true, reason: c.reason };
}

function state(): AgentState {
  return {
    connected, name: agent?.name, closeReason, protocolError: agent?.protocolError, stats: agent ? { ...agent.stats } : undefined, sessions,
  };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'connect':
      return connect(req);
    case 'subscribe': {
      const opts: { noRibOut?: boolean } = {};
      if (typeof req['noRibOut'] === 'boolean') opts.noRibOut = req['noRibOut'];
      live().subscribe(str(req, 'instance'), optNum(req, 'instanceId'), opts);
      return null;
    }
    case 'unsubscribe':
      live().unsubscribe(str(req, 'instance'));
      return null;
    case 'publish':
      live().publish(str(req, 'instance'), req['route'] as PublishedRoute);
      return null;
    case 'publishReal':
      live().publishReal(str(req, 'instance'), req['route'] as RealAgentRoute);
      return null;
    case 'subscribeConfig':
      live().subscribeConfig();
      return null;
    case 'publishMany': {
      // One publish stanza carrying several items (allowed, §2.3), then its collection.
      const instance = str(req, 'instance');
      const list = req['routes'] as PublishedRoute[];
      const a = live();
      const node = inetPublishNode(instance, list[0]?.prefix ?? '');
      const id = `${Date.now()}`;
      a.sendRaw(publishIq({ agent: a.name, id: `pubsub-many${id}`, node, itemsXml: list.map(agentInetItem).join('') }) +
        collectionIq({ agent: a.name, id: `collection-many${id}`, instance, node, associate: true }));
      return null;
    }
    case 'withdraw':
      live().withdraw(str(req, 'instance'), str(req, 'prefix'));
      return null;
    case 'sendRaw': {
      const data = str(req, 'data');
      const repeat = optNum(req, 'repeat') ?? 1;
      live().sendRaw(repeat === 1 ? data : data.repeat(repeat));
      return null;
    }
    case 'routes':
      return routes(str(req, 'instance'), optNum(req, 'afi'));
    case 'state':
      return state();
    case 'waitClosed':
      return waitClosed(optNum(req, 'timeoutMs') ?? 5_000);
    case 'close':
      await agent?.close();
      return state();
    case 'destroy':
      agent?.destroy();
      await agent?.closed;
      return state();
    default:
      throw new Error(`unknown command ${req.cmd}`);
  }
}

function brief(req: Request): string {
  const text = JSON.stringify(req);
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} bytes)` : text;
}

let queue: Promise<void> = Promise.resolve();

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  let req: Request;
  try {
    req = JSON.parse(line) as Request;
  } catch {
    send({ id: -1, ok: false, error: `bad request line: ${line.slice(0, 200)}` });
    return;
  }
  queue = queue.then(async () => {
    if (req.cmd !== 'routes' && req.cmd !== 'state') log(`> ${brief(req)}`);
    try {
      send({ id: req.id, ok: true, result: await handle(req) });
    } catch (err) {
      log(`! ${req.cmd}: ${(err as Error).message}`);
      send({ id: req.id, ok: false, error: (err as Error).message });
    }
  });
});
lines.on('close', () => {
  void queue.then(() => {
    agent?.destroy();
    log('stdin closed, exiting');
    process.exit(0);
  });
});
