/**
 * The item value parsers (values.ts) take plain-digit integers, dotted quads,
 * `a.b.c.d/len` prefixes and canonical MACs without regular expressions;
 * these properties hold them to the reference semantics, written here the
 * plain way (split and regular expressions), on random text made of the
 * characters that matter.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseIpv4, parseIpv4Prefix, parseItemUint, parseMac } from '../../../src/xmpp/wire/values.js';

/** inet_pton: exactly four decimal octets 0..255, no leading zeros. */
function refIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = v * 256 + Number(p);
  }
  return v;
}

/** Ip4PrefixParse + mask: `/` mandatory, atoi length 0..32, fewer than three dots padded with `.0`. */
function refPrefix(text: string): { addr: number; len: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const m = /^[\t\n\v\f\r ]*([+-]?)(\d+)/.exec(text.slice(slash + 1));
  const len = m === null ? 0 : (m[1] === '-' ? -1 : 1) * Number(m[2]);
  if (len < 0 || len > 32) return undefined;
  let addrText = text.slice(0, slash);
  for (let dots = addrText.split('.').length - 1; dots < 3; dots++) addrText += '.0';
  const addr = refIpv4(addrText);
  if (addr === undefined) return undefined;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { addr: (addr & mask) >>> 0, len };
}

/** ether_aton: six groups of 1–2 hex digits, canonical lower-case pairs. */
function refMac(text: string): string | undefined {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return parts.map((p) => p.toLowerCase().padStart(2, '0')).join(':');
}

const textOf = (chars: string[], maxLength: number) => fc.string({ unit: fc.constantFrom(...chars), maxLength });
const digits = ['0', '1', '2', '5', '9'];

describe('item value parsers', () => {
  test('parseIpv4 agrees with the split-and-match reading on dotted text', () => {
    fc.assert(fc.property(textOf([...digits, '.', '.', '25', '255', '256', '00', ' ', 'a'], 12), (t) => {
      expect(parseIpv4(t)).toBe(refIpv4(t));
    }), { numRuns: 3000 });
  });

  test('parseIpv4Prefix agrees with the reference reading, padding and atoi included', () => {
    fc.assert(fc.property(textOf([...digits, '.', '/', '32', '33', '10.', ' ', '-', 'x'], 14), (t) => {
      expect(parseIpv4Prefix(t)).toEqual(refPrefix(t));
    }), { numRuns: 3000 });
    expect(parseIpv4Prefix('10.1.2.3/24')).toEqual({ addr: 0x0a010200, len: 24 });
    expect(parseIpv4Prefix('10.1/16')).toEqual({ addr: 0x0a010000, len: 16 });
    expect(parseIpv4Prefix('10.1.2.3/33')).toBeUndefined();
  });

  test('parseMac agrees with the reference on hex and colons, and returns canonical text as it is', () => {
    fc.assert(fc.property(textOf(['0', 'a', 'F', 'f', '9', 'g', ':', ':', '00', 'ab'], 20), (t) => {
      expect(parseMac(t)).toBe(refMac(t));
    }), { numRuns: 3000 });
    expect(parseMac('52:54:00:8a:3e:01')).toBe('52:54:00:8a:3e:01');
    expect(parseMac('52:54:0:8A:3e:1')).toBe('52:54:00:8a:3e:01');
  });

  test('parseItemUint reads plain digits as numbers and leaves anything else to strtoul rules', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999_999_999 }), (v) => {
      expect(parseItemUint(String(v))).toBe(v);
    }));
    expect(parseItemUint('007')).toBe(7);
    expect(parseItemUint('')).toBe(0);
    expect(parseItemUint(' 12 ')).toBe(12);
    expect(parseItemUint('-1')).toBe(0xffffffff);
    expect(parseItemUint('4294967296')).toBe(0);
    expect(parseItemUint('12a')).toBeUndefined();
    expect(parseItemUint('1 2')).toBeUndefined();
  });
});
