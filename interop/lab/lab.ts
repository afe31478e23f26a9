/**
 * `Lab`: a private L2 segment built from network namespaces.
 *
 * One namespace per host plus a hub namespace holding a bridge; each host gets a
 * veth whose far end is enslaved to the bridge, and an address 192.0.2.<octet>/24.
 * The root namespace gets no lab address. Namespace names are `cn<pid>-<seq>-<host>`
 * so that concurrent or crashed runs never collide; `Lab.create` first removes
 * namespaces (and the processes recorded for them) of runs whose PID is gone.
 * Lab files live in a temp dir under os.tmpdir(), removed by `destroy()`
 * (kept if CN_LAB_KEEP=1). SIGINT/SIGTERM/exit trigger a synchronous cleanup.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllLiveSync, pidAlive, run, runIn, spawnIn, spawnPipedIn } from './proc.js';
import type { PipedProcessHandle, ProcessHandle, RunOptions } from './proc.js';

export interface HostSpec {
  /** Short name (≤ 8 chars): used in namespace and interface names. */
  name: string;
  /** Last octet of the host's 192.0.2.x/24 address. */
  octet: number;
}

const SUBNET = '192.0.2';
const NS_RE = /^cn(\d+)-/;
const DIR_PREFIX = 'cn-lab-';
let labSeq = 0;
const activeLabs = new Set<Lab>();

export class Lab {
  readonly hostNames: string[];
  private readonly procs = new Set<ProcessHandle>();
  private readonly created: string[] = [];
  private destroyed = false;

  private constructor(
    readonly id: string,
    readonly dir: string,
    private readonly hosts: readonly HostSpec[],
  ) {
    this.hostNames = hosts.map((h) => h.name);
  }

  /** Cleans stale labs, then builds namespaces, bridge and veths for `hosts`. */
  static async create(hosts: readonly HostSpec[]): Promise<Lab> {
    await removeStaleLabs();
    installEmergencyHandlers();
    const id = `cn${process.pid}-${labSeq++}`;
    const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    const lab = new Lab(id, dir, hosts);
    activeLabs.add(lab);
    lab.writePids();
    try {
      await lab.build();
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  get hubNs(): string {
    return `${this.id}-hub`;
  }

  /** Namespace name of a host. */
  ns(host: string): string {
    this.host(host);
    return `${this.id}-${host}`;
  }

  /** IPv4 address of a host. */
  address(host: string): string {
    return `${SUBNET}.${this.host(host).octet}`;
  }

  /** Name of the host's interface inside its namespace. */
  ifName(host: string): string {
    return `v-${this.host(host).name}`;
  }

  /**
   * Takes the host's lab interface down (or up again) inside its namespace, like a pulled
   * cable: sockets stay open, nothing is sent or received until `linkUp`.
   */
  async linkDown(host: string): Promise<void> {
    await run('ip', ['-n', this.ns(host), 'link', 'set', this.ifName(host), 'down']);
  }

  /** Brings the host's lab interface back up (its address stays configured). */
  async linkUp(host: string): Promise<void> {
    await run('ip', ['-n', this.ns(host), 'link', 'set', this.ifName(host), 'up']);
  }

  /** Absolute path of a lab file. */
  file(name: string): string {
    return join(this.dir, name);
  }

  /** Runs a short command inside a host's namespace. */
  exec(host: string, cmd: string, args: readonly string[], opts?: RunOptions): Promise<string> {
    return runIn(this.ns(host), cmd, args, opts);
  }

  /** Starts a daemon in a host's namespace; it is stopped by PID in `destroy()`. */
  spawn(host: string, cmd: string, args: readonly string[], logName: string): ProcessHandle {
    return this.own(spawnIn(this.ns(host), cmd, args, { logFile: this.file(logName) }));
  }

  /** Like `spawn`, with stdin/stdout piped to us (stderr goes to the log). */
  spawnPiped(host: string, cmd: string, args: readonly string[], logName: string): PipedProcessHandle {
    return this.own(spawnPipedIn(this.ns(host), cmd, args, { logFile: this.file(logName) }));
  }

  private own<T extends ProcessHandle>(handle: T): T {
    this.procs.add(handle);
    this.writePids();
    void handle.exited.then(() => {
      this.procs.delete(handle);
      if (!this.destroyed) this.writePids();
    });
    return handle;
  }

  /**
   * Captures all BGP traffic on the lab bridge into `<lab dir>/bgp.pcap` (tshark in the hub
   * namespace). Started only when CN_LAB_CAPTURE=1 unless `force`; combine with CN_LAB_KEEP=1
   * to keep the file. Resolves once tshark reports that the capture has started.
   */
  async startCapture(force = false): Promise<string | undefined> {
    if (!force && process.env['CN_LAB_CAPTURE'] !== '1') return undefined;
    const pcap = this.file('bgp.pcap');
    const proc = spawnIn(this.hubNs, 'tshark', ['-q', '-i', 'br0', '-f', 'tcp port 179', '-w', pcap], { logFile: this.file('tshark.log') });
    this.procs.add(proc);
    this.writePids();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && proc.isRunning()) {
      if (readFileSync(this.file('tshark.log'), 'utf8').includes('Capturing on')) return pcap;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`tshark did not start capturing, see ${this.file('tshark.log')}`);
  }

  /** Log files of every process started in this lab, for failure reports. */
  logFiles(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => this.file(f));
  }

