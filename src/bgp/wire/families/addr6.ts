/**
 * IPv6 prefix bytes (RFC 4760 §5 prefix encoding with a 128-bit address):
 * read and write the leading ceil(bits/8) bytes of an address held as a
 * 128-bit bigint. Shared by inet6 and inet6-vpn.
 */

import type { Writer } from '../writer.js';

const ALL = (1n << 128n) - 1n;

/** Netmask of a prefix length 0..128 as a 128-bit bigint. */
export function mask6(len: number): bigint {
  return len === 0 ? 0n : (ALL << BigInt(128 - len)) & ALL;
}

/** Read ceil(bits/8) address bytes at buf[p]; host bits are cleared. */
export function readAddress6(buf: Uint8Array, p: number, bits: number): bigint {
  const n = (bits + 7) >> 3;
  let addr = 0n;
  for (let i = 0; i < n; i++) addr |= BigInt(buf[p + i] as number) << BigInt(120 - 8 * i);
  return addr & mask6(bits);
}

/** Write the ceil(bits/8) leading bytes of addr. */
export function writeAddress6(addr: bigint, bits: number, w: Writer): void {
  const n = (bits + 7) >> 3;
  for (let i = 0; i < n; i++) w.u8(Number((addr >> BigInt(120 - 8 * i)) & 0xffn));
}
