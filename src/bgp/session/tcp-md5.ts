/**
 * TCP MD5 signatures (RFC 2385) for BGP sessions, on Linux, through libc.
 *
 * Node's `net` has no setsockopt, and no maintained addon sets the struct
 * option TCP_MD5SIG (sockopt, for one, takes integers only). koffi (an FFI
 * with prebuilt binaries inside its npm package: nothing compiles at install
 * time) calls libc's socket / setsockopt / close directly:
 *
 *   - listening socket: one key per peer address on the listener's fd; the
 *     kernel copies it to every connection it accepts from that address, and
 *     drops a SYN from that address that is unsigned or wrongly signed
 *     (TcpExtTCPMD5NotFound / TcpExtTCPMD5Failure). Keys can be added and
 *     removed at any time.
 *   - outgoing socket: the key must be on the socket before the SYN, but
 *     `net.connect()` creates its fd and connects in one go. So the socket is
 *     created here (socket(2), key set), wrapped in `new net.Socket({ fd })`
 *     — libuv adopts the fd and makes it non-blocking — and then connected
 *     with `socket.connect()`, which reuses the adopted fd (libuv's
 *     uv_tcp_connect only creates a socket when the handle has none).
 *
 * Linux only: `tcpMd5Support()` says why not elsewhere (or on a kernel
 * without CONFIG_TCP_MD5SIG), and the composition root refuses a config with
 * a password then. The struct is Linux's `struct tcp_md5sig`
 * (include/uapi/linux/tcp.h), 216 bytes:
 *
 *   0..127   struct sockaddr_storage tcpm_addr (here a sockaddr_in:
 *            family u16 host order, port u16 and address u32 network order)
 *   128      u8  tcpm_flags       (0: exact address, no prefix)
 *   129      u8  tcpm_prefixlen
 *   130..131 u16 tcpm_keylen      (host order)
 *   132..135 int tcpm_ifindex
 *   136..215 u8  tcpm_key[80]
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import type { Logger } from 'pino';

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_TCP = 6;
/** include/uapi/linux/tcp.h */
const TCP_MD5SIG = 14;
const STRUCT_SIZE = 216;
/** TCP_MD5SIG_MAXKEYLEN */
export const TCP_MD5_MAX_KEY_BYTES = 80;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  close(fd: number): number;
  errno(): number;
}

let libc: Libc | undefined;
let loadError: string | undefined;

/** libc through koffi, loaded once on first use; undefined (and loadError set) where that fails. */
function loadLibc(): Libc | undefined {
  if (libc || loadError) return libc;
  if (process.platform !== 'linux') {
    loadError = `TCP-MD5 is implemented for Linux only (this is ${process.platform})`;
    return undefined;
  }
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    const setsockopt = lib.func('int setsockopt(int fd, int level, int name, const uint8_t *value, uint32_t len)');
    libc = {
      socket: lib.func('int socket(int domain, int type, int protocol)') as Libc['socket'],
      setsockopt: setsockopt as Libc['setsockopt'],
      close: lib.func('int close(int fd)') as Libc['close'],
      errno: () => koffi.errno(),
    };
  } catch (err) {
    loadError = `cannot load libc through koffi: ${err instanceof Error ? err.message : String(err)}`;
  }
  return libc;
}

function errnoText(code: number): string {
  const name = Object.entries(os.constants.errno).find(([, v]) => v === code)?.[0];
  return name ? `${name} (${code})` : `errno ${code}`;
}

/** The `struct tcp_md5sig` for `address` (dotted quad) and `key`; an empty key removes the address's key. */
export function md5sigStruct(address: string, key: string): Buffer {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length > TCP_MD5_MAX_KEY_BYTES) throw new RangeError(`TCP-MD5 key longer than ${TCP_MD5_MAX_KEY_BYTES} bytes`);
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new RangeError(`not a dotted-quad IPv4 address: ${address}`);
  }
  const s = Buffer.alloc(STRUCT_SIZE);
  s.writeUInt16LE(AF_INET, 0); // sa_family is host order (x86, arm: little-endian)
  s.set(octets, 4); // sin_addr, network order; sin_port stays 0 (any port)
  s.writeUInt16LE(bytes.length, 130);
  bytes.copy(s, 136);
  return s;
}

