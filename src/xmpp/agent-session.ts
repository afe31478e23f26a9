/**
 * One vRouter agent's route channel (`bgp-peer`), without the socket:
 * subscriptions, publish/collection pairs into instance tables, and the
 * coalescing outbound queue of items and retracts toward the agent.
 *
 * shared/docs/contrail-control.md §2.2 (subscribe rules and the errors that
 * close the session), §2.3 (publish + collection), §2.7 (what is pushed:
 * one item per prefix carrying the whole ECMP set, retract when it goes).
 *
 * A subscription covers every table of the instance an agent can use
 * (`<ri>.inet.0` for `1/1` items, `<ri>.inet6.0` for `2/1`); its state is
 * kept per table. Outbound state is a set of dirty route keys per table:
 * whatever happens to a prefix between two flushes becomes one item (or
 * retract) built from the table's current state, so a slow agent costs
 * memory bounded by its table size and never holds up anyone else. Agents
 * of a table in the same state share that set and each batch's bytes
 * (TableOut, out-groups.ts); this session writes them in its envelope.
 *
 * End-of-RIB goes to the agent once its subscriptions have settled (§2.7;
 * tf-controller bgp_xmpp_channel.cc `EndOfRibTimerExpired`): the channel
 * asks `settle()` every second whether no subscribe came for the quiet
 * period (6 s), or the session is older than the maximum (300 s); the
 * marker then follows the flush of everything queued. Publishes of
 * families this implementation does not carry (EVPN, multicast, MVPN,
 * labelled inet) are counted per family and logged once per family.
 */

import type { Logger } from 'pino';
import { FAMILIES, nlriToString, VRF_FAMILIES } from '../bgp/wire/index.js';
import type { FamilyName } from '../bgp/wire/types.js';
import type { RouteKey } from '../rib/nlri-key.js';
import type { Rib } from '../rib/rib.js';
import type { Table } from '../rib/table.js';
import type { PeerInfo } from '../rib/types.js';
import type { RoutingInstance } from '../routing-instances/instance.js';
import type { InstanceManager } from '../routing-instances/manager.js';
import type { AttrSet } from '../rib/attr-store.js';
import { agentPath, detachedItem, ownString, sameAgentAttrs, type AgentPath } from './agent-routes.js';
import type { KeptAgent } from './graceful-restart.js';
import type { ItemCache } from './item-cache.js';
import { batchChunks, NO_ITEMS, type ItemBodies } from './out-batch.js';
import type { OutMember } from './out-groups.js';
import {
  endOfRibMessage,
  pairCollection,
  parseUpdateItems,
  retractMessage,
  routeEnvelope,
  type AgentInetRoute,
  type AgentRequest,
  type PublishRequest,
} from './wire/index.js';

export interface AgentSessionDeps {
  readonly rib: Rib;
  readonly manager: InstanceManager;
  readonly asn: number;
  readonly logger: Logger;
  /** Told of every item of an unsupported family (server-wide counters). */
  readonly unsupported?: (family: string, items: number) => void;
  /** xmpp.max-routes-per-agent: an agent publishing more routes than this is closed (only it). */
  readonly maxRoutes?: number;
  /** The shared item renderer of an instance, taken while subscribed. */
  readonly items: {
    acquire(inst: RoutingInstance, table: Table): ItemCache;
    release(table: Table): void;
  };
}

/** What the session needs from its transport. */
export interface AgentTransport {
  /** Write text or bytes (a list: these, in order, in one write); false = the socket is congested, wait for resume(). */
  write(data: string | Uint8Array | readonly Uint8Array[]): boolean;
  /** A protocol error: close this session (only). */
  fail(reason: string): void;
  /** A request this control node refuses to serve: close this session (only), with the reason. */
  refuse(reason: string): void;
  /** There is outbound work: call flush() soon. */
  wake(): void;
  /**
   * A write was pushed back and the socket has not drained yet. Without it,
   * a transport counts as congested from a write it pushed back until the
   * session's next flush.
   */
  congested?(): boolean;
  /** The agent sent its End-of-RIB (the empty publish + collection pair). */
  endOfRib?(): void;
}

