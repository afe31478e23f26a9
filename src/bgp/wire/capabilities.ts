/**
 * Capabilities advertisement, RFC 5492, carried in OPEN optional parameter 2.
 * Recognised: multiprotocol (1, RFC 4760 §8), route refresh (2, RFC 2918),
 * graceful restart (64, RFC 4724 §3 with the RFC 8538 N bit), 4-octet AS
 * (65, RFC 6793), ADD-PATH (69, RFC 7911), enhanced route refresh (70,
 * RFC 7313), long-lived graceful restart (71, RFC 9494 §3.1, llgr.ts). Any
 * other capability is kept raw.
 *
 * Errors: a capability header or length running past its parameter is
 * reset 2/0. A recognised capability with an impossible length is kept raw
 * with a 'none' fault (logged, ignored), so a peer's odd encoding never
 * resets a session.
 *
 * Encoding packs the capabilities into as few type-2 parameters (≤ 255
 * bytes each) as possible; order is preserved.
 */

import type { AddPathFamily, Capability, Fault, GracefulRestartFamily } from './types.js';
import {
  CAP_ADD_PATH,
  CAP_ENHANCED_ROUTE_REFRESH,
  CAP_FOUR_OCTET_AS,
  CAP_GRACEFUL_RESTART,
  CAP_LONG_LIVED_GRACEFUL_RESTART,
  CAP_MULTIPROTOCOL,
  CAP_ROUTE_REFRESH,
} from './types.js';
import type { Reader } from './reader.js';
import { Writer } from './writer.js';
import { ERR_OPEN, OPEN_UNSPECIFIC, fault } from './faults.js';
import { decodeLongLived, encodeLongLived } from './llgr.js';

const GR_RESTARTING = 0x8000;
const GR_NOTIFICATION = 0x4000;
const GR_TIME_MASK = 0x0fff;
const GR_FORWARDING = 0x80;

/** Decode the capabilities in one parameter value, appending to `out`. */
export function decodeCapabilities(r: Reader, out: Capability[], faults: Fault[]): void {
  while (!r.atEnd) {
    if (r.remaining < 2) {
      faults.push(fault('reset', ERR_OPEN, OPEN_UNSPECIFIC, 'capability header truncated'));
      return;
    }
    const code = r.u8();
    const len = r.u8();
    if (len > r.remaining) {
      faults.push(fault('reset', ERR_OPEN, OPEN_UNSPECIFIC, `capability ${code} length ${len} overruns its parameter`));
      return;
    }
    const v = r.sub(len);
    const cap = decodeOne(code, v);
    if (cap !== undefined) {
      out.push(cap);
      continue;
    }
    faults.push(fault('none', ERR_OPEN, OPEN_UNSPECIFIC, `capability ${code} with length ${len} is malformed; kept raw`));
    out.push({ code, raw: r.buf.slice(v.end - len, v.end) });
  }
}

/** A recognised capability, a raw one, or undefined when a recognised one is malformed. */
function decodeOne(code: number, r: Reader): Capability | undefined {
  const len = r.remaining;
  switch (code) {
    case CAP_MULTIPROTOCOL: {
      if (len !== 4) return undefined;
      const afi = r.u16();
      r.skip(1);
      return { code: CAP_MULTIPROTOCOL, afi, safi: r.u8() };
    }
    case CAP_ROUTE_REFRESH:
      return { code: CAP_ROUTE_REFRESH };
    case CAP_ENHANCED_ROUTE_REFRESH:
      return { code: CAP_ENHANCED_ROUTE_REFRESH };
    case CAP_GRACEFUL_RESTART:
      return len >= 2 && (len - 2) % 4 === 0 ? decodeGracefulRestart(r) : undefined;
    case CAP_FOUR_OCTET_AS:
      return len === 4 ? { code: CAP_FOUR_OCTET_AS, asn: r.u32() } : undefined;
    case CAP_ADD_PATH:
      return len % 4 === 0 ? decodeAddPath(r) : undefined;
    case CAP_LONG_LIVED_GRACEFUL_RESTART: {
      const longLived = decodeLongLived(r);
      return longLived && { code: CAP_LONG_LIVED_GRACEFUL_RESTART, longLived };
    }
    default:
      return { code, raw: r.rest() };
  }
}

function decodeGracefulRestart(r: Reader): Capability {
  const head = r.u16();
  const families: GracefulRestartFamily[] = [];
  while (!r.atEnd) {
    const afi = r.u16();
    const safi = r.u8();
    families.push({ afi, safi, forwarding: (r.u8() & GR_FORWARDING) !== 0 });
  }
  return {
    code: CAP_GRACEFUL_RESTART,
    restarting: (head & GR_RESTARTING) !== 0,
    notification: (head & GR_NOTIFICATION) !== 0,
    restartTime: head & GR_TIME_MASK,
    families,
  };
}

function decodeAddPath(r: Reader): Capability {
  const families: AddPathFamily[] = [];
  while (!r.atEnd) {
    const afi = r.u16();
    const safi = r.u8();
    families.push({ afi, safi, mode: r.u8() });
  }
  return { code: CAP_ADD_PATH, families };
}

/** One capability as code, length, value. */
function encodeOne(cap: Capability, w: Writer): void {
  const start = w.pos;
  w.u8(cap.code);
  w.u8(0);
  encodeValue(cap, w);
  const len = w.pos - start - 2;
  if (len > 255) throw new RangeError(`capability ${cap.code} value of ${len} bytes exceeds 255`);
  w.patchU8(start + 1, len);
}

function encodeValue(cap: Capability, w: Writer): void {
  if ('raw' in cap) {
    w.bytes(cap.raw);
    return;
  }
  if ('afi' in cap) {
    w.u16(cap.afi);
    w.u8(0);
    w.u8(cap.safi);
  } else if ('longLived' in cap) {
    encodeLongLived(cap.longLived, w);
  } else if ('asn' in cap) {
    w.u32(cap.asn);
  } else if ('restartTime' in cap) {
    w.u16((cap.restarting ? GR_RESTARTING : 0) | (cap.notification ? GR_NOTIFICATION : 0) | (cap.restartTime & GR_TIME_MASK));
    for (const f of cap.families) {
      w.u16(f.afi);
      w.u8(f.safi);
      w.u8(f.forwarding ? GR_FORWARDING : 0);
    }
  } else if ('families' in cap) {
    for (const f of cap.families) {
      w.u16(f.afi);
      w.u8(f.safi);
      w.u8(f.mode);
    }
  }
}

/** Optional parameters (type 2) holding the capabilities, each at most 255 bytes. */
export function encodeCapabilityParameters(caps: readonly Capability[]): Uint8Array {
  const out = new Writer(64);
  let param = new Writer(64);
  const flush = (): void => {
    if (param.length === 0) return;
    out.u8(2);
    out.u8(param.length);
    out.bytes(param.finish());
    param = new Writer(64);
  };
  for (const cap of caps) {
    const one = new Writer(16);
    encodeOne(cap, one);
    if (param.length + one.length > 255) flush();
    param.bytes(one.finish());
  }
  flush();
  return out.finish();
}
