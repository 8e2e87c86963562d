// Training in the sheet (SPEC §4): the update rules against steps worked out by hand, the
// five-phase step order, minibatches, errors as values, a non-finite loss, reset, resume.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { epochPermutation } from '../../../src/engine/ops/training';
import { readSheet, writeSheet } from '../../../src/engine/sheet/format';
import { createTrainSession } from '../../../src/engine/train/session';
import { Matrix, type Value } from '../../../src/engine/tensor/value';
import { doc, tinyClassifier } from './fixtures';

const flat = (v: Value | null | undefined): number[] => (v === null || v === undefined ? [] : typeof v === 'number' ? [v] : Array.from(v.data));

function trainedW(cells: Record<string, string>, steps: number, at = 'A1'): number[] {
  const s = createTrainSession(doc(cells));
  const r = s.run(steps);
  expect(r.error).toBeNull();
  return flat(s.engine.get(at)!.value);
}

describe('update rules against hand-computed steps', () => {
  // L = ½‖w‖² + c·w, so g = w + c: the gradient changes every step.
  const c = [0.5, -2];
  const sheet = (opt: string) => ({ A1: 'param([[1, -1]])', A2: '[[0.5, -2]]', A3: 'sum(0.5 * A1 * A1 + A2 * A1)', A4: opt });

  it('sgd(L, lr): w ← w − η·g', () => {
    const w = [1, -1];
    for (let t = 0; t < 3; t++) for (let i = 0; i < 2; i++) w[i] -= 0.1 * (w[i] + c[i]);
    expect(trainedW(sheet('sgd(A3, 0.1)'), 3)).toEqual(w.map((x) => expect.closeTo(x, 14)));
    // step 1 by hand: g = [1.5, −3], w = [1 − 0.15, −1 + 0.3]
    expect(trainedW(sheet('sgd(A3, 0.1)'), 1)).toEqual([expect.closeTo(0.85, 14), expect.closeTo(-0.7, 14)]);
  });

  it('sgd(L, lr, μ): v ← μv + g, w ← w − η·v', () => {
    // step 1: g = [1.5, −3], v = g, w = [0.85, −0.7]; step 2: g = [1.35, −2.7], v = [2.7, −5.4], w = [0.58, −0.16]
    expect(trainedW(sheet('sgd(A3, 0.1, 0.9)'), 2)).toEqual([expect.closeTo(0.58, 14), expect.closeTo(-0.16, 14)]);
  });

  it('sgd(L, lr, μ, γ): w ← (1 − ηγ)·w − η·v', () => {
    // step 1: w = 0.99·[1, −1] − 0.1·[1.5, −3] = [0.84, −0.69]
    expect(trainedW(sheet('sgd(A3, 0.1, 0.9, 0.1)'), 1)).toEqual([expect.closeTo(0.84, 14), expect.closeTo(-0.69, 14)]);
    // step 2: g = [1.34, −2.69], v = 0.9·[1.5, −3] + g = [2.69, −5.39], w = 0.99·[0.84, −0.69] − 0.1·v
    expect(trainedW(sheet('sgd(A3, 0.1, 0.9, 0.1)'), 2)).toEqual([expect.closeTo(0.99 * 0.84 - 0.269, 14), expect.closeTo(0.99 * -0.69 + 0.539, 14)]);
  });

  it('adam(L, lr) at t = 1, 2, 3 with bias correction', () => {
    const b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.1;
    const w = [1, -1], m = [0, 0], v = [0, 0];
    const expected: number[][] = [];
    for (let t = 1; t <= 3; t++) {
      for (let i = 0; i < 2; i++) {
        const g = w[i] + c[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        w[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
      expected.push([...w]);
    }
    // t = 1: m̂ = g, v̂ = g², so each weight moves by η·sign(g) (up to ε)
    expect(expected[0]).toEqual([expect.closeTo(0.9, 7), expect.closeTo(-0.9, 7)]);
    for (let t = 1; t <= 3; t++) expect(trainedW(sheet('adam(A3, 0.1)'), t)).toEqual(expected[t - 1].map((x) => expect.closeTo(x, 13)));
  });

  it('adam with decay is AdamW: w ← (1 − ηγ)·w − η·Δ, never folded into the gradient', () => {
    // t = 1: Δ = g/(|g| + ε) ≈ sign(g); w = 0.95·[1, −1] − 0.1·[1, −1]
    expect(trainedW(sheet('adam(A3, 0.1, 0.9, 0.999, 1e-8, 0.5)'), 1)).toEqual([expect.closeTo(0.85, 7), expect.closeTo(-0.85, 7)]);
  });

  it("an optimizer cell's value is the number of steps it has taken; step() counts steps", () => {
    const s = createTrainSession(doc({ ...sheet('sgd(A3, 0.1)'), B1: 'step()' }));
    expect(s.engine.get('A4')!.value).toBe(0);
    s.run(7);
    expect(s.engine.get('A4')!.value).toBe(7);
    expect(s.engine.get('B1')!.value).toBe(7);
  });
});

describe('one training step, in five phases', () => {
  it('a schedule over step() reads the steps already taken (0 during the first step)', () => {
    // lr = 0.1·0.5^step(): step 1 uses 0.1, step 2 uses 0.05. L = 3w, g = 3.
    const w = trainedW({ A1: 'param(1)', A2: '3 * A1', A3: '0.1 * 0.5 ^ step()', A4: 'sgd(A2, A3)' }, 2);
    expect(w).toEqual([expect.closeTo(1 - 0.3 - 0.15, 14)]);
  });

  it('every gradient is computed before any parameter changes (two optimizers sharing data)', () => {
    // L1 = w1·w2_const… each optimizer sees the other's parameter as it was at the step's start.
    const s = createTrainSession(doc({ A1: 'param(1)', A2: 'param(2)', A3: 'A1 * stop', A4: 'A2 * 1', A5: 'sgd(A3, 0.1)', A6: 'sgd(A4, 0.1)', B1: '3' }, { B1: 'stop' }));
    expect(s.problem()).toBeNull();
    s.run(1);
    expect(s.engine.get('A1')!.value).toBeCloseTo(0.7, 14);
    expect(s.engine.get('A2')!.value).toBeCloseTo(1.9, 14);
  });

  it('a parameter under no optimizer is left as it is', () => {
    const s = createTrainSession(doc({ A1: 'param(1)', A2: 'param(5)', A3: '2 * A1', A4: 'sgd(A3, 0.1)', A5: 'A2 + 1' }));
    s.run(3);
    expect(s.engine.get('A2')!.value).toBe(5);
  });

  it('a hyperparameter edit takes effect at the next step', () => {
    const s = createTrainSession(doc({ A1: 'param(1)', A2: '3 * A1', A3: '0.1', A4: 'sgd(A2, A3)' }));
    s.run(1);
    expect(s.edit('A3', '0.01')).toBe('hyperparameter');
    s.run(1);
    expect(s.engine.get('A1')!.value).toBeCloseTo(1 - 0.3 - 0.03, 14);
    expect(s.edit('A2', '4 * A1')).toBe('network');
  });
});

describe('minibatch(N, size, seed)', () => {
  const batches = (n: number, size: number, seed: number, steps: number): number[][] => {
    const e = createEngine();
    e.setCell('A1', `minibatch(${n}, ${size}, ${seed})`);
    const out: number[][] = [];
    for (let k = 0; k < steps; k++) {
      e.setTrainState({ step: k, optimizers: new Map(), curve: new Map() });
      const v = e.get('A1')!;
      expect(v.shape).toEqual([size, 1]);
      out.push(flat(v.value));
    }
    return out;
  };

  it('each epoch is a permutation of 0…N−1 cut into ⌊N/size⌋ batches of fixed shape; the short last batch is dropped', () => {
    const b = batches(23, 5, 1, 12); // 4 batches per epoch, 3 rows dropped
    for (let epoch = 0; epoch < 3; epoch++) {
      const rows = b.slice(epoch * 4, epoch * 4 + 4).flat();
      expect(new Set(rows).size).toBe(20);
      for (const r of rows) expect(Number.isInteger(r) && r >= 0 && r < 23).toBe(true);
    }
    for (let epoch = 0; epoch < 3; epoch++) {
      const p = Array.from(epochPermutation(23, 1, epoch));
      expect([...p].sort((x, y) => x - y)).toEqual([...Array(23).keys()]);
      expect(b.slice(epoch * 4, epoch * 4 + 4).flat()).toEqual(p.slice(0, 20));
    }
    expect(b[0]).not.toEqual(b[4]); // epochs are shuffled anew
  });

  it('is seeded and reproducible', () => {
    expect(batches(30, 6, 4, 7)).toEqual(batches(30, 6, 4, 7));
    expect(batches(30, 6, 4, 3)).not.toEqual(batches(30, 6, 5, 3));
  });

  it('size > N is an error on the cell', () => {
    const e = createEngine();
    e.setCell('A1', 'minibatch(10, 11, 1)');
    expect(e.get('A1')!.error?.message).toMatch(/size 11 is larger than N = 10/);
  });
});

describe('errors are values on the right cell', () => {
  it('take: out-of-range and non-integer indices', () => {
    const e = createEngine();
    e.setCell('A1', 'randn(3, 2, 1)');
    e.setCell('A2', 'take(A1, [[0], [3]])');
    e.setCell('A3', 'take(A1, [[0.5]])');
    e.setCell('A4', 'take(A1, [[2], [2], [0]])');
    expect(e.get('A2')!.error?.message).toMatch(/index 3 .* not a row of a 3×2 matrix/);
    expect(e.get('A3')!.error?.message).toMatch(/index 0.5/);
    expect(e.get('A4')!.shape).toEqual([3, 2]);
  });

  it('an optimizer over a non-scalar loss', () => {
    const e = createEngine();
    e.load(doc({ A1: 'param([[1, 2]])', A2: 'A1 * 2', A3: 'sgd(A2, 0.1)' }));
    expect(e.get('A3')!.error?.message).toMatch(/loss A2 must be a scalar, it is 1×2/);
  });

  it('a loss with no parameter upstream', () => {
    const e = createEngine();
    e.load(doc({ A1: '[[1, 2]]', A2: 'sum(A1)', A3: 'adam(A2, 0.1)' }));
    expect(e.get('A3')!.error?.message).toMatch(/no parameter upstream of the loss A2/);
  });

  it('the loss must be a cell; hyperparameters are checked', () => {
    const e = createEngine();
    e.load(doc({ A1: 'param(1)', A2: 'A1 * A1', A3: 'sgd(A2 * 2, 0.1)', A4: 'sgd(A2, 0.1, 1.5)', A5: 'adam(A2, 0.1, 0.9, 0.999, 0)' }));
    expect(e.get('A3')!.error?.message).toMatch(/the loss L must be a cell/);
    expect(e.get('A4')!.error?.message).toMatch(/momentum must be in \[0, 1\]/);
    expect(e.get('A5')!.error?.message).toMatch(/eps must be > 0/);
  });

  it('a parameter claimed by two optimizers is an error on both, and goes away with one of them', () => {
    const e = createEngine();
    e.load(doc({ A1: 'param(1)', A2: 'A1 * A1', A3: '2 * A1', B1: 'sgd(A2, 0.1)' }));
    expect(e.get('B1')!.error).toBeNull();
    e.setCell('B2', 'adam(A3, 0.1)');
    expect(e.get('B1')!.error?.message).toMatch(/A1 is also trained by B2/);
    expect(e.get('B2')!.error?.message).toMatch(/A1 is also trained by B1/);
    const s = createTrainSession(e.toDoc());
    expect(s.problem()).toMatch(/B1: #TRAIN/);
    e.setCell('B2', '');
    expect(e.get('B1')!.error).toBeNull();
  });

  it('a sheet without an optimizer cannot train', () => {
    expect(createTrainSession(doc({ A1: 'param(1)' })).problem()).toMatch(/no optimizer/);
  });
});

describe('a non-finite loss stops the run', () => {
  it('names the step and the cell and keeps the parameters of the last finite step', () => {
    // L = w² with η = 10: w ← w − 20w = −19w, so |w| grows until w² overflows (w itself stays finite).
    const s = createTrainSession(doc({ A1: 'param(1)', A2: 'A1 * A1', A3: 'sgd(A2, 10)' }, { A2: 'L' }));
    const r = s.run(500);
    expect(r.error).toMatch(/^step \d+: the loss L \(A2\) of A3 is Infinity/);
    const step = Number(/^step (\d+)/.exec(r.error!)![1]);
    expect(r.done).toBe(step);
    expect(s.engine.trainState().step).toBe(step);
    expect(Number.isFinite(s.engine.get('A1')!.value as number)).toBe(true);
    expect(Number.isFinite(s.engine.get('A2')!.value as number)).toBe(false);
  });
});

describe('reset and resume', () => {
  it('reset returns every parameter to its init exactly, and step() to 0', () => {
    const d = tinyClassifier();
    const s = createTrainSession(d);
    const before = s.engine.cells().map((c) => ({ at: c.at, v: flat(c.value) }));
    s.run(25);
    expect(flat(s.engine.get('A3')!.value)).not.toEqual(before.find((c) => c.at === 'A3')!.v);
    s.reset();
    expect(s.engine.cells().map((c) => ({ at: c.at, v: flat(c.value) }))).toEqual(before);
    expect(writeSheet(s.engine.toDoc())).toBe(writeSheet(d));
  });

  it('training k steps, saving, loading and training k more equals 2k at once (every number of the file)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.constantFrom('sgd(L, 0.5, 0.9)', 'sgd(L, 0.3)', 'adam(L, 0.05, 0.9, 0.99, 1e-8, 0.01)', 'sgd(L, 0.2, 0.5, 0.01)'), fc.integer({ min: 1, max: 50 }), (k, opt, seed) => {
          const once = createTrainSession(tinyClassifier(opt, seed));
          once.run(2 * k);
          const first = createTrainSession(tinyClassifier(opt, seed));
          first.run(k);
          const saved = writeSheet(first.engine.toDoc());
          const read = readSheet(saved);
          if (!read.ok) throw new Error(read.error);
          expect(read.warnings).toEqual([]);
          const second = createTrainSession(read.doc);
          second.run(k);
          expect(writeSheet(second.engine.toDoc())).toBe(writeSheet(once.engine.toDoc()));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a small seeded classifier: the loss falls and the accuracy rises', () => {
    const s = createTrainSession(tinyClassifier());
    const acc0 = s.summary().accuracy.acc;
    s.run(200);
    const sum = s.summary();
    const curve = sum.curve.L;
    expect(curve[0][0]).toBe(0);
    const early = curve.slice(0, 10).reduce((a, p) => a + p[1], 0) / 10;
    const late = curve.slice(-10).reduce((a, p) => a + p[1], 0) / 10;
    expect(late).toBeLessThan(early / 5);
    expect(sum.accuracy.acc).toBeGreaterThan(acc0);
    expect(sum.accuracy.acc).toBeGreaterThanOrEqual(0.95);
  });
});

describe('the training state in the file', () => {
  it('is validated with its JSON path', () => {
    const base = { gradsheet: 1, cells: [{ at: 'A1', formula: 'param(1)' }] };
    const bad = (train: unknown) => readSheet(JSON.stringify({ ...base, train }));
    expect(bad({ step: -1 })).toMatchObject({ ok: false, error: expect.stringContaining('train.step: expected a whole number') });
    expect(bad({ step: 1, optimizers: { B1: { op: 'rmsprop' } } })).toMatchObject({ ok: false, error: expect.stringContaining('train.optimizers.B1.op') });
    expect(readSheet(`{"gradsheet": 1, "cells": [], "train": {"optimizers": {"__proto__": {"op": "sgd"}}}}`)).toMatchObject({ ok: false, error: expect.stringContaining('"__proto__" is not a cell address') });
    expect(bad({ optimizers: { B1: { op: 'sgd', state: { A1: { m: 1 } } } } })).toMatchObject({ ok: false, error: expect.stringContaining('train.optimizers.B1.state.A1: unknown field "m"') });
    expect(bad({ optimizers: { B1: { op: 'adam', state: { A1: { m: [[1, 2], [3]] } } } } })).toMatchObject({ ok: false, error: expect.stringContaining('train.optimizers.B1.state.A1.m[1]') });
    expect(bad({ step: 3, optimizers: { B1: { op: 'sgd', steps: 3, state: { A1: { v: 0.5 } } } }, curve: { B1: [[0, 1], [1, 0.5]] } })).toMatchObject({ ok: true, warnings: [] });
  });

  it('eval opens a trained sheet as it is: step() and the optimizer show the saved counts', () => {
    const s = createTrainSession(tinyClassifier());
    s.run(9);
    const e = createEngine();
    const r = readSheet(writeSheet(s.engine.toDoc()));
    if (!r.ok) throw new Error(r.error);
    e.load(r.doc);
    expect(e.get('A7')!.value).toBe(9);
    expect(flat(e.get('A3')!.value)).toEqual(flat(s.engine.get('A3')!.value));
    expect(e.get('A3')!.isParameter).toBe(true);
  });
});

describe('the plan of a training sheet', () => {
  it('freeze keeps cells that read step() live, links optimizers, and stays plain data', () => {
    const e = createEngine();
    e.load(tinyClassifier());
    const plan = e.plan({ optimizers: ['A7'], freeze: true });
    expect(plan.volatile).toBe(true);
    expect(plan.optimizers).toEqual([{ cell: 'A7', op: 'sgd', lossCell: 'A6', loss: expect.any(Number), hyper: [expect.any(Number), expect.any(Number)] }]);
    expect(plan.steps.some((st) => st.op === 'minibatch')).toBe(true);
    expect(plan.params.map((sl) => (plan.slots[sl] as { cell: string }).cell).sort()).toEqual(['A3', 'A4']);
    expect(structuredClone(plan)).toEqual(plan);
    expect(new Matrix(1, 1, Float64Array.of(1))).toBeTruthy();
  });
});
