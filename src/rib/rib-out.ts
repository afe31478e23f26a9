/**
 * Adj-RIB-Out of one peer for one family, with its outbound queue.
 *
 * `set()` records the state a destination should have at the peer; changes
 * coalesce in `pending` until `drain()` packs them into UPDATEs: prefixes
 * with the same outbound attribute set go into the same messages, and the
 * attribute bytes are encoded once per set and shared by every peer
 * (RFC 4271 §9.2; Contrail's RibOut / update groups in spirit).
 * End-of-RIB (RFC 4724 §2) follows the initial dump.
 */

import { encodeEndOfRib, encodePathAttributes, packUpdates, packWithdrawals } from '../bgp/wire/index.js';
import type { AfiSafi, CodecContext, VpnPrefix } from '../bgp/wire/types.js';
import type { AttrSet, AttrStore } from './attr-store.js';
import type { RouteKey } from './nlri-key.js';
import type { Nlri } from './types.js';

/** What was (or is to be) advertised for one destination. */
export interface OutEntry {
  readonly set: AttrSet;
  readonly labels: readonly number[];
}

interface Pending {
  readonly nlri: Nlri;
  out: OutEntry | null;
}

function sameOut(a: OutEntry | null | undefined, b: OutEntry | null): boolean {
  if (!a || !b) return !a && !b;
  if (a.set !== b.set || a.labels.length !== b.labels.length) return false;
  for (let i = 0; i < a.labels.length; i++) if (a.labels[i] !== b.labels[i]) return false;
  return true;
}

export class RibOut {
  readonly adj = new Map<RouteKey, OutEntry>();
  private readonly pending = new Map<RouteKey, Pending>();
  /** Send End-of-RIB once the queue is empty. */
  eorDue = false;
  /** Routes announced / withdrawn so far (introspect). */
  announced = 0;
  withdrawn = 0;
  /** Routes whose attributes could not be encoded within the message size limit. */
  unencodable = 0;

  constructor(
    readonly family: AfiSafi,
    private readonly store: AttrStore,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  get hasWork(): boolean {
    return this.pending.size > 0 || this.eorDue;
  }

  /** Want `out` (or nothing, when null) advertised for key. Returns true if work was queued. */
  set(key: RouteKey, nlri: Nlri, out: OutEntry | null): boolean {
    const p = this.pending.get(key);
    if (p) {
      if (p.out) this.store.release(p.out.set);
      if (sameOut(this.adj.get(key), out)) {
        this.pending.delete(key);
        return false;
      }
      p.out = out && { set: this.store.retain(out.set), labels: out.labels };
      return true;
    }
    if (sameOut(this.adj.get(key), out)) return false;
    this.pending.set(key, { nlri, out: out && { set: this.store.retain(out.set), labels: out.labels } });
    return true;
  }

  /** Pack up to about `maxRoutes` queued changes into UPDATE messages. */
  drain(ctx: CodecContext, maxRoutes: number): Uint8Array[] {
    const withdraw: Nlri[] = [];
    const groups = new Map<AttrSet, Nlri[]>();
    let n = 0;
    for (const [key, p] of this.pending) {
      if (n++ >= maxRoutes) break;
      this.pending.delete(key);
      const prev = this.adj.get(key);
      if (p.out) {
        let list = groups.get(p.out.set);
        if (!list) groups.set(p.out.set, (list = []));
        list.push(withLabels(p.nlri, p.out.labels));
        this.adj.set(key, p.out);
        this.announced++;
      } else {
        withdraw.push(withLabels(p.nlri, []));
        this.adj.delete(key);
        this.withdrawn++;
      }
      if (prev) this.store.release(prev.set);
    }
    const out: Uint8Array[] = [];
    if (withdraw.length > 0) out.push(...packWithdrawals(this.family, withdraw, ctx));
    for (const [set, nlri] of groups) {
      try {
        out.push(...packUpdates(this.family, this.attrBytes(set, ctx), set.attrs.nextHop ?? 0, nlri, ctx));
      } catch {
        // Attributes too large for a 4096-byte UPDATE (e.g. a long path toward a
        // 2-octet-AS peer): these routes cannot be sent; count them, keep going.
        this.unencodable += nlri.length;
      }
    }
    if (this.pending.size === 0 && this.eorDue) {
      this.eorDue = false;
      out.push(encodeEndOfRib(this.family));
    }
    return out;
  }

  /** Forget everything (session down): release every held set. */
  clear(): void {
    for (const e of this.adj.values()) this.store.release(e.set);
    for (const p of this.pending.values()) if (p.out) this.store.release(p.out.set);
    this.adj.clear();
    this.pending.clear();
    this.eorDue = false;
  }

  /** Attribute bytes of a set, encoded once per variant and cached on the set. */
  private attrBytes(set: AttrSet, ctx: CodecContext): Uint8Array {
    const classic = this.family.safi === 1 && this.family.afi === 1;
    const variant = (classic ? 2 : 0) + (ctx.fourOctetAs ? 1 : 0);
    set.wire ??= new Map();
    let bytes = set.wire.get(variant);
    if (!bytes) {
      const attrs = classic ? set.attrs : { ...set.attrs, nextHop: undefined };
      bytes = encodePathAttributes(attrs, ctx);
      set.wire.set(variant, bytes);
    }
    return bytes;
  }
}

function withLabels(n: Nlri, labels: readonly number[]): Nlri {
  return 'rd' in n ? ({ labels, rd: n.rd, addr: n.addr, len: n.len } satisfies VpnPrefix) : n;
}
