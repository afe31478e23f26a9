/**
 * Helpers for the config tests: build a document from a minimal valid one,
 * and catch the ConfigError a bad document produces.
 */

import { stringify } from 'yaml';
import { ConfigError, parseConfigText, validateConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/index.js';

export const FILE = 'config.yaml';

/** The smallest valid document, in the file's own (kebab-case) terms. */
export function minimalDoc(): Record<string, Record<string, unknown>> {
  return { node: { name: 'cn1', 'router-id': '10.0.0.1', asn: 64512 } };
}

/** A valid peer entry; `extra` overrides or adds keys. */
export function peerDoc(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'gobgp1', address: '10.0.0.2', asn: 64512, ...extra };
}

/** The minimal document with one bgp peer built by peerDoc(extra). */
export function docWithPeer(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...minimalDoc(), bgp: { peers: [peerDoc(extra)] } };
}

/** Validates a document by way of YAML text, as a file would be. */
export function load(doc: unknown): Config {
  return parseConfigText(stringify(doc), FILE);
}

/** The ConfigError that validating `doc` throws; fails the test if none. */
export function errorOf(doc: unknown): ConfigError {
  return catchConfigError(() => validateConfig(doc, FILE));
}

/** The ConfigError that parsing `text` throws; fails the test if none. */
export function errorOfText(text: string): ConfigError {
  return catchConfigError(() => parseConfigText(text, FILE));
}

export function catchConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}
