/**
 * Process helpers for the interop lab.
 *
 * - `run` / `runIn`: run a short command (optionally inside a network namespace)
 *   with a hard timeout and return its stdout.
 * - `spawnIn`: start a long-running daemon inside a namespace, in its own process
 *   group, with stdout/stderr appended to a log file. `ip netns exec` execs the
 *   command in place, so the returned PID is the daemon's own PID.
 * - `spawnPipedIn`: the same with stdin/stdout piped to us (line-protocol drivers).
 * - Every live handle is kept in a registry so that emergency paths (SIGINT,
 *   process exit) can kill exactly the PIDs this process started.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export interface RunOptions {
  /** Hard limit for the command, in milliseconds (default 15 s). */
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Runs `cmd args` and resolves with stdout; rejects with a CommandError on failure. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const timeout = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...args],
      { timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, cwd: opts.cwd, env: opts.env },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          const msg = `${cmd} ${args.join(' ')} failed (${String(code)}): ${stderr.trim() || stdout.trim() || err.message}`;
          reject(new CommandError(msg, stdout, stderr, code));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Runs a command inside network namespace `ns`. */
export function runIn(ns: string, cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export interface SpawnOptions {
  /** stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A running (or exited) process started by `spawnIn`. */
export interface ProcessHandle {
  readonly pid: number;
  readonly label: string;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s). Resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string>;
  /** SIGKILL at once, as a crash would end it (no shutdown handlers run); resolves with the signal. */
  kill(): Promise<number | string>;
}

const live = new Map<number, ProcessHandle>();

/** PIDs of every process started by `spawnIn` that has not exited yet. */
export function livePids(): number[] {
  return [...live.keys()];
}

/** Synchronous last-resort kill of every live lab process (for exit/signal handlers). */
export function killAllLiveSync(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, sleep(ms).then(() => undefined)]);
}

/** A process started by `spawnPipedIn`: its stdin and stdout are pipes to us. */
export interface PipedProcessHandle extends ProcessHandle {
  readonly stdin: Writable;
  readonly stdout: Readable;
}

/** Starts `cmd args` inside namespace `ns` as a daemon we own and can stop by PID. */
export function spawnIn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions): ProcessHandle {
  return track(startIn(ns, cmd, args, opts, 'ignore', 'log'), cmd, ns, opts.logFile);
}

/**
 * Like `spawnIn`, but stdin and stdout are pipes to this process (stderr goes to
 * the log file): for lab processes driven over a line protocol (the test agents).
 */
export function spawnPipedIn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions): PipedProcessHandle {
  const child = startIn(ns, cmd, args, opts, 'pipe', 'pipe');
  const handle = track(child, cmd, ns, opts.logFile);
  const { stdin, stdout } = child;
  if (!stdin || !stdout) throw new Error(`no pipes to ${cmd} in ${ns}`);
  // A broken pipe (the process died) is seen through `exited`, not as an unhandled error.
  stdin.on('error', () => undefined);
  return { ...handle, stdin, stdout };
}

function startIn(
  ns: string, cmd: string, args: readonly string[], opts: SpawnOptions, stdin: 'ignore' | 'pipe', stdout: 'log' | 'pipe',
): ChildProcess {
  const fd = openSync(opts.logFile, 'a');
  try {
    return spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      detached: true,
      stdio: [stdin, stdout === 'log' ? fd : 'pipe', fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
  } finally {
    closeSync(fd);
  }
}

/** Registers a started child as a live handle that can be stopped by PID. */
function track(child: ChildProcess, cmd: string, ns: string, logFile: string): ProcessHandle {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd} in ${ns}`);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(pid);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      running = false;
      live.delete(pid);
      resolve('spawn-error');
    });
  });
  child.unref();
  const handle: ProcessHandle = {
    pid,
    label: `${cmd}@${ns}`,
    logFile,
    exited,
    isRunning: () => running,
    stop: async (graceMs = 5_000) => {
      if (!running) return exited;
      signal(pid, 'SIGTERM');
      const code = await withTimeout(exited, graceMs);
      if (code !== undefined) return code;
      signal(pid, 'SIGKILL');
      const killed = await withTimeout(exited, 5_000);
      if (killed === undefined) throw new Error(`${handle.label} (pid ${pid}) did not die after SIGKILL`);
      return killed;
    },
    kill: async () => {
      if (!running) return exited;
      signal(pid, 'SIGKILL');
      const killed = await withTimeout(exited, 5_000);
      if (killed === undefined) throw new Error(`${handle.label} (pid ${pid}) did not die after SIGKILL`);
      return killed;
    },
  };
  live.set(pid, handle);
  return handle;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}

/** True when a process with this PID exists (EPERM counts as existing). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Thrown by a `waitUntil` probe to stop waiting at once (e.g. the daemon died). */
export class WaitAborted extends Error {
  override name = 'WaitAborted';
}

/**
 * Polls `probe` until it resolves truthy, at most `timeoutMs`; throws with
 * `what` and the last error otherwise.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = err;
    }
    await sleep(intervalMs);
  }
  const detail = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

export { sleep };
