/** The start-up warm-up (src/warm-up.ts) runs its routes through the whole send path and back out. */
import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/warm-up.js';

describe('JIT warm-up at start', () => {
  it('announces its routes to the other client, with End-of-RIB once, and withdraws them all, each round', () => {
    // 200 routes in two attribute sets: two announcing UPDATEs, End-of-RIB, and one UPDATE withdrawing all 200 (16 bytes each).
    expect(warmUp(200, 1)).toBe(2 + 1 + 1);
    // A second round on the same scratch RIB: the routes were really gone (announced again, no second End-of-RIB).
    expect(warmUp(200, 2)).toBe(2 + 1 + 1 + 2 + 1);
  });
});
