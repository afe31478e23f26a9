/**
 * What a config reload changes: a pure comparison of the running Config
 * with a new one (both already validated), giving either a plan of what to
 * add, remove, replace and update, or a refusal naming the key that cannot
 * change while the node runs.
 *
 * Refused (they take a restart): the node's identity (`node.*`: name,
 * router id, AS, cluster id), where it listens (`bgp.listen`,
 * `xmpp.listen`, `xmpp.enabled`, `xmpp.hold-time`), route reflection
 * turning on or off (the first or last route-reflector client), an
 * instance's `id` (its automatic route target and RDs derive from it), and
 * graceful restart (every OPEN advertises it).
 *
 * Applied: a BGP peer or BGP-as-a-Service session added, removed, or
 * replaced when anything about it but its policies changed, including the
 * default timers it inherits (a replaced session is reset); a change of a
 * session's or an instance's import policies (the list or a definition)
 * runs the affected routes through import policy again from the attributes
 * as received, and a change of a session's export policies moves it to the
 * update group of its new policy, both without resetting a session; an
 * instance added,
 * removed, updated in place (targets, vn-index, export policies or their
 * definitions: its routes are re-exported and re-imported, no session
 * resets), or given new static routes; introspect and the log level.
 */

import type { PolicyTerm } from '../policy/types.js';
import type { BgpaasConfig } from './bgpaas.js';
import type { PeerConfig } from './bgp.js';
import type { IntrospectConfig } from './introspect.js';
import type { RoutingInstanceConfig } from './routing-instances.js';
import type { LogLevel } from './scalars.js';
import type { Config } from './schema.js';

/** A session of the BGP speaker: a configured peer, or a BGP-as-a-Service session of an instance. */
export type PeerRef =
  | { readonly kind: 'bgp'; readonly name: string; readonly peer: PeerConfig }
  | { readonly kind: 'bgpaas'; readonly name: string; readonly instance: RoutingInstanceConfig; readonly session: BgpaasConfig };

export interface ReloadPlan {
  /** Sessions to stop (removed, or replaced: then also in `addPeers`), by name. */
  readonly removePeers: readonly string[];
  /** Sessions to start (new, or replaced). */
  readonly addPeers: readonly PeerRef[];
  /** Names of the replaced sessions (in both lists above), for the log. */
  readonly replacedPeers: readonly string[];
  readonly removeInstances: readonly string[];
  readonly addInstances: readonly RoutingInstanceConfig[];
  /** Instances whose targets, vn-index or export policies changed: re-exported and re-imported in place. */
  readonly updateInstances: readonly RoutingInstanceConfig[];
  /** Instances whose import policies changed (the list or a definition): their routes run import policy again. */
  readonly reimportInstances: readonly string[];
  /** Sessions whose import policies changed: their routes run import policy again, the session stays up. */
  readonly reimportPeers: readonly string[];
  /** Sessions whose export policies changed: they move to the update group of the new policy, the session stays up. */
  readonly reexportPeers: readonly string[];
  /** Existing instances whose static routes changed. */
  readonly staticRoutes: readonly RoutingInstanceConfig[];
  /** The new introspect section, when it changed. */
  readonly introspect?: IntrospectConfig;
  /** Present when the `log-level` key changed (`level` undefined: back to the command line's). */
  readonly logLevel?: { readonly level: LogLevel | undefined };
  /** Nothing to do. */
  readonly empty: boolean;
}

export type ConfigDiff =
  | { readonly ok: true; readonly plan: ReloadPlan }
  | { readonly ok: false; readonly key: string; readonly message: string };

/** Compares the running config with a new one. */
export function diffConfig(old: Config, next: Config): ConfigDiff {
  const refusal = identityChange(old, next) ?? instanceRefusal(old, next);
  if (refusal) return { ok: false, ...refusal };
  const changedPolicies = policyChanges(old, next);
  const peers = peerChanges(old, next, changedPolicies);
  const inst = instanceChanges(old, next, changedPolicies);
  const introspect = same(old.introspect, next.introspect) ? undefined : next.introspect;
  const logLevel = old.logLevel === next.logLevel ? undefined : { level: next.logLevel };
  const plan: ReloadPlan = {
    ...peers,
    ...inst,
    ...(introspect && { introspect }),
    ...(logLevel && { logLevel }),
    empty:
      peers.removePeers.length + peers.addPeers.length + peers.reimportPeers.length + peers.reexportPeers.length +
        inst.removeInstances.length + inst.addInstances.length + inst.updateInstances.length + inst.staticRoutes.length +
        inst.reimportInstances.length === 0 && !introspect && !logLevel,
  };
  return { ok: true, plan };
}

