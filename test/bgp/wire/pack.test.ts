import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AfiSafi, Nlri, PathAttributes, UpdateMessage, VpnPrefix } from '../../../src/bgp/wire/index.js';
import { decodeMessage, encodePathAttributes, familyOf, packUpdates, packWithdrawals } from '../../../src/bgp/wire/index.js';
import type { FamilyCodec } from '../../../src/bgp/wire/families/codec.js';
import { familyCodec } from '../../../src/bgp/wire/families/registry.js';
import { ipv4Prefix, ipv6Prefix, nextHop, pathAttributes, rtMembership, vpn6Prefix, vpnPrefix } from './arbitraries.js';
import { IBGP4, attr, h } from './support.js';

const FAMILIES: Array<[string, AfiSafi, fc.Arbitrary<Nlri>]> = [
  ['inet', familyOf('inet'), ipv4Prefix],
  ['inet6', familyOf('inet6'), ipv6Prefix],
  ['inet-vpn', familyOf('inet-vpn'), vpnPrefix],
  ['inet6-vpn', familyOf('inet6-vpn'), vpn6Prefix],
  ['route-target', familyOf('route-target'), rtMembership],
];

function decodeAll(messages: readonly Uint8Array[]): UpdateMessage[] {
  return messages.map((m) => {
    const d = decodeMessage(m, IBGP4);
    expect(d.faults).toEqual([]);
    return d.value as UpdateMessage;
  });
}

