/**
 * BGP wire types: exact mirrors of what is on the wire, shared by every codec
 * in src/bgp/wire and by the layers above. No logic lives here.
 *
 * RFC 4271 (BGP-4), RFC 4760 (multiprotocol), RFC 4364 / RFC 8277 (L3VPN, labels),
 * RFC 4684 (route-target membership), RFC 4360 (extended communities),
 * RFC 8092 (large communities), RFC 4456 (route reflection), RFC 6793 (4-octet AS),
 * RFC 7606 (revised error handling: the Fault type).
 *
 * Conventions:
 * - IPv4 addresses are unsigned 32-bit numbers (0xC0000201 = 192.0.2.1).
 * - Route distinguishers, route targets and other 8-byte extended communities
 *   are unsigned 64-bit bigints holding the 8 bytes big-endian, so they are
 *   Map keys by value and compare with ===.
 */

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;
export const SAFI_MPLS_VPN = 128;
export const SAFI_RTC = 132;

/** The families this speaker knows, by their config token (families/registry.ts describes each). */
export type FamilyName = 'inet' | 'inet6' | 'inet-vpn' | 'inet6-vpn' | 'route-target';

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export const MSG_OPEN = 1;
export const MSG_UPDATE = 2;
export const MSG_NOTIFICATION = 3;
export const MSG_KEEPALIVE = 4;
export const MSG_ROUTE_REFRESH = 5;

export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;

// ---------------------------------------------------------------- NLRI

// Every NLRI value carries its family name, so code never tells families
// apart by an object's shape.

/** An IPv4 prefix: addr holds only the first `len` bits (host bits zero). */
export interface Ipv4Prefix {
  readonly family: 'inet';
  readonly addr: number;
  readonly len: number;
}

/** An IPv6 prefix (RFC 4760 AFI 2): addr is the 128-bit address with host bits zero. */
export interface Ipv6Prefix {
  readonly family: 'inet6';
  readonly addr: bigint;
  readonly len: number;
}

/**
 * MPLS labels (RFC 3032 20-bit values, outermost first; bottom-of-stack is
 * implied on the last): one label as the number itself, the common case,
 * so that a route holds no array for it (a million VPN routes: ~56 MB
 * less); a stack of two or more as an array; none as the empty array.
 * Read them with the helpers of families/labeled.ts (labelList, firstLabel).
 */
export type Labels = number | readonly number[];

/** RFC 4364 / RFC 8277 labeled VPN-IPv4 NLRI. */
export interface VpnPrefix {
  readonly family: 'inet-vpn';
  readonly labels: Labels;
  readonly rd: bigint;
  readonly addr: number;
  readonly len: number;
}

/** RFC 4659 labeled VPN-IPv6 NLRI (same layout as VPN-IPv4 with a 128-bit address). */
export interface Vpn6Prefix {
  readonly family: 'inet6-vpn';
  readonly labels: Labels;
  readonly rd: bigint;
  readonly addr: bigint;
  readonly len: number;
}

/**
 * RFC 4684 route-target membership NLRI. len is 0 (the default route-target,
 * originAs and target are 0) or 32..96; bits of `target` past len-32 are zero.
 */
export interface RtMembership {
  readonly family: 'route-target';
  readonly len: number;
  readonly originAs: number;
  readonly target: bigint;
}

/** Any NLRI this speaker decodes. */
export type Nlri = Ipv4Prefix | Ipv6Prefix | VpnPrefix | Vpn6Prefix | RtMembership;

/** The NLRI type of a family, by name. */
export interface NlriOf {
  inet: Ipv4Prefix;
  inet6: Ipv6Prefix;
  'inet-vpn': VpnPrefix;
  'inet6-vpn': Vpn6Prefix;
  'route-target': RtMembership;
}

/**
 * A next hop as carried: an IPv4 address as a number (also for an
 * IPv4-mapped IPv6 next hop, ::ffff:a.b.c.d, in the IPv6 families), or a
 * 128-bit IPv6 address as a bigint.
 */
export type NextHop = number | bigint;

// ---------------------------------------------------------------- attributes

export const ATTR_ORIGIN = 1;
export const ATTR_AS_PATH = 2;
export const ATTR_NEXT_HOP = 3;
export const ATTR_MED = 4;
export const ATTR_LOCAL_PREF = 5;
export const ATTR_ATOMIC_AGGREGATE = 6;
export const ATTR_AGGREGATOR = 7;
export const ATTR_COMMUNITIES = 8;
export const ATTR_ORIGINATOR_ID = 9;
export const ATTR_CLUSTER_LIST = 10;
export const ATTR_MP_REACH = 14;
export const ATTR_MP_UNREACH = 15;
export const ATTR_EXT_COMMUNITIES = 16;
export const ATTR_AS4_PATH = 17;
export const ATTR_AS4_AGGREGATOR = 18;
export const ATTR_LARGE_COMMUNITY = 32;

export const FLAG_OPTIONAL = 0x80;
export const FLAG_TRANSITIVE = 0x40;
export const FLAG_PARTIAL = 0x20;
export const FLAG_EXTENDED_LENGTH = 0x10;

export const ORIGIN_IGP = 0;
export const ORIGIN_EGP = 1;
export const ORIGIN_INCOMPLETE = 2;

export const AS_SET = 1;
export const AS_SEQUENCE = 2;
export const AS_CONFED_SEQUENCE = 3;
export const AS_CONFED_SET = 4;

export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  readonly address: number;
}

export interface LargeCommunity {
  readonly global: number;
  readonly local1: number;
  readonly local2: number;
}

