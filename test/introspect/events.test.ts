/**
 * /api/events: the server-sent event stream that tells the web viewer to
 * re-read. Read here with fetch, the way EventSource reads it.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE, connectAgent, startNode, type Node } from './node.js';

let node: Node;
beforeAll(async () => {
  node = await startNode({ eventTickMs: 50 });
});
afterAll(() => node.stop());

interface Change { rib: string; peers: string }

/** Opens the stream and collects its `change` events until `close()`. */
async function listen(): Promise<{ changes: Change[]; type: string; close: () => void }> {
  const abort = new AbortController();
  const res = await fetch(`${node.base}/api/events`, { signal: abort.signal });
  const changes: Change[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^event: change\ndata: (.*)$/m.exec(event);
          if (data) changes.push(JSON.parse(data[1]!) as Change);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { changes, type: res.headers.get('content-type') ?? '', close: () => abort.abort() };
}

const until = async (what: string, pred: () => boolean): Promise<void> => {
  await expect.poll(pred, { timeout: 5000, interval: 20, message: what }).toBe(true);
};

describe('/api/events', () => {
  it('says where things stand at once, then says when routes and when agents changed, and nothing in between', async () => {
    const stream = await listen();
    expect(stream.type).toBe('text/event-stream; charset=utf-8');
    await until('the first event', () => stream.changes.length === 1);
    const start = stream.changes[0]!;

    const agent = await connectAgent(node, 'compute-9');
    agent.subscribe(BLUE, 3);
    await until('an event for the new agent', () => stream.changes.at(-1)!.peers !== start.peers);

    const before = stream.changes.at(-1)!;
    agent.publish(BLUE, { prefix: '10.1.9.9/32', nextHop: '192.0.2.29', label: 40 });
    await until('an event for the route', () => stream.changes.at(-1)!.rib !== before.rib);
    stream.close();
    // Nothing in between: an event only when a version moved (ticks every 50 ms saw many with none).
    for (let i = 1; i < stream.changes.length; i++) {
      const [a, b] = [stream.changes[i - 1]!, stream.changes[i]!];
      expect(a.rib !== b.rib || a.peers !== b.peers, `event ${i} repeats event ${i - 1}`).toBe(true);
    }
  });
});
