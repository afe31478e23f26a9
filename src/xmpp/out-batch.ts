/**
 * The bytes of one flush batch toward an agent (contrail-control.md §2.7):
 * retract messages, then item messages of at most 32 items each, in one
 * gathered socket write.
 *
 * The items' bytes do not depend on the agent, only the envelope (`to=`)
 * does, so a batch's items are encoded once (`itemBodies`: one body per
 * message, views of one buffer) and every agent of a group that takes the
 * batch writes the same bodies between its own envelope's head and tail
 * (`batchChunks`): no text encoding per item and agent, and no buffer per
 * agent to allocate and fill.
 *
 * Layer L3 (src/xmpp); pure.
 */

import { MAX_ITEMS_PER_MESSAGE } from './wire/index.js';

/** A rendered item: its XML and the XML's length in UTF-8 bytes (equal to its length in characters when it is all ASCII). */
export interface RenderedItem {
  readonly xml: string;
  readonly bytes: number;
}

/** The items of a batch, encoded: one body per message (≤ 32 items), views of one buffer. */
export interface ItemBodies {
  readonly bodies: readonly Buffer[];
  /** Items in all the bodies. */
  readonly count: number;
}

/** A batch without items (retracts only). */
export const NO_ITEMS: ItemBodies = { bodies: [], count: 0 };

/** Encode the items once, cut in message bodies of at most MAX_ITEMS_PER_MESSAGE items. */
export function itemBodies(items: readonly RenderedItem[]): ItemBodies {
  if (items.length === 0) return NO_ITEMS;
  let size = 0;
  for (const it of items) size += it.bytes;
  const all = Buffer.allocUnsafe(size);
  const bodies: Buffer[] = [];
  let at = 0;
  let start = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    // All-ASCII text (bytes = characters) is the same in latin1, which copies instead of encoding.
    at += all.write(it.xml, at, it.bytes, it.bytes === it.xml.length ? 'latin1' : 'utf8');
    if (i % MAX_ITEMS_PER_MESSAGE === MAX_ITEMS_PER_MESSAGE - 1 || i === items.length - 1) {
      bodies.push(all.subarray(start, at));
      start = at;
    }
  }
  return { bodies, count: items.length };
}

/**
 * One agent's chunks of a batch, for one gathered write: its retract
 * messages, then each shared body between its envelope's head and tail
 * (nothing copied: the bodies are the group's).
 */
export function batchChunks(retracts: readonly Buffer[], items: ItemBodies, env: { head: Buffer; tail: Buffer } | undefined): Buffer[] {
  const out = [...retracts];
  for (const b of items.bodies) out.push(env!.head, b, env!.tail);
  return out;
}