/** An attribute this speaker does not interpret, kept byte for byte. */
export interface RawAttribute {
  readonly flags: number;
  readonly code: number;
  readonly value: Uint8Array;
}

/**
 * The path attributes of an UPDATE other than MP_REACH/MP_UNREACH.
 * AS numbers in asPath are always 4-octet values: when the session is not
 * 4-octet-AS capable the codec merges AS_PATH and AS4_PATH on decode
 * (RFC 6793 §4.2.3) and splits them on encode.
 */
export interface PathAttributes {
  origin?: number;
  asPath?: readonly AsPathSegment[];
  /** IPv4 next hop (NEXT_HOP, or an IPv4 / IPv4-mapped MP_REACH next hop). */
  nextHop?: number;
  /** A global IPv6 next hop from MP_REACH that is not IPv4-mapped (nextHop is then unset). */
  nextHop6?: bigint;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  communities?: readonly number[];
  originatorId?: number;
  clusterList?: readonly number[];
  extCommunities?: readonly bigint[];
  largeCommunities?: readonly LargeCommunity[];
  /** Unrecognised optional transitive attributes (passed on with PARTIAL set). */
  unknown?: readonly RawAttribute[];
}

/** MP_REACH_NLRI: one family's next hop and NLRI (RFC 4760 §3). */
export type MpReach = {
  [F in FamilyName]: { readonly afi: number; readonly safi: number; readonly family: F; readonly nextHop: NextHop; readonly nlri: readonly NlriOf[F][] };
}[FamilyName];

/** MP_UNREACH_NLRI: one family's withdrawn NLRI (RFC 4760 §4). */
export type MpUnreach = {
  [F in FamilyName]: { readonly afi: number; readonly safi: number; readonly family: F; readonly nlri: readonly NlriOf[F][] };
}[FamilyName];

// ---------------------------------------------------------------- messages

export const CAP_MULTIPROTOCOL = 1;
export const CAP_ROUTE_REFRESH = 2;
export const CAP_GRACEFUL_RESTART = 64;
export const CAP_FOUR_OCTET_AS = 65;
export const CAP_ADD_PATH = 69;
export const CAP_ENHANCED_ROUTE_REFRESH = 70;
/** RFC 9494 long-lived graceful restart (codec: src/bgp/wire/llgr.ts). */
export const CAP_LONG_LIVED_GRACEFUL_RESTART = 71;

export interface GracefulRestartFamily extends AfiSafi {
  /** The F bit: forwarding state preserved. */
  readonly forwarding: boolean;
}

/** One family of the long-lived graceful-restart capability (RFC 9494 §3.1). */
export interface LongLivedFamily extends AfiSafi {
  /** The F bit: forwarding state preserved across the restart. */
  readonly forwarding: boolean;
  /** Long-lived Stale Time, seconds (0 = no long-lived retention for the family). */
  readonly staleTime: number;
}

export interface AddPathFamily extends AfiSafi {
  /** 1 receive, 2 send, 3 both. */
  readonly mode: number;
}

export type Capability =
  | { readonly code: 1; readonly afi: number; readonly safi: number }
  | { readonly code: 2 }
  | {
      readonly code: 64;
      readonly restarting: boolean;
      readonly notification: boolean;
      readonly restartTime: number;
      readonly families: readonly GracefulRestartFamily[];
    }
  | { readonly code: 65; readonly asn: number }
  | { readonly code: 69; readonly families: readonly AddPathFamily[] }
  | { readonly code: 70 }
  | { readonly code: 71; readonly longLived: readonly LongLivedFamily[] }
  | { readonly code: number; readonly raw: Uint8Array };

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS 23456 for large ASNs). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: number;
  readonly capabilities: readonly Capability[];
}

export interface UpdateMessage {
  readonly type: 'update';
  readonly withdrawn: readonly Ipv4Prefix[];
  readonly attrs: PathAttributes;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly nlri: readonly Ipv4Prefix[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 message subtype (0 = normal request). */
  readonly subtype: number;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

// ---------------------------------------------------------------- faults (RFC 7606)

/**
 * What to do about malformed input, weakest first. The strongest action of
 * all faults found in one message wins (RFC 7606 §3.f).
 */
export type FaultAction = 'none' | 'discard' | 'withdraw' | 'afi-safi-disable' | 'reset';

export const FAULT_ORDER: Readonly<Record<FaultAction, number>> = {
  none: 0,
  discard: 1,
  withdraw: 2,
  'afi-safi-disable': 3,
  reset: 4,
};

export interface Fault {
  readonly action: FaultAction;
  /** NOTIFICATION code/subcode to send when action is 'reset'. */
  readonly code: number;
  readonly subcode: number;
  readonly data?: Uint8Array;
  /** The attribute type code the fault is about, when there is one. */
  readonly attr?: number;
  /** The family concerned, for 'afi-safi-disable'. */
  readonly family?: AfiSafi;
  /** A short human-readable reason, for logs and introspect. */
  readonly reason: string;
}

/** Decoding never throws: it returns a value (possibly partial) and faults. */
export interface Decoded<T> {
  readonly value: T | undefined;
  readonly faults: readonly Fault[];
}

/** Per-session facts every codec needs, fixed once capabilities are negotiated. */
export interface CodecContext {
  readonly fourOctetAs: boolean;
  /** The session is eBGP (affects LOCAL_PREF / ORIGINATOR_ID / CLUSTER_LIST handling). */
  readonly ebgp: boolean;
  /** Families negotiated in both directions (key `${afi}/${safi}`). */
  readonly families: ReadonlySet<string>;
}
