// The trainer runs the compiled plan (eval/compiled-train.ts) and must give the plan runner's
// numbers: on every training example (small seeded MNIST versions), several steps, the
// losses, the parameters and every optimizer's state arrays agree to 1e-12 relative to the
// largest entry. They are not bit-identical: the WebAssembly products sum in SIMD lanes and
// blocks where the plan runner's JS kernels sum one term after another, a fused bias/ReLU
// layer and a column-sum epilogue add in the product's own sweep, and an adjoint that
// several uses feed is added into one buffer term by term where the runner adds whole
// arrays (scatter_rows: repeated indices add straight into the running sum).
// And no step of those sheets goes through an op's allocating forward or VJP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine';
import { batchIndices, batchWriter } from '../../../src/engine/ops/training';
import { readSheet } from '../../../src/engine/sheet/format';
import { type Trainer, createTrainer } from '../../../src/engine/train/trainer';
import { EXAMPLES_DIR } from '../../example-files';
import { doc, tinyClassifier } from './fixtures';

/** The training examples; MNIST-sized ones shrunk to 640 training and 300 test digits (10 batches of 64 per epoch). */
const EXAMPLES: { file: string; small?: (t: string) => string }[] = [
  { file: '19-train-xor.json' },
  { file: '20-train-spiral-softmax.json' },
  { file: '21-train-spiral-two-layer.json' },
  ...['22-train-mnist-momentum.json', '23-train-mnist-sgd.json', '24-train-mnist-decay.json'].map((file) => ({
    file,
    small: (t: string) => t.replace(/8000/g, '640').replace(/1756/g, '300'),
  })),
  { file: '25-train-moons-adam.json' },
  { file: '26-train-circles.json' },
];

function load(file: string, edit: (t: string) => string = (t) => t): Engine {
  const e = createEngine();
  const r = readSheet(edit(readFileSync(join(EXAMPLES_DIR, file), 'utf8')), { isFunction: (n) => e.registry.has(n) });
  if (!r.ok) throw new Error(r.error);
  e.load(r.doc);
  return e;
}

function trainer(e: Engine, program: 'compiled' | 'plan'): Trainer {
  const t = createTrainer(e, e.registry, { program });
  if (!t.ok) throw new Error(t.error);
  expect(t.trainer.engine.kind).toBe(program);
  return t.trainer;
}

/** Equal to 1e-12 relative to the largest entry of `want`. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-12 * scale);
}

/** Parameters and optimizer state arrays, by name, as flat arrays. */
function snapshot(t: Trainer): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const p of t.params) out.set(p.at, p.w.data.slice());
  for (const [cell, os] of t.state.optimizers) for (const [at, arrays] of os.state) for (const [name, m] of arrays) out.set(`${cell}:${at}:${name}`, m.data.slice());
  return out;
}

describe('the compiled trainer gives the plan runner’s numbers', () => {
  // 12 steps: past an epoch boundary of the minibatch examples (10 batches per epoch).
  const STEPS = 12;
  for (const { file, small } of EXAMPLES) {
    it(`${file}${small ? ' (small seeded version)' : ''}: ${STEPS} steps, losses, parameters and optimizer state to 1e-12`, () => {
      const compiled = trainer(load(file, small), 'compiled');
      const runner = trainer(load(file, small), 'plan');
      for (let s = 0; s < STEPS; s++) {
        const a = compiled.step(), b = runner.step();
        if (!a.ok || !b.ok) throw new Error(`step ${s}: ${!a.ok ? a.error : ''} ${!b.ok ? b.error : ''}`);
        expectClose(a.losses, b.losses, `losses at step ${s}`);
      }
      const got = snapshot(compiled), want = snapshot(runner);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      expect(got.size).toBeGreaterThan(0);
      for (const [k, w] of want) expectClose(got.get(k)!, w, k);
      expect(compiled.state.step).toBe(STEPS);
    });
  }
});

