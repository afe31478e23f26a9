/**
 * A control node started in process for a test, from a YAML config, with
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
  /** Stop the running node, if any, and start one from `config` for the rest of the test. */
  start(config: string): Promise<ServerHandle>;
  /** Destroy the test's agents and stop its node (after every test anyway). */
  stop(): Promise<void>;
  /** A test agent connected to the node (keepalive 3 s unless given), destroyed after the test. */
  agent(name: string, opts?: Partial<Omit<TestAgentOptions, 'host' | 'port' | 'name'>>): Promise<TestAgent>;
  /** Agents connected some other way, to destroy after the test too. */
  track(...more: TestAgent[]): void;
}

/**
 * Registers the hooks: with a `config`, a node from it before every test;
 * without, none until the test calls start(). `logger` is called once per
 * node (default silent).
 */
export function useXmppNode(config?: string, logger: () => Logger = () => pino({ level: 'silent' })): XmppTestNode {
  let server: ServerHandle | undefined;
  const agents: TestAgent[] = [];
  const node: XmppTestNode = {
    get server(): ServerHandle {
      if (!server) throw new Error('no control node running');
      return server;
    },
    async start(next) {
      await server?.stop();
      server = await startServer(parseConfigText(next, 'test.yaml'), { logger: logger() });
      return server;
    },
    async stop() {
      for (const a of agents.splice(0)) a.destroy();
      await server?.stop();
      server = undefined;
    },
    async agent(name, opts = {}) {
      const a = await TestAgent.connect({ host: '127.0.0.1', port: node.server.listening.xmpp!.port, name, keepaliveMs: 3000, ...opts });
      agents.push(a);
      return a;
    },
    track(...more) {
      agents.push(...more);
    },
  };
  if (config !== undefined) beforeEach(async () => void (await node.start(config)));
  afterEach(() => node.stop());
  return node;
}