/** A subscription's state for one table of its instance (one family). */
interface TableState {
  readonly family: FamilyName;
  /** XMPP AFI of the family's items (1 inet, 2 inet6). */
  readonly afi: number;
  table: Table | undefined;
  /** This agent's paths in the table: route key → source RD. */
  readonly routes: Map<RouteKey, bigint | undefined>;
  /** Routes published while the instance does not exist yet. */
  readonly queued: Map<RouteKey, AgentInetRoute | null>;
  /** This subscription in the table's outbound queue (shared with agents in the same state), while the cache is held. */
  member?: OutMember;
  cache?: ItemCache;
}

interface Subscription {
  readonly name: string;
  readonly instanceId: number | undefined;
  readonly noRibOut: boolean;
  inst: RoutingInstance | undefined;
  /** Per family the agent can publish and receive (inet, inet6). */
  readonly tables: Map<FamilyName, TableState>;
}

const newTableState = (family: FamilyName): TableState => ({
  family, afi: FAMILIES[family].afi, table: undefined, routes: new Map(), queued: new Map(),
});

export interface AgentStats {
  subscribes: number;
  published: number;
  withdrawn: number;
  dropped: Map<string, number>;
  /** Items of families not carried here, by `afi/safi` (e.g. `25/242` for EVPN). */
  unsupported: Map<string, number>;
  itemsSent: number;
  retractsSent: number;
  messagesSent: number;
}

/**
 * Items per flush pass, over all subscriptions: one agent's turn in the
 * FlushScheduler (about a millisecond of copying), so no agent holds the loop.
 */
const FLUSH_BUDGET = 256;

export class AgentSession {
  readonly subs = new Map<string, Subscription>();
  readonly stats: AgentStats = {
    subscribes: 0, published: 0, withdrawn: 0, dropped: new Map(), unsupported: new Map(),
    itemsSent: 0, retractsSent: 0, messagesSent: 0,
  };
  private parked: PublishRequest | undefined;
  /** Encoded item-message envelopes by `<afi>/<instance>` (the bytes around the items). */
  private readonly envelopes = new Map<string, { head: Buffer; tail: Buffer }>();
  private eorSent = false;
  /** Subscriptions have settled: End-of-RIB goes after the next complete flush. */
  private eorDue = false;
  private readonly startedAt: number;
  private lastSubscribeAt: number;
  private closed = false;
  /** The last write was pushed back (and no flush since): for a transport that cannot tell when it drains. */
  private blocked = false;
  /** The last item's path attributes, interned (a reference held): the next item with the same ones reuses them. */
  private lastPath: { route: AgentInetRoute; master: boolean; instanceId: number; path: AgentPath; set: AttrSet } | undefined;

  constructor(
    readonly info: PeerInfo,
    private readonly deps: AgentSessionDeps,
    private readonly out: AgentTransport,
    now: number = Date.now(),
  ) {
    this.startedAt = now;
    this.lastSubscribeAt = now;
  }

  /** End-of-RIB has been sent to the agent. */
  get endOfRibSent(): boolean {
    return this.eorSent;
  }

  /**
   * Called periodically: true once no subscribe has come for `quietMs`, or
   * the session is `maxMs` old (then the End-of-RIB is due and a flush is
   * requested). False before, and after the marker is due or sent.
   */
  settle(now: number, o: { quietMs: number; maxMs: number }): boolean {
    if (this.eorDue || this.eorSent || this.closed) return false;
    if (now - this.lastSubscribeAt < o.quietMs && now - this.startedAt < o.maxMs) return false;
    this.eorDue = true;
    this.out.wake();
    return true;
  }

  get name(): string {
    return this.info.name;
  }

  handle(req: AgentRequest): void {
    if (this.closed) return;
    switch (req.kind) {
      case 'subscribe':
        return this.subscribe(req.instance, req.instanceId, req.noRibOut);
      case 'unsubscribe':
        return this.unsubscribe(req.instance);
      case 'publish':
        this.parked = req;
        return;
      case 'collection': {
        const paired = pairCollection(this.parked, req);
        this.parked = undefined;
        if (paired.kind === 'update') return this.update(paired);
        if (paired.kind === 'end-of-rib') return this.out.endOfRib?.();
        if (paired.kind === 'unpaired') this.drop('unpaired-collection', paired.why);
        return;
      }
      case 'config':
        return this.out.refuse(
          `config channel not served (${req.action} ${req.node}): the agent must take its configuration from another control node`,
        );
      case 'ignored':
        return;
    }
  }

