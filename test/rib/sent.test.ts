/**
 * A destination's outbound state (which path each update group has
 * advertised): held directly while only slot 0 is used, as an exactly
 * sized array once another group advertises it.
 */
import { describe, expect, it } from 'vitest';
import { pathsOf, anySent, sentAt, setSent, type Dest } from '../../src/rib/types.js';
import { FAMILIES } from '../../src/bgp/wire/families/registry.js';
import { Table } from '../../src/rib/table.js';
import { path } from './support.js';

const dest = (): Dest => ({ nlri: { family: 'inet', addr: 0x0a000000, len: 8 }, key: 0, held: undefined, ecmpCount: 0, sent: undefined });

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

describe('forgetting a withdrawn destination', () => {
  it('forgets a destination once, and a late second collect of it leaves a newer destination at the same key in place', () => {
    const table = new Table('inet.0', FAMILIES.inet);
    const nlri = { family: 'inet', addr: 0x0a000000, len: 8 } as const;
    const p = path();
    table.upsert(nlri, p);
    const old = table.get(table.keyOf(nlri))!;
    setSent(old, 0, p); // an update group advertised it
    table.remove(nlri, p.peer);
    expect(table.get(old.key)).toBe(old); // kept until the group has withdrawn it
    setSent(old, 0, undefined);
    table.collect(old);
    expect(table.get(old.key)).toBeUndefined();
    const q = path();
    table.upsert(nlri, q);
    const fresh = table.get(old.key)!;
    expect(fresh).not.toBe(old);
    table.remove(nlri, q.peer); // no group holds it: forgotten at once
    expect(table.get(old.key)).toBeUndefined();
    table.upsert(nlri, q);
    const newest = table.get(old.key)!;
    table.collect(old); // another group's late collect of the first one
    table.collect(fresh);
    expect(table.get(old.key)).toBe(newest);
    expect(pathsOf(newest)).toEqual([q]);
    expect(pathsOf(old)).toEqual([]);
  });
});
