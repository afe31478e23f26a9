/**
 * The shape of a path-attribute codec (RFC 4271 §4.3, §5; RFC 7606 §7).
 *
 * Each attribute lives in its own file and exports one AttrCodec. The
 * attribute-list decoder (../attributes.ts) does the generic RFC 7606 checks
 * (framing, duplicates, flags, eBGP-only filtering, missing mandatory
 * attributes) once, then hands the codec a reader bounded to exactly the
 * attribute value. The codec only checks its own value and says what to do
 * about it by returning a Fault with the action its RFC prescribes.
 */

import type {
  Aggregator,
  AsPathSegment,
  CodecContext,
  Fault,
  MpReach,
  MpUnreach,
  PathAttributes,
} from '../types.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/**
 * Everything an attribute list can carry once decoded: the PathAttributes
 * fields plus the attributes folded elsewhere (AS4_PATH / AS4_AGGREGATOR are
 * merged into asPath / aggregator, MP_REACH / MP_UNREACH go to the message).
 */
export type AttrSlots = { -readonly [K in keyof PathAttributes]: PathAttributes[K] } & {
  as4Path?: readonly AsPathSegment[];
  as4Aggregator?: Aggregator;
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
};

export type SlotKey = keyof AttrSlots;

/** Slots that are not PathAttributes fields. */
export const FOLDED_SLOTS: ReadonlySet<SlotKey> = new Set<SlotKey>(['as4Path', 'as4Aggregator', 'mpReach', 'mpUnreach']);

export interface AttrCodec<K extends SlotKey = SlotKey> {
  readonly code: number;
  readonly name: string;
  /** The Optional and Transitive bits this attribute must carry (RFC 7606 §3.c). */
  readonly flags: number;
  /** Where the decoded value is stored. */
  readonly slot: K;
  /**
   * Not accepted from eBGP peers: discarded unread (RFC 7606 §7.5 LOCAL_PREF,
   * §7.9 ORIGINATOR_ID / CLUSTER_LIST).
   */
  readonly ibgpOnly?: boolean;
  /** Not written when the value is an empty list (a zero-length attribute would be malformed). */
  readonly omitEmpty?: boolean;
  /** Decode the value; `r` covers exactly the attribute's value bytes. */
  decode(r: Reader, ctx: CodecContext): NonNullable<AttrSlots[K]> | Fault;
  /** Write the value bytes only (the attribute header is written by the caller). */
  encode(value: NonNullable<AttrSlots[K]>, w: Writer, ctx: CodecContext): void;
}
