/**
 * How a table finds its destinations (src/rib/dest-index.ts through
 * src/rib/table.ts): by NLRI and by route key alike, for IPv4 and IPv4-VPN
 * (two-level small-integer index) and the other families (a Map on the key);
 * a destination's key made on demand equals the family's key; removal by
 * destination; and forgetting a destination leaves its neighbours alone.
 */
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../src/bgp/wire/families/registry.js';
import type { Ipv4Prefix, Ipv6Prefix, VpnPrefix } from '../../src/bgp/wire/types.js';
import { Table } from '../../src/rib/table.js';
import { ip, path, peer } from './support.js';
import { pathsOf } from '../../src/rib/types.js';

const rd = (admin: string, n: number): bigint => (1n << 48n) | (BigInt(ip(admin)) << 16n) | BigInt(n);
const vpn = (r: bigint, a: string, len: number, labels = [100]): VpnPrefix => ({ family: 'inet-vpn', labels, rd: r, addr: ip(a), len });
const v4 = (a: string, len: number): Ipv4Prefix => ({ family: 'inet', addr: ip(a), len });

describe('finding destinations in a table', () => {
  it('finds an IPv4-VPN destination by NLRI (other labels, an equal RD of another bigint) and by its key', () => {
    const t = new Table('bgp.l3vpn.0', FAMILIES['inet-vpn']);
    const n = vpn(rd('192.0.2.1', 1), '10.1.2.3', 32);
    t.upsert(n, path());
    const again = vpn(BigInt.asUintN(64, rd('192.0.2.1', 1) + 0n), '10.1.2.3', 32, [999]);
    const d = t.find(again)!;
    expect(d.nlri).toBe(n);
    expect(d.key).toBe(FAMILIES['inet-vpn'].key(n));
    expect(t.get(FAMILIES['inet-vpn'].key(again))).toBe(d);
  });

  it('tells IPv4-VPN destinations apart by RD, prefix length and address, high addresses included', () => {
    const t = new Table('bgp.l3vpn.0', FAMILIES['inet-vpn']);
    const nlri = [
      vpn(rd('192.0.2.1', 1), '10.0.0.0', 24), vpn(rd('192.0.2.1', 1), '10.0.0.0', 25),
      vpn(rd('192.0.2.1', 2), '10.0.0.0', 24), vpn(rd('192.0.2.1', 1), '200.0.0.0', 24),
      vpn(rd('192.0.2.1', 1), '255.255.255.255', 32), vpn(0n, '0.0.0.0', 0),
    ];
    for (const n of nlri) t.upsert(n, path());
    expect(t.size).toBe(6);
    for (const n of nlri) {
      expect(t.find(n)?.nlri).toBe(n);
      expect(t.get(FAMILIES['inet-vpn'].key(n))?.nlri).toBe(n);
    }
    expect(new Set([...t.allDests()].map((d) => d.nlri))).toEqual(new Set(nlri));
    expect(t.find(vpn(rd('192.0.2.9', 1), '10.0.0.0', 24))).toBeUndefined();
    expect(t.get(FAMILIES['inet-vpn'].key(vpn(rd('192.0.2.9', 1), '10.0.0.0', 24)))).toBeUndefined();
    expect(t.get(ip('10.0.0.0') * 64 + 24)).toBeUndefined(); // an IPv4 key is no VPN key
  });

  it.each(['inet', 'inet-vpn', 'inet6'] as const)('forEachLive visits the %s destinations that have paths, in live() order, and skips one whose group has yet to withdraw it', (family) => {
    const t = new Table('t', FAMILIES[family]);
    const p = peer();
    const make = (i: number): Ipv4Prefix | VpnPrefix | Ipv6Prefix =>
      family === 'inet' ? v4(`10.0.${i}.0`, 24)
        : family === 'inet-vpn' ? vpn(rd('192.0.2.1', 1 + (i % 2)), `10.0.${i}.0`, 24)
          : { family: 'inet6', addr: (0x20010db8n << 96n) | BigInt(i), len: 128 };
    const nlri = Array.from({ length: 6 }, (_, i) => make(i));
    for (const n of nlri) t.upsert(n, path({ peer: p }));
    // Withdrawn but still held (an update group has it sent): visited by allDests, not by forEachLive.
    const held = t.find(nlri[2]!)!;
    held.sent = pathsOf(held)[0];
    t.remove(nlri[2]!, p);
    const seen: unknown[] = [];
    t.forEachLive((d) => seen.push(d.nlri));
    expect(seen).toEqual([...t.live()].map((d) => d.nlri));
    expect(new Set(seen)).toEqual(new Set(nlri.filter((_, i) => i !== 2)));
    expect(seen).toHaveLength(5);
    expect([...t.allDests()]).toHaveLength(6);
  });

  it('forgets a withdrawn destination and keeps its neighbours in the same bucket', () => {
    const t = new Table('bgp.l3vpn.0', FAMILIES['inet-vpn']);
    const p = peer();
    const a = vpn(rd('192.0.2.1', 1), '10.0.0.1', 32);
    const b = vpn(rd('192.0.2.1', 1), '10.0.0.2', 32);
    t.upsert(a, path({ peer: p }));
    t.upsert(b, path({ peer: p }));
    expect(t.remove(a, p)?.peer).toBe(p);
    expect([t.find(a), t.find(b)?.nlri]).toEqual([undefined, b]);
    expect([...t.allDests()].map((d) => d.nlri)).toEqual([b]);
    expect(t.remove(a, p)).toBeUndefined();
  });

  it('keeps finding and listing exactly the live destinations of a bucket while most of it is withdrawn, re-added and emptied', () => {
    const t = new Table('bgp.l3vpn.0', FAMILIES['inet-vpn']);
    const p = peer();
    const r = rd('192.0.2.1', 7);
    const all = Array.from({ length: 9000 }, (_, i) => vpn(r, `10.0.${i >> 8}.${i & 255}`, 32));
    for (const n of all) t.upsert(n, path({ peer: p }));
    // Withdraw 7500 of 9000 (past the point where the index is rebuilt without the removed entries), one in six kept.
    const kept = all.filter((_, i) => i % 6 === 0);
    for (let i = 0; i < all.length; i++) if (i % 6 !== 0) t.remove(all[i]!, p);
    expect([...t.allDests()].map((d) => d.nlri)).toEqual(kept);
    expect(all.filter((n) => t.find(n) !== undefined)).toEqual(kept);
    // A withdrawn route comes back: found, listed once.
    t.upsert(all[1]!, path({ peer: p }));
    expect(t.find(all[1]!)?.nlri).toBe(all[1]);
    expect([...t.allDests()]).toHaveLength(kept.length + 1);
    for (const n of [...kept, all[1]!]) t.remove(n, p);
    expect([...t.allDests()]).toEqual([]);
    expect(t.size).toBe(0);
    t.upsert(all[2]!, path({ peer: p }));
    expect([...t.allDests()].map((d) => d.nlri)).toEqual([all[2]]);
  });

  it('finds IPv4 destinations by NLRI and key, addresses above 2^31 included, and keys them as the family does', () => {
    const t = new Table('inet.0', FAMILIES.inet);
    const nlri = [v4('10.0.0.0', 8), v4('10.0.0.0', 16), v4('192.168.1.0', 24), v4('255.255.255.255', 32), v4('0.0.0.0', 0)];
    for (const n of nlri) t.upsert(n, path());
    for (const n of nlri) {
      const d = t.find({ ...n })!;
      expect(d.nlri).toBe(n);
      expect(d.key).toBe(n.addr * 64 + n.len);
      expect(t.get(n.addr * 64 + n.len)).toBe(d);
    }
    expect(t.get(ip('10.0.0.0') * 64 + 24)).toBeUndefined();
    expect(t.get(5n)).toBeUndefined();
  });

  it('keeps other families on their route key', () => {
    const t = new Table('inet6.0', FAMILIES.inet6);
    const n: Ipv6Prefix = { family: 'inet6', addr: 0x20010db8n << 96n, len: 32 };
    t.upsert(n, path());
    expect(t.find({ ...n })?.nlri).toBe(n);
    expect(t.get(FAMILIES.inet6.key(n))?.nlri).toBe(n);
  });

  it('removes a path from a destination it is given, and tells keyed and key-less listeners in subscription order', () => {
    const t = new Table('bgp.l3vpn.0', FAMILIES['inet-vpn']);
    const heard: string[] = [];
    t.subscribe((key, d) => heard.push(`keyed ${key === d.key} ${pathsOf(d).length}`));
    t.watch((d) => heard.push(`plain ${pathsOf(d).length}`));
    const p = peer();
    const n = vpn(rd('192.0.2.1', 1), '10.0.0.1', 32);
    t.upsert(n, path({ peer: p }));
    const d = t.find(n)!;
    expect(t.removeFrom(d, p)?.peer).toBe(p);
    expect(heard).toEqual(['keyed true 1', 'plain 1', 'keyed true 0', 'plain 0']);
    expect(t.size).toBe(0);
  });
});
