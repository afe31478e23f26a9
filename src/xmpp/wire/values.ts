/**
 * Scalar value parsing with the reference's semantics.
 *
 * - Item fields (contrail-control.md §2.4, tf-controller `autogen_util.h`):
 *   integers are base-10 `strtoul` with optional surrounding whitespace;
 *   anything else after the digits makes the whole item invalid; an empty
 *   element is 0. Booleans are true only for the exact text `true`.
 *   A leading `-` is accepted and the value taken modulo 2^32, as `strtoul`
 *   into a 32-bit field does: the agent prints tags, labels and sequence
 *   numbers as C `int`, so values ≥ 2^31 arrive negative (`-2147418111` is
 *   0x80010001). Beyond 2^64−1 `strtoul` saturates (ERANGE): 0xffffffff.
 * - IPv4 addresses (`inet_pton`): exactly four decimal octets 0..255, no
 *   leading zeros, nothing else.
 * - Prefix lengths (`atoi`): leading whitespace, optional sign, digits; the
 *   rest is ignored; no digits ⇒ 0.
 * - pugixml `as_int` / `as_bool` for subscribe options (§2.2).
 */

const XSD_UINT = /^[\t\n\v\f\r ]*(?:([+-]?)(\d+))?[\t\n\v\f\r ]*$/;
const UINT32_MAX = 0xffffffff;
const ULONG_MAX = (1n << 64n) - 1n;
const TWO_32 = 1n << 32n;

/** `strtoul`-style integer of an item field, modulo 2^32; undefined = invalid item. */
export function parseItemUint(text: string): number | undefined {
  const n = text.length;
  if (n > 0 && n < 10) {
    // the common case, plain digits: no regular expression
    let v = 0;
    let k = 0;
    for (; k < n; k++) {
      const d = text.charCodeAt(k) - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (k === n) return v;
  }
  return parseItemUintSlow(text);
}

function parseItemUintSlow(text: string): number | undefined {
  const m = XSD_UINT.exec(text);
  if (m === null) return undefined;
  const digits = m[2];
  if (digits === undefined) return 0;
  if (m[1] !== '-' && digits.length < 10) return Number(digits); // the common case, exact
  const v = BigInt(digits);
  if (v > ULONG_MAX) return UINT32_MAX;
  const wrapped = ((m[1] === '-' ? -v : v) % TWO_32 + TWO_32) % TWO_32;
  return Number(wrapped);
}

/** A uint32 as the agent's C `int` prints it (values ≥ 2^31 negative). */
export function formatCInt(v: number): string {
  return String(v >= 0x80000000 ? v - 0x100000000 : v);
}

/** Item boolean: exactly `true`. */
export function parseItemBool(text: string): boolean {
  return text === 'true';
}

/** C `atoi`. */
export function atoi(text: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?)(\d+)/.exec(text);
  if (m === null || m[2] === undefined) return 0;
  const v = Number(m[2]);
  return m[1] === '-' ? -v : v;
}

/** pugixml `xml_text::as_int` (decimal or 0x hex, leading junk ⇒ 0, trailing junk ignored). */
export function pugiAsInt(text: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(\d+))/.exec(text);
  if (m === null) return 0;
  const v = m[2] !== undefined ? parseInt(m[2], 16) : Number(m[3]);
  const signed = m[1] === '-' ? -v : v;
  return Math.max(-0x80000000, Math.min(0x7fffffff, signed));
}

/** pugixml `xml_text::as_bool`: first character is one of 1 t T y Y. */
export function pugiAsBool(text: string): boolean {
  const c = text.trimStart()[0];
  return c === '1' || c === 't' || c === 'T' || c === 'y' || c === 'Y';
}

/** Strict dotted-quad IPv4 → uint32, or undefined. */
export function parseIpv4(text: string): number | undefined {
  return parseIpv4Range(text, 0, text.length);
}

/**
 * Strict dotted-quad IPv4 in text[from, to): exactly four octets of 1–3
 * decimal digits, no leading zero, each ≤ 255, nothing else.
 */
function parseIpv4Range(text: string, from: number, to: number): number | undefined {
  let v = 0;
  let i = from;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= to || text.charCodeAt(i) !== 0x2e) return undefined;
      i++;
    }
    const start = i;
    let o = 0;
    for (; i < to && i - start < 4; i++) {
      const d = text.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      o = o * 10 + d;
    }
    const len = i - start;
    if (len === 0 || len > 3 || (len > 1 && text.charCodeAt(start) === 0x30) || o > 255) return undefined;
    v = v * 256 + o;
  }
  return i === to ? v : undefined;
}

export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

/** Netmask of a prefix length 0..32 as uint32. */
export function ipv4Mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/**
 * IPv4 prefix as the reference reads `nlri/address` (Ip4PrefixParse + mask):
 * a `/` is mandatory, the length is `atoi` of what follows and must be
 * 0..32, an address with fewer than three dots is padded with `.0`, and host
 * bits are cleared.
 */
export function parseIpv4Prefix(text: string): { addr: number; len: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const quick = prefixLength(text, slash + 1);
  if (quick >= 0 && dotsIn(text, slash) === 3) {
    // the common case (`a.b.c.d/len`): no slices, no padding
    const addr = parseIpv4Range(text, 0, slash);
    return addr === undefined ? undefined : { addr: (addr & ipv4Mask(quick)) >>> 0, len: quick };
  }
  const len = atoi(text.slice(slash + 1));
  if (len < 0 || len > 32) return undefined;
  let addrText = text.slice(0, slash);
  for (let dots = addrText.split('.').length - 1; dots < 3; dots++) addrText += '.0';
  const addr = parseIpv4(addrText);
  if (addr === undefined) return undefined;
  return { addr: (addr & ipv4Mask(len)) >>> 0, len };
}

/** A length of 1–2 plain digits, 0..32, filling text[from..]; -1 otherwise (then `atoi` decides). */
function prefixLength(text: string, from: number): number {
  const n = text.length - from;
  if (n < 1 || n > 2) return -1;
  let v = 0;
  for (let i = from; i < text.length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= 32 ? v : -1;
}

function dotsIn(text: string, to: number): number {
  let dots = 0;
  for (let i = 0; i < to; i++) if (text.charCodeAt(i) === 0x2e) dots++;
  return dots;
}

export function formatIpv4Prefix(p: { addr: number; len: number }): string {
  return `${formatIpv4(p.addr)}/${p.len}`;
}

/** Canonical lower-case `aa:bb:cc:dd:ee:ff`, accepting 1–2 hex digits per byte (ether_aton). */
export function parseMac(text: string): string | undefined {
  if (isCanonicalMac(text)) return text;
  const parts = text.split(':');
  if (parts.length !== 6) return undefined;
  const out: string[] = [];
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return undefined;
    out.push(p.toLowerCase().padStart(2, '0'));
  }
  return out.join(':');
}

/** Already `aa:bb:cc:dd:ee:ff` (lower-case hex pairs): parseMac's answer is the text itself. */
function isCanonicalMac(text: string): boolean {
  if (text.length !== 17) return false;
  for (let i = 0; i < 17; i++) {
    const c = text.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== 0x3a) return false;
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
      return false;
    }
  }
  return true;
}
