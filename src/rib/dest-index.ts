/**
 * How a table finds its destinations (src/rib/table.ts).
 *
 * The route key (src/bgp/wire/families/registry.ts) is a table's identity
 * for a destination, but a poor hash key at scale: an IPv4-VPN key is a
 * two-digit heap BigInt, and a Map operation on it hashes the digits and
 * compares BigInts found in the bucket chain, a few cache misses each
 * (measured: ~1.1–1.6 µs per Map.get at 1M keys, key creation included,
 * against ~0.4–0.6 µs on small integers). So IPv4 and IPv4-VPN tables index
 * destinations in two levels keyed by small integers computed from the NLRI
 * itself, with no key built:
 *
 * - a bucket per prefix length (IPv4) or per (RD, prefix length) pair
 *   (IPv4-VPN: RDs numbered by a per-table dictionary; the RD of the previous
 *   lookup is remembered, since NLRI of one UPDATE share their RD bigint,
 *   src/bgp/wire/families/labeled.ts);
 * - in the bucket, a Map keyed by the address as a signed 32-bit integer
 *   (a V8 small integer: hashed and compared without a memory access).
 *
 * Like BIRD's fib (nest/rt-fib.c), which hashes the prefix's address within
 * a table of one family. The other families (IPv6, IPv6-VPN, route-target:
 * far fewer routes in Contrail deployments) keep one Map on the route key.
 *
 * Iteration visits buckets in the order they were created and each bucket
 * in insertion order (a destination added where one was removed may take its
 * place). A destination added during an iteration is visited
 * when its bucket has not been passed yet (update groups do not rely on it:
 * a destination that changes behind a table walk is noted for the member,
 * src/rib/update-group.ts).
 */

import { FAMILIES, type RouteKey } from '../bgp/wire/families/registry.js';
import type { FamilyName, Ipv4Prefix, Nlri, VpnPrefix } from '../bgp/wire/types.js';

/** A table's destinations, found by NLRI or by route key. */
export interface DestIndex<D> {
  find(n: Nlri): D | undefined;
  findKey(key: RouteKey): D | undefined;
  /** Add a destination for an NLRI that has none. */
  add(n: Nlri, d: D): void;
  /** Forget the destination of an NLRI. */
  remove(n: Nlri): void;
  values(): IterableIterator<D>;
  /** Call `fn` with every destination, in values() order (no iterator objects: for walks on the hot path). */
  forEach(fn: (d: D) => void): void;
}

/** The index for a family's table. */
export function indexFor<D>(family: FamilyName): DestIndex<D> {
  if (family === 'inet') return new Ipv4Index<D>();
  if (family === 'inet-vpn') return new VpnIpv4Index<D>();
  return new KeyIndex<D>(family);
}

/** One Map on the route key. */
class KeyIndex<D> implements DestIndex<D> {
  private readonly map = new Map<RouteKey, D>();
  private readonly key: (n: Nlri) => RouteKey;

  constructor(family: FamilyName) {
    this.key = FAMILIES[family].key as (n: Nlri) => RouteKey;
  }

  find(n: Nlri): D | undefined {
    return this.map.get(this.key(n));
  }

  findKey(key: RouteKey): D | undefined {
    return this.map.get(key);
  }

  add(n: Nlri, d: D): void {
    this.map.set(this.key(n), d);
  }

  remove(n: Nlri): void {
    this.map.delete(this.key(n));
  }

  values(): IterableIterator<D> {
    return this.map.values();
  }

  forEach(fn: (d: D) => void): void {
    this.map.forEach((d) => fn(d));
  }
}

/**
 * Entries the index may hold left empty by remove() beyond its live ones
 * before the buckets that have some are rebuilt without them.
 */
const SLACK = 4096;

/** A bucket: destinations by address, and how many of its entries remove() left empty (undefined). */
class Bucket<D> extends Map<number, D | undefined> {
  empty = 0;
}

/**
 * Buckets of destinations keyed by the address as an int32; the subclass
 * says which bucket. remove() does not delete the key: it leaves the entry
 * undefined (a Map delete costs two to three times as much, and shrinks the
 * table step by step as a bucket empties, allocating each time), and a
 * bucket whose last destination goes is dropped whole. Once the index holds
 * more than SLACK empty entries beyond its live ones, the buckets that have
 * some are rebuilt (amortized: at least as many removals came before).
 */
abstract class BucketIndex<D> implements DestIndex<D> {
  protected readonly buckets: (Bucket<D> | undefined)[] = [];
  private liveTotal = 0;
  private emptyTotal = 0;

