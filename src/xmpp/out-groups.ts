/**
 * The outbound queue of one instance table toward its subscribed agents,
 * shared by the agents that are in the same state: in the spirit of
 * Contrail's RibOut (one update queue per table, peers with the same
 * position served together), agents whose dirty keys and sent keys are
 * the same form a group with ONE dirty set and ONE sent set. A table
 * change marks a key dirty once per group, not once per agent; a flush
 * takes one batch of the group's dirty keys, renders it once (the items'
 * bytes, see out-batch.ts) and writes it to every member, each in its own
 * envelope. What each agent receives is what it would receive alone: the
 * same coalescing (whatever happens to a prefix between two flushes is one
 * item built from the table's current state, or one retract of what it was
 * sent), the same item bytes.
 *
 * Groups form and dissolve:
 * - join: a new subscriber's state is "every key of the table dirty, none
 *   sent"; it joins a group in that state (nothing sent, every key of the
 *   table dirty; its dump then comes in the group's order), else starts one.
 * - split: a member whose transport pushed back cannot take a batch now; it
 *   goes on alone with copies of the group's sets, and catches up at its
 *   own pace, so a slow agent never holds up anyone else.
 * - merge: two groups with nothing dirty have the same sent keys (every key
 *   of the table that has an item now: each was flushed after its last
 *   change), so the group that has just emptied joins another empty one.
 *
 * Layer L3 (src/xmpp); no sockets: members write through their session.
 */

import { FAMILIES, nlriToString } from '../bgp/wire/index.js';
import type { RouteKey } from '../rib/nlri-key.js';
import type { Table } from '../rib/table.js';
import { itemBodies, type ItemBodies, type RenderedItem } from './out-batch.js';

/** One agent's subscription to the table, as the groups see it. */
export interface OutMember {
  /** Its last write was pushed back: it takes no shared batch until its own flush runs again. */
  blocked(): boolean;
  /** There is outbound work: ask for a flush turn. */
  wake(): void;
  /** Write one batch in this agent's envelopes (retracts, then the items' messages); false when congested. */
  deliver(retracts: readonly string[], items: ItemBodies): boolean;
}

/** Agents of one table in the same outbound state. */
export interface OutGroup {
  readonly dirty: Set<RouteKey>;
  readonly sent: Set<RouteKey>;
  readonly members: OutMember[];
}

/** The result of one flush of a member's group. */
export interface OutFlush {
  /** Keys taken from the dirty set, times the members written to. */
  readonly used: number;
  /** The flushing member's own write was taken (false: it is congested now). */
  readonly ok: boolean;
  /** Keys still dirty for the group. */
  readonly left: number;
}

/**
 * Keys per batch at least while the budget is shared by the members: a
 * write of two messages or more per agent (smaller writes cost more per
 * byte in the kernel: 25-item writes to ten agents made the output phase
 * of the agents bench 1.27 s of CPU, 64-item ones 0.99 s).
 */
const MIN_KEYS = 64;

