/**
 * Extended communities (RFC 4360 and the types Contrail uses), in one typed
 * module: codec.ts decodes one community to a tagged value and encodes it
 * back, text.ts gives Contrail's introspect strings, contrail.ts builds and
 * reads whole community lists the way the Contrail control node does
 * (4-octet-AS pairings included). Nothing here throws on any input.
 */

export {
  decodeExtCommunity,
  encodeExtCommunity,
  extCommunityType,
  LOAD_BALANCE_FIELDS,
  type AdminForm,
  type AsForm,
  type ExtCommunity,
  type ExtCommunityType,
  type LoadBalanceField,
} from './codec.js';
export { extCommunityHex, extCommunityToString, TUNNEL_TYPES, tunnelName } from './text.js';
export {
  AS_TRANS,
  AUTO_TARGET_BASE_AS2,
  AUTO_TARGET_BASE_AS4,
  autoRouteTarget,
  encapsulationCommunity,
  encapsulationsOf,
  isOriginVn,
  isRouteTarget,
  isSecurityGroup,
  loadBalanceCommunity,
  loadBalanceOf,
  localSequenceCommunity,
  localSequenceOf,
  mobilityCommunity,
  mobilityOf,
  originVnCommunities,
  originVnOf,
  routerMacCommunity,
  routerMacOf,
  securityGroupCommunities,
  securityGroupRefs,
  securityGroupsOf,
  tagCommunities,
  tagsOf,
  type AsId,
} from './contrail.js';
