/**
 * fast-check arbitraries for BGP wire values. They generate only values the
 * codec can represent exactly (see the notes on each), so that
 * decode(encode(x)) must deep-equal x.
 */

import fc from 'fast-check';
import { compactLabels, labelCount } from '../../../src/bgp/wire/families/labeled.js';
import type {
  AsPathSegment,
  Capability,
  CodecContext,
  Ipv4Prefix,
  Ipv6Prefix,
  MpReach,
  MpUnreach,
  NotificationMessage,
  OpenMessage,
  PathAttributes,
  RawAttribute,
  RouteRefreshMessage,
  RtMembership,
  UpdateMessage,
  Vpn6Prefix,
  VpnPrefix,
} from '../../../src/bgp/wire/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

function mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export const ipv4Prefix: fc.Arbitrary<Ipv4Prefix> = fc
  .record({ addr: u32, len: fc.integer({ min: 0, max: 32 }) })
  .map(({ addr, len }) => ({ family: 'inet' as const, addr: (addr & mask(len)) >>> 0, len }));

const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
function mask6(len: number): bigint {
  return len === 0 ? 0n : (((1n << 128n) - 1n) << BigInt(128 - len)) & ((1n << 128n) - 1n);
}

export const ipv6Prefix: fc.Arbitrary<Ipv6Prefix> = fc
  .record({ addr: u128, len: fc.integer({ min: 0, max: 128 }) })
  .map(({ addr, len }) => ({ family: 'inet6' as const, addr: addr & mask6(len), len }));

/** A unicast next hop (not 0/8-zero, loopback or multicast). */
export const nextHop = fc.integer({ min: 0x01000000, max: 0xdfffffff }).filter((a) => a >>> 24 !== 127);

/**
 * Labels: a label of 0x80000 is left out of non-last positions, where its
 * wire form would be the withdrawal compatibility value 0x800000.
 */
const labelStack = fc
  .array(fc.integer({ min: 0, max: 0xfffff }), { maxLength: 3 })
  .map((ls) => ls.map((l, i) => (i < ls.length - 1 && l === 0x80000 ? 0x80001 : l)))
  // As decoding gives them back: one label as a number (src/bgp/wire/types.ts Labels).
  .map(compactLabels);

export const vpnPrefix: fc.Arbitrary<VpnPrefix> = fc
  .record({ labels: labelStack, rd: u64, p: ipv4Prefix })
  .map(({ labels, rd, p }) => ({ family: 'inet-vpn' as const, labels, rd, addr: p.addr, len: p.len }));

/** VPN-IPv6: at most two labels, so 24·labels + 64 + 128 fits the one-byte length (RFC 4659 §3.2). */
export const vpn6Prefix: fc.Arbitrary<Vpn6Prefix> = fc
  .record({ labels: labelStack.filter((ls) => labelCount(ls) <= 2), rd: u64, p: ipv6Prefix })
  .map(({ labels, rd, p }) => ({ family: 'inet6-vpn' as const, labels, rd, addr: p.addr, len: p.len }));

export const rtMembership: fc.Arbitrary<RtMembership> = fc.oneof(
  fc.constant<RtMembership>({ family: 'route-target' as const, len: 0, originAs: 0, target: 0n }),
  fc.record({ len: fc.integer({ min: 32, max: 96 }), originAs: u32, target: u64 }).map(({ len, originAs, target }) => {
    const bits = len - 32;
    const m = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(64 - bits);
    return { family: 'route-target' as const, len, originAs, target: target & m };
  }),
);

/** Codes no codec claims. */
const unknownCode = fc.integer({ min: 11, max: 255 }).filter((c) => ![14, 15, 16, 17, 18, 32].includes(c));

const rawAttribute: fc.Arbitrary<RawAttribute> = fc
  .record({ code: unknownCode, value: fc.uint8Array({ maxLength: 300 }), ext: fc.boolean() })
  .map(({ code, value, ext }) => ({ code, value, flags: 0xe0 | (ext || value.length > 255 ? 0x10 : 0) }));

