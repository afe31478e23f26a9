/**
 * XMPP graceful restart, helper side (contrail-control.md §5.4), in
 * process over loopback: an agent whose connection drops keeps its routes
 * (stale) in the instance, the VPN table and at the other agents; back
 * within restart-time it inherits them, what it publishes again replaces
 * them and its End-of-RIB sweeps the rest; not back in time, they go. A
 * protocol error, or the helper switched off, drops them at once as before.
 * With long-lived-stale-time, not back within restart-time turns them
 * long-lived stale (LLGR_STALE, least preferred) for that long first.
 */
import { describe, expect, it } from 'vitest';
import { nlriToString } from '../../src/bgp/wire/index.js';
import { pathsOf, isLlgrStale, isStale } from '../../src/rib/types.js';
import type { ServerHandle } from '../../src/server.js';
import type { TestAgent } from '../support/agent.js';
import { useXmppNode } from '../support/xmpp-node.js';
import { agentEndOfRib } from '../../src/xmpp/wire/index.js';

const BLUE = 'default-domain:demo:blue:blue';
const config = (gr: string): string => `
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 }, graceful-restart: ${gr} }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", id: 1, vn-index: 1, import-targets: [target:64512:1], export-targets: [target:64512:1] }
`;

const node = useXmppNode();

async function agent(name: string): Promise<TestAgent> {
  const a = await node.agent(name);
  a.subscribe(BLUE, 1);
  return a;
}

/** The VPN table: prefix → stale, long-lived stale, or neither. */
const vpn = (s: ServerHandle): string[] =>
  [...s.peering.tables['inet-vpn']!.entries()].map(([, d]) => {
    const best = pathsOf(d)[0]!;
    return `${nlriToString(d.nlri)}${isLlgrStale(best) ? ' (llgr-stale)' : isStale(best) ? ' (stale)' : ''}`;
  }).sort();
/** The instance's paths for a prefix, best first: source and whether long-lived stale. */
const bluePaths = (s: ServerHandle, prefix: string): string[] => {
  const t = s.instances.get(BLUE)!.table('inet')!;
  const dest = [...t.entries()].find(([, d]) => nlriToString(d.nlri) === prefix)?.[1];
  return (dest ? pathsOf(dest) : []).map((p) => `${p.peer.name}${isLlgrStale(p) ? ' (llgr-stale)' : ''}`);
};
const rtc = (s: ServerHandle): number => s.peering.tables['route-target']!.size;

