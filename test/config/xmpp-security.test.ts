/**
 * xmpp.tls and xmpp.max-routes-per-agent. The TLS files are read and loaded
 * by OpenSSL while the config is validated, so a wrong file is a config error
 * naming the key; certificates are made for the run (test/support/certs.ts).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../support/certs.js';
import { errorOf, load, minimalDoc } from './support.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

const withXmpp = (xmpp: unknown): Record<string, unknown> => ({ ...minimalDoc(), xmpp });

describe('xmpp.tls', () => {
  it('loads the certificate, key and CA as PEM text', () => {
    const tls = load(withXmpp({ tls: pki.files })).xmpp.tls!;
    expect(tls.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(tls.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(tls.ca).toBe(pki.ca);
  });

  it('is absent when not configured: agents then speak plain XMPP', () => {
    expect(load(minimalDoc()).xmpp).not.toHaveProperty('tls');
  });

  it('names the key of a file that cannot be read', () => {
    const missing = join(pki.dir, 'nope.pem');
    expect(errorOf(withXmpp({ tls: { ...pki.files, ca: missing } })).message).toMatch(
      new RegExp(`^config\\.yaml: xmpp\\.tls\\.ca: cannot read "${missing.replace(/\./g, '\\.')}": ENOENT`),
    );
  });

  it('names xmpp.tls.key when the key does not belong to the certificate', () => {
    const other = join(pki.dir, 'other-ca.key');
    expect(errorOf(withXmpp({ tls: { ...pki.files, key: other } })).message).toMatch(
      /^config\.yaml: xmpp\.tls\.key: .*other-ca\.key: not the private key of xmpp\.tls\.cert \(/,
    );
  });

  it('names xmpp.tls.ca and xmpp.tls.cert when they hold no certificate', () => {
    const junk = join(pki.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(errorOf(withXmpp({ tls: { ...pki.files, ca: junk } })).message).toMatch(/^config\.yaml: xmpp\.tls\.ca: /);
    expect(errorOf(withXmpp({ tls: { ...pki.files, cert: junk } })).message).toMatch(/^config\.yaml: xmpp\.tls\.cert: .*junk\.pem: not a PEM certificate/);
  });

  it('requires all three files', () => {
    expect(errorOf(withXmpp({ tls: { cert: pki.files.cert, key: pki.files.key } })).message).toBe(
      'config.yaml: xmpp.tls.ca: missing; expected a file path',
    );
  });
});

describe('xmpp.max-routes-per-agent', () => {
  it('is taken as written, and absent by default (no limit)', () => {
    expect(load(withXmpp({ 'max-routes-per-agent': 50000 })).xmpp.maxRoutesPerAgent).toBe(50000);
    expect(load(minimalDoc()).xmpp).not.toHaveProperty('maxRoutesPerAgent');
  });

  it.each([0, -1, 1.5, '100'])('rejects %j', (v) => {
    expect(errorOf(withXmpp({ 'max-routes-per-agent': v })).message).toMatch(
      /^config\.yaml: xmpp\.max-routes-per-agent: expected an integer 1\.\.4294967295, got /,
    );
  });
});