type Refusal = { key: string; message: string };

const RESTART = 'takes a restart';

/** The node's identity and listeners: the first key that differs. */
function identityChange(old: Config, next: Config): Refusal | undefined {
  const keys: [string, unknown, unknown][] = [
    ['node.name', old.node.name, next.node.name],
    ['node.router-id', old.node.routerIdText, next.node.routerIdText],
    ['node.asn', old.node.asn, next.node.asn],
    ['node.cluster-id', old.node.clusterId, next.node.clusterId],
    ['bgp.listen', old.bgp.listen, next.bgp.listen],
    // Advertised in every OPEN and held by every session's timers: a restart.
    ['bgp.graceful-restart', old.bgp.gracefulRestart, next.bgp.gracefulRestart],
    ['xmpp.enabled', old.xmpp.enabled, next.xmpp.enabled],
    ['xmpp.listen', old.xmpp.listen, next.xmpp.listen],
    ['xmpp.hold-time', old.xmpp.holdTime, next.xmpp.holdTime],
    ['xmpp.graceful-restart', old.xmpp.gracefulRestart, next.xmpp.gracefulRestart],
  ];
  // Held by every agent session and its handshake: a restart (values not shown: they hold keys).
  for (const [key, a, b] of [['xmpp.tls', old.xmpp.tls, next.xmpp.tls], ['xmpp.max-routes-per-agent', old.xmpp.maxRoutesPerAgent, next.xmpp.maxRoutesPerAgent]] as const) {
    if (!same(a, b)) return { key, message: `${key} changed: agent sessions are set up with it, ${RESTART}` };
  }
  for (const [key, a, b] of keys) {
    if (!same(a, b)) return { key, message: `${key} changed (${show(a)} -> ${show(b)}): changing the node's identity or listeners ${RESTART}` };
  }
  if (reflects(old) !== reflects(next)) {
    return {
      key: 'bgp.peers',
      message: `route reflection would turn ${reflects(next) ? 'on' : 'off'} (the first or last route-reflector-client): ${RESTART}`,
    };
  }
  return undefined;
}

const reflects = (c: Config): boolean => c.bgp.peers.some((p) => p.routeReflectorClient) || c.node.clusterId !== undefined;

/** Instance changes that cannot be applied in place. */
function instanceRefusal(old: Config, next: Config): Refusal | undefined {
  const before = new Map(old.routingInstances.map((ri) => [ri.name, ri]));
  const changedPolicies = policyChanges(old, next);
  for (const [i, ri] of next.routingInstances.entries()) {
    const was = before.get(ri.name);
    if (!was) continue;
    const key = `routing-instances[${i}]`;
    if (was.id !== ri.id) {
      return {
        key: `${key}.id`,
        message:
          `${key}.id of ${ri.name} changed (${was.id} -> ${ri.id}): its automatic route target and RDs derive from it, ${RESTART} ` +
          `(ids default to the position in the list: give instances explicit ids to insert one before others)`,
      };
    }
  }
  void changedPolicies;
  return undefined;
}

/** Names of policies defined differently (or only on one side). */
function policyChanges(old: Config, next: Config): Set<string> {
  const before = new Map(old.routingPolicies.map((p) => [p.name, p.terms]));
  const after = new Map(next.routingPolicies.map((p) => [p.name, p.terms]));
  const out = new Set<string>();
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const a: readonly PolicyTerm[] | undefined = before.get(name);
    if (!same(a, after.get(name))) out.add(name);
  }
  return out;
}

/** Every session of the speaker with what it depends on, by name. */
interface SessionView {
  ref: PeerRef;
  /** Everything the session depends on but its policies: a change resets it. */
  effective: unknown;
  imports: readonly string[];
  exports: readonly string[];
}

