/**
 * The command line: `control-node [--config FILE] [--log-level LEVEL]`,
 * plus --version and --help. Parsing only; main.ts decides what to do.
 *
 * parseCli never exits the process itself: help, version and usage errors
 * come back as { kind: 'exit', code } after commander has printed them, so
 * the parser can be tested in-process.
 */

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CliOptions {
  /** The config file; undefined means the embedded default. */
  configPath: string | undefined;
  logLevel: LogLevel;
}

export type CliResult = { kind: 'run'; options: CliOptions } | { kind: 'exit'; code: number };

/** Exit code for a command line that cannot be understood (as for a bad config). */
export const USAGE_EXIT_CODE = 2;

/** Where commander prints help, version and usage errors; tests replace it. */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processOutput: CliOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/** The version from package.json (one level above src/ and dist/). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}

function buildCommand(output: CliOutput): Command {
  return new Command('control-node')
    .description('BGP route reflector and Contrail-compatible control node')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .option('-c, --config <file>', 'YAML (or JSON) configuration file; without it, a built-in default')
    .addOption(
      new Option('-l, --log-level <level>', 'log level of the JSON log on stdout')
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .allowExcessArguments(false)
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr })
    .exitOverride();
}

/** Parses user arguments (process.argv.slice(2)). */
export function parseCli(args: readonly string[], output: CliOutput = processOutput): CliResult {
  const command = buildCommand(output);
  try {
    command.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return { kind: 'exit', code: err.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
    }
    throw err;
  }
  const opts = command.opts<{ config?: string; logLevel: LogLevel }>();
  return { kind: 'run', options: { configPath: opts.config, logLevel: opts.logLevel } };
}
