/**
 * introspect.tls, introspect.token and introspect.token-file: the files are
 * read and checked while the config is validated, so a bad one is a config
 * error naming the key; a token is never echoed back in an error.
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

const withIntrospect = (introspect: unknown): Record<string, unknown> => ({ ...minimalDoc(), introspect });
const TOKEN = 's3cret-token-0123456789';

describe('introspect.tls', () => {
  it('loads the certificate and key as PEM text', () => {
    const tls = load(withIntrospect({ tls: { cert: pki.files.cert, key: pki.files.key } })).introspect.tls!;
    expect(tls.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(tls.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('is absent when not configured: introspect then speaks plain HTTP', () => {
    const c = load(minimalDoc()).introspect;
    expect(c).not.toHaveProperty('tls');
    expect(c).not.toHaveProperty('token');
  });

  it('names introspect.tls.cert when the certificate cannot be read', () => {
    const missing = join(pki.dir, 'nope.pem');
    expect(errorOf(withIntrospect({ tls: { cert: missing, key: pki.files.key } })).message).toMatch(
      /^config\.yaml: introspect\.tls\.cert: cannot read ".*nope\.pem": ENOENT/,
    );
  });

  it('names introspect.tls.key when the key does not belong to the certificate', () => {
    const other = join(pki.dir, 'other-ca.key');
    expect(errorOf(withIntrospect({ tls: { cert: pki.files.cert, key: other } })).message).toMatch(
      /^config\.yaml: introspect\.tls\.key: .*other-ca\.key: not the private key of introspect\.tls\.cert \(/,
    );
  });

  it('names introspect.tls.cert when the file holds no certificate', () => {
    const junk = join(pki.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(errorOf(withIntrospect({ tls: { cert: junk, key: pki.files.key } })).message).toMatch(
      /^config\.yaml: introspect\.tls\.cert: .*junk\.pem: not a PEM certificate/,
    );
  });

  it('requires both files', () => {
    expect(errorOf(withIntrospect({ tls: { cert: pki.files.cert } })).message).toBe(
      'config.yaml: introspect.tls.key: missing; expected a file path',
    );
  });
});

describe('introspect.token', () => {
  it('takes a token of 16 characters or more', () => {
    expect(load(withIntrospect({ token: TOKEN })).introspect.token).toBe(TOKEN);
  });

  it('refuses a token shorter than 16 characters, without printing it', () => {
    const e = errorOf(withIntrospect({ token: 'short-token-15c' }));
    expect(e.message).toMatch(/^config\.yaml: introspect\.token: expected at least 16 printable ASCII characters, no spaces; it has 15/);
    expect(e.message).not.toContain('short-token-15c');
  });

  it('refuses a token with a space in it (it could not be sent in a header)', () => {
    expect(errorOf(withIntrospect({ token: 'a token with spaces in it' })).message).toMatch(
      /^config\.yaml: introspect\.token: expected at least 16 printable ASCII characters, no spaces; it has a space/,
    );
  });

  it('refuses a token that is not a string', () => {
    expect(errorOf(withIntrospect({ token: 1234567890123456789 })).message).toMatch(/^config\.yaml: introspect\.token: expected a string/);
  });

  it('reads token-file and drops its trailing newline', () => {
    const file = join(pki.dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    expect(load(withIntrospect({ 'token-file': file })).introspect.token).toBe(TOKEN);
  });

  it('names token-file when its token is too short', () => {
    const file = join(pki.dir, 'short-token');
    writeFileSync(file, 'abc\n');
    expect(errorOf(withIntrospect({ 'token-file': file })).message).toMatch(
      /^config\.yaml: introspect\.token-file: .*short-token: expected at least 16 .*; it has 3/,
    );
  });

  it('names token-file when it cannot be read', () => {
    const missing = join(pki.dir, 'no-token');
    expect(errorOf(withIntrospect({ 'token-file': missing })).message).toMatch(
      /^config\.yaml: introspect\.token-file: cannot read ".*no-token": ENOENT/,
    );
  });

  it('refuses token and token-file together', () => {
    const file = join(pki.dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    expect(errorOf(withIntrospect({ token: TOKEN, 'token-file': file })).message).toBe(
      'config.yaml: introspect.token-file: give token or token-file, not both',
    );
  });
});