export class TableOut {
  private readonly groups = new Set<OutGroup>();
  private readonly groupOf = new Map<OutMember, OutGroup>();
  private readonly fromKey: (key: RouteKey) => Parameters<typeof nlriToString>[0];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly table: Table,
    private readonly render: (key: RouteKey) => RenderedItem | undefined,
  ) {
    this.fromKey = FAMILIES[table.family.name].fromKey! as (key: RouteKey) => Parameters<typeof nlriToString>[0];
    this.unsubscribe = table.subscribe((key) => this.changed(key));
  }

  /** Groups on the table (introspection and tests). */
  get groupCount(): number {
    return this.groups.size;
  }

  private changed(key: RouteKey): void {
    for (const g of this.groups) {
      // A non-empty dirty set has its flushes coming already (queued, or on a socket's drain).
      if (g.dirty.size === 0) for (const m of g.members) m.wake();
      g.dirty.add(key);
    }
  }

  /** A new subscriber: every key of the table is dirty for it, nothing is sent. */
  join(m: OutMember): void {
    let g: OutGroup | undefined;
    for (const h of this.groups) {
      if (h.sent.size === 0 && this.coversTable(h.dirty)) {
        g = h;
        break;
      }
    }
    if (!g) {
      g = { dirty: new Set(), sent: new Set(), members: [] };
      const dirty = g.dirty;
      this.table.forEachLive((d) => dirty.add(d.key));
      this.groups.add(g);
    }
    g.members.push(m);
    this.groupOf.set(m, g);
    m.wake();
  }

  private coversTable(dirty: Set<RouteKey>): boolean {
    if (dirty.size < this.table.size) return false;
    let missing = 0;
    this.table.forEachLive((d) => {
      if (missing === 0 && !dirty.has(d.key)) missing++;
    });
    return missing === 0;
  }

  /** The subscriber is gone (unsubscribed, detached or closed). */
  leave(m: OutMember): void {
    const g = this.groupOf.get(m);
    if (!g) return;
    this.groupOf.delete(m);
    g.members.splice(g.members.indexOf(m), 1);
    if (g.members.length === 0) this.groups.delete(g);
  }

  /** Keys dirty for the member (0: everything it should have, it has been sent). */
  pending(m: OutMember): number {
    return this.groupOf.get(m)?.dirty.size ?? 0;
  }

  /** The member's group with the member alone in it (split off if shared), for changes of its own state. */
  own(m: OutMember): OutGroup {
    const g = this.groupOf.get(m)!;
    return g.members.length === 1 ? g : this.split(m, g);
  }

  private split(m: OutMember, g: OutGroup): OutGroup {
    g.members.splice(g.members.indexOf(m), 1);
    const alone: OutGroup = { dirty: new Set(g.dirty), sent: new Set(g.sent), members: [m] };
    this.groups.add(alone);
    this.groupOf.set(m, alone);
    return alone;
  }

  /**
   * One batch of the member's group, rendered once and written to every
   * member that can take it now; members pushed back are split off first
   * with the state they had (the batch stays theirs to be sent). `budget`
   * counts items written, over all members, so that a turn costs about
   * what one agent's turn costs alone while input waits: a group's flush
   * taking a whole agent's budget of keys for each of ten agents then
   * starved the agents' input (gateway full 4.1 -> 6-8 s). `wide` (no
   * input waiting) counts keys: each member gets up to a whole budget,
   * in fewer, larger writes.
   */
  flush(m: OutMember, budget: number, wide = false): OutFlush {
    const g = this.groupOf.get(m)!;
    if (g.dirty.size === 0) return { used: 0, ok: true, left: 0 };
    for (let i = g.members.length - 1; i >= 0; i--) {
      const o = g.members[i]!;
      if (o !== m && o.blocked()) this.split(o, g);
    }
    const items: RenderedItem[] = [];
    const retracts: string[] = [];
    const keys = wide ? budget : Math.max(MIN_KEYS, Math.floor(budget / g.members.length));
    let used = 0;
    for (const key of g.dirty) {
      if (used === keys) break;
      used++;
      g.dirty.delete(key);
      const item = this.render(key);
      if (item) {
        items.push(item);
        g.sent.add(key);
      } else if (g.sent.delete(key)) {
        retracts.push(nlriToString(this.fromKey(key)));
      }
    }
    const bodies = itemBodies(items);
    const written = wide ? used : used * g.members.length;
    let ok = true;
    // A copy: a member's write may close its session, which leaves the group.
    for (const o of [...g.members]) {
      const taken = o.deliver(retracts, bodies);
      if (o === m) ok = taken;
    }
    if (g.dirty.size === 0) this.merge(g);
    return { used: written, ok, left: g.dirty.size };
  }

  /** `g` has nothing dirty: its members join another group with nothing dirty (the same sent keys). */
  private merge(g: OutGroup): void {
    for (const h of this.groups) {
      if (h === g || h.dirty.size !== 0 || h.sent.size !== g.sent.size) continue;
      for (const m of g.members) {
        h.members.push(m);
        this.groupOf.set(m, h);
      }
      this.groups.delete(g);
      return;
    }
  }

  /** Stop watching the table (no agent subscribed any more). */
  dispose(): void {
    this.unsubscribe();
    this.groups.clear();
    this.groupOf.clear();
  }
}
