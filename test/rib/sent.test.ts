/**
 * A destination's outbound state (which path each update group has
 * advertised): held directly while only slot 0 is used, as an exactly
 * sized array once another group advertises it.
 */
import { describe, expect, it } from 'vitest';
import { anySent, sentAt, setSent, type Dest } from '../../src/rib/types.js';
import { path } from './support.js';

const dest = (): Dest => ({ nlri: { family: 'inet', addr: 0x0a000000, len: 8 }, key: 0, paths: [], ecmpCount: 0, sent: undefined });

describe('outbound state on a destination', () => {
  it('holds slot 0 without an array, and moves to an exact array when another slot advertises', () => {
    const d = dest();
    const a = path();
    const b = path();
    setSent(d, 0, a);
    expect(d.sent).toBe(a);
    expect([sentAt(d, 0), sentAt(d, 1), anySent(d)]).toEqual([a, undefined, true]);
    setSent(d, 2, b);
    expect(d.sent).toEqual([a, undefined, b]);
    expect((d.sent as unknown[]).length).toBe(3);
    expect([sentAt(d, 0), sentAt(d, 1), sentAt(d, 2)]).toEqual([a, undefined, b]);
    setSent(d, 0, undefined);
    setSent(d, 2, undefined);
    expect(anySent(d)).toBe(false);
  });

  it('records nothing for a withdrawal in a slot it never had', () => {
    const d = dest();
    setSent(d, 3, undefined);
    expect(d.sent).toBeUndefined();
    setSent(d, 0, undefined);
    expect(anySent(d)).toBe(false);
  });
});
