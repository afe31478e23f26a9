/**
 * Agent → CN inet item decoding and validation (contrail-control.md §2.3
 * publish node naming, §2.4 entry schema and validation rules 1–9).
 *
 * Two steps, as in the reference: `decodeEntry` mirrors the generated
 * `ItemType::XmlParse` (xsd:all — order free, unknown elements ignored,
 * repeated scalars: last wins, every occurrence must parse), then
 * `parseInetItem` applies the CN's checks in the reference's order. Each
 * failure is a typed drop reason (the item is dropped, the session stays up);
 * rule 5 (RI membership ⇒ close) belongs to the channel, not to this module.
 *
 * Scope: IPv4 unicast (AFI 1 / SAFI 1) and IPv6 unicast (AFI 2 / SAFI 1).
 * A well-formed labeled-unicast item (SAFI 4) is reported as
 * 'unsupported-family'; so is any publish node of another family (see
 * `publishFamilySupported`).
 */
import { parsePrefix6 } from '../../bgp/wire/ipv6.js';
import type { Ipv4Prefix, Ipv6Prefix } from '../../bgp/wire/types.js';
import {
  MAX_AGENT_LABEL, XMPP_AFI_IPV4, XMPP_AFI_IPV6, XMPP_AFI_L2VPN, XMPP_SAFI_LABELED, XMPP_SAFI_UNICAST,
} from './constants.js';
import { parseIpv4, parseIpv4Prefix, parseItemBool, parseItemUint, parseMac } from './values.js';
import { child, text } from './xml.js';
import type { XmlElement } from './xml.js';

export interface AgentInetRoute {
  /** The prefix, host bits masked: IPv4 (from a 1/1 node) or IPv6 (2/1). */
  prefix: Ipv4Prefix | Ipv6Prefix;
  nextHop: {
    address: number;
    label: number;
    encapsulations: string[];
    virtualNetwork: string;
    /** Tag ids (uint32; the agent prints them as C int). */
    tags: number[];
    /** The vhost (router) MAC, canonical; absent when empty. */
    mac?: string;
    /** Next-hop local-sequence-number (0 = none). */
    localSequenceNumber: number;
  };
  sequenceNumber: number;
  mobility?: { seqno: number; sticky: boolean };
  localPref: number;
  med: number;
  securityGroups: number[];
  communities: string[];
  loadBalance?: { fields: string[]; decision: string };
  subProtocol: string;
  virtualNetwork: string;
}

export type InetDropReason =
  | 'malformed-item' // rule 1: the item does not parse (non-numeric integer, no <entry>)
  | 'bad-family' // rule 2: nlri af ≠ 1 or safi ∉ {1, 4}
  | 'unsupported-family' // a valid family this implementation does not carry
  | 'bad-prefix' // rule 3
  | 'missing-next-hop' // rule 4
  | 'multiple-next-hops' // rule 6
  | 'bad-next-hop' // rule 7
  | 'bad-label' // rule 8
  | 'zero-label' // inet6 rule 8: a zero label in a VRF is skipped silently
  | 'bad-mac'; // rule 9

export type InetItemResult =
  | { ok: true; route: AgentInetRoute }
  | { ok: false; reason: InetDropReason; detail: string; /** `afi/safi` of an 'unsupported-family' item. */ family?: string };

/** A next-hop element's fields as written, before validation (both directions use this shape). */
export interface RawNextHop {
  af: number;
  address: string;
  mac: string;
  label: number;
  encapsulations: string[];
  virtualNetwork: string;
  tags: number[];
  localSequenceNumber: number;
}

interface RawEntry {
  af: number;
  safi: number;
  address: string;
  nextHops: RawNextHop[];
  virtualNetwork: string;
  mobility?: { seqno: number; sticky: boolean };
  sequenceNumber: number;
  securityGroups: number[];
  communities: string[];
  localPref: number;
  med: number;
  loadBalance?: { fields: string[]; decision: string };
  subProtocol: string;
}

/** Collects the first unparsable integer (rule 1) while decoding. */
class Reader {
  bad: string | undefined;

  uint(el: XmlElement, path: string): number {
    return this.uintText(text(el), path);
  }

  uintText(value: string, path: string): number {
    const v = parseItemUint(value);
    if (v !== undefined) return v;
    this.bad ??= `${path} is not an integer: ${JSON.stringify(value.slice(0, 32))}`;
    return 0;
  }
}

/** The texts of `el`'s child elements called `itemName`. */
function textsOf(el: XmlElement, itemName: string): string[] {
  const out: string[] = [];
  for (let i = 0, kids = el.children; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c !== 'string' && c.name === itemName) out.push(text(c));
  }
  return out;
}

