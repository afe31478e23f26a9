/**
 * diffConfig: what a reload would change, from two validated configs, or
 * which key it refuses and why.
 */
import { describe, expect, it } from 'vitest';
import { diffConfig } from '../../src/config/index.js';
import type { Config, ReloadPlan } from '../../src/config/index.js';
import { load } from './support.js';

const BLUE = 'default-domain:demo:blue:blue';
const RED = 'default-domain:demo:red:red';

function doc(over: { peers?: unknown[]; instances?: unknown[]; policies?: unknown[]; bgp?: object; top?: object } = {}): Config {
  return load({
    node: { name: 'cn1', 'router-id': '10.0.0.1', asn: 64512 },
    bgp: {
      listen: { address: '127.0.0.1', port: 0 },
      peers: over.peers ?? [
        { name: 'mx1', address: '10.0.0.2', asn: 64512 },
        { name: 'mx2', address: '10.0.0.3', asn: 64512 },
      ],
      ...over.bgp,
    },
    'routing-instances': over.instances ?? [
      { name: BLUE, id: 1, 'vn-index': 1, 'import-targets': ['target:64512:1'], 'export-targets': ['target:64512:1'] },
    ],
    ...(over.policies && { 'routing-policies': over.policies }),
    ...over.top,
  });
}

function plan(a: Config, b: Config): ReloadPlan {
  const d = diffConfig(a, b);
  if (!d.ok) throw new Error(`refused: ${d.message}`);
  return d.plan;
}

function refusal(a: Config, b: Config): { key: string; message: string } {
  const d = diffConfig(a, b);
  if (d.ok) throw new Error('not refused');
  return d;
}

