// The expanded operation graph (engine.opGraph) and what reads it: one node per plan step,
// the engine's own numbers on every node and edge, the breakdown's terms summing to each
// cell's gradient, and step-through reaching the full gradients — on every example sheet.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { addValues } from '../../../src/engine/tensor/kernels';
import type { Value } from '../../../src/engine/tensor/value';
import { cellBreakdown } from '../../../src/ui/kernel/breakdown';
import { createStepThrough } from '../../../src/ui/kernel/step-through';
import { expectClose } from '../helpers';
import { exampleFiles, loadExample as load } from '../../example-files';

const files = exampleFiles();

function flat(v: Value | null | undefined): number[] {
  if (v === null || v === undefined) return [];
  return typeof v === 'number' ? [v] : Array.from(v.data);
}

describe('engine.opGraph() on every example', () => {
  for (const file of files) {
    it(`${file}: one node per op step; values and gradients are the engine's; the breakdown sums to each gradient; step-through ends at the gradients`, () => {
      const engine = load(file);
      for (const { loss } of engine.losses()) {
        const graph = engine.opGraph(loss);
        expect(graph.error).toBeNull();
        expect(graph.loss).toBe(loss);
        const plan = engine.plan({ losses: [loss] });
        expect(graph.nodes.length).toBe(plan.steps.length);
        graph.nodes.forEach((n, i) => expect([n.id, n.op, n.cell]).toEqual([i, plan.steps[i].op, plan.steps[i].cell]));
        // Cell outputs carry the engine's value and gradient; edges carry their source's value.
        for (const c of graph.cells) {
          const view = engine.get(c.at, { loss })!;
          expectClose(c.value, view.value, `${file} ${c.at} value`);
          expectClose(c.grad, view.grad, `${file} ${c.at} gradient`);
        }
        for (const n of graph.nodes) {
          if (n.output) expectClose(n.value, engine.get(n.cell)!.value, `${file} node ${n.id} output`);
          for (const inp of n.inputs) if (inp.cell) expectClose(inp.value, engine.get(inp.cell)!.value, `${file} edge into node ${n.id}`);
        }
        for (const e of graph.cellEdges) expectClose(e.value, engine.get(e.from)!.value, `${file} edge ${e.from}→${e.to}`);
        // The breakdown: its groups' totals sum to ∂L/∂cell (and the engine's explain parts agree).
        for (const c of graph.cells) {
          if (c.grad === null || c.slot === graph.lossSlot) continue;
          const b = cellBreakdown(graph, c.at, engine.registry, Infinity);
          const sum = b.groups.reduce<Value | null>((s, g) => (s === null ? g.total : addValues(s, g.total)), null);
          if (sum === null) expect(flat(c.grad).every((x) => x === 0), `${file} ${c.at}: no term, zero gradient`).toBe(true);
          else expectClose(sum, engine.get(c.at, { loss })!.grad, `${file} ${c.at} breakdown sum`);
          expect(b.groups.map((g) => g.consumer)).toEqual(engine.explain(c.at, { loss }).parts.map((p) => p.via));
        }
        // Step-through: after every op the sums are the partial sums of the trace; at the end the gradients.
        const st = createStepThrough(graph);
        const order = [...graph.nodes].filter((n) => n.backOrder >= 0).sort((a, b) => a.backOrder - b.backOrder);
        expect(st.total()).toBe(order.length);
        const probe = graph.cells.filter((c) => c.grad !== null).slice(0, 6);
        for (let k = 0; k <= order.length; k++) {
          if (k > 0) expect(st.next()).toBe(true);
          expect(st.pos()).toBe(k);
          for (const c of probe) {
            let want: Value | undefined = c.slot === graph.lossSlot ? 1 : undefined;
            for (const n of order.slice(0, k)) for (const inp of n.inputs) if (inp.slot === c.slot && inp.added !== null && !inp.isConst) want = want === undefined ? inp.added : addValues(want, inp.added);
            expectClose(st.soFar(c.slot), want, `${file} ${c.at} after ${k} steps`);
          }
        }
        expect(st.next()).toBe(false);
        const grads = st.cellGrads();
        for (const c of graph.cells) if (c.grad !== null && flat(c.grad).some((x) => x !== 0)) expectClose(grads.get(c.at), c.grad, `${file} ${c.at} stepped to the end`);
        // Back and forth gives the same sums.
        st.seek(Math.floor(order.length / 2));
        const mid = new Map(st.cellGrads());
        st.seek(order.length);
        st.seek(Math.floor(order.length / 2));
        for (const [at, v] of mid) expectClose(st.cellGrads().get(at), v, `${file} ${at} after seeking back`);
      }
    });
  }
});

describe('engine.opGraph() edge cases', () => {
  it('opGraph() without a grad cell has values and no gradients', () => {
    const e = createEngine();
    e.setCell('A1', '2');
    e.setCell('A2', 'A1 * 3');
    const g = e.opGraph();
    expect(g.loss).toBeNull();
    expect(g.nodes.map((n) => n.op)).toEqual(['mul']);
    expect(g.nodes[0].value).toBe(6);
    expect(g.nodes[0].grad).toBeNull();
  });

  it('opGraph(loss) with an error in the loss says so instead of throwing', () => {
    const e = createEngine();
    e.setCell('A1', '[[1, 2]]');
    e.setCell('A2', 'A1 @ A1');
    e.setCell('A3', 'grad(A2)');
    const g = e.opGraph();
    expect(g.error).toMatch(/A2/);
    expect(g.nodes).toEqual([]);
    expect(e.opGraph('nowhere').error).toMatch(/no cell nowhere/);
  });

  it('a cell read twice by one op (x * x) gets two terms that add up', () => {
    const e = createEngine();
    e.setCell('A1', '3');
    e.setName('A1', 'x');
    e.setCell('A2', 'x * x');
    e.setCell('A3', 'grad(A2)');
    const b = cellBreakdown(e.opGraph(), 'A1', e.registry);
    expect(b.groups).toHaveLength(1);
    expect(b.groups[0].terms).toHaveLength(2);
    expect(b.groups[0].total).toBe(6);
    expect(b.groups[0].text).toBe('via A2: ∂A2/∂A2 · ∂A2/∂x = 1 · 6 = 6');
  });
});
