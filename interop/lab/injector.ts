/**
 * A raw BGP injector in the lab: drives bgp-injector.mjs (a plain node script,
 * run with `ip netns exec`) over JSON lines, and builds the bytes it sends by
 * hand, field by field, without the project's codec: an OPEN, and VPNv4
 * UPDATEs whose ORIGIN value the test chooses (RFC 7606 §7.1: an undefined
 * ORIGIN value is handled as treat-as-withdraw). Every call is bounded; the
 * process is stopped by PID through the Lab, or by closing its stdin.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Lab } from './lab.js';
import type { PipedProcessHandle } from './proc.js';
import { waitUntil, WaitAborted } from './proc.js';
import { REPO_ROOT } from './control-node.js';
import { splitTarget } from './routes.js';
import type { VpnRouteSpec } from './routes.js';

const SCRIPT = join(REPO_ROOT, 'interop', 'lab', 'bgp-injector.mjs');

const hex = (bytes: readonly number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
const u16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const ipv4 = (s: string): number[] => s.split('.').map(Number);

/** Marker, length, type, body. */
function message(type: number, body: readonly number[]): number[] {
  return [...new Array<number>(16).fill(0xff), ...u16(19 + body.length), type, ...body];
}

/** OPEN: version 4, `asn` (2-octet), hold 90, `bgpId`; capabilities MP VPNv4 (1/128) and 4-octet AS. */
export function openHex(asn: number, bgpId: string): string {
  const caps = [
    2, 6, 1, 4, ...u16(1), 0, 128, // capability 1 (multiprotocol): AFI 1, SAFI 128
    2, 6, 65, 4, ...u32(asn), // capability 65 (4-octet AS)
  ];
  return hex(message(1, [4, ...u16(asn), ...u16(90), ...ipv4(bgpId), caps.length, ...caps]));
}

/** One labelled VPN-IPv4 NLRI (RFC 4364 §4.3.4, RFC 8277 §2.2): length in bits, label (bottom of stack), RD type 1, prefix. */
function vpnNlri(rd: string, prefix: string, label: number): number[] {
  const [rdAdmin, rdAssigned] = rd.split(':');
  const [addr, len] = prefix.split('/');
  const plen = Number(len);
  return [
    24 + 64 + plen, // length in bits: label, RD, prefix
    ...u32((label << 4) | 1).slice(1), // one label, bottom of stack
    ...u16(1), ...ipv4(rdAdmin ?? ''), ...u16(Number(rdAssigned)), // RD type 1: IPv4 address : 16-bit number
    ...ipv4(addr ?? '').slice(0, Math.ceil(plen / 8)),
  ];
}

/** ORIGIN, empty AS_PATH, LOCAL_PREF 100, the route targets and MP_REACH_NLRI (VPNv4, next hop RD 0 + IPv4) carrying `nlri`. */
function vpnAttrs(nextHop: string, routeTargets: readonly string[], origin: number, nlri: readonly number[]): number[] {
  const nh = [...new Array<number>(8).fill(0), ...ipv4(nextHop)]; // RD 0 + IPv4
  const mpReach = [...u16(1), 128, nh.length, ...nh, 0, ...nlri];
  const ecs = routeTargets.flatMap((rt) => {
    const [asn, value] = splitTarget(rt);
    return [0x00, 0x02, ...u16(Number(asn)), ...u32(Number(value))]; // 2-octet-AS route target
  });
  return [
    0x40, 1, 1, origin, // ORIGIN (well-known, transitive)
    0x40, 2, 0, // AS_PATH, empty (iBGP)
    0x40, 5, 4, ...u32(100), // LOCAL_PREF
    0xc0, 16, ecs.length, ...ecs, // EXTENDED_COMMUNITIES (optional, transitive)
    0x90, 14, ...u16(mpReach.length), ...mpReach, // MP_REACH_NLRI (optional, extended length)
  ];
}

/**
 * A VPNv4 UPDATE announcing `spec` with ORIGIN `origin` (0 = IGP; 5 is no
 * defined value), an empty AS_PATH, LOCAL_PREF 100 and the route targets.
 */