/** The integers of `el`'s child elements called `itemName`. */
function uintsOf(el: XmlElement, itemName: string, r: Reader, path: string): number[] {
  const out: number[] = [];
  for (let i = 0, kids = el.children; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c !== 'string' && c.name === itemName) out.push(r.uint(c, path));
  }
  return out;
}

function decodeNextHop(el: XmlElement, r: Reader): RawNextHop {
  const nh: RawNextHop = {
    af: 0, address: '', mac: '', label: 0, encapsulations: [], virtualNetwork: '', tags: [], localSequenceNumber: 0,
  };
  for (let i = 0, kids = el.children; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c === 'string') continue;
    switch (c.name) {
      case 'af': nh.af = r.uint(c, 'next-hop/af'); break;
      case 'address': nh.address = text(c); break;
      case 'mac': nh.mac = text(c); break;
      case 'label': nh.label = r.uint(c, 'next-hop/label'); break;
      case 'vni': r.uint(c, 'next-hop/vni'); break;
      case 'local-sequence-number': nh.localSequenceNumber = r.uint(c, 'next-hop/local-sequence-number'); break;
      case 'virtual-network': nh.virtualNetwork = text(c); break;
      case 'tunnel-encapsulation-list': nh.encapsulations = textsOf(c, 'tunnel-encapsulation'); break;
      case 'tag-list': nh.tags = uintsOf(c, 'tag', r, 'next-hop/tag'); break;
    }
  }
  return nh;
}

function decodeNlri(el: XmlElement, e: RawEntry, r: Reader): void {
  for (let i = 0, kids = el.children; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c === 'string') continue;
    if (c.name === 'af') e.af = r.uint(c, 'nlri/af');
    else if (c.name === 'safi') e.safi = r.uint(c, 'nlri/safi');
    else if (c.name === 'address') e.address = text(c);
  }
}

function decodeMobility(el: XmlElement, r: Reader): { seqno: number; sticky: boolean } {
  return {
    seqno: r.uintText(el.attrs['seqno'] ?? '', 'mobility@seqno'),
    sticky: parseItemBool(el.attrs['sticky'] ?? ''),
  };
}

function decodeLoadBalance(el: XmlElement): { fields: string[]; decision: string } {
  const fields = child(el, 'load-balance-fields');
  const decision = child(el, 'load-balance-decision');
  return {
    fields: fields === undefined ? [] : textsOf(fields, 'load-balance-field-list'),
    decision: decision === undefined ? '' : text(decision),
  };
}

function decodeNextHops(el: XmlElement, r: Reader): RawNextHop[] {
  const out: RawNextHop[] = [];
  for (let i = 0, kids = el.children; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c !== 'string' && c.name === 'next-hop') out.push(decodeNextHop(c, r));
  }
  return out;
}

/** `ItemType::XmlParse` equivalent: the raw entry, or the rule-1 failure. */
function decodeEntry(entry: XmlElement): RawEntry | string {
  const r = new Reader();
  const e: RawEntry = {
    af: 0, safi: 0, address: '', nextHops: [], virtualNetwork: '', sequenceNumber: 0,
    securityGroups: [], communities: [], localPref: 0, med: 0, subProtocol: '',
  };
  for (let i = 0, kids = entry.children; i < kids.length; i++) {
    const c = kids[i]!;
    if (typeof c === 'string') continue;
    switch (c.name) {
      case 'nlri': decodeNlri(c, e, r); break;
      case 'next-hops': e.nextHops = decodeNextHops(c, r); break;
      case 'version': r.uint(c, 'version'); break;
      case 'virtual-network': e.virtualNetwork = text(c); break;
      case 'mobility': e.mobility = decodeMobility(c, r); break;
      case 'sequence-number': e.sequenceNumber = r.uint(c, 'sequence-number'); break;
      case 'security-group-list': e.securityGroups = uintsOf(c, 'security-group', r, 'security-group'); break;
      case 'community-tag-list': e.communities = textsOf(c, 'community-tag'); break;
      case 'local-preference': e.localPref = r.uint(c, 'local-preference'); break;
      case 'med': e.med = r.uint(c, 'med'); break;
      case 'load-balance': e.loadBalance = decodeLoadBalance(c); break;
      case 'sub-protocol': e.subProtocol = text(c); break;
    }
  }
  return r.bad ?? e;
}

function drop(reason: InetDropReason, detail: string): InetItemResult {
  return { ok: false, reason, detail };
}

type NextHopCheck = { ok: true; nextHop: AgentInetRoute['nextHop'] } | { ok: false; result: InetItemResult };

