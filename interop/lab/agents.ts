/**
 * vRouter agents in the lab: `LabAgent` is a typed proxy for one agent-runner
 * process (agent-runner.ts) running inside a host's namespace, driven over
 * JSON lines on its stdin/stdout. Every call is bounded; the process is stopped
 * by PID (through the Lab) or by closing its stdin.
 *
 * How the runner is run: Node 20 cannot execute TypeScript, and the runner
 * imports test/support/agent.ts, which imports src/xmpp/wire. So
 * `ensureAgentRunnerBuilt()` compiles exactly that import graph with the repo's
 * own tsc and tsconfig (plus --noCheck: `npm run typecheck` does the checking)
 * into <repo>/.lab/agent-runner/ (git-ignored; inside the repo so that bare
 * imports such as `saxes` resolve from <repo>/node_modules), at most once per
 * process and only when a source is newer than the output. Each agent is then
 * `ip netns exec <ns> node <repo>/.lab/agent-runner/interop/lab/agent-runner.js`.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PublishedRoute, RealAgentRoute, ReceivedItem } from '../../test/support/agent.js';
import type { AgentState } from './agent-runner.js';
import { REPO_ROOT } from './control-node.js';
import type { Lab } from './lab.js';
import type { PipedProcessHandle } from './proc.js';
import { run } from './proc.js';

export type { PublishedRoute, RealAgentRoute, ReceivedItem, AgentState };

const BUILD_DIR = join(REPO_ROOT, '.lab', 'agent-runner');
const RUNNER_REL = join('interop', 'lab', 'agent-runner.js');
const RUNNER_JS = join(BUILD_DIR, RUNNER_REL);
/** Every source the runner's import graph can reach. */
const SOURCES = ['src/xmpp/wire', 'test/support/agent.ts', 'test/support/real-agent.ts', 'interop/lab/agent-runner.ts'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return path.endsWith('.ts') ? st.mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((e) => newestMtime(join(path, e))));
}

let runnerBuilt: Promise<void> | undefined;

