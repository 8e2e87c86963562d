// graph/order.ts on its own: reach, topoOrder and findCycles over plain adjacency lists,
// at the sizes users reach (a 100,000-node chain must not overflow the stack).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Marks, findCycles, reach, topoOrder } from '../../../src/engine/graph/order';

/** deps[i]: the nodes i reads; users is the mirror. */
function graph(deps: number[][]) {
  const users: number[][] = deps.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => users[d].push(i)));
  return { deps: (i: number) => deps[i], users: (i: number) => users[i], n: deps.length };
}

function order(deps: number[][], seeds: number[]) {
  const g = graph(deps);
  const marks = new Marks();
  const { ids, stamp } = reach(seeds, g.users, marks, g.n);
  return topoOrder(ids, stamp, marks, g.deps, g.users);
}

describe('graph/order', () => {
  it('reach(seeds) visits every node downstream once, seeds first', () => {
    const g = graph([[], [0], [0], [1, 2], []]);
    expect(reach([0], g.users, new Marks(), g.n).ids).toEqual([0, 1, 2, 3]);
    expect(reach([4, 4], g.users, new Marks(), g.n).ids).toEqual([4]);
  });

  it('topoOrder puts every node after the nodes it reads (a diamond: each node once)', () => {
    const { order: o, leftover } = order([[], [0], [0], [1, 2]], [0]);
    expect(leftover).toEqual([]);
    expect(o[0]).toBe(0);
    expect(o[3]).toBe(3);
  });

  it('topoOrder leaves the nodes on and behind a cycle over, and findCycles reports each cycle with its own members', () => {
    // 0 → 1 → 2 → 1 (cycle {1,2}), 2 → 3 (behind it), 4 ↔ 4 (self-loop), 5 independent
    const deps = [[], [0, 2], [1], [2], [4], []];
    const g = graph(deps);
    const { order: o, leftover } = order(deps, [0, 4, 5]);
    expect(o.sort()).toEqual([0, 5]);
    expect(leftover.sort()).toEqual([1, 2, 3, 4]);
    const cycles = findCycles(leftover, g.users).map((c) => c.sort());
    expect(cycles.sort()).toEqual([[1, 2], [4]]);
  });

  it('a 100,000-node chain is walked, ordered and searched for cycles without recursion', () => {
    const n = 100_000;
    const deps = Array.from({ length: n }, (_, i) => (i ? [i - 1] : []));
    const { order: o } = order(deps, [0]);
    expect(o.length).toBe(n);
    expect(o[n - 1]).toBe(n - 1);
    const ring = Array.from({ length: n }, (_, i) => [(i + n - 1) % n]);
    const g = graph(ring);
    expect(findCycles(Array.from({ length: n }, (_, i) => i), g.users).map((c) => c.length)).toEqual([n]);
  });

  it('Marks grow past their first capacity and never confuse two walks', () => {
    const marks = new Marks();
    const g = graph(Array.from({ length: 5000 }, (_, i) => (i ? [i - 1] : [])));
    expect(reach([4000], g.users, marks, g.n).ids.length).toBe(1000);
    expect(reach([0], g.users, marks, g.n).ids.length).toBe(5000);
  });

  it('property: on random DAGs, topoOrder is a permutation of what reach finds and respects every edge', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength: 60 }), (raw) => {
        const deps = raw.map((ds, i) => [...new Set(ds.filter(() => i > 0).map((d) => d % Math.max(1, i)))]);
        const { order: o, leftover } = order(deps, [0]);
        expect(leftover).toEqual([]);
        const pos = new Map(o.map((id, k) => [id, k]));
        for (const id of o) for (const d of deps[id]) if (pos.has(d)) expect(pos.get(d)!).toBeLessThan(pos.get(id)!);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
