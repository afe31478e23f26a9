/**
 * Throw-away certificates for the XMPP and introspect TLS tests, made at test time with
 * Debian's `openssl` in a fresh temporary directory (no key is ever
 * committed): a CA, the control node's certificate and an agent's, both
 * signed by it, and a second CA with an agent certificate of its own, which
 * the control node must refuse. P-256 keys: quick to make.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

export interface TestPki {
  readonly dir: string;
  /** Files: ca.pem, server.pem, server.key (for the control node's config). */
  readonly files: { readonly ca: string; readonly cert: string; readonly key: string };
  readonly ca: string;
  readonly agent: Pem;
  /** The second CA's certificate, and an agent certificate it signed. */
  readonly otherCa: string;
  readonly rogueAgent: Pem;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '2']);
}

function makeLeaf(dir: string, name: string, ca: string): void {
  // Names a client may check (the introspect HTTPS tests connect to 127.0.0.1 and verify it).
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=DNS:${name},DNS:localhost,IP:127.0.0.1\n`);
  openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'cn-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'server', 'ca');
  makeLeaf(dir, 'compute-1', 'ca');
  makeLeaf(dir, 'rogue', 'other-ca');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    files: { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') },
    ca: read('ca.pem'),
    agent: { cert: read('compute-1.pem'), key: read('compute-1.key') },
    otherCa: read('other-ca.pem'),
    rogueAgent: { cert: read('rogue.pem'), key: read('rogue.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
