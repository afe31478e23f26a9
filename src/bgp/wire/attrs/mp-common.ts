/**
 * Shared by MP_REACH_NLRI and MP_UNREACH_NLRI: family lookup and the faults
 * RFC 7606 §7.11 / RFC 4760 §7 prescribe.
 *
 * Choices (reliability.md §1.2 allows reset or AFI/SAFI disable):
 * - Too short to hold AFI/SAFI: the family is unknown, so reset 3/9.
 * - A family this speaker does not implement: the attribute is ignored
 *   (fault 'discard', U31). Known families are decoded even when not
 *   negotiated; the session ignores them (ctx.families).
 * - Bad next-hop length, truncated or over-long NLRI: 'afi-safi-disable'
 *   for that family, with NOTIFICATION 3/9 (Optional Attribute Error, as
 *   FRR sends for V02/V03/V06) should the session reset instead.
 */

import type { AfiSafi, Fault } from '../types.js';
import type { Reader } from '../reader.js';
import type { AnyFamilyCodec as FamilyCodec } from '../families/codec.js';
import { familyCodec } from '../families/registry.js';
import { ERR_UPDATE, UPD_OPTIONAL_ATTR, fault } from '../faults.js';

export function mpDisable(attr: number, family: AfiSafi, reason: string): Fault {
  return fault('afi-safi-disable', ERR_UPDATE, UPD_OPTIONAL_ATTR, reason, { attr, family: { afi: family.afi, safi: family.safi } });
}

/** Read AFI/SAFI and find the family codec, or say why not. */
export function readFamily(r: Reader, attr: number, name: string): FamilyCodec | Fault {
  if (r.remaining < 3) return fault('reset', ERR_UPDATE, UPD_OPTIONAL_ATTR, `${name} too short for AFI/SAFI`, { attr });
  const afi = r.u16();
  const safi = r.u8();
  const codec = familyCodec(afi, safi);
  if (codec === undefined) {
    return fault('discard', ERR_UPDATE, UPD_OPTIONAL_ATTR, `${name} for unsupported family ${afi}/${safi} ignored`, {
      attr,
      family: { afi, safi },
    });
  }
  return codec;
}

export function requireFamily(afi: number, safi: number): FamilyCodec {
  const codec = familyCodec(afi, safi);
  if (codec === undefined) throw new RangeError(`no codec for family ${afi}/${safi}`);
  return codec;
}