function asPath(width: 2 | 4): fc.Arbitrary<AsPathSegment[]> {
  const asn = width === 4 ? u32 : u16;
  const segment = fc.record({ type: fc.constantFrom(1, 2), asns: fc.array(asn, { minLength: 1, maxLength: 20 }) });
  const confed = fc.record({ type: fc.constantFrom(3, 4), asns: fc.array(u16, { minLength: 1, maxLength: 5 }) });
  // Confederation segments only lead the path (RFC 5065), with 2-octet ASNs.
  return fc
    .tuple(fc.array(confed, { maxLength: 1 }), fc.array(segment, { maxLength: 5 }))
    .map(([c, s]) => [...c, ...s]);
}

function hasLarge(segs: readonly AsPathSegment[]): boolean {
  return segs.some((s) => s.asns.some((a) => a > 0xffff));
}

/** Path attributes a session with `ctx` can carry exactly. */
export function pathAttributes(ctx: CodecContext, withNextHop: boolean): fc.Arbitrary<PathAttributes> {
  const base = {
    origin: fc.integer({ min: 0, max: 2 }),
    asPath: asPath(4),
    med: u32,
    atomicAggregate: fc.constant(true),
    aggregator: fc.record({ asn: u32, address: u32 }),
    communities: fc.array(u32, { minLength: 1, maxLength: 5 }),
    extCommunities: fc.array(u64, { minLength: 1, maxLength: 5 }),
    largeCommunities: fc.array(fc.record({ global: u32, local1: u32, local2: u32 }), { minLength: 1, maxLength: 3 }),
    unknown: fc
      .uniqueArray(rawAttribute, { minLength: 1, maxLength: 3, selector: (a) => a.code })
      .map((list) => list.sort((a, b) => a.code - b.code)),
  };
  const model: { [K in keyof PathAttributes]?: fc.Arbitrary<NonNullable<PathAttributes[K]>> } = { ...base };
  if (!ctx.ebgp) {
    model.localPref = u32;
    model.originatorId = u32;
    model.clusterList = fc.array(u32, { minLength: 1, maxLength: 5 });
  }
  if (withNextHop) model.nextHop = nextHop;
  const required: Array<keyof PathAttributes> = withNextHop ? ['origin', 'asPath', 'nextHop'] : ['origin', 'asPath'];
  const attrs = fc.record(model as Required<typeof model>, { requiredKeys: required }) as fc.Arbitrary<PathAttributes>;
  return attrs.map((a) => (ctx.fourOctetAs ? a : fitTwoOctet(a)));
}

/**
 * RFC 6793 §4.2.3: a 2-octet AGGREGATOR other than AS_TRANS makes the
 * receiver ignore AS4_PATH, so keep such paths to 2-octet ASNs.
 */
function fitTwoOctet(a: PathAttributes): PathAttributes {
  const agg = a.aggregator;
  if (agg === undefined || agg.asn > 0xffff || agg.asn === 23456 || a.asPath === undefined || !hasLarge(a.asPath)) return a;
  return { ...a, aggregator: { asn: agg.asn + 0x10000, address: agg.address } };
}

export function mpReach(safi: 1 | 128 | 132): fc.Arbitrary<MpReach> {
  const nlri: fc.Arbitrary<Array<Ipv4Prefix | VpnPrefix | RtMembership>> =
    safi === 1 ? fc.array(ipv4Prefix, { minLength: 1, maxLength: 20 }) : safi === 128 ? fc.array(vpnPrefix, { minLength: 1, maxLength: 20 }) : fc.array(rtMembership, { minLength: 1, maxLength: 20 });
  const family = safi === 1 ? 'inet' : safi === 128 ? 'inet-vpn' : 'route-target';
  return fc.record({ nextHop: u32, nlri }).map(({ nextHop: nh, nlri: list }) => ({ afi: 1, safi, family, nextHop: nh, nlri: list }) as MpReach);
}