/** Rules 7–9 on the single next-hop of an add. */
function fail(reason: InetDropReason, detail: string): { ok: false; result: InetItemResult } {
  return { ok: false, result: drop(reason, detail) };
}

function checkNextHop(nh: RawNextHop, master: boolean, afi: number): NextHopCheck {
  if (nh.af !== XMPP_AFI_IPV4 && nh.af !== XMPP_AFI_IPV6 && nh.af !== XMPP_AFI_L2VPN) {
    return fail('bad-next-hop', `next-hop af ${nh.af}`);
  }
  const address = parseIpv4(nh.address);
  if (address === undefined) return fail('bad-next-hop', `next-hop address ${JSON.stringify(nh.address)} is not IPv4`);
  if (address === 0) return fail('bad-next-hop', 'next-hop address is 0.0.0.0');
  if (nh.label > MAX_AGENT_LABEL) return fail('bad-label', `label ${nh.label} > ${MAX_AGENT_LABEL}`);
  if (master && nh.label !== 0) return fail('bad-label', `label ${nh.label} in the master instance must be 0`);
  if (!master && nh.label === 0) return fail(afi === XMPP_AFI_IPV6 ? 'zero-label' : 'bad-label', 'label 0 in a VRF');
  let mac: string | undefined;
  if (nh.mac !== '') {
    mac = parseMac(nh.mac);
    if (mac === undefined) return fail('bad-mac', `next-hop mac ${JSON.stringify(nh.mac)}`);
  }
  const nextHop: AgentInetRoute['nextHop'] = {
    address, label: nh.label, encapsulations: nh.encapsulations, virtualNetwork: nh.virtualNetwork, tags: nh.tags,
    localSequenceNumber: nh.localSequenceNumber,
  };
  if (mac !== undefined) nextHop.mac = mac;
  return { ok: true, nextHop };
}

const NO_NEXT_HOP: Readonly<AgentInetRoute['nextHop']> = Object.freeze({
  address: 0, label: 0, encapsulations: [], virtualNetwork: '', tags: [], localSequenceNumber: 0,
});

/** Rules 2–3: the family and the prefix of the entry's nlri, per the publish node's AFI. */
function checkNlri(e: RawEntry, afi: number): { ok: true; prefix: Ipv4Prefix | Ipv6Prefix } | { ok: false; result: InetItemResult } {
  if (e.af !== afi) return fail('bad-family', `nlri af ${e.af}`);
  if (afi === XMPP_AFI_IPV6) {
    if (e.safi !== XMPP_SAFI_UNICAST) return fail('bad-family', `nlri safi ${e.safi}`);
    const p6 = parsePrefix6(e.address);
    return p6 === undefined ? fail('bad-prefix', `nlri address ${JSON.stringify(e.address)}`) : { ok: true, prefix: p6 };
  }
  if (e.safi !== XMPP_SAFI_UNICAST && e.safi !== XMPP_SAFI_LABELED) return fail('bad-family', `nlri safi ${e.safi}`);
  if (e.safi !== XMPP_SAFI_UNICAST) {
    return { ok: false, result: { ok: false, reason: 'unsupported-family', detail: `nlri safi ${e.safi} (labeled unicast)`, family: `${afi}/${e.safi}` } };
  }
  const p4 = parseIpv4Prefix(e.address);
  if (p4 === undefined) return fail('bad-prefix', `nlri address ${JSON.stringify(e.address)}`);
  return { ok: true, prefix: { family: 'inet', addr: p4.addr, len: p4.len } };
}

/**
 * Validate one `<item>` of an IPv4 or IPv6 unicast publish (`afi` from the
 * publish node, 1 by default). `master`: the collection names the fabric
 * instance; `withdraw`: it came with `<dissociate>` (then only rules 1–3
 * apply and `nextHop` is an all-zero placeholder).
 */
