/**
 * Rendered agent items per instance table (`<ri>.inet.0`, `<ri>.inet6.0`):
 * the XML of a prefix's item (shared/docs/contrail-control.md §2.7) does
 * not depend on which agent gets it, so it is built once and reused by
 * every subscribed agent until the destination changes. Only the message
 * envelope (`to`) is per agent.
 */

import type { RouteKey } from '../rib/nlri-key.js';
import type { Table } from '../rib/table.js';
import type { RoutingInstance } from '../routing-instances/instance.js';
import { outItem, vnResolver, type InstanceView, type VnResolver } from './agent-routes.js';
import { inetItemXml } from './wire/index.js';

export class ItemCache {
  /** Rendered item as UTF-8 bytes, or null when the prefix is to be retracted. */
  private readonly xml = new Map<RouteKey, Buffer | null>();
  private resolver: VnResolver;
  private readonly unsubscribe: () => void;
  hits = 0;
  misses = 0;

  constructor(
    private readonly inst: RoutingInstance,
    private readonly table: Table,
    instances: Iterable<InstanceView>,
    private readonly asn: number,
  ) {
    this.resolver = vnResolver(inst, instances);
    this.unsubscribe = table.subscribe((key) => this.xml.delete(key));
  }

  /** The item XML (UTF-8) for a route key, or undefined when the prefix has no usable path. */
  render(key: RouteKey): Buffer | undefined {
    let x = this.xml.get(key);
    if (x === undefined) {
      this.misses++;
      const dest = this.table.get(key);
      const item = dest && outItem(dest, this.resolver, this.asn);
      // Encoded once here: every agent's message is then a memcpy of these bytes.
      x = item ? Buffer.from(inetItemXml(item), 'utf8') : null;
      this.xml.set(key, x);
    } else {
      this.hits++;
    }
    return x ?? undefined;
  }

  /**
   * The instances changed (config reload: targets, vn-index, instances added
   * or removed): virtual-network names are resolved again and every item is
   * rendered afresh.
   */
  refresh(instances: Iterable<InstanceView>): void {
    this.resolver = vnResolver(this.inst, instances);
    this.xml.clear();
  }

  /** Stop watching the table and drop everything (no agent subscribed any more). */
  dispose(): void {
    this.unsubscribe();
    this.xml.clear();
  }
}
