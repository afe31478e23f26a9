/**
 * stopWithin (src/server.ts): the deadline src/main.ts puts on a clean stop,
 * whose outcome decides between exit 0 and exit 3.
 */
import { describe, expect, it } from 'vitest';
import { stopWithin } from '../../src/server.js';

describe('a stop with a deadline', () => {
  it('is timed out when the stop never finishes', async () => {
    let started = false;
    const outcome = await stopWithin(() => {
      started = true;
      return new Promise<void>(() => undefined);
    }, 10);
    expect(started).toBe(true);
    expect(outcome).toBe('timed-out');
  });

  it('is stopped when the stop finishes before the deadline', async () => {
    expect(await stopWithin(() => Promise.resolve(), 60_000)).toBe('stopped');
  });

  it('rejects with the stop\'s own error when the stop fails', async () => {
    await expect(stopWithin(() => Promise.reject(new Error('listener gone')), 60_000)).rejects.toThrow('listener gone');
  });
});