export function parseInetItem(item: XmlElement, opts: { master: boolean; withdraw: boolean; afi?: number }): InetItemResult {
  const afi = opts.afi ?? XMPP_AFI_IPV4;
  const entry = child(item, 'entry');
  if (entry === undefined) return drop('malformed-item', 'no <entry>');
  const e = decodeEntry(entry);
  if (typeof e === 'string') return drop('malformed-item', e);
  const n = checkNlri(e, afi);
  if (!n.ok) return n.result;
  const prefix = n.prefix;
  let nextHop: AgentInetRoute['nextHop'];
  if (opts.withdraw) {
    nextHop = { ...NO_NEXT_HOP, encapsulations: [], tags: [] };
  } else {
    const first = e.nextHops[0];
    if (first === undefined) return drop('missing-next-hop', 'add without <next-hop>');
    if (e.nextHops.length > 1) return drop('multiple-next-hops', `${e.nextHops.length} next-hops`);
    const nh = checkNextHop(first, opts.master, afi);
    if (!nh.ok) return nh.result;
    nextHop = nh.nextHop;
  }
  const route: AgentInetRoute = {
    prefix, nextHop, sequenceNumber: e.sequenceNumber, localPref: e.localPref, med: e.med,
    securityGroups: e.securityGroups, communities: e.communities, subProtocol: e.subProtocol,
    virtualNetwork: e.virtualNetwork,
  };
  if (e.mobility !== undefined) route.mobility = e.mobility;
  if (e.loadBalance !== undefined) route.loadBalance = e.loadBalance;
  return { ok: true, route };
}

export interface PublishNode {
  afi: number;
  safi: number;
  /** Routing instance named in the node ('' for EVPN, whose node carries none). */
  instance: string;
  /** Prefix text as written in the node, when present. */
  prefix?: string;
  /** Optional 6th field of IPv4 nodes: primary instance-id (§2.3). */
  primaryId?: number;
}

const DIGITS = /^\d+$/;

/**
 * Parse a publish node `afi/safi/<ri>/<addr>/<len>[/<id>]` (§2.3). Returns
 * undefined when afi/safi are not numbers (including the empty EoR node).
 * Only afi/safi drive dispatch in the reference; the item's own nlri address
 * is authoritative for the prefix.
 */
export function parsePublishNode(node: string): PublishNode | undefined {
  return parseUnicastNode(node) ?? parseNodeParts(node);
}

/** A short run of decimal digits in node[from, to) as a number, or -1. */
function smallNumber(node: string, from: number, to: number): number {
  if (to <= from || to - from > 9) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = node.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The common shape, `afi/safi/<ri>[/<addr>/<len>[/<id>…]]` with short
 * numeric afi and safi other than L2VPN, read with indexOf (no split, no
 * regular expression); undefined leaves the node to `parseNodeParts`.
 */
function parseUnicastNode(node: string): PublishNode | undefined {
  const s1 = node.indexOf('/');
  const s2 = s1 < 0 ? -1 : node.indexOf('/', s1 + 1);
  if (s2 < 0) return undefined;
  const afi = smallNumber(node, 0, s1);
  const safi = smallNumber(node, s1 + 1, s2);
  if (afi < 0 || safi < 0 || afi === XMPP_AFI_L2VPN) return undefined;
  const s3 = node.indexOf('/', s2 + 1);
  const out: PublishNode = { afi, safi, instance: node.slice(s2 + 1, s3 < 0 ? node.length : s3) };
  const s4 = s3 < 0 ? -1 : node.indexOf('/', s3 + 1);
  if (s4 < 0) return out;
  const s5 = node.indexOf('/', s4 + 1);
  out.prefix = node.slice(s3 + 1, s5 < 0 ? node.length : s5);
  if (s5 < 0 || afi !== XMPP_AFI_IPV4) return out;
  const s6 = node.indexOf('/', s5 + 1);
  const id = node.slice(s5 + 1, s6 < 0 ? node.length : s6);
  if (DIGITS.test(id)) out.primaryId = Number(id);
  return out;
}

/** The general reading of `parsePublishNode`, by parts. */
function parseNodeParts(node: string): PublishNode | undefined {
  const parts = node.split('/');
  const [afiText, safiText] = parts;
  if (afiText === undefined || safiText === undefined) return undefined;
  if (!DIGITS.test(afiText) || !DIGITS.test(safiText)) return undefined;
  const afi = Number(afiText);
  const safi = Number(safiText);
  if (afi === XMPP_AFI_L2VPN) {
    const prefix = parts.slice(2).join('/');
    return prefix === '' ? { afi, safi, instance: '' } : { afi, safi, instance: '', prefix };
  }
  const out: PublishNode = { afi, safi, instance: parts[2] ?? '' };
  if (parts[3] !== undefined && parts[4] !== undefined) out.prefix = `${parts[3]}/${parts[4]}`;
  const id = parts[5];
  if (afi === XMPP_AFI_IPV4 && id !== undefined && DIGITS.test(id)) out.primaryId = Number(id);
  return out;
}

/** True for the families this implementation carries: IPv4 unicast (1/1) and IPv6 unicast (2/1). */
export function publishFamilySupported(node: PublishNode): boolean {
  return (node.afi === XMPP_AFI_IPV4 || node.afi === XMPP_AFI_IPV6) && node.safi === XMPP_SAFI_UNICAST;
}
