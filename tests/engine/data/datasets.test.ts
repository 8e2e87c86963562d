// The data-set ops of SPEC §4 through the engine: shapes, determinism, seeds, balanced
// labels, the spiral equal to the peers' data bit for bit, moons/circles geometry, and errors
// as values on the cell (#ARG, #SIZE), never a throw.
import { describe, expect, it } from 'vitest';
import { circlesData, linspace, moonsData, spiralData } from '../../../src/engine/data/synthetic';
import { createRegistry } from '../../../src/engine/ops/registry';
import { Matrix, type Value } from '../../../src/engine/tensor/value';
import { errorOf, sheet, toPlain, valueOf } from '../helpers';

const mat = (v: Value): Matrix => {
  if (typeof v === 'number') throw new Error(`expected a matrix, got ${v}`);
  return v;
};

/** A 32-bit hash of the float64 bytes: equal hashes mean equal numbers, −0 and all. */
function byteHash(d: Float64Array): number {
  const b = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  let h = 0;
  for (let i = 0; i < b.length; i++) h = (h * 31 + b[i]) >>> 0;
  return h;
}

function counts(labels: Matrix, K: number): number[] {
  const c = new Array(K).fill(0);
  for (const y of labels.data) c[y]++;
  return c;
}

describe('spiral(N, K, seed)', () => {
  it('spiral(100, 3, 1) equals the peers’ makeSpiral(100, 3, 1) bit for bit', () => {
    // Computed once from /work/shared/peers/lib/common.mjs (makeSpiral with makeRng(1)):
    // rows 1, 57, 99, 150, 233, 299 as printed by String(x), and a hash of all 600 doubles' bytes.
    const X = mat(valueOf(sheet({ A1: 'spiral(100, 3, 1)' }), 'A1'));
    expect([X.rows, X.cols]).toEqual([300, 2]);
    const peer: Record<number, [number, number]> = {
      1: [0.0028259637660946733, 0.009697645789232979],
      57: [0.440564884521951, -0.3706742081240623],
      99: [-0.9867224434749502, -0.16241557666315037],
      150: [-0.1663733815397424, 0.47686047285007965],
      233: [0.09360968408285843, -0.31991926818655136],
      299: [-0.5712801389034464, 0.8207551418629425],
    };
    for (const [r, xy] of Object.entries(peer)) expect([X.get(+r, 0), X.get(+r, 1)]).toEqual(xy);
    expect(byteHash(X.data)).toBe(2925191342);
  });

  it('the same seed gives the same matrix; another seed another one', () => {
    const e = sheet({ A1: 'spiral(50, 4, 7)', A2: 'spiral(50, 4, 7)', A3: 'spiral(50, 4, 8)' });
    const [a, b, c] = ['A1', 'A2', 'A3'].map((at) => mat(valueOf(e, at)));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('points lie within radius 1; point i of each class has radius i/(N−1)', () => {
    const X = spiralData(20, 3, 5);
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 20; i++) {
        const r = Math.hypot(X.get(20 * j + i, 0), X.get(20 * j + i, 1));
        expect(r).toBeCloseTo(i / 19, 12);
      }
    }
  });

  it('spiral_labels(N, K) is N rows of each class 0…K−1 in turn', () => {
    const y = mat(valueOf(sheet({ A1: 'spiral_labels(100, 3)' }), 'A1'));
    expect([y.rows, y.cols]).toEqual([300, 1]);
    expect(counts(y, 3)).toEqual([100, 100, 100]);
    expect([y.get(0, 0), y.get(99, 0), y.get(100, 0), y.get(299, 0)]).toEqual([0, 0, 1, 2]);
  });
});

describe('xor()', () => {
  it('xor() and xor_labels() are the four XOR cases', () => {
    const e = sheet({ A1: 'xor()', A2: 'xor_labels()' });
    expect(toPlain(valueOf(e, 'A1'))).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(toPlain(valueOf(e, 'A2'))).toEqual([[0], [1], [1], [0]]);
  });
});