describe('packUpdates', () => {
  for (const [name, family, nlri] of FAMILIES) {
    const inet = name === 'inet';
    const codec = familyCodec(family.afi, family.safi) as FamilyCodec;
    it(`packs ${name} NLRI into messages of at most 4096 bytes, each NLRI once, all carrying the attributes`, () => {
      const arb = fc.record({
        attrs: pathAttributes(IBGP4, inet),
        nh: nextHop,
        list: fc.array(nlri, { maxLength: 1500 }),
      });
      fc.assert(
        fc.property(arb, ({ attrs, nh, list }) => {
          const bytes = encodePathAttributes(attrs, IBGP4);
          const messages = packUpdates(family, bytes, nh, list, IBGP4);
          for (const m of messages) expect(m.length).toBeLessThanOrEqual(4096);
          const updates = decodeAll(messages);
          const got: Nlri[] = [];
          for (const u of updates) {
            expect(u.attrs).toEqual(attrs);
            if (inet) {
              expect(u.mpReach).toBeUndefined();
              got.push(...u.nlri);
            } else {
              expect(u.mpReach?.nextHop).toBe(nh);
              expect([u.mpReach?.afi, u.mpReach?.safi]).toEqual([family.afi, family.safi]);
              got.push(...(u.mpReach?.nlri ?? []));
            }
          }
          expect(got).toEqual(list);
          // Greedy: no message could have taken the first NLRI of the next one.
          for (let i = 0; i + 1 < messages.length; i++) {
            const next = (inet ? updates[i + 1]?.nlri[0] : updates[i + 1]?.mpReach?.nlri[0]) as Nlri;
            expect((messages[i] as Uint8Array).length + codec.nlriLength(next)).toBeGreaterThan(4096);
          }
          if (list.length === 0) expect(messages).toEqual([]);
        }),
        { numRuns: 40 },
      );
    });

    it(`packs ${name} withdrawals into messages of at most 4096 bytes, each NLRI once`, () => {
      fc.assert(
        fc.property(fc.array(nlri, { maxLength: 2000 }), (list) => {
          const messages = packWithdrawals(family, list, IBGP4);
          for (const m of messages) expect(m.length).toBeLessThanOrEqual(4096);
          const got: Nlri[] = [];
          for (const u of decodeAll(messages)) {
            expect(u.nlri).toEqual([]);
            if (inet) got.push(...u.withdrawn);
            else got.push(...(u.mpUnreach?.nlri ?? []));
          }
          expect(got).toEqual(list.map((n) => ('labels' in n ? { ...n, labels: [] } : n)));
        }),
        { numRuns: 40 },
      );
    });
  }

  it('fills a message up to exactly 4096 bytes', () => {
    const attrs = encodePathAttributes({ origin: 0, asPath: [], nextHop: 0xc000020c }, IBGP4);
    // 23 bytes of header and lengths + 14 of attributes leave 4059 bytes: one /16 (3 bytes) and 1014 /24s (4 bytes each).
    const slash24 = Array.from({ length: 2000 }, (_, i) => ({ family: 'inet' as const, addr: ((10 << 24) | (i << 8)) >>> 0, len: 24 }));
    const messages = packUpdates(familyOf('inet'), attrs, 0, [{ family: 'inet' as const, addr: 0xac100000, len: 16 }, ...slash24], IBGP4);
    expect(messages.map((m) => m.length)).toEqual([4096, 23 + 14 + 4 * (2000 - 1014)]);
  });

  it('puts MP_REACH_NLRI first, before the shared attributes', () => {
    const attrs = encodePathAttributes({ origin: 0, asPath: [] }, IBGP4);
    const [m] = packUpdates(familyOf('route-target'), attrs, 0xc0000201, [{ family: 'route-target' as const, len: 0, originAs: 0, target: 0n }], IBGP4);
    expect(m?.[23]).toBe(0x80);
    expect(m?.[24]).toBe(14);
  });

  it('refuses attributes that leave no room for an NLRI', () => {
    const huge: PathAttributes = { origin: 0, asPath: [], unknown: [{ flags: 0xf0, code: 0xf1, value: new Uint8Array(4060) }] };
    const bytes = encodePathAttributes(huge, IBGP4);
    const vpn: VpnPrefix = { family: 'inet-vpn' as const, labels: [16], rd: 0n, addr: 0, len: 0 };
    expect(() => packUpdates(familyOf('inet-vpn'), bytes, 1, [vpn], IBGP4)).toThrow(RangeError);
  });

  it('rejects families without a codec', () => {
    expect(() => packWithdrawals({ afi: 25, safi: 70 }, [], IBGP4)).toThrow(RangeError);
  });

  it('writes an empty VPN label stack as the compatibility label in withdrawals', () => {
    const [m] = packWithdrawals(familyOf('inet-vpn'), [{ family: 'inet-vpn' as const, labels: [], rd: 0n, addr: 0x0a000000, len: 8 }], IBGP4);
    const u = decodeMessage(m as Uint8Array, IBGP4).value as UpdateMessage;
    expect(u.mpUnreach?.nlri).toEqual([{ family: 'inet-vpn' as const, labels: [], rd: 0n, addr: 0x0a000000, len: 8 }]);
    expect(Buffer.from(m as Uint8Array).includes(Buffer.from(h('800000')))).toBe(true);
  });

  it('withdraws a route that has a label stack with the compatibility label alone, leaving its NLRI as it was', () => {
    const route: VpnPrefix = { family: 'inet-vpn' as const, labels: [16, 17], rd: 5n, addr: 0x0a000001, len: 32 };
    const [m] = packWithdrawals(familyOf('inet-vpn'), [route], IBGP4);
    // Length 1 + compatibility label 3 + RD 8 + address 4 in an MP_UNREACH of AFI/SAFI 3 bytes: 19 bytes of attribute value.
    expect(Buffer.from(m as Uint8Array).subarray(-19).toString('hex')).toBe('000180' + '78' + '800000' + '0000000000000005' + '0a000001');
    expect(route.labels).toEqual([16, 17]);
  });

  it('keeps unknown attributes byte for byte in every packed message', () => {
    const bytes = h(attr(0x40, 1, '00'), attr(0x40, 2, ''), attr(0xe0, 35, '0000fc00'));
    const list = Array.from({ length: 600 }, (_, i) => ({ family: 'route-target' as const, len: 96, originAs: 64512, target: BigInt(i) }));
    for (const m of packUpdates(familyOf('route-target'), bytes, 1, list, IBGP4)) {
      expect(Buffer.from(m).includes(Buffer.from(h('e0230400' + '00fc00')))).toBe(true);
    }
  });
});
