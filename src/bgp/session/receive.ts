/**
 * The read side of a BGP connection: frame what is buffered (RFC 4271 §4.1),
 * decode each message, and sort the result by its RFC 7606 §3.f strongest
 * fault: 'reset' ends the session, 'withdraw' and 'discard' go up with the
 * UPDATE. One frame() per socket read, then a decode loop, so a burst of
 * thousands of UPDATEs costs one pass over the bytes.
 *
 * Deviation: 'afi-safi-disable' (RFC 4760 §7, RFC 7606 §5.3) is treated as a
 * session reset for now, with the NOTIFICATION the fault carries; disabling a
 * single family without dropping the session is not implemented.
 */

import { decodeMessage, frame } from '../wire/index.js';
import type { BgpMessage, CodecContext, Fault, FaultAction } from '../wire/types.js';
import { FAULT_ORDER } from '../wire/types.js';
import type { RxBuffer } from './rx-buffer.js';
import type { UpdateAction } from './types.js';

export type Received =
  | { readonly kind: 'message'; readonly message: BgpMessage; readonly action: UpdateAction; readonly faults: readonly Fault[] }
  /** The session must be reset with `fault`'s NOTIFICATION. */
  | { readonly kind: 'fault'; readonly fault: Fault; readonly faults: readonly Fault[] };

/**
 * Frame and decode everything complete in `rx`. `deliver` is called once per
 * message, in order, and returns false to stop (the connection was closed).
 * `ctx` is asked again for every message: an OPEN changes it mid-burst.
 */
export function receive(rx: RxBuffer, ctx: () => CodecContext, deliver: (r: Received) => boolean): void {
  const framed = frame(rx.pending());
  rx.consume(framed.consumed);
  for (const bytes of framed.messages) {
    if (!deliver(classify(decodeMessage(bytes, ctx())))) return;
  }
  if (framed.fault) deliver({ kind: 'fault', fault: framed.fault, faults: [framed.fault] });
}

function classify(decoded: { readonly value: BgpMessage | undefined; readonly faults: readonly Fault[] }): Received {
  const { value, faults } = decoded;
  const worst = strongest(faults);
  const action = worst ? updateAction(worst.action) : 'none';
  if (worst && action === undefined) return { kind: 'fault', fault: worst, faults };
  if (value === undefined || action === undefined) {
    // The codec promises a reset fault whenever it returns nothing; be safe anyway.
    const fault: Fault = { action: 'reset', code: 1, subcode: 0, reason: 'message could not be decoded' };
    return { kind: 'fault', fault, faults: [...faults, fault] };
  }
  return { kind: 'message', message: value, action, faults };
}

/** The UPDATE treatment for a fault action; undefined when the session must be reset. */
function updateAction(action: FaultAction): UpdateAction | undefined {
  switch (action) {
    case 'none':
    case 'discard':
    case 'withdraw':
      return action;
    case 'afi-safi-disable': // deviation: see the header
    case 'reset':
      return undefined;
  }
}

/** RFC 7606 §3.f: the fault with the strongest action (the first of equals). */
export function strongest(faults: readonly Fault[]): Fault | undefined {
  let worst: Fault | undefined;
  for (const f of faults) {
    if (!worst || FAULT_ORDER[f.action] > FAULT_ORDER[worst.action]) worst = f;
  }
  return worst;
}
