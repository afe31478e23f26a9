/**
 * Test helpers for the BGP wire codec: hex written field by field, session
 * contexts, and builders that wrap attribute bytes into whole UPDATEs so
 * negative cases can place a bad attribute first, in the middle or last.
 */

import type { BgpMessage, CodecContext, Decoded, Fault, FaultAction, UpdateMessage } from '../../../src/bgp/wire/index.js';
import { decodeMessage } from '../../../src/bgp/wire/index.js';
import { strongestAction } from '../../../src/bgp/wire/faults.js';

/** Join hex fields (spaces allowed) into bytes. */
export function h(...fields: string[]): Uint8Array {
  const s = fields.join('').replace(/\s+/g, '');
  if (s.length % 2 !== 0 || /[^0-9a-f]/i.test(s)) throw new Error(`bad hex: ${s}`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const ALL = new Set(['1/1', '1/128', '1/132']);
export const IBGP4: CodecContext = { fourOctetAs: true, ebgp: false, families: ALL };
export const EBGP4: CodecContext = { fourOctetAs: true, ebgp: true, families: ALL };
export const IBGP2: CodecContext = { fourOctetAs: false, ebgp: false, families: ALL };
export const EBGP2: CodecContext = { fourOctetAs: false, ebgp: true, families: ALL };

export const MARKER = 'ffffffffffffffffffffffffffffffff';

function u16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** One attribute: flags, type, 1-byte length (2-byte when flags has 0x10), value. */
export function attr(flags: number, code: number, value: string): string {
  const v = value.replace(/\s+/g, '');
  const len = v.length / 2;
  const ext = (flags & 0x10) !== 0;
  return flags.toString(16).padStart(2, '0') + code.toString(16).padStart(2, '0') + (ext ? u16(len) : len.toString(16).padStart(2, '0')) + v;
}

/** A whole message from its type and body hex. */
export function message(type: number, body: string): Uint8Array {
  const b = body.replace(/\s+/g, '');
  return h(MARKER, u16(19 + b.length / 2), type.toString(16).padStart(2, '0'), b);
}

/** A whole UPDATE from withdrawn-prefix hex, attribute hex strings and NLRI hex. */
export function update(parts: { withdrawn?: string; attrs?: readonly string[]; nlri?: string }): Uint8Array {
  const w = (parts.withdrawn ?? '').replace(/\s+/g, '');
  const a = (parts.attrs ?? []).join('').replace(/\s+/g, '');
  const n = (parts.nlri ?? '').replace(/\s+/g, '');
  return message(2, u16(w.length / 2) + w + u16(a.length / 2) + a + n);
}

export interface Outcome {
  readonly value: BgpMessage | undefined;
  readonly faults: readonly Fault[];
  readonly action: FaultAction;
}

export function decode(bytes: Uint8Array, ctx: CodecContext = IBGP4): Outcome {
  const d: Decoded<BgpMessage> = decodeMessage(bytes, ctx);
  return { value: d.value, faults: d.faults, action: strongestAction(d.faults) };
}

export function decodeUpdate(bytes: Uint8Array, ctx: CodecContext = IBGP4): UpdateMessage {
  const d = decodeMessage(bytes, ctx);
  if (d.value?.type !== 'update') throw new Error(`not an UPDATE: ${JSON.stringify(d.faults.map((f) => f.reason))}`);
  return d.value;
}

/** The fault that decides the outcome (first with the strongest action). */
export function decisive(faults: readonly Fault[]): Fault | undefined {
  const action = strongestAction(faults);
  return faults.find((f) => f.action === action);
}