describe('agents restarting gracefully', () => {
  it('keeps a dropped agent\'s routes for the others, and sweeps what it does not publish again at its End-of-RIB', async () => {
    const s = await node.start(config('{ enabled: true, restart-time: 60 }'));
    const watcher = await agent('compute-2');
    const a = await agent('compute-1');
    a.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
    a.publish(BLUE, { prefix: '10.1.1.4/32', nextHop: '192.0.2.21', label: 26 });
    await watcher.waitFor(() => watcher.routes(BLUE).size === 2, 3000, 'both routes at the other agent');
    expect(rtc(s)).toBe(2);
    a.destroy(); // the connection goes, no stream close
    await expect.poll(() => vpn(s), { timeout: 3000 }).toEqual(['192.0.2.21:1:10.1.1.3/32 (stale)', '192.0.2.21:1:10.1.1.4/32 (stale)']);
    expect(watcher.routes(BLUE).size).toBe(2); // nothing retracted
    expect(s.instances.get(BLUE)!.subscribers).toBe(2); // its subscription is kept: still asking for the targets
    const back = await agent('compute-1');
    back.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
    await expect.poll(() => vpn(s), { timeout: 3000 }).toEqual(['192.0.2.21:1:10.1.1.3/32', '192.0.2.21:1:10.1.1.4/32 (stale)']);
    back.sendRaw(agentEndOfRib({ agent: 'compute-1', seq: 99 }));
    await watcher.waitFor(() => watcher.routes(BLUE).size === 1, 3000, '10.1.1.4/32 retracted after the End-of-RIB');
    expect(vpn(s)).toEqual(['192.0.2.21:1:10.1.1.3/32']);
    expect(s.instances.get(BLUE)!.subscribers).toBe(2); // compute-2 and compute-1's new session; the kept one is gone
    back.destroy();
    await expect.poll(() => vpn(s), { timeout: 3000 }).toEqual(['192.0.2.21:1:10.1.1.3/32 (stale)']);
  });

  it('drops a dropped agent\'s routes when it does not come back within restart-time', async () => {
    const s = await node.start(config('{ enabled: true, restart-time: 1 }'));
    const watcher = await agent('compute-2');
    const a = await agent('compute-1');
    a.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
    await watcher.waitFor(() => watcher.routes(BLUE).size === 1, 3000, 'the route at the other agent');
    a.destroy();
    await expect.poll(() => vpn(s), { timeout: 2000 }).toEqual(['192.0.2.21:1:10.1.1.3/32 (stale)']);
    await watcher.waitFor(() => watcher.routes(BLUE).size === 0, 4000, 'retracted after the 1 s restart time');
    expect(vpn(s)).toEqual([]);
    expect(s.instances.get(BLUE)!.subscribers).toBe(1); // compute-1's kept subscription went with its routes
  });

  it('keeps a dropped agent\'s routes long-lived stale after restart-time, for the other agents too, then drops them after long-lived-stale-time', async () => {
    const s = await node.start(config('{ enabled: true, restart-time: 1, long-lived-stale-time: 2 }'));
    const watcher = await agent('compute-2');
    const a = await agent('compute-1');
    a.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
    await watcher.waitFor(() => watcher.routes(BLUE).size === 1, 3000, 'the route at the other agent');
    a.destroy();
    await expect.poll(() => vpn(s), { timeout: 2000 }).toEqual(['192.0.2.21:1:10.1.1.3/32 (stale)']);
    await expect.poll(() => vpn(s), { timeout: 3000 }).toEqual(['192.0.2.21:1:10.1.1.3/32 (llgr-stale)']);
    await watcher.waitFor(() => watcher.routes(BLUE).get('10.1.1.3/32')?.communities.includes('llgr-stale') === true, 3000, 'LLGR_STALE at the other agent');
    expect(s.instances.get(BLUE)!.subscribers).toBe(2); // its subscription is still kept
    await watcher.waitFor(() => watcher.routes(BLUE).size === 0, 4000, 'retracted after the 2 s long-lived stale time');
    expect(vpn(s)).toEqual([]);
    expect(s.instances.get(BLUE)!.subscribers).toBe(1);
  });

  it('prefers a live path over a long-lived stale one, and lets an agent back within long-lived-stale-time inherit and refresh its routes', async () => {
    const s = await node.start(config('{ enabled: true, restart-time: 1, long-lived-stale-time: 60 }'));
    const watcher = await agent('compute-2');
    const a = await agent('compute-1');
    a.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
    a.publish(BLUE, { prefix: '10.1.1.4/32', nextHop: '192.0.2.21', label: 26 });
    await watcher.waitFor(() => watcher.routes(BLUE).size === 2, 3000, 'both routes at the other agent');
    a.destroy();
    await expect.poll(() => bluePaths(s, '10.1.1.3/32'), { timeout: 3000 }).toEqual(['compute-1 (llgr-stale)']);
    watcher.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.22', label: 35 }); // the VM moved
    await expect.poll(() => bluePaths(s, '10.1.1.3/32'), { timeout: 3000 }).toEqual(['compute-2', 'compute-1 (llgr-stale)']);
    const back = await agent('compute-1');
    back.publish(BLUE, { prefix: '10.1.1.4/32', nextHop: '192.0.2.21', label: 26 });
    await expect.poll(() => bluePaths(s, '10.1.1.4/32'), { timeout: 3000 }).toEqual(['compute-1']);
    back.sendRaw(agentEndOfRib({ agent: 'compute-1', seq: 99 }));
    await expect.poll(() => bluePaths(s, '10.1.1.3/32'), { timeout: 3000 }).toEqual(['compute-2']);
    expect(vpn(s)).toEqual(['192.0.2.21:1:10.1.1.4/32', '192.0.2.22:1:10.1.1.3/32']);
  });

  it('drops the routes at once when the helper is off, or when the session ends by a protocol error', async () => {
    for (const gr of ['{ enabled: false }', '{ enabled: true }']) {
      const s = await node.start(config(gr));
      const a = await agent('compute-1');
      a.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
      await expect.poll(() => vpn(s).length, { timeout: 3000 }).toBe(1);
      if (gr.includes('false')) a.destroy();
      else a.sendRaw('<iq type="set" from="compute-1" to="network-control@contrailsystems.com/bgp-peer" id="x"><pubsub xmlns="http://jabber.org/protocol/pubsub"><unsubscribe node="nowhere"/></pubsub></iq>');
      await expect.poll(() => vpn(s), { timeout: 3000 }).toEqual([]);
      await node.stop();
    }
  });
});
