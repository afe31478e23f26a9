/**
 * The command line: `control-node [--config FILE] [--log-level LEVEL]` runs
 * a node; `control-node show neighbors | routes [--table T] [--prefix P] |
 * instances | agents | summary [--url URL] [--token T] [--ca FILE] [--json]`
 * asks a running one, through its introspect JSON API (http or https, the
 * token as `Authorization: Bearer`, RFC 6750 §2.1; CONTROL_NODE_TOKEN in the
 * environment if --token is not given), and prints aligned tables in the
 * manner of `gobgp neighbor` and `birdc show route` (or the JSON, for scripts).
 * Plus --version and --help. main.ts decides what to do with the result.
 *
 * parseCli never exits the process itself: help, version and usage errors
 * come back as { kind: 'exit', code } after commander has printed them, so
 * the parser can be tested in-process. runShow returns the exit code: 0, or
 * 1 with one line on stderr when the node cannot be reached or refuses.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_INTROSPECT_LISTEN_PORT, DEFAULT_LISTEN_ADDRESS } from './config/default.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CliOptions {
  /** The config file; undefined means the embedded default. */
  configPath: string | undefined;
  logLevel: LogLevel;
}

export const SHOW_WHAT = ['neighbors', 'routes', 'instances', 'agents', 'summary'] as const;
export type ShowWhat = (typeof SHOW_WHAT)[number];

/** `control-node show ...`: what to show, from which node, how. */
export interface ShowOptions {
  what: ShowWhat;
  /** The node's introspect, e.g. http://127.0.0.1:18083. */
  url: string;
  json: boolean;
  /** routes: one table instead of every table that has routes. */
  table?: string;
  /** routes: only prefixes containing this text. */
  prefix?: string;
  /** The node's introspect token (introspect.token). */
  token?: string;
  /** A PEM file of the CA that signed the node's HTTPS certificate (else the system's CAs). */
  ca?: string;
}

/** Where `show` takes the token from when --token is not given. */
export const TOKEN_ENV = 'CONTROL_NODE_TOKEN';

export type CliResult =
  | { kind: 'run'; options: CliOptions }
  | { kind: 'show'; show: ShowOptions }
  | { kind: 'exit'; code: number };

/** The embedded default's introspect (src/config/default.ts). */
export const DEFAULT_SHOW_URL = `http://${DEFAULT_LISTEN_ADDRESS}:${DEFAULT_INTROSPECT_LISTEN_PORT}`;

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

function buildCommand(output: CliOutput, onShow: (o: ShowOptions) => void): Command {
  const root = new Command('control-node')
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
    .exitOverride()
    .action(() => {});
  addShowCommand(root, onShow);
  return root;
}

/** `show <what>`: each leaf takes --url, --token, --ca and --json; routes also --table and --prefix. */
function addShowCommand(root: Command, onShow: (o: ShowOptions) => void): void {
  const show = root.command('show').description("print a running node's neighbours, routes, instances, agents or summary");
  const leaves: Record<ShowWhat, string> = {
    neighbors: 'BGP peers and agents: state, up/down time, prefixes',
    routes: 'routes with every path; the best is marked *>, ECMP *=, and others say where they lost',
    instances: 'routing instances: targets, prefixes, subscribed agents',
    agents: 'vRouter agents (XMPP): state, instances, routes, items sent',
    summary: 'table sizes and peer counts',
  };
  for (const what of SHOW_WHAT) {
    const leaf = show.command(what).description(leaves[what])
      .option('--url <url>', "the node's introspect (http:// or https://)", DEFAULT_SHOW_URL)
      .addOption(new Option('--token <token>', "the node's introspect token (introspect.token)").env(TOKEN_ENV))
      .option('--ca <file>', "PEM file of the CA that signed the node's HTTPS certificate (default: the system's)")
      .option('--json', 'print the JSON of the introspect API instead of a table', false)
      .allowExcessArguments(false);
    if (what === 'routes') leaf.option('--table <name>', 'one table (default: every table that has routes)').option('--prefix <text>', 'only prefixes containing this text');
    leaf.action((opts: { url: string; json: boolean; table?: string; prefix?: string; token?: string; ca?: string }) => {
      onShow({
        what, url: opts.url.replace(/\/+$/, ''), json: opts.json,
        ...(opts.table !== undefined && { table: opts.table }), ...(opts.prefix !== undefined && { prefix: opts.prefix }),
        ...(opts.token !== undefined && opts.token !== '' && { token: opts.token }), ...(opts.ca !== undefined && { ca: opts.ca }),
      });
    });
  }
}

