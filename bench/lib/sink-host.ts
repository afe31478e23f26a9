/**
 * Sink host: a child process (child_process.fork) that runs BGP sinks, so
 * counting received routes never runs on the driver's event loop (which
 * holds the injector) nor inside the device. The driver talks to it over
 * the IPC channel:
 *
 *   → { cmd: 'connect', sinks: SinkSpec[], timeoutMs }   ← { ev: 'up', name, t } per sink | { ev: 'error', msg }
 *   ← { ev: 'full', name, t }    holding reached the sink's target (each time it gets there)
 *   ← { ev: 'empty', name, t }   holding fell to 0 after having routes
 *   ← { ev: 'down', name, error } the session closed
 *   → { cmd: 'stats' }           ← { ev: 'stats', sinks: {...}, cpu }
 *   → { cmd: 'exit' }            sessions closed (Cease), process exits
 *
 * Times are CLOCK_MONOTONIC seconds (process.hrtime), the driver's clock too.
 *
 * Read batching (batchMs > 0): devices that send one route per UPDATE in
 * small TCP segments (BIRD, gobgpd) would otherwise cost one event-loop turn
 * per segment here, and on a 2-core machine that CPU is taken from the
 * device. After a read under 32 KiB the sink stops reading for
 * max(batchMs, 1 % of the time since its burst of data began), at most 20 ms,
 * so the kernel coalesces segments; a reported time is late by at most that
 * pause. The receive buffer (MBs on loopback) absorbs the data meanwhile.
 * The process exits by itself if the driver goes away (IPC disconnect).
 */

import { BgpPeer, type PeerOptions } from './bgp-peer.js';
import { RouteCounter, type CountMode } from './nlri-count.js';
import { now } from './procs.js';

export interface SinkSpec extends PeerOptions {
  mode: CountMode;
  /** Bitmap size (routes) for 'bitmap'. */
  size: number;
  /** Holding value that counts as "full". */
  target: number;
}

interface Sink {
  spec: SinkSpec;
  peer: BgpPeer;
  counter: RouteCounter;
  firstAt: number | undefined;
  lastChangeAt: number | undefined;
  fullAt: number[];
  emptyAt: number[];
}

const sinks = new Map<string, Sink>();
const send = (m: unknown): void => {
  if (process.connected) process.send!(m);
};

let batchMs = 0;

async function connect(specs: SinkSpec[], timeoutMs: number): Promise<void> {
  await Promise.all(
    specs.map(async (spec) => {
      const peer = await BgpPeer.connect(spec, timeoutMs);
      const counter = new RouteCounter(spec.mode, spec.size);
      const s: Sink = { spec, peer, counter, firstAt: undefined, lastChangeAt: undefined, fullAt: [], emptyAt: [] };
      sinks.set(spec.name, s);
      let lastData = 0;
      let burst = 0;
      peer.onData = (buf) => {
        const tData = now();
        if (tData - lastData > 0.5) burst = tData;
        lastData = tData;
        if (batchMs > 0 && buf.length < 32768) {
          // A small read: let the kernel coalesce what the device trickles in
          // (see the header). Late by at most max(batchMs, 1 % of the burst).
          const pause = Math.min(20, Math.max(batchMs, 10 * (tData - burst)));
          peer.socket.pause();
          setTimeout(() => peer.socket.resume(), pause);
        }
        const before = counter.reach + counter.unreach;
        const wasFull = counter.holding === spec.target;
        const had = counter.holding > 0;
        const used = counter.consume(buf);
        if (counter.reach + counter.unreach !== before) {
          const t = now();
          s.firstAt ??= t;
          s.lastChangeAt = t;
          if (!wasFull && counter.holding === spec.target) {
            s.fullAt.push(t);
            send({ ev: 'full', name: spec.name, t });
          }
          if (had && counter.holding === 0) {
            s.emptyAt.push(t);
            send({ ev: 'empty', name: spec.name, t });
          }
        }
        return used;
      };
      void peer.closed.then(() => send({ ev: 'down', name: spec.name, error: counter.notification ?? peer.error ?? 'closed' }));
      // No End-of-RIB from the sinks: they advertise no graceful restart, and an
      // EoR from every sink made gobgpd 3.10 ~1.5x slower to reflect (measured).
      send({ ev: 'up', name: spec.name, t: now() });
    }),
  );
}

function stats(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of sinks) {
    out[name] = {
      ...s.counter.stats(), firstAt: s.firstAt, lastChangeAt: s.lastChangeAt, fullAt: s.fullAt, emptyAt: s.emptyAt,
      sessionError: s.peer.error, up: !s.peer.socket.destroyed,
    };
  }
  return out;
}

process.on('message', (m: { cmd: string; sinks?: SinkSpec[]; timeoutMs?: number; batchMs?: number }) => {
  if (m.cmd === 'connect') {
    batchMs = m.batchMs ?? 0;
    connect(m.sinks ?? [], m.timeoutMs ?? 60_000).catch((e: unknown) => send({ ev: 'error', msg: String((e as Error).message ?? e) }));
  } else if (m.cmd === 'stats') {
    const u = process.cpuUsage();
    send({ ev: 'stats', sinks: stats(), cpu: (u.user + u.system) / 1e6, rssMb: process.memoryUsage.rss() / 2 ** 20 });
  } else if (m.cmd === 'exit') {
    void Promise.all([...sinks.values()].map((s) => s.peer.close())).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  }
});
process.on('disconnect', () => process.exit(0));
