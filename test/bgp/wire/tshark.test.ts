/**
 * tshark as an independent decoder (interop.md §5.2): our encoder's output
 * is wrapped in a fake TCP stream with text2pcap and Wireshark's BGP
 * dissector must read back the same fields, with no malformed-packet or
 * warning expert info.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeEndOfRib,
  encodeKeepalive,
  encodeMessage,
  encodeNotification,
  encodePathAttributes,
  familyOf,
  packUpdates,
  packWithdrawals,
  parseRd,
  parseRouteTarget,
} from '../../../src/bgp/wire/index.js';
import type { Ipv4Prefix, UpdateMessage } from '../../../src/bgp/wire/index.js';
import { updateMessage } from './arbitraries.js';
import { IBGP4 } from './support.js';

function have(tool: string): boolean {
  try {
    execFileSync(tool, ['-v'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const TOOLS = have('tshark') && have('text2pcap');
if (!TOOLS) console.log('tshark oracle tests skipped: tshark and text2pcap are not both installed');

const dir = TOOLS ? mkdtempSync(join(tmpdir(), 'bgp-wire-tshark-')) : '';
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Our sessions are 4-octet AS: do not let Wireshark guess the ASN width. */
const PREFS = ['-o', 'bgp.asn_len:4 octet'];

/** One packet per message, in the od-style dump text2pcap reads. */
function dump(messages: readonly Uint8Array[]): string {
  let out = '';
  for (const m of messages) {
    for (let i = 0; i < m.length; i += 16) {
      const row = Array.from(m.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
      out += `${i.toString(16).padStart(6, '0')} ${row}\n`;
    }
    out += '\n';
  }
  return out;
}

function capture(name: string, messages: readonly Uint8Array[]): string {
  const hex = join(dir, `${name}.hex`);
  const pcap = join(dir, `${name}.pcap`);
  writeFileSync(hex, dump(messages));
  execFileSync('text2pcap', ['-q', '-T', '40000,179', '-4', '192.0.2.1,192.0.2.2', hex, pcap], { timeout: 30_000 });
  return pcap;
}

/** The given fields per frame, multiple occurrences joined with ','. */
function fields(pcap: string, names: readonly string[]): Array<Record<string, string>> {
  const args = [...PREFS, '-r', pcap, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const n of names) args.push('-e', n);
  const out = execFileSync('tshark', args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [names[i] as string, v])));
}