/** Parses user arguments (process.argv.slice(2)). */
export function parseCli(args: readonly string[], output: CliOutput = processOutput): CliResult {
  let show: ShowOptions | undefined;
  const command = buildCommand(output, (o) => (show = o));
  try {
    command.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return { kind: 'exit', code: err.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
    }
    throw err;
  }
  if (show) return { kind: 'show', show };
  const opts = command.opts<{ config?: string; logLevel: LogLevel }>();
  return { kind: 'run', options: { configPath: opts.config, logLevel: opts.logLevel } };
}

// ---------------------------------------------------------------- show

/** The JSON of /api/* that show reads (field names are introspect's, src/introspect/views.ts). */
interface ApiNeighbor {
  name: string; encoding: 'BGP' | 'XMPP'; address: string; asn?: number; state: string; prefixes: number;
  establishedAt?: number; connectedAt?: number; routingInstances?: string[]; itemsSent?: number;
}
interface ApiInstance { name: string; vnIndex: number; importTargets: string[]; exportTargets: string[]; prefixes: number; subscribers: number }
interface ApiSummary { tables: { name: string; prefixes: number; paths: number }[]; bgpPeers: number; bgpPeersUp: number; xmppAgents: number; attributeSets: number; updateGroups: number }
interface ApiPath {
  protocol: string; source: string; best: boolean; ecmp: boolean; lostAt?: string; infeasible?: string; nextHop?: string;
  labels: number[]; localPref?: number; med?: number; asPath: string;
}
interface ApiRoutes { table: string; prefixes: number; paths: number; routes: { prefix: string; paths: ApiPath[] }[]; more: boolean }

class ShowError extends Error {}

/** How to reach the node: its base URL, the token to present, the CA to trust. */
interface Target {
  readonly base: string;
  readonly token?: string | undefined;
  readonly ca?: string | undefined;
}

/** TLS verification failures, which a private CA explains. */
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/;

