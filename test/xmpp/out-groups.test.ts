/**
 * Agents of one table that share a group (TableOut) get exactly what each
 * would get with a queue of its own: every shared agent here has a twin
 * with a private ItemCache (so a group of its own), subscribed to the same
 * table and flushed at the same moments, and the two must have written the
 * same bytes — including an agent that falls behind, one that subscribes
 * after the others were sent items, and retracts.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Rib } from '../../src/rib/rib.js';
import type { PeerInfo } from '../../src/rib/types.js';
import type { Table } from '../../src/rib/table.js';
import { InstanceManager } from '../../src/routing-instances/manager.js';
import type { RoutingInstance } from '../../src/routing-instances/instance.js';
import { parseInstanceName, type RoutingInstanceName } from '../../src/routing-instances/name.js';
import { AgentSession } from '../../src/xmpp/agent-session.js';
import { ItemCache } from '../../src/xmpp/item-cache.js';

const ASN = 64512;
const BLUE = parseInstanceName('default-domain:demo:blue:blue') as RoutingInstanceName;

interface Agent {
  readonly session: AgentSession;
  readonly written: string[];
  /** The transport takes writes (false: it pushes back, as a congested socket does). */
  open: boolean;
}

function world(): {
  rib: Rib;
  table: Table;
  shared: { acquire(inst: RoutingInstance, table: Table): ItemCache; release(): void; cache(): ItemCache };
  /** A cache of its own per subscription: a group of its own. */
  own: { acquire(inst: RoutingInstance, table: Table): ItemCache; release(): void };
  agent(name: string, items: { acquire(inst: RoutingInstance, table: Table): ItemCache; release(): void }): Agent;
  set(host: number, label: number): void;
  remove(host: number): void;
} {
  const rib = new Rib({ routerId: 1, asn: ASN, clusterId: 1, reflector: false });
  const manager = new InstanceManager(rib, ASN, [{ name: BLUE, id: 1, vnIndex: 1, importTargets: [], exportTargets: [] }]);
  const table = manager.get(BLUE)!.table('inet')!;
  const caches = new Map<Table, ItemCache>();
  const shared = {
    acquire: (inst: RoutingInstance, t: Table): ItemCache => {
      let c = caches.get(t);
      if (!c) caches.set(t, (c = new ItemCache(inst, t, manager.instances.values(), ASN)));
      return c;
    },
    release: () => {},
    cache: () => caches.get(table)!,
  };
  const own = { acquire: (inst: RoutingInstance, t: Table) => new ItemCache(inst, t, manager.instances.values(), ASN), release: () => {} };
  const agent = (name: string, items: { acquire(inst: RoutingInstance, table: Table): ItemCache; release(): void }): Agent => {
    const info: PeerInfo = { id: rib.allocatePeerId(), name, kind: 'xmpp', address: 1, asn: ASN, ibgp: true, rrClient: false, routerId: 1 };
    const a: Agent = { session: undefined as unknown as AgentSession, written: [], open: true };
    (a as { session: AgentSession }).session = new AgentSession(info, { rib, manager, asn: ASN, logger: pino({ level: 'silent' }), items }, {
      write: (d) => {
        a.written.push(typeof d === 'string' ? d : Buffer.concat(d instanceof Uint8Array ? [d] : d).toString('utf8'));
        return a.open;
      },
      fail: (r) => { throw new Error(r); },
      refuse: (r) => { throw new Error(r); },
      wake: () => {},
    });
    a.session.handle({ kind: 'subscribe', instance: BLUE, instanceId: 1, noRibOut: false });
    return a;
  };
  const set = (host: number, label: number): void => {
    const attrs = rib.store.intern({ origin: 2, asPath: [], nextHop: 0xc0000215, localPref: 100 });
    table.upsert({ family: 'inet' as const, addr: (10 << 24) + host, len: 32 }, {
      peer: rib.localPeer, attrs, received: attrs, labels: [label], stamp: host, rd: undefined, replicated: undefined,
    });
  };
  const remove = (host: number): void => {
    rib.withdrawByKey(table, table.keyOf({ family: 'inet' as const, addr: (10 << 24) + host, len: 32 } as never), rib.localPeer, undefined);
  };
  return { rib, table, shared, own, agent, set, remove };
}

