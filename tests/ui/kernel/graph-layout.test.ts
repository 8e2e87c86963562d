// Layouts of the op graph: one layout node per op (plus the inputs) or per cell, every edge
// routed, nodes never overlapping (legible), and large sheets laid out by the layered layout.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { DAGRE_LIMIT, type GraphLayout, layoutGraph, opLabel } from '../../../src/ui/kernel/graph-layout';

function overlaps(L: GraphLayout): string[] {
  const out: string[] = [];
  for (let i = 0; i < L.nodes.length; i++) for (let j = i + 1; j < L.nodes.length; j++) {
    const a = L.nodes[i], b = L.nodes[j];
    if (Math.abs(a.x - b.x) * 2 < a.w + b.w && Math.abs(a.y - b.y) * 2 < a.h + b.h) out.push(`${a.id} ${b.id}`);
  }
  return out;
}

function circuit() {
  const e = createEngine();
  e.setCell('A1', '-2');
  e.setCell('A2', '5');
  e.setCell('A3', '-4');
  e.setCell('B1', 'A1 + A2');
  e.setCell('B2', '-1 * B1 * A3');
  e.setCell('C1', 'grad(B2)');
  return e;
}

describe('layoutGraph', () => {
  it('ops mode: a node per op and per input cell, literals folded into the op label', () => {
    const e = circuit();
    const g = e.opGraph();
    const L = layoutGraph(g, 'ops', e.registry);
    expect(L.nodes.filter((n) => n.kind === 'op')).toHaveLength(g.nodes.length);
    expect(L.nodes.filter((n) => n.kind === 'cell').map((n) => n.cell).sort()).toEqual(['A1', 'A2', 'A3']);
    expect(g.nodes.map((n) => opLabel(n, e.registry))).toEqual(['+', '−1 ×', '×']);
    for (const ed of L.edges) expect(ed.points.length).toBeGreaterThanOrEqual(2);
    expect(overlaps(L)).toEqual([]);
    expect(L.nodes.filter((n) => n.sink).map((n) => n.cell)).toEqual(['B2']);
  });

  it('cells mode: a node per cell, edges carry the value and the consumer’s term of the fork sum', () => {
    const e = circuit();
    const L = layoutGraph(e.opGraph(), 'cells', e.registry);
    expect(L.nodes.map((n) => n.cell).sort()).toEqual(['A1', 'A2', 'A3', 'B1', 'B2']);
    const z = L.edges.find((x) => x.from === 'c:A3')!;
    expect([z.value, z.grad]).toEqual([-4, -3]);
  });

  it(`a 1,000-cell sheet (over ${DAGRE_LIMIT} nodes) gets the layered layout: every node placed, none overlapping`, () => {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', '0.5');
      for (let r = 2; r <= 1000; r++) e.setCell(`A${r}`, r % 3 ? `tanh(A${r - 1})` : `A${r - 1} * A${r - 2}`);
      e.setCell('B1', 'grad(A1000)');
    });
    const L = layoutGraph(e.opGraph(), 'cells', e.registry);
    expect(L.nodes).toHaveLength(1000);
    expect(L.nodes.every((n) => Number.isFinite(n.x) && Number.isFinite(n.y))).toBe(true);
    // Same-rank nodes are stacked; spot-check the first 300 for overlaps (quadratic check).
    expect(overlaps({ ...L, nodes: L.nodes.slice(0, 300) })).toEqual([]);
  });
});
