// Numerical stability at extreme inputs: saturating activations, and softmax, logsumexp
// and cross-entropy of scores in the thousands (where a naive exp overflows). Values must be
// finite and exact; gradients, taken through the engine, finite and exact too.
import { describe, expect, it } from 'vitest';
import { isFiniteValue } from '../../../src/engine/tensor/value';
import { sheet, toPlain, valueOf } from '../helpers';

/** softmax of a row, computed the textbook-stable way on small numbers. */
function softmaxRow(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function expectClose(actual: number[][], expected: number[][], digits = 15) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((x, j) => {
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeCloseTo(expected[i][j], digits);
  }));
}

describe('saturating activations', () => {
  it('sigmoid(±1000) is exactly 1 and 0 with a finite (zero) gradient', () => {
    const e = sheet({ A1: '1000', A2: '-1000', B1: 'sigmoid(A1)', B2: 'sigmoid(A2)', C1: 'grad(B1, A1)', C2: 'grad(B2, A2)' });
    expect(valueOf(e, 'B1')).toBe(1);
    expect(valueOf(e, 'B2')).toBe(0);
    expect(valueOf(e, 'C1')).toBe(0);
    expect(valueOf(e, 'C2')).toBe(0);
  });

  it('sigmoid(±40) keeps its tiny tail exactly (no 1 − 1 cancellation on the negative side)', () => {
    const e = sheet({ A1: '-40', B1: 'sigmoid(A1)', C1: 'grad(B1, A1)' });
    expect(valueOf(e, 'B1')).toBeCloseTo(Math.exp(-40), 30);
    expect((valueOf(e, 'B1') as number) / Math.exp(-40)).toBeCloseTo(1, 12);
    expect((valueOf(e, 'C1') as number) / Math.exp(-40)).toBeCloseTo(1, 12);
  });

  it('tanh(±1000) is ±1 with a zero gradient', () => {
    const e = sheet({ A1: '1000', B1: 'tanh(A1)', B2: 'tanh(-A1)', C1: 'grad(B1, A1)', C2: 'grad(B2, A1)' });
    expect(valueOf(e, 'B1')).toBe(1);
    expect(valueOf(e, 'B2')).toBe(-1);
    expect(valueOf(e, 'C1')).toBe(0);
    expect(Math.abs(valueOf(e, 'C2') as number)).toBe(0);
  });
});

