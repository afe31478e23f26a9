/**
 * The `routing-instances` section: the VRFs this node serves, each with the
 * route targets it imports and exports.
 *
 *   routing-instances:
 *     - name: default-domain:admin:public:public   # domain:project:vn:ri, unique
 *       id: 7                                      # optional, 1..65535; default: position in the list (1-based)
 *       vn-index: 4                                # optional, 0..4294967295, default 0
 *       import-targets: [target:64512:1001]        # default []
 *       export-targets: [target:64512:1001]        # default []
 *       import-policies: [pods-in]                 # routing-policies by name (default none): routes entering
 *       export-policies: [pods-out]                #   the instance's tables / its routes exported to the VPN tables
 *       bgpaas: [...]                              # BGP-as-a-Service sessions (src/config/bgpaas.ts)
 *       static-routes: [...]                       # static routes, next hop resolved in the instance
 *
 * The master instance (default-domain:default-project:ip-fabric:__default__)
 * always exists and cannot be configured here. No two instances may end up
 * with the same id, whether given or taken from the position.
 */

import { z } from 'zod';
import { parseRouteTarget } from '../bgp/wire/index.js';
import { MASTER_INSTANCE, parseInstanceName } from '../routing-instances/name.js';
import type { RoutingInstanceName } from '../routing-instances/name.js';
import { describeValue } from './errors.js';
import { expected, integer, list, mapping } from './scalars.js';
import { bgpaasSessions, staticRoutes, type BgpaasConfig, type StaticRouteConfig } from './bgpaas.js';
import { policyNames } from './policies.js';

export interface RoutingInstanceConfig {
  name: RoutingInstanceName;
  /** The `id` key, or else the instance's 1-based position in the list. */
  id: number;
  vnIndex: number;
  /** Route-target extended communities as uint64, de-duplicated, in file order. */
  importTargets: bigint[];
  exportTargets: bigint[];
  /** Routing-policy names (checked against routing-policies), applied in order. */
  importPolicies: string[];
  exportPolicies: string[];
  bgpaas: BgpaasConfig[];
  staticRoutes: StaticRouteConfig[];
}

export const MAX_INSTANCE_ID = 65535;

/** A `domain:project:vn:ri` name other than the master instance's. */
const instanceName = z
  .custom<string>((v) => typeof v === 'string', {
    error: expected('a routing-instance name like domain:project:vn:ri'),
  })
  .transform((text, ctx): RoutingInstanceName => {
    const parsed = parseInstanceName(text);
    if (typeof parsed !== 'string') {
      ctx.addIssue({
        code: 'custom',
        input: text,
        message: `invalid routing-instance name ${describeValue(text)}: ${parsed.error}`,
      });
      return z.NEVER;
    }
    if (parsed === MASTER_INSTANCE) {
      ctx.addIssue({
        code: 'custom',
        input: text,
        message: `${MASTER_INSTANCE} is the master instance, which always exists and cannot be configured`,
      });
      return z.NEVER;
    }
    return parsed;
  });

const routeTarget = z
  .custom<string>((v) => typeof v === 'string' && parseRouteTarget(v) !== undefined, {
    error: expected('a route target like target:64512:1'),
  })
  .transform((text): bigint => parseRouteTarget(text) ?? 0n);

/** A list of route targets, de-duplicated by value with the first occurrence kept. */
const routeTargets = list(routeTarget, 'a list of route targets')
  .transform((targets): bigint[] => [...new Set(targets)])
  .default(() => []);

/** An instance as written, before ids are settled. */
interface RawInstance {
  name: RoutingInstanceName;
  id: number | undefined;
  vnIndex: number;
  importTargets: bigint[];
  exportTargets: bigint[];
  importPolicies: string[];
  exportPolicies: string[];
  bgpaas: BgpaasConfig[];
  staticRoutes: StaticRouteConfig[];
}

const instance = mapping({
  name: instanceName,
  id: integer(1, MAX_INSTANCE_ID).optional(),
  'vn-index': integer(0, 0xffff_ffff).default(0),
  'import-targets': routeTargets,
  'export-targets': routeTargets,
  'import-policies': policyNames,
  'export-policies': policyNames,
  bgpaas: bgpaasSessions,
  'static-routes': staticRoutes,
}).transform(
  (raw): RawInstance => ({
    name: raw.name,
    id: raw.id,
    vnIndex: raw['vn-index'],
    importTargets: raw['import-targets'],
    exportTargets: raw['export-targets'],
    importPolicies: raw['import-policies'],
    exportPolicies: raw['export-policies'],
    bgpaas: raw.bgpaas,
    staticRoutes: raw['static-routes'],
  }),
);

/** Reports the second and later instances that reuse a name. */
function checkNames(instances: RawInstance[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  instances.forEach((ri, i) => {
    const earlier = seen.get(ri.name);
    if (earlier === undefined) {
      seen.set(ri.name, i);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [i, 'name'],
      input: ri.name,
      message: `duplicate routing-instance name "${ri.name}" (already used by routing-instances[${earlier}])`,
    });
  });
}

/**
 * Settles every id (given, or the 1-based position) and reports the later
 * instance of any pair that ends up with the same one: at its `id` key when
 * it gave one, at the instance itself when the id came from its position.
 */
function checkIds(instances: RawInstance[], ctx: z.RefinementCtx): void {
  if (instances.length > MAX_INSTANCE_ID) {
    ctx.addIssue({
      code: 'custom',
      input: instances,
      message:
        `expected at most ${MAX_INSTANCE_ID} routing instances ` +
        `(one per instance id 1..${MAX_INSTANCE_ID}), got ${instances.length}`,
    });
    return;
  }
  const owner = new Map<number, number>();
  instances.forEach((ri, i) => {
    const id = ri.id ?? i + 1;
    const j = owner.get(id);
    if (j === undefined) {
      owner.set(id, i);
      return;
    }
    const other = instances[j];
    const otherName = other?.name ?? '?';
    const otherHow = other?.id === undefined ? ', from its position in the list' : '';
    if (ri.id !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'id'],
        input: id,
        message:
          `id ${id} of "${ri.name}" is already the id of "${otherName}" ` +
          `(routing-instances[${j}]${otherHow})`,
      });
    } else {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        input: ri.name,
        message:
          `"${ri.name}" gets id ${id} from its position in the list, but that is already ` +
          `the id of "${otherName}" (routing-instances[${j}]); give "${ri.name}" an explicit id`,
      });
    }
  });
}

export const routingInstancesSection = list(instance, 'a list of routing instances')
  .superRefine(checkNames)
  .superRefine(checkIds)
  .transform((instances): RoutingInstanceConfig[] =>
    instances.map((ri, i) => ({
      name: ri.name,
      id: ri.id ?? i + 1,
      vnIndex: ri.vnIndex,
      importTargets: ri.importTargets,
      exportTargets: ri.exportTargets,
      importPolicies: ri.importPolicies,
      exportPolicies: ri.exportPolicies,
      bgpaas: ri.bgpaas,
      staticRoutes: ri.staticRoutes,
    })),
  );
