/**
 * Attribute registry: type code → codec (RFC 4271 §5, RFC 4760, RFC 4360,
 * RFC 4456, RFC 6793, RFC 8092). Anything not listed here is "unrecognised"
 * in the RFC 4271 §5 sense and handled by the attribute-list decoder.
 */

import type { AttrCodec } from './codec.js';
import { originCodec } from './origin.js';
import { asPathCodec } from './as-path.js';
import { nextHopCodec } from './next-hop.js';
import { medCodec } from './med.js';
import { localPrefCodec } from './local-pref.js';
import { atomicAggregateCodec } from './atomic-aggregate.js';
import { aggregatorCodec } from './aggregator.js';
import { communitiesCodec } from './communities.js';
import { originatorIdCodec } from './originator-id.js';
import { clusterListCodec } from './cluster-list.js';
import { mpReachCodec } from './mp-reach.js';
import { mpUnreachCodec } from './mp-unreach.js';
import { extCommunitiesCodec } from './ext-communities.js';
import { as4PathCodec } from './as4-path.js';
import { as4AggregatorCodec } from './as4-aggregator.js';
import { largeCommunitiesCodec } from './large-communities.js';

/** Every codec, in ascending type code (the RFC 4271 §5 sending order). */
export const ATTR_CODECS: readonly AttrCodec[] = [
  originCodec,
  asPathCodec,
  nextHopCodec,
  medCodec,
  localPrefCodec,
  atomicAggregateCodec,
  aggregatorCodec,
  communitiesCodec,
  originatorIdCodec,
  clusterListCodec,
  mpReachCodec,
  mpUnreachCodec,
  extCommunitiesCodec,
  as4PathCodec,
  as4AggregatorCodec,
  largeCommunitiesCodec,
];

export const ATTR_REGISTRY: ReadonlyMap<number, AttrCodec> = new Map(ATTR_CODECS.map((c) => [c.code, c]));

/** Codecs written by encodePathAttributes: all but MP_REACH/MP_UNREACH. */
export const PATH_ATTR_CODECS: readonly AttrCodec[] = ATTR_CODECS.filter((c) => c.slot !== 'mpReach' && c.slot !== 'mpUnreach');
