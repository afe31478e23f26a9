/**
 * Changing routing policies on reload (in process, real TCP on loopback):
 * the affected routes run the new policy from the attributes as received
 * and no session is reset — an instance's import policy over the agents'
 * routes, a BGP peer's export policy by moving it to the update group of
 * its new policy (with withdrawals for what it may no longer have).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfigText, type Config } from '../../src/config/index.js';
import { nlriToString } from '../../src/bgp/wire/index.js';
import type { UpdateMessage } from '../../src/bgp/wire/types.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { TestAgent } from '../support/agent.js';
import { pathsOf } from '../../src/rib/types.js';

const BLUE = 'default-domain:demo:blue:blue';

function config(o: { blueImport?: string; mxExport?: string; lp?: number }): Config {
  return parseConfigText(`
node: { name: cn-test, router-id: 127.0.0.1, asn: 64512 }
bgp:
  listen: { address: 127.0.0.1, port: 0 }
  peers:
    - { name: mx1, address: 127.0.0.2, asn: 64512, passive: true, families: [inet-vpn], export-policies: [${o.mxExport ?? ''}] }
xmpp: { listen: { address: 127.0.0.1, port: 0 } }
introspect: { enabled: false }
routing-policies:
  - name: lp
    terms: [{ from: { prefixes: [{ prefix: 10.1.0.0/16, match: orlonger }] }, then: { local-pref: ${o.lp ?? 300} } }]
  - name: no-10-1-1-4
    terms: [{ from: { prefixes: [{ prefix: 10.1.1.4/32, match: exact }] }, then: { action: reject } }]
routing-instances:
  - { name: "${BLUE}", id: 1, vn-index: 1, import-targets: [target:64512:1], export-targets: [target:64512:1], import-policies: [${o.blueImport ?? ''}] }
`, 'reload.yaml');
}

let server: ServerHandle | undefined;
let mx: RawBgpPeer | undefined;
const agents: TestAgent[] = [];
afterEach(async () => {
  mx?.destroy();
  for (const a of agents.splice(0)) a.destroy();
  await server?.stop();
  server = undefined;
});

/** What mx1 holds after every UPDATE it got: VPN prefix → local-pref. */
function heldByMx(p: RawBgpPeer): Map<string, number | undefined> {
  const held = new Map<string, number | undefined>();
  for (const m of p.received) {
    if (m.type !== 'update') continue;
    const u = m as UpdateMessage;
    for (const n of u.mpUnreach?.nlri ?? []) held.delete(nlriToString(n));
    for (const n of u.mpReach?.nlri ?? []) held.set(nlriToString(n), u.attrs.localPref);
  }
  return held;
}

async function setup(c: Config): Promise<{ s: ServerHandle; a: TestAgent; mx: RawBgpPeer }> {
  const s = (server = await startServer(c, { logger: pino({ level: 'silent' }) }));
  mx = await RawBgpPeer.connect(s.listening.bgp.port, '127.0.0.1', {
    localAddress: '127.0.0.2', ctx: { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) },
  });
  await mx.handshake(openFor(64512, 0x0a000002, ['1/128']), true);
  const a = await TestAgent.connect({ host: '127.0.0.1', port: s.listening.xmpp!.port, name: 'compute-1', keepaliveMs: 3000 });
  agents.push(a);
  a.subscribe(BLUE, 1);
  a.publish(BLUE, { prefix: '10.1.1.3/32', nextHop: '192.0.2.21', label: 25 });
  a.publish(BLUE, { prefix: '10.1.1.4/32', nextHop: '192.0.2.21', label: 26 });
  await mx.until('both routes at mx1', () => heldByMx(mx!).size === 2);
  return { s, a, mx };
}

describe('routing policies changed on reload', () => {
  it('runs the agents\' routes through an instance\'s new import policy, with no session reset', async () => {
    const { s, a, mx } = await setup(config({}));
    const up = s.bgp.peers.get('mx1')!.session.stats.establishedAt;
    expect([...heldByMx(mx).values()]).toEqual([100, 100]);
    await s.reload(config({ blueImport: 'lp' }));
    await mx.until('local-pref 300 at mx1', () => [...heldByMx(mx).values()].every((lp) => lp === 300));
    await a.waitFor(() => a.routes(BLUE).get('10.1.1.3/32')?.localPref === 300, 3000, 'local-pref 300 at the agent');
    await s.reload(config({ blueImport: 'lp', lp: 150 })); // the definition changes, the list does not
    await mx.until('local-pref 150 at mx1', () => [...heldByMx(mx).values()].every((lp) => lp === 150));
    const path = pathsOf([...s.instances.get(BLUE)!.table('inet')!.entries()][0]![1])[0]!;
    expect([path.attrs.attrs.localPref, path.received.attrs.localPref]).toEqual([150, 100]);
    expect(s.bgp.peers.get('mx1')!.session.stats.establishedAt).toBe(up);
    expect(s.bgp.peers.get('mx1')!.session.stats.flaps).toBe(0);
    expect(s.xmpp!.byName.get('compute-1')?.state).toBe('established'); // the agent's session too
  });

  it('moves a peer to its new export policy: what it may no longer have is withdrawn, the session stays up', async () => {
    const { s, mx } = await setup(config({}));
    const up = s.bgp.peers.get('mx1')!.session.stats.establishedAt;
    await s.reload(config({ mxExport: 'no-10-1-1-4' }));
    await mx.until('10.1.1.4/32 withdrawn at mx1', () => [...heldByMx(mx).keys()].every((k) => !k.endsWith('10.1.1.4/32')));
    expect([...heldByMx(mx).keys()]).toEqual(['192.0.2.21:1:10.1.1.3/32']);
    await s.reload(config({}));
    await mx.until('10.1.1.4/32 back at mx1', () => heldByMx(mx).size === 2);
    expect(s.bgp.peers.get('mx1')!.session.stats.establishedAt).toBe(up);
    expect(mx.received.some((m) => m.type === 'notification')).toBe(false);
  });
});

