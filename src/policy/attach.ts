/**
 * Attaching routing policies where routes pass: the RIB's one way in (import
 * policy of the routing instance owning the table, and of the BGP peer the
 * path came from) and route-target replication toward the VPN tables
 * (export policy of the routing instance). The composition root builds the
 * attachments from the config; nothing here holds state of its own.
 */

import type { Nlri, PathAttributes } from '../bgp/wire/types.js';
import type { PeerExportPolicy } from '../rib/peering.js';
import type { ImportPolicy } from '../rib/rib.js';
import type { Table } from '../rib/table.js';
import type { PeerInfo } from '../rib/types.js';
import { evaluate } from './evaluate.js';
import type { Policy, Protocol } from './types.js';

/** The policy protocol of a path's source (Contrail's names). */
export function protocolOf(source: PeerInfo): Protocol {
  return source.kind;
}

export interface ImportAttachments {
  /** Import policies of routing instances, by the name of each table they own. */
  readonly byTable: ReadonlyMap<string, readonly Policy[]>;
  /** Import policies of BGP peers and BGP-as-a-Service sessions, by name. */
  readonly byPeer: ReadonlyMap<string, readonly Policy[]>;
}

/**
 * The RIB's import hook for these attachments: the peer's policies, then
 * the instance's, on the attributes as received. Undefined when nothing is
 * attached, so the one way in keeps its fast path.
 */
export function importHook(a: ImportAttachments): ImportPolicy | undefined {
  if (a.byTable.size === 0 && a.byPeer.size === 0) return undefined;
  return (table: Table, nlri: Nlri, source: PeerInfo, attrs: PathAttributes) => {
    const peer = source.kind === 'bgp' || source.kind === 'bgpaas' ? a.byPeer.get(source.name) : undefined;
    const inst = a.byTable.get(table.name);
    if (!peer && !inst) return attrs;
    const chain = peer && inst ? [...peer, ...inst] : (peer ?? inst)!;
    const d = evaluate(chain, { nlri, attrs, protocol: protocolOf(source) });
    return d.accept ? d.attrs : undefined;
  };
}

/** What an instance's export policy decides for one path leaving it for a VPN table. */
export type ExportHook = (instance: string, nlri: Nlri, source: PeerInfo, attrs: PathAttributes) => PathAttributes | undefined;

/** The VPN-export hook for instances' export policies (by instance name); undefined when none has any. */
export function exportHook(byInstance: ReadonlyMap<string, readonly Policy[]>): ExportHook | undefined {
  if (byInstance.size === 0) return undefined;
  return (instance, nlri, source, attrs) => {
    const chain = byInstance.get(instance);
    if (!chain) return attrs;
    const d = evaluate(chain, { nlri, attrs, protocol: protocolOf(source) });
    return d.accept ? d.attrs : undefined;
  };
}

/**
 * A chain's identity for grouping peers: names and definitions, so that
 * peers sharing a chain share update groups and a changed definition (a
 * reload) makes a new group.
 */
export function chainKey(chain: readonly Policy[]): string {
  return JSON.stringify(chain, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof RegExp ? `/${v.source}/${v.flags}` : v));
}

/** A BGP peer's export policy for the peering engine, keyed by its chain (chainKey). */
export function peerExportHook(chain: readonly Policy[]): PeerExportPolicy {
  return {
    key: chainKey(chain),
    decide(nlri, source, attrs) {
      const d = evaluate(chain, { nlri, attrs, protocol: protocolOf(source) });
      return d.accept ? d.attrs : undefined;
    },
  };
}

/**
 * A BGP-as-a-Service session's export policy: its own policy chain, then
 * the next hop rewritten to the gateway address of the route's family
 * (contrail-control.md §5.5); with no gateway for a family, nothing of that
 * family is sent.
 */
export function bgpaasExportHook(chain: readonly Policy[], gateway: number | undefined, gateway6: bigint | undefined): PeerExportPolicy {
  return {
    key: `bgpaas|${gateway ?? ''}|${gateway6 ?? ''}|${chainKey(chain)}`,
    decide(nlri, source, attrs) {
      const d = chain.length === 0 ? { accept: true, attrs } : evaluate(chain, { nlri, attrs, protocol: protocolOf(source) });
      if (!d.accept) return undefined;
      if (nlri.family === 'inet6' && gateway6 !== undefined) return { ...d.attrs, nextHop: undefined, nextHop6: gateway6 };
      if (gateway === undefined) return undefined;
      return { ...d.attrs, nextHop: gateway, nextHop6: undefined };
    },
  };
}
