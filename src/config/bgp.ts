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
 *       stale-time: 300      # seconds a peer that came back has to resend its routes (End-of-RIB)
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
 */

import { z } from 'zod';
import {
  asn,
  bool,
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
}

export interface GracefulRestartConfig {
  enabled: boolean;
  restartTime: number;
  staleTime: number;
}

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
  'stale-time': integer(1, 65535).default(300),
}).transform((raw): GracefulRestartConfig => ({ enabled: raw.enabled, restartTime: raw['restart-time'], staleTime: raw['stale-time'] }));

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
