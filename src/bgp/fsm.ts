/**
 * The BGP finite-state machine, pure: `step(state, input, cfg)` returns the next
 * state and the actions the driver (src/bgp/session) must carry out. No I/O,
 * no clocks, no randomness; one instance models one TCP connection's life.
 *
 * RFC 4271 §8 (FSM), §6.2 (OPEN errors), §4.4 / §10 (hold and keepalive
 * timers), §6.8 (collision); RFC 6608 (FSM-error subcodes); RFC 6793
 * (4-octet AS, AS_TRANS); RFC 6286 §2.3 (collision with equal identifiers);
 * RFC 4760 §8 (no MP capability = IPv4 unicast); RFC 2918 §4 (ROUTE-REFRESH
 * for an unadvertised family is ignored); RFC 4486 / RFC 9003 (Cease subcodes
 * and shutdown communication); RFC 9687 (send hold timer expiry, 8/0).
 *
 * Deviations / simplifications, on purpose:
 * - No DelayOpen, no damping, no ConnectRetryCounter; the IdleHoldTimer
 *   ('idle-hold') is what RFC 4271 calls an automatic restart after an error.
 * - Unexpected events in Idle are ignored (RFC 4271 §8.2.2); in Connect and
 *   Active they drop the connection without a NOTIFICATION (no OPEN was sent).
 * - TCP failure in Connect or OpenSent goes to Active and re-arms the
 *   connect-retry timer (RFC 4271 §8.2.2, Event 18), which is not a "down".
 * - A passive session that went down on the peer's side (closed, failed, or
 *   its NOTIFICATION) goes back to Active at once, not to Idle for the idle
 *   hold: a restarting peer may connect again right away. One we dropped
 *   for its error, or with a restart time of its own, waits in Idle.
 * - Every transition from a non-Idle state into Idle, and every such return
 *   of a passive session to Active, emits exactly one `down`.
 *
 * The OPEN we send, the checks on the peer's OPEN and the negotiation live in
 * src/bgp/session/negotiate.ts; NOTIFICATION helpers in src/bgp/session/notify.ts.
 * Both are pure and re-exported from here.
 */

import type {
  BgpMessage,
  Fault,
  NotificationMessage,
  OpenMessage,
  RouteRefreshMessage,
  UpdateMessage,
} from './wire/types.js';
import { buildOpen, validateOpen } from './session/negotiate.js';
import type { Negotiated, OpenConfig } from './session/negotiate.js';
import {
  CEASE_ADMIN_SHUTDOWN,
  CEASE_COLLISION,
  ERR_CEASE,
  ERR_FSM,
  ERR_HOLD_TIMER,
  ERR_OPEN,
  ERR_SEND_HOLD_TIMER,
  describeNotification,
  notification,
  shutdownCommunication,
} from './session/notify.js';

// The OPEN and NOTIFICATION helpers are part of the FSM's surface.
export * from './session/negotiate.js';
export * from './session/notify.js';

// ---------------------------------------------------------------- constants

/** RFC 4271 §8.2.2: the "large value" for the hold timer in OpenSent (4 min). */
export const OPEN_HOLD_TIME = 240;

/** RFC 6608 subcodes of the FSM error (5). */
export const FSM_ERR_OPENSENT = 1;
export const FSM_ERR_OPENCONFIRM = 2;
export const FSM_ERR_ESTABLISHED = 3;

// ---------------------------------------------------------------- types

export type StateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export type FsmState =
  | { readonly name: 'Idle' }
  | { readonly name: 'Connect' }
  | { readonly name: 'Active' }
  | { readonly name: 'OpenSent' }
  | { readonly name: 'OpenConfirm'; readonly negotiated: Negotiated }
  | { readonly name: 'Established'; readonly negotiated: Negotiated };

export type TimerName = 'connect-retry' | 'idle-hold' | 'hold' | 'keepalive' | 'send-hold';

/** Why a session left for Idle: stable strings for logs and introspect. */
export type DownReason =
  | 'hold-timer-expired'
  | 'send-hold-timer-expired'
  | 'notification-received'
  | 'notification-sent'
  | 'connection-closed'
  | 'connection-failed'
  | 'admin-stop'
  | 'collision'
  | 'open-rejected'
  | 'fsm-error'
  | 'decode-error';

