import { describe, expect, it } from 'vitest';
import * as wire from '../../../src/bgp/wire/index.js';
import { Reader } from '../../../src/bgp/wire/reader.js';
import { Writer } from '../../../src/bgp/wire/writer.js';
import { h, toHex } from './support.js';

describe('Reader', () => {
  it('reads big-endian fields', () => {
    const r = new Reader(h('01 0203 040506 0708090a 0b0c0d0e0f101112'));
    expect([r.u8(), r.u16(), r.u24(), r.u32()]).toEqual([0x01, 0x0203, 0x040506, 0x0708090a]);
    expect(r.u64()).toBe(0x0b0c0d0e0f101112n);
    expect(r.atEnd).toBe(true);
    expect(r.overrun).toBe(false);
  });

  it('reads 0xffffffff as an unsigned number', () => {
    expect(new Reader(h('ffffffff')).u32()).toBe(0xffffffff);
  });

  it('records an overrun instead of throwing, and stays at the end', () => {
    const r = new Reader(h('0102 03'), 0, 3);
    expect(r.u16()).toBe(0x0102);
    expect(r.u16()).toBe(0);
    expect(r.overrun).toBe(true);
    expect(r.remaining).toBe(0);
    expect(r.u64()).toBe(0n);
    expect(r.view(4).length).toBe(0);
  });

  it('gives sub-readers bounded to their slice', () => {
    const r = new Reader(h('aa bbcc dd'));
    r.skip(1);
    const sub = r.sub(2);
    expect(sub.u16()).toBe(0xbbcc);
    expect(sub.u8()).toBe(0);
    expect(sub.overrun).toBe(true);
    expect(r.u8()).toBe(0xdd);
    expect(r.overrun).toBe(false);
    const bad = r.sub(5);
    expect(bad.overrun && r.overrun).toBe(true);
  });

  it('copies bytes so values do not alias the input', () => {
    const buf = h('01020304');
    const c = new Reader(buf).copy(4);
    buf[0] = 9;
    expect(toHex(c)).toBe('01020304');
  });
});

describe('Writer', () => {
  it('grows and writes big-endian fields', () => {
    const w = new Writer(1);
    w.u8(1);
    w.u16(0x0203);
    w.u24(0x040506);
    w.u32(0xffffffff);
    w.u64(0x0b0c0d0e0f101112n);
    w.bytes(h('aabb'));
    for (let i = 0; i < 100; i++) w.u8(i);
    expect(toHex(w.finish()).slice(0, 40)).toBe('010203040506ffffffff0b0c0d0e0f101112aabb');
    expect(w.length).toBe(120);
  });

  it('back-patches lengths and shifts bytes down', () => {
    const w = new Writer();
    w.u16(0);
    w.u8(0xee);
    w.bytes(h('010203'));
    w.patchU16(0, 3);
    w.shiftDown(3, 2);
    expect(toHex(w.finish())).toBe('0003010203');
  });
});

describe('the public surface', () => {
  it('exports the contract names', () => {
    for (const name of [
      'frame',
      'decodeMessage',
      'encodeMessage',
      'encodeKeepalive',
      'encodeNotification',
      'encodePathAttributes',
      'packUpdates',
      'packWithdrawals',
      'encodeEndOfRib',
      'endOfRibFamily',
      'familyKey',
      'familyOf',
      'familyName',
      'ipv4ToString',
      'parseIpv4',
      'prefixToString',
      'parsePrefix',
      'rdToString',
      'parseRd',
      'makeRd',
      'parseRouteTarget',
      'extCommunityToString',
      'isRouteTarget',
      'encapsulationCommunity',
      'originVnCommunities',
      'securityGroupCommunities',
      'decodeExtCommunity',
      'encodeExtCommunity',
      'rtMembershipToString',
      'vpnPrefixToString',
      'FAULT_ORDER',
      'MAX_MESSAGE_LENGTH',
    ]) {
      expect(typeof (wire as Record<string, unknown>)[name], name).not.toBe('undefined');
    }
  });
});