describe('softmax family with scores in the thousands', () => {
  it('softmax([[1000, 1001, 1002]]) equals softmax([[0, 1, 2]]), and its gradient is finite', () => {
    const e = sheet({
      A1: '[[1000, 1001, 1002]]',
      A2: '[[0.3, -1, 2]]',
      B1: 'softmax(A1)',
      B2: 'sum(B1 * A2)',
      C1: 'grad(B2, A1)',
    });
    const p = softmaxRow([0, 1, 2]);
    expectClose(toPlain(valueOf(e, 'B1')) as number[][], [p]);
    // d/dx Σ p·w = p ⊙ (w − p·w)
    const w = [0.3, -1, 2];
    const pw = p.reduce((t, x, i) => t + x * w[i], 0);
    expectClose(toPlain(valueOf(e, 'C1')) as number[][], [p.map((x, i) => x * (w[i] - pw))]);
  });

  it('softmax of a row of −1000s and of a mixed-sign batch stays finite and sums to 1', () => {
    const e = sheet({ A1: '[[-1000, -1000, -1000], [1000, -1000, 0]]', B1: 'softmax(A1)', B2: 'sum(B1, 1)' });
    const v = toPlain(valueOf(e, 'B1')) as number[][];
    expectClose(v, [[1 / 3, 1 / 3, 1 / 3], [1, 0, 0]]);
    expectClose(toPlain(valueOf(e, 'B2')) as number[][], [[1], [1]]);
  });

  it('logsumexp([[1000, 1000]]) = 1000 + ln 2, with gradient [[1/2, 1/2]]', () => {
    const e = sheet({ A1: '[[1000, 1000]]', B1: 'logsumexp(A1)', C1: 'grad(B1, A1)' });
    expect(valueOf(e, 'B1')).toBe(1000 + Math.LN2);
    expect(toPlain(valueOf(e, 'C1'))).toEqual([[0.5, 0.5]]);
  });

  it('logsumexp of a row whose largest entry is ±∞ is ±∞ (as in PyTorch), and NaN stays NaN', () => {
    const e = sheet({ A1: '[[1/0, 1], [-1/0, -1/0], [0/0, 1], [1/0, 0/0]]', B1: 'logsumexp(A1)', B2: 'cross_entropy([[1/0, 0]], 1)' });
    expect(toPlain(valueOf(e, 'B1'))).toEqual([[Infinity], [-Infinity], [NaN], [NaN]]);
    expect(valueOf(e, 'B2')).toBe(Infinity); // infinitely confident in the wrong class
  });

  it('logsumexp of a batch in the thousands is row-wise and exact', () => {
    const e = sheet({ A1: '[[1000, 1001, 1002], [-1000, -1000, -1000]]', B1: 'logsumexp(A1)', B2: 'sum(B1)', C1: 'grad(B2, A1)' });
    const lse0 = 1002 + Math.log(Math.exp(-2) + Math.exp(-1) + 1);
    expectClose(toPlain(valueOf(e, 'B1')) as number[][], [[lse0], [-1000 + Math.log(3)]], 12);
    expectClose(toPlain(valueOf(e, 'C1')) as number[][], [softmaxRow([0, 1, 2]), [1 / 3, 1 / 3, 1 / 3]]);
  });

  it('cross_entropy of scores in the thousands is finite and exact, with gradient (softmax − onehot)/n', () => {
    const e = sheet({
      A1: '[[1000, 1001, 1002], [1000, 1001, 1002]]',
      A2: '[[0], [2]]',
      B1: 'cross_entropy(A1, A2)',
      B2: 'cross_entropy(A1, onehot(A2, 3))',
      C1: 'grad(B1, A1)',
      C2: 'grad(B2, A1)',
    });
    const p = softmaxRow([0, 1, 2]);
    const expected = (-Math.log(p[0]) - Math.log(p[2])) / 2;
    expect(valueOf(e, 'B1')).toBeCloseTo(expected, 12);
    expect(valueOf(e, 'B2')).toBeCloseTo(expected, 12);
    const g = [p.map((x, j) => (x - (j === 0 ? 1 : 0)) / 2), p.map((x, j) => (x - (j === 2 ? 1 : 0)) / 2)];
    expectClose(toPlain(valueOf(e, 'C1')) as number[][], g);
    expectClose(toPlain(valueOf(e, 'C2')) as number[][], g);
  });

  it('cross_entropy with a confidently wrong score of −1000 is a large finite loss (≈ 1000), not Infinity', () => {
    const e = sheet({ A1: '[[-1000, 0]]', A2: '0', B1: 'cross_entropy(A1, A2)', C1: 'grad(B1, A1)' });
    expect(valueOf(e, 'B1')).toBeCloseTo(1000, 9);
    const g = valueOf(e, 'C1');
    expect(isFiniteValue(g)).toBe(true);
    expectClose(toPlain(g) as number[][], [[-1, 1]]);
  });

  it('a whole classifier on scores in the thousands has finite gradients everywhere', () => {
    const e = sheet({
      A1: '[[100, -200], [300, 50], [-20, 400]]',
      A2: '[[3, -2, 1], [1, 4, -5]]',
      A3: '[[0], [1], [2]]',
      B1: 'A1 @ A2',
      B2: 'cross_entropy(B1, A3) + mean(logsumexp(B1)) + sum(sigmoid(B1)) + sum(tanh(B1))',
      C1: 'grad(B2)',
    });
    expect(Number.isFinite(valueOf(e, 'B2') as number)).toBe(true);
    for (const at of ['A1', 'A2', 'B1']) expect(isFiniteValue(e.get(at)!.grad!), at).toBe(true);
  });
});
