/**
 * The contract between a BGP session driver and the speaker that owns it:
 * configuration in, events out (RFC 4271 session life, RFC 7606 treatment of
 * malformed UPDATEs, RFC 2918 route refresh), and the counters introspect shows.
 */

import type { DownReason, Negotiated, NotificationInfo, StateName } from '../fsm.js';
import type { BgpMessage, Fault, FaultAction, FamilyName, UpdateMessage } from '../wire/types.js';

export interface SessionConfig {
  readonly name: string;
  readonly localAs: number;
  /** Our BGP identifier as an unsigned 32-bit number. */
  readonly routerId: number;
  readonly localAddress?: string | undefined;
  readonly peerAddress: string;
  /** Default 179. */
  readonly peerPort?: number;
  readonly peerAs: number;
  /** Never connect out; only accept. Default false. */
  readonly passive?: boolean;
  /** Seconds, 0 or ≥ 3; default 90. */
  readonly holdTime?: number;
  /** Seconds between outbound attempts; default 5. Also the delay of an automatic restart. */
  readonly connectRetry?: number;
  readonly families: readonly FamilyName[];
  /** RFC 9687 send hold time, seconds; default max(480, 2 × holdTime). */
  readonly sendHoldTime?: number;
  /** Seconds in Idle before an automatic restart after an error; default connectRetry. */
  readonly idleHoldTime?: number;
  /** Hold timer while waiting for the peer's OPEN, seconds; default 240. */
  readonly openHoldTime?: number;
  /** How long a closing socket may take to flush before it is destroyed, ms; default 1000. */
  readonly lingerMs?: number;
  /**
   * Graceful-restart time we advertise, seconds (RFC 4724 §3): 0 (the
   * default) says End-of-RIB support only; more says we help a restarting
   * peer by keeping its routes.
   */
  readonly restartTime?: number;
  /** Set the graceful-restart R bit in our OPENs from the start (RFC 4724 §4.1); see BgpSession.setRestarting. */
  readonly restarting?: boolean;
  /** List every family with the F bit in our GR and LLGR capabilities (we restart gracefully ourselves). */
  readonly preserveForwarding?: boolean;
  /** Long-lived stale time we advertise for every family, seconds (RFC 9494 §3.1); 0 or absent: no LLGR capability. */
  readonly longLivedStaleTime?: number;
  /** TCP-MD5 key (RFC 2385) for outbound connections (the speaker sets it on its listener for inbound ones). */
  readonly password?: string;
}

/**
 * RFC 7606 treatment of one UPDATE: 'none'; 'discard' (an attribute was
 * dropped, the rest stands); 'withdraw' (treat-as-withdraw: handle every
 * NLRI in the message, MP_REACH included, as withdrawn).
 */
export type UpdateAction = 'none' | 'discard' | 'withdraw';

export interface SessionHandler {
  /** The session reached Established. */
  established(info: Negotiated): void;
  update(msg: UpdateMessage, action: UpdateAction, faults: readonly Fault[]): void;
  /** A ROUTE-REFRESH for a negotiated family. */
  routeRefresh(afi: number, safi: number): void;
  /**
   * The session went to Idle from any other state (not only from
   * Established); `from` says which. Routes learned from the peer are gone.
   */
  down(reason: DownReason, detail: string, from: StateName): void;
  /** The socket's write buffer drained after write() or writeMany() returned false. */
  drain(): void;
}

export interface SessionStats {
  messagesIn: number;
  messagesOut: number;
  updatesIn: number;
  updatesOut: number;
  keepalivesIn: number;
  keepalivesOut: number;
  notificationsIn: number;
  notificationsOut: number;
  routeRefreshesIn: number;
  /** Decode faults seen, by RFC 7606 action. */
  faults: Record<FaultAction, number>;
  /** Times the session left Established. */
  flaps: number;
  /** Connection collisions resolved (RFC 4271 §6.8), including refused late connections. */
  collisions: number;
  connectAttempts: number;
  lastDownReason: DownReason | undefined;
  lastDownAt: number | undefined;
  lastError: string | undefined;
  lastNotificationSent: (NotificationInfo & { readonly at: number }) | undefined;
  lastNotificationReceived: (NotificationInfo & { readonly at: number }) | undefined;
  /** Epoch ms when the current Established period began. */
  establishedAt: number | undefined;
  negotiated: Negotiated | undefined;
}

export function emptyStats(): SessionStats {
  return {
    messagesIn: 0,
    messagesOut: 0,
    updatesIn: 0,
    updatesOut: 0,
    keepalivesIn: 0,
    keepalivesOut: 0,
    notificationsIn: 0,
    notificationsOut: 0,
    routeRefreshesIn: 0,
    faults: { none: 0, discard: 0, withdraw: 0, 'afi-safi-disable': 0, reset: 0 },
    flaps: 0,
    collisions: 0,
    connectAttempts: 0,
    lastDownReason: undefined,
    lastDownAt: undefined,
    lastError: undefined,
    lastNotificationSent: undefined,
    lastNotificationReceived: undefined,
    establishedAt: undefined,
    negotiated: undefined,
  };
}

/** Count `n` messages of msg's type sent (n > 1 for pre-encoded batches). */
export function recordSent(c: SessionStats, msg: BgpMessage | { readonly type: 'update' }, n: number): void {
  c.messagesOut += n;
  if (msg.type === 'update') c.updatesOut += n;
  else if (msg.type === 'keepalive') c.keepalivesOut += n;
  else if (msg.type === 'notification') {
    c.notificationsOut += n;
    c.lastNotificationSent = { direction: 'sent', code: msg.code, subcode: msg.subcode, data: msg.data, at: Date.now() };
  }
}

export function recordReceived(c: SessionStats, msg: BgpMessage): void {
  c.messagesIn++;
  switch (msg.type) {
    case 'update':
      c.updatesIn++;
      break;
    case 'keepalive':
      c.keepalivesIn++;
      break;
    case 'route-refresh':
      c.routeRefreshesIn++;
      break;
    case 'notification':
      c.notificationsIn++;
      c.lastNotificationReceived = { direction: 'received', code: msg.code, subcode: msg.subcode, data: msg.data, at: Date.now() };
      break;
    case 'open':
      break;
  }
}
