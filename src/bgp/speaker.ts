/**
 * The BGP speaker: one listening socket, one BgpSession per configured peer,
 * and the glue between sessions and the RIB — session events become RIB
 * calls, and RIB outbound work is pulled into the sockets in batches with
 * backpressure. A peer that stops reading holds up nobody: once its socket
 * holds more than OUTPUT_CAP bytes its update groups stop writing to it
 * (BgpPeering.pause), and when the socket drains they catch it up from the
 * tables (resume): it then holds exactly what the tables say, routes
 * withdrawn meanwhile included, and our memory for it never grew with the
 * churn. If it never reads again, the RFC 9687 send hold timer ends the
 * session.
 *
 * RFC 4271 (sessions), RFC 4684 §6 and Contrail (VPN advertisement to a
 * route-target peer waits for its route-target End-of-RIB, or 30 s), RFC
 * 4724 §4.2 and RFC 9494 §4.2 (the helper's timers: restart time, then
 * long-lived stale time, then End-of-RIB timeout once the peer is back).
 */

import net from 'node:net';
import type { Logger } from 'pino';
import type { BgpPeering, PeerExportPolicy, PeerRib } from '../rib/peering.js';
import type { Table } from '../rib/table.js';
import type { PeerInfo } from '../rib/types.js';
import type { BgpOptions, BgpPeerOptions } from './options.js';
import { endOfRibFamily, familyName, parseIpv4 } from './wire/index.js';
import type { Fault, UpdateMessage } from './wire/types.js';
import { familiesToRetain, preservedFamilies, type Retention } from './graceful-restart.js';
import { UpdateDeferral } from './deferral.js';
import type { FamilyName } from './wire/types.js';
import { BgpSession } from './session/index.js';
import type { Negotiated, DownReason } from './session/index.js';
import { CEASE_MAX_PREFIXES, ERR_CEASE, maxPrefixesData } from './session/notify.js';
import { setListenerKey } from './session/tcp-md5.js';

/** Contrail's kRouteTargetEndOfRibTimeSecs. */
export const RTC_EOR_WAIT_MS = 30_000;
/** RFC 4486 Cease subcode 3: Peer De-configured. */
export const CEASE_PEER_DECONFIGURED = 3;
/** Destinations per update group per drain() call. */
export const DRAIN_BATCH = 4096;
/**
 * Destinations queued in an update group past which the speaker drains at
 * once, from the UPDATE that queued them, instead of after the whole socket
 * read: a read burst can hold megabytes of UPDATEs (libuv reads up to 32
 * times 64 KiB per turn), and draining as it goes lets the peers work on the
 * first routes while the rest are read, and keeps the queue small (a Set of
 * a few thousand destinations stays in cache; one of 100k does not). Half a
 * batch: a group drains a queue of at most DRAIN_BATCH in one go.
 */
const EAGER_FLUSH = DRAIN_BATCH / 2;
/** drain() calls per flush before yielding to the event loop (socket reads, timers). */
const FLUSH_BATCHES = 8;
/**
 * Bytes waiting in a peer's socket (socket.writableLength) beyond which its
 * update groups stop writing to it until the socket drains. A peer past it
 * holds at most this plus one drain round (DRAIN_BATCH destinations per
 * group: a few MB at worst) in our memory. Well above what a peer that
 * keeps reading ever has waiting (the kernel's buffers take the first
 * megabytes), small beside a table's worth of UPDATEs.
 */
export const OUTPUT_CAP = 4 * 1024 * 1024;

export interface SpeakerOptions {
  readonly name: string;
  readonly asn: number;
  readonly routerId: number;
  readonly bgp: BgpOptions;
  readonly logger: Logger;
  /** How long VPN advertisement to a route-target peer waits for its route-target End-of-RIB; default RTC_EOR_WAIT_MS (tests shorten it). */
  readonly rtcEorWaitMs?: number;
}

export interface PeerEntry {
  readonly config: BgpPeerOptions;
  readonly info: PeerInfo;
  readonly rib: PeerRib;
  /** The peering engine the peer belongs to: the master instance's, or a routing instance's (BGP-as-a-Service). */
  readonly peering: BgpPeering;
  readonly session: BgpSession;
  rtcTimer?: NodeJS.Timeout;
  /** What the last OPEN exchange settled (graceful restart decides with it when the session ends). */
  negotiated?: Negotiated;
  /** Graceful restart: waiting for a restarting peer to come back, then for it to resend its routes. */
  restartTimer?: NodeJS.Timeout;
  staleTimer?: NodeJS.Timeout;
  /** Long-lived graceful restart: one timer per long-lived stale time, sweeping its families. */
  llgrTimers: NodeJS.Timeout[];
  blocked: boolean;
  /** More paths than max-prefixes allows have been reported for this session (until it goes down or drops below). */
  overLimit?: boolean;
}