/** An agent of the shared group and its twin with a private cache. */
function pair(w: ReturnType<typeof world>, name: string): { shared: Agent; alone: Agent } {
  return { shared: w.agent(name, w.shared), alone: w.agent(name, w.own) };
}

const items = (a: Agent): number => a.written.join('').match(/<item id="/g)?.length ?? 0;

describe('agents sharing a table queue', () => {
  it('renders a batch once for agents that keep up, and each gets the bytes it would get alone', () => {
    const w = world();
    for (let h = 0; h < 40; h++) w.set(h, 100 + h);
    const agents = ['a', 'b', 'c'].map((n) => pair(w, n));
    expect(w.shared.cache().out.groupCount).toBe(1);
    // The first agent's flush writes the batch to all three.
    agents[0]!.shared.session.flush();
    for (const p of agents) p.alone.session.flush();
    for (const p of agents.slice(1)) expect(p.shared.session.flush()).toBe(false);
    for (let h = 20; h < 60; h++) w.set(h, 500 + h);
    w.remove(3);
    agents[1]!.shared.session.flush();
    for (const p of agents) p.alone.session.flush();
    for (const p of agents) {
      expect(p.shared.written.join('')).toBe(p.alone.written.join(''));
      expect(p.shared.written).toHaveLength(2);
    }
    expect(items(agents[2]!.shared)).toBe(80);
    expect(agents[2]!.shared.written[1]).toContain('<retract id="10.0.0.3/32" />');
    expect(agents[2]!.shared.written[1]).toContain('to="c/bgp-peer"');
    // Each change rendered once for the three: the first dump, the 40 set again, the one removed.
    expect(w.shared.cache().misses).toBe(40 + 40 + 1);
    expect(w.shared.cache().out.groupCount).toBe(1);
  });

  it('lets an agent that falls behind go on alone with exactly its own items, then join the others again once both are caught up', () => {
    const w = world();
    for (let h = 0; h < 10; h++) w.set(h, 100 + h);
    const [fast, slow] = ['fast', 'slow'].map((n) => pair(w, n)) as [ReturnType<typeof pair>, ReturnType<typeof pair>];
    fast.shared.session.flush();
    fast.alone.session.flush();
    slow.alone.session.flush();
    // The slow agent's socket fills up: the next batch is the last it takes until its own flush runs again.
    slow.shared.open = false;
    slow.alone.open = false;
    w.set(11, 111);
    w.set(2, 222);
    fast.shared.session.flush();
    fast.alone.session.flush();
    slow.alone.session.flush(); // what the group's flush did for it
    expect(slow.shared.written).toHaveLength(2);
    expect(w.shared.cache().out.groupCount).toBe(1);
    w.set(12, 112);
    fast.shared.session.flush();
    fast.alone.session.flush();
    expect(w.shared.cache().out.groupCount).toBe(2); // pushed back: split off, the batch left for it
    expect(slow.shared.written).toHaveLength(2);
    w.remove(11);
    fast.shared.session.flush();
    fast.alone.session.flush();
    slow.shared.open = true;
    slow.alone.open = true;
    expect(slow.shared.session.flush()).toBe(false);
    expect(slow.alone.session.flush()).toBe(false);
    for (const p of [fast, slow]) expect(p.shared.written.join('')).toBe(p.alone.written.join(''));
    expect(items(slow.shared)).toBe(10 + 2 + 1);
    expect(slow.shared.written.at(-1)).toContain('<retract id="10.0.0.11/32" />');
    // Both have nothing left: the same items sent, one group again.
    expect(w.shared.cache().out.groupCount).toBe(1);
    w.set(13, 113);
    slow.shared.session.flush();
    fast.alone.session.flush();
    slow.alone.session.flush();
    for (const p of [fast, slow]) expect(p.shared.written.join('')).toBe(p.alone.written.join(''));
    expect(fast.shared.written.at(-1)).toContain('10.0.0.13/32');
  });

  it('gives an agent that subscribes after the others were sent items its own full dump, not their remaining changes', () => {
    const w = world();
    for (let h = 0; h < 5; h++) w.set(h, 100 + h);
    const early = pair(w, 'early');
    early.shared.session.flush();
    early.alone.session.flush();
    w.set(7, 107);
    w.remove(0);
    const late = pair(w, 'late');
    expect(w.shared.cache().out.groupCount).toBe(2);
    late.shared.session.flush();
    late.alone.session.flush();
    early.shared.session.flush();
    early.alone.session.flush();
    for (const p of [early, late]) expect(p.shared.written.join('')).toBe(p.alone.written.join(''));
    expect(items(late.shared)).toBe(5);
    expect(late.shared.written.join('')).not.toContain('<retract');
    expect(early.shared.written.join('')).toContain('<retract id="10.0.0.0/32" />');
    expect(w.shared.cache().out.groupCount).toBe(1);
  });

  it('spends the flush budget on items written while input waits, at least 64 keys a batch, and says work is left while its group has keys dirty', () => {
    const w = world();
    const agents = [...Array(3)].map((_, i) => w.agent(`agent${i}`, w.shared));
    for (let h = 0; h < 200; h++) w.set(h, 100 + h);
    // 256 items written per flush: 85 keys for three agents (255 items); one item of budget left, but keys are left too.
    expect(agents[0]!.session.flush()).toBe(true);
    for (const a of agents) expect(items(a)).toBe(85);
    expect(agents[1]!.session.flush()).toBe(true);
    expect(items(agents[0]!)).toBe(170);
    // The last 30 keys: 90 items written, nothing left.
    expect(agents[2]!.session.flush()).toBe(false);
    for (const a of agents) expect(items(a)).toBe(200);
    const many = world();
    const ten = [...Array(10)].map((_, i) => many.agent(`agent${i}`, many.shared));
    for (let h = 0; h < 100; h++) many.set(h, 100 + h);
    // Ten agents: 64 keys each all the same (a write of two messages), over the budget.
    expect(ten[0]!.session.flush()).toBe(true);
    for (const a of ten) expect(items(a)).toBe(64);
    expect(ten[0]!.written[0]!.match(/<message /g)).toHaveLength(2);
  });

  it('writes a whole budget to each agent of a group when no input waits', () => {
    const w = world();
    const agents = [...Array(10)].map((_, i) => w.agent(`agent${i}`, w.shared));
    for (let h = 0; h < 300; h++) w.set(h, 100 + h);
    expect(agents[4]!.session.flush(true)).toBe(true);
    for (const a of agents) expect(items(a)).toBe(256);
    expect(agents[5]!.session.flush(true)).toBe(false);
    for (const a of agents) expect(items(a)).toBe(300);
    for (const a of agents) expect(a.written).toHaveLength(2);
  });

  it('joins a subscriber to a group that has sent nothing yet and holds every key of the table', () => {
    const w = world();
    for (let h = 0; h < 5; h++) w.set(h, 100 + h);
    const first = w.agent('first', w.shared);
    const second = w.agent('second', w.shared);
    expect(w.shared.cache().out.groupCount).toBe(1);
    first.session.flush();
    expect(items(first)).toBe(5);
    expect(items(second)).toBe(5);
    expect(second.written.join('')).toBe(first.written.join('').replaceAll('to="first/', 'to="second/'));
  });

  it('sends retracts on an instance detach to that agent only, and keeps the others in step', () => {
    const w = world();
    for (let h = 0; h < 4; h++) w.set(h, 100 + h);
    const a = w.agent('a', w.shared);
    const b = w.agent('b', w.shared);
    a.session.flush();
    b.session.detachInstance(BLUE);
    expect(b.written.at(-1)).toContain('<retract id="10.0.0.3/32" />');
    expect(a.written).toHaveLength(1);
    w.set(9, 109);
    a.session.flush();
    expect(items(a)).toBe(5);
    expect(items(b)).toBe(4);
  });
});
