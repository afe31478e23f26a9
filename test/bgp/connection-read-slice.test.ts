/**
 * A BGP connection reading a peer that sends faster than we handle it
 * yields the event loop between read slices: libuv hands over up to
 * 32 × 64 KiB in one turn, all of it handled before any timer or other
 * socket got a turn.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FsmState } from '../../src/bgp/fsm.js';
import { Connection, READ_SLICE_MS, type ConnectionEvents } from '../../src/bgp/session/connection.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const ESTABLISHED = { name: 'Established' } as unknown as FsmState;
const OPTS = { sendHoldTime: 0, lingerMs: 0 };

function events(data: ConnectionEvents['data']): ConnectionEvents {
  return { connected: () => {}, data, closed: () => {}, drain: () => {}, timer: () => {} };
}

/** What the connection does with a socket: it only reads, pauses and resumes it here. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  calls: string[] = [];
  setNoDelay(): void {}
  pause(): this {
    this.calls.push('pause');
    return this;
  }
  resume(): this {
    this.calls.push('resume');
    return this;
  }
}

describe('BGP connection reading', () => {
  it('pauses the socket once a turn has handled data for a read slice, and resumes it in the next check phase', async () => {
    const socket = new FakeSocket();
    let chunks = 0;
    new Connection(1, 'outbound' as never, socket as unknown as net.Socket, ESTABLISHED, OPTS, events(() => {
      chunks++;
      busy(READ_SLICE_MS / 4);
    }));
    // libuv's way: several reads handed over in one turn.
    for (let i = 0; i < 8; i++) socket.emit('data', Buffer.alloc(16));
    expect(chunks).toBe(8);
    expect(socket.calls).toEqual(['pause']);
    await new Promise((r) => setImmediate(r));
    expect(socket.calls).toEqual(['pause', 'resume']);
    // A turn that stays within the slice neither pauses nor resumes.
    socket.emit('data', Buffer.alloc(16));
    await new Promise((r) => setImmediate(r));
    expect(socket.calls).toEqual(['pause', 'resume']);
  });

  it('loses and reorders no byte of a fast peer\'s stream while reading yields', async () => {
    const TOTAL = 4 * 2 ** 20;
    const sent = Buffer.alloc(TOTAL);
    for (let i = 0; i < TOTAL; i++) sent[i] = (i * 7 + (i >> 11)) & 0xff;
    const server = net.createServer((s) => s.end(sent));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => server.close());
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    cleanup.push(() => socket.destroy());
    await new Promise<void>((r) => socket.once('connect', r));
    let pauses = 0;
    const pause = socket.pause.bind(socket);
    socket.pause = () => {
      pauses++;
      return pause();
    };
    const got: Buffer[] = [];
    let received = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    new Connection(1, 'outbound' as never, socket, ESTABLISHED, OPTS, events((_gen, chunk) => {
      got.push(Buffer.from(chunk));
      received += chunk.length;
      busy(READ_SLICE_MS / 2); // handling costs time, as decoding and applying UPDATEs does
      if (received >= TOTAL) done();
    }));
    await finished;
    expect(pauses).toBeGreaterThan(0);
    expect(Buffer.concat(got).equals(sent)).toBe(true);
  });
});