export function vpnUpdateHex(spec: VpnRouteSpec, origin: number): string {
  const attrs = vpnAttrs(spec.nextHop, spec.routeTargets, origin, vpnNlri(spec.rd, spec.prefix, spec.label));
  return hex(message(2, [...u16(0), ...u16(attrs.length), ...attrs]));
}

/** `count` VPNv4 routes sharing one RD, label, next hop and targets: route i is `prefix(i)`. */
export interface VpnFlood {
  count: number;
  rd: string;
  label: number;
  nextHop: string;
  routeTargets: string[];
  prefix: (i: number) => string;
}

/** Most bytes of a BGP message (RFC 4271 §4.1). */
const MAX_MESSAGE = 4096;

/**
 * The UPDATEs (hex, one per message) announcing every route of `flood`, as many
 * NLRI per MP_REACH_NLRI as fit in a 4096-byte message, in route order.
 */
export function vpnFloodHex(flood: VpnFlood): string[] {
  const fixed = 19 + 4 + vpnAttrs(flood.nextHop, flood.routeTargets, 0, []).length;
  const out: string[] = [];
  let nlri: number[] = [];
  const flush = (): void => {
    const attrs = vpnAttrs(flood.nextHop, flood.routeTargets, 0, nlri);
    out.push(hex(message(2, [...u16(0), ...u16(attrs.length), ...attrs])));
    nlri = [];
  };
  for (let i = 0; i < flood.count; i++) {
    const one = vpnNlri(flood.rd, flood.prefix(i), flood.label);
    if (fixed + nlri.length + one.length > MAX_MESSAGE) flush();
    for (const b of one) nlri.push(b);
  }
  if (nlri.length > 0) flush();
  return out;
}

export interface InjectorState {
  connected: boolean;
  established: boolean;
  closed: boolean;
  received: { open: number; update: number; notification: number; keepalive: number };
  notifications: Array<{ code: number; subcode: number }>;
}

/** The injector process in one lab host, connected to `peer` port 179. */
export class BgpInjector {
  private seq = 0;
  private readonly pending = new Map<number, (v: unknown) => void>();

  private constructor(private readonly proc: PipedProcessHandle) {
    createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let msg: { id?: number; ok?: boolean; result?: unknown };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return;
      }
      const done = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (done && msg.id !== undefined) {
        this.pending.delete(msg.id);
        done(msg.result);
      }
    });
  }

  static start(lab: Lab, host: string, opts: { peer: string; asn: number; bgpId: string }): BgpInjector {
    const args = [SCRIPT, '--local', lab.address(host), '--peer', opts.peer, '--open', openHex(opts.asn, opts.bgpId)];
    return new BgpInjector(lab.spawnPiped(host, process.execPath, args, `${host}-injector.log`));
  }

  get pid(): number | undefined {
    return this.proc.isRunning() ? this.proc.pid : undefined;
  }

  async state(): Promise<InjectorState> {
    return (await this.request('state', {})) as InjectorState;
  }

  async send(hexBytes: string): Promise<void> {
    await this.request('send', { hex: hexBytes });
  }

  async waitEstablished(timeoutMs = 30_000): Promise<void> {
    await waitUntil('the injector\'s session Established', async () => {
      const s = await this.state();
      if (s.closed) throw new WaitAborted(`the injector's connection closed: ${JSON.stringify(s)}`);
      return s.established;
    }, timeoutMs, 200);
  }

  /** SIGKILL by PID: the speaker vanishes, whatever it was writing (the kernel closes its socket). */
  async kill(): Promise<number | string> {
    return this.proc.kill();
  }

  /** Closes stdin (the script exits); SIGTERM/SIGKILL by PID if it lingers. */
  async stop(): Promise<void> {
    if (!this.proc.isRunning()) return;
    this.proc.stdin.end();
    const code = await Promise.race([this.proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3_000).unref())]);
    if (code === undefined) await this.proc.stop(2_000);
  }

  private request(cmd: string, args: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
    if (!this.proc.isRunning()) return Promise.reject(new Error(`injector: not running (${cmd}), see ${this.proc.logFile}`));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`injector: no reply to ${cmd} within ${timeoutMs} ms, see ${this.proc.logFile}`));
      }, timeoutMs);
      this.pending.set(id, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      this.proc.stdin.write(`${JSON.stringify({ ...args, id, cmd })}\n`);
    });
  }
}