/** OpenConfig (src/bgp/session/negotiate.ts): localAs, peerAs, routerId, holdTime, families. */
export interface FsmConfig extends OpenConfig {
  readonly connectRetry: number;
  readonly passive: boolean;
  /** Delay before an automatic restart after an error; default connectRetry. */
  readonly idleHold?: number;
  /** Hold timer while waiting for the peer's OPEN; default 240 s. */
  readonly openHoldTime?: number;
}

export type FsmInput =
  | { readonly kind: 'start' }
  | { readonly kind: 'stop'; readonly subcode?: number; readonly message?: string }
  /**
   * Send a NOTIFICATION and drop the session, then restart automatically
   * after `restartAfter` seconds (default: the idle-hold time), or never
   * (e.g. max-prefix without a restart time: it stays down).
   */
  | {
      readonly kind: 'reset'; readonly code: number; readonly subcode: number; readonly data?: Uint8Array;
      readonly detail: string; readonly restartAfter?: number | 'never';
    }
  | { readonly kind: 'tcp-connected' }
  | { readonly kind: 'tcp-failed'; readonly detail: string }
  | { readonly kind: 'tcp-closed'; readonly detail?: string }
  | { readonly kind: 'message-received'; readonly message: BgpMessage }
  | { readonly kind: 'decode-fault'; readonly fault: Fault }
  | { readonly kind: 'timer-expired'; readonly timer: TimerName }
  /** The driver resolved a connection collision against this connection (RFC 4271 §6.8). */
  | { readonly kind: 'collision-lost' };