  private subscribe(requested: string, instanceId: number | undefined, noRibOut: boolean): void {
    if (this.subs.has(requested)) return this.out.fail(`duplicate subscribe to ${requested}`);
    const name = ownString(requested); // kept for the session's life: not a slice of the received text
    const sub: Subscription = {
      name, instanceId, noRibOut, inst: undefined, tables: new Map(VRF_FAMILIES.map((f) => [f, newTableState(f)])),
    };
    this.subs.set(name, sub);
    this.stats.subscribes++;
    this.lastSubscribeAt = Date.now();
    const inst = this.deps.manager.get(name);
    if (inst) this.attach(sub, inst);
    else this.deps.logger.info({ agent: this.name, instance: name }, 'subscription to an unknown instance kept pending');
  }

  /** Bind a subscription to its (now existing) instance: membership, table watch, initial dump. */
  private attach(sub: Subscription, inst: RoutingInstance): void {
    sub.inst = inst;
    this.deps.manager.subscribe(inst);
    for (const ts of sub.tables.values()) {
      const table = inst.table(ts.family)!;
      ts.table = table;
      if (!sub.noRibOut) {
        ts.cache = this.deps.items.acquire(inst, table);
        ts.member = this.member(sub.name, ts.afi);
        ts.cache.out.join(ts.member);
      }
      for (const [key, r] of ts.queued) this.apply(sub, ts, key, r);
      ts.queued.clear();
    }
  }

  /**
   * Config reload, instances added: a subscription kept pending because its
   * instance did not exist attaches now (membership, initial dump, the
   * routes the agent published meanwhile).
   */
  attachPending(): void {
    if (this.closed) return;
    for (const sub of this.subs.values()) {
      if (sub.inst) continue;
      const inst = this.deps.manager.get(sub.name);
      if (inst) this.attach(sub, inst);
    }
  }

  /**
   * Config reload, an instance removed: the agent is sent retracts for what
   * it was sent, its paths there are withdrawn, and the subscription is kept
   * pending, as Contrail does: it attaches again if the instance comes back
   * (routes the agent publishes meanwhile are queued; those it had published
   * before are gone and must be published again).
   */
  detachInstance(name: string): void {
    const sub = this.subs.get(name);
    if (!sub?.inst || this.closed) return;
    for (const ts of sub.tables.values()) {
      if (!ts.cache) continue;
      const fromKey = FAMILIES[ts.family].fromKey!;
      const own = ts.cache.out.own(ts.member!);
      this.deliver(sub.name, ts.afi, [...own.sent].map((k) => nlriToString(fromKey(k))), NO_ITEMS);
      own.sent.clear();
      own.dirty.clear();
    }
    this.release(sub);
    sub.inst = undefined;
    for (const ts of sub.tables.values()) ts.table = undefined;
  }

  /** Config reload, instances changed: every item the agent has is rendered and compared again. */
  resync(): void {
    for (const sub of this.subs.values()) {
      for (const ts of sub.tables.values()) {
        if (!ts.table || !ts.cache) continue;
        const own = ts.cache.out.own(ts.member!);
        ts.table.forEachLive((d) => own.dirty.add(d.key));
        for (const key of own.sent) own.dirty.add(key);
      }
    }
    this.out.wake();
  }

  private unsubscribe(name: string): void {
    const sub = this.subs.get(name);
    if (!sub) return this.out.fail(`spurious unsubscribe from ${name}`);
    this.release(sub);
    this.subs.delete(name);
  }

  /** Remove the agent's paths and stop watching; no retracts go to this agent (§2.2). */
  private release(sub: Subscription): void {
    for (const ts of sub.tables.values()) {
      this.dropCache(ts);
      if (!ts.table) continue;
      for (const [key, rd] of ts.routes) this.deps.rib.withdrawByKey(ts.table, key, this.info, rd);
      ts.routes.clear();
    }
    if (sub.inst) this.deps.manager.unsubscribe(sub.inst);
  }