export function mpUnreach(safi: 1 | 128 | 132): fc.Arbitrary<MpUnreach> {
  const nlri: fc.Arbitrary<Array<Ipv4Prefix | VpnPrefix | RtMembership>> =
    safi === 1 ? fc.array(ipv4Prefix, { maxLength: 20 }) : safi === 128 ? fc.array(vpnPrefix, { maxLength: 20 }) : fc.array(rtMembership, { maxLength: 20 });
  // Withdrawals carry no label stack (RFC 8277 §2.4).
  const family = safi === 1 ? 'inet' : safi === 128 ? 'inet-vpn' : 'route-target';
  return nlri.map((list) => ({ afi: 1, safi, family, nlri: list.map((n) => (n.family === 'inet-vpn' ? { ...n, labels: [] } : n)) }) as MpUnreach);
}

/** A valid UPDATE of one family: classic fields for inet, MP attributes otherwise. */
export function updateMessage(ctx: CodecContext, family: 'inet' | 'inet-mp' | 'inet-vpn' | 'route-target'): fc.Arbitrary<UpdateMessage> {
  if (family === 'inet') {
    return fc
      .record({
        withdrawn: fc.array(ipv4Prefix, { maxLength: 20 }),
        nlri: fc.array(ipv4Prefix, { minLength: 1, maxLength: 20 }),
        attrs: pathAttributes(ctx, true),
      })
      .map((u) => ({ type: 'update', ...u }));
  }
  const safi = family === 'inet-mp' ? 1 : family === 'inet-vpn' ? 128 : 132;
  return fc
    .record({ attrs: pathAttributes(ctx, false), mpReach: mpReach(safi), mpUnreach: fc.option(mpUnreach(safi), { nil: undefined }) })
    .map(({ attrs, mpReach: reach, mpUnreach: unreach }) => {
      const u: UpdateMessage = { type: 'update', withdrawn: [], attrs, mpReach: reach, nlri: [] };
      return unreach === undefined ? u : { ...u, mpUnreach: unreach };
    });
}

/** Capabilities that decode back to themselves. */
export const capability: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ code: fc.constant(1 as const), afi: u16, safi: u8 }),
  fc.constant<Capability>({ code: 2 }),
  fc.constant<Capability>({ code: 70 }),
  fc.record({ code: fc.constant(65 as const), asn: u32 }),
  fc.record({
    code: fc.constant(64 as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: u16, safi: u8, forwarding: fc.boolean() }), { maxLength: 5 }),
  }),
  fc.record({ code: fc.constant(69 as const), families: fc.array(fc.record({ afi: u16, safi: u8, mode: u8 }), { maxLength: 5 }) }),
  fc.record({
    code: fc.constant(71 as const),
    longLived: fc.array(fc.record({ afi: u16, safi: u8, forwarding: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 5 }),
  }),
  fc.record({
    code: fc.integer({ min: 3, max: 255 }).filter((c) => ![64, 65, 69, 70, 71].includes(c)),
    raw: fc.uint8Array({ maxLength: 20 }),
  }),
);

export const openMessage: fc.Arbitrary<OpenMessage> = fc.record({
  type: fc.constant('open' as const),
  version: fc.constant(4),
  myAs: u16,
  holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
  bgpId: fc.integer({ min: 1, max: 0xffffffff }),
  capabilities: fc.array(capability, { maxLength: 8 }),
});

export const notificationMessage: fc.Arbitrary<NotificationMessage> = fc.record({
  type: fc.constant('notification' as const),
  code: u8,
  subcode: u8,
  data: fc.uint8Array({ maxLength: 100 }),
});

export const routeRefreshMessage: fc.Arbitrary<RouteRefreshMessage> = fc.record({
  type: fc.constant('route-refresh' as const),
  afi: u16,
  safi: u8,
  subtype: u8,
});

export const contexts: fc.Arbitrary<CodecContext> = fc.record({
  fourOctetAs: fc.boolean(),
  ebgp: fc.boolean(),
  families: fc.constant(new Set(['1/1', '1/128', '1/132'])),
});
