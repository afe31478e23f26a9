/**
 * FlushScheduler: agents' outbound turns, round robin, in slices that yield
 * to whatever else was queued on the event loop (BGP export) in between;
 * what agents sent is handled before what goes to them.
 * Orders are asserted, not durations: a slice of 0 ms runs exactly one turn.
 */
import { describe, expect, test } from 'vitest';
import { FlushScheduler, type FlushTask } from '../../src/xmpp/flush-scheduler.js';

/** A task that needs `turns` output turns (and `inputs` input turns) and logs each under its name. */
function task(name: string, turns: number, log: string[], during?: () => void, inputs = 0): FlushTask {
  let left = turns;
  let inLeft = inputs;
  return {
    runFlush: () => {
      log.push(name);
      during?.();
      return --left > 0;
    },
    runInput: () => {
      log.push(`${name}:in`);
      return --inLeft > 0;
    },
  };
}

async function idle(s: FlushScheduler): Promise<void> {
  while (s.pending > 0) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

describe('FlushScheduler', () => {
  test('an agent with more to send goes behind the agents already waiting', async () => {
    const s = new FlushScheduler();
    const log: string[] = [];
    s.request(task('a', 3, log));
    s.request(task('b', 1, log));
    s.request(task('c', 2, log));
    await idle(s);
    expect(log).toEqual(['a', 'b', 'c', 'a', 'c', 'a']);
  });

  test('asking again before its turn still gives one turn, and a cancelled agent gets none', async () => {
    const s = new FlushScheduler();
    const log: string[] = [];
    const a = task('a', 1, log);
    const b = task('b', 1, log);
    s.request(a);
    s.request(a);
    s.request(b);
    s.cancel(b);
    await idle(s);
    expect(log).toEqual(['a']);
  });

  test('work queued on the event loop during a slice (a BGP flush) runs before the next slice', async () => {
    const s = new FlushScheduler({ sliceMs: 0 });
    const log: string[] = [];
    let once = false;
    s.request(task('agent', 3, log, () => {
      if (once) return;
      once = true;
      setImmediate(() => log.push('bgp'));
    }));
    await idle(s);
    expect(log).toEqual(['agent', 'bgp', 'agent', 'agent']);
    expect(s.slices).toBe(3);
  });

  test('what agents sent is handled before anything is pushed to them, yet one slice in four pushes a little', async () => {
    const s = new FlushScheduler({ sliceMs: 60_000 });
    const log: string[] = [];
    const a = task('a', 2, log, undefined, 2);
    const b = task('b', 1, log, undefined, 1);
    s.request(a);
    s.requestInput(a);
    s.request(b);
    s.requestInput(b);
    await idle(s);
    expect(log).toEqual(['a:in', 'b:in', 'a:in', 'a', 'b', 'a']);

    // One turn per slice: three slices of input alone, the fourth pushes too.
    const one = new FlushScheduler({ sliceMs: 0 });
    const log2: string[] = [];
    const c = task('c', 2, log2, undefined, 6);
    one.request(c);
    one.requestInput(c);
    await idle(one);
    expect(log2).toEqual(['c:in', 'c:in', 'c:in', 'c:in', 'c', 'c:in', 'c:in', 'c']);
  });

  test('tells an output turn whether some agent\'s input is still waiting for its turn', async () => {
    const s = new FlushScheduler({ sliceMs: 0 });
    const seen: boolean[] = [];
    const out: FlushTask = { runFlush: () => (seen.push(s.inputWaiting), false), runInput: () => false };
    const reader = task('r', 0, [], undefined, 5);
    s.requestInput(reader);
    s.request(out);
    expect(s.inputWaiting).toBe(true);
    await idle(s);
    s.request(out);
    await idle(s);
    // Slices of 0 ms: input alone in three, the fourth gives output its turn with input left (one of five); later, none left.
    expect(seen).toEqual([true, false]);
    expect(s.inputWaiting).toBe(false);
  });
});
