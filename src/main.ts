/**
 * The composition root: command line → configuration → logger → server,
 * then wait for SIGTERM or SIGINT and stop cleanly; or, for `show`, ask a
 * running node and exit with runShow's code.
 *
 * Exit codes: 0 after a clean stop, 1 when the server cannot start (e.g. the
 * BGP port is in use) or failed while stopping, 2 for a bad command line or a
 * bad configuration (nothing is started), 3 when the stop was cut short (it
 * did not finish within STOP_TIMEOUT_MS, or a second signal forced the exit):
 * a supervisor must be able to tell that peers may not have seen a Cease. Operator-facing lines go to stderr;
 * the structured log (pino, JSON) goes to stdout.
 *
 * Config reload: on SIGHUP, and when the config file changes (fs.watch on
 * its directory, debounced RELOAD_DEBOUNCE_MS), the file is loaded again and
 * handed to ServerHandle.reload, which applies the difference or refuses it;
 * either way one line on stderr says how it went. A file that does not load
 * is refused with the same one line as at start, and the node keeps running
 * on the config it has.
 */

import { watch } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { parseCli, runShow } from './cli.js';
import { tcpMd5Support } from './bgp/session/tcp-md5.js';
import { ConfigError, DEFAULT_CONFIG_LABEL, loadConfig, passwordKeyPaths, tcpMd5Problem } from './config/index.js';
import type { Config, LogLevel } from './config/index.js';
import { startServer, stopWithin } from './server.js';
import type { ServerHandle } from './server.js';
import { warmUp } from './warm-up.js';

/** Quiet time after the last change to the config file before it is reloaded (editors write in several steps). */
const RELOAD_DEBOUNCE_MS = 500;

/** How long stop() may take before the process exits anyway. */
const STOP_TIMEOUT_MS = 5000;

const EXIT_OK = 0;
const EXIT_START_FAILED = 1;
const EXIT_BAD_CONFIG = 2;
const EXIT_STOP_CUT_SHORT = 3;

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Loads the config, or says why not and exits 2. */
function configOrExit(path: string | undefined): Config {
  try {
    const config = loadConfig(path);
    // TCP-MD5 needs the platform: checked here (only when asked for), where config meets the session layer.
    const md5 = passwordKeyPaths(config).length > 0 ? tcpMd5Problem(config, tcpMd5Support()) : undefined;
    if (md5) throw new ConfigError({ file: path ?? DEFAULT_CONFIG_LABEL, keyPath: md5.keyPath }, md5.reason);
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    say(err.message);
    process.exit(EXIT_BAD_CONFIG);
  }
}

/** Stops the server on the first SIGTERM/SIGINT; a second one, or a stop past the timeout, forces a non-zero exit. */
function stopOnSignals(server: ServerHandle, logger: Logger, label: string): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      say(`${label}: ${signal} again, exiting without waiting`);
      process.exit(EXIT_STOP_CUT_SHORT);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    say(`${label}: ${signal}, stopping`);
    stopWithin(() => server.stop(), STOP_TIMEOUT_MS).then(
      (outcome) => {
        if (outcome === 'timed-out') {
          say(`${label}: stop did not finish within ${STOP_TIMEOUT_MS / 1000} s, exiting anyway`);
          process.exit(EXIT_STOP_CUT_SHORT);
        }
        logger.info('stopped');
        process.exit(EXIT_OK);
      },
      (err: unknown) => {
        say(`${label}: error while stopping: ${describeError(err)}`);
        process.exit(EXIT_START_FAILED);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * The root logger and a way to change the level of it and of every child
 * made from it (pino children keep the level they were made with).
 */
function makeLogger(level: LogLevel, name: string): { logger: Logger; setLevel: (level: LogLevel) => void } {
  let children: WeakRef<Logger>[] = [];
  let pruneAt = 1024;
  const onChild = (child: Logger): void => {
    children.push(new WeakRef(child));
    if (children.length < pruneAt) return;
    children = children.filter((c) => c.deref() !== undefined);
    pruneAt = Math.max(1024, children.length * 2);
  };
  const logger = pino({ level, base: { node: name }, onChild });
  const setLevel = (l: LogLevel): void => {
    logger.level = l;
    for (const c of children) {
      const child = c.deref();
      if (child) child.level = l;
    }
  };
  return { logger, setLevel };
}

/**
 * Reload on SIGHUP and when the config file changes. The directory is
 * watched, not the file: editors and `mv` replace the file, which would end
 * a watch on it. Without --config (the embedded default) only SIGHUP
 * applies, and reloads the same default.
 */
function reloadOnChange(server: ServerHandle, logger: Logger, label: string, configPath: string | undefined): void {
  const reload = (why: string): void => {
    let next: Config;
    try {
      next = loadConfig(configPath);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      say(`${label}: reload (${why}) refused: ${err.message}`);
      server.reloadFailed(err.message);
      return;
    }
    void server.reload(next).then((outcome) => {
      if (outcome.ok) say(`${label}: reload (${why}): ${Object.keys(outcome.changes).length === 0 ? 'nothing changed' : 'applied'}`);
      else say(`${label}: reload (${why}) refused: ${outcome.error}`);
    });
  };
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading the config');
    reload('SIGHUP');
  });
  if (configPath === undefined) return;
  const file = path.basename(configPath);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(path.dirname(path.resolve(configPath)), (_event, name) => {
    if (name !== null && name !== file) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload('file changed');
    }, RELOAD_DEBOUNCE_MS);
  });
  watcher.on('error', (err) => logger.warn({ err }, 'config file watch failed; reload with SIGHUP'));
  watcher.unref();
}

async function main(args: readonly string[]): Promise<void> {
  const cli = parseCli(args);
  if (cli.kind === 'exit') process.exit(cli.code);
  if (cli.kind === 'show') process.exit(await runShow(cli.show));
  const config = configOrExit(cli.options.configPath);
  const label = `control-node ${config.node.name}`;
  const { logger, setLevel } = makeLogger(config.logLevel ?? cli.options.logLevel, config.node.name);

  // Before listening: the hot path optimized for withdrawals too (src/warm-up.ts).
  const t0 = performance.now();
  const packed = warmUp();
  logger.debug({ ms: Math.round(performance.now() - t0), packed }, 'warm-up done');

  let server: ServerHandle;
  try {
    server = await startServer(config, { logger, setLogLevel: (level) => setLevel(level ?? cli.options.logLevel) });
  } catch (err) {
    logger.error({ err }, 'start failed');
    say(`${label}: cannot start: ${describeError(err)}`);
    process.exit(EXIT_START_FAILED);
  }
  const { bgp, xmpp } = server.listening;
  logger.info({ bgp, xmpp }, 'started');
  say(`${label}: BGP listening on ${bgp.address}:${bgp.port}`);
  if (xmpp) say(`${label}: XMPP listening on ${xmpp.address}:${xmpp.port}`);
  const intro = server.listening.introspect;
  const scheme = config.introspect.tls ? 'https' : 'http';
  const token = config.introspect.token !== undefined ? ', token required' : '';
  if (intro) say(`${label}: introspect on ${scheme}://${intro.address}:${intro.port}/api/summary (metrics: /metrics${token})`);
  stopOnSignals(server, logger, label);
  reloadOnChange(server, logger, label, cli.options.configPath);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  say(`control-node: internal error: ${describeError(err)}`);
  if (err instanceof Error && err.stack !== undefined) say(err.stack);
  process.exit(EXIT_START_FAILED);
});
