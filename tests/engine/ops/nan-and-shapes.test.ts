// Issue 7.2: NaN propagates as in NumPy and PyTorch, through values and gradients, on the
// scalar fast paths and on matrices. Issue 7.3: mse of differently shaped prediction and
// target is a #SHAPE error, not a silent broadcast. And the functions of issue 8.
import { describe, expect, it } from 'vitest';
import { type Value } from '../../../src/engine/tensor/value';
import { errorOf, sheet, toPlain, valueOf } from '../helpers';

const isNaNValue = (v: Value) => (typeof v === 'number' ? Number.isNaN(v) : Array.from(v.data).every(Number.isNaN));

describe('NaN propagates, forward and backward (issue 7.2)', () => {
  it('relu(0/0) is NaN and so is its gradient; relu of -0, 0 and negatives is 0 with gradient 0', () => {
    const e = sheet({ A1: '0/0', A2: '0', B1: 'relu(A1)', B2: 'relu(A2)', C1: 'grad(B1, A1)', C2: 'grad(B2, A2)' });
    expect(valueOf(e, 'B1')).toBeNaN();
    expect(valueOf(e, 'C1')).toBeNaN();
    expect(valueOf(e, 'B2')).toBe(0);
    expect(valueOf(e, 'C2')).toBe(0);
  });

  it('relu on a matrix keeps NaN entries, and their gradient entries are NaN', () => {
    const e = sheet({ A1: '[[0/0, -1, 0, 2]]', B1: 'relu(A1)', B2: 'sum(B1 * [[1, 2, 3, 4]])', C1: 'grad(B2, A1)' });
    const v = toPlain(valueOf(e, 'B1')) as number[][];
    expect(v[0][0]).toBeNaN();
    expect(v[0].slice(1)).toEqual([0, 0, 2]);
    const g = toPlain(valueOf(e, 'C1')) as number[][];
    expect(g[0][0]).toBeNaN();
    expect(g[0].slice(1)).toEqual([0, 0, 4]);
  });

  for (const fn of ['max', 'min']) {
    it(`${fn}(0/0, 1) and ${fn}(1, 0/0) are NaN, and the gradient to either argument is NaN`, () => {
      const e = sheet({
        A1: '0/0', A2: '1',
        B1: `${fn}(A1, A2)`, B2: `${fn}(A2, A1)`,
        C1: 'grad(B1, A1)', C2: 'grad(B1, A2)', C3: 'grad(B2, A1)', C4: 'grad(B2, A2)',
      });
      for (const at of ['B1', 'B2', 'C1', 'C2', 'C3', 'C4']) expect(valueOf(e, at), at).toBeNaN();
    });

    it(`${fn} on matrices: a NaN entry on either side gives NaN there, other entries as before`, () => {
      const e = sheet({ A1: '[[0/0, 1, 5]]', A2: '[[1, 0/0, 2]]', B1: `${fn}(A1, A2)`, B2: `${fn}(A2, A1)` });
      for (const at of ['B1', 'B2']) {
        const row = (toPlain(valueOf(e, at)) as number[][])[0];
        expect(row[0]).toBeNaN();
        expect(row[1]).toBeNaN();
        expect(row[2]).toBe(fn === 'max' ? 5 : 2);
      }
    });

    it(`${fn}(x) of one matrix is its ${fn === 'max' ? 'largest' : 'smallest'} entry, NaN when any entry is NaN`, () => {
      const e = sheet({ A1: '[[3, -1], [7, 2]]', A2: '[[3, 0/0]]', B1: `${fn}(A1)`, B2: `${fn}(A2)`, C1: `grad(B1, A1)` });
      expect(valueOf(e, 'B1')).toBe(fn === 'max' ? 7 : -1);
      expect(valueOf(e, 'B2')).toBeNaN();
      expect(toPlain(valueOf(e, 'C1'))).toEqual(fn === 'max' ? [[0, 0], [1, 0]] : [[0, 1], [0, 0]]);
    });
  }

  it('argmax takes the first NaN of a row, as NumPy does', () => {
    const e = sheet({ A1: '[[1, 0/0, 3], [5, 2, 0/0]]', B1: 'argmax(A1)' });
    expect(toPlain(valueOf(e, 'B1'))).toEqual([[1], [2]]);
  });

  it('abs at NaN has gradient NaN; abs at 0 has gradient 0', () => {
    const e = sheet({ A1: '0/0', A2: '0', B1: 'abs(A1)', B2: 'abs(A2)', C1: 'grad(B1, A1)', C2: 'grad(B2, A2)' });
    expect(valueOf(e, 'C1')).toBeNaN();
    expect(valueOf(e, 'C2')).toBe(0);
  });

  it('ties still go to a (SPEC §3), also on matrices; max over tied entries shares the gradient', () => {
    const e = sheet({
      A1: '[[2, 1]]', A2: '[[2, 3]]', B1: 'sum(max(A1, A2) * [[1, 10]])', C1: 'grad(B1, A1)', C2: 'grad(B1, A2)',
      A3: '[[4, 4, 1]]', B3: 'max(A3)', C3: 'grad(B3, A3)',
    });
    expect(toPlain(valueOf(e, 'C1'))).toEqual([[1, 0]]);
    expect(toPlain(valueOf(e, 'C2'))).toEqual([[0, 10]]);
    expect(toPlain(valueOf(e, 'C3'))).toEqual([[0.5, 0.5, 0]]);
  });
});

