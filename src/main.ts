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
 */

import { pino } from 'pino';
import type { Logger } from 'pino';
import { parseCli, runShow } from './cli.js';
import { tcpMd5Support } from './bgp/session/tcp-md5.js';
import { ConfigError, DEFAULT_CONFIG_LABEL, loadConfig, tcpMd5Problem } from './config/index.js';
import type { Config } from './config/index.js';
import { startServer, stopWithin } from './server.js';
import type { ServerHandle } from './server.js';

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
    const md5 = config.bgp.peers.some((p) => p.password !== undefined) ? tcpMd5Problem(config.bgp, tcpMd5Support()) : undefined;
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

async function main(args: readonly string[]): Promise<void> {
  const cli = parseCli(args);
  if (cli.kind === 'exit') process.exit(cli.code);
  if (cli.kind === 'show') process.exit(await runShow(cli.show));
  const config = configOrExit(cli.options.configPath);
  const label = `control-node ${config.node.name}`;
  const logger = pino({ level: cli.options.logLevel, base: { node: config.node.name } });

  let server: ServerHandle;
  try {
    server = await startServer(config, { logger });
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
  if (intro) say(`${label}: introspect on http://${intro.address}:${intro.port}/api/summary (metrics: /metrics)`);
  stopOnSignals(server, logger, label);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  say(`control-node: internal error: ${describeError(err)}`);
  if (err instanceof Error && err.stack !== undefined) say(err.stack);
  process.exit(EXIT_START_FAILED);
});
