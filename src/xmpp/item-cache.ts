/**
 * Rendered agent items per instance table (`<ri>.inet.0`, `<ri>.inet6.0`):
 * the XML of a prefix's item (shared/docs/contrail-control.md §2.7) does
 * not depend on which agent gets it, so it is built once and reused by
 * every subscribed agent until the destination changes. Only the message
 * envelope (`to`) is per agent.
 *
 * Rendering is itself cut into pieces that are reused: what a path's next
 * hop and the item's tail look like depends on the path's interned
 * attribute set (and whether it is a replicated copy, and whether its
 * label is zero), not on its prefix, and an agent publishes its many
 * prefixes with one set. So each set's pieces are built once (`pieces`,
 * weakly keyed by the set) and an item is its head, the pieces and the
 * labels; `inetItemXml(outItem(…))` is what it equals
 * (test/xmpp/item-cache.test.ts).
 */

import { FAMILIES, firstLabel, nlriToString } from '../bgp/wire/index.js';
import type { AttrSet } from '../rib/attr-store.js';
import type { RouteKey } from '../rib/nlri-key.js';
import type { Table } from '../rib/table.js';
import { bestPath, pathAt, type Dest, type Path } from '../rib/types.js';
import type { RoutingInstance } from '../routing-instances/instance.js';
import { itemFields, outNextHop, vnResolver, type InstanceView, type VnResolver } from './agent-routes.js';
import type { RenderedItem } from './out-batch.js';
import { TableOut } from './out-groups.js';
import { itemHeadXml, itemTailXml, nextHopXmlAround } from './wire/index.js';

/** What a path contributes to an item, label aside: its next hop cut around the label, and the tail when it is the best. */
interface PathPieces {
  readonly pre: string;
  readonly post: string;
  readonly virtualNetwork: string;
  tail?: string;
}

/** Pieces per kind of path with one attribute set: [primary, replicated] × [label 0, label ≠ 0]. */
type PiecesByKind = (PathPieces | undefined)[];

export type { RenderedItem } from './out-batch.js';

export class ItemCache {
  /** Rendered item, or null when the prefix is to be retracted. */
  private readonly xml = new Map<RouteKey, RenderedItem | null>();
  private resolver: VnResolver;
  private pieces = new WeakMap<AttrSet, PiecesByKind>();
  private readonly unsubscribe: () => void;
  /** The table's outbound queue toward its agents, batches rendered here. */
  readonly out: TableOut;
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
    this.out = new TableOut(table, (key) => this.render(key));
  }

  /** The item for a route key, or undefined when the prefix has no usable path. */
  render(key: RouteKey): RenderedItem | undefined {
    let x = this.xml.get(key);
    if (x === undefined) {
      this.misses++;
      const dest = this.table.get(key);
      const xml = dest && this.itemXml(dest);
      // Kept as text: each agent's flush encodes its items straight into the one buffer it writes.
      x = xml ? { xml, bytes: Buffer.byteLength(xml, 'utf8') } : null;
      this.xml.set(key, x);
    } else {
      this.hits++;
    }
    return x ?? undefined;
  }

  /** inetItemXml(outItem(dest)), from the pieces of its paths' attribute sets; undefined when it must be retracted. */
  private itemXml(dest: Dest): string | undefined {
    if (dest.ecmpCount === 0) return undefined;
    const best = this.piecesOf(bestPath(dest)!);
    best.tail ??= itemTailXml(itemFields(bestPath(dest)!, best.virtualNetwork, this.asn));
    let hops = '';
    let seen: string[] | undefined;
    for (let i = 0; i < dest.ecmpCount; i++) {
      const p = pathAt(dest, i)!;
      const pc = i === 0 ? best : this.piecesOf(p);
      const hop = pc.pre + (firstLabel(p.labels) ?? 0) + pc.post;
      if (dest.ecmpCount > 1) {
        // The same next hop twice (two paths the item can't tell apart) is shown once.
        seen ??= [];
        if (seen.includes(hop)) continue;
        seen.push(hop);
      }
      hops += hop;
    }
    return itemHeadXml(nlriToString(dest.nlri), FAMILIES[dest.nlri.family].afi) + `<next-hops>${hops}</next-hops>` + best.tail;
  }

  private piecesOf(p: Path): PathPieces {
    let byKind = this.pieces.get(p.attrs);
    if (!byKind) this.pieces.set(p.attrs, (byKind = []));
    const kind = (p.replicated ? 2 : 0) + ((firstLabel(p.labels) ?? 0) !== 0 ? 1 : 0);
    let pc = byKind[kind];
    if (!pc) {
      const nh = outNextHop(p, this.resolver);
      pc = { ...nextHopXmlAround(nh), virtualNetwork: nh.virtualNetwork };
      byKind[kind] = pc;
    }
    return pc;
  }

  /**
   * The instances changed (config reload: targets, vn-index, instances added
   * or removed): virtual-network names are resolved again and every item is
   * rendered afresh.
   */
  refresh(instances: Iterable<InstanceView>): void {
    this.resolver = vnResolver(this.inst, instances);
    this.pieces = new WeakMap();
    this.xml.clear();
  }

  /** Stop watching the table and drop everything (no agent subscribed any more). */
  dispose(): void {
    this.unsubscribe();
    this.out.dispose();
    this.xml.clear();
  }
}