/** One GET (node:http/https: fetch cannot be given a CA); the status and the body's text. */
function get(t: Target, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(t.base + path);
  const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!lib) return Promise.reject(new ShowError(`${t.base}: not an http:// or https:// URL`));
  const headers: Record<string, string> = { accept: 'application/json', ...(t.token !== undefined && { authorization: `Bearer ${t.token}` }) };
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { headers, ...(t.ca !== undefined && { ca: t.ca }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('no answer in 10 s'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** GET a JSON page of the node's introspect, or a ShowError with one line saying why not. */
async function getJson<T>(t: Target, path: string): Promise<T> {
  const { base } = t;
  let res: { status: number; text: string };
  try {
    res = await get(t, path);
  } catch (err) {
    if (err instanceof ShowError) throw err;
    const code = (err as { code?: string }).code;
    const hint = code !== undefined && CERT_CODES.test(code) ? ' (a private CA? --ca FILE)' : '';
    throw new ShowError(`cannot reach ${base}: ${code ?? (err as Error).message}${hint}`);
  }
  const { status, text } = res;
  if (status === 401) {
    const how = t.token === undefined ? `it needs a token: --token or ${TOKEN_ENV}` : 'the token was refused';
    throw new ShowError(`${base}: HTTP 401: ${how}`);
  }
  if (status < 200 || status > 299) {
    let reason = text.trim();
    try {
      reason = (JSON.parse(text) as { error?: string }).error ?? reason;
    } catch { /* not JSON: keep the text */ }
    throw new ShowError(`${base}${path}: HTTP ${status}: ${reason}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ShowError(`${base}${path}: not the introspect JSON API (is ${base} a control node?)`);
  }
}

/** Aligned columns, two spaces apart, no trailing blanks. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `00:05:12`, or `3d 04:05:06` (gobgp's up/down column). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  const days = Math.floor(s / 86400);
  return days > 0 ? `${days}d ${hms}` : hms;
}

function upFor(n: ApiNeighbor, now: number): string {
  const since = n.encoding === 'BGP' ? n.establishedAt : n.state === 'Established' ? n.connectedAt : undefined;
  return since === undefined ? 'never' : formatDuration(now - since);
}

function neighborsText(list: ApiNeighbor[], now: number): string {
  return formatTable(['Peer', 'Type', 'Address', 'AS', 'State', 'Up/Down', 'Prefixes'], list.map((n) =>
    [n.name, n.encoding, n.address, n.asn === undefined ? '-' : String(n.asn), n.state, upFor(n, now), String(n.prefixes)]));
}

function agentsText(list: ApiNeighbor[], now: number): string {
  return formatTable(['Agent', 'Address', 'State', 'Up', 'Instances', 'Routes', 'Items sent'], list.map((n) =>
    [n.name, n.address, n.state, upFor(n, now), String(n.routingInstances?.length ?? 0), String(n.prefixes), String(n.itemsSent ?? 0)]));
}

function instancesText(list: ApiInstance[]): string {
  return formatTable(['Instance', 'VN index', 'Import targets', 'Export targets', 'Prefixes', 'Agents'], list.map((i) =>
    [i.name, String(i.vnIndex), i.importTargets.join(','), i.exportTargets.join(','), String(i.prefixes), String(i.subscribers)]));
}

function summaryText(s: ApiSummary): string {
  return `BGP peers: ${s.bgpPeers} (${s.bgpPeersUp} up), agents: ${s.xmppAgents}, attribute sets: ${s.attributeSets}, ` +
    `update groups: ${s.updateGroups}\n\n` + formatTable(['Table', 'Prefixes', 'Paths'], s.tables.map((t) => [t.name, String(t.prefixes), String(t.paths)]));
}

/** One table of routes: `*>` best, `*=` ECMP with it, `* ` lost (the step it lost at), `x ` unusable. */
export function routesText(v: ApiRoutes): string {
  const rows = v.routes.flatMap((r) => r.paths.map((p, i) => [
    p.infeasible ? 'x' : p.best ? '*>' : p.ecmp ? '*=' : '*', i === 0 ? r.prefix : '', p.nextHop ?? '-',
    p.labels.length > 0 ? p.labels.join('/') : '-', p.source, p.protocol, p.localPref === undefined ? '-' : String(p.localPref),
    p.med === undefined ? '-' : String(p.med), p.asPath === '' ? '-' : p.asPath, p.infeasible ?? p.lostAt ?? '',
  ]));
  const head = `${v.table}: ${v.prefixes} prefixes, ${v.paths} paths${v.more ? ` (showing the first ${v.routes.length})` : ''}\n`;
  return head + formatTable(['', 'Prefix', 'Next hop', 'Label', 'Source', 'Proto', 'LocPref', 'MED', 'AS path', 'Lost at'], rows);
}

async function showRoutes(o: ShowOptions, t: Target): Promise<{ json: unknown; text: string }> {
  const names = o.table !== undefined
    ? [o.table]
    : (await getJson<ApiSummary>(t, '/api/summary')).tables.filter((t) => t.prefixes > 0).map((t) => t.name);
  const views: ApiRoutes[] = [];
  for (const name of names) {
    const q = new URLSearchParams({ table: name, limit: '1000', ...(o.prefix !== undefined && { prefix: o.prefix }) });
    const v = await getJson<ApiRoutes>(t, `/api/routes?${q.toString()}`);
    if (v.routes.length > 0 || o.table !== undefined) views.push(v);
  }
  return { json: views, text: views.length === 0 ? 'no routes\n' : views.map(routesText).join('\n') };
}

async function showData(o: ShowOptions, t: Target, now: number): Promise<{ json: unknown; text: string }> {
  switch (o.what) {
    case 'neighbors': {
      const list = await getJson<ApiNeighbor[]>(t, '/api/neighbors');
      return { json: list, text: neighborsText(list, now) };
    }
    case 'agents': {
      const list = (await getJson<ApiNeighbor[]>(t, '/api/neighbors')).filter((n) => n.encoding === 'XMPP');
      return { json: list, text: agentsText(list, now) };
    }
    case 'instances': {
      const list = await getJson<ApiInstance[]>(t, '/api/instances');
      return { json: list, text: instancesText(list) };
    }
    case 'summary': {
      const s = await getJson<ApiSummary>(t, '/api/summary');
      return { json: s, text: summaryText(s) };
    }
    case 'routes':
      return showRoutes(o, t);
  }
}

/** The node to ask, with the CA file read (a ShowError naming it if it cannot be). */
function target(o: ShowOptions): Target {
  let ca: string | undefined;
  if (o.ca !== undefined) {
    try {
      ca = readFileSync(o.ca, 'utf8');
    } catch (err) {
      throw new ShowError(`--ca ${o.ca}: ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
  }
  return { base: o.url, token: o.token, ca };
}

/** Runs `control-node show ...`; returns the exit code (1, with one line on stderr, when the node cannot answer). */
export async function runShow(o: ShowOptions, output: CliOutput = processOutput, now: () => number = Date.now): Promise<number> {
  try {
    const { json, text } = await showData(o, target(o), now());
    output.writeOut(o.json ? `${JSON.stringify(json, null, 2)}\n` : text);
    return 0;
  } catch (err) {
    if (!(err instanceof ShowError)) throw err;
    output.writeErr(`control-node: ${err.message}\n`);
    return 1;
  }
}
