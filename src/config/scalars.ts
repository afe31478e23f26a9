/**
 * The building blocks every config section is made of: strict mappings,
 * integers in a range, dotted-quad IPv4 addresses, names, booleans and
 * address-family lists. Each one carries its own "expected ..." wording so
 * the error for a bad value reads the same wherever the value appears.
 *
 * Values are checked as YAML gives them: a port written as the string "179"
 * is an error, not a number in disguise.
 */

import { z } from 'zod';
import { FAMILIES, isFamilyName } from '../bgp/wire/families/registry.js';
import type { FamilyName } from '../bgp/wire/types.js';
import { parseIpv4 } from '../bgp/wire/format.js';
import { describeValue } from './errors.js';

/** An error-map function for a value that should be `what`. */
export function expected(what: string) {
  return (issue: { input?: unknown }): string =>
    issue.input === undefined
      ? `missing; expected ${what}`
      : `expected ${what}, got ${describeValue(issue.input)}`;
}

/**
 * A mapping with exactly the keys of `shape` (kebab-case, as in the file).
 * An unknown key is an error that lists the keys allowed there. A known key
 * written with no value (`peers:`) counts as absent, so its default applies.
 */
export function mapping<S extends z.core.$ZodLooseShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  const notMapping = expected('a mapping');
  const dropEmptyKnownKeys = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== null || !Object.hasOwn(shape, k)));
  };
  return z.preprocess(
    dropEmptyKnownKeys,
    z.strictObject(shape, {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown key (allowed: ${allowed})` : notMapping(issue),
    }),
  );
}

/** A list whose items are `item`. */
export function list<T extends z.ZodType>(item: T, what = 'a list') {
  return z.array(item, { error: expected(what) });
}

/** An integer in min..max inclusive. */
export function integer(min: number, max: number, what = `an integer ${min}..${max}`) {
  return z.custom<number>(
    (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
    { error: expected(what) },
  );
}

/** Levels of the JSON log (pino's), as `--log-level` takes them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const logLevel = z.custom<LogLevel>((v) => typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v), {
  error: expected(`one of ${LOG_LEVELS.join(', ')}`),
});

/** Where a server listens: `address` (dotted quad) and `port` (0 = any free port). */
export interface ListenConfig {
  address: string;
  port: number;
}

/**
 * A `listen: { address, port }` mapping with per-key defaults; the address
 * defaults to the loopback, and port 0 lets the system pick a free port.
 */
export function listen(defaultPort: number, defaultAddress = '127.0.0.1') {
  return mapping({
    address: ipv4.default(defaultAddress),
    port: integer(0, 65535).default(defaultPort),
  }).transform((raw): ListenConfig => ({ address: raw.address, port: raw.port }));
}

/** true or false, nothing else ("yes" is a string in YAML 1.2). */
export const bool = z.custom<boolean>((v) => typeof v === 'boolean', {
  error: expected('true or false'),
});

const NAME = /^[^\s\p{C}]{1,255}$/u;

/** A display name: 1..255 printable characters, no spaces. */
export const name = z.custom<string>((v) => typeof v === 'string' && NAME.test(v), {
  error: expected('a name of 1..255 printable characters without spaces'),
});

/** An autonomous system number; 0 is reserved (RFC 7607). */
export const asn = integer(1, 0xffff_ffff);

/** A TCP port to connect to. */
export const port = integer(1, 65535);

/** A BGP hold time in seconds: 0 (no keepalives) or 3..65535 (RFC 4271 4.2). */
export const holdTime = z.custom<number>(
  (v) => typeof v === 'number' && Number.isInteger(v) && (v === 0 || (v >= 3 && v <= 65535)),
  { error: expected('0 or an integer 3..65535') },
);

// ---------------------------------------------------------------- IPv4

// Addresses are parsed and formatted by the wire codecs' one implementation
// (src/bgp/wire/format.ts: decimal octets 0..255, no leading zeros, which some
// tools read as octal); config re-exports them under its own names.
export { parseIpv4, ipv4ToString as formatIpv4 } from '../bgp/wire/format.js';

function isIpv4(v: unknown): v is string {
  return typeof v === 'string' && parseIpv4(v) !== undefined;
}

/** Any dotted-quad IPv4 address, kept as written. */
export const ipv4 = z.custom<string>(isIpv4, { error: expected('a dotted-quad IPv4 address') });

/** A dotted-quad IPv4 address other than 0.0.0.0 (a peer, a router id). */
export const ipv4NonZero = z.custom<string>((v) => isIpv4(v) && parseIpv4(v) !== 0, {
  error: expected('a dotted-quad IPv4 address other than 0.0.0.0'),
});

/** The uint32 of a string already checked by one of the schemas above. */
export function ipv4Value(text: string): number {
  const value = parseIpv4(text);
  if (value === undefined) throw new Error(`not a checked IPv4 address: ${text}`);
  return value;
}

/** A 32-bit identifier written as a dotted quad or as an integer, e.g. a cluster id. */
export const id32 = z
  .custom<string | number>(
    (v) =>
      isIpv4(v) || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff),
    { error: expected('a dotted-quad IPv4 address or an integer 0..4294967295') },
  )
  .transform((v): number => (typeof v === 'number' ? v : ipv4Value(v)));

// ---------------------------------------------------------------- families

/** The address families this speaker knows, by their config token: the family registry's names. */
export { FAMILY_NAMES } from '../bgp/wire/families/registry.js';
export type { FamilyName } from '../bgp/wire/types.js';

const family = z.custom<FamilyName>(
  (v) => typeof v === 'string' && isFamilyName(v),
  { error: expected(`one of ${Object.keys(FAMILIES).join(', ')}`) },
);

/** A non-empty list of distinct families. */
export const families = list(family, 'a list of families').superRefine((items, ctx) => {
  if (items.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected at least one family, got an empty list', input: items });
  }
  items.forEach((item, i) => {
    if (items.indexOf(item) !== i) {
      ctx.addIssue({ code: 'custom', path: [i], input: item, message: `duplicate family "${item}"` });
    }
  });
});
