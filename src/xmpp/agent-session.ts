/**
 * One vRouter agent's route channel (`bgp-peer`), without the socket:
 * subscriptions, publish/collection pairs into instance tables, and the
 * coalescing outbound queue of items and retracts toward the agent.
 *
 * shared/docs/contrail-control.md §2.2 (subscribe rules and the errors that
 * close the session), §2.3 (publish + collection), §2.7 (what is pushed:
 * one item per prefix carrying the whole ECMP set, retract when it goes).
 *
 * Outbound state is a set of dirty route keys per subscription: whatever
 * happens to a prefix between two flushes becomes one item (or retract)
 * built from the table's current state, so a slow agent costs memory
 * bounded by its table size and never holds up anyone else.
 */

import type { Logger } from 'pino';
import { prefixToString } from '../bgp/wire/index.js';
import type { Ipv4Prefix } from '../bgp/wire/types.js';
import type { RouteKey } from '../rib/nlri-key.js';
import { inetKey } from '../rib/nlri-key.js';
import type { Rib } from '../rib/rib.js';
import type { Path, PeerInfo } from '../rib/types.js';
import type { RoutingInstance } from '../routing-instances/instance.js';
import type { InstanceManager } from '../routing-instances/manager.js';
import { agentPath } from './agent-routes.js';
import type { ItemCache } from './item-cache.js';
import {
  endOfRibMessage,
  pairCollection,
  parseUpdateItems,
  MAX_ITEMS_PER_MESSAGE,
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
  /** The shared item renderer of an instance, taken while subscribed. */
  readonly items: {
    acquire(inst: RoutingInstance): ItemCache;
    release(inst: RoutingInstance): void;
  };
}

/** What the session needs from its transport. */
export interface AgentTransport {
  /** Write text or bytes; false = the socket is congested, wait for resume(). */
  write(data: string | Uint8Array): boolean;
  /** Write several buffers as one gathered write (no copy); false as for write(). */
  writev(parts: readonly Uint8Array[]): boolean;
  /** A protocol error: close this session (only). */
  fail(reason: string): void;
  /** There is outbound work: call flush() soon. */
  wake(): void;
}

interface Subscription {
  readonly name: string;
  readonly instanceId: number | undefined;
  readonly noRibOut: boolean;
  inst: RoutingInstance | undefined;
  /** This agent's paths in the instance: route key → source RD. */
  readonly routes: Map<RouteKey, bigint | undefined>;
  /** Routes published while the instance does not exist yet. */
  readonly queued: Map<RouteKey, AgentInetRoute | null>;
  readonly sent: Set<RouteKey>;
  readonly dirty: Set<RouteKey>;
  cache?: ItemCache;
  detach?: () => void;
}

export interface AgentStats {
  subscribes: number;
  published: number;
  withdrawn: number;
  dropped: Map<string, number>;
  itemsSent: number;
  retractsSent: number;
  messagesSent: number;
}

/** Items per flush pass, over all subscriptions: keeps one agent from hogging the event loop. */
const FLUSH_BUDGET = 1024;

export class AgentSession {
  readonly subs = new Map<string, Subscription>();
  readonly stats: AgentStats = {
    subscribes: 0, published: 0, withdrawn: 0, dropped: new Map(), itemsSent: 0, retractsSent: 0, messagesSent: 0,
  };
  private parked: PublishRequest | undefined;
  private stamp = 0;
  private eorSent = false;
  private closed = false;

