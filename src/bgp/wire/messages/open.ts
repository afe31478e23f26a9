/**
 * OPEN, RFC 4271 §4.2 and §6.2, with RFC 5492 capabilities and RFC 9072
 * extended optional parameters (recognised on decode, never sent).
 *
 * Errors (all reset):
 * - version ≠ 4 → 2/1, data = 0x0004 (the highest version we support);
 * - hold time 1 or 2 → 2/6;
 * - BGP Identifier 0.0.0.0 → 2/3 (equal-to-ours and peer-AS checks belong
 *   to the session, which knows them);
 * - optional parameters overrunning the message, a parameter overrunning
 *   the optional-parameters length, or bytes left over after them → 2/0
 *   (the FRR/BIRD answer in reliability.md O05/O06);
 * - an optional parameter other than capabilities (type 2) → 2/4.
 */

import type { Capability, Decoded, Fault, OpenMessage } from '../types.js';
import { MSG_OPEN } from '../types.js';
import { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import {
  ERR_OPEN,
  OPEN_BAD_BGP_ID,
  OPEN_UNACCEPTABLE_HOLD_TIME,
  OPEN_UNSPECIFIC,
  OPEN_UNSUPPORTED_PARAMETER,
  OPEN_UNSUPPORTED_VERSION,
  fault,
  u16Bytes,
} from '../faults.js';
import { decodeCapabilities, encodeCapabilityParameters } from '../capabilities.js';
import { beginMessage, finishMessage } from './header.js';

const BGP_VERSION = 4;
const PARAM_CAPABILITIES = 2;
/** RFC 9072 §2: Non-Ext OP Type value announcing the extended form. */
const PARAM_EXTENDED = 255;

/** Decode an OPEN body (everything after the header). */
export function decodeOpen(r: Reader): Decoded<OpenMessage> {
  const faults: Fault[] = [];
  const version = r.u8();
  if (version !== BGP_VERSION) {
    faults.push(fault('reset', ERR_OPEN, OPEN_UNSUPPORTED_VERSION, `BGP version ${version} is not 4`, { data: u16Bytes(BGP_VERSION) }));
    return { value: undefined, faults };
  }
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpId = r.u32();
  if (holdTime === 1 || holdTime === 2) {
    faults.push(fault('reset', ERR_OPEN, OPEN_UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} is below 3`));
  }
  if (bgpId === 0) faults.push(fault('reset', ERR_OPEN, OPEN_BAD_BGP_ID, 'BGP Identifier is 0.0.0.0'));
  const capabilities: Capability[] = [];
  decodeParameters(r, capabilities, faults);
  const value: OpenMessage = { type: 'open', version, myAs, holdTime, bgpId, capabilities };
  return { value, faults };
}

function unspecific(reason: string): Fault {
  return fault('reset', ERR_OPEN, OPEN_UNSPECIFIC, reason);
}

/** The optional parameters, classic or RFC 9072 extended. */
function decodeParameters(r: Reader, caps: Capability[], faults: Fault[]): void {
  let optLen = r.u8();
  let extended = false;
  if (optLen === 255 && r.remaining >= 1 && r.buf[r.pos] === PARAM_EXTENDED) {
    r.skip(1);
    optLen = r.u16();
    extended = true;
  }
  if (r.overrun || optLen > r.remaining) {
    faults.push(unspecific(`optional parameters length ${optLen} overruns the OPEN`));
    return;
  }
  if (optLen < r.remaining) {
    faults.push(unspecific(`${r.remaining - optLen} bytes after the optional parameters`));
    return;
  }
  const params = r.sub(optLen);
  const headLen = extended ? 3 : 2;
  while (!params.atEnd) {
    if (params.remaining < headLen) {
      faults.push(unspecific('optional parameter header truncated'));
      return;
    }
    const type = params.u8();
    const len = extended ? params.u16() : params.u8();
    if (len > params.remaining) {
      faults.push(unspecific(`optional parameter ${type} length ${len} overruns the parameters`));
      return;
    }
    const value = params.sub(len);
    if (type !== PARAM_CAPABILITIES) {
      faults.push(fault('reset', ERR_OPEN, OPEN_UNSUPPORTED_PARAMETER, `unsupported optional parameter ${type}`));
      continue;
    }
    decodeCapabilities(value, caps, faults);
  }
}

export function encodeOpen(msg: OpenMessage, w: Writer): void {
  const start = beginMessage(w, MSG_OPEN);
  w.u8(msg.version);
  w.u16(msg.myAs);
  w.u16(msg.holdTime);
  w.u32(msg.bgpId);
  const params = encodeCapabilityParameters(msg.capabilities);
  if (params.length > 255) throw new RangeError(`OPEN optional parameters of ${params.length} bytes exceed 255`);
  w.u8(params.length);
  w.bytes(params);
  finishMessage(w, start);
}
