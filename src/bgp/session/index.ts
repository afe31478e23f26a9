/**
 * Public surface of the BGP session driver (RFC 4271 §8 FSM around real
 * sockets). The speaker imports from here only.
 */

export { BgpSession, DEFAULT_CONNECT_RETRY, DEFAULT_HOLD_TIME, DEFAULT_PEER_PORT, MIN_SEND_HOLD_TIME } from './session.js';
export type { SessionConfig, SessionHandler, SessionStats, UpdateAction } from './types.js';
export type { ConnectionInfo } from './connection.js';
export type {
  ConnectionOrigin,
  DownReason,
  FsmState,
  Negotiated,
  NotificationInfo,
  PeerGracefulRestart,
  StateName,
} from '../fsm.js';