  private update(u: Extract<ReturnType<typeof pairCollection>, { kind: 'update' }>): void {
    const sub = this.subs.get(u.instance);
    if (!sub) return this.out.fail(`publish to ${u.instance} without a subscription`);
    const master = sub.inst?.master ?? false;
    if (sub.instanceId === undefined && !master) {
      return this.out.fail(`publish to ${u.instance}, subscribed without instance-id`);
    }
    const parsed = parseUpdateItems(u);
    if (parsed.kind !== 'inet') {
      const family = parsed.node ? `${parsed.node.afi}/${parsed.node.safi}` : 'unknown';
      return this.unsupportedFamily(family, Math.max(1, u.items.length));
    }
    for (const r of parsed.results) {
      if (!r.ok) {
        if (r.reason === 'unsupported-family') this.unsupportedFamily(r.family ?? `${parsed.node.afi}/${parsed.node.safi}`, 1);
        else this.drop(r.reason, r.detail);
        continue;
      }
      const ts = sub.tables.get(r.route.prefix.family)!;
      const key = FAMILIES[ts.family].key(r.route.prefix as never);
      if (!u.withdraw && this.overLimit(ts, key)) return;
      if (u.withdraw) this.stats.withdrawn++;
      else this.stats.published++;
      if (sub.inst) this.apply(sub, ts, key, u.withdraw ? null : r.route);
      else ts.queued.set(key, u.withdraw ? null : r.route);
    }
  }

  /** Add, replace (route) or delete (null) this agent's path for one prefix, through the RIB's one way in. */
  private apply(sub: Subscription, ts: TableState, key: RouteKey, r: AgentInetRoute | null): void {
    const inst = sub.inst!;
    const table = ts.table!;
    const had = ts.routes.has(key);
    const oldRd = ts.routes.get(key);
    if (r === null) {
      if (had) this.deps.rib.withdrawByKey(table, key, this.info, oldRd);
      ts.routes.delete(key);
      return;
    }
    const { path: ap, set } = this.pathFor(r, inst.master, sub.instanceId ?? 0);
    // A new next hop means a new RD: the old path is a different path, remove it.
    if (had && oldRd !== ap.rd) this.deps.rib.withdrawByKey(table, key, this.info, oldRd);
    this.deps.rib.addPaths(table, this.info, set, [r.prefix], {
      labels: r.nextHop.label, rd: ap.rd, infeasible: ap.noTunnelEncap ? 'no-tunnel-encap' : undefined,
    });
    ts.routes.set(key, ap.rd);
  }

  /** agentPath of the item, its attributes interned; reused while items come with the same attributes. */
  private pathFor(r: AgentInetRoute, master: boolean, instanceId: number): { path: AgentPath; set: AttrSet } {
    const last = this.lastPath;
    if (last && last.master === master && last.instanceId === instanceId && sameAgentAttrs(last.route, r)) return last;
    const path = agentPath(r, { asn: this.deps.asn, master, instanceId });
    const set = this.deps.rib.store.intern(path.attrs);
    this.dropLastPath();
    this.lastPath = { route: detachedItem(r), master, instanceId, path, set };
    return this.lastPath;
  }

  private dropLastPath(): void {
    if (this.lastPath) this.deps.rib.store.release(this.lastPath.set);
    this.lastPath = undefined;
  }

  /**
   * A new route past xmpp.max-routes-per-agent closes this session (its
   * routes go with it); replacing a route the agent already has never does.
   */
  private overLimit(ts: TableState, key: RouteKey): boolean {
    const max = this.deps.maxRoutes;
    if (max === undefined || ts.routes.has(key) || ts.queued.get(key)) return false;
    let held = 0;
    for (const s of this.subs.values()) {
      for (const t of s.tables.values()) held += t.routes.size + t.queued.size; // queued: for an instance not there yet
    }
    if (held < max) return false;
    this.out.refuse(`route limit: more than ${max} routes (xmpp.max-routes-per-agent)`);
    return true;
  }

  /** Counted per family; logged at info the first time an agent sends the family (not per item). */
  private unsupportedFamily(family: string, items: number): void {
    const before = this.stats.unsupported.get(family) ?? 0;
    this.stats.unsupported.set(family, before + items);
    this.deps.unsupported?.(family, items);
    if (before === 0) {
      this.deps.logger.info({ agent: this.name, family }, 'agent publishes a family this control node does not carry; its items are counted and ignored');
    }
  }

