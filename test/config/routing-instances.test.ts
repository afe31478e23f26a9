/**
 * The `routing-instances` section: instance names (domain:project:vn:ri, not
 * the master), ids given or taken from the position, vn-index, import and
 * export route targets, uniqueness of names and ids, and JSON input.
 */

import { describe, expect, it } from 'vitest';
import { parseRouteTarget } from '../../src/bgp/wire/index.js';
import { parseConfigText, validateConfig } from '../../src/config/index.js';
import { errorOf, errorOfText, FILE, load, minimalDoc } from './support.js';

const A = 'default-domain:admin:vn-a:vn-a';
const B = 'default-domain:admin:vn-b:vn-b';
const C = 'default-domain:admin:vn-c:vn-c';
const MASTER = 'default-domain:default-project:ip-fabric:__default__';

/** Route targets as extended communities: type, subtype 0x02, administrator, assigned number. */
const RT_64512_1001 = 0x0002_fc00_0000_03e9n;
const RT_64512_1 = 0x0002_fc00_0000_0001n;
const RT_IP_5 = 0x0102_c000_0201_0005n; // target:192.0.2.1:5
const RT_4BYTE_3 = 0x0202_fa56_ea00_0003n; // target:4200000000:3
const RT_100L_3 = 0x0202_0000_0064_0003n; // target:100L:3

function instancesDoc(instances: unknown): Record<string, unknown> {
  return { ...minimalDoc(), 'routing-instances': instances };
}

/** A document with one instance named A plus `extra` keys. */
function oneInstance(extra: Record<string, unknown>): Record<string, unknown> {
  return instancesDoc([{ name: A, ...extra }]);
}

describe('the routing-instances section', () => {
  it('may be left out, and then there are no instances', () => {
    expect(load(minimalDoc()).routingInstances).toEqual([]);
  });

  it('written with no value, or as an empty list, has no instances', () => {
    expect(load(instancesDoc(null)).routingInstances).toEqual([]);
    expect(load(instancesDoc([])).routingInstances).toEqual([]);
  });

  it('reads the example from the documentation', () => {
    const text = `
node: { name: cn1, router-id: 10.0.0.1, asn: 64512 }
routing-instances:
  - name: default-domain:admin:public:public
    id: 7
    vn-index: 4
    import-targets: [target:64512:1001]
    export-targets: [target:64512:1001]
`;
    expect(parseConfigText(text, FILE).routingInstances).toEqual([
      {
        name: 'default-domain:admin:public:public',
        id: 7,
        vnIndex: 4,
        importTargets: [RT_64512_1001],
        exportTargets: [RT_64512_1001],
        importPolicies: [],
        exportPolicies: [],
        bgpaas: [],
        staticRoutes: [],
      },
    ]);
  });

  it('gives an instance with only a name vn-index 0, no targets and its position as id', () => {
    expect(load(instancesDoc([{ name: A }, { name: B }])).routingInstances).toEqual([
      { name: A, id: 1, vnIndex: 0, importTargets: [], exportTargets: [], importPolicies: [], exportPolicies: [], bgpaas: [], staticRoutes: [] },
      { name: B, id: 2, vnIndex: 0, importTargets: [], exportTargets: [], importPolicies: [], exportPolicies: [], bgpaas: [], staticRoutes: [] },
    ]);
  });

  it('reads empty target keys as absent', () => {
    const text = `node: { name: cn1, router-id: 10.0.0.1, asn: 64512 }
routing-instances:
  - name: ${A}
    import-targets:
    export-targets:
`;
    expect(parseConfigText(text, FILE).routingInstances[0]).toMatchObject({ importTargets: [], exportTargets: [], importPolicies: [], exportPolicies: [], bgpaas: [], staticRoutes: [] });
  });

  it('must be a list', () => {
    expect(errorOf(instancesDoc({ name: A })).message).toBe(
      'config.yaml: routing-instances: expected a list of routing instances, got a mapping',
    );
    expect(errorOf(instancesDoc(A)).message).toBe(
      `config.yaml: routing-instances: expected a list of routing instances, got "${A}"`,
    );
  });

  it('must hold mappings', () => {
    expect(errorOf(instancesDoc([{ name: A }, A])).message).toBe(
      `config.yaml: routing-instances[1]: expected a mapping, got "${A}"`,
    );
    expect(errorOf(instancesDoc([null])).message).toBe('config.yaml: routing-instances[0]: expected a mapping, got null');
  });

  it('rejects an unknown key in an instance and lists the keys allowed there', () => {
    expect(errorOf(oneInstance({ vrf: 'x' })).message).toBe(
      'config.yaml: routing-instances[0].vrf: unknown key (allowed: name, id, vn-index, import-targets, export-targets, import-policies, export-policies, bgpaas, static-routes)',
    );
    expect(errorOf(oneInstance({ vn_index: 4 })).message).toBe(
      'config.yaml: routing-instances[0].vn_index: unknown key (allowed: name, id, vn-index, import-targets, export-targets, import-policies, export-policies, bgpaas, static-routes)',
    );
  });
});

