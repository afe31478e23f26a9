/**
 * Config reload, applied: the plan of src/config/diff.ts carried out on the
 * running pieces, in an order that never leaves a route pointing at
 * something gone:
 *
 * 1. sessions removed or replaced stop (Cease 6/3), their routes withdrawn;
 * 2. subscribers of removed instances are detached (kept pending), then the
 *    instances go with every path and copy of theirs;
 * 3. new instances come (importing the VPN routes they want);
 * 4. policies are attached again by name (new instances, changed
 *    definitions), then changed instances are re-exported and re-imported
 *    with them, the routes of instances and sessions whose import policies
 *    changed run them again (from the attributes as received), sessions
 *    whose export policies changed move to their new update groups (no
 *    session resets), and static routes are set;
 * 5. sessions new or replaced start;
 * 6. agents: items re-rendered, pending subscriptions attach.
 *
 * Sessions and routes the plan does not name are not touched.
 */

import type { BgpPeerOptions } from './bgp/options.js';
import type { BgpSpeaker } from './bgp/speaker.js';
import type { Config, PeerRef, ReloadPlan } from './config/index.js';
import type { PeerExportPolicy } from './rib/peering.js';
import type { InstanceManager } from './routing-instances/manager.js';
import type { XmppServer } from './xmpp/server.js';

/** What applying a plan needs from the composition root. */
export interface ReloadParts {
  readonly instances: InstanceManager;
  readonly bgp: BgpSpeaker;
  readonly xmpp?: XmppServer | undefined;
  /** The speaker's options for a session of the new config. */
  peerOptions(ref: PeerRef, next: Config): BgpPeerOptions;
  /** Attach the new config's routing policies by name. */
  attachPolicies(next: Config): void;
  /** A session's export policy in the new config. */
  exportPolicyOf(name: string, next: Config): PeerExportPolicy | undefined;
  /** Run import policy again over every path of an instance's tables. */
  reimportInstance(name: string): void;
}

/** How reloads went, for introspect and metrics. */
export interface ReloadStats {
  ok: number;
  failed: number;
  last?: { at: string; ok: boolean; error?: string };
}

export async function applyPlan(plan: ReloadPlan, next: Config, parts: ReloadParts): Promise<void> {
  const { instances, bgp, xmpp } = parts;
  await Promise.all(plan.removePeers.map((name) => bgp.removePeer(name)));
  if (plan.removeInstances.length > 0) xmpp?.instancesRemoved(plan.removeInstances);
  for (const name of plan.removeInstances) instances.removeInstance(name);
  for (const ri of plan.addInstances) instances.addInstance(ri);
  parts.attachPolicies(next);
  for (const name of plan.reimportInstances) parts.reimportInstance(name);
  for (const name of plan.reimportPeers) bgp.reimport(name);
  for (const name of plan.reexportPeers) bgp.setExportPolicy(name, parts.exportPolicyOf(name, next));
  for (const ri of plan.updateInstances) instances.updateInstance(ri);
  for (const ri of plan.addInstances) instances.addStaticRoutes(instances.get(ri.name)!, ri.staticRoutes);
  for (const ri of plan.staticRoutes) instances.setStaticRoutes(instances.get(ri.name)!, ri.staticRoutes);
  for (const ref of plan.addPeers) bgp.addPeer(parts.peerOptions(ref, next));
  if (plan.removeInstances.length + plan.addInstances.length + plan.updateInstances.length > 0) xmpp?.instancesChanged();
}

/** One line for the log: what a plan changes. */
export function describePlan(plan: ReloadPlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const added = plan.addPeers.map((p) => p.name).filter((n) => !plan.replacedPeers.includes(n));
  const removed = plan.removePeers.filter((n) => !plan.replacedPeers.includes(n));
  if (added.length > 0) out.peersAdded = added;
  if (removed.length > 0) out.peersRemoved = removed;
  if (plan.replacedPeers.length > 0) out.peersReset = plan.replacedPeers;
  if (plan.addInstances.length > 0) out.instancesAdded = plan.addInstances.map((r) => r.name);
  if (plan.removeInstances.length > 0) out.instancesRemoved = plan.removeInstances;
  if (plan.updateInstances.length > 0) out.instancesUpdated = plan.updateInstances.map((r) => r.name);
  if (plan.staticRoutes.length > 0) out.staticRoutes = plan.staticRoutes.map((r) => r.name);
  if (plan.introspect) {
    // Never the token or the key into the log: only that they are there.
    const { tls, token, ...rest } = plan.introspect;
    out.introspect = { ...rest, tls: tls !== undefined, token: token !== undefined };
  }
  if (plan.logLevel) out.logLevel = plan.logLevel.level ?? 'command line';
  return out;
}
