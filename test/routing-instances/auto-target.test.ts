import { describe, expect, it } from 'vitest';
import { extCommunityToString, rdToString } from '../../src/bgp/wire/index.js';
import type { VpnPrefix } from '../../src/bgp/wire/types.js';
import { useXmppNode } from '../support/xmpp-node.js';
import { autoTarget, RoutingInstance } from '../../src/routing-instances/instance.js';
import type { RoutingInstanceName } from '../../src/routing-instances/name.js';
import { pathsOf } from '../../src/rib/types.js';

describe('an instance\'s automatic route target (contrail-control.md §4.3)', () => {
  it.each([
    [64512, 1, 'target:64512:8000001'], [64512, 2, 'target:64512:8000002'], [64512, 7, 'target:64512:8000007'],
    [4200000000, 1, 'target:4200000000:8001'], [4200000000, 2, 'target:4200000000:8002'], [4200000000, 7, 'target:4200000000:8007'],
  ])('under AS %d for instance id %d is %s, imported and exported', (asn, id, text) => {
    expect(extCommunityToString(autoTarget(asn, id))).toBe(text);
    const inst = RoutingInstance.fromSpec({ name: 'default-domain:demo:blue:blue' as RoutingInstanceName, id, vnIndex: 1, importTargets: [], exportTargets: [] }, asn);
    expect([...inst.importTargets].map(extCommunityToString)).toEqual([text]);
    expect([...inst.exportTargets].map(extCommunityToString)).toEqual([text]);
  });

  it('is refused at configuration time when 8000 + id does not fit a 4-octet-AS target', () => {
    expect(() => autoTarget(4200000000, 60000)).toThrow(RangeError);
  });
});

/**
 * End to end in process: agents publish into instances whose ids are not 1,
 * and the VPN copies in bgp.l3vpn.0 must carry each instance's own automatic
 * target (a constant 8000001, or an id taken from the wrong instance, fails).
 */
describe('the automatic route target on the VPN copies of agent routes', () => {
  const BLUE = 'default-domain:demo:blue:blue';
  const GREEN = 'default-domain:demo:green:green';
  const node = useXmppNode();

  async function start(asn: number): Promise<void> {
    const config = `
node: { name: cn-test, router-id: 10.0.0.1, asn: ${asn} }
bgp: { listen: { address: 127.0.0.1, port: 0 } }
xmpp: { listen: { address: 127.0.0.1, port: 0 } }
introspect: { enabled: false }
routing-instances:
  - { name: "${BLUE}", id: 2, vn-index: 2 }
  - { name: "${GREEN}", id: 7, vn-index: 7 }
`;
    await node.start(config);
  }

  async function publish(name: string, instance: string, id: number, prefix: string, nextHop: string): Promise<void> {
    const a = await node.agent(name);
    a.subscribe(instance, id);
    a.publish(instance, { prefix, nextHop, label: 30, encapsulations: ['gre'] });
  }

  /** Route targets of the VPN route with this RD, as text, sorted; undefined while absent. */
  function targetsOf(rd: string): string[] | undefined {
    for (const [, dest] of node.server.peering.tables['inet-vpn']!.entries()) {
      if (rdToString((dest.nlri as VpnPrefix).rd) !== rd) continue;
      return (pathsOf(dest)[0]?.attrs.attrs.extCommunities ?? []).map(extCommunityToString).filter((t) => t.startsWith('target:')).sort();
    }
    return undefined;
  }

  it('is target:64512:8000002 for instance 2 and target:64512:8000007 for instance 7', async () => {
    await start(64512);
    await publish('compute-1', BLUE, 2, '10.2.2.2/32', '192.0.2.21');
    await publish('compute-2', GREEN, 7, '10.7.7.7/32', '192.0.2.22');
    await expect.poll(() => targetsOf('192.0.2.21:2'), { timeout: 5000 }).toEqual(['target:64512:8000002']);
    await expect.poll(() => targetsOf('192.0.2.22:7'), { timeout: 5000 }).toEqual(['target:64512:8000007']);
  });

  it('is target:4200000000:8002 for instance 2 under the 4-octet AS 4200000000', async () => {
    await start(4200000000);
    await publish('compute-1', BLUE, 2, '10.2.2.2/32', '192.0.2.21');
    await publish('compute-2', GREEN, 7, '10.7.7.7/32', '192.0.2.22');
    await expect.poll(() => targetsOf('192.0.2.21:2'), { timeout: 5000 }).toEqual(['target:4200000000:8002']);
    await expect.poll(() => targetsOf('192.0.2.22:7'), { timeout: 5000 }).toEqual(['target:4200000000:8007']);
  });
});