export interface NotificationInfo {
  readonly direction: 'sent' | 'received';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export type FsmAction =
  | { readonly type: 'connect' }
  | { readonly type: 'send'; readonly message: BgpMessage }
  | { readonly type: 'arm-timer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly type: 'cancel-timer'; readonly timer: TimerName }
  | { readonly type: 'close-connection' }
  | { readonly type: 'established'; readonly negotiated: Negotiated }
  | { readonly type: 'deliver'; readonly message: UpdateMessage | RouteRefreshMessage }
  | {
      readonly type: 'down';
      readonly reason: DownReason;
      readonly from: StateName;
      readonly detail: string;
      readonly notification?: NotificationInfo;
    };

export interface FsmResult {
  readonly state: FsmState;
  readonly actions: FsmAction[];
}

type NegotiatedState = Extract<FsmState, { negotiated: Negotiated }>;

export const IDLE: FsmState = Object.freeze({ name: 'Idle' });
const CONNECT: FsmState = Object.freeze({ name: 'Connect' });
const ACTIVE: FsmState = Object.freeze({ name: 'Active' });
const OPEN_SENT: FsmState = Object.freeze({ name: 'OpenSent' });

// ---------------------------------------------------------------- step

export function step(state: FsmState, input: FsmInput, cfg: FsmConfig): FsmResult {
  switch (state.name) {
    case 'Idle':
      return idle(state, input, cfg);
    case 'Connect':
      return connect(state, input, cfg);
    case 'Active':
      return active(state, input, cfg);
    case 'OpenSent':
      return openSent(state, input, cfg);
    case 'OpenConfirm':
      return openConfirm(state, input, cfg);
    case 'Established':
      return established(state, input, cfg);
  }
}

/** RFC 4271 §8.2.2 Idle: only a start (manual or automatic) does anything. */
function idle(state: FsmState, input: FsmInput, cfg: FsmConfig): FsmResult {
  switch (input.kind) {
    case 'start':
      return begin(cfg);
    case 'timer-expired':
      return input.timer === 'idle-hold' ? begin(cfg) : stay(state);
    case 'stop':
      return stay(state, [cancel('idle-hold')]);
    default:
      return stay(state);
  }
}

function connect(state: FsmState, input: FsmInput, cfg: FsmConfig): FsmResult {
  switch (input.kind) {
    case 'tcp-connected':
      return sendOpen(cfg);
    case 'tcp-failed':
    case 'tcp-closed':
      return { state: ACTIVE, actions: [{ type: 'close-connection' }, arm('connect-retry', cfg.connectRetry)] };
    case 'timer-expired':
      if (input.timer !== 'connect-retry') return teardown(state, cfg, 'fsm-error', `unexpected ${input.timer} timer`);
      return {
        state: CONNECT,
        actions: [{ type: 'close-connection' }, { type: 'connect' }, arm('connect-retry', cfg.connectRetry)],
      };
    case 'stop':
      return teardown(state, cfg, 'admin-stop', 'administratively stopped', { restart: false });
    case 'reset': // no OPEN was exchanged: nothing to notify, drop the attempt and restart later
      return teardown(state, cfg, 'connection-failed', input.detail);
    case 'start':
      return stay(state);
    default:
      return teardown(state, cfg, 'fsm-error', `unexpected ${describe(input)} in Connect`);
  }
}

function active(state: FsmState, input: FsmInput, cfg: FsmConfig): FsmResult {
  switch (input.kind) {
    case 'tcp-connected':
      return sendOpen(cfg);
    case 'timer-expired':
      if (input.timer !== 'connect-retry') return teardown(state, cfg, 'fsm-error', `unexpected ${input.timer} timer`);
      if (cfg.passive) return stay(state);
      return { state: CONNECT, actions: [{ type: 'connect' }, arm('connect-retry', cfg.connectRetry)] };
    case 'tcp-failed':
    case 'tcp-closed':
    case 'start':
      return stay(state);
    case 'stop':
      return teardown(state, cfg, 'admin-stop', 'administratively stopped', { restart: false });
    case 'reset':
      return teardown(state, cfg, 'connection-failed', input.detail);
    default:
      return teardown(state, cfg, 'fsm-error', `unexpected ${describe(input)} in Active`);
  }
}

function openSent(state: FsmState, input: FsmInput, cfg: FsmConfig): FsmResult {
  switch (input.kind) {
    case 'message-received':
      if (input.message.type === 'open') return receiveOpen(state, input.message, cfg);
      return common(state, input, cfg) ?? fsmError(state, cfg, input);
    case 'tcp-failed':
    case 'tcp-closed': {
      // RFC 4271 §8.2.2 OpenSent, Event 18: back to Active, retry later.
      const actions: FsmAction[] = [{ type: 'close-connection' }, cancel('hold')];
      if (!cfg.passive) actions.push(arm('connect-retry', cfg.connectRetry));
      return { state: ACTIVE, actions };
    }
    default:
      return common(state, input, cfg) ?? fsmError(state, cfg, input);
  }
}

function openConfirm(state: NegotiatedState, input: FsmInput, cfg: FsmConfig): FsmResult {
  const n = state.negotiated;
  if (input.kind === 'message-received' && input.message.type === 'keepalive') {
    const actions: FsmAction[] = [restartHold(n), { type: 'established', negotiated: n }];
    return { state: { name: 'Established', negotiated: n }, actions };
  }
  if (input.kind === 'timer-expired' && input.timer === 'keepalive') return stay(state, keepaliveTick(n));
  return common(state, input, cfg) ?? fsmError(state, cfg, input);
}

function established(state: NegotiatedState, input: FsmInput, cfg: FsmConfig): FsmResult {
  const n = state.negotiated;
  if (input.kind === 'timer-expired' && input.timer === 'keepalive') return stay(state, keepaliveTick(n));
  if (input.kind !== 'message-received') return common(state, input, cfg) ?? fsmError(state, cfg, input);
  const msg = input.message;
  switch (msg.type) {
    case 'keepalive':
      return stay(state, [restartHold(n)]);
    case 'update':
      return stay(state, [restartHold(n), { type: 'deliver', message: msg }]);
    case 'route-refresh':
      // RFC 2918 §4: a family we did not negotiate is ignored.
      if (!n.families.some((f) => f.afi === msg.afi && f.safi === msg.safi)) return stay(state, [restartHold(n)]);
      return stay(state, [restartHold(n), { type: 'deliver', message: msg }]);
    case 'notification':
    case 'open':
      return common(state, input, cfg) ?? fsmError(state, cfg, input);
  }
}

/**
 * The arms shared by OpenSent, OpenConfirm and Established; undefined for an
 * input that is an FSM error in that state.
 */
function common(state: FsmState, input: FsmInput, cfg: FsmConfig): FsmResult | undefined {
  switch (input.kind) {
    case 'start':
      return stay(state);
    case 'stop': {
      const subcode = input.subcode ?? CEASE_ADMIN_SHUTDOWN;
      const note = notification(ERR_CEASE, subcode, shutdownCommunication(subcode, input.message));
      const detail = input.message ? `administratively stopped: ${input.message}` : 'administratively stopped';
      return teardown(state, cfg, 'admin-stop', detail, { send: note, restart: false });
    }
    case 'reset':
      return teardown(state, cfg, 'notification-sent', input.detail, {
        send: notification(input.code, input.subcode, input.data),
        ...(input.restartAfter === 'never' ? { restart: false } : {}),
        ...(typeof input.restartAfter === 'number' ? { idleHold: input.restartAfter } : {}),
      });
    case 'collision-lost':
      return teardown(state, cfg, 'collision', 'connection collision resolved in favour of the other connection', {
        send: notification(ERR_CEASE, CEASE_COLLISION),
      });
    case 'tcp-failed':
      return teardown(state, cfg, 'connection-failed', input.detail);
    case 'tcp-closed':
      return teardown(state, cfg, 'connection-closed', input.detail ?? 'peer closed the connection');
    case 'decode-fault': {
      const f = input.fault;
      const reason = state.name === 'OpenSent' && f.code === ERR_OPEN ? 'open-rejected' : 'decode-error';
      return teardown(state, cfg, reason, f.reason, { send: notification(f.code, f.subcode, f.data) });
    }
    case 'timer-expired':
      return timerCommon(state, input.timer, cfg);
    case 'message-received':
      if (input.message.type !== 'notification') return undefined;
      return teardown(state, cfg, 'notification-received', describeNotification(input.message), {
        received: input.message,
      });
    case 'tcp-connected':
      return undefined;
  }
}

function timerCommon(state: FsmState, timer: TimerName, cfg: FsmConfig): FsmResult | undefined {
  switch (timer) {
    case 'hold':
      return teardown(state, cfg, 'hold-timer-expired', 'hold timer expired', {
        send: notification(ERR_HOLD_TIMER, 0),
      });
    case 'send-hold':
      return teardown(state, cfg, 'send-hold-timer-expired', 'peer stopped reading (send hold timer expired)', {
        send: notification(ERR_SEND_HOLD_TIMER, 0),
      });
    case 'connect-retry':
    case 'idle-hold':
    case 'keepalive':
      return undefined;
  }
}

/** RFC 6608: the FSM-error NOTIFICATION for the state the event arrived in. */
function fsmError(state: FsmState, cfg: FsmConfig, input: FsmInput): FsmResult {
  const subcode = fsmErrorSubcode(state.name);
  return teardown(state, cfg, 'fsm-error', `unexpected ${describe(input)} in ${state.name}`, {
    send: notification(ERR_FSM, subcode),
  });
}

export function fsmErrorSubcode(name: StateName): number {
  switch (name) {
    case 'OpenSent':
      return FSM_ERR_OPENSENT;
    case 'OpenConfirm':
      return FSM_ERR_OPENCONFIRM;
    case 'Established':
      return FSM_ERR_ESTABLISHED;
    case 'Idle':
    case 'Connect':
    case 'Active':
      return 0;
  }
}

// ---------------------------------------------------------------- transitions

function begin(cfg: FsmConfig): FsmResult {
  if (cfg.passive) return { state: ACTIVE, actions: [cancel('idle-hold')] };
  return {
    state: CONNECT,
    actions: [cancel('idle-hold'), { type: 'connect' }, arm('connect-retry', cfg.connectRetry)],
  };
}

function sendOpen(cfg: FsmConfig): FsmResult {
  return {
    state: OPEN_SENT,
    actions: [
      cancel('connect-retry'),
      { type: 'send', message: buildOpen(cfg) },
      arm('hold', cfg.openHoldTime ?? OPEN_HOLD_TIME),
    ],
  };
}

function receiveOpen(state: FsmState, open: OpenMessage, cfg: FsmConfig): FsmResult {
  const checked = validateOpen(open, cfg);
  if (!checked.ok) {
    return teardown(state, cfg, 'open-rejected', checked.detail, {
      send: notification(ERR_OPEN, checked.subcode, checked.data),
    });
  }
  const n = checked.negotiated;
  const actions: FsmAction[] = [{ type: 'send', message: { type: 'keepalive' } }, restartHold(n)];
  actions.push(n.keepalive > 0 ? arm('keepalive', n.keepalive) : cancel('keepalive'));
  return { state: { name: 'OpenConfirm', negotiated: n }, actions };
}

interface TeardownOptions {
  readonly send?: NotificationMessage;
  readonly received?: NotificationMessage;
  /** Arm the idle-hold timer for an automatic restart (default true). */
  readonly restart?: boolean;
  /** Seconds until that restart, instead of the configured idle-hold time. */
  readonly idleHold?: number;
}

/** Leave for Idle: optionally notify, close, cancel timers, report `down`. */
function teardown(
  state: FsmState,
  cfg: FsmConfig,
  reason: DownReason,
  detail: string,
  opts: TeardownOptions = {},
): FsmResult {
  const actions: FsmAction[] = [];
  if (opts.send) actions.push({ type: 'send', message: opts.send });
  actions.push({ type: 'close-connection' }, cancel('connect-retry'), cancel('hold'), cancel('keepalive'));
  const restart = opts.restart ?? true;
  // A passive peer that went away on its own side (closed, failed, sent a
  // NOTIFICATION: a restarting peer) may connect again at once: the idle
  // hold paces our own connection attempts, and a passive session makes
  // none. One we dropped for an error of its own (we sent the NOTIFICATION),
  // or with a restart time of its own (max-prefix), waits it out in Idle.
  const backAtOnce = restart && cfg.passive && opts.send === undefined && opts.idleHold === undefined;
  if (backAtOnce) actions.push(cancel('idle-hold'));
  else if (restart) actions.push(arm('idle-hold', opts.idleHold ?? cfg.idleHold ?? cfg.connectRetry));
  const note = opts.send ?? opts.received;
  const down: FsmAction = note
    ? { type: 'down', reason, from: state.name, detail, notification: noteInfo(note, opts.send ? 'sent' : 'received') }
    : { type: 'down', reason, from: state.name, detail };
  actions.push(down);
  return { state: backAtOnce ? ACTIVE : IDLE, actions };
}

function stay(state: FsmState, actions: FsmAction[] = []): FsmResult {
  return { state, actions };
}

function keepaliveTick(n: Negotiated): FsmAction[] {
  return [{ type: 'send', message: { type: 'keepalive' } }, arm('keepalive', n.keepalive)];
}

function restartHold(n: Negotiated): FsmAction {
  return n.holdTime > 0 ? arm('hold', n.holdTime) : cancel('hold');
}

function arm(timer: TimerName, seconds: number): FsmAction {
  return { type: 'arm-timer', timer, seconds };
}

function cancel(timer: TimerName): FsmAction {
  return { type: 'cancel-timer', timer };
}

// ---------------------------------------------------------------- collision

/** Which of our two connections to a peer started it. */
export type ConnectionOrigin = 'outbound' | 'inbound';

/**
 * RFC 4271 §6.8: keep the connection initiated by the speaker with the higher
 * BGP identifier; RFC 6286 §2.3: with equal identifiers, the higher AS wins.
 */
export function collisionWinner(
  localId: number,
  remoteId: number,
  localAs: number,
  remoteAs: number,
): ConnectionOrigin {
  const l = localId >>> 0;
  const r = remoteId >>> 0;
  if (l !== r) return l > r ? 'outbound' : 'inbound';
  return localAs > remoteAs ? 'outbound' : 'inbound';
}

// ---------------------------------------------------------------- helpers

function noteInfo(n: NotificationMessage, direction: 'sent' | 'received'): NotificationInfo {
  return { direction, code: n.code, subcode: n.subcode, data: n.data };
}

function describe(input: FsmInput): string {
  switch (input.kind) {
    case 'message-received':
      return `${input.message.type.toUpperCase()} message`;
    case 'timer-expired':
      return `${input.timer} timer expiry`;
    default:
      return input.kind;
  }
}