function setKey(c: Libc, fd: number, address: string, key: string): void {
  const s = md5sigStruct(address, key);
  if (c.setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, s, STRUCT_SIZE) !== 0) {
    throw new Error(`setsockopt(TCP_MD5SIG) for ${address}: ${errnoText(c.errno())}`);
  }
}

function requireLibc(): Libc {
  const c = loadLibc();
  if (!c) throw new Error(loadError);
  return c;
}

/**
 * Whether TCP-MD5 works here: koffi loads libc and the kernel takes a key
 * on a fresh socket. `{ ok: false, reason }` says what the system answered.
 */
export function tcpMd5Support(): { ok: true } | { ok: false; reason: string } {
  const c = loadLibc();
  if (!c) return { ok: false, reason: loadError ?? 'unavailable' };
  const fd = c.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return { ok: false, reason: `socket(): ${errnoText(c.errno())}` };
  try {
    setKey(c, fd, '127.0.0.1', 'probe');
    return { ok: true };
  } catch (err) {
    const text = (err as Error).message;
    return { ok: false, reason: `the kernel refused TCP_MD5SIG (${text.replace(/^.*: /, '')}); it needs CONFIG_TCP_MD5SIG` };
  } finally {
    c.close(fd);
  }
}

/** The fd of a listening net.Server (libuv's handle; Unix only). */
function serverFd(server: net.Server): number {
  const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the listening socket has no file descriptor (not listening yet?)');
  return fd;
}

/** Accept connections from `address` only when signed with `key` (an empty key removes the requirement). */
export function setListenerKey(server: net.Server, address: string, key: string): void {
  setKey(requireLibc(), serverFd(server), address, key);
}

/**
 * A TCP socket whose SYN to `address` is signed with `key`, not connected
 * yet: call `connect({ host: address, port, localAddress })` on it.
 */
export function signedSocket(address: string, key: string, opts: { allowHalfOpen?: boolean } = {}): net.Socket {
  const c = requireLibc();
  const fd = c.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket(): ${errnoText(c.errno())}`);
  try {
    setKey(c, fd, address, key);
    // Not readable until connect(): libuv would otherwise poll an unconnected socket, which reports a hang-up.
    return new net.Socket({ fd, readable: true, writable: true, manualStart: true, ...opts } as net.SocketConstructorOpts);
  } catch (err) {
    c.close(fd);
    throw err;
  }
}

/**
 * A fresh socket for an outbound attempt; with a password, one whose SYN is
 * signed. If that cannot be made, a socket destroyed with the reason, so the
 * attempt fails the ordinary way (tcp-failed).
 */
export function outboundSocket(address: string, password: string | undefined): net.Socket {
  if (password === undefined) return new net.Socket();
  try {
    return signedSocket(address, password);
  } catch (err) {
    const socket = new net.Socket();
    socket.destroy(new Error(`TCP-MD5: ${(err as Error).message}`));
    return socket;
  }
}

/**
 * Says that `attempts` outbound attempts in a row went unanswered. With
 * TCP-MD5 that is what a wrong or missing password looks like (the kernel
 * drops unsigned and badly signed segments without a word), so the line
 * carries this namespace's kernel counters as evidence: at warn on the
 * first attempt and every twelfth, at debug otherwise.
 */
export function reportUnanswered(log: Logger, address: string, attempts: number): void {
  const level = attempts === 1 || attempts % 12 === 0 ? 'warn' : 'debug';
  log[level](
    { address, attempts, kernel: md5Counters() },
    'TCP-MD5 peer did not answer our signed SYN; a password that differs from the peer\'s looks exactly like this',
  );
}

/**
 * This network namespace's kernel counters of segments dropped for TCP-MD5:
 * `TCPMD5NotFound` (unsigned, but a key is set for the source),
 * `TCPMD5Failure` (signed with a different key), `TCPMD5Unexpected` (signed,
 * but no key set here). Undefined where /proc/net/netstat does not say.
 */
export function md5Counters(): Record<string, number> | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const names = lines[i]?.split(/\s+/) ?? [];
    const values = lines[i + 1]?.split(/\s+/) ?? [];
    const out: Record<string, number> = {};
    names.forEach((n, j) => {
      if (n.startsWith('TCPMD5')) out[n] = Number(values[j]);
    });
    return Object.keys(out).length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}
