// graph/scheduler.ts on its own, with a toy host: each dirty node's downstream is evaluated
// once, in order; cycles are handed to the host; batches recompute once; slices yield.
import { describe, expect, it } from 'vitest';
import { createEdges, type EdgeNode } from '../../../src/engine/graph/edges';
import { createScheduler, type ScheduleHost, type Slicer } from '../../../src/engine/graph/scheduler';

function toy(n: number, slicer: Slicer | null = null) {
  const nodes: EdgeNode[] = Array.from({ length: n }, (_, id) => ({ id, deps: [], users: [] }));
  const edges = createEdges(nodes);
  const log: string[] = [];
  const host: ScheduleHost = {
    size: () => nodes.length,
    deps: (id) => nodes[id].deps,
    users: (id) => nodes[id].users,
    edgeVersion: edges.version,
    evaluate: (id) => void log.push(`eval ${id}`),
    markCycle: (members) => void log.push(`cycle ${[...members].sort().join(',')}`),
    before: () => null,
    changed: () => {},
    emit: (p) => void log.push(p ? `progress ${p.done}/${p.total}` : 'emit'),
  };
  const s = createScheduler(host, slicer);
  return { nodes, edges, log, s };
}

describe('graph/scheduler', () => {
  it('a dirty node recomputes everything downstream once, each after what it reads (diamond)', () => {
    const { nodes, edges, log, s } = toy(4);
    edges.setDeps(nodes[1], [0]);
    edges.setDeps(nodes[2], [0]);
    edges.setDeps(nodes[3], [1, 2]);
    s.markDirty(0);
    s.flush();
    expect(log.filter((l) => l.startsWith('eval'))).toHaveLength(4);
    expect(log[0]).toBe('eval 0');
    expect(log[3]).toBe('eval 3');
    expect(log.at(-1)).toBe('emit');
  });

  it('batch() recomputes once at the end, however many nodes were marked', () => {
    const { nodes, edges, log, s } = toy(3);
    edges.setDeps(nodes[1], [0]);
    edges.setDeps(nodes[2], [1]);
    s.batch(() => {
      s.markDirty(0);
      s.flush();
      s.markDirty(1);
      s.flush();
    });
    expect(log).toEqual(['eval 0', 'eval 1', 'eval 2', 'emit']);
  });

  it('cycles go to the host with their members; nodes behind a cycle are evaluated after it', () => {
    const { nodes, edges, log, s } = toy(4);
    edges.setDeps(nodes[1], [0, 2]);
    edges.setDeps(nodes[2], [1]);
    edges.setDeps(nodes[3], [2]);
    s.markDirty(0);
    s.flush();
    expect(log).toContain('cycle 1,2');
    expect(log.indexOf('eval 3')).toBeGreaterThan(log.indexOf('cycle 1,2'));
  });

  it('with a slicer, a long recompute yields between slices with progress, then finishes', () => {
    let t = 0;
    const queue: (() => void)[] = [];
    const { nodes, edges, log, s } = toy(1000, { now: () => (t += 20), defer: (f) => void queue.push(f), budgetMs: 50 });
    for (let i = 1; i < 1000; i++) edges.setDeps(nodes[i], [i - 1]);
    s.markDirty(0);
    s.flush();
    expect(s.busy()).toBe(true);
    expect(log.some((l) => l.startsWith('progress'))).toBe(true);
    while (queue.length) queue.shift()!();
    expect(s.busy()).toBe(false);
    expect(log.filter((l) => l.startsWith('eval'))).toHaveLength(1000);
    expect(log.at(-1)).toBe('emit');
  });

  it('edges stay symmetric and bump their version only when they change', () => {
    const { nodes, edges } = toy(3);
    const v0 = edges.version();
    expect(edges.setDeps(nodes[2], [0, 1])).toBe(true);
    expect(nodes[0].users).toEqual([2]);
    expect(edges.setDeps(nodes[2], [0, 1])).toBe(false);
    expect(edges.version()).toBe(v0 + 1);
    edges.setDeps(nodes[2], [1]);
    expect(nodes[0].users).toEqual([]);
    expect(nodes[1].users).toEqual([2]);
  });
});
