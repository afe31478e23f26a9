/**
 * Loading: files on disk, YAML and JSON text, syntax errors with line and
 * column, the embedded default, and the promise that every failure is one
 * ConfigError with a one-line message.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigText } from '../../src/config/index.js';
import { catchConfigError, errorOf, errorOfText, FILE, load, minimalDoc } from './support.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cn-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const RR_YAML = `
node:
  name: cn1
  router-id: 10.0.0.1
  asn: 64512
  cluster-id: 10.255.0.1
bgp:
  listen: { address: 192.0.2.1, port: 179 }
  hold-time: 30
  peers:
    - name: gobgp1
      address: 10.0.0.2
      asn: 64512
      route-reflector-client: true
    - name: frr1
      address: 10.0.0.3
      asn: 64512
      route-reflector-client: true
      families: [inet-vpn, route-target]
`;

describe('loadConfig', () => {
  it('reads and validates a YAML file', () => {
    const config = loadConfig(writeConfig('rr.yaml', RR_YAML));
    expect(config.node).toEqual({
      name: 'cn1',
      routerId: 0x0a000001,
      routerIdText: '10.0.0.1',
      asn: 64512,
      clusterId: 0x0aff0001,
    });
    expect(config.bgp.listen).toEqual({ address: '192.0.2.1', port: 179 });
    expect(config.bgp.holdTime).toBe(30);
    expect(config.bgp.peers.map((p) => [p.name, p.families])).toEqual([
      ['gobgp1', ['inet', 'inet-vpn']],
      ['frr1', ['inet-vpn', 'route-target']],
    ]);
  });

  it('accepts JSON, since JSON is YAML', () => {
    const json = JSON.stringify({ ...minimalDoc(), bgp: { listen: { port: 1179 } } }, null, 2);
    const config = loadConfig(writeConfig('cn.json', json));
    expect(config.bgp.listen).toEqual({ address: '127.0.0.1', port: 1179 });
  });

  it('reads a key with nothing after it, like an emptied peer list, as absent', () => {
    const text = 'node: { name: cn1, router-id: 10.0.0.1, asn: 64512 }\nbgp:\n  peers:\n  # - name: gobgp1\n';
    expect(parseConfigText(text, FILE).bgp.peers).toEqual([]);
  });

  it('names the file as given in every error', () => {
    const file = writeConfig('bad-asn.yaml', 'node: { name: cn1, router-id: 10.0.0.1, asn: x }\n');
    const err = catchConfigError(() => loadConfig(file));
    expect(err.message).toBe(`${file}: node.asn: expected an integer 1..4294967295, got "x"`);
    expect(err.file).toBe(file);
    expect(err.keyPath).toBe('node.asn');
  });

  it('reports a file it cannot read in one line', () => {
    const file = path.join(dir, 'missing.yaml');
    const err = catchConfigError(() => loadConfig(file));
    expect(err.message).toMatch(new RegExp(`^${escape(file)}: cannot read: ENOENT`));
    expect(err.message).not.toContain('\n');
  });

  it('uses the embedded default when no file is given', () => {
    const config = loadConfig(undefined);
    expect(config.node).toEqual({
      name: os.hostname(),
      routerId: 0x7f000001,
      routerIdText: '127.0.0.1',
      asn: 64512,
    });
    expect(config.bgp).toEqual({
      listen: { address: '127.0.0.1', port: 10179 },
      holdTime: 90,
      connectRetry: 5,
      gracefulRestart: { enabled: false, restartTime: 60, endOfRibTimeout: 300, longLivedStaleTime: 0, restartingSpeaker: false },
      peers: [],
    });
  });

  it('gives the embedded default XMPP and introspect on non-standard loopback ports and no instances', () => {
    const config = loadConfig(undefined);
    expect(config.xmpp).toEqual({ enabled: true, listen: { address: '127.0.0.1', port: 15269 }, holdTime: 90 });
    expect(config.introspect).toEqual({ enabled: true, listen: { address: '127.0.0.1', port: 18083 } });
    expect(config.routingInstances).toEqual([]);
  });
});

describe('YAML syntax errors', () => {
  it('are reported at file:line:col', () => {
    const err = errorOfText('node:\n  name: cn1\n  router-id: [10.0.0.1\n  asn: 1\n');
    expect(err.message).toMatch(/^config\.yaml:\d+:\d+: YAML syntax error: /);
    expect(err.line).toBeGreaterThanOrEqual(3);
    expect(err.message).not.toContain('\n');
  });

  it('point at the offending line and column', () => {
    const err = errorOfText('node:\n  name: cn1\n  asn: @64512\n');
    expect(err.message).toBe(
      'config.yaml:3:8: YAML syntax error: Plain value cannot start with reserved character @',
    );
    expect([err.line, err.col]).toEqual([3, 8]);
  });

  it('include a key given twice', () => {
    const err = errorOfText('node: { name: cn1, router-id: 10.0.0.1, asn: 1 }\nnode: {}\n');
    expect(err.message).toMatch(/^config\.yaml:2:1: YAML syntax error: Map keys must be unique/);
  });

  it('include a second document in the file', () => {
    expect(errorOfText('node: {}\n---\nnode: {}\n').message).toMatch(/^config\.yaml:\d+:\d+: YAML syntax error: /);
  });
});

describe('a whole document', () => {
  it('must not be empty', () => {
    expect(errorOfText('').message).toBe('config.yaml: expected a mapping, got an empty document');
    expect(errorOfText('# only a comment\n').message).toBe(
      'config.yaml: expected a mapping, got an empty document',
    );
  });

  it('must be a mapping', () => {
    expect(errorOfText('- node\n').message).toBe('config.yaml: expected a mapping, got a list');
    expect(errorOfText('42\n').message).toBe('config.yaml: expected a mapping, got 42');
  });

  it('rejects an unknown top-level section and lists the known ones', () => {
    expect(errorOf({ ...minimalDoc(), bpg: {} }).message).toBe(
      'config.yaml: bpg: unknown key (allowed: node, bgp, xmpp, routing-instances, routing-policies, introspect, log-level)',
    );
  });

  it('takes an optional log level and refuses one pino does not know', () => {
    expect(load({ ...minimalDoc(), 'log-level': 'debug' }).logLevel).toBe('debug');
    expect(load(minimalDoc()).logLevel).toBeUndefined();
    expect(errorOf({ ...minimalDoc(), 'log-level': 'verbose' }).message).toBe(
      'config.yaml: log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
  });

  it('reports a misspelt key rather than the key it makes look missing', () => {
    const err = errorOfText('node: { name: cn1, router-id: 10.0.0.1, as: 64512 }\n');
    expect(err.message).toBe(
      'config.yaml: node.as: unknown key (allowed: name, router-id, asn, cluster-id) (and 1 more problem)',
    );
  });

  it('counts the problems it does not describe', () => {
    const err = errorOfText('node: { name: "", router-id: x, asn: 0 }\n');
    expect(err.message).toMatch(/^config\.yaml: node\.name: .* \(and 2 more problems\)$/);
  });
});

describe('every failure', () => {
  it('is a ConfigError with one line naming the file, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => expectAcceptedOrOneLine(() => parseConfigText(text, FILE))),
      { numRuns: 300 },
    );
  });

  it('is a ConfigError with one line naming the file, whatever value a key holds', () => {
    const keys = ['name', 'router-id', 'asn', 'cluster-id', 'other'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const doc = minimalDoc();
        doc.node = { ...doc.node, [key]: value };
        expectAcceptedOrOneLine(() => parseConfigText(JSON.stringify(doc), FILE));
      }),
      { numRuns: 300 },
    );
  });
});

describe('every failure in the xmpp, routing-instances and introspect sections', () => {
  it('is a ConfigError with one line naming the file, whatever value a key holds', () => {
    const places = [
      ['xmpp', 'listen'],
      ['xmpp', 'hold-time'],
      ['xmpp', 'enabled'],
      ['introspect', 'listen'],
      ['introspect', 'enabled'],
      ['routing-instances', 'name'],
      ['routing-instances', 'id'],
      ['routing-instances', 'vn-index'],
      ['routing-instances', 'import-targets'],
      ['routing-instances', 'export-targets'],
      ['routing-instances', 'other'],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...places), fc.jsonValue(), ([section, key], value) => {
        const doc: Record<string, unknown> = minimalDoc();
        doc[section] =
          section === 'routing-instances'
            ? [{ name: 'd:p:vn:ri', [key]: value }]
            : { [key]: value };
        expectAcceptedOrOneLine(() => parseConfigText(JSON.stringify(doc), FILE));
      }),
      { numRuns: 300 },
    );
  });
});

function expectAcceptedOrOneLine(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message.startsWith('config.yaml')).toBe(true);
    expect(message).not.toMatch(/[\r\n]/);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
