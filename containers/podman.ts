/**
 * Lab daemons as podman containers: each joins its lab host's namespace
 * (`--network ns:/run/netns/<ns>`), so addresses, the bridge and the
 * oracles (gobgp, vtysh, curl run in the namespace) are the lab's as they are
 * for host processes. `containerized(lab, image)` is the lab seen by GoBgp
 * and Frr, with `spawn` starting the daemon in a container instead.
 *
 * The container runs attached (`podman run --rm`, no -d) so its output goes to
 * the lab log file and the handle's PID is podman's: SIGTERM to it reaches the
 * daemon (podman's --sig-proxy). Every name is recorded and `removeAll()`
 * removes what is left with `podman rm -f`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { run } from '../interop/lab/proc.js';
import type { ProcessHandle } from '../interop/lab/proc.js';
import type { Lab } from '../interop/lab/lab.js';

export interface ContainerOptions {
  image: string;
  /** Container name; unique per lab. */
  name: string;
  /** `podman run` options before the image (volumes, capabilities, env). */
  runArgs?: readonly string[];
  /** Entrypoint override and arguments; none = the image's own. */
  command?: readonly string[];
  logFile: string;
}

const started = new Set<string>();

/** Starts `podman run --rm` attached in the root namespace; the container joins the lab host's namespace. */
export function runContainer(lab: Lab, host: string, o: ContainerOptions): ProcessHandle {
  started.add(o.name);
  const args = ['run', '--rm', '--name', o.name, '--pull=never', '--network', `ns:/run/netns/${lab.ns(host)}`,
    ...(o.runArgs ?? []), o.image, ...(o.command ?? [])];
  const fd = openSync(o.logFile, 'a');
  let child;
  try {
    child = spawn('podman', args, { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start podman for ${o.name}`);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, sig) => { running = false; resolve(code ?? sig ?? 'unknown'); });
    child.once('error', () => { running = false; resolve('spawn-error'); });
  });
  child.unref();
  const handle: ProcessHandle = {
    pid,
    label: `${o.name}@${lab.ns(host)}`,
    logFile: o.logFile,
    exited,
    isRunning: () => running,
    stop: async (graceMs = 5_000) => {
      if (!running) return exited;
      await run('podman', ['stop', '-t', String(Math.ceil(graceMs / 1000)), o.name], { timeoutMs: graceMs + 10_000 }).catch(() => undefined);
      await run('podman', ['rm', '-f', '-t', '0', o.name], { timeoutMs: 15_000 }).catch(() => undefined);
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
      const code = await Promise.race([exited, timer]);
      if (code === 'timeout') {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        return exited;
      }
      return code;
    },
    kill: async () => {
      if (!running) return exited;
      await run('podman', ['kill', '--signal', 'KILL', o.name], { timeoutMs: 15_000 }).catch(() => undefined);
      await run('podman', ['rm', '-f', '-t', '0', '--ignore', o.name], { timeoutMs: 15_000 }).catch(() => undefined);
      return exited;
    },
  };
  return handle;
}

/** Removes every container started here that is still there. */
export async function removeAll(): Promise<void> {
  for (const name of started) {
    await run('podman', ['rm', '-f', '-t', '0', '--ignore', name], { timeoutMs: 30_000 }).catch(() => undefined);
  }
  started.clear();
}

/**
 * The lab as GoBgp and Frr use it, with `spawn(host, cmd, args)` starting
 * `cmd args` in `image` joined to the host's namespace. The lab directory is
 * mounted at the same path, so config files, pid files, logs and FRR's vty
 * sockets keep their paths (and vtysh/gobgp in the namespace reach them).
 */
export function containerized(lab: Lab, image: string): Lab {
  return new Proxy(lab, {
    get(target, prop, receiver) {
      if (prop === 'spawn') {
        return (host: string, cmd: string, args: readonly string[], logName: string): ProcessHandle =>
          runContainer(target, host, {
            image,
            name: `${target.id}-${host}`,
            // bgpd sets socket options (and FRR wants these three, see containers.md).
            runArgs: ['-v', `${target.dir}:${target.dir}`, '--cap-add', 'NET_ADMIN,NET_RAW,SYS_ADMIN', '--entrypoint', cmd],
            command: args,
            logFile: target.file(logName),
          });
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