describe('routing-instances[].name', () => {
  it.each([A, 'd:p:v:r', 'default-domain:demo:vn_1.2:vn_1.2', 'default-domain:default-project:ip-fabric:other'])(
    'accepts %j',
    (name) => {
      expect(load(instancesDoc([{ name }])).routingInstances[0]?.name).toBe(name);
    },
  );

  it('is required', () => {
    expect(errorOf(instancesDoc([{ id: 1 }])).message).toBe(
      'config.yaml: routing-instances[0].name: missing; expected a routing-instance name like domain:project:vn:ri',
    );
  });

  it.each([
    ['default-domain:admin:public', 'expected domain:project:vn:ri (4 parts), got 3'],
    ['default-domain:admin:public:public:extra', 'expected domain:project:vn:ri (4 parts), got 5'],
    ['public', 'expected domain:project:vn:ri (4 parts), got 1'],
    ['', 'expected domain:project:vn:ri (4 parts), got 1'],
    ['default-domain::public:public', 'empty part in domain:project:vn:ri'],
    ['default-domain:admin:public:', 'empty part in domain:project:vn:ri'],
    ['default-domain:admin:my net:ri', 'part "my net" has a character not allowed in a name'],
    ['default-domain:admin:a/b:ri', 'part "a/b" has a character not allowed in a name'],
  ])('rejects %j: %s', (name, reason) => {
    expect(errorOf(instancesDoc([{ name }])).message).toBe(
      `config.yaml: routing-instances[0].name: invalid routing-instance name ${JSON.stringify(name)}: ${reason}`,
    );
  });

  it('rejects a name too long to be one, showing only its start', () => {
    const name = `d:p:v:${'r'.repeat(600)}`;
    expect(errorOf(instancesDoc([{ name }])).message).toBe(
      `config.yaml: routing-instances[0].name: invalid routing-instance name "${name.slice(0, 40)}...": longer than 512 characters`,
    );
  });

  it.each([42, true, ['a', 'b', 'c', 'd'], { domain: 'd' }])('rejects %j, which is not a string', (name) => {
    expect(errorOf(instancesDoc([{ name }])).message).toMatch(
      /^config\.yaml: routing-instances\[0\]\.name: expected a routing-instance name like domain:project:vn:ri, got /,
    );
  });

  it('rejects the master instance, which always exists', () => {
    expect(errorOf(instancesDoc([{ name: A }, { name: MASTER }])).message).toBe(
      `config.yaml: routing-instances[1].name: ${MASTER} is the master instance, which always exists and cannot be configured`,
    );
  });

  it('must be unique, and the duplicate is the one reported', () => {
    expect(errorOf(instancesDoc([{ name: A }, { name: B }, { name: A, id: 9 }])).message).toBe(
      `config.yaml: routing-instances[2].name: duplicate routing-instance name "${A}" (already used by routing-instances[0])`,
    );
  });
});

