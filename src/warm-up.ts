/**
 * JIT warm-up at start: before any peer connects, run a few thousand made-up
 * IPv4-VPN routes through the route-reflection hot path — decoding, the one
 * way in (Rib.addPaths / withdrawPath), the tables, update groups and UPDATE
 * packing — once announced and once withdrawn, on a scratch RIB of its own
 * that is then dropped. Nothing of it is kept or sent.
 *
 * Why: V8 optimizes a function for what it has seen run. On a fresh process
 * the first withdrawals hit code that the announcements optimized without a
 * withdrawal ever taking its branches ("insufficient type feedback"): it
 * deoptimizes, and runs in the interpreter while a background thread
 * compiles it again (tens of ms per function on a loaded machine; the whole
 * withdrawal of 100k routes takes about 0.2 s). Measured in process (the
 * bench workload, 100k routes, first withdrawal in a fresh process): 0.31–0.41 s
 * CPU cold, 0.12–0.17 s after a warm-up like this one. A node that has run
 * for a while is warm anyway; this makes the first minutes alike.
 *
 * The routes look like those of Contrail gateways and compute nodes: RD
 * type 1 per VRF, /32s, a label each, route target and encapsulation
 * extended communities, 100 routes per attribute set, two route-reflector
 * clients in one update group, as the server builds the master instance.
 */

import { decodeMessage, encodePathAttributes, FAMILIES, packUpdates, packWithdrawals } from './bgp/wire/index.js';
import type { CodecContext, PathAttributes, UpdateMessage, VpnPrefix } from './bgp/wire/types.js';
import { BgpPeering, type PeerRib, type TableSet } from './rib/peering.js';
import { Rib } from './rib/rib.js';
import type { PeerInfo } from './rib/types.js';
import { InstanceManager } from './routing-instances/manager.js';

const ASN = 64512;
const VPN = { afi: 1, safi: 128 } as const;
const CTX: CodecContext = { fourOctetAs: true, ebgp: false, families: new Set(['1/128']) };
/** Routes per attribute set (and per RD), as in a VRF of a compute node. */
const PER_SET = 100;
/** UPDATEs applied between two drains, about what one socket read holds before the speaker drains. */
const PER_DRAIN = 8;

/** Run `routes` made-up VPN routes in and out `rounds` times on a scratch RIB; returns how many UPDATEs it packed. */
export function warmUp(routes = 2000, rounds = 3): number {
  const rib = new Rib({ routerId: 0x0a000001, asn: ASN, clusterId: 0x0aff0001, reflector: true });
  const manager = new InstanceManager(rib, ASN, []);
  const peering = new BgpPeering(rib, manager.master.tables as TableSet);
  const source = client(rib, peering, 'warm-up source', 0xc0000202);
  client(rib, peering, 'warm-up client', 0xc0000203);
  const { announce, withdraw } = updates(routes);
  let packed = 0;
  for (let r = 0; r < rounds; r++) {
    packed += feed(peering, source, announce);
    packed += feed(peering, source, withdraw);
  }
  return packed;
}

function client(rib: Rib, peering: BgpPeering, name: string, address: number): PeerRib {
  const info: PeerInfo = { id: rib.allocatePeerId(), name, kind: 'bgp', address, asn: ASN, ibgp: true, rrClient: true, routerId: address };
  const st = peering.addPeer(info, ['inet-vpn']);
  peering.peerUp(st, [VPN], true, address);
  return st;
}

/** The routes' UPDATEs as bytes, the way a peer sends them. */
function updates(routes: number): { announce: Uint8Array[]; withdraw: Uint8Array[] } {
  const announce: Uint8Array[] = [];
  const withdraw: Uint8Array[] = [];
  for (let set = 0; set * PER_SET < routes; set++) {
    const rd = (1n << 48n) | (0xc0000264n << 16n) | BigInt(set + 1); // 192.0.2.100:<set>
    const nlri: VpnPrefix[] = [];
    for (let i = 0; i < PER_SET; i++) {
      nlri.push({ family: 'inet-vpn', labels: 16 + set * PER_SET + i, rd, addr: (0x0a000000 + set * PER_SET + i) >>> 0, len: 32 });
    }
    const attrs: PathAttributes = {
      origin: 0, asPath: [], localPref: 100,
      extCommunities: [(0x0002n << 48n) | (BigInt(ASN) << 32n) | BigInt(set + 1), 0x030c_0000_0000_0002n],
    };
    announce.push(...packUpdates(FAMILIES['inet-vpn'], encodePathAttributes(attrs, CTX), 0xc0000264, nlri, CTX));
    withdraw.push(...packWithdrawals(FAMILIES['inet-vpn'], nlri, CTX));
  }
  return { announce, withdraw };
}

/** Decode and apply the UPDATEs, draining the update groups every PER_DRAIN as the speaker does. */
function feed(peering: BgpPeering, source: PeerRib, messages: readonly Uint8Array[]): number {
  let packed = 0;
  for (let i = 0; i < messages.length; i++) {
    const msg = decodeMessage(messages[i]!, CTX).value as UpdateMessage;
    peering.update(source, msg);
    if ((i + 1) % PER_DRAIN === 0 || i === messages.length - 1) {
      while (peering.hasWork()) for (const d of peering.drain(4096)) packed += d.msgs.length;
    }
  }
  return packed;
}