describe('mse checks shapes (issue 7.3)', () => {
  it('mse of a 2×1 prediction and a 1×2 target is a #SHAPE error naming both shapes, not 0.5', () => {
    const e = sheet({ A1: '[[1], [2]]', A2: '[[1, 2]]', B1: 'mse(A1, A2)', B2: 'mse(A2, A1)' });
    for (const at of ['B1', 'B2']) {
      const err = errorOf(e, at);
      expect(err?.kind, at).toBe('SHAPE');
      expect(err!.message).toMatch(/2×1/);
      expect(err!.message).toMatch(/1×2/);
    }
  });

  it('mse with equal shapes or a scalar target still works, with gradients to both', () => {
    const e = sheet({
      A1: '[[1], [2]]', A2: '[[0], [4]]', A3: '1',
      B1: 'mse(A1, A2)', B2: 'mse(A1, A3)', B3: 'mse(3, A3)',
      C1: 'grad(B1, A1)', C2: 'grad(B1, A2)', C3: 'grad(B2, A3)',
    });
    expect(valueOf(e, 'B1')).toBe(2.5);
    expect(valueOf(e, 'B2')).toBe(0.5);
    expect(valueOf(e, 'B3')).toBe(4);
    expect(toPlain(valueOf(e, 'C1'))).toEqual([[1], [-2]]);
    expect(toPlain(valueOf(e, 'C2'))).toEqual([[-1], [2]]);
    expect(valueOf(e, 'C3')).toBe(-1);
  });

  it('a matrix prediction against a 1×1 target broadcasts; a scalar prediction against a matrix target does not', () => {
    const e = sheet({ A1: '[[1, 3]]', B1: 'mse(A1, 2)', B2: 'mse(2, A1)' });
    expect(valueOf(e, 'B1')).toBe(1);
    expect(errorOf(e, 'B2')?.kind).toBe('SHAPE');
  });
});

describe('new functions (issue 8)', () => {
  it('log_softmax(x) is x − logsumexp(x) row by row, stable for large scores', () => {
    const e = sheet({ A1: '[[1, 2, 3], [1000, 1000, 1000]]', B1: 'log_softmax(A1)', B2: 'log(softmax(A1))' });
    const a = toPlain(valueOf(e, 'B1')) as number[][], b = toPlain(valueOf(e, 'B2')) as number[][];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(a[i][j]).toBeCloseTo(b[i][j], 12);
    expect(a[1][0]).toBeCloseTo(-Math.log(3), 12);
  });

  it('dot(a, b) sums the products of equal-shaped values, or of a row and a column of one length', () => {
    const e = sheet({
      A1: '[[1, 2, 3]]', A2: '[[4], [5], [6]]', A3: '[[1, 2], [3, 4]]',
      B1: 'dot(A1, A1)', B2: 'dot(A1, A2)', B3: 'dot(A3, A3)', B4: 'dot(A1, A3)', B5: 'dot(2, 3)',
      C1: 'grad(B2, A1)',
    });
    expect([valueOf(e, 'B1'), valueOf(e, 'B2'), valueOf(e, 'B3'), valueOf(e, 'B5')]).toEqual([14, 32, 30, 6]);
    expect(errorOf(e, 'B4')?.kind).toBe('SHAPE');
    expect(errorOf(e, 'B4')!.message).toMatch(/1×3 and 2×2/);
    expect(toPlain(valueOf(e, 'C1'))).toEqual([[4, 5, 6]]);
  });

  it('pi() is π, a constant', () => {
    const e = sheet({ A1: 'pi()', A2: 'pi(1)', A3: '2 * pi()', B1: 'grad(A3)' });
    expect(valueOf(e, 'A1')).toBe(Math.PI);
    expect(errorOf(e, 'A2')?.kind).toBe('ARG');
    expect(valueOf(e, 'A3')).toBe(2 * Math.PI);
  });

  it('max and min take one or two arguments, and no other number', () => {
    const e = sheet({ A1: 'max()', A2: 'min(1, 2, 3)' });
    expect(errorOf(e, 'A1')?.kind).toBe('ARG');
    expect(errorOf(e, 'A2')?.kind).toBe('ARG');
  });

  it('every new function is NaN-true: NaN in, NaN out', () => {
    const e = sheet({ A1: '[[0/0, 1]]', B1: 'log_softmax(A1)', B2: 'dot(A1, A1)' });
    expect(isNaNValue(valueOf(e, 'B1'))).toBe(true);
    expect(valueOf(e, 'B2')).toBeNaN();
  });
});
