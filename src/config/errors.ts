/**
 * Configuration errors: the ConfigError type and the one-line rendering of a
 * zod issue or a YAML syntax error.
 *
 * Every message is a single line that names the file, the key path as written
 * in the file (kebab-case, `bgp.peers[1].asn`) and the reason, so that an
 * operator can act on it without reading a stack trace:
 *
 *   config.yaml: bgp.peers[1].asn: expected an integer 1..4294967295, got "x"
 *   config.yaml:3:7: YAML syntax error: Nested mappings are not allowed ...
 */

import type { z } from 'zod';

/** Where a problem is: the file, and a key path or a line and column in it. */
export interface ConfigErrorPlace {
  /** The file as given, or `<default>` for the embedded default. */
  file: string;
  /** The key path as written in the file, e.g. `bgp.peers[1].asn`; absent for the whole document. */
  keyPath?: string;
  /** 1-based line and column, for YAML syntax errors. */
  line?: number;
  col?: number;
}

/** A problem with the configuration; `message` is one line, ready for stderr. */
export class ConfigError extends Error {
  readonly file: string;
  readonly keyPath: string | undefined;
  readonly line: number | undefined;
  readonly col: number | undefined;

  constructor(place: ConfigErrorPlace, reason: string) {
    let where = place.file;
    if (place.line !== undefined) where += `:${place.line}:${place.col ?? 1}`;
    if (place.keyPath !== undefined && place.keyPath !== '') where += `: ${place.keyPath}`;
    super(`${where}: ${oneLine(reason)}`);
    this.name = 'ConfigError';
    this.file = place.file;
    this.keyPath = place.keyPath;
    this.line = place.line;
    this.col = place.col;
  }
}

const MAX_SHOWN = 40;
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** Collapses any line breaks so the message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** A short, one-line rendering of a config value for "got ..." messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const cut = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value;
    return JSON.stringify(cut);
  }
  return String(value);
}

/** Renders a zod path in the file's own terms: `bgp.peers[1].asn`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') {
      out += `[${part}]`;
    } else {
      const key = String(part);
      const shown = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
      out += out === '' ? shown : `.${shown}`;
    }
  }
  return out;
}

/**
 * Turns the issues of a failed parse into one ConfigError. An unknown key is
 * reported first when there is one (a misspelt key also makes the intended
 * key look missing, and the misspelling is the real cause); otherwise the
 * first issue in document order. Further problems are counted, not listed.
 */
export function errorFromIssues(file: string, issues: readonly z.core.$ZodIssue[]): ConfigError {
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (first === undefined) return new ConfigError({ file }, 'invalid configuration');
  let path: readonly PropertyKey[] = first.path;
  let reason = first.message;
  let extra = issues.length - 1;
  if (first.code === 'unrecognized_keys') {
    const [key, ...others] = first.keys;
    path = [...path, key ?? '?'];
    extra += others.length;
  }
  if (extra > 0) reason += ` (and ${extra} more problem${extra === 1 ? '' : 's'})`;
  return new ConfigError({ file, keyPath: formatKeyPath(path) }, reason);
}