describe('routing-instances[].id', () => {
  it.each([1, 7, 65535])('accepts %d', (id) => {
    expect(load(oneInstance({ id })).routingInstances[0]?.id).toBe(id);
  });

  it.each([0, -1, 65536, 1.5, '7', 'x'])('rejects %j', (id) => {
    expect(errorOf(oneInstance({ id })).message).toMatch(
      /^config\.yaml: routing-instances\[0\]\.id: expected an integer 1\.\.65535, got /,
    );
  });

  it('reports a bad id exactly', () => {
    expect(errorOf(oneInstance({ id: 0 })).message).toBe(
      'config.yaml: routing-instances[0].id: expected an integer 1..65535, got 0',
    );
  });

  it('defaults to the 1-based position, and mixes with given ids that avoid the positions', () => {
    const doc = instancesDoc([{ name: A, id: 10 }, { name: B }, { name: C, id: 20 }]);
    expect(load(doc).routingInstances.map((ri) => [ri.name, ri.id])).toEqual([
      [A, 10],
      [B, 2],
      [C, 20],
    ]);
  });

  it('may repeat the instance\'s own position', () => {
    const doc = instancesDoc([{ name: A, id: 1 }, { name: B, id: 2 }]);
    expect(load(doc).routingInstances.map((ri) => ri.id)).toEqual([1, 2]);
  });

  it('may be swapped between positions', () => {
    const doc = instancesDoc([{ name: A, id: 2 }, { name: B, id: 1 }]);
    expect(load(doc).routingInstances.map((ri) => ri.id)).toEqual([2, 1]);
  });

  it('collides when two instances give the same id, reported at the later one with both names', () => {
    expect(errorOf(instancesDoc([{ name: A, id: 7 }, { name: B, id: 7 }])).message).toBe(
      `config.yaml: routing-instances[1].id: id 7 of "${B}" is already the id of "${A}" (routing-instances[0])`,
    );
  });

  it('collides when a given id is an earlier instance\'s position', () => {
    expect(errorOf(instancesDoc([{ name: A }, { name: B, id: 1 }])).message).toBe(
      `config.yaml: routing-instances[1].id: id 1 of "${B}" is already the id of "${A}" ` +
        '(routing-instances[0], from its position in the list)',
    );
  });

  it('collides when a later instance\'s position is an id given earlier', () => {
    expect(errorOf(instancesDoc([{ name: A, id: 3 }, { name: B }, { name: C }])).message).toBe(
      `config.yaml: routing-instances[2]: "${C}" gets id 3 from its position in the list, ` +
        `but that is already the id of "${A}" (routing-instances[0]); give "${C}" an explicit id`,
    );
  });

  it('cannot be found for more instances than there are ids', () => {
    const instances = Array.from({ length: 65536 }, (_, i) => ({ name: `d:p:vn${i}:ri` }));
    expect(errorOf(instancesDoc(instances)).message).toBe(
      'config.yaml: routing-instances: expected at most 65535 routing instances (one per instance id 1..65535), got 65536',
    );
  });

  it('is found for as many instances as there are ids', () => {
    const instances = Array.from({ length: 65535 }, (_, i) => ({ name: `d:p:vn${i}:ri` }));
    const config = validateConfig(instancesDoc(instances), FILE);
    expect(config.routingInstances.at(-1)?.id).toBe(65535);
  });
});

describe('routing-instances[].vn-index', () => {
  it.each([0, 4, 0xffff_ffff])('accepts %d', (vnIndex) => {
    expect(load(oneInstance({ 'vn-index': vnIndex })).routingInstances[0]?.vnIndex).toBe(vnIndex);
  });

  it.each([-1, 0x1_0000_0000, 4.5, '4', false])('rejects %j', (vnIndex) => {
    expect(errorOf(oneInstance({ 'vn-index': vnIndex })).message).toMatch(
      /^config\.yaml: routing-instances\[0\]\.vn-index: expected an integer 0\.\.4294967295, got /,
    );
  });

  it('reports a bad vn-index exactly', () => {
    expect(errorOf(oneInstance({ 'vn-index': -1 })).message).toBe(
      'config.yaml: routing-instances[0].vn-index: expected an integer 0..4294967295, got -1',
    );
  });
});