  /** The bucket of an NLRI, or -1 when none can hold it (an RD never seen). */
  protected abstract bucketOf(n: Nlri, create: boolean): number;
  /** The bucket and address of a route key, or undefined when none can hold it. */
  protected abstract split(key: RouteKey): [bucket: number, addr: number] | undefined;

  find(n: Nlri): D | undefined {
    const b = this.bucketOf(n, false);
    return b < 0 ? undefined : this.buckets[b]?.get((n as Ipv4Prefix).addr | 0);
  }

  findKey(key: RouteKey): D | undefined {
    const s = this.split(key);
    return s && this.buckets[s[0]]?.get(s[1] | 0);
  }

  add(n: Nlri, d: D): void {
    const b = this.bucketOf(n, true);
    let m = this.buckets[b];
    if (!m) {
      // Keep the array packed: fill any buckets skipped on the way.
      while (this.buckets.length < b) this.buckets.push(undefined);
      this.buckets[b] = m = new Bucket<D>();
    }
    const size = m.size;
    m.set((n as Ipv4Prefix).addr | 0, d);
    if (m.size === size) {
      // An empty entry taken again.
      m.empty--;
      this.emptyTotal--;
    }
    this.liveTotal++;
  }

  remove(n: Nlri): void {
    const b = this.bucketOf(n, false);
    const m = b < 0 ? undefined : this.buckets[b];
    const addr = (n as Ipv4Prefix).addr | 0;
    if (!m || m.get(addr) === undefined) return;
    this.liveTotal--;
    if (m.size - m.empty === 1) {
      // Its last destination: the bucket goes whole.
      this.buckets[b] = undefined;
      this.emptyTotal -= m.empty;
      return;
    }
    m.set(addr, undefined);
    m.empty++;
    if (++this.emptyTotal > this.liveTotal + SLACK) this.sweep();
  }

  /** Rebuild every bucket that has empty entries, without them. */
  private sweep(): void {
    for (let b = 0; b < this.buckets.length; b++) {
      const m = this.buckets[b];
      if (!m || m.empty === 0) continue;
      const next = new Bucket<D>();
      m.forEach((d, addr) => {
        if (d !== undefined) next.set(addr, d);
      });
      this.buckets[b] = next;
    }
    this.emptyTotal = 0;
  }

  *values(): IterableIterator<D> {
    for (let b = 0; b < this.buckets.length; b++) {
      const m = this.buckets[b];
      if (m) for (const d of m.values()) if (d !== undefined) yield d;
    }
  }

  forEach(fn: (d: D) => void): void {
    for (let b = 0; b < this.buckets.length; b++) {
      this.buckets[b]?.forEach((d) => {
        if (d !== undefined) fn(d);
      });
    }
  }
}

/** IPv4: a bucket per prefix length. The key is addr·64 + len. */
class Ipv4Index<D> extends BucketIndex<D> {
  protected bucketOf(n: Nlri): number {
    return (n as Ipv4Prefix).len;
  }

  protected split(key: RouteKey): [number, number] | undefined {
    if (typeof key !== 'number') return undefined;
    const len = key % 64;
    return [len, (key - len) / 64];
  }
}

/** Prefix lengths 0..32: buckets per RD. */
const LENS = 33;

/** IPv4-VPN: a bucket per (RD, prefix length). The key is RD·2^38 + addr·64 + len. */
class VpnIpv4Index<D> extends BucketIndex<D> {
  private readonly rdIds = new Map<bigint, number>();
  private lastRd: bigint | undefined = undefined;
  private lastId = -1;

  protected bucketOf(n: Nlri, create: boolean): number {
    const p = n as VpnPrefix;
    const id = this.rdId(p.rd, create);
    return id < 0 ? -1 : id * LENS + p.len;
  }

  protected split(key: RouteKey): [number, number] | undefined {
    if (typeof key !== 'bigint') return undefined;
    const id = this.rdId(key >> 38n, false);
    if (id < 0) return undefined;
    const rest = Number(BigInt.asUintN(38, key));
    const len = rest % 64;
    return len < LENS ? [id * LENS + len, (rest - len) / 64] : undefined;
  }

  /** The RD's number in this table (-1 when unknown and not to be created). */
  private rdId(rd: bigint, create: boolean): number {
    if (rd === this.lastRd) return this.lastId;
    let id = this.rdIds.get(rd);
    if (id === undefined) {
      if (!create) return -1;
      id = this.rdIds.size;
      this.rdIds.set(rd, id);
    }
    this.lastRd = rd;
    this.lastId = id;
    return id;
  }
}
