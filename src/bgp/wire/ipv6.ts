/**
 * IPv6 text forms (RFC 5952 canonical output: lowercase, longest run of
 * two or more zero groups as "::", leftmost on a tie; IPv4-mapped addresses
 * as ::ffff:a.b.c.d) and parsing of RFC 4291 §2.2 forms, including an
 * embedded dotted quad. Addresses are 128-bit bigints. Parsers return
 * undefined on bad input.
 */

import type { Ipv6Prefix, PathAttributes } from './types.js';
import { ipv4ToString, parseIpv4 } from './format.js';

const ALL = (1n << 128n) - 1n;

function groupsOf(a: bigint): number[] {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((a >> BigInt(16 * i)) & 0xffffn));
  return g;
}

export function ipv6ToString(a: bigint): string {
  if (a >> 32n === 0xffffn) return `::ffff:${ipv4ToString(Number(a & 0xffffffffn))}`;
  const g = groupsOf(a);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

function parseGroups(s: string): number[] | undefined {
  if (s === '') return [];
  const out: number[] = [];
  const parts = s.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === undefined) return undefined;
      out.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

export function parseIpv6(s: string): bigint | undefined {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  let groups: number[];
  if (dbl < 0) {
    const g = parseGroups(s);
    if (g === undefined || g.length !== 8) return undefined;
    groups = g;
  } else {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let a = 0n;
  for (const x of groups) a = (a << 16n) | BigInt(x);
  return a;
}

function mask6(len: number): bigint {
  return len === 0 ? 0n : (ALL << BigInt(128 - len)) & ALL;
}

export function prefix6ToString(p: { readonly addr: bigint; readonly len: number }): string {
  return `${ipv6ToString(p.addr)}/${p.len}`;
}

/** "2001:db8::/32". Host bits past len are accepted and cleared. */
export function parsePrefix6(s: string): Ipv6Prefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIpv6(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (addr === undefined || !/^\d{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > 128) return undefined;
  return { family: 'inet6', addr: addr & mask6(len), len };
}

/** The next hop of a path's attributes as text: IPv4, or IPv6 when it is not IPv4-mapped; undefined when none. */
export function nextHopToString(a: Pick<PathAttributes, 'nextHop' | 'nextHop6'>): string | undefined {
  if (a.nextHop !== undefined) return ipv4ToString(a.nextHop);
  return a.nextHop6 === undefined ? undefined : ipv6ToString(a.nextHop6);
}
