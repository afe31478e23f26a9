/**
 * The `bgp` section: where the speaker listens, its timers and its peers.
 *
 *   bgp:
 *     listen: { address: 127.0.0.1, port: 179 }   # defaults shown; port 0 = any free port
 *     hold-time: 90          # 0 or 3..65535 seconds
 *     connect-retry: 5       # seconds between outbound connection attempts
 *     graceful-restart:      # RFC 4724 helper: keep a restarting peer's routes (default off, as in Contrail)
 *       enabled: false
 *       restart-time: 60     # seconds we advertise, 1..4095
 *       end-of-rib-timeout: 300   # seconds a peer that came back has to resend its routes (its End-of-RIB), 1..65535
 *       stale-time: 300      # the older name of end-of-rib-timeout (RFC 4724's stale timer); both given: must agree
 *       long-lived-stale-time: 0  # RFC 9494 LLGR: seconds we advertise and at most keep a peer's routes
 *                                 # long-lived stale after its restart time; 0..16777215, 0 = no LLGR
 *       restarting-speaker: false # RFC 4724 §4.1: after our start, set the R bit and hold advertisements
 *                                 # until every peer's End-of-RIB (peers not up by restart-time are not
 *                                 # waited for; end-of-rib-timeout ends the wait in any case)
 *     peers:
 *       - name: gobgp1                 # unique
 *         address: 10.0.0.2            # unique, dotted quad
 *         asn: 64512
 *         port: 179                    # default 179
 *         passive: false               # true: never connect out, only accept
 *         route-reflector-client: true # default false; iBGP peers only
 *         families: [inet, inet-vpn]   # default [inet, inet-vpn]; also inet6, inet6-vpn, route-target
 *         hold-time: 30                # optional, overrides bgp.hold-time
 *         local-address: 10.0.0.1      # optional source address
 *         import-policies: [gw-in]     # routing-policies by name, applied in order (default none)
 *         export-policies: [gw-out]
 *         password: s3cret             # optional TCP-MD5 key (RFC 2385), 1..80 bytes; Linux only
 *         max-prefixes:                # optional limit on the paths taken from this peer
 *           limit: 10000               # 1..4294967295
 *           action: teardown           # teardown (default): Cease 6/1 (RFC 4486); warn: log only
 *           restart-after: 60          # teardown only: seconds until the session may come back;
 *                                      # left out, it stays down until the node restarts
 */

import { z } from 'zod';
import {
  asn,
  bool,
  expected,
  families,
  holdTime,
  integer,
  ipv4NonZero,
  list,
  listen,
  mapping,
  name,
  port,
} from './scalars.js';
import type { FamilyName, ListenConfig } from './scalars.js';
import { policyNames } from './policies.js';

export interface PeerConfig {
  name: string;
  address: string;
  asn: number;
  port: number;
  passive: boolean;
  routeReflectorClient: boolean;
  families: FamilyName[];
  holdTime?: number;
  localAddress?: string;
  /** Routing-policy names (checked against routing-policies), applied in order. */
  importPolicies: string[];
  exportPolicies: string[];
  /** TCP-MD5 key (RFC 2385). */
  password?: string;
  maxPrefixes?: MaxPrefixesConfig;
}

/** What happens when a peer sends more than `limit` paths. */
export interface MaxPrefixesConfig {
  limit: number;
  action: 'warn' | 'teardown';
  /** Seconds before a torn-down session may come back; absent: it stays down. */
  restartAfter?: number;
}

export interface GracefulRestartConfig {
  enabled: boolean;
  restartTime: number;
  /** `end-of-rib-timeout`, or its older name `stale-time`. */
  endOfRibTimeout: number;
  /** RFC 9494; 0: no long-lived graceful restart. */
  longLivedStaleTime: number;
  /** RFC 4724 §4.1 restarting-speaker mode after our own start. */
  restartingSpeaker: boolean;
}

export const DEFAULT_END_OF_RIB_TIMEOUT = 300;

export interface BgpConfig {
  listen: ListenConfig;
  holdTime: number;
  connectRetry: number;
  gracefulRestart: GracefulRestartConfig;
  peers: PeerConfig[];
}

export const DEFAULT_BGP_PORT = 179;
export const DEFAULT_HOLD_TIME = 90;
export const DEFAULT_CONNECT_RETRY = 5;
export const DEFAULT_FAMILIES: readonly FamilyName[] = ['inet', 'inet-vpn'];

/** A TCP-MD5 key: 1..80 bytes (Linux TCP_MD5SIG_MAXKEYLEN), as UTF-8. Also BGP-as-a-Service sessions' (bgpaas.ts). */
export const password = z.custom<string>(
  (v) => typeof v === 'string' && v.length > 0 && Buffer.byteLength(v, 'utf8') <= 80,
  { error: expected('a password of 1..80 bytes') },
);

const maxPrefixes = mapping({
  limit: integer(1, 0xffff_ffff),
  action: z
    .custom<'warn' | 'teardown'>((v) => v === 'warn' || v === 'teardown', { error: expected('warn or teardown') })
    .default('teardown'),
  'restart-after': integer(1, 65535).optional(),
}).superRefine((raw, ctx) => {
  if (raw.action === 'warn' && raw['restart-after'] !== undefined) {
    ctx.addIssue({
      code: 'custom', path: ['restart-after'], input: raw['restart-after'],
      message: 'only with action: teardown (a warning never takes the session down)',
    });
  }
}).transform((raw): MaxPrefixesConfig => ({
  limit: raw.limit,
  action: raw.action,
  ...(raw['restart-after'] !== undefined && { restartAfter: raw['restart-after'] }),
}));

