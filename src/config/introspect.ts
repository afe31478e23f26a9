/**
 * The `introspect` section: the HTTP status pages (Contrail's Sandesh
 * introspect port is 8083).
 *
 *   introspect:
 *     listen: { address: 127.0.0.1, port: 8083 }   # defaults shown; port 0 = any free port
 *     enabled: true                                 # false: no introspect server
 *     tls:                                          # optional: HTTPS instead of HTTP
 *       cert: /etc/control-node/introspect.pem      # PEM files, read and checked here (tls.ts)
 *       key: /etc/control-node/introspect.key
 *     token: <at least 16 characters>               # optional: every request must present it
 *     token-file: /etc/control-node/introspect.token   # or: the token in a file (not both)
 *
 * The whole section may be left out; every key then takes its default.
 * A token is printable ASCII without spaces (it travels in an HTTP header,
 * RFC 6750 §2.1 `Bearer`), at least 16 characters; a token file's trailing
 * newline is not part of it. Without a token, anyone who can reach the
 * address may read everything introspect shows: keep it on the loopback.
 */

import { z } from 'zod';
import { bool, listen, mapping } from './scalars.js';
import type { ListenConfig } from './scalars.js';
import { checkPem, filePath, readFiles } from './tls.js';

/** PEM text of the HTTPS server's certificate and key. */
export interface IntrospectTlsConfig {
  cert: string;
  key: string;
}

export interface IntrospectConfig {
  enabled: boolean;
  listen: ListenConfig;
  tls?: IntrospectTlsConfig;
  /** Bearer token every request must present. */
  token?: string;
}

export const DEFAULT_INTROSPECT_PORT = 8083;
export const MIN_TOKEN_LENGTH = 16;

const TOKEN = /^[\x21-\x7e]+$/;
const TOKEN_RULE = `at least ${MIN_TOKEN_LENGTH} printable ASCII characters, no spaces`;

function tokenProblem(token: string): string | undefined {
  if (!TOKEN.test(token)) return `expected ${TOKEN_RULE}; it has a space or a character outside printable ASCII`;
  if (token.length < MIN_TOKEN_LENGTH) return `expected ${TOKEN_RULE}; it has ${token.length}`;
  return undefined;
}

/** A token written in the file; never echoed back in an error. */
const tokenValue = z.custom<string>((v) => typeof v === 'string', { error: `expected a string (${TOKEN_RULE})` })
  .superRefine((v, ctx) => {
    const problem = tokenProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', input: '', message: problem });
  });

const tls = mapping({ cert: filePath, key: filePath }).transform((raw, ctx): IntrospectTlsConfig => {
  const pem = readFiles(raw, ['cert', 'key'], ctx);
  return pem && checkPem('introspect.tls', raw, pem, ctx) ? pem : z.NEVER;
});

/** The token from `token-file`: the file's text without its trailing newline. */
function readTokenFile(file: string, ctx: z.RefinementCtx): string {
  const read = readFiles({ 'token-file': file }, ['token-file'], ctx);
  if (!read) return z.NEVER;
  const token = read['token-file'].replace(/\r?\n$/, '');
  const problem = tokenProblem(token);
  if (problem) {
    ctx.addIssue({ code: 'custom', path: ['token-file'], input: file, message: `${file}: ${problem}` });
    return z.NEVER;
  }
  return token;
}

export const introspectSection = mapping({
  listen: listen(DEFAULT_INTROSPECT_PORT).prefault({}),
  enabled: bool.default(true),
  tls: tls.optional(),
  token: tokenValue.optional(),
  'token-file': filePath.optional(),
}).transform((raw, ctx): IntrospectConfig => {
  if (raw.token !== undefined && raw['token-file'] !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['token-file'], input: raw['token-file'], message: 'give token or token-file, not both' });
    return z.NEVER;
  }
  const token = raw['token-file'] !== undefined ? readTokenFile(raw['token-file'], ctx) : raw.token;
  return {
    enabled: raw.enabled,
    listen: raw.listen,
    ...(raw.tls !== undefined && { tls: raw.tls }),
    ...(token !== undefined && { token }),
  };
});
