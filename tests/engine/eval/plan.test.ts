// The plan (eval/plan.ts): the sheet's computation as plain data. Its forward and backward
// must give the engine's numbers on every example sheet, its adjoint trace must sum per
// cell to the cell's gradient, and it must survive structuredClone and JSON.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine';
import { type Plan, cellGradients, createPlanRunner, planFromJson, planToJson } from '../../../src/engine/eval/plan';
import { addValues } from '../../../src/engine/tensor/kernels';
import { type Value, shapeOf } from '../../../src/engine/tensor/value';
import { exampleFiles, loadExample as load } from '../../example-files';

const files = exampleFiles();

function sheet(cells: Record<string, string>, names: Record<string, string> = {}): Engine {
  const e = createEngine();
  e.batch(() => {
    for (const [at, f] of Object.entries(cells)) e.setCell(at, f);
    for (const [at, n] of Object.entries(names)) e.setName(at, n);
  });
  return e;
}

function flat(v: Value): number[] {
  return typeof v === 'number' ? [v] : Array.from(v.data);
}

/** Equal to 1e-12 relative (the plan may add a fork's parts in another order than the engine). */
function expectClose(a: Value, b: Value, what: string): void {
  expect(shapeOf(a), what).toEqual(shapeOf(b));
  const x = flat(a), y = flat(b);
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(y[i])) expect(x[i], what).toBeNaN();
    else expect(Math.abs(x[i] - y[i]), `${what}[${i}]: ${x[i]} vs ${y[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(y[i])));
  }
}

describe('buildPlan over the example sheets', () => {
  for (const file of files) {
    it(`${file}: forward and backward over the plan give the engine's values and gradients`, () => {
      const e = load(file);
      const plan = e.plan();
      const runner = createPlanRunner(plan, e.registry);
      const values = runner.forward();
      for (const c of plan.cells) expectClose(values[c.slot], e.get(c.at)!.value!, `value of ${c.at}`);
      for (const { loss } of e.losses()) {
        const lossSlot = plan.cells.find((c) => c.at === loss)!.slot;
        const { adj } = runner.backward(values, lossSlot);
        const grads = cellGradients(plan, values, adj, lossSlot);
        const engineGrads = e.cells({ loss }).filter((c) => c.grad !== null);
        expect([...grads.keys()].sort()).toEqual(engineGrads.map((c) => c.at).sort());
        for (const c of engineGrads) expectClose(grads.get(c.at)!, c.grad!, `∂${loss}/∂${c.at}`);
      }
    });

    it(`${file}: the adjoint trace sums, per cell, to the cell's gradient`, () => {
      const e = load(file);
      const loss = e.defaultLoss()!.loss;
      const plan = e.plan({ losses: [loss] });
      const runner = createPlanRunner(plan, e.registry);
      const values = runner.forward();
      const { trace } = runner.backward(values, plan.losses[0], { trace: true });
      const sums = new Map<number, Value>();
      for (const t of trace!) {
        const st = plan.steps[t.step];
        st.args.forEach((slot, j) => {
          const d = t.added[j];
          if (d === null) return;
          const prev = sums.get(slot);
          sums.set(slot, prev === undefined ? d : addValues(prev, d));
        });
      }
      for (const c of e.cells()) {
        if (c.grad === null || c.at === loss) continue;
        const slot = plan.cells.find((p) => p.at === c.at)!.slot;
        const s = sums.get(slot);
        if (s === undefined) expect(flat(c.grad).every((x) => x === 0), `${c.at} gets nothing`).toBe(true);
        else expectClose(s, c.grad, `trace into ${c.at}`);
      }
    });
  }
});

describe('engine.explain: the breakdown from shallow plans of the consumers', () => {
  for (const file of files) {
    it(`${file}: every cell's parts (one per consumer) sum to its gradient`, () => {
      const e = load(file);
      const loss = e.defaultLoss()!.loss;
      for (const c of e.cells()) {
        if (c.grad === null || c.at === loss) continue;
        const parts = e.explain(c.at).parts;
        if (!parts.length) {
          expect(flat(c.grad).every((x) => x === 0), `${c.at} gets nothing`).toBe(true);
          continue;
        }
        const sum = parts.map((p) => p.contribution).reduce((a, b) => addValues(a, b));
        expectClose(sum, c.grad, `breakdown of ${c.at}`);
      }
    });
  }
});

