/**
 * The IPv4 helpers the config uses to turn dotted quads into uint32 values.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4 } from '../../src/config/index.js';

describe('parseIpv4 and formatIpv4', () => {
  it('round-trip every uint32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        expect(parseIpv4(formatIpv4(value))).toBe(value);
      }),
    );
  });

  it('read the octets most significant first', () => {
    expect(parseIpv4('192.0.2.1')).toBe(0xc0000201);
    expect(formatIpv4(0xc0000201)).toBe('192.0.2.1');
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '1.2.3.256', '01.2.3.4', '1.2.3.-4', '1.2.3.4 ', 'a.b.c.d', '1..3.4', '0x1.2.3.4'])(
    'refuse %j',
    (text) => {
      expect(parseIpv4(text)).toBeUndefined();
    },
  );
});
