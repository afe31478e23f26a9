/**
 * `npm run bench:stuck -- [--seconds 30] [--routes 4000]` — a BGP peer that
 * stops reading, under a churning table (issue 12, "Limits").
 *
 * One process: a BgpSpeaker on the master tables (as src/server.ts builds
 * them) and three raw sessions from bench/lib/bgp-peer.ts: an injector
 * (127.0.0.2) that announces `routes` VPN routes of ~3.1 kB each (a 3000-byte
 * optional transitive attribute, a MED of their own) again and again with
 * new MEDs and withdraws a third of them each round, a live client
 * (127.0.0.3) that reads everything, and a stuck client (127.0.0.4) whose
 * socket is paused once it is up. Every second it prints the process RSS and
 * V8 heap, the stuck peer's socket.writableLength (bounded by OUTPUT_CAP
 * plus one drain round), whether its update group has paused it and how many
 * route keys it is behind at, and how much the live client got. Not a test:
 * figures to read (the RSS should level off, the writableLength stay flat).
 */

import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { BgpSpeaker, OUTPUT_CAP } from '../src/bgp/speaker.js';
import { encodeMessage, FAMILIES, FAMILY_NAMES, parseIpv4 } from '../src/bgp/wire/index.js';
import type { UpdateMessage, VpnPrefix } from '../src/bgp/wire/types.js';
import { BgpPeering, type TableSet } from '../src/rib/peering.js';
import { Rib } from '../src/rib/rib.js';
import { Table } from '../src/rib/table.js';
import { BgpPeer, CTX } from './lib/bgp-peer.js';

const ASN = 64512;
const RD = (1n << 48n) | (BigInt(parseIpv4('192.0.2.2')!) << 16n) | 1n;
const BLOB = [{ flags: 0xc0, code: 250, value: new Uint8Array(3000).fill(7) }];
const RT = (2n << 56n) | (BigInt(ASN) << 32n) | 1n;

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, routes: { type: 'string', default: '4000' } } });
const SECONDS = Math.min(60, Number(values.seconds));
const ROUTES = Number(values.routes);

const nlri = (n: number): VpnPrefix => ({ family: 'inet-vpn', labels: [16 + (n % 1000)], rd: RD, addr: 0x0a000000 + (n << 8), len: 24 });

function announce(n: number, med: number): Uint8Array {
  const msg: UpdateMessage = {
    type: 'update', withdrawn: [], nlri: [],
    attrs: { origin: 0, asPath: [], localPref: 100, med, extCommunities: [RT], unknown: BLOB },
    mpReach: { afi: 1, safi: 128, family: 'inet-vpn', nextHop: parseIpv4('192.0.2.100')!, nlri: [nlri(n)] },
  };
  return encodeMessage(msg, CTX);
}

function withdraw(ns: number[]): Uint8Array {
  const msg: UpdateMessage = { type: 'update', withdrawn: [], nlri: [], attrs: {}, mpUnreach: { afi: 1, safi: 128, family: 'inet-vpn', nlri: ns.map(nlri) } };
  return encodeMessage(msg, CTX);
}

/** Whole messages at the start of buf, in bytes (the live client only counts). */
function whole(buf: Buffer): number {
  let off = 0;
  while (off + 19 <= buf.length) {
    const len = buf.readUInt16BE(off + 16);
    if (len < 19 || off + len > buf.length) break;
    off += len;
  }
  return off;
}

async function main(): Promise<void> {
  const tables: Record<string, Table> = {};
  for (const f of FAMILY_NAMES) tables[f] = new Table(FAMILIES[f].masterTable, FAMILIES[f]) as Table;
  const local = { routerId: parseIpv4('10.0.0.1')!, asn: ASN, clusterId: parseIpv4('10.255.0.1')!, reflector: true };
  const peering = new BgpPeering(new Rib(local), tables as TableSet);
  const names = ['injector', 'live', 'stuck'];
  const speaker = new BgpSpeaker(peering, {
    name: 'cn', asn: ASN, routerId: local.routerId, logger: pino({ level: 'silent' }),
    bgp: {
      listen: { address: '127.0.0.1', port: 0 }, holdTime: 90, connectRetry: 1,
      peers: names.map((name, i) => ({ name, address: `127.0.0.${i + 2}`, asn: ASN, port: 179, passive: true, routeReflectorClient: true, families: ['inet-vpn'] })),
    },
  });
  const { port } = await speaker.start();
  const connect = (i: number) => BgpPeer.connect({ name: names[i]!, local: `127.0.0.${i + 2}`, host: '127.0.0.1', port, asn: ASN, holdTime: 90 }, 10_000);
  const [injector, live, stuck] = [await connect(0), await connect(1), await connect(2)];
  let liveBytes = 0;
  live.onData = (buf) => {
    const n = whole(buf);
    liveBytes += n;
    return n;
  };
  stuck.socket.pause();
  const entry = speaker.peers.get('stuck')!;
  console.log(`stuck peer under churn: ${ROUTES} routes of ~3.1 kB, ${SECONDS} s, OUTPUT_CAP ${(OUTPUT_CAP / 2 ** 20).toFixed(1)} MiB`);
  console.log('   s  rss MiB  heap MiB  stuck writableLength  paused  behind at  live got MiB  rounds');
  const t0 = Date.now();
  let rounds = 0;
  let maxWritable = 0;
  const sample = setInterval(() => {
    const group = entry.rib.groups.get('inet-vpn');
    const step = group?.stepOf(entry.rib);
    const m = process.memoryUsage();
    maxWritable = Math.max(maxWritable, entry.session.writableLength);
    console.log(
      `${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}  ${(m.rss / 2 ** 20).toFixed(0).padStart(7)}  ${(m.heapUsed / 2 ** 20).toFixed(0).padStart(8)}` +
      `  ${String(entry.session.writableLength).padStart(20)}  ${String(step?.paused ?? false).padStart(6)}  ${String(step?.held ?? 0).padStart(9)}` +
      `  ${(liveBytes / 2 ** 20).toFixed(0).padStart(12)}  ${String(rounds).padStart(6)}`,
    );
  }, 1000);
  while (Date.now() - t0 < SECONDS * 1000) {
    for (let n = 0; n < ROUTES; n++) if (!injector.write(announce(n, rounds * ROUTES + n))) await injector.drained();
    const third: number[] = [];
    for (let n = rounds % 3; n < ROUTES; n += 3) third.push(n);
    for (let i = 0; i < third.length; i += 200) if (!injector.write(withdraw(third.slice(i, i + 200)))) await injector.drained();
    rounds++;
  }
  clearInterval(sample);
  console.log(`largest stuck writableLength sampled: ${maxWritable} bytes; session ${entry.session.stateName}`);
  for (const p of [injector, live, stuck]) p.socket.destroy();
  await speaker.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
