/**
 * Text forms of standard communities (RFC 1997) as Contrail writes them:
 * `asn:value`, or the well-known names of RFC 1997, RFC 9494 (LLGR) and
 * RFC 7611 (ACCEPT_OWN). Used by agent items (community-tag), routing
 * policy config and introspect.
 */

/** RFC 1997 / RFC 9494 / RFC 7611 well-known communities by Contrail's names. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-reoriginate': 0xffff0000,
  'accept-own': 0xffff0001,
  'llgr-stale': 0xffff0006,
  'no-llgr': 0xffff0007,
  'accept-own-nexthop': 0xffff0008,
};
const COMMUNITY_NAMES = new Map(Object.entries(WELL_KNOWN_COMMUNITIES).map(([k, v]) => [v, k]));

/** `asn:value` (both halves < 65535) or a well-known name; undefined otherwise (Contrail skips those, §3.1). */
export function parseCommunity(s: string): number | undefined {
  const known = WELL_KNOWN_COMMUNITIES[s];
  if (known !== undefined) return known;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  return hi < 65535 && lo < 65535 ? hi * 65536 + lo : undefined;
}

export function communityToString(c: number): string {
  return COMMUNITY_NAMES.get(c) ?? `${Math.floor(c / 65536)}:${c % 65536}`;
}
