/**
 * AgentSession without a socket: flow control toward one agent, with a
 * transport that pushes back.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Rib } from '../../src/rib/rib.js';
import { InstanceManager } from '../../src/routing-instances/manager.js';
import { parseInstanceName, type RoutingInstanceName } from '../../src/routing-instances/name.js';
import { AgentSession } from '../../src/xmpp/agent-session.js';
import type { PeerInfo } from '../../src/rib/types.js';
import type { Table } from '../../src/rib/table.js';
import { ItemCache } from '../../src/xmpp/item-cache.js';

const BLUE = parseInstanceName('default-domain:demo:blue:blue') as RoutingInstanceName;

function setup(): { rib: Rib; manager: InstanceManager } {
  const rib = new Rib({ routerId: 1, asn: 64512, clusterId: 1, reflector: false });
  const manager = new InstanceManager(rib, 64512, [{ name: BLUE, id: 1, vnIndex: 1, importTargets: [], exportTargets: [] }]);
  return { rib, manager };
}

function session(rib: Rib, manager: InstanceManager, name: string, write: (t: string) => boolean): AgentSession {
  const info: PeerInfo = { id: rib.allocatePeerId(), name, kind: 'xmpp', address: 1, asn: 64512, ibgp: true, rrClient: false, routerId: 1 };
  const items = {
    acquire: (inst: Parameters<typeof manager.subscribe>[0], table: Table) => new ItemCache(inst, table, manager.instances.values(), 64512),
    release: () => {},
  };
  return new AgentSession(info, { rib, manager, asn: 64512, logger: pino({ level: 'silent' }), items }, {
    write: (d) => write(typeof d === 'string' ? d : Buffer.concat(d instanceof Uint8Array ? [d] : d).toString('utf8')), fail: (r) => { throw new Error(r); },
    refuse: (r) => { throw new Error(r); }, wake: () => {},
  });
}

describe('agent session flow control', () => {
  it('stops writing when its transport pushes back and resumes where it left off, without losing a route', async () => {
    const { rib, manager } = setup();
    const written: string[] = [];
    let open = false;
    const slow = session(rib, manager, 'slow', (t) => { written.push(t); return open; });
    slow.handle({ kind: 'subscribe', instance: BLUE, instanceId: 1, noRibOut: false });
    const inst = manager.get(BLUE)!;
    const store = rib.store;
    for (let i = 0; i < 3000; i++) {
      const attrs = store.intern({ origin: 2, asPath: [], nextHop: 0xc0000215, localPref: 100 });
      inst.table('inet')!.upsert({ family: 'inet' as const, addr: (10 << 24) + i * 256, len: 24 }, {
        peer: rib.localPeer, attrs, received: attrs, labels: [25], stamp: i, rd: undefined, replicated: undefined,
      });
    }
    expect(slow.flush()).toBe(true); // pushed back: work left
    expect(written).toHaveLength(1);
    expect(slow.flush()).toBe(true);
    expect(written).toHaveLength(2); // one batch per call while blocked, never a flood
    open = true;
    while (slow.flush());
    const items = written.join('').match(/<item id="/g)?.length ?? 0;
    expect(items).toBe(3000);
    expect(slow.stats.itemsSent).toBe(3000);
  });

  it('writes items whose text is not ASCII in UTF-8, with every message whole, and items that are in latin1-safe ASCII unchanged', () => {
    const rib = new Rib({ routerId: 1, asn: 64512, clusterId: 1, reflector: false });
    const PINK = parseInstanceName('default-domain:démo:rosé:rosé') as RoutingInstanceName;
    const manager = new InstanceManager(rib, 64512, [
      { name: PINK, id: 2, vnIndex: 2, importTargets: [], exportTargets: [] },
      { name: BLUE, id: 1, vnIndex: 1, importTargets: [], exportTargets: [] },
    ]);
    const written: string[] = [];
    const s = session(rib, manager, 'agent-ü', (t) => { written.push(t); return true; });
    s.handle({ kind: 'subscribe', instance: PINK, instanceId: 2, noRibOut: false });
    s.handle({ kind: 'subscribe', instance: BLUE, instanceId: 1, noRibOut: false });
    for (const [name, n] of [[PINK, 40], [BLUE, 40]] as const) {
      const table = manager.get(name)!.table('inet')!;
      for (let i = 0; i < n; i++) {
        const attrs = rib.store.intern({ origin: 2, asPath: [], nextHop: 0xc0000215, localPref: 100 });
        table.upsert({ family: 'inet' as const, addr: (10 << 24) + i * 256, len: 24 }, {
          peer: rib.localPeer, attrs, received: attrs, labels: [25 + i], stamp: i, rd: undefined, replicated: undefined,
        });
      }
    }
    while (s.flush());
    const text = written.join('');
    // 40 items per instance: two messages each (32 + 8), every one closed.
    expect(text.match(/<message /g)).toHaveLength(4);
    expect(text.match(/<\/message>/g)).toHaveLength(4);
    expect(text.match(/<virtual-network>default-domain:démo:rosé<\/virtual-network>/g)).toHaveLength(80);
    expect(text.match(/<virtual-network>default-domain:demo:blue<\/virtual-network>/g)).toHaveLength(80);
    expect(text).toContain('to="agent-ü/bgp-peer"');
    expect(text).toContain('<label>64</label>');
    expect(text).not.toContain('\ufffd');
    expect(s.stats.itemsSent).toBe(80);
  });

  it('keeps no slice of the received text: a subscription does not hold the chunk its instance name came in', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { rib, manager } = setup();
    const s = session(rib, manager, 'agent', () => true);
    gc();
    const before = process.memoryUsage().heapUsed;
    // The instance name as the parser hands it over: a slice of the (large) text it was received in.
    ((): void => {
      const received = `${'x'.repeat(64 * 2 ** 20)}<subscribe node="${BLUE}"/>`;
      const at = received.indexOf('node="') + 6;
      s.handle({ kind: 'subscribe', instance: received.slice(at, received.indexOf('"', at)), instanceId: 1, noRibOut: false });
    })();
    gc();
    // The 64 MiB text is gone once nothing but the session holds the name.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 * 2 ** 20);
    expect([...s.subs.keys()]).toEqual([BLUE]);
  });
});

