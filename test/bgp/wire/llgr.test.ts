/**
 * Long-lived graceful restart capability 71 (RFC 9494 §3.1): golden bytes
 * both ways inside a whole OPEN, the 24-bit stale time and the F bit, and
 * malformed lengths kept raw without a reset.
 */
import { describe, expect, it } from 'vitest';
import type { OpenMessage } from '../../../src/bgp/wire/index.js';
import { encodeMessage } from '../../../src/bgp/wire/index.js';
import { LLGR_STALE, NO_LLGR } from '../../../src/bgp/wire/llgr.js';
import { IBGP4, MARKER, decode, h, message, toHex } from './support.js';

const GOLDEN_HEX =
  MARKER +
  '0033' + // length 51
  '01' + // OPEN
  '04' + // version 4
  'fc00' + // My AS 64512
  '005a' + // hold time 90
  'c0000201' + // 192.0.2.1
  '16' + // 22 bytes of optional parameters
  '02 14' + // capabilities, 20 bytes
  '40 02 0000' + // graceful restart, restart time 0, no families
  '47 0e' + // long-lived graceful restart, 14 bytes: two families
  '0001 80 80 000e10' + // 1/128, F set, 3600 s
  '0002 01 00 ffffff'; // 2/1, F clear, 16777215 s (the largest)

const GOLDEN: OpenMessage = {
  type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: 0xc0000201,
  capabilities: [
    { code: 64, restarting: false, notification: false, restartTime: 0, families: [] },
    {
      code: 71,
      longLived: [
        { afi: 1, safi: 128, forwarding: true, staleTime: 3600 },
        { afi: 2, safi: 1, forwarding: false, staleTime: 16777215 },
      ],
    },
  ],
};

describe('long-lived graceful restart capability (RFC 9494 §3.1)', () => {
  it('decodes two families with their flags and 24-bit stale times from golden bytes', () => {
    const out = decode(h(GOLDEN_HEX));
    expect(out.faults).toEqual([]);
    expect(out.value).toEqual(GOLDEN);
  });

  it('encodes the same value to the same bytes', () => {
    expect(toHex(encodeMessage(GOLDEN, IBGP4))).toBe(GOLDEN_HEX.replace(/ /g, ''));
  });

  it('clamps a stale time beyond 24 bits to the largest the field holds when encoding', () => {
    const open: OpenMessage = { ...GOLDEN, capabilities: [{ code: 71, longLived: [{ afi: 1, safi: 1, forwarding: false, staleTime: 2 ** 30 }] }] };
    expect(toHex(encodeMessage(open, IBGP4)).slice(-18)).toBe('47070001010' + '0ffffff');
  });

  it('keeps a value whose length is not a multiple of 7 raw, with a fault that resets nothing', () => {
    const out = decode(message(1, '04 fc00 005a c000020b 0a 02 08 47 06 0001 80 80 0e10'));
    expect(out.action).toBe('none');
    expect(out.faults.map((f) => f.reason)).toEqual(['capability 71 with length 6 is malformed; kept raw']);
    expect((out.value as OpenMessage).capabilities).toEqual([{ code: 71, raw: h('0001 80 80 0e10') }]);
  });

  it('names the two well-known communities by their RFC 9494 values', () => {
    expect([LLGR_STALE.toString(16), NO_LLGR.toString(16)]).toEqual(['ffff0006', 'ffff0007']);
  });
});