  constructor(
    readonly info: PeerInfo,
    private readonly deps: AgentSessionDeps,
    private readonly out: AgentTransport,
  ) {}

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
        if (paired.kind === 'unpaired') this.drop('unpaired-collection', paired.why);
        return;
      }
      case 'ignored':
        return;
    }
  }

  private subscribe(name: string, instanceId: number | undefined, noRibOut: boolean): void {
    if (this.subs.has(name)) return this.out.fail(`duplicate subscribe to ${name}`);
    const sub: Subscription = {
      name, instanceId, noRibOut, inst: undefined, routes: new Map(), queued: new Map(), sent: new Set(), dirty: new Set(),
    };
    this.subs.set(name, sub);
    this.stats.subscribes++;
    const inst = this.deps.manager.get(name);
    if (inst) this.attach(sub, inst);
    else this.deps.logger.info({ agent: this.name, instance: name }, 'subscription to an unknown instance kept pending');
  }

  /** Bind a subscription to its (now existing) instance: membership, table watch, initial dump. */
  private attach(sub: Subscription, inst: RoutingInstance): void {
    sub.inst = inst;
    this.deps.manager.subscribe(inst);
    if (!sub.noRibOut) {
      sub.cache = this.deps.items.acquire(inst);
      sub.detach = inst.table.subscribe((key) => {
        sub.dirty.add(key);
        this.out.wake();
      });
      for (const [key] of inst.table.entries()) sub.dirty.add(key);
      this.out.wake();
    }
    for (const [key, r] of sub.queued) this.apply(sub, key, r);
    sub.queued.clear();
  }

  private unsubscribe(name: string): void {
    const sub = this.subs.get(name);
    if (!sub) return this.out.fail(`spurious unsubscribe from ${name}`);
    this.release(sub);
    this.subs.delete(name);
  }

  /** Remove the agent's paths and stop watching; no retracts go to this agent (§2.2). */
  private release(sub: Subscription): void {
    sub.detach?.();
    sub.detach = undefined;
    const inst = sub.inst;
    if (!inst) return;
    if (sub.cache) this.deps.items.release(inst);
    sub.cache = undefined;
    for (const [key, rd] of sub.routes) this.removePath(inst, key, rd);
    sub.routes.clear();
    this.deps.manager.unsubscribe(inst);
  }

  private update(u: Extract<ReturnType<typeof pairCollection>, { kind: 'update' }>): void {
    const sub = this.subs.get(u.instance);
    if (!sub) return this.out.fail(`publish to ${u.instance} without a subscription`);
    const master = sub.inst?.master ?? false;
    if (sub.instanceId === undefined && !master) {
      return this.out.fail(`publish to ${u.instance}, subscribed without instance-id`);
    }
    const parsed = parseUpdateItems(u);
    if (parsed.kind !== 'inet') return this.drop('unsupported-family', u.node);
    for (const r of parsed.results) {
      if (!r.ok) {
        this.drop(r.reason, r.detail);
        continue;
      }
      const key = inetKey(r.route.prefix);
      if (u.withdraw) this.stats.withdrawn++;
      else this.stats.published++;
      if (sub.inst) this.apply(sub, key, u.withdraw ? null : r.route);
      else sub.queued.set(key, u.withdraw ? null : r.route);
    }
  }

  /** Add, replace (route) or delete (null) this agent's path for one prefix. */
  private apply(sub: Subscription, key: RouteKey, r: AgentInetRoute | null): void {
    const inst = sub.inst!;
    const had = sub.routes.has(key);
    const oldRd = sub.routes.get(key);
    if (r === null) {
      if (had) this.removePath(inst, key, oldRd);
      sub.routes.delete(key);
      return;
    }
    const ap = agentPath(r, { asn: this.deps.asn, master: inst.master, instanceId: sub.instanceId ?? 0 });
    // A new next hop means a new RD: the old path is a different path, remove it.
    if (had && oldRd !== ap.rd) this.removePath(inst, key, oldRd);
    const path: Path = {
      peer: this.info, attrs: this.deps.rib.store.intern(ap.attrs), labels: ap.labels, rd: ap.rd,
      stamp: ++this.stamp, infeasible: ap.noTunnelEncap ? 'no-tunnel-encap' : undefined,
    };
    const replaced = inst.table.upsert(r.prefix as Ipv4Prefix, path);
    if (replaced) this.deps.rib.store.release(replaced.attrs);
    sub.routes.set(key, ap.rd);
  }

  private removePath(inst: RoutingInstance, key: RouteKey, rd: bigint | undefined): void {
    const gone = inst.table.removeByKey(key, this.info, rd);
    if (gone) this.deps.rib.store.release(gone.attrs);
  }

  private drop(reason: string, detail: string): void {
    this.stats.dropped.set(reason, (this.stats.dropped.get(reason) ?? 0) + 1);
    this.deps.logger.warn({ agent: this.name, reason, detail }, 'agent item dropped');
  }

  /** Push queued changes; returns true when work is left (budget used or socket congested). */
  flush(): boolean {
    let budget = FLUSH_BUDGET;
    for (const sub of this.subs.values()) {
      if (sub.dirty.size === 0 || !sub.cache) continue;
      const items: Buffer[] = [];
      const retracts: string[] = [];
      for (const key of sub.dirty) {
        if (budget-- <= 0) break;
        sub.dirty.delete(key);
        const item = sub.cache.render(key);
        if (item) {
          items.push(item);
          sub.sent.add(key);
        } else if (sub.sent.delete(key)) {
          retracts.push(prefixToString({ addr: Math.floor(Number(key) / 64), len: Number(key) % 64 }));
        }
      }
      if (!this.send(sub.name, items, retracts)) return true;
      if (budget <= 0) return true;
    }
    if (!this.eorSent && this.subs.size > 0 && [...this.subs.values()].every((s) => s.dirty.size === 0)) {
      this.eorSent = true;
      this.out.write(endOfRibMessage({ agent: this.name }));
    }
    return false;
  }

  /** One write: retract messages, then item messages (≤ 32 items each) assembled from pre-encoded items. */
  private send(instance: string, items: Buffer[], retracts: string[]): boolean {
    const parts: Buffer[] = [];
    let messages = 0;
    for (const m of retractMessage({ agent: this.name, instance, prefixes: retracts })) {
      parts.push(Buffer.from(m, 'utf8'));
      messages++;
    }
    if (items.length > 0) {
      const env = routeEnvelope({ agent: this.name, instance });
      const head = Buffer.from(env.head, 'utf8');
      const tail = Buffer.from(env.tail, 'utf8');
      for (let i = 0; i < items.length; i += MAX_ITEMS_PER_MESSAGE) {
        parts.push(head);
        for (let j = i; j < Math.min(i + MAX_ITEMS_PER_MESSAGE, items.length); j++) parts.push(items[j]!);
        parts.push(tail);
        messages++;
      }
    }
    if (messages === 0) return true;
    this.stats.itemsSent += items.length;
    this.stats.retractsSent += retracts.length;
    this.stats.messagesSent += messages;
    return this.out.writev(parts);
  }

  /** The session ended (any reason): every path the agent published goes, everywhere. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) this.release(sub);
    this.subs.clear();
  }

  get routeCount(): number {
    let n = 0;
    for (const s of this.subs.values()) n += s.routes.size;
    return n;
  }
}
