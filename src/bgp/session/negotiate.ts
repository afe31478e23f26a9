/**
 * The OPEN message, both ways: the OPEN we send (contrail-control.md §5.1,
 * adapted), the checks on the peer's OPEN (RFC 4271 §6.2) and what the two
 * settle (hold time, families, capabilities). Pure; used by src/bgp/fsm.ts.
 *
 * RFC 4271 §4.2 / §6.2 (OPEN and its errors, hold time 0 or ≥ 3), RFC 6793
 * (4-octet AS capability 65, AS_TRANS), RFC 6286 (identifier uniqueness only
 * within an AS), RFC 4760 §8 (multiprotocol capability; none = IPv4
 * unicast), RFC 2918 (route refresh), RFC 4724 §3 (graceful restart: we send
 * our restart time, or 0, i.e. End-of-RIB support only; no families, unless
 * we restart gracefully ourselves: then every family with the F bit, as
 * Contrail does, since forwarding is done by the vRouters and gateways and
 * goes on while we restart; the R bit after our own restart, §4.1), RFC 9494 §3.1 / §4.1 (long-lived
 * graceful restart: our long-lived stale time per family, always beside the
 * GR capability; a peer's LLGR capability without GR is disregarded), RFC
 * 7911 (ADD-PATH: recognised, not negotiated).
 */

import { familyKey } from '../wire/index.js';
import type { AddPathFamily, AfiSafi, Capability, CodecContext, GracefulRestartFamily, LongLivedFamily, OpenMessage } from '../wire/types.js';
import {
  AFI_IPV4,
  CAP_ADD_PATH,
  CAP_FOUR_OCTET_AS,
  CAP_GRACEFUL_RESTART,
  CAP_LONG_LIVED_GRACEFUL_RESTART,
  CAP_MULTIPROTOCOL,
  CAP_ROUTE_REFRESH,
  SAFI_UNICAST,
} from '../wire/types.js';

/**
 * What the OPEN exchange needs to know about our side and the expected peer.
 * The FSM's config (FsmConfig in src/bgp/fsm.ts) extends it; it is defined
 * here, not there, so that this module does not import the FSM that uses it.
 */
export interface OpenConfig {
  readonly localAs: number;
  readonly peerAs: number;
  /** Our BGP identifier as an unsigned 32-bit number. */
  readonly routerId: number;
  readonly holdTime: number;
  readonly families: readonly AfiSafi[];
  /** Graceful-restart time to advertise, seconds (0: End-of-RIB support only). */
  readonly restartTime?: number;
  /** Long-lived stale time to advertise for every family, seconds (RFC 9494); 0 or absent: no LLGR capability. */
  readonly longLivedStaleTime?: number;
  /** Set the R bit (RFC 4724 §4.1): we have just restarted. */
  readonly restarting?: boolean;
  /**
   * We restart gracefully (restarting-speaker mode): list every family in the
   * GR and LLGR capabilities with the F bit, so helpers keep our routes.
   */
  readonly preserveForwarding?: boolean;
}

export const BGP_VERSION = 4;
/** RFC 6793 §9: the 2-octet stand-in for a 4-octet AS number. */
export const AS_TRANS = 23456;

export const OPEN_UNSUPPORTED_VERSION = 1;
export const OPEN_BAD_PEER_AS = 2;
export const OPEN_BAD_BGP_ID = 3;
export const OPEN_UNACCEPTABLE_HOLD = 6;

/** The peer's graceful-restart capability (RFC 4724 §3), as received. */
export interface PeerGracefulRestart {
  readonly restarting: boolean;
  readonly notification: boolean;
  readonly restartTime: number;
  readonly families: readonly GracefulRestartFamily[];
}

/** What the OPEN exchange settled; fixed for the life of the session. */
export interface Negotiated {
  readonly peerBgpId: number;
  /** The peer's AS, 4-octet (from capability 65 when present). */
  readonly peerAs: number;
  /** min(ours, theirs); 0 means no hold timer and no keepalives. */
  readonly holdTime: number;
  readonly keepalive: number;
  readonly fourOctetAs: boolean;
  /** Configured families the peer also advertised (RFC 4760). */
  readonly families: readonly AfiSafi[];
  readonly routeRefresh: boolean;
  readonly gracefulRestart: PeerGracefulRestart | undefined;
  /** The peer's long-lived graceful-restart families (RFC 9494 §3.1); empty without LLGR, or without GR beside it (§4.1). */
  readonly longLived: readonly LongLivedFamily[];
  /** The peer advertised LLGR (with GR): it may be sent LLGR-stale paths (RFC 9494 §4.3). */
  readonly llgr: boolean;
  /** The peer's ADD-PATH capability, recognised but not negotiated (we do not advertise it). */
  readonly addPath: readonly AddPathFamily[];
  /** Capability codes the peer sent, in order, for introspect. */
  readonly peerCapabilities: readonly number[];
  readonly codec: CodecContext;
}

