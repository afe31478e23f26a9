/**
 * IPv6 on the wire: inet6 (AFI 2 / SAFI 1, RFC 4760 + RFC 2545) and
 * inet6-vpn (AFI 2 / SAFI 128, RFC 4659) NLRI and next hops as FRR, GoBGP
 * and BIRD send them over an IPv4 network (the next hop IPv4-mapped), plus
 * the RFC 5952 text forms. Golden vectors both ways.
 */

import { describe, expect, it } from 'vitest';
import type { FamilyName, NlriOf, UpdateMessage } from '../../../src/bgp/wire/index.js';
import {
  decodeMessage, encodePathAttributes, familyOf, ipv6ToString, nlriKey, nlriToString, packUpdates, packWithdrawals,
  parseIpv6, parsePrefix6,
} from '../../../src/bgp/wire/index.js';
import type { FamilyCodec } from '../../../src/bgp/wire/families/codec.js';
import { inet6Codec } from '../../../src/bgp/wire/families/inet6.js';
import { inet6VpnCodec } from '../../../src/bgp/wire/families/inet6-vpn.js';
import { Reader } from '../../../src/bgp/wire/reader.js';
import { Writer } from '../../../src/bgp/wire/writer.js';
import { IBGP4, attr, h, toHex, update } from './support.js';

const decodeAll = <F extends FamilyName>(c: FamilyCodec<F>, hex: string): NlriOf[F][] | string => c.decodeNlri(new Reader(h(hex)));
function encodeAll<F extends FamilyName>(c: FamilyCodec<F>, list: readonly NlriOf[F][]): string {
  const w = new Writer();
  for (const p of list) c.encodeNlri(p, w);
  return toHex(w.finish());
}
const v6 = (s: string): bigint => parseIpv6(s)!;