  private drop(reason: string, detail: string): void {
    this.stats.dropped.set(reason, (this.stats.dropped.get(reason) ?? 0) + 1);
    this.deps.logger.warn({ agent: this.name, reason, detail }, 'agent item dropped');
  }

  /**
   * Push queued changes; returns true when work is left (budget used or
   * socket congested). `wide`: no input is waiting, so a turn may write a
   * whole budget to each agent of a group (TableOut.flush).
   */
  flush(wide = false): boolean {
    this.blocked = false; // the channel flushes only a transport that takes writes
    let budget = FLUSH_BUDGET;
    for (const sub of this.subs.values()) {
      for (const ts of sub.tables.values()) {
        if (!ts.cache) continue;
        const r = ts.cache.out.flush(ts.member!, budget, wide);
        budget -= r.used;
        if (!r.ok || budget <= 0 || r.left > 0) return true;
      }
    }
    if (this.eorDue && !this.eorSent && [...this.subs.values()].every((s) => [...s.tables.values()].every((t) => !t.cache || t.cache.out.pending(t.member!) === 0))) {
      this.eorSent = true;
      this.out.write(endOfRibMessage({ agent: this.name }));
    }
    return false;
  }

  /** This session as a member of a table's outbound queue: batches come in its envelope for the instance. */
  private member(instance: string, afi: number): OutMember {
    return {
      blocked: () => this.out.congested?.() ?? this.blocked,
      wake: () => this.out.wake(),
      deliver: (retracts, items) => this.deliver(instance, afi, retracts, items),
    };
  }

  /** One write: retract messages, then item messages (≤ 32 items each), the items' bytes shared with the group. */
  private deliver(instance: string, afi: number, retracts: readonly string[], items: ItemBodies): boolean {
    const pre = retracts.length === 0 ? [] : retractMessage({ agent: this.name, instance, prefixes: retracts, afi }).map((m) => Buffer.from(m, 'utf8'));
    const messages = pre.length + items.bodies.length;
    if (messages === 0) return true;
    const out = batchChunks(pre, items, items.count > 0 ? this.envelope(instance, afi) : undefined);
    this.stats.itemsSent += items.count;
    this.stats.retractsSent += retracts.length;
    this.stats.messagesSent += messages;
    const ok = this.out.write(out);
    if (!ok) this.blocked = true;
    return ok;
  }

  /** The item message envelope toward this agent for one table, encoded once. */
  private envelope(instance: string, afi: number): { head: Buffer; tail: Buffer } {
    const key = `${afi}/${instance}`;
    let e = this.envelopes.get(key);
    if (!e) {
      const env = routeEnvelope({ agent: this.name, instance, afi });
      e = { head: Buffer.from(env.head, 'utf8'), tail: Buffer.from(env.tail, 'utf8') };
      this.envelopes.set(key, e);
    }
    return e;
  }

  /** Leave the table's outbound queue and give the shared renderer back. */
  private dropCache(ts: TableState): void {
    if (ts.cache && ts.table) {
      ts.cache.out.leave(ts.member!);
      this.deps.items.release(ts.table);
    }
    ts.cache = undefined;
    ts.member = undefined;
  }

  /**
   * The session ended: every path the agent published goes, everywhere —
   * unless `keep` (graceful restart): then its paths and subscriptions stay,
   * and what it left is returned for the next session to inherit.
   */
  close(keep = false): KeptAgent | undefined {
    if (this.closed) return undefined;
    this.closed = true;
    this.dropLastPath();
    if (!keep) {
      for (const sub of this.subs.values()) this.release(sub);
      this.subs.clear();
      return undefined;
    }
    const tables: Table[] = [];
    const instances: RoutingInstance[] = [];
    for (const sub of this.subs.values()) {
      for (const ts of sub.tables.values()) {
        this.dropCache(ts);
        if (ts.table && ts.routes.size > 0) tables.push(ts.table);
        ts.routes.clear();
      }
      if (sub.inst) instances.push(sub.inst);
    }
    this.subs.clear();
    return { info: this.info, tables, instances };
  }

  get routeCount(): number {
    let n = 0;
    for (const s of this.subs.values()) for (const t of s.tables.values()) n += t.routes.size;
    return n;
  }
}