/** The OPEN we send (contrail-control.md §5.1, with route-refresh and 4-octet AS always). */
export function buildOpen(cfg: OpenConfig): OpenMessage {
  const capabilities: Capability[] = cfg.families.map((f) => ({ code: CAP_MULTIPROTOCOL, afi: f.afi, safi: f.safi }));
  capabilities.push({ code: CAP_ROUTE_REFRESH });
  capabilities.push({ code: CAP_FOUR_OCTET_AS, asn: cfg.localAs });
  // Restart time 0 says "End-of-RIB support only"; more, that we are a
  // helper that keeps a restarting peer's routes (RFC 4724 §3, §4.2). No
  // families unless we restart gracefully ourselves (see preserveForwarding).
  const forwarding = cfg.preserveForwarding ?? false;
  const families = forwarding ? cfg.families.map((f) => ({ afi: f.afi, safi: f.safi, forwarding: true })) : [];
  capabilities.push({
    code: CAP_GRACEFUL_RESTART, restarting: cfg.restarting ?? false, notification: false, restartTime: cfg.restartTime ?? 0, families,
  });
  // RFC 9494 §3.1: every family with our long-lived stale time.
  const llst = cfg.longLivedStaleTime ?? 0;
  if (llst > 0) {
    const longLived = cfg.families.map((f) => ({ afi: f.afi, safi: f.safi, forwarding, staleTime: llst }));
    capabilities.push({ code: CAP_LONG_LIVED_GRACEFUL_RESTART, longLived });
  }
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: cfg.localAs > 0xffff ? AS_TRANS : cfg.localAs,
    holdTime: cfg.holdTime,
    bgpId: cfg.routerId >>> 0,
    capabilities,
  };
}

export type OpenCheck =
  | { readonly ok: true; readonly negotiated: Negotiated }
  | { readonly ok: false; readonly subcode: number; readonly data?: Uint8Array; readonly detail: string };

/** RFC 4271 §6.2 OPEN checks, then the negotiation of what both sides support. */
export function validateOpen(open: OpenMessage, cfg: OpenConfig): OpenCheck {
  if (open.version !== BGP_VERSION) {
    return reject(OPEN_UNSUPPORTED_VERSION, `unsupported version ${open.version}`, Uint8Array.of(0, BGP_VERSION));
  }
  const four = open.capabilities.find(isFourOctetAs);
  if (four && open.myAs !== AS_TRANS && open.myAs !== four.asn) {
    return reject(OPEN_BAD_PEER_AS, `My AS ${open.myAs} disagrees with 4-octet AS capability ${four.asn}`);
  }
  const peerAs = four ? four.asn : open.myAs;
  if (peerAs !== cfg.peerAs) return reject(OPEN_BAD_PEER_AS, `peer AS ${peerAs}, expected ${cfg.peerAs}`);
  const bgpId = open.bgpId >>> 0;
  if (bgpId === 0) return reject(OPEN_BAD_BGP_ID, 'BGP identifier 0.0.0.0');
  if (cfg.peerAs === cfg.localAs && bgpId === cfg.routerId >>> 0) {
    return reject(OPEN_BAD_BGP_ID, 'iBGP peer uses our BGP identifier');
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    return reject(OPEN_UNACCEPTABLE_HOLD, `unacceptable hold time ${open.holdTime}`);
  }
  return { ok: true, negotiated: negotiate(open, cfg, peerAs, four !== undefined) };
}

function reject(subcode: number, detail: string, data?: Uint8Array): OpenCheck {
  return data ? { ok: false, subcode, data, detail } : { ok: false, subcode, detail };
}

function negotiate(open: OpenMessage, cfg: OpenConfig, peerAs: number, fourOctetAs: boolean): Negotiated {
  const holdTime = Math.min(cfg.holdTime, open.holdTime);
  const mp = open.capabilities.filter(isMultiprotocol);
  // RFC 4760 §8: a peer without the MP capability speaks IPv4 unicast only.
  const theirs: readonly AfiSafi[] = mp.length > 0 ? mp : [{ afi: AFI_IPV4, safi: SAFI_UNICAST }];
  const families = cfg.families.filter((f) => theirs.some((t) => t.afi === f.afi && t.safi === f.safi));
  const gr = open.capabilities.find(isGracefulRestart);
  const llgr = gr ? open.capabilities.find(isLongLived) : undefined;
  const addPath = open.capabilities.find(isAddPath);
  const codec: CodecContext = Object.freeze({
    fourOctetAs,
    ebgp: cfg.peerAs !== cfg.localAs,
    families: new Set<string>(families.map(familyKey)),
  });
  return Object.freeze({
    peerBgpId: open.bgpId >>> 0,
    peerAs,
    holdTime,
    keepalive: Math.floor(holdTime / 3),
    fourOctetAs,
    families: Object.freeze(families.map((f) => ({ afi: f.afi, safi: f.safi }))),
    routeRefresh: open.capabilities.some((c) => c.code === CAP_ROUTE_REFRESH),
    gracefulRestart: gr && {
      restarting: gr.restarting,
      notification: gr.notification,
      restartTime: gr.restartTime,
      families: gr.families,
    },
    longLived: llgr ? llgr.longLived : [],
    llgr: llgr !== undefined,
    addPath: addPath ? addPath.families : [],
    peerCapabilities: open.capabilities.map((c) => c.code),
    codec,
  });
}

type Cap<C extends number> = Extract<Capability, { readonly code: C }>;

function isMultiprotocol(c: Capability): c is Cap<1> {
  return c.code === CAP_MULTIPROTOCOL && 'afi' in c;
}
function isFourOctetAs(c: Capability): c is Cap<65> {
  return c.code === CAP_FOUR_OCTET_AS && 'asn' in c;
}
function isGracefulRestart(c: Capability): c is Cap<64> {
  return c.code === CAP_GRACEFUL_RESTART && 'restartTime' in c;
}
function isLongLived(c: Capability): c is Cap<71> {
  return c.code === CAP_LONG_LIVED_GRACEFUL_RESTART && 'longLived' in c;
}
function isAddPath(c: Capability): c is Cap<69> {
  return c.code === CAP_ADD_PATH && 'families' in c;
}
