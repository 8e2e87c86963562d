// The compiled plan (eval/compiled.ts) must compute the plan runner's numbers (and so the
// cell-by-cell engine's) on every example sheet and on random MLPs, run after run, with new
// inputs written between runs; compute no adjoint that no wanted slot needs; allocate nothing
// for an MLP step; and say clearly when it must be compiled again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine';
import { compilePlan } from '../../../src/engine/eval/compiled';
import { compiledTrainProgram } from '../../../src/engine/eval/compiled-train';
import { type Plan, PlanError, createPlanRunner, upstreamSlots } from '../../../src/engine/eval/plan';
import { setInplaceWasmThreshold } from '../../../src/engine/tensor/inplace';
import { Matrix, type Value } from '../../../src/engine/tensor/value';
import { exampleFiles, loadExample as load } from '../../example-files';

const files = exampleFiles();

function flat(v: Value | undefined, size: number): Float64Array {
  if (v === undefined) return new Float64Array(size);
  return typeof v === 'number' ? Float64Array.of(v) : v.data;
}

/**
 * Equal to 1e-12 relative to the largest entry of the expected array (a gradient entry that is
 * a sum with cancellation may differ in its last bits of the array's scale, not of its own).
 */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i])) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i], `${what}[${i}]`).toBeNaN();
    else if (!Number.isFinite(want[i])) expect(got[i], `${what}[${i}]`).toBe(want[i]);
    else expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-12 * scale);
  }
}

/** Compile, then run both ways `runs` times, writing perturbed inputs between runs; compare the loss and every wanted gradient. */
function compareRuns(plan: Plan, e: Engine, loss: number, wanted: number[], runs = 3): ReturnType<typeof compilePlan> {
  const prog = compilePlan(plan, e.registry, { loss, wanted });
  const runner = createPlanRunner(plan, e.registry);
  const inputs = new Map<number, Value>();
  let flows: (Value | undefined)[] = [];
  for (let r = 0; r < runs; r++) {
    if (r > 0) {
      // New values for the wanted inputs a gradient flows into (not labels), written into the compiled program's buffers in place.
      for (const w of wanted) {
        if (plan.slots[w].kind === 'step' || flows[w] === undefined) continue;
        const buf = prog.input(w);
        for (let i = 0; i < buf.length; i++) buf[i] = buf[i] * 0.9 + 0.01 * ((i % 7) - 3);
        const [rows, cols] = prog.shape(w);
        inputs.set(w, rows * cols === 1 ? buf[0] : new Matrix(rows, cols, buf.slice()));
      }
    }
    const L = prog.run();
    const values = runner.forward(inputs);
    expectClose([L], [values[loss] as number], `loss, run ${r}`);
    const { adj } = runner.backward(values, loss);
    flows = adj;
    for (const w of wanted) expectClose(prog.grad(w), flat(adj[w], prog.grad(w).length), `∂loss/∂slot ${w} (${slotCell(plan, w)}), run ${r}`);
  }
  return prog;
}

function slotCell(plan: Plan, s: number): string {
  const sl = plan.slots[s];
  return sl.kind === 'const' ? 'literal' : sl.cell;
}

describe('compilePlan over the example sheets', () => {
  for (const file of files) {
    it(`${file}: every grad cell's loss, run after run, gives the plan runner's loss and gradients`, () => {
      const e = load(file);
      for (const { loss: lossAt } of e.losses()) {
        const plan = e.plan({ losses: [lossAt] });
        const loss = plan.losses[0];
        const up = upstreamSlots(plan, loss);
        // Wanted: every input upstream of the loss (fusions allowed), then every cell (none fused away).
        const inputs = plan.slots.flatMap((s, i) => (s.kind === 'input' && up.has(i) ? [i] : []));
        compareRuns(plan, e, loss, inputs);
        const cells = plan.cells.map((c) => c.slot).filter((s) => up.has(s) && s !== loss);
        compareRuns(plan, e, loss, cells, 1);
      }
    });
  }
});

type Act = 'relu' | 'tanh' | 'sigmoid';
interface Mlp {
  n: number;
  d: number;
  hidden: { size: number; act: Act }[];
  k: number;
  loss: 'ce' | 'ce_onehot' | 'mse';
  biasFirst: boolean;
  seed: number;
}