const peer = mapping({
  name,
  address: ipv4NonZero,
  asn,
  port: port.default(DEFAULT_BGP_PORT),
  passive: bool.default(false),
  'route-reflector-client': bool.default(false),
  families: families.default(() => [...DEFAULT_FAMILIES]),
  'hold-time': holdTime.optional(),
  'local-address': ipv4NonZero.optional(),
  'import-policies': policyNames,
  'export-policies': policyNames,
  password: password.optional(),
  'max-prefixes': maxPrefixes.optional(),
}).transform((raw): PeerConfig => {
  const out: PeerConfig = {
    name: raw.name,
    address: raw.address,
    asn: raw.asn,
    port: raw.port,
    passive: raw.passive,
    routeReflectorClient: raw['route-reflector-client'],
    families: raw.families,
    importPolicies: raw['import-policies'],
    exportPolicies: raw['export-policies'],
  };
  if (raw['hold-time'] !== undefined) out.holdTime = raw['hold-time'];
  if (raw['local-address'] !== undefined) out.localAddress = raw['local-address'];
  if (raw.password !== undefined) out.password = raw.password;
  if (raw['max-prefixes'] !== undefined) out.maxPrefixes = raw['max-prefixes'];
  return out;
});

/** Reports the second and later peers that reuse a name or an address. */
function checkUnique(peers: PeerConfig[], ctx: z.RefinementCtx): void {
  const keys = [
    ['name', (p: PeerConfig) => p.name],
    ['address', (p: PeerConfig) => p.address],
  ] as const;
  for (const [key, get] of keys) {
    const seen = new Map<string, number>();
    peers.forEach((p, i) => {
      const value = get(p);
      const earlier = seen.get(value);
      if (earlier === undefined) {
        seen.set(value, i);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: [i, key],
        input: value,
        message: `duplicate peer ${key} "${value}" (already used by bgp.peers[${earlier}])`,
      });
    });
  }
}

const gracefulRestart = mapping({
  enabled: bool.default(false),
  'restart-time': integer(1, 4095).default(60),
  'stale-time': integer(1, 65535).optional(),
  'end-of-rib-timeout': integer(1, 65535).optional(),
  'long-lived-stale-time': integer(0, 0xffffff).default(0),
  'restarting-speaker': bool.default(false),
}).superRefine((raw, ctx) => {
  const [stale, eor] = [raw['stale-time'], raw['end-of-rib-timeout']];
  if (stale !== undefined && eor !== undefined && stale !== eor) {
    ctx.addIssue({
      code: 'custom', path: ['end-of-rib-timeout'], input: eor,
      message: `${eor} disagrees with stale-time ${stale} (its older name): give one of them`,
    });
  }
}).transform((raw): GracefulRestartConfig => ({
  enabled: raw.enabled,
  restartTime: raw['restart-time'],
  endOfRibTimeout: raw['end-of-rib-timeout'] ?? raw['stale-time'] ?? DEFAULT_END_OF_RIB_TIMEOUT,
  longLivedStaleTime: raw['long-lived-stale-time'],
  restartingSpeaker: raw['restarting-speaker'],
}));

export const bgpSection = mapping({
  listen: listen(DEFAULT_BGP_PORT).prefault({}),
  'hold-time': holdTime.default(DEFAULT_HOLD_TIME),
  'connect-retry': integer(1, 65535).default(DEFAULT_CONNECT_RETRY),
  'graceful-restart': gracefulRestart.prefault({}),
  peers: list(peer, 'a list of peers').superRefine(checkUnique).default([]),
}).transform(
  (raw): BgpConfig => ({
    listen: { address: raw.listen.address, port: raw.listen.port },
    holdTime: raw['hold-time'],
    connectRetry: raw['connect-retry'],
    gracefulRestart: raw['graceful-restart'],
    peers: raw.peers,
  }),
);

/**
 * TCP-MD5 needs the platform (Linux with CONFIG_TCP_MD5SIG, and koffi): the
 * composition root asks the session layer whether it works and passes the
 * answer in, so that a config with a password on a system without it is
 * refused like any other bad value, naming the first key that has one (a
 * BGP peer's, else a BGP-as-a-Service session's).
 */
export function tcpMd5Problem(
  config: { bgp: BgpConfig; routingInstances: readonly { bgpaas: readonly { password?: string }[] }[] },
  support: { ok: true } | { ok: false; reason: string },
): { keyPath: string; reason: string } | undefined {
  if (support.ok) return undefined;
  const keyPath = passwordKeyPaths(config)[0];
  return keyPath === undefined ? undefined : { keyPath, reason: `TCP-MD5 is not available here: ${support.reason}` };
}

/** The key paths of every configured TCP-MD5 password, BGP peers first. */
export function passwordKeyPaths(
  config: { bgp: BgpConfig; routingInstances: readonly { bgpaas: readonly { password?: string }[] }[] },
): string[] {
  const out: string[] = [];
  config.bgp.peers.forEach((p, i) => {
    if (p.password !== undefined) out.push(`bgp.peers[${i}].password`);
  });
  config.routingInstances.forEach((ri, i) => ri.bgpaas.forEach((b, j) => {
    if (b.password !== undefined) out.push(`routing-instances[${i}].bgpaas[${j}].password`);
  }));
  return out;
}
