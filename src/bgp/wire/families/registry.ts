/**
 * Family registry: AFI/SAFI → codec, and the one place family names and
 * keys are made (RFC 4760 §6 AFI/SAFI pairs known to this speaker).
 */

import type { AfiSafi, FamilyName } from '../types.js';
import type { FamilyCodec } from './codec.js';
import { inetCodec } from './inet.js';
import { inetVpnCodec } from './inet-vpn.js';
import { rtargetCodec } from './rtarget.js';

const CODECS: readonly FamilyCodec[] = [inetCodec, inetVpnCodec, rtargetCodec];

const byNumber = new Map<number, FamilyCodec>(CODECS.map((c) => [(c.afi << 8) | c.safi, c]));

const FAMILIES: Readonly<Record<FamilyName, AfiSafi>> = {
  inet: Object.freeze({ afi: inetCodec.afi, safi: inetCodec.safi }),
  'inet-vpn': Object.freeze({ afi: inetVpnCodec.afi, safi: inetVpnCodec.safi }),
  'route-target': Object.freeze({ afi: rtargetCodec.afi, safi: rtargetCodec.safi }),
};

/** The codec of a family this speaker implements, if any. */
export function familyCodec(afi: number, safi: number): FamilyCodec | undefined {
  return byNumber.get((afi << 8) | safi);
}

export function familyKey(f: AfiSafi): string {
  return `${f.afi}/${f.safi}`;
}

export function familyOf(name: FamilyName): AfiSafi {
  return FAMILIES[name];
}

export function familyName(f: AfiSafi): FamilyName | undefined {
  return familyCodec(f.afi, f.safi)?.name;
}