function sessions(c: Config): Map<string, SessionView> {
  const out = new Map<string, SessionView>();
  const timers = { holdTime: c.bgp.holdTime, connectRetry: c.bgp.connectRetry };
  const withoutPolicies = (x: PeerConfig | BgpaasConfig): Record<string, unknown> => ({ ...x, importPolicies: undefined, exportPolicies: undefined });
  for (const p of c.bgp.peers) {
    out.set(p.name, {
      ref: { kind: 'bgp', name: p.name, peer: p },
      effective: { ...timers, ...withoutPolicies(p) },
      imports: p.importPolicies, exports: p.exportPolicies,
    });
  }
  for (const ri of c.routingInstances) {
    for (const b of ri.bgpaas) {
      out.set(b.name, {
        ref: { kind: 'bgpaas', name: b.name, instance: ri, session: b },
        effective: { ...timers, ...withoutPolicies(b), instance: ri.name },
        imports: b.importPolicies, exports: b.exportPolicies,
      });
    }
  }
  return out;
}

/** True when a chain of policy names changed: the list, or the definition of one in it. */
function chainChanged(was: readonly string[], now: readonly string[], changedPolicies: ReadonlySet<string>): boolean {
  return !same(was, now) || now.some((p) => changedPolicies.has(p));
}

function peerChanges(old: Config, next: Config, changedPolicies: ReadonlySet<string>) {
  const before = sessions(old);
  const after = sessions(next);
  const removePeers: string[] = [];
  const addPeers: PeerRef[] = [];
  const replacedPeers: string[] = [];
  const reimportPeers: string[] = [];
  const reexportPeers: string[] = [];
  for (const name of before.keys()) if (!after.has(name)) removePeers.push(name);
  for (const [name, s] of after) {
    const was = before.get(name);
    if (!was) {
      addPeers.push(s.ref);
    } else if (!same(was.effective, s.effective)) {
      removePeers.push(name);
      addPeers.push(s.ref);
      replacedPeers.push(name);
    } else {
      // A policy change alone leaves the session up: its routes run the new policy.
      if (chainChanged(was.imports, s.imports, changedPolicies)) reimportPeers.push(name);
      if (chainChanged(was.exports, s.exports, changedPolicies)) reexportPeers.push(name);
    }
  }
  return { removePeers, addPeers, replacedPeers, reimportPeers, reexportPeers };
}

function instanceChanges(old: Config, next: Config, changedPolicies: ReadonlySet<string>) {
  const before = new Map(old.routingInstances.map((ri) => [ri.name, ri]));
  const names = new Set(next.routingInstances.map((ri) => ri.name));
  const removeInstances = old.routingInstances.filter((ri) => !names.has(ri.name)).map((ri) => ri.name);
  const addInstances: RoutingInstanceConfig[] = [];
  const updateInstances: RoutingInstanceConfig[] = [];
  const staticRoutes: RoutingInstanceConfig[] = [];
  const reimportInstances: string[] = [];
  for (const ri of next.routingInstances) {
    const was = before.get(ri.name);
    if (!was) {
      addInstances.push(ri);
      continue;
    }
    if (chainChanged(was.importPolicies, ri.importPolicies, changedPolicies)) reimportInstances.push(ri.name);
    const retargeted =
      was.vnIndex !== ri.vnIndex || !same(was.importTargets, ri.importTargets) || !same(was.exportTargets, ri.exportTargets) ||
      !same(was.exportPolicies, ri.exportPolicies) || ri.exportPolicies.some((p) => changedPolicies.has(p));
    if (retargeted) updateInstances.push(ri);
    if (!same(was.staticRoutes, ri.staticRoutes)) staticRoutes.push(ri);
  }
  return { removeInstances, addInstances, updateInstances, staticRoutes, reimportInstances };
}

/** Structural equality of config values (plain data; bigints and key order handled). */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x).filter(([, y]) => y !== undefined).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)));
    }
    return x;
  }) ?? 'undefined';
}

function show(v: unknown): string {
  if (v === undefined) return 'unset';
  if (typeof v === 'object' && v !== null && 'address' in v && 'port' in v) return `${String(v.address)}:${String(v.port)}`;
  return String(v);
}