describe('routing-instances[].import-targets and export-targets', () => {
  it.each([
    ['target:64512:1001', RT_64512_1001],
    ['target:192.0.2.1:5', RT_IP_5],
    ['target:4200000000:3', RT_4BYTE_3],
    ['target:100L:3', RT_100L_3],
  ])('accept %j as a route-target community', (text, value) => {
    expect(parseRouteTarget(text)).toBe(value);
    const ri = load(oneInstance({ 'import-targets': [text], 'export-targets': [text] })).routingInstances[0];
    expect(ri?.importTargets).toEqual([value]);
    expect(ri?.exportTargets).toEqual([value]);
  });

  it('keep import and export apart', () => {
    const ri = load(oneInstance({ 'import-targets': ['target:64512:1'], 'export-targets': ['target:192.0.2.1:5'] }))
      .routingInstances[0];
    expect(ri).toMatchObject({ importTargets: [RT_64512_1], exportTargets: [RT_IP_5], importPolicies: [], exportPolicies: [], bgpaas: [], staticRoutes: [] });
  });

  it('drop repeats, including other spellings of the same target, and keep the order', () => {
    const targets = ['target:192.0.2.1:5', 'target:64512:1', 'target:192.0.2.1:5', 'target:64512:01', 'target:100L:3'];
    const ri = load(oneInstance({ 'import-targets': targets, 'export-targets': targets })).routingInstances[0];
    expect(ri?.importTargets).toEqual([RT_IP_5, RT_64512_1, RT_100L_3]);
    expect(ri?.exportTargets).toEqual([RT_IP_5, RT_64512_1, RT_100L_3]);
  });

  it.each(['import-targets', 'export-targets'])('%s reports a bad target by its index', (key) => {
    expect(errorOf(instancesDoc([{ name: A }, { name: B, [key]: ['target:64512:1', 'x'] }])).message).toBe(
      `config.yaml: routing-instances[1].${key}[1]: expected a route target like target:64512:1, got "x"`,
    );
  });

  it.each([
    'x',
    '64512:1',
    'target:64512',
    'target:x:1',
    'target:64512:x',
    'target:70000:70000',
    'target:1.2.3.256:1',
    'target:64512:4294967296',
    'origin:64512:1',
    '',
  ])('reject %j', (target) => {
    expect(errorOf(oneInstance({ 'import-targets': [target] })).message).toBe(
      `config.yaml: routing-instances[0].import-targets[0]: expected a route target like target:64512:1, got ${JSON.stringify(target)}`,
    );
  });

  it.each([[64512, '64512'], [null, 'null'], [['target:64512:1'], 'a list']])('reject %j, which is not a string', (target, shown) => {
    expect(errorOf(oneInstance({ 'export-targets': [target] })).message).toBe(
      `config.yaml: routing-instances[0].export-targets[0]: expected a route target like target:64512:1, got ${shown}`,
    );
  });

  it('must be lists', () => {
    expect(errorOf(oneInstance({ 'import-targets': 'target:64512:1' })).message).toBe(
      'config.yaml: routing-instances[0].import-targets: expected a list of route targets, got "target:64512:1"',
    );
  });
});

describe('the routing-instances section in JSON', () => {
  it('reads the same as in YAML, route targets included', () => {
    const json = JSON.stringify(
      instancesDoc([
        { name: A, id: 7, 'vn-index': 4, 'import-targets': ['target:64512:1001'], 'export-targets': ['target:64512:1001'] },
        { name: B, 'import-targets': ['target:192.0.2.1:5', 'target:4200000000:3'] },
      ]),
      null,
      2,
    );
    expect(parseConfigText(json, 'cn.json').routingInstances).toEqual([
      { name: A, id: 7, vnIndex: 4, importTargets: [RT_64512_1001], exportTargets: [RT_64512_1001], importPolicies: [], exportPolicies: [], bgpaas: [], staticRoutes: [] },
      { name: B, id: 2, vnIndex: 0, importTargets: [RT_IP_5, RT_4BYTE_3], exportTargets: [], importPolicies: [], exportPolicies: [], bgpaas: [], staticRoutes: [] },
    ]);
  });

  it('reports errors by key path', () => {
    const json = JSON.stringify(instancesDoc([{ name: A, 'import-targets': ['target:64512:1', 'x'] }]));
    expect(errorOfText(json).message).toBe(
      'config.yaml: routing-instances[0].import-targets[1]: expected a route target like target:64512:1, got "x"',
    );
  });

  it('reports an id collision', () => {
    const json = JSON.stringify(instancesDoc([{ name: A, id: 2 }, { name: B }]));
    expect(errorOfText(json).message).toMatch(/^config\.yaml: routing-instances\[1\]: ".*" gets id 2 from its position/);
  });
});