describe('diffConfig', () => {
  it('finds nothing to do between a config and the same one loaded again', () => {
    const p = plan(doc(), doc());
    expect(p.empty).toBe(true);
    expect(p.removePeers).toEqual([]);
    expect(p.addPeers).toEqual([]);
  });

  it('adds a new peer and removes a deleted one, leaving the others alone', () => {
    const p = plan(doc(), doc({ peers: [{ name: 'mx1', address: '10.0.0.2', asn: 64512 }, { name: 'mx3', address: '10.0.0.4', asn: 64512 }] }));
    expect(p.removePeers).toEqual(['mx2']);
    expect(p.addPeers.map((r) => r.name)).toEqual(['mx3']);
    expect(p.replacedPeers).toEqual([]);
  });

  it('replaces only the peer whose settings changed', () => {
    const p = plan(doc(), doc({ peers: [{ name: 'mx1', address: '10.0.0.2', asn: 64512 }, { name: 'mx2', address: '10.0.0.3', asn: 64512, 'hold-time': 30 }] }));
    expect(p.replacedPeers).toEqual(['mx2']);
    expect(p.removePeers).toEqual(['mx2']);
    expect(p.addPeers.map((r) => r.name)).toEqual(['mx2']);
  });

  it('replaces every peer that inherits a changed default hold time, and not one that sets its own', () => {
    const peers = [{ name: 'mx1', address: '10.0.0.2', asn: 64512, 'hold-time': 30 }, { name: 'mx2', address: '10.0.0.3', asn: 64512 }];
    const p = plan(doc({ peers }), doc({ peers, bgp: { 'hold-time': 60 } }));
    expect(p.replacedPeers).toEqual(['mx2']);
  });

  it('re-runs the policies of a peer whose policy definition changed, without replacing it', () => {
    const policy = (lp: number) => [{ name: 'lp', terms: [{ then: { 'local-pref': lp } }] }];
    const peers = [
      { name: 'mx1', address: '10.0.0.2', asn: 64512, 'import-policies': ['lp'] },
      { name: 'mx2', address: '10.0.0.3', asn: 64512, 'export-policies': ['lp'] },
      { name: 'mx3', address: '10.0.0.4', asn: 64512 },
    ];
    const p = plan(doc({ peers, policies: policy(100) }), doc({ peers, policies: policy(200) }));
    expect(p.replacedPeers).toEqual([]);
    expect(p.reimportPeers).toEqual(['mx1']);
    expect(p.reexportPeers).toEqual(['mx2']);
    expect(p.empty).toBe(false);
  });

  it('re-runs the policies of a peer whose policy list changed, and replaces one whose address changed', () => {
    const policies = [{ name: 'lp', terms: [{ then: { 'local-pref': 50 } }] }];
    const before = [{ name: 'mx1', address: '10.0.0.2', asn: 64512 }, { name: 'mx2', address: '10.0.0.3', asn: 64512 }];
    const after = [{ name: 'mx1', address: '10.0.0.2', asn: 64512, 'export-policies': ['lp'] }, { name: 'mx2', address: '10.0.0.5', asn: 64512 }];
    const p = plan(doc({ peers: before, policies }), doc({ peers: after, policies }));
    expect(p.reexportPeers).toEqual(['mx1']);
    expect(p.replacedPeers).toEqual(['mx2']);
  });

  it('adds, removes and updates instances by name', () => {
    const p = plan(
      doc(),
      doc({
        instances: [
          { name: BLUE, id: 1, 'vn-index': 1, 'import-targets': ['target:64512:1', 'target:64512:9'], 'export-targets': ['target:64512:1'] },
          { name: RED, id: 2, 'vn-index': 2 },
        ],
      }),
    );
    expect(p.addInstances.map((r) => r.name)).toEqual([RED]);
    expect(p.updateInstances.map((r) => r.name)).toEqual([BLUE]);
    expect(p.removeInstances).toEqual([]);
    expect(plan(doc(), doc({ instances: [] })).removeInstances).toEqual([BLUE]);
  });

  it('updates an instance in place when only its vn-index changed', () => {
    const p = plan(doc(), doc({ instances: [{ name: BLUE, id: 1, 'vn-index': 5, 'import-targets': ['target:64512:1'], 'export-targets': ['target:64512:1'] }] }));
    expect(p.updateInstances.map((r) => r.name)).toEqual([BLUE]);
    expect(p.addInstances).toEqual([]);
  });

  it('adds and removes the BGP-as-a-Service sessions of added and removed instances', () => {
    const red = { name: RED, id: 2, bgpaas: [{ name: 'calico', address: '192.0.2.50', asn: 64500 }] };
    const blue = { name: BLUE, id: 1, 'vn-index': 1, 'import-targets': ['target:64512:1'], 'export-targets': ['target:64512:1'] };
    const withRed = doc({ instances: [blue, red] });
    const added = plan(doc(), withRed);
    expect(added.addPeers).toEqual([expect.objectContaining({ kind: 'bgpaas', name: 'calico' })]);
    expect(plan(withRed, doc()).removePeers).toEqual(['calico']);
  });

  it('notices changed static routes and a changed introspect section and log level', () => {
    const withStatic = (nh: string) => doc({ instances: [{ name: BLUE, id: 1, 'static-routes': [{ prefix: '10.99.0.0/16', 'next-hop': nh }] }] });
    expect(plan(withStatic('192.0.2.1'), withStatic('192.0.2.2')).staticRoutes.map((r) => r.name)).toEqual([BLUE]);
    const p = plan(doc(), doc({ top: { introspect: { enabled: false }, 'log-level': 'debug' } }));
    expect(p.introspect).toEqual({ enabled: false, listen: { address: '127.0.0.1', port: 8083 } });
    expect(p.logLevel).toEqual({ level: 'debug' });
    expect(p.empty).toBe(false);
  });

  it.each([
    ['node.router-id', { node: { name: 'cn1', 'router-id': '10.0.0.9', asn: 64512 } }],
    ['node.asn', { node: { name: 'cn1', 'router-id': '10.0.0.1', asn: 64513 } }],
    ['node.name', { node: { name: 'cn2', 'router-id': '10.0.0.1', asn: 64512 } }],
    ['xmpp.listen', { xmpp: { listen: { address: '127.0.0.1', port: 5270 } } }],
  ])('refuses a change of %s, naming the key and asking for a restart', (key, top) => {
    const r = refusal(doc(), doc({ top }));
    expect(r.key).toBe(key);
    expect(r.message).toContain(`${key} changed`);
    expect(r.message).toContain('takes a restart');
  });

  it('refuses a change of the agents\' route limit, without showing values', () => {
    const r = refusal(doc(), doc({ top: { xmpp: { 'max-routes-per-agent': 10 } } }));
    expect(r).toEqual({ ok: false, key: 'xmpp.max-routes-per-agent', message: 'xmpp.max-routes-per-agent changed: agent sessions are set up with it, takes a restart' });
  });

  it('refuses turning graceful restart on, since every OPEN advertises it', () => {
    const r = refusal(doc(), doc({ bgp: { listen: { address: '127.0.0.1', port: 0 }, 'graceful-restart': { enabled: true } } }));
    expect(r.key).toBe('bgp.graceful-restart');
    expect(r.message).toContain('takes a restart');
  });

  it('refuses a change of the BGP listen address with the old and new address', () => {
    const r = refusal(doc(), doc({ bgp: { listen: { address: '127.0.0.2', port: 0 } } }));
    expect(r).toMatchObject({ key: 'bgp.listen', message: expect.stringContaining('127.0.0.1:0 -> 127.0.0.2:0') });
  });

  it('refuses an instance id change and says ids default to the position', () => {
    const r = refusal(doc(), doc({ instances: [{ name: RED, id: 1 }, { name: BLUE, id: 2 }] }));
    expect(r.key).toBe('routing-instances[1].id');
    expect(r.message).toContain('explicit ids');
  });

  it('re-runs import policy over an instance whose import policies changed, without refusing', () => {
    const policies = [{ name: 'lp', terms: [{ then: { 'local-pref': 200 } }] }];
    const p = plan(
      doc({ policies, instances: [{ name: BLUE, id: 1 }] }),
      doc({ policies, instances: [{ name: BLUE, id: 1, 'import-policies': ['lp'] }] }),
    );
    expect(p.reimportInstances).toEqual([BLUE]);
    expect(p.updateInstances).toEqual([]);
  });

  it('refuses turning route reflection on with the first route-reflector client', () => {
    const r = refusal(doc(), doc({ peers: [{ name: 'mx1', address: '10.0.0.2', asn: 64512, 'route-reflector-client': true }] }));
    expect(r.key).toBe('bgp.peers');
    expect(r.message).toContain('route reflection would turn on');
  });
});
