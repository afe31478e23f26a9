/**
 * A control node started in process for each test, from a YAML config, with
 * test agents connected to its XMPP listener over loopback; both are torn
 * down after every test (agents first, then the node).
 */
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { TestAgent, type TestAgentOptions } from './agent.js';

export interface XmppTestNode {
  /** The node of the running test. */
  readonly server: ServerHandle;
  /** A test agent connected to the node (keepalive 3 s unless given), destroyed after the test. */
  agent(name: string, opts?: Partial<Omit<TestAgentOptions, 'host' | 'port' | 'name'>>): Promise<TestAgent>;
  /** Stop the node and start another from `config` in its place, for the rest of the test. */
  restart(config: string): Promise<ServerHandle>;
  /** Agents connected some other way, to destroy after the test too. */
  track(...more: TestAgent[]): void;
}

/** Registers the beforeEach/afterEach pair; `logger` is called once per test (default silent). */
export function useXmppNode(config: string, logger: () => Logger = () => pino({ level: 'silent' })): XmppTestNode {
  let server: ServerHandle | undefined;
  const agents: TestAgent[] = [];
  beforeEach(async () => {
    server = await startServer(parseConfigText(config, 'test.yaml'), { logger: logger() });
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) a.destroy();
    await server?.stop();
    server = undefined;
  });
  return {
    get server(): ServerHandle {
      if (!server) throw new Error('no control node outside a test');
      return server;
    },
    async agent(name, opts = {}) {
      const a = await TestAgent.connect({ host: '127.0.0.1', port: this.server.listening.xmpp!.port, name, keepaliveMs: 3000, ...opts });
      agents.push(a);
      return a;
    },
    async restart(next) {
      await server?.stop();
      server = await startServer(parseConfigText(next, 'test.yaml'), { logger: logger() });
      return server;
    },
    track(...more) {
      agents.push(...more);
    },
  };
}
