/**
 * The command-line parser, in-process: options, defaults, help, version and
 * usage errors (which map to exit code 2, like a bad config).
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli.js';
import type { CliOutput } from '../../src/cli.js';

function capture(): CliOutput & { out: string; err: string } {
  const sink = {
    out: '',
    err: '',
    writeOut: (text: string) => {
      sink.out += text;
    },
    writeErr: (text: string) => {
      sink.err += text;
    },
  };
  return sink;
}

describe('parseCli', () => {
  it('runs on the embedded default at level info when given nothing', () => {
    expect(parseCli([], capture())).toEqual({ kind: 'run', options: { configPath: undefined, logLevel: 'info' } });
  });

  it('takes the config file and the log level', () => {
    expect(parseCli(['--config', 'rr.yaml', '--log-level', 'debug'], capture())).toEqual({
      kind: 'run',
      options: { configPath: 'rr.yaml', logLevel: 'debug' },
    });
    expect(parseCli(['-c', 'rr.yaml', '-l', 'warn'], capture())).toEqual({
      kind: 'run',
      options: { configPath: 'rr.yaml', logLevel: 'warn' },
    });
  });

  it('prints the package version for --version and exits 0', () => {
    const out = capture();
    expect(parseCli(['--version'], out)).toEqual({ kind: 'exit', code: 0 });
    // Read here, independently of src/cli.ts: a parser that printed some other string, or read
    // the wrong package.json, would otherwise agree with itself.
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(out.out).toBe(`${version}\n`);
  });

  it('prints help that names every option for --help and exits 0', () => {
    const out = capture();
    expect(parseCli(['--help'], out)).toEqual({ kind: 'exit', code: 0 });
    for (const option of ['--config', '--log-level', '--version', '--help']) expect(out.out).toContain(option);
  });

  it.each([
    [['--log-level', 'loud']],
    [['--no-such-option']],
    [['--config']],
    [['extra-argument']],
  ])('rejects %j with exit code 2 and a message on stderr', (args) => {
    const out = capture();
    expect(parseCli(args, out)).toEqual({ kind: 'exit', code: 2 });
    expect(out.err).toMatch(/^error: /);
  });
});
