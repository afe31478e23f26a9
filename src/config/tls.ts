/**
 * PEM files named in the config (xmpp.tls, introspect.tls), read and loaded
 * by OpenSSL while the config is validated, so a missing file, a file that
 * holds no certificate or a key that does not match its certificate is a
 * config error naming the key, not a failed start. A relative path is taken
 * from the working directory.
 */

import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { expected } from './scalars.js';

/** A non-empty path to a file. */
export const filePath = z.custom<string>((v) => typeof v === 'string' && v.length > 0, { error: expected('a file path') });

/** Reads each named file as UTF-8 text; an unreadable one is an issue at its key (and the result undefined). */
export function readFiles<K extends string>(raw: Record<K, string>, keys: readonly K[], ctx: z.RefinementCtx): Record<K, string> | undefined {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    try {
      out[k] = readFileSync(raw[k], 'utf8');
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [k], input: raw[k], message: `cannot read ${JSON.stringify(raw[k])}: ${(err as Error).message}` });
    }
  }
  return keys.every((k) => out[k] !== undefined) ? (out as Record<K, string>) : undefined;
}

type PemKey = 'cert' | 'key' | 'ca';

/**
 * Has OpenSSL load the certificate, then the key with it (and the CA when
 * given), blaming the first key that does not work. `section` names the
 * mapping in messages ("xmpp.tls"). True when all of them load.
 */
export function checkPem(section: string, raw: Partial<Record<PemKey, string>>, pem: Partial<Record<PemKey, string>>, ctx: z.RefinementCtx): boolean {
  const { cert, key, ca } = pem;
  const checks: [PemKey, () => unknown][] = [
    ...(ca !== undefined ? [['ca', () => createSecureContext({ ca })] as [PemKey, () => unknown]] : []),
    ['cert', () => createSecureContext({ cert })],
    ['key', () => createSecureContext({ cert, key })],
  ];
  for (const [k, check] of checks) {
    try {
      check();
    } catch (err) {
      const what = k === 'key' ? `not the private key of ${section}.cert` : 'not a PEM certificate';
      ctx.addIssue({ code: 'custom', path: [k], input: raw[k], message: `${raw[k]}: ${what} (${(err as Error).message})` });
      return false;
    }
  }
  for (const k of ['cert', 'ca'] as const) {
    if (pem[k] !== undefined && !/-----BEGIN CERTIFICATE-----/.test(pem[k])) {
      ctx.addIssue({ code: 'custom', path: [k], input: raw[k], message: `${raw[k]}: no PEM certificate in it` });
      return false;
    }
  }
  return true;
}
