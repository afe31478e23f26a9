/**
 * A routing instance: its name, ids, route targets and the tables it owns,
 * one per family (Contrail routing_instance.cc; names and targets per
 * shared/docs/contrail-control.md §4). The master instance owns inet.0,
 * inet6.0, bgp.l3vpn.0, bgp.l3vpn-inet6.0 and bgp.rtarget.0; any other
 * instance `<ri>.inet.0` and `<ri>.inet6.0`.
 */

import { FAMILIES, FAMILY_NAMES, VRF_FAMILIES } from '../bgp/wire/families/registry.js';
import { autoRouteTarget } from '../bgp/wire/index.js';
import type { FamilyName } from '../bgp/wire/types.js';
import type { SelectionOptions } from '../rib/best-path.js';
import type { TableSet } from '../rib/peering.js';
import { Table } from '../rib/table.js';
import { MASTER_INSTANCE, tableName, virtualNetworkOf, type RoutingInstanceName } from './name.js';

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
  /** The instance's tables, one per family it has. */
  readonly tables: TableSet;
  readonly virtualNetwork: string;
  /** Configured plus automatic targets (changed only through retarget()). */
  importTargets: ReadonlySet<bigint>;
  exportTargets: ReadonlySet<bigint>;
  /** The origin-VN index (changed only through retarget()). */
  vnIndex: number;
  /** Bumped by retarget(): attribute sets derived from the old targets are stale. */
  generation = 0;
  /**
   * Staging tables (per family) for paths whose next hop must be resolved
   * first — BGP-as-a-Service sessions and static routes — when the instance
   * has any (src/routing-instances/resolver.ts). Not among allTables().
   */
  staging: TableSet | undefined;
  /** Agents subscribed (drives route-target membership, RFC 4684). */
  subscribers = 0;

  constructor(
    readonly name: RoutingInstanceName,
    readonly id: number,
    vnIndex: number,
    importTargets: Iterable<bigint>,
    exportTargets: Iterable<bigint>,
    selection?: SelectionOptions,
  ) {
    const tables: Record<string, Table> = {};
    for (const f of name === MASTER_INSTANCE ? FAMILY_NAMES : VRF_FAMILIES) {
      tables[f] = new Table(tableName(name, f)!, FAMILIES[f], selection) as Table;
    }
    this.tables = tables as TableSet;
    this.virtualNetwork = virtualNetworkOf(name);
    this.vnIndex = vnIndex;
    this.importTargets = new Set(importTargets);
    this.exportTargets = new Set(exportTargets);
  }

  get master(): boolean {
    return this.name === MASTER_INSTANCE;
  }

  /** The instance's table of a family, if it has one. */
  table(f: FamilyName): Table | undefined {
    return this.tables[f] as Table | undefined;
  }

  /** The instance's tables with their families. */
  *allTables(): IterableIterator<[FamilyName, Table]> {
    for (const f of FAMILY_NAMES) {
      const t = this.table(f);
      if (t) yield [f, t];
    }
  }

  /** New targets and vn-index from a spec of the same instance (config reload); the automatic target stays. */
  retarget(spec: InstanceSpec, asn: number): void {
    const auto = autoTarget(asn, this.id);
    this.importTargets = new Set([...spec.importTargets, auto]);
    this.exportTargets = new Set([...spec.exportTargets, auto]);
    this.vnIndex = spec.vnIndex;
    this.generation++;
  }

  static fromSpec(spec: InstanceSpec, asn: number, selection?: SelectionOptions): RoutingInstance {
    const auto = autoTarget(asn, spec.id);
    return new RoutingInstance(
      spec.name,
      spec.id,
      spec.vnIndex,
      [...spec.importTargets, auto],
      [...spec.exportTargets, auto],
      selection,
    );
  }
}
