/**
 * Loading the configuration: read the file, parse it as YAML (JSON is YAML
 * too), validate it, and return the typed Config. Every failure, from a
 * missing file to a bad value deep in a peer, becomes one ConfigError whose
 * message is a single line naming the file and the place.
 */

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { defaultConfigDocument, DEFAULT_CONFIG_LABEL } from './default.js';
import { ConfigError, errorFromIssues } from './errors.js';
import { configSchema } from './schema.js';
import type { Config } from './schema.js';

/** Loads and validates `path`, or the embedded default when path is undefined. */
export function loadConfig(path: string | undefined): Config {
  if (path === undefined) return validateConfig(defaultConfigDocument(), DEFAULT_CONFIG_LABEL);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError({ file: path }, `cannot read: ${(err as Error).message}`);
  }
  return parseConfigText(text, path);
}

/** Parses YAML/JSON text and validates it; `file` only labels the errors. */
export function parseConfigText(text: string, file: string): Config {
  return validateConfig(parseYaml(text, file), file);
}

/** Validates an already-parsed document (plain data in the file's own terms). */
export function validateConfig(doc: unknown, file: string): Config {
  const result = configSchema.safeParse(doc);
  if (!result.success) throw errorFromIssues(file, result.error.issues);
  return result.data;
}

/** YAML text to plain data; a syntax error is reported at file:line:col. */
function parseYaml(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const offset = error.pos[0];
    const place = offset >= 0 ? { file, ...lines.linePos(offset) } : { file };
    throw new ConfigError(place, `YAML syntax error: ${error.message}`);
  }
  if (doc.contents === null) {
    throw new ConfigError({ file }, 'expected a mapping, got an empty document');
  }
  try {
    return doc.toJS();
  } catch (err) {
    throw new ConfigError({ file }, `YAML error: ${(err as Error).message}`);
  }
}
