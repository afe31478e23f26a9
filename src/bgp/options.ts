/**
 * What the BGP speaker is told to do, in its own types. The composition root
 * (src/server.ts) builds these from the validated configuration; the speaker
 * never sees src/config, so config can change shape without reaching into
 * the session layer (docs/architecture.md, layer L3).
 */

import type { BgpPeering, PeerExportPolicy } from '../rib/peering.js';
import type { GracefulRestartOptions } from './graceful-restart.js';
import type { FamilyName } from './wire/types.js';

/** One configured neighbour. */
export interface BgpPeerOptions {
  /** Unique name, used in logs and introspect. */
  readonly name: string;
  /** The peer's address as a dotted quad; inbound connections are matched on it. */
  readonly address: string;
  readonly asn: number;
  /** TCP port to connect to. */
  readonly port: number;
  /** Never connect out, only accept. */
  readonly passive: boolean;
  readonly routeReflectorClient: boolean;
  readonly families: readonly FamilyName[];
  /** Overrides BgpOptions.holdTime for this peer. */
  readonly holdTime?: number;
  /** Overrides BgpOptions.connectRetry for this peer (a peer added by a reload gets the new config's). */
  readonly connectRetry?: number;
  /** Source address for outbound connections (dotted quad). */
  readonly localAddress?: string;
  /** The peer's export policy (routing policies attached to it), if any. */
  readonly exportPolicy?: PeerExportPolicy;
  /** `bgpaas`: a BGP-as-a-Service session in a routing instance (default `bgp`). */
  readonly kind?: 'bgp' | 'bgpaas';
  /** The peering engine the peer belongs to (a routing instance's, for BGP-as-a-Service); default the master's. */
  readonly peering?: BgpPeering;
  /** Inbound sessions must come from this source port too (VMs behind the vRouter's NAT share an address). */
  readonly sourcePort?: number;
  /** The routing instance a BGP-as-a-Service session belongs to (for introspect). */
  readonly instance?: string;
  /** Told when the session comes up and when it goes down (e.g. to originate route-target membership meanwhile). */
  readonly lifecycle?: { up(): void; down(): void };
  /** TCP-MD5 key (RFC 2385), on the listener for this address and on every outbound attempt. */
  readonly password?: string;
  /** More paths than `limit` from this peer: log (`warn`), or Cease 6/1 (`teardown`, RFC 4486). */
  readonly maxPrefixes?: MaxPrefixes;
  /** RFC 9687 send hold time, seconds; default max(480, 2 × hold time). Not in the config file: tests shorten it. */
  readonly sendHoldTime?: number;
}

export interface MaxPrefixes {
  readonly limit: number;
  readonly action: 'warn' | 'teardown';
  /** Seconds until a torn-down session may restart; absent, it stays down. */
  readonly restartAfter?: number;
}

/** The speaker as a whole: where it listens, its default timers, its peers. */
export interface BgpOptions {
  readonly listen: { readonly address: string; readonly port: number };
  /** Seconds: 0 or 3..65535 (RFC 4271 §4.2). */
  readonly holdTime: number;
  /** Seconds between outbound connection attempts. */
  readonly connectRetry: number;
  readonly peers: readonly BgpPeerOptions[];
  /** Graceful-restart helper (RFC 4724); absent: off, as in Contrail by default. */
  readonly gracefulRestart?: GracefulRestartOptions;
}