/** Compiles the agent runner (see the header) unless its output is up to date. */
export function ensureAgentRunnerBuilt(): Promise<void> {
  runnerBuilt ??= (async () => {
    const newest = Math.max(...SOURCES.map((s) => newestMtime(join(REPO_ROOT, s))));
    if (existsSync(RUNNER_JS) && statSync(RUNNER_JS).mtimeMs >= newest) return;
    // Built beside the final directory, then swapped in, so that a concurrent run never
    // starts an agent from a half-written tree.
    const tmp = `${BUILD_DIR}.build-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const tsconfig = join(tmp, 'tsconfig.json');
    writeFileSync(tsconfig, JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { rootDir: '../..', outDir: '.', sourceMap: false, noEmit: false, incremental: false },
      files: ['../../interop/lab/agent-runner.ts'],
      include: [],
    }, null, 2));
    try {
      await run('npx', ['tsc', '-p', tsconfig, '--noCheck'], { cwd: REPO_ROOT, timeoutMs: 120_000 });
    } catch (err) {
      if (!existsSync(join(tmp, RUNNER_REL))) {
        rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
      console.warn(`interop: tsc reported errors building the agent runner, using its output anyway:\n${(err as Error).message.slice(0, 2000)}`);
    }
    const old = `${BUILD_DIR}.old-${process.pid}`;
    if (existsSync(BUILD_DIR)) renameSync(BUILD_DIR, old);
    try {
      renameSync(tmp, BUILD_DIR);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another run swapped its build in meanwhile: same sources
    }
    rmSync(old, { recursive: true, force: true });
  })();
  return runnerBuilt;
}

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  event?: string;
  reason?: string;
}

interface Pending {
  cmd: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface LabAgentOptions {
  /** Agent name (the stream header's `from`); default: the host name. */
  name?: string;
  /** The control node's XMPP address and port. */
  server: { address: string; port: number };
  keepaliveMs?: number;
  /** The runner's log file in the lab dir; default `<host>-agent.log` (set it when a host runs several agents). */
  logName?: string;
}

/** One vRouter agent in a lab host. Create with `LabAgent.start`. */
export class LabAgent {
  readonly name: string;
  /** Reasons of every connection loss seen so far, oldest first. */
  readonly closures: string[] = [];
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    readonly host: string,
    readonly address: string,
    private readonly proc: PipedProcessHandle,
    private readonly opts: LabAgentOptions,
  ) {
    this.name = opts.name ?? host;
    const lines = createInterface({ input: proc.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => this.onLine(line));
    void proc.exited.then((code) => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`agent ${this.name}: runner exited (${String(code)}) during ${p.cmd}, see ${proc.logFile}`));
      }
      this.pending.clear();
    });
  }

  /** Starts the runner in `host`'s namespace (not yet connected). */
  static async start(lab: Lab, host: string, opts: LabAgentOptions): Promise<LabAgent> {
    await ensureAgentRunnerBuilt();
    const proc = lab.spawnPiped(host, process.execPath, [RUNNER_JS], opts.logName ?? `${host}-agent.log`);
    const agent = new LabAgent(host, lab.address(host), proc, opts);
    await agent.request('state'); // the runner is up and answering
    return agent;
  }

  /** Starts the runner and connects it. */
  static async connect(lab: Lab, host: string, opts: LabAgentOptions): Promise<LabAgent> {
    const agent = await LabAgent.start(lab, host, opts);
    await agent.connect();
    return agent;
  }

  get pid(): number | undefined {
    return this.proc.isRunning() ? this.proc.pid : undefined;
  }

  /** Opens an XMPP session to the control node (again, after a close). */
  async connect(): Promise<Record<string, string>> {
    const { address, port } = this.opts.server;
    const args: Record<string, unknown> = { host: address, port, name: this.name, connectTimeoutMs: 5_000 };
    if (this.opts.keepaliveMs !== undefined) args['keepaliveMs'] = this.opts.keepaliveMs;
    return (await this.request('connect', args, 10_000)) as Record<string, string>;
  }

  async subscribe(instance: string, instanceId?: number, noRibOut?: boolean): Promise<void> {
    await this.request('subscribe', { instance, instanceId, noRibOut });
  }

  async unsubscribe(instance: string): Promise<void> {
    await this.request('unsubscribe', { instance });
  }

  async publish(instance: string, route: PublishedRoute): Promise<void> {
    await this.request('publish', { instance, route });
  }

  /** Publishes exactly as a real agent prints it (every field, C-int integers; test/support/real-agent.ts). */
  async publishReal(instance: string, route: RealAgentRoute): Promise<void> {
    await this.request('publishReal', { instance, route });
  }

  /** Sends the config-channel subscribe a real agent sends after the stream opens. */
  async subscribeConfig(): Promise<void> {
    await this.request('subscribeConfig');
  }

  /** One publish stanza carrying all `routes` as items (node named after the first), then its collection. */
  async publishMany(instance: string, routes: readonly PublishedRoute[]): Promise<void> {
    await this.request('publishMany', { instance, routes });
  }

  async withdraw(instance: string, prefix: string): Promise<void> {
    await this.request('withdraw', { instance, prefix });
  }

  /** Writes raw bytes on the XMPP connection (`data` repeated `repeat` times). */
  async sendRaw(data: string, repeat = 1): Promise<void> {
    await this.request('sendRaw', { data, repeat });
  }

  /**
   * The items the control node has pushed for `instance` (current view, sorted by prefix):
   * its inet table (`1/1/<ri>`), or with `afi` 2 its inet6 table (`2/1/<ri>`).
   */
  async routes(instance: string, afi?: 1 | 2): Promise<ReceivedItem[]> {
    return (await this.request('routes', { instance, afi })) as ReceivedItem[];
  }

  async state(): Promise<AgentState> {
    return (await this.request('state')) as AgentState;
  }

  /** Waits (bounded) for the connection to go; says whether it went and why. */
  async waitClosed(timeoutMs = 5_000): Promise<{ closed: boolean; reason: string | undefined }> {
    return (await this.request('waitClosed', { timeoutMs }, timeoutMs + 5_000)) as { closed: boolean; reason: string | undefined };
  }

  /** Closes the stream (`</stream:stream>`) and the connection, like an agent shutting down. */
  async close(): Promise<void> {
    await this.request('close');
  }

  /** Drops the TCP connection without a stream close, like a crashing agent. */
  async destroy(): Promise<void> {
    await this.request('destroy');
  }

  /** Ends the runner: closes stdin (it drops the connection and exits), SIGTERM/SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (!this.proc.isRunning()) return;
    this.proc.stdin.end();
    const code = await Promise.race([this.proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3_000).unref())]);
    if (code === undefined) await this.proc.stop(2_000);
  }

  private request(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
    if (!this.proc.isRunning()) return Promise.reject(new Error(`agent ${this.name}: runner is not running (${cmd})`));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`agent ${this.name}: no reply to ${cmd} within ${timeoutMs} ms, see ${this.proc.logFile}`));
      }, timeoutMs);
      this.pending.set(id, { cmd, resolve, reject, timer });
      this.proc.stdin.write(`${JSON.stringify({ ...args, id, cmd })}\n`);
    });
  }

  private onLine(line: string): void {
    let msg: Reply;
    try {
      msg = JSON.parse(line) as Reply;
    } catch {
      return; // not ours (nothing else should write to stdout)
    }
    if (msg.event === 'closed') {
      this.closures.push(msg.reason ?? '?');
      return;
    }
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id!);
    clearTimeout(p.timer);
    if (msg.ok === true) p.resolve(msg.result);
    else p.reject(new Error(`agent ${this.name}: ${p.cmd} failed: ${msg.error ?? '?'}`));
  }
}

/** `address/label` of every next hop of the item for `prefix`, sorted ([] when absent). */
export function nextHopsOf(items: readonly ReceivedItem[], prefix: string): string[] {
  return (items.find((i) => i.id === prefix)?.nextHops ?? []).map((n) => `${n.address}/${n.label}`).sort();
}