const mlpArb: fc.Arbitrary<Mlp> = fc.record({
  n: fc.integer({ min: 1, max: 40 }),
  d: fc.integer({ min: 1, max: 12 }),
  hidden: fc.array(fc.record({ size: fc.integer({ min: 1, max: 24 }), act: fc.constantFrom<Act>('relu', 'tanh', 'sigmoid') }), { minLength: 0, maxLength: 3 }),
  k: fc.integer({ min: 1, max: 6 }),
  loss: fc.constantFrom<Mlp['loss']>('ce', 'ce_onehot', 'mse'),
  biasFirst: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

/** X @ W1 + b1 → act → … → scores, a loss over them; weights and biases are parameters. */
function mlpSheet(m: Mlp): { e: Engine; params: string[] } {
  const e = createEngine();
  const params: string[] = [];
  e.batch(() => {
    e.setCell('A1', `randn(${m.n}, ${m.d}, ${m.seed})`);
    e.setName('A1', 'X');
    let prev = 'X', width = m.d, row = 1;
    const layers = [...m.hidden.map((h) => ({ size: h.size, act: h.act as Act | null })), { size: m.k, act: null }];
    layers.forEach((l, i) => {
      const W = `B${row}`, b = `B${row + 1}`, h = `C${row}`;
      e.setCell(W, `0.5 * randn(${width}, ${l.size}, ${m.seed + 10 * i + 1})`);
      e.setCell(b, `0.1 * randn(1, ${l.size}, ${m.seed + 10 * i + 2})`);
      const lin = m.biasFirst ? `${b} + ${prev} @ ${W}` : `${prev} @ ${W} + ${b}`;
      e.setCell(h, l.act ? `${l.act}(${lin})` : lin);
      params.push(W, b);
      prev = h;
      width = l.size;
      row += 2;
    });
    e.setCell('D1', `argmax(randn(${m.n}, ${m.k}, ${m.seed + 500}))`);
    e.setCell('D2', `onehot(D1, ${m.k})`);
    e.setCell('D3', `randn(${m.n}, ${m.k}, ${m.seed + 600})`);
    // n×1 one-hot labels of one class read as class indices (cross_entropy's rule for K = 1): use indices there.
    const loss = m.loss === 'ce_onehot' && m.k === 1 ? 'ce' : m.loss;
    const lossF = loss === 'ce' ? `cross_entropy(${prev}, D1)` : loss === 'ce_onehot' ? `cross_entropy(${prev}, D2)` : `mse(${prev}, D3)`;
    e.setCell('E1', `${lossF} + 0.001 * sum(B1 * B1)`);
    e.setCell('E2', 'grad(E1)');
  });
  for (const p of params) e.setParameter(p, e.get(p)!.value);
  return { e, params };
}

describe('compilePlan over random MLPs', () => {
  it('relu/tanh/sigmoid layers with broadcast biases, softmax cross-entropy or mse: the plan runner’s gradients, run after run', () => {
    fc.assert(
      fc.property(mlpArb, (m) => {
        const { e, params } = mlpSheet(m);
        const plan = e.plan({ losses: ['E1'], freeze: true });
        const wanted = params.map((at) => plan.cells.find((c) => c.at === at)!.slot);
        const prog = compareRuns(plan, e, plan.losses[0], wanted);
        // Unless a weight or the scores are 1×1 (a scalar product: generic by design), nothing allocates.
        const widths = [m.d, ...m.hidden.map((h) => h.size), m.k];
        if (m.n > 1 && m.k > 1 && widths.every((w, i) => i === 0 || w > 1 || widths[i - 1] > 1)) {
          expect(prog.stats.generic, 'no op fell back to its allocating forward or VJP').toBe(0);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('the in-place matrix products', () => {
  it('WebAssembly SIMD for every product and plain JS for every product give the same gradients (1e-12)', () => {
    fc.assert(
      fc.property(mlpArb, (m) => {
        const { e, params } = mlpSheet(m);
        const plan = e.plan({ losses: ['E1'], freeze: true });
        const wanted = params.map((at) => plan.cells.find((c) => c.at === at)!.slot);
        const grads = (threshold: number) => {
          setInplaceWasmThreshold(threshold);
          try {
            const prog = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted });
            prog.run();
            return wanted.map((w) => prog.grad(w).slice());
          } finally {
            setInplaceWasmThreshold(1 << 12);
          }
        };
        const js = grads(Infinity), simd = grads(0);
        js.forEach((g, i) => expectClose(simd[i], g, `∂/∂${params[i]}`));
      }),
      { numRuns: 25 },
    );
  });
});

describe('what a compiled program computes', () => {
  const spiralLike = () => mlpSheet({ n: 12, d: 2, hidden: [{ size: 8, act: 'relu' }], k: 3, loss: 'ce', biasFirst: false, seed: 3 });

  it('backward never computes ∂L/∂X of a data cell, and computes the weights’ gradients', () => {
    const { e, params } = spiralLike();
    const plan = e.plan({ losses: ['E1'], freeze: true });
    const X = plan.cells.find((c) => c.at === 'A1')!.slot;
    const wanted = params.map((at) => plan.cells.find((c) => c.at === at)!.slot);
    const prog = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted });
    expect(prog.buffers.some((b) => b.role === 'grad' && b.slots.includes(X))).toBe(false);
    expect(() => prog.grad(X)).toThrow(/not a wanted slot/);
    // A program that does want X computes it.
    const withX = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted: [...wanted, X] });
    expect(withX.buffers.some((b) => b.role === 'grad' && b.slots.includes(X))).toBe(true);
    expect(withX.backwardCalls.length).toBeGreaterThan(prog.backwardCalls.length);
  });

  it('shareData reads a data input in place from the plan (no copy) and will not let it be written; the numbers are the same', () => {
    const { e, params } = spiralLike();
    const plan = e.plan({ losses: ['E1'], freeze: true });
    const X = plan.cells.find((c) => c.at === 'A1')!.slot;
    const wanted = params.map((at) => plan.cells.find((c) => c.at === at)!.slot);
    const shared = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted, shareData: true });
    const copied = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted });
    const planX = (plan.slots[X] as { value: { data: Float64Array } }).value.data;
    expect(shared.value(X)).toBe(planX);
    expect(copied.value(X)).not.toBe(planX);
    expect(() => shared.input(X)).toThrow(/not a writable input/);
    expect(() => shared.setInput(X, new Matrix(12, 2, new Float64Array(24)))).toThrow(/not a writable input/);
    expect(shared.input(wanted[0])).not.toBe((plan.slots[wanted[0]] as { value: { data: Float64Array } }).value.data); // parameters are copied
    expect(shared.run()).toBe(copied.run());
    for (const w of wanted) expect([...shared.grad(w)]).toEqual([...copied.grad(w)]);
  });

  it('describe() lists the fused layer, the kept softmax and the accumulation into the weights', () => {
    const { e, params } = spiralLike();
    const plan = e.plan({ losses: ['E1'], freeze: true });
    const wanted = params.map((at) => plan.cells.find((c) => c.at === at)!.slot);
    const prog = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted });
    const text = prog.describe();
    expect(text).toMatch(/= matmul_nn\+bias\+relu\(.*\)\s+C1: matmul → add → relu/);
    expect(text).toMatch(/, p\d+ = cross_entropy\(/);
    expect(text).toMatch(/cross_entropy_back\(/);
    expect(text).toMatch(/g\d+ \+= matmul_tn\(/); // B1's gradient: the weight decay's part, then the product's added in
    expect(prog.forwardCalls.every((c) => c.kernel !== 'op')).toBe(true);
    expect(JSON.parse(JSON.stringify(prog.forwardCalls))).toEqual(prog.forwardCalls); // plain data
  });

  it('a fused layer never stores its pre-activation: value() is null there, and the layer output matches the runner', () => {
    const { e, params } = spiralLike();
    const plan = e.plan({ losses: ['E1'], freeze: true });
    const wanted = params.map((at) => plan.cells.find((c) => c.at === at)!.slot);
    const prog = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted });
    prog.run();
    const layer = plan.steps.filter((st) => st.cell === 'C1');
    expect(layer.map((st) => st.op)).toEqual(['matmul', 'add', 'relu']);
    expect(prog.value(layer[0].out)).toBeNull();
    expect(prog.value(layer[1].out)).toBeNull();
    const values = createPlanRunner(plan, e.registry).forward();
    expectClose(prog.value(layer[2].out)!, (values[layer[2].out] as Matrix).data, 'relu(X @ W + b)');
  });

  it('an input of another shape is refused before anything runs, saying to compile again', () => {
    const { e, params } = spiralLike();
    const plan = e.plan({ losses: ['E1'], freeze: true });
    const W1 = plan.cells.find((c) => c.at === params[0])!.slot;
    const prog = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted: [W1] });
    const before = prog.run();
    const wrong = new Map<number, Value>([[W1, new Matrix(3, 8, new Float64Array(24))]]);
    expect(() => prog.run(wrong)).toThrow(PlanError);
    expect(() => prog.run(wrong)).toThrow(/B1: is 3×8, the compiled plan was made for 2×8: compile the plan again/);
    expect(prog.run()).toBe(before);
  });

  it('a label that is not a class index is a PlanError naming the loss cell', () => {
    const { e, params } = spiralLike();
    const plan = e.plan({ losses: ['E1'], freeze: true });
    const labels = plan.cells.find((c) => c.at === 'D1')!.slot;
    const prog = compilePlan(plan, e.registry, { loss: plan.losses[0], wanted: [plan.cells.find((c) => c.at === params[0])!.slot] });
    prog.input(labels)[4] = 3;
    expect(() => prog.run()).toThrow(/E1: cross_entropy: label 3 in row 5 is not a class index 0…2/);
  });

  it('ops without an in-place kernel fall back to their own forward and VJP, counted', () => {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', '[[1, 2], [3, 4]]');
      e.setCell('A2', 'sum(logsumexp(A1) * 2)');
      e.setCell('A3', 'grad(A2)');
    });
    e.setParameter('A1', e.get('A1')!.value);
    const plan = e.plan({ losses: ['A2'] });
    const prog = compareRuns(plan, e, plan.losses[0], [plan.cells.find((c) => c.at === 'A1')!.slot]);
    expect(prog.describe()).toMatch(/logsumexp \(generic, allocates\)/);
    expect(prog.stats.generic).toBeGreaterThan(0);
  });
});

