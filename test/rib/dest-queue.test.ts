/** An update group's queue of changed destinations (src/rib/dest-queue.ts). */
import { describe, expect, it } from 'vitest';
import { DestQueue } from '../../src/rib/dest-queue.js';
import type { Dest } from '../../src/rib/types.js';

const dest = (addr: number): Dest => ({ nlri: { family: 'inet', addr, len: 32 }, key: addr, held: undefined, ecmpCount: 0 });

function drainAll(q: DestQueue): number[] {
  const out: number[] = [];
  for (let d = q.shift(); d; d = q.shift()) out.push((d.nlri as { addr: number }).addr);
  return out;
}

describe('the queue of destinations an update group has to bring up to date', () => {
  it('gives destinations back in the order they were queued, repeats included', () => {
    const q = new DestQueue();
    const [a, b] = [dest(1), dest(2)];
    q.add(a);
    q.add(b);
    q.add(a);
    expect(q.size).toBe(3);
    expect(drainAll(q)).toEqual([1, 2, 1]);
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('takes destinations queued while it is being drained, and works again after running empty', () => {
    const q = new DestQueue();
    q.add(dest(1));
    expect(q.shift()?.key).toBe(1);
    q.add(dest(2));
    q.add(dest(3));
    expect(q.shift()?.key).toBe(2);
    q.add(dest(4));
    expect(drainAll(q)).toEqual([3, 4]);
  });

  it('drops repeats once it holds far more entries than destinations, keeping first places, so churn cannot grow it without bound', () => {
    const q = new DestQueue();
    const ds = Array.from({ length: 10 }, (_, i) => dest(i));
    for (let round = 0; round < 20_000; round++) for (const d of ds) q.add(d);
    expect(q.size).toBeLessThanOrEqual(65_536 + 10);
    expect(drainAll(q).slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('forgets everything on clear', () => {
    const q = new DestQueue();
    q.add(dest(1));
    q.add(dest(2));
    q.shift();
    q.clear();
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