describe('plans as data', () => {
  const mlp = () =>
    sheet(
      {
        A1: '[[1, 2], [3, -1], [0.5, 0.5]]',
        A2: '[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]',
        A3: '[[0.01, -0.02, 0.03]]',
        A4: 'relu(X @ W + b)',
        A5: '[[1, 0, 0], [0, 1, 0], [0, 0, 1]]',
        A6: 'mse(h, T)',
        A7: 'grad(L)',
      },
      { A1: 'X', A2: 'W', A3: 'b', A4: 'h', A5: 'T', A6: 'L' },
    );

  it('a plan survives structuredClone and JSON and runs to the same numbers on the other side', () => {
    const e = mlp();
    e.setParameter('A2', e.get('A2')!.value);
    const plan = e.plan({ losses: ['L'] });
    const here = createPlanRunner(plan, e.registry);
    const v0 = here.forward();
    const g0 = here.backward(v0, plan.losses[0]).adj;
    for (const copy of [structuredClone(plan), planFromJson(planToJson(plan))] as Plan[]) {
      const there = createPlanRunner(copy, createEngine().registry);
      const v1 = there.forward();
      const g1 = there.backward(v1, copy.losses[0]).adj;
      expect(v1.map(flat)).toEqual(v0.map(flat));
      expect(g1.map((g) => (g === undefined ? null : flat(g)))).toEqual(g0.map((g) => (g === undefined ? null : flat(g))));
    }
  });

  it('names ops by registry name, records each step’s cell and composite op, and lists params, data and losses', () => {
    const e = mlp();
    e.setParameter('A2', e.get('A2')!.value);
    const plan = e.plan({ losses: ['L'] });
    expect(plan.steps.filter((s) => s.cell === 'A4').map((s) => s.op)).toEqual(['matmul', 'add', 'relu']);
    const mse = plan.steps.filter((s) => s.cell === 'A6');
    expect(mse.length).toBeGreaterThan(1);
    expect(new Set(mse.map((s) => s.via))).toEqual(new Set(['mse']));
    expect(plan.params.map((s) => (plan.slots[s] as { cell: string }).cell)).toEqual(['A2']);
    expect(plan.data.map((s) => (plan.slots[s] as { cell: string }).cell).sort()).toEqual(['A1', 'A3', 'A5']);
    expect(plan.losses).toEqual([plan.cells.find((c) => c.at === 'A6')!.slot]);
    expect(plan.cells.map((c) => c.at)).not.toContain('A7'); // not upstream of L
    expect(JSON.parse(planToJson(plan)).kind).toBe('gradsheet-plan');
  });

  it('freeze takes every cell that depends on no parameter as a given input', () => {
    const e = sheet({ A1: '2', A2: 'A1 * 3', A3: '5', A4: 'A2 * A3', A5: 'grad(A4)' });
    e.setParameter('A3', 5);
    const plan = e.plan({ losses: ['A4'], freeze: true });
    expect(plan.steps.map((s) => s.cell)).toEqual(['A4']);
    const roles = Object.fromEntries(plan.slots.flatMap((s) => (s.kind === 'input' ? [[s.cell, s.role]] : [])));
    expect(roles).toEqual({ A2: 'frozen', A3: 'param' });
  });

  it('a formula that is only a reference gets a copy step, so the cell has its own gradient', () => {
    const e = sheet({ A1: '3', A2: 'A1', A3: 'A2 * A1', A4: 'grad(A3)' });
    const plan = e.plan({ losses: ['A3'] });
    const r = createPlanRunner(plan, e.registry);
    const v = r.forward();
    const g = cellGradients(plan, v, r.backward(v, plan.losses[0]).adj, plan.losses[0]);
    expect(g.get('A2')).toBe(3);
    expect(g.get('A1')).toBe(6);
  });

  it('cells in error or on a cycle are left out with the reason; cells that call grad are frozen inputs', () => {
    const e = sheet({ A1: '1', A2: 'A1 + nope', B1: 'B2', B2: 'B1', C1: '2', C2: 'C1 * C1', C3: 'grad(C2, C1) * C1' });
    const plan = e.plan();
    const omitted = Object.fromEntries(plan.omitted.map((o) => [o.at, o.reason]));
    expect(omitted.A2).toContain('nope');
    expect(Object.keys(omitted)).toEqual(expect.arrayContaining(['B1', 'B2']));
    expect(plan.slots.some((s) => s.kind === 'input' && s.cell === 'C3' && s.role === 'frozen')).toBe(true);
  });

  it('a 100,000-cell chain builds and runs forward and backward without overflowing the stack', () => {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', '1');
      for (let r = 2; r <= 9999; r++) e.setCell(`A${r}`, `A${r - 1} * 0.999 + 1`);
    });
    const cols = ['B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K'];
    e.batch(() => {
      let prev = 'A9999';
      for (const col of cols) {
        for (let r = 1; r <= 9999; r++) {
          e.setCell(`${col}${r}`, `${prev} * 0.999 + 1`);
          prev = `${col}${r}`;
        }
      }
    });
    const last = 'K9999';
    const plan = e.plan({ losses: [last] });
    expect(plan.cells.length).toBeGreaterThan(100_000);
    const r = createPlanRunner(plan, e.registry);
    const v = r.forward();
    expectClose(v[plan.losses[0]], e.get(last)!.value!, 'last value');
    const g = r.backward(v, plan.losses[0]).adj[plan.cells[0].slot] as number;
    expect(g).toBeCloseTo(Math.pow(0.999, plan.cells.length - 1), 10);
  });
});
