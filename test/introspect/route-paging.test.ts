/**
 * Paging through a table with /api/routes?after=: the ordered key index
 * (src/introspect/route-index.ts) against a model, then the API over a
 * node whose agent publishes a few hundred routes, changing them between
 * pages.
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SortedKeys } from '../../src/introspect/route-index.js';
import { BLUE, connectAgent, startNode, type Node } from './node.js';

describe('SortedKeys', () => {
  it('holds exactly the keys inserted and not deleted, in order, after any sequence of changes', () => {
    // Enough keys to split chunks (more than 1024) and to empty some again.
    const op = fc.record({ insert: fc.boolean(), key: fc.integer({ min: 0, max: 4000 }) });
    fc.assert(fc.property(fc.array(op, { minLength: 0, maxLength: 3000 }), fc.integer({ min: -1, max: 4001 }), (ops, from) => {
      const keys = new SortedKeys();
      const model = new Set<number>();
      for (const { insert, key } of ops) {
        expect(insert ? keys.insert(key) : keys.delete(key)).toBe(insert ? !model.has(key) : model.has(key));
        if (insert) model.add(key);
        else model.delete(key);
      }
      const sorted = [...model].sort((a, b) => a - b);
      expect(keys.size).toBe(sorted.length);
      expect([...keys.after()]).toEqual(sorted);
      expect([...keys.after(from)]).toEqual(sorted.filter((k) => k > from));
    }), { numRuns: 60 });
  });

  it('starts after a bigint cursor in a table of number keys, whether or not the cursor is a key', () => {
    const keys = SortedKeys.of([50, 10, 40, 20, 30]);
    expect([...keys.after(20n)]).toEqual([30, 40, 50]);
    expect([...keys.after(25n)]).toEqual([30, 40, 50]);
    expect([...keys.after(50n)]).toEqual([]);
  });

  it('starts at a key itself, or at the next key when it is not one, for a Sandesh page start', () => {
    const keys = SortedKeys.of([50, 10, 40, 20, 30]);
    expect([...keys.from(20)]).toEqual([20, 30, 40, 50]);
    expect([...keys.from(25)]).toEqual([30, 40, 50]);
    expect([...keys.from(51)]).toEqual([]);
    expect([...keys.from()]).toEqual([10, 20, 30, 40, 50]);
  });
});

interface Page { routes: { prefix: string }[]; more: boolean; next?: string; scanned: number; prefixes: number }

let node: Node;
const TABLE = encodeURIComponent(`${BLUE}.inet.0`);
const page = async (query: string): Promise<Page> => {
  const res = await node.get(`/api/routes?table=${TABLE}&${query}`);
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as Page;
};
const host = (n: number): string => `10.7.${n >> 8}.${n & 255}/32`;

/** Every page from the first, following `next`: the prefixes in order, and the pages. */
async function walk(query: string): Promise<{ prefixes: string[]; requests: number; pages: Page[] }> {
  const pages: Page[] = [];
  let after = '';
  for (;;) {
    const p = await page(`${query}${after ? `&after=${after}` : ''}`);
    pages.push(p);
    if (!p.more || pages.length > 50) break;
    after = p.next!;
  }
  return { prefixes: pages.flatMap((p) => p.routes.map((r) => r.prefix)), requests: pages.length, pages };
}

beforeAll(async () => {
  node = await startNode({ routeScanLimit: 60 });
  const agent = await connectAgent(node, 'compute-1');
  agent.subscribe(BLUE, 3);
  // Published out of order, so that insertion order is not the key order.
  for (let i = 0; i < 220; i++) agent.publish(BLUE, { prefix: host((i * 7) % 220 + 1), nextHop: '192.0.2.21', label: 30 });
  agent.publish(BLUE, { prefix: '10.8.0.1/32', nextHop: '192.0.2.21', label: 31 });
  agent.publish(BLUE, { prefix: '10.8.0.2/32', nextHop: '192.0.2.21', label: 31 });
  await agent.waitFor(() => agent.routes(BLUE).size === 222, 8000, 'all routes at the agent');
});
afterAll(() => node.stop());

describe('/api/routes paging', () => {
  it('gives every route exactly once, in address order, across pages of 50', async () => {
    const all = Array.from({ length: 220 }, (_, i) => host(i + 1)).concat('10.8.0.1/32', '10.8.0.2/32');
    const { prefixes, pages } = await walk('limit=50');
    expect(prefixes).toEqual(all);
    expect(pages.map((p) => [p.routes.length, p.more, p.next !== undefined])).toEqual([
      [50, true, true], [50, true, true], [50, true, true], [50, true, true], [22, false, false],
    ]);
  });

  it('stops a search that finds little at the scan limit with a cursor, and finds the rest from there', async () => {
    const first = await page('limit=1000&prefix=10.8.');
    expect(first).toMatchObject({ routes: [], more: true, scanned: 60 });
    const tail = await walk('limit=10&prefix=10.8.');
    expect(tail.prefixes).toEqual(['10.8.0.1/32', '10.8.0.2/32']);
    expect(tail.requests).toBe(4); // 222 routes looked at, 60 a request
  });

  it('looks at no more routes per request than the scan limit, with a search or without', async () => {
    expect(await page('limit=10&prefix=nowhere')).toMatchObject({ routes: [], more: true, scanned: 60, prefixes: 222 });
    const big = await page('limit=1000');
    expect([big.routes.length, big.more, big.scanned]).toEqual([60, true, 60]);
    expect((await page(`limit=1&after=${big.next!}`)).routes.map((r) => r.prefix)).toEqual([host(61)]);
  });

  it('continues after its cursor when the cursor\'s route is withdrawn and routes arrive on both sides of it', async () => {
    const first = await page('limit=50');
    expect(first.routes.at(-1)!.prefix).toBe(host(50));
    const agent = node.agents[0]!;
    agent.withdraw(BLUE, host(50));
    agent.publish(BLUE, { prefix: '10.7.0.0/32', nextHop: '192.0.2.21', label: 32 });
    agent.publish(BLUE, { prefix: '10.7.0.52/30', nextHop: '192.0.2.21', label: 32 });
    await agent.waitFor(() => agent.routes(BLUE).size === 223, 5000, 'the changes at the agent');
    const second = await page(`limit=3&after=${first.next!}`);
    // Address first, then length: the /30 comes before the /32 of the same address.
    expect(second.routes.map((r) => r.prefix)).toEqual([host(51), '10.7.0.52/30', host(52)]);
    expect(second.routes.map((r) => r.prefix)).not.toContain('10.7.0.0/32');
  });

  it('refuses a cursor that is not one', async () => {
    const res = await node.get(`/api/routes?table=${TABLE}&after=10.7.0.1`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'after: the next of a page before' });
  });
});
