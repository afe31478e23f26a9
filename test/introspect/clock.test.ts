/**
 * The introspect clock turns the RIB's path stamps into times from
 * once-a-second samples, at no cost per route.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PathClock } from '../../src/introspect/clock.js';
import type { Path } from '../../src/rib/types.js';

const pathAt = (stamp: number): Path => ({ stamp } as unknown as Path);
let clock: PathClock | undefined;
afterEach(() => clock?.close());

describe('the path clock', () => {
  it('gives a path the time of the first sample at or after its stamp, and now to one newer than every sample', () => {
    let stamp = 10;
    let now = 1_000;
    clock = new PathClock(() => stamp, () => now, 60_000);
    stamp = 25;
    now = 2_000;
    clock.sample();
    stamp = 40;
    now = 3_000;
    clock.sample();
    expect(clock.time(pathAt(3))).toBe(1_000); // older than introspect: its start
    expect(clock.time(pathAt(10))).toBe(1_000);
    expect(clock.time(pathAt(11))).toBe(2_000);
    expect(clock.time(pathAt(25))).toBe(2_000);
    expect(clock.time(pathAt(26))).toBe(3_000);
    now = 3_500;
    expect(clock.time(pathAt(41))).toBe(3_500);
  });

  it('keeps no sample when nothing changed, and stays bounded however long it runs', () => {
    let stamp = 0;
    let now = 0;
    clock = new PathClock(() => stamp, () => now, 60_000);
    clock.sample();
    clock.sample();
    for (let i = 1; i <= 200_000; i++) {
      stamp = i;
      now = i * 1000;
      clock.sample();
    }
    const samples = (clock as unknown as { stamps: number[] }).stamps.length;
    expect(samples).toBeLessThanOrEqual(65_537);
    expect(clock.time(pathAt(0))).toBe(0);
    const t = clock.time(pathAt(150_000));
    expect(t).toBeGreaterThanOrEqual(150_000_000);
    expect(t).toBeLessThanOrEqual(150_000_000 + 4_000); // thinned twice at most: a few samples late
  });
});