describe('a compiled training step allocates nothing through an op', () => {
  for (const { file, small } of EXAMPLES) {
    it(`${file}: no generic call in the compiled program, and none ran`, () => {
      const t = trainer(load(file, small), 'compiled');
      const text = t.program.describe!();
      expect(text).not.toMatch(/generic/);
      for (let s = 0; s < 3; s++) expect(t.step().ok).toBe(true);
      expect(t.program.stats!.generic).toBe(0);
    });
  }

  it('take gathers on the way forward and scatters (adding where an index repeats) on the way back', () => {
    // X itself is trained here, so ∂L/∂X is wanted: take's adjoint runs, with repeated rows.
    const e = createEngine();
    e.load(doc(
      { A1: 'param([[1, 2], [3, 4], [5, 6]])', A2: '[[2], [0], [2], [2]]', A3: 'sum(take(X, idx) * take(X, idx)) + sum(X)', A4: 'sgd(L, 0.1)' },
      { A1: 'X', A2: 'idx', A3: 'L' },
    ));
    const t = trainer(e, 'compiled');
    expect(t.program.describe!()).toMatch(/scatter_rows/);
    expect(t.step().ok).toBe(true);
    expect(t.program.stats!.generic).toBe(0);
    // ∂L/∂X: row 2 taken three times → 3·2·x + 1; row 0 once → 2·x + 1; row 1 never → 1.
    const g = [[2 * 1 + 1, 2 * 2 + 1], [1, 1], [6 * 5 + 1, 6 * 6 + 1]].flat();
    expect([...t.params[0].w.data]).toEqual([1, 2, 3, 4, 5, 6].map((x, i) => x - 0.1 * g[i]));
  });

  it('an index out of range is the same message from the compiled plan as from the plan runner', () => {
    const sheet = () => {
      const e = createEngine();
      e.load(doc({ A1: 'param([[1], [2]])', A2: 'step() * 3', A3: 'sum(take(X, A2))', A4: 'sgd(L, 0.1)' }, { A1: 'X', A3: 'L' }));
      return e;
    };
    const a = trainer(sheet(), 'compiled'), b = trainer(sheet(), 'plan');
    expect(a.step()).toEqual(b.step());
    const fa = a.step(), fb = b.step();
    expect(fa.ok).toBe(false);
    expect(fa).toEqual(fb);
    expect(!fa.ok && fa.error).toMatch(/step 1: A3: take: index 3 .* not a row of a 2×1 matrix/);
  });
});

describe('what runs the steps', () => {
  it('the compiled plan by default, the plan runner when asked, with the reason', () => {
    const e = createEngine();
    e.load(tinyClassifier());
    const t = createTrainer(e);
    expect(t.ok && t.trainer.engine).toEqual({ kind: 'compiled', reason: null, compiles: 1, kernels: 'wasm' });
    const p = trainer(e, 'plan');
    expect(p.engine.reason).toMatch(/plan runner/);
    expect(p.program.stats).toBeUndefined();
  });

  it('a shape that changes during the run compiles the plan again and the step goes on, with the plan runner’s numbers', () => {
    const sheet = () => {
      const e = createEngine();
      // zeros(1 + step(), 1): a generic call whose shape grows every step.
      e.load(doc({ A1: 'param(2)', A2: 'w * w + sum(zeros(1 + step(), 1) + w)', A3: 'sgd(L, 0.1)' }, { A1: 'w', A2: 'L' }));
      return e;
    };
    const a = trainer(sheet(), 'compiled'), b = trainer(sheet(), 'plan');
    for (let s = 0; s < 4; s++) {
      const ra = a.step(), rb = b.step();
      expect(ra.ok && rb.ok).toBe(true);
      expect(ra).toEqual(rb);
    }
    expect(a.engine).toEqual({ kind: 'compiled', reason: null, compiles: 4, kernels: 'wasm' });
    expect(a.params[0].w.data[0]).toBe(b.params[0].w.data[0]);
  });
});

describe('minibatch in a compiled step', () => {
  it('batchWriter writes batchIndices’ indices, epoch after epoch, into one array', () => {
    const out = new Float64Array(7);
    const write = batchWriter(50, 7, 3); // 7 batches per epoch, the last short one dropped
    for (let step = 0; step < 30; step++) {
      write(out, step);
      expect([...out], `step ${step}`).toEqual([...batchIndices(50, 7, 3, step)]);
    }
  });
});
