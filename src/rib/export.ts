/**
 * Outbound rules: which path goes to which peer, and with what attributes.
 *
 * RFC 4271 §9.1.3 (iBGP split horizon), RFC 4456 (route reflection:
 * ORIGINATOR_ID, CLUSTER_LIST, client / non-client rules), RFC 1997
 * well-known communities, and the Contrail control node's per-peer-type
 * rules (shared/docs/contrail-control.md §3.4): the NEXT_HOP is never
 * rewritten (a route reflector is not in the forwarding path); toward eBGP
 * the local AS is prepended and iBGP-only attributes are removed.
 */

import { AS_SEQUENCE, type AsPathSegment, type PathAttributes } from '../bgp/wire/types.js';
import type { Path, PeerInfo } from './types.js';

export const NO_EXPORT = 0xffffff01;
export const NO_ADVERTISE = 0xffffff02;
export const NO_EXPORT_SUBCONFED = 0xffffff03;

/** What the RIB needs to know about this speaker. */
export interface LocalSpeaker {
  readonly routerId: number;
  readonly asn: number;
  /** RFC 4456 cluster id; defaults to the router id. */
  readonly clusterId: number;
  /** True when any peer is configured as a route-reflector client. */
  readonly reflector: boolean;
}

/**
 * Why a path is not sent to a class of peers like `to`, or undefined when it
 * may be. Never sending a path back to its own source is the update group's
 * job (src/rib/update-group.ts), since it depends on the member, not the class.
 */
export function exportVeto(path: Path, to: PeerInfo, local: LocalSpeaker): string | undefined {
  if (path.infeasible) return 'infeasible';
  const comms = path.attrs.attrs.communities;
  if (comms?.includes(NO_ADVERTISE)) return 'no-advertise';
  if (!to.ibgp && (comms?.includes(NO_EXPORT) || comms?.includes(NO_EXPORT_SUBCONFED))) return 'no-export';
  const from = path.peer;
  if (from.kind === 'bgp' && from.ibgp && to.ibgp) {
    // RFC 4456 §6: a reflector sends client routes to everyone and
    // non-client routes to clients only; without reflection, iBGP never to iBGP.
    if (!local.reflector || (!from.rrClient && !to.rrClient)) return 'ibgp-split-horizon';
  }
  if (!to.ibgp && asPathContains(path.attrs.attrs.asPath, to.asn)) return 'as-path-loop-at-peer';
  return undefined;
}

export function asPathContains(path: readonly AsPathSegment[] | undefined, asn: number): boolean {
  if (!path) return false;
  for (const s of path) if (s.asns.includes(asn)) return true;
  return false;
}

/** The attributes to send `path` to `to` with (call after exportVeto said yes). */
export function exportAttrs(path: Path, to: PeerInfo, local: LocalSpeaker): PathAttributes {
  const a = path.attrs.attrs;
  const from = path.peer;
  if (to.ibgp) {
    const out: PathAttributes = { ...a, localPref: a.localPref ?? 100, asPath: a.asPath ?? [] };
    if ((from.kind === 'bgp' && from.ibgp) || (from.kind === 'xmpp' && local.reflector)) {
      // Reflection (RFC 4456 §8): keep an existing ORIGINATOR_ID, else the
      // source's router id; prepend our cluster id. Contrail does the same
      // for agent paths when it is a reflector (an agent's router id is its
      // address), contrail-control.md §3.4.
      out.originatorId = a.originatorId ?? from.routerId;
      out.clusterList = [local.clusterId, ...(a.clusterList ?? [])];
    }
    return out;
  }
  const out: PathAttributes = { ...a, asPath: prependAs(a.asPath, local.asn) };
  delete out.localPref;
  delete out.originatorId;
  delete out.clusterList;
  // Contrail keeps MED only on locally originated paths (empty AS_PATH).
  if (a.asPath && a.asPath.some((s) => s.asns.length > 0)) delete out.med;
  return out;
}

export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number): AsPathSegment[] {
  const segs = path ? [...path] : [];
  const first = segs[0];
  if (first && first.type === AS_SEQUENCE && first.asns.length < 255) {
    segs[0] = { type: AS_SEQUENCE, asns: [asn, ...first.asns] };
  } else {
    segs.unshift({ type: AS_SEQUENCE, asns: [asn] });
  }
  return segs;
}