  /** The last `lines` lines of every log file, for failure reports. */
  logTails(lines = 40): string {
    return this.logFiles()
      .map((f) => {
        const text = readFileSync(f, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        return `----- ${f} -----\n${text}`;
      })
      .join('\n');
  }

  /** Stops every process by PID, deletes the namespaces and the lab dir. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const errors: unknown[] = [];
    await Promise.all(
      [...this.procs].map((p) => p.stop().catch((err: unknown) => void errors.push(err))),
    );
    for (const ns of [...this.created].reverse()) {
      await run('ip', ['netns', 'del', ns]).catch((err: unknown) => void errors.push(err));
    }
    if (process.env['CN_LAB_KEEP'] === '1') {
      writeFileSync(this.file('lab-state.json'), JSON.stringify({ owner: process.pid, kept: true, pids: [] }));
    } else {
      rmSync(this.dir, { recursive: true, force: true });
    }
    activeLabs.delete(this);
    if (errors.length > 0) throw new AggregateError(errors, `lab ${this.id} teardown had errors`);
  }

  /** Synchronous teardown for signal/exit handlers. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.procs) signalQuiet(p.pid, 'SIGKILL');
    for (const ns of [...this.created].reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5_000 });
      } catch {
        // best effort
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    activeLabs.delete(this);
  }

  private host(name: string): HostSpec {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`unknown lab host ${name}`);
    return h;
  }

  private async addNs(ns: string): Promise<void> {
    await run('ip', ['netns', 'add', ns]);
    this.created.push(ns);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  private async build(): Promise<void> {
    const hub = this.hubNs;
    await this.addNs(hub);
    await run('ip', ['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', hub, 'link', 'set', 'br0', 'up']);
    for (const h of this.hosts) {
      const ns = this.ns(h.name);
      const inner = this.ifName(h.name);
      const outer = `p-${h.name}`;
      await this.addNs(ns);
      // Created inside the hub namespace, peer moved straight into the host: nothing touches the root ns.
      await run('ip', ['-n', hub, 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', ns]);
      await run('ip', ['-n', ns, 'addr', 'add', `${this.address(h.name)}/24`, 'dev', inner]);
      await run('ip', ['-n', ns, 'link', 'set', inner, 'up']);
      await run('ip', ['-n', hub, 'link', 'set', outer, 'master', 'br0', 'up']);
    }
  }

  private writePids(): void {
    const state = { owner: process.pid, namespaces: this.created, pids: [...this.procs].map((p) => p.pid) };
    writeFileSync(this.file('lab-state.json'), JSON.stringify(state));
  }
}

function signalQuiet(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

async function listNamespaces(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** Kills processes recorded by dead runs (only if they still sit in that run's namespaces). */
async function killStaleProcesses(staleNs: ReadonlySet<string>): Promise<void> {
  for (const entry of readdirSync(tmpdir())) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(entry);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = join(tmpdir(), entry);
    let pids: number[] = [];
    try {
      const state = JSON.parse(readFileSync(join(dir, 'lab-state.json'), 'utf8')) as { pids?: number[]; kept?: boolean };
      if (state.kept === true) continue; // CN_LAB_KEEP=1: the user wants these logs
      pids = state.pids ?? [];
    } catch {
      // no state file: nothing recorded
    }
    for (const pid of pids) {
      if (!pidAlive(pid)) continue;
      const where = await run('ip', ['netns', 'identify', String(pid)]).catch(() => '');
      if (staleNs.has(where.trim())) signalQuiet(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes `cn<pid>-*` namespaces (and their recorded processes) whose owning PID is gone. */
export async function removeStaleLabs(): Promise<string[]> {
  const stale = (await listNamespaces()).filter((ns) => {
    const m = NS_RE.exec(ns);
    return m !== null && !pidAlive(Number(m[1]));
  });
  await killStaleProcesses(new Set(stale));
  for (const ns of stale) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  return stale;
}

let handlersInstalled = false;

function emergencyCleanup(): void {
  killAllLiveSync();
  for (const lab of [...activeLabs]) lab.destroySync();
}

function installEmergencyHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', emergencyCleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      emergencyCleanup();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}