describe('compiledTrainProgram (the trainer seam)', () => {
  it('forward with parameter values, value of a kept slot, gradients of the parameters: the plan runner’s numbers, step after step', () => {
    const { e, params } = mlpSheet({ n: 10, d: 3, hidden: [{ size: 6, act: 'tanh' }], k: 3, loss: 'ce', biasFirst: false, seed: 9 });
    const plan = e.plan({ losses: ['E1'], freeze: true });
    const slots = params.map((at) => plan.cells.find((c) => c.at === at)!.slot);
    const loss = plan.losses[0];
    const tp = compiledTrainProgram(plan, e.registry, [loss]);
    const runner = createPlanRunner(plan, e.registry);
    const weights = new Map<number, Value>(slots.map((s) => [s, e.get(params[slots.indexOf(s)])!.value as Value]));
    for (let step = 0; step < 3; step++) {
      tp.forward(weights, step);
      const values = runner.forward(weights);
      expectClose([tp.value(loss) as number], [values[loss] as number], `loss at step ${step}`);
      const g = tp.grad(loss, [...slots, plan.cells.find((c) => c.at === 'A1')!.slot]);
      expect(g[slots.length], 'no gradient for the data').toBeUndefined();
      const { adj } = runner.backward(values, loss);
      slots.forEach((s, i) => {
        const got = flat(g[i], 0);
        expectClose(got, flat(adj[s], got.length), `∂/∂${params[i]} at step ${step}`);
      });
      // an SGD step on fresh values, as the trainer does
      for (const [i, s] of slots.entries()) {
        const w = weights.get(s) as Matrix, gi = (g[i] as Matrix).data;
        weights.set(s, new Matrix(w.rows, w.cols, w.data.map((x, k) => x - 0.5 * gi[k])));
      }
    }
  });
});