describe('moons(N, noise, seed) and circles(N, noise, seed)', () => {
  it('moons(N, 0, s) puts class 0 on the unit upper half circle and class 1 on the shifted lower one', () => {
    const X = moonsData(25, 0, 3);
    expect([X.rows, X.cols]).toEqual([50, 2]);
    for (let i = 0; i < 25; i++) {
      expect(Math.hypot(X.get(i, 0), X.get(i, 1))).toBeCloseTo(1, 12);
      expect(X.get(i, 1)).toBeGreaterThanOrEqual(0);
      expect(Math.hypot(X.get(25 + i, 0) - 1, X.get(25 + i, 1) - 0.5)).toBeCloseTo(1, 12);
      expect(X.get(25 + i, 1)).toBeLessThanOrEqual(0.5 + 1e-12);
    }
    // The ends, as in scikit-learn: outer (1, 0) … (−1, 0); inner (0, 0.5) … (2, 0.5).
    expect([X.get(0, 0), X.get(0, 1)]).toEqual([1, 0]);
    expect([X.get(25, 0), X.get(25, 1)]).toEqual([0, 0.5]);
    expect(X.get(49, 0)).toBeCloseTo(2, 12);
  });

  it('circles(N, 0, s) puts class 0 on the unit circle and class 1 on the circle of radius factor', () => {
    for (const [X, factor] of [[circlesData(40, 0, 1), 0.8], [circlesData(40, 0, 1, 0.5), 0.5]] as const) {
      expect([X.rows, X.cols]).toEqual([80, 2]);
      for (let i = 0; i < 40; i++) {
        expect(Math.hypot(X.get(i, 0), X.get(i, 1))).toBeCloseTo(1, 12);
        expect(Math.hypot(X.get(40 + i, 0), X.get(40 + i, 1))).toBeCloseTo(factor, 12);
      }
      // endpoint=False: angles 0, 2π/N, …; the first point is (1, 0), none repeats it.
      expect([X.get(0, 0), X.get(0, 1)]).toEqual([1, 0]);
      expect(X.get(39, 0)).not.toBeCloseTo(1, 6);
    }
  });

  it('noise is Gaussian of the given standard deviation around the noiseless points, seeded', () => {
    const clean = moonsData(2000, 0, 1), noisy = moonsData(2000, 0.1, 1), again = moonsData(2000, 0.1, 1), other = moonsData(2000, 0.1, 2);
    let s = 0, s2 = 0;
    for (let i = 0; i < clean.data.length; i++) {
      const d = noisy.data[i] - clean.data[i];
      s += d;
      s2 += d * d;
    }
    const n = clean.data.length;
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.sqrt(s2 / n)).toBeGreaterThan(0.095);
    expect(Math.sqrt(s2 / n)).toBeLessThan(0.105);
    expect(Array.from(again.data)).toEqual(Array.from(noisy.data));
    expect(Array.from(other.data)).not.toEqual(Array.from(noisy.data));
  });

  it('moons_labels(N) and circles_labels(N) are N zeros then N ones, matching the data rows', () => {
    const e = sheet({ A1: 'moons(30, 0.1, 1)', A2: 'moons_labels(30)', B1: 'circles(30, 0.1, 1)', B2: 'circles_labels(30)' });
    for (const [x, y] of [['A1', 'A2'], ['B1', 'B2']]) {
      const X = mat(valueOf(e, x)), Y = mat(valueOf(e, y));
      expect(Y.rows).toBe(X.rows);
      expect(Y.cols).toBe(1);
      expect(counts(Y, 2)).toEqual([30, 30]);
      expect([Y.get(29, 0), Y.get(30, 0)]).toEqual([0, 1]);
    }
  });
});

describe('bad arguments are errors on the cell', () => {
  it.each([
    ['spiral(0, 3, 1)', 'ARG', /spiral: N must be a whole number ≥ 1, got 0/],
    ['spiral(2.5, 3, 1)', 'ARG', /spiral: N must be a whole number/],
    ['spiral(100, 3, -1)', 'ARG', /spiral: seed must be a whole number ≥ 0/],
    ['spiral(100, 3, 2^40)', 'ARG', /spiral: seed must be at most 4294967295/],
    ['spiral(1e9, 3, 1)', 'SIZE', /spiral: 3000000000 points is more than the limit of 1000000/],
    ['spiral_labels(1e300, 1e300)', 'SIZE', /spiral_labels: .* points is more than the limit/],
    ['spiral([[1, 2]], 3, 1)', 'SHAPE', /spiral: N must be a scalar, got 1×2/],
    ['moons(10, -0.1, 1)', 'ARG', /moons: noise must be a standard deviation ≥ 0, got -0.1/],
    ['moons(10, 1/0, 1)', 'ARG', /moons: noise must be a standard deviation ≥ 0, got Infinity/],
    ['circles(10, 0.1, 1, 1)', 'ARG', /circles: factor must be in \[0, 1\), got 1/],
    ['circles_labels(2e6)', 'SIZE', /circles_labels: 4000000 points/],
    ['moons(10, 0.1)', 'ARG', /moons\(N, noise, seed\) takes 3 arguments, got 2/],
  ])('%s → #%s', (formula, kind, message) => {
    const e = sheet({ A1: formula });
    const err = errorOf(e, 'A1');
    expect(err, formula).not.toBeNull();
    expect(err!.kind).toBe(kind);
    expect(err!.message).toMatch(message);
  });
});

describe('the registry lists the data sets for help and autocomplete', () => {
  it('every data-set op is in category data with a signature and doc, and has no gradient', () => {
    const reg = createRegistry();
    const names = ['spiral', 'spiral_labels', 'xor', 'xor_labels', 'moons', 'moons_labels', 'circles', 'circles_labels',
      'mnist_train', 'mnist_test', 'mnist_train_labels', 'mnist_test_labels', 'data'];
    for (const n of names) {
      const op = reg.get(n);
      expect(op, n).toBeDefined();
      expect(op!.category).toBe('data');
      expect(op!.signature.startsWith(`${n}(`)).toBe(true);
      expect(op!.doc.length).toBeGreaterThan(10);
      expect(op!.vjp).toBeUndefined();
      // Every argument is a size, seed or noise level: known when the formula is written.
      expect(op!.constArgs ?? []).toEqual(Array.from({ length: op!.maxArgs }, (_, i) => i));
    }
  });
});

describe('linspace', () => {
  it('follows numpy: start + i·step with the last entry exactly stop; one point is [start]', () => {
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(linspace(4, 8, 3))).toEqual([4, 6, 8]);
    expect(Array.from(linspace(0, 1, 1))).toEqual([0]);
  });
});