/** Frames tshark flags as malformed or with expert info of warning severity or worse. */
function complaints(pcap: string): string {
  const args = [...PREFS, '-r', pcap, '-Y', '_ws.malformed || _ws.expert.severity >= "warning"', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'];
  return execFileSync('tshark', args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** Turn a /n prefix into 10.x/≥8, which Wireshark's ADD-PATH guess never takes for a path id. */
function plausible(p: Ipv4Prefix): Ipv4Prefix {
  const len = Math.max(8, p.len);
  const m = (0xffffffff << (32 - len)) >>> 0;
  return { family: 'inet' as const, addr: ((0x0a000000 | (p.addr & 0x00ffffff)) & m) >>> 0, len };
}

/**
 * Adapt a generated UPDATE to tshark's heuristics (not to our codec):
 * unknown attributes carry random bytes, so give them unassigned codes lest
 * Wireshark dissect them as Tunnel Encap, BGP-LS or BGPsec; and IPv4
 * prefixes such as 0.0.0.0/19 make its ADD-PATH auto-detection (there is
 * no OPEN in the capture) read the NLRI as carrying path ids.
 */
function forTshark(u: UpdateMessage): UpdateMessage {
  const unknown = u.attrs.unknown?.map((a, i) => ({ ...a, code: 200 + i }));
  const attrs = unknown === undefined ? u.attrs : { ...u.attrs, unknown };
  let out: UpdateMessage = { ...u, attrs, withdrawn: u.withdrawn.map(plausible), nlri: u.nlri.map(plausible) };
  if (u.mpReach?.family === 'inet') out = { ...out, mpReach: { ...u.mpReach, nlri: u.mpReach.nlri.map(plausible) } };
  if (u.mpUnreach?.family === 'inet') out = { ...out, mpUnreach: { ...u.mpUnreach, nlri: u.mpUnreach.nlri.map(plausible) } };
  return out;
}

describe.skipIf(!TOOLS)('tshark reads our messages', () => {
  it('decodes an OPEN, VPN and RTC UPDATEs, a withdrawal, End-of-RIB, NOTIFICATION, ROUTE-REFRESH and KEEPALIVE as we wrote them', () => {
    const rt = parseRouteTarget('target:64512:1') as bigint;
    const rd = parseRd('192.0.2.12:1') as bigint;
    const vpnAttrs = encodePathAttributes(
      {
        origin: 0,
        asPath: [{ type: 2, asns: [64512, 4200000000] }],
        med: 5,
        localPref: 100,
        communities: [0xfc000064],
        originatorId: 0xc000020b,
        clusterList: [0xc0000201],
        extCommunities: [rt, 0x030c_0000_0000_0002n, 0x8071_fc00_0000_0004n],
        largeCommunities: [{ global: 64512, local1: 1, local2: 2 }],
        unknown: [{ flags: 0xe0, code: 35, value: Uint8Array.of(0, 0, 0xfc, 0) }],
      },
      IBGP4,
    );
    const vpn = { family: 'inet-vpn' as const, labels: [1001], rd, addr: 0xc6120a00, len: 24 };
    const messages = [
      encodeMessage(
        {
          type: 'open',
          version: 4,
          myAs: 64512,
          holdTime: 90,
          bgpId: 0xc0000201,
          capabilities: [
            { code: 1, afi: 1, safi: 128 },
            { code: 64, restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 128, forwarding: true }] },
            { code: 65, asn: 64512 },
          ],
        },
        IBGP4,
      ),
      ...packUpdates(familyOf('inet-vpn'), vpnAttrs, 0xc000020c, [vpn], IBGP4),
      ...packUpdates(familyOf('route-target'), encodePathAttributes({ origin: 0, asPath: [] }, IBGP4), 0xc000020b, [{ family: 'route-target' as const, len: 96, originAs: 64512, target: rt }], IBGP4),
      ...packWithdrawals(familyOf('inet-vpn'), [{ ...vpn, labels: [] }], IBGP4),
      encodeEndOfRib(familyOf('inet-vpn')),
      encodeNotification(6, 2, Uint8Array.of(3, 0x62, 0x79, 0x65)),
      encodeMessage({ type: 'route-refresh', afi: 1, safi: 128, subtype: 0 }, IBGP4),
      encodeKeepalive(),
    ];
    const pcap = capture('fixed', messages);
    expect(complaints(pcap)).toBe('');
    const f = fields(pcap, [
      'bgp.type',
      'bgp.open.holdtime',
      'bgp.open.identifier',
      'bgp.cap.mp.safi',
      'bgp.cap.gr.timers.restart_time',
      'bgp.cap.4as',
      'bgp.rd',
      'bgp.label_stack',
      'bgp.mp_reach_nlri_ipv4_prefix',
      'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4',
      'bgp.ext_com.value_as2',
      'bgp.ext_com.value_an4',
      'bgp.update.path_attribute.local_pref',
      'bgp.update.path_attribute.multi_exit_disc',
      'bgp.update.path_attribute.as_path_segment.as4',
      'bgp.update.path_attribute.originator_id',
      'bgp.path_attribute.cluster_id',
      'bgp.large_communities.ga',
      'bgp.update.path_attribute.type_code',
      'bgp.originating_as',
      'bgp.community_prefix',
      'bgp.mp_unreach_nlri_ipv4_prefix',
      'bgp.update.path_attribute.mp_unreach_nlri.safi',
      'bgp.notify.major_error',
      'bgp.route_refresh.safi',
    ]);
    expect(f.map((r) => r['bgp.type'])).toEqual(['1', '2', '2', '2', '2', '3', '5', '4']);
    expect(f[0]).toMatchObject({
      'bgp.open.holdtime': '90',
      'bgp.open.identifier': '192.0.2.1',
      'bgp.cap.mp.safi': '128',
      'bgp.cap.gr.timers.restart_time': '120',
      'bgp.cap.4as': '64512',
    });
    expect(f[1]).toMatchObject({
      'bgp.rd': '192.0.2.12:1',
      'bgp.label_stack': '1001 (bottom)',
      'bgp.mp_reach_nlri_ipv4_prefix': '198.18.10.0',
      'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4': '192.0.2.12',
      'bgp.ext_com.value_as2': '64512',
      'bgp.ext_com.value_an4': '1',
      'bgp.update.path_attribute.local_pref': '100',
      'bgp.update.path_attribute.multi_exit_disc': '5',
      'bgp.update.path_attribute.as_path_segment.as4': '64512,4200000000',
      'bgp.update.path_attribute.originator_id': '192.0.2.11',
      'bgp.path_attribute.cluster_id': '192.0.2.1',
      'bgp.large_communities.ga': '64512',
      'bgp.update.path_attribute.type_code': '14,1,2,4,5,8,9,10,16,32,35',
    });
    expect(f[2]).toMatchObject({ 'bgp.originating_as': '64512', 'bgp.community_prefix': '64512:1' });
    expect(f[3]).toMatchObject({ 'bgp.rd': '192.0.2.12:1', 'bgp.mp_unreach_nlri_ipv4_prefix': '198.18.10.0' });
    expect(f[4]).toMatchObject({ 'bgp.update.path_attribute.mp_unreach_nlri.safi': '128' });
    expect(f[5]).toMatchObject({ 'bgp.notify.major_error': '6' });
    expect(f[6]).toMatchObject({ 'bgp.route_refresh.safi': '128' });
  });

  it('finds nothing malformed in generated UPDATEs of every family', () => {
    const arb = fc.oneof(
      updateMessage(IBGP4, 'inet'),
      updateMessage(IBGP4, 'inet-mp'),
      updateMessage(IBGP4, 'inet-vpn'),
      updateMessage(IBGP4, 'route-target'),
    );
    const samples = fc.sample(arb, { numRuns: 120, seed: 7606 }).map(forTshark);
    const pcap = capture('generated', samples.map((u) => encodeMessage(u, IBGP4)));
    expect(complaints(pcap)).toBe('');
    expect(fields(pcap, ['bgp.type']).map((r) => r['bgp.type'])).toEqual(samples.map(() => '2'));
  });
});
