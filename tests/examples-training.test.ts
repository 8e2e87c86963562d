// The training examples train: each is trained from the file (or a small seeded version of it,
// where the full run takes minutes) through the session `gradsheet train` and the Worker use,
// and its loss falls and its accuracy rises as its notes say.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSheet } from '../src/engine/sheet/format';
import { createTrainSession } from '../src/engine/train/session';
import type { Value } from '../src/engine/tensor/value';
import { findClassifiers, testDigits } from '../src/ui/kernel/training-view';

const dir = join(__dirname, '..', 'examples');

function open(file: string, edit: (text: string) => string = (t) => t) {
  const res = readSheet(edit(readFileSync(join(dir, file), 'utf8')));
  if (!res.ok) throw new Error(res.error);
  const s = createTrainSession(res.doc);
  expect(s.problem()).toBeNull();
  return s;
}

const num = (v: Value | null | undefined) => v as number;

describe('training examples', () => {
  it('19 XOR: after 1,000 steps all four outputs are on the right side of 0.5', () => {
    const s = open('19-train-xor.json');
    expect(num(s.engine.get('C5')!.value)).toBeLessThan(4);
    expect(s.run(1000).error).toBeNull();
    expect(s.engine.get('C5')!.value).toBe(4);
    expect(num(s.engine.get('C3')!.value)).toBeLessThan(1e-3);
    for (const c of s.engine.cells()) if (c.isCheck) expect({ at: c.at, pass: c.check?.pass }).toEqual({ at: c.at, pass: true });
  });

  it('20 spiral softmax: 200 steps reach the CS231n training accuracy (0.49–0.54)', () => {
    const s = open('20-train-spiral-softmax.json');
    expect(s.run(200).error).toBeNull();
    const sum = s.summary();
    expect(sum.accuracy.acc).toBeGreaterThanOrEqual(0.49);
    expect(sum.accuracy.acc).toBeLessThanOrEqual(0.54);
    expect(sum.loss.loss).toBeLessThan(0.8);
    expect(sum.curve.loss[0][1]).toBeCloseTo(Math.log(3), 2);
  });

  it('21 spiral 2-layer: a short run lifts the training accuracy far above 1/3 and past the linear classifier; its checks hold before and after', () => {
    const s = open('21-train-spiral-two-layer.json');
    const checks = () => {
      for (const c of s.engine.cells()) if (c.isCheck) expect({ at: c.at, pass: c.check?.pass }, `after ${s.summary().step} steps`).toEqual({ at: c.at, pass: true });
    };
    checks();
    const acc0 = s.summary().accuracy.acc;
    expect(s.run(400).error).toBeNull();
    const sum = s.summary();
    expect(sum.curve.loss[0][1]).toBeCloseTo(Math.log(3), 2);
    expect(sum.loss.loss).toBeLessThan(0.7);
    expect(sum.accuracy.acc).toBeGreaterThan(Math.max(acc0 + 0.3, 0.7));
    checks();
  });

  it('22–24 MNIST, small seeded versions: the batch loss falls and the test accuracy rises', () => {
    for (const file of ['22-train-mnist-momentum.json', '23-train-mnist-sgd.json', '24-train-mnist-decay.json']) {
      const small = (t: string) => t.replace(/8000/g, '640').replace(/1756/g, '300');
      const s = open(file, small);
      const acc0 = s.summary().accuracy.test_acc;
      expect(s.run(60).error).toBeNull();
      const sum = s.summary();
      const curve = sum.curve.loss;
      const mean = (pts: [number, number][]) => pts.reduce((a, p) => a + p[1], 0) / pts.length;
      expect(mean(curve.slice(-10)), file).toBeLessThan(mean(curve.slice(0, 10)));
      expect(sum.accuracy.test_acc, file).toBeGreaterThan(acc0 + 0.2);
      // The panel finds the classifier and shows test digits with their predicted labels.
      const digits = testDigits(s.engine, findClassifiers(s.engine)[0]);
      expect(digits?.length, file).toBe(24);
    }
  });

  it('22–24 compare: the same data, initial weights and schedule; only the optimizer cell differs', () => {
    const cells = (file: string) => {
      const res = readSheet(readFileSync(join(dir, file), 'utf8'));
      if (!res.ok) throw new Error(res.error);
      return res.doc.cells;
    };
    const base = cells('22-train-mnist-momentum.json');
    const opt = base.find((c) => c.name === 'opt')!;
    for (const file of ['23-train-mnist-sgd.json', '24-train-mnist-decay.json']) {
      const other = cells(file);
      expect(other.map((c) => c.at), file).toEqual(base.map((c) => c.at));
      for (const [i, c] of other.entries()) if (c.at !== opt.at) expect(c.formula, `${file} ${c.at}`).toBe(base[i].formula);
      expect(other.find((c) => c.at === opt.at)!.formula, file).not.toBe(opt.formula);
    }
  });

  it('25 moons with Adam and 26 circles with a schedule reach accuracy ≥ 0.98', () => {
    const m = open('25-train-moons-adam.json');
    expect(m.run(1000).error).toBeNull();
    expect(m.summary().accuracy.acc).toBeGreaterThanOrEqual(0.98);
    const c = open('26-train-circles.json');
    const acc0 = c.summary().accuracy.acc;
    expect(c.run(1500).error).toBeNull();
    expect(c.summary().accuracy.acc).toBeGreaterThanOrEqual(0.98);
    expect(acc0).toBeLessThan(0.9);
    expect(c.engine.get('A4')!.value).toBeCloseTo(0.3 * 0.998 ** 1500, 12);
    // `gradsheet check` after training: the finite differences re-evaluate the batch of this
    // step (minibatch reads step()), not that of step 0, so the directional derivative agrees.
    const [gc] = c.engine.gradientCheck();
    expect(gc.directional?.relErr).toBeLessThan(1e-6);
    expect(gc.pass).toBe(true);
  });
});
