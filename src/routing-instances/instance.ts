/**
 * A routing instance (VRF): its name, ids, route targets and its
 * `<name>.inet.0` table. Contrail: routing_instance.cc; names and targets
 * per shared/docs/contrail-control.md §4.
 */

import { autoRouteTarget } from '../bgp/wire/index.js';
import type { Ipv4Prefix } from '../bgp/wire/types.js';
import type { SelectionOptions } from '../rib/best-path.js';
import { inetKey } from '../rib/nlri-key.js';
import { Table } from '../rib/table.js';
import { inetTableName, MASTER_INSTANCE, virtualNetworkOf, type RoutingInstanceName } from './name.js';

export interface InstanceSpec {
  readonly name: RoutingInstanceName;
  readonly id: number;
  readonly vnIndex: number;
  readonly importTargets: readonly bigint[];
  readonly exportTargets: readonly bigint[];
}

/**
 * The instance's automatic target: `target:<asn>:<8000000+id>` for a
 * 2-octet AS, `target:<asn>:<8000+id>` for a 4-octet AS, whose route
 * targets have a 16-bit value (contrail-control.md §4.3). Throws at
 * configuration time when 8000 + id does not fit in 16 bits.
 */
export function autoTarget(asn: number, id: number): bigint {
  const rt = autoRouteTarget(asn, id);
  if (rt === undefined) throw new RangeError(`no automatic route target for asn ${asn} id ${id}`);
  return rt;
}

export class RoutingInstance {
  readonly table: Table<Ipv4Prefix>;
  readonly virtualNetwork: string;
  /** Configured plus automatic targets. */
  readonly importTargets: ReadonlySet<bigint>;
  readonly exportTargets: ReadonlySet<bigint>;
  /** Agents subscribed (drives route-target membership, RFC 4684). */
  subscribers = 0;

  constructor(
    readonly name: RoutingInstanceName,
    readonly id: number,
    readonly vnIndex: number,
    importTargets: Iterable<bigint>,
    exportTargets: Iterable<bigint>,
    table?: Table<Ipv4Prefix>,
    selection?: SelectionOptions,
  ) {
    this.table = table ?? new Table<Ipv4Prefix>(inetTableName(name), inetKey, selection);
    this.virtualNetwork = virtualNetworkOf(name);
    this.importTargets = new Set(importTargets);
    this.exportTargets = new Set(exportTargets);
  }

  get master(): boolean {
    return this.name === MASTER_INSTANCE;
  }

  static fromSpec(spec: InstanceSpec, asn: number, selection?: SelectionOptions): RoutingInstance {
    const auto = autoTarget(asn, spec.id);
    return new RoutingInstance(
      spec.name,
      spec.id,
      spec.vnIndex,
      [...spec.importTargets, auto],
      [...spec.exportTargets, auto],
      undefined,
      selection,
    );
  }
}