export class BgpSpeaker {
  readonly peers = new Map<string, PeerEntry>();
  private readonly byAddress = new Map<string, PeerEntry>();
  private readonly byId = new Map<number, PeerEntry>();
  private server?: net.Server;
  private flushQueued = false;
  /** start() ran: peers added later start at once. */
  private started = false;
  /** Every peering engine a peer of ours belongs to, the master instance's first. */
  private readonly peerings = new Set<BgpPeering>();
  /** Restarting-speaker mode: advertisements (but route-target memberships) wait for the peers' End-of-RIB. */
  private deferral?: UpdateDeferral;

  constructor(
    private readonly peering: BgpPeering,
    private readonly opts: SpeakerOptions,
  ) {
    this.attach(peering);
    for (const pc of opts.bgp.peers) this.createPeer(pc);
  }

  private attach(p: BgpPeering): void {
    if (this.peerings.has(p)) return;
    this.peerings.add(p);
    p.onPending = () => this.scheduleFlush();
  }

  /** Listen for inbound sessions and start every peer. Resolves with the bound address. */
  async start(): Promise<{ address: string; port: number }> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    const { address, port } = this.opts.bgp.listen;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.logger.error({ err }, 'bgp listener error'));
    try {
      for (const e of this.peers.values()) if (e.config.password !== undefined) setListenerKey(server, e.config.address, e.config.password);
    } catch (err) {
      server.close();
      throw err;
    }
    this.startDeferral();
    for (const e of this.peers.values()) e.session.start();
    this.started = true;
    const bound = server.address() as net.AddressInfo;
    return { address: bound.address, port: bound.port };
  }

  /**
   * Restarting-speaker mode (RFC 4724 §4.1): our OPENs carry the R bit and
   * flush() holds everything but route-target memberships until every
   * peer's End-of-RIB (src/bgp/deferral.ts).
   */
  private startDeferral(): void {
    const gr = this.opts.bgp.gracefulRestart;
    if (!gr?.restartingSpeaker) return;
    for (const e of this.peers.values()) e.session.setRestarting(true);
    this.opts.logger.info({ peers: this.peers.size }, 'restarting speaker: holding advertisements for the peers\' End-of-RIB');
    this.deferral = new UpdateDeferral({
      peers: [...this.peers.keys()], restartMs: gr.restartTime * 1000, endOfRibMs: gr.endOfRibTimeout * 1000,
      logger: this.opts.logger,
      release: () => {
        for (const e of this.peers.values()) e.session.setRestarting(false);
        this.scheduleFlush();
      },
    });
  }

  /** True while restarting-speaker mode holds advertisements of this family. */
  private held(f: FamilyName): boolean {
    return f !== 'route-target' && this.deferral?.active === true;
  }

  /** CEASE to every peer, close the listener. */
  async stop(): Promise<void> {
    this.deferral?.stop();
    this.server?.close();
    await Promise.all([...this.peers.values()].map((e) => this.stopPeer(e)));
  }

  /**
   * Stop a peer's session with a Cease 6/3 (Peer De-configured, RFC 4486)
   * and forget it: its routes are withdrawn through its peering engine
   * (peerDown), its Adj-RIB-Out with it (removePeer). Other sessions are
   * untouched. Resolves once the session is closed.
   */
  async removePeer(name: string): Promise<void> {
    const e = this.peers.get(name);
    if (!e) return;
    this.peers.delete(name);
    const key = addressKey(e.config);
    if (this.byAddress.get(key) === e) this.byAddress.delete(key);
    this.byId.delete(e.info.id);
    this.deferral?.removed(name);
    await this.stopPeer(e, CEASE_PEER_DECONFIGURED, 'peer de-configured');
    e.peering.removePeer(e.rib);
    // Its key leaves the listener with it (an empty key deletes it, RFC 2385 via TCP_MD5SIG).
    if (this.server?.listening && e.config.password !== undefined) {
      try {
        setListenerKey(this.server, e.config.address, '');
      } catch (err) {
        this.opts.logger.warn({ peer: name, err }, 'TCP-MD5 key of a removed peer left on the listener');
      }
    }
  }

  /**
   * A peer's export policy changed (config reload): it moves to the update
   * groups of the new policy; its session stays up.
   */
  setExportPolicy(name: string, policy: PeerExportPolicy | undefined): void {
    const e = this.peers.get(name);
    if (e) e.peering.setExportPolicy(e.rib, policy);
  }

  /**
   * A peer's import policy changed (config reload): its routes, as received,
   * run the new policy; its session stays up. Returns how many changed.
   */
  reimport(name: string): number {
    const e = this.peers.get(name);
    if (!e) return 0;
    let n = 0;
    for (const t of Object.values(e.peering.inTables)) if (t) n += e.peering.rib.reevaluate(t as Table, (src) => src === e.info);
    return n;
  }

  /** Add a peer; once the speaker has started, its session starts at once (config reload). */
  addPeer(pc: BgpPeerOptions): void {
    if (this.peers.has(pc.name)) throw new Error(`BGP peer ${pc.name} exists already`);
    const e = this.createPeer(pc);
    if (this.started) e.session.start();
  }

  private createPeer(pc: BgpPeerOptions): PeerEntry {
    const peering = pc.peering ?? this.peering;
    this.attach(peering);
    const info: PeerInfo = {
      id: peering.rib.allocatePeerId(),
      name: pc.name,
      kind: pc.kind ?? 'bgp',
      address: parseIpv4(pc.address) ?? 0,
      asn: pc.asn,
      ibgp: pc.asn === this.opts.asn,
      rrClient: pc.routeReflectorClient,
      routerId: 0,
    };
    const rib = peering.addPeer(info, pc.families, pc.exportPolicy);
    const log = this.opts.logger.child({ peer: pc.name });
    const entry = { config: pc, info, rib, peering, blocked: false, llgrTimers: [] as NodeJS.Timeout[] } as Omit<PeerEntry, 'session'> as PeerEntry;
    const session = new BgpSession(
      {
        name: pc.name,
        localAs: this.opts.asn,
        routerId: this.opts.routerId,
        localAddress: pc.localAddress ?? (this.opts.bgp.listen.address === '0.0.0.0' ? undefined : this.opts.bgp.listen.address),
        peerAddress: pc.address,
        peerPort: pc.port,
        peerAs: pc.asn,
        passive: pc.passive,
        holdTime: pc.holdTime ?? this.opts.bgp.holdTime,
        ...(this.opts.bgp.gracefulRestart && {
          restartTime: this.opts.bgp.gracefulRestart.restartTime,
          longLivedStaleTime: this.opts.bgp.gracefulRestart.longLivedStaleTime ?? 0,
          preserveForwarding: this.opts.bgp.gracefulRestart.restartingSpeaker ?? false,
        }),
        connectRetry: pc.connectRetry ?? this.opts.bgp.connectRetry,
        families: pc.families,
        ...(pc.password !== undefined && { password: pc.password }),
        ...(pc.sendHoldTime !== undefined && { sendHoldTime: pc.sendHoldTime }),
      },
      {
        established: (n) => this.established(entry, n),
        update: (msg, action, faults) => this.update(entry, msg, action, faults),
        routeRefresh: (afi, safi) => {
          const f = familyName({ afi, safi });
          if (f) entry.peering.resend(entry.rib, f);
        },
        down: (reason, detail) => this.down(entry, reason, detail),
        drain: () => {
          entry.blocked = false;
          entry.peering.resume(entry.rib);
          this.scheduleFlush();
        },
      },
      log,
    );
    (entry as { session: BgpSession }).session = session;
    // A peer added while listening (start() keys those configured before).
    if (this.server?.listening && pc.password !== undefined) setListenerKey(this.server, pc.address, pc.password);
    this.peers.set(pc.name, entry);
    this.byAddress.set(addressKey(pc), entry);
    this.byId.set(info.id, entry);
    return entry;
  }

  private accept(socket: net.Socket): void {
    const remote = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    // A session given a source port (VMs behind the vRouter's NAT) first, then by address alone.
    const entry = this.byAddress.get(`${remote}:${socket.remotePort ?? 0}`) ?? this.byAddress.get(remote);
    if (!entry) {
      this.opts.logger.warn({ remote }, 'connection from an unconfigured address refused');
      socket.destroy();
      return;
    }
    entry.session.accept(socket);
  }

  private established(e: PeerEntry, n: Negotiated): void {
    this.opts.logger.info({ peer: e.config.name, families: n.families, holdTime: n.holdTime }, 'peer established');
    e.blocked = false;
    e.negotiated = n;
    e.peering.peerUp(e.rib, n.families, n.fourOctetAs, n.peerBgpId, n.llgr);
    this.cameBack(e, n);
    this.deferral?.established(e.config.name, n.gracefulRestart !== undefined, [...e.rib.families]);
    e.config.lifecycle?.up();
    // Only a peer that advertised graceful restart promises End-of-RIB
    // (RFC 4724 §2); for the others, waiting would only delay: start now and
    // let their memberships, as they arrive, decide what they get. A peer
    // that is itself restarting waits for our End-of-RIB before sending its
    // own (§4.2): holding ours for its would only wait for the timer.
    if (e.rib.vpnHeld && (!n.gracefulRestart || n.gracefulRestart.restarting)) e.peering.releaseVpn(e.rib);
    if (e.rib.vpnHeld) {
      e.rtcTimer = setTimeout(() => {
        e.rtcTimer = undefined;
        e.peering.releaseVpn(e.rib);
      }, this.opts.rtcEorWaitMs ?? RTC_EOR_WAIT_MS);
      e.rtcTimer.unref();
    }
  }

  private update(e: PeerEntry, msg: UpdateMessage, action: string, faults: readonly Fault[]): void {
    if (e.overLimit && e.config.maxPrefixes?.action === 'teardown') return; // the Cease is on its way
    const eor = endOfRibFamily(msg);
    if (eor) {
      const f = familyName(eor);
      if (f) {
        e.peering.endOfRib(e.rib, f);
        this.deferral?.endOfRib(e.config.name, f);
        if (f === 'route-target' && e.rtcTimer) {
          clearTimeout(e.rtcTimer);
          e.rtcTimer = undefined;
        }
      }
      return;
    }
    if (action === 'withdraw') {
      this.opts.logger.warn({ peer: e.config.name, faults: faults.map((f) => f.reason) }, 'update treated as withdraw');
    }
    e.peering.update(e.rib, msg, action === 'withdraw');
    this.checkPrefixLimit(e, msg);
    if (e.peering.queued() >= EAGER_FLUSH) this.flush();
  }

  /**
   * bgp.peers[].max-prefixes: once the peer has more paths in our tables
   * than the limit, say so once (again only after it went back under), and
   * for `teardown` send Cease 6/1 with the family of the UPDATE that crossed
   * it and the limit as data (RFC 4486 §4); the session then stays down, or
   * comes back after `restartAfter` seconds.
   */
  private checkPrefixLimit(e: PeerEntry, msg: UpdateMessage): void {
    const max = e.config.maxPrefixes;
    if (!max) return;
    if (e.rib.paths <= max.limit) {
      e.overLimit = false;
      return;
    }
    if (e.overLimit) return;
    e.overLimit = true;
    const { afi, safi } = msg.mpReach ?? { afi: 1, safi: 1 };
    const detail = `maximum prefixes reached: ${e.rib.paths} paths, limit ${max.limit}`;
    const restart = max.action === 'warn' ? undefined : (max.restartAfter ?? 'never');
    this.opts.logger.warn({ peer: e.config.name, paths: e.rib.paths, limit: max.limit, action: max.action, afi, safi, restartAfter: restart }, detail);
    if (restart !== undefined) e.session.reset(ERR_CEASE, CEASE_MAX_PREFIXES, maxPrefixesData(afi, safi, max.limit), detail, restart);
  }

  private down(e: PeerEntry, reason: DownReason, detail: string): void {
    const wasUp = e.rib.up;
    if (wasUp) this.opts.logger.info({ peer: e.config.name, reason, detail }, 'peer down');
    if (e.rtcTimer) clearTimeout(e.rtcTimer);
    e.rtcTimer = undefined;
    e.overLimit = false;
    const gr = this.opts.bgp.gracefulRestart;
    const keep = wasUp && gr ? familiesToRetain(e.negotiated, reason, gr) : undefined;
    e.peering.peerDown(e.rib, keep?.families);
    if (keep) this.awaitRestart(e, keep);
    if (wasUp) e.config.lifecycle?.down();
  }

  /**
   * Graceful restart: the peer's routes stay stale until it is back, at
   * most its restart time; then those of its long-lived families turn
   * long-lived stale (at once for a family without graceful restart).
   */
  private awaitRestart(e: PeerEntry, keep: Retention): void {
    const longLived = Object.fromEntries([...keep.longLived].map(([f, ms]) => [f, ms / 1000]));
    this.opts.logger.info(
      { peer: e.config.name, restartSeconds: keep.restartMs / 1000, families: [...e.rib.staleFamilies], longLivedSeconds: longLived },
      'keeping routes of a restarting peer',
    );
    this.clearRestartTimers(e);
    if (keep.now.size > 0) this.turnLongLived(e, keep, [...keep.now]);
    if (keep.families.size === keep.now.size) return;
    e.restartTimer = setTimeout(() => {
      e.restartTimer = undefined;
      const waiting = [...e.rib.staleFamilies].filter((f) => !e.rib.llgrFamilies.has(f));
      const [long, short] = [waiting.filter((f) => keep.longLived.has(f)), waiting.filter((f) => !keep.longLived.has(f))];
      this.opts.logger.info({ peer: e.config.name, swept: short, longLived: long }, 'restarting peer did not come back within its restart time');
      e.peering.sweepStale(e.rib, short);
      if (long.length > 0) this.turnLongLived(e, keep, long);
    }, keep.restartMs);
    e.restartTimer.unref();
  }

  /** RFC 9494 §4.2: the families' stale paths turn long-lived stale, each until its long-lived stale time is up. */
  private turnLongLived(e: PeerEntry, keep: Retention, families: readonly FamilyName[]): void {
    e.peering.longLivedStale(e.rib, families);
    const byTime = new Map<number, FamilyName[]>();
    for (const f of families) {
      const ms = keep.longLived.get(f)!;
      byTime.set(ms, [...(byTime.get(ms) ?? []), f]);
    }
    for (const [ms, fams] of byTime) {
      const t = setTimeout(() => {
        e.llgrTimers = e.llgrTimers.filter((x) => x !== t);
        this.opts.logger.info({ peer: e.config.name, families: fams }, 'restarting peer did not come back within its long-lived stale time: its routes go');
        e.peering.sweepStale(e.rib, fams);
      }, ms);
      t.unref();
      e.llgrTimers.push(t);
    }
  }

  /**
   * Graceful restart: the peer is back. Families it did not preserve lose
   * their stale routes now; the others keep them until its End-of-RIB or
   * the stale timer.
   */
  private cameBack(e: PeerEntry, n: Negotiated): void {
    if (e.rib.staleFamilies.size === 0) return;
    this.clearRestartTimers(e);
    const preserved = preservedFamilies(n);
    e.peering.sweepStale(e.rib, [...e.rib.staleFamilies].filter((f) => !preserved.has(f)));
    if (e.rib.staleFamilies.size === 0) return;
    e.staleTimer = setTimeout(() => {
      e.staleTimer = undefined;
      e.peering.sweepStale(e.rib);
    }, (this.opts.bgp.gracefulRestart?.endOfRibTimeout ?? 0) * 1000);
    e.staleTimer.unref();
  }

  private clearRestartTimers(e: PeerEntry): void {
    if (e.restartTimer) clearTimeout(e.restartTimer);
    if (e.staleTimer) clearTimeout(e.staleTimer);
    for (const t of e.llgrTimers) clearTimeout(t);
    e.restartTimer = undefined;
    e.staleTimer = undefined;
    e.llgrTimers = [];
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /**
   * Pull batches of encoded UPDATEs from the RIB's update groups and write
   * the same bytes to every member. Stops while every established peer is
   * pushing back. A slow peer buffers in its own socket, up to OUTPUT_CAP:
   * past it, after the round that took it there (so that it got all of that
   * round), its groups leave it out until its socket drains.
   */
  private flush(): void {
    const held = (f: FamilyName): boolean => this.held(f);
    for (let batch = 0; this.hasWork(held); batch++) {
      if (!this.anyWritable()) return; // resumed by a drain event
      if (batch >= FLUSH_BATCHES) return this.scheduleFlush(); // let input in between
      for (const peering of this.peerings) {
        const written = new Set<PeerEntry>();
        for (const d of peering.drain(DRAIN_BATCH, held)) {
          for (const st of d.to) {
            const e = this.byId.get(st.info.id);
            if (!e || !e.rib.up) continue;
            if (!e.session.writeMany(d.msgs)) e.blocked = true;
            written.add(e);
          }
        }
        for (const e of written) if (e.session.writableLength > OUTPUT_CAP) peering.pause(e.rib);
      }
    }
  }

  private hasWork(held: (f: FamilyName) => boolean): boolean {
    for (const p of this.peerings) if (p.hasWork(held)) return true;
    return false;
  }

  private anyWritable(): boolean {
    for (const e of this.peers.values()) if (e.rib.up && !e.blocked) return true;
    return false;
  }

  private async stopPeer(e: PeerEntry, subcode?: number, message?: string): Promise<void> {
    if (e.rtcTimer) clearTimeout(e.rtcTimer);
    e.rtcTimer = undefined;
    this.clearRestartTimers(e);
    await e.session.stop(subcode, message);
  }
}

/** How inbound connections find a peer: its address, with its source port when it has one (BGP-as-a-Service behind NAT). */
function addressKey(pc: BgpPeerOptions): string {
  return pc.sourcePort === undefined ? pc.address : `${pc.address}:${pc.sourcePort}`;
}