describe('IPv6 text forms (RFC 5952)', () => {
  it.each([
    ['2001:db8::1', 0x2001_0db8_0000_0000_0000_0000_0000_0001n],
    ['::', 0n],
    ['::1', 1n],
    ['2001:db8:0:1:1:1:1:1', 0x2001_0db8_0000_0001_0001_0001_0001_0001n],
    ['2001:0:0:1::1', 0x2001_0000_0000_0001_0000_0000_0000_0001n],
    ['::ffff:192.0.2.21', 0xffff_c000_0215n],
    ['fe80::', 0xfe80n << 112n],
  ])('writes %s', (text, value) => {
    expect(ipv6ToString(value)).toBe(text);
    expect(parseIpv6(text)).toBe(value);
  });

  it('shortens the longest run of zero groups, the first one on a tie', () => {
    expect(ipv6ToString(v6('2001:0:0:1:0:0:0:1'))).toBe('2001:0:0:1::1');
    expect(ipv6ToString(v6('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
  });

  it.each(['2001:db8::1::2', '2001:db8', '12345::', ':::', '2001:db8::g', '1:2:3:4:5:6:7:8:9', '::ffff:300.0.0.1'])(
    'rejects %s',
    (text) => {
      expect(parseIpv6(text)).toBeUndefined();
    },
  );

  it('parses prefixes and clears host bits', () => {
    expect(parsePrefix6('2001:db8:1::5/48')).toEqual({ family: 'inet6', addr: v6('2001:db8:1::'), len: 48 });
    expect(parsePrefix6('::/0')).toEqual({ family: 'inet6', addr: 0n, len: 0 });
    expect(parsePrefix6('2001:db8::/129')).toBeUndefined();
    expect(parsePrefix6('2001:db8::')).toBeUndefined();
  });
});

describe('inet6 NLRI (2/1)', () => {
  const cases: Array<[string, string, NlriOf['inet6'][]]> = [
    ['a /48 takes six address bytes', '30 20010db80001', [{ family: 'inet6', addr: v6('2001:db8:1::'), len: 48 }]],
    ['a /128', '80 20010db8000000000000000000000003', [{ family: 'inet6', addr: v6('2001:db8::3'), len: 128 }]],
    ['the default route takes none', '00', [{ family: 'inet6', addr: 0n, len: 0 }]],
    ['a /61 takes eight', '3d 20010db800000008', [{ family: 'inet6', addr: v6('2001:db8:0:8::'), len: 61 }]],
  ];
  it.each(cases)('%s', (_name, hex, value) => {
    expect(decodeAll(inet6Codec, hex)).toEqual(value);
    expect(encodeAll(inet6Codec, value)).toBe(hex.replace(/ /g, ''));
  });

  it.each([
    ['prefix length 129', '81 20010db8000000000000000000000003 00'],
    ['a prefix running past the field', '30 20010db8'],
  ])('rejects %s', (_name, hex) => {
    expect(typeof decodeAll(inet6Codec, hex)).toBe('string');
  });
});

describe('inet6-vpn NLRI (2/128)', () => {
  const frr: NlriOf['inet6-vpn'] = {
    family: 'inet6-vpn', labels: 1001, rd: 0x0001_c000_020c_0001n, addr: v6('2001:db8:1::'), len: 48,
  };
  const cases: Array<[string, string, NlriOf['inet6-vpn'][]]> = [
    [
      'FRR 192.0.2.12:1:2001:db8:1::/48 label 1001',
      '88' + // 136 = 24 label + 64 RD + 48 prefix
        '003e91' + // label 1001, bottom of stack
        '0001 c000020c 0001' + // RD type 1 192.0.2.12:1
        '20010db80001',
      [frr],
    ],
    [
      'a /128 under one label is 216 bits',
      'd8 000191 0000fc0000000064 20010db8000000000000000000000003',
      [{ family: 'inet6-vpn', labels: 25, rd: 0x0000_fc00_0000_0064n, addr: v6('2001:db8::3'), len: 128 }],
    ],
    [
      'a withdrawal with the compatibility label',
      'd8 800000 0000fc0000000064 20010db8000000000000000000000003',
      [{ family: 'inet6-vpn', labels: [], rd: 0x0000_fc00_0000_0064n, addr: v6('2001:db8::3'), len: 128 }],
    ],
  ];
  it.each(cases)('%s', (_name, hex, value) => {
    expect(decodeAll(inet6VpnCodec, hex)).toEqual(value);
    expect(encodeAll(inet6VpnCodec, value)).toBe(hex.replace(/ /g, ''));
  });

  it.each([
    ['prefix length 217, past 24 + 64 + 128', 'd9 000191 0000fc0000000064 20010db8000000000000000000000003 00'],
    ['prefix length 80, below label + RD', '50 000191 0000fc0000000064'],
    ['truncated inside the prefix', '88 003e91 0001c000020c0001 2001'],
  ])('rejects %s', (_name, hex) => {
    expect(typeof decodeAll(inet6VpnCodec, hex)).toBe('string');
  });

  it('refuses to encode an NLRI its one-byte length cannot describe', () => {
    expect(() => encodeAll(inet6VpnCodec, [{ ...frr, labels: [1, 2, 3], len: 128 }])).toThrow(RangeError);
  });

  it('names and keys a route by RD and prefix, not by its labels', () => {
    expect(nlriToString(frr)).toBe('192.0.2.12:1:2001:db8:1::/48');
    expect(nlriKey(frr)).toBe(nlriKey({ ...frr, labels: 7 }));
    expect(nlriKey(frr)).not.toBe(nlriKey({ ...frr, rd: 0x0001_c000_020c_0002n }));
  });
});

describe('IPv6 next hops in MP_REACH_NLRI', () => {
  const ctx = { ...IBGP4, families: new Set([...IBGP4.families, '2/1', '2/128']) };
  const base = attr(0x40, 1, '00') + attr(0x40, 2, '') + attr(0x40, 5, '00000064');
  const reach = (body: string): UpdateMessage => {
    const d = decodeMessage(update({ attrs: [base, attr(0x80, 14, body)] }), ctx);
    expect(d.faults).toEqual([]);
    return d.value as UpdateMessage;
  };

  it('holds an IPv4-mapped VPN-IPv6 next hop (24 bytes: RD 0 + ::ffff:a.b.c.d) as the IPv4 address', () => {
    const u = reach('0002 80 18 0000000000000000 00000000000000000000ffffc000020c 00 88003e910001c000020c000120010db80001');
    expect(u.mpReach).toMatchObject({ family: 'inet6-vpn', nextHop: 0xc000020c });
    expect(u.mpReach?.nlri).toHaveLength(1);
  });

  it('keeps a global IPv6 next hop and drops the link-local one (inet6, 32 bytes)', () => {
    const u = reach('0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001');
    expect(u.mpReach?.nextHop).toBe(v6('2001:db8::1'));
    expect(u.mpReach?.nlri).toEqual([{ family: 'inet6', addr: v6('2001:db8:1::'), len: 48 }]);
  });

  it('accepts the 48-byte VPN-IPv6 form (RD + global, RD + link-local)', () => {
    const nh = '0000000000000000 20010db8000000000000000000000001 0000000000000000 fe800000000000000000000000000001';
    expect(reach(`0002 80 30 ${nh} 00 88003e910001c000020c000120010db80001`).mpReach?.nextHop).toBe(v6('2001:db8::1'));
  });

  it('rejects a 12-byte next hop for inet6-vpn as AFI/SAFI disable (RFC 7606 §7.11)', () => {
    const d = decodeMessage(update({ attrs: [base, attr(0x80, 14, '0002 80 0c 0000000000000000 c000020c 00')] }), ctx);
    expect(d.faults.map((f) => f.action)).toEqual(['afi-safi-disable']);
  });

  it('writes an IPv4 next hop for VPN-IPv6 as RD 0 + ::ffff:a.b.c.d, and withdraws with the compatibility label', () => {
    const attrs = encodePathAttributes({ origin: 0, asPath: [], localPref: 100 }, IBGP4);
    const nlri = [{ family: 'inet6-vpn' as const, labels: 25, rd: 0x0000_fc00_0000_0064n, addr: v6('2001:db8::3'), len: 128 }];
    const [m] = packUpdates(familyOf('inet6-vpn'), attrs, 0xc0000215, nlri, IBGP4);
    expect(toHex(m!)).toContain('000280' + '18' + '0000000000000000' + '00000000000000000000ffffc0000215' + '00' + 'd8000191');
    const [w] = packWithdrawals(familyOf('inet6-vpn'), nlri, IBGP4);
    expect(toHex(w!)).toContain('000280' + 'd8800000');
  });
});
