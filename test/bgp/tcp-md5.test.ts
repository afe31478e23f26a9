/**
 * TCP-MD5 (RFC 2385) on loopback: the struct handed to the kernel, and a
 * BgpSpeaker with a password on both sides of a session — its listener
 * (keys per peer address) and its outbound attempts (a socket signed before
 * connect). The kernel drops what is unsigned or signed with another key, so
 * the negative cases are "no TCP answer within a bounded time", with the
 * namespace's TCPMD5* counters as the kernel's own word for it.
 */

import net from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BgpSpeaker } from '../../src/bgp/speaker.js';
import { md5Counters, md5sigStruct, setListenerKey, signedSocket, tcpMd5Support } from '../../src/bgp/session/tcp-md5.js';
import type { BgpPeerOptions } from '../../src/bgp/options.js';
import type { CodecContext } from '../../src/bgp/wire/types.js';
import { RawBgpPeer, openFor } from '../support/bgp-peer.js';
import { ip, masterPeering } from '../rib/support.js';

const ASN = 64512;
const LOCAL = { routerId: ip('10.0.0.1'), asn: ASN, clusterId: ip('10.255.0.1'), reflector: true };
const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function speakerWith(peer: Partial<BgpPeerOptions> & { address: string }) {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const s = new BgpSpeaker(masterPeering(LOCAL), {
    name: 'cn', asn: ASN, routerId: LOCAL.routerId, logger,
    bgp: {
      listen: { address: '127.0.0.1', port: 0 }, holdTime: 90, connectRetry: 1,
      peers: [{ name: 'a', asn: ASN, port: 179, passive: true, routeReflectorClient: true, families: ['inet-vpn'], ...peer }],
    },
  });
  const { port } = await s.start();
  cleanups.push(() => s.stop());
  return { speaker: s, port, logs };
}

/** 'connected' or 'no answer': a TCP connection from `from` to port, signed with `key` (or not), bounded by `ms`. */
function tcpAttempt(port: number, from: string, key: string | undefined, ms: number): Promise<'connected' | 'no answer' | string> {
  return new Promise((resolve) => {
    const s = key === undefined ? new net.Socket() : signedSocket('127.0.0.1', key);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('no answer');
    }, ms);
    s.on('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    s.connect({ host: '127.0.0.1', port, localAddress: from }, () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
  });
}

const counter = (name: string): number => md5Counters()?.[name] ?? -1;

describe('the tcp_md5sig struct', () => {
  it('lays out family, address, key length and key where Linux reads them', () => {
    const s = md5sigStruct('192.0.2.11', 's3cret');
    expect(s.length).toBe(216);
    expect([...s.subarray(0, 8)]).toEqual([2, 0, 0, 0, 192, 0, 2, 11]); // AF_INET (host order), port 0, address
    expect([s[128], s[129], s.readUInt16LE(130), s.readInt32LE(132)]).toEqual([0, 0, 6, 0]); // flags, prefixlen, keylen, ifindex
    expect(s.subarray(136, 142).toString()).toBe('s3cret');
    expect(s.subarray(142).every((b) => b === 0)).toBe(true);
  });

  it('refuses a key longer than 80 bytes and an address that is not a dotted quad', () => {
    expect(() => md5sigStruct('192.0.2.11', 'k'.repeat(81))).toThrow('longer than 80 bytes');
    expect(() => md5sigStruct('::1', 'k')).toThrow('not a dotted-quad');
  });
});

describe('TCP-MD5 on this Linux kernel', () => {
  it('is available (the interop lab and the CI machine rely on it)', () => {
    expect(tcpMd5Support()).toEqual({ ok: true });
    expect(counter('TCPMD5Failure')).toBeGreaterThanOrEqual(0);
  });
});

describe('a BGP peer with a password, connecting to us', () => {
  it('reaches Established when it signs with the same password', async () => {
    const { speaker: s, port } = await speakerWith({ address: '127.0.0.2', password: 's3cret' });
    const peer = await RawBgpPeer.connect(port, '127.0.0.1', { ctx: CTX, localAddress: '127.0.0.2', password: 's3cret' });
    cleanups.push(() => peer.destroy());
    await peer.handshake(openFor(ASN, ip('10.0.0.2'), ['1/128']), true);
    await expect.poll(() => s.peers.get('a')!.session.stateName).toBe('Established');
  });

  it('gets no TCP answer at all when it signs with another password, and the kernel counts the failure', async () => {
    const { port } = await speakerWith({ address: '127.0.0.2', password: 's3cret' });
    const before = counter('TCPMD5Failure');
    expect(await tcpAttempt(port, '127.0.0.2', 'wrong', 1500)).toBe('no answer');
    expect(counter('TCPMD5Failure')).toBeGreaterThan(before);
  });

  it('gets no TCP answer at all when it does not sign, and the kernel counts a missing signature', async () => {
    const { port } = await speakerWith({ address: '127.0.0.2', password: 's3cret' });
    const before = counter('TCPMD5NotFound');
    expect(await tcpAttempt(port, '127.0.0.2', undefined, 1500)).toBe('no answer');
    expect(counter('TCPMD5NotFound')).toBeGreaterThan(before);
  });

  it('is not required of other addresses: an unsigned connection from a peer without a password is answered', async () => {
    const { port } = await speakerWith({ address: '127.0.0.2', password: 's3cret' });
    expect(await tcpAttempt(port, '127.0.0.3', undefined, 1500)).toBe('connected');
  });
});

describe('our outbound connection to a peer with a password', () => {
  /** A listener on 127.0.0.1 that requires `key` from 127.0.0.1; resolves its accepted sockets' first bytes. */
  async function signedListener(key: string) {
    const got: Buffer[] = [];
    const server = net.createServer((sock) => {
      sock.on('data', (b: Buffer) => got.push(b));
      sock.on('error', () => undefined);
      cleanups.push(() => sock.destroy());
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    setListenerKey(server, '127.0.0.1', key);
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    return { port: (server.address() as net.AddressInfo).port, got };
  }

  it('is signed with the password: a peer requiring it accepts the connection and gets our OPEN', async () => {
    const listener = await signedListener('s3cret');
    await speakerWith({ address: '127.0.0.1', port: listener.port, passive: false, password: 's3cret' });
    await expect.poll(() => listener.got.length, { timeout: 4000 }).toBeGreaterThan(0);
    expect(listener.got[0]![18]).toBe(1); // BGP message type 1: OPEN
  });

  it('goes unanswered when the passwords differ, and our log says so with the kernel counters', async () => {
    const listener = await signedListener('other');
    const { speaker: s, logs } = await speakerWith({ address: '127.0.0.1', port: listener.port, passive: false, password: 's3cret' });
    const said = (): Array<Record<string, unknown>> => logs.filter((l) => String(l.msg).startsWith('TCP-MD5 peer did not answer'));
    await expect.poll(() => said().length, { timeout: 4000 }).toBeGreaterThan(0);
    expect(said()[0]).toMatchObject({ level: 40, peer: 'a', address: '127.0.0.1', attempts: 1, kernel: expect.objectContaining({ TCPMD5Failure: expect.any(Number) }) });
    expect(listener.got).toEqual([]);
    expect(s.peers.get('a')!.session.stateName).not.toBe('Established');
  });
});
