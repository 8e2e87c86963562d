// The numeric kernels against naive reference loops, over shapes that reach every code
// path (narrow and wide products, broadcasting on either side), with zeros (the products skip
// them) and IEEE specials (0·∞ must stay NaN, as in NumPy).
import { describe, expect, it } from 'vitest';
import { addValues, arith, matmul, matmulTA, matmulTB, map, sumAll, sumCols, sumRows, transpose, unbroadcast, zip } from '../../../src/engine/tensor/kernels';
import { Matrix, type Value } from '../../../src/engine/tensor/value';
import { makeRandom, type Rand } from '../helpers';

function randomMatrix(rand: Rand, r: number, c: number, specials: boolean): Matrix {
  const d = new Float64Array(r * c);
  for (let i = 0; i < d.length; i++) {
    const u = rand();
    d[i] = u < 0.3 ? 0 : specials && u < 0.33 ? Infinity : specials && u < 0.35 ? -Infinity : specials && u < 0.36 ? NaN : rand() * 4 - 2;
  }
  return new Matrix(r, c, d);
}

const T = (a: Matrix) => transpose(a) as Matrix;

function naiveMatmul(a: Matrix, b: Matrix): Matrix {
  const out = new Matrix(a.rows, b.cols, new Float64Array(a.rows * b.cols));
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.cols; j++) {
    let s = 0;
    for (let p = 0; p < a.cols; p++) s += a.data[i * a.cols + p] * b.data[p * b.cols + j];
    out.data[i * b.cols + j] = s;
  }
  return out;
}

/** Equal as IEEE values (NaN equals NaN), finite entries to 1e-12 relative (summation order may differ). */
function expectSame(actual: Value, expected: Value, what: string) {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual.data);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected.data);
  if (typeof expected !== 'number') expect(typeof actual === 'number' ? [1, 1] : [actual.rows, actual.cols], what).toEqual([expected.rows, expected.cols]);
  expect(a.length, what).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = e[i];
    const ok = Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y));
    if (!ok) throw new Error(`${what}: entry ${i} is ${x}, expected ${y}`);
  }
}

const DIMS = [1, 2, 3, 7, 8, 9, 13];

describe('matrix products', () => {
  it('matmul, matmulTA (Aᵀ·B) and matmulTB (A·Bᵀ) equal the naive triple loop on every shape path, with zeros', () => {
    const rand = makeRandom(7);
    for (const m of DIMS) for (const k of DIMS) for (const n of DIMS) {
      const a = randomMatrix(rand, m, k, false), b = randomMatrix(rand, k, n, false);
      const want = naiveMatmul(a, b);
      expectSame(matmul(a, b), want, `matmul ${m}×${k} @ ${k}×${n}`);
      expectSame(matmulTA(T(a), b), want, `matmulTA (${k}×${m})ᵀ @ ${k}×${n}`);
      expectSame(matmulTB(a, T(b)), want, `matmulTB ${m}×${k} @ (${n}×${k})ᵀ`);
    }
  });

  it('the products propagate NaN from 0·∞ and ∞ − ∞ as a naive loop (and NumPy) does', () => {
    const rand = makeRandom(8);
    for (const m of DIMS) for (const k of DIMS) for (const n of DIMS) {
      const a = randomMatrix(rand, m, k, true), b = randomMatrix(rand, k, n, true);
      const want = naiveMatmul(a, b);
      expectSame(matmul(a, b), want, `matmul ${m}×${k} @ ${k}×${n}`);
      expectSame(matmulTA(T(a), b), want, `matmulTA (${k}×${m})ᵀ @ ${k}×${n}`);
      expectSame(matmulTB(a, T(b)), want, `matmulTB ${m}×${k} @ (${n}×${k})ᵀ`);
    }
  });

  it('a zero row of A against an infinite row of B gives NaN, not 0', () => {
    const a = Matrix.fromRows([[0, 1]]), b = Matrix.fromRows([[Infinity], [1]]);
    expect(Number.isNaN(matmul(a, b).data[0])).toBe(true);
  });
});

describe('elementwise kernels with broadcasting', () => {
  const SHAPES: [number, number][] = [[3, 4], [1, 4], [3, 1], [1, 1]];
  const ops = { '+': (x: number, y: number) => x + y, '-': (x: number, y: number) => x - y, '*': (x: number, y: number) => x * y, '/': (x: number, y: number) => x / y } as const;

  function naiveZip(a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix {
    const r = Math.max(a.rows, b.rows), c = Math.max(a.cols, b.cols);
    const out = new Matrix(r, c, new Float64Array(r * c));
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) {
      out.data[i * c + j] = f(a.data[(a.rows === 1 ? 0 : i) * a.cols + (a.cols === 1 ? 0 : j)], b.data[(b.rows === 1 ? 0 : i) * b.cols + (b.cols === 1 ? 0 : j)]);
    }
    return out;
  }

  it('arith and zip equal a naive broadcast loop for every pair of compatible shapes, matrices or numbers', () => {
    const rand = makeRandom(9);
    for (const [ar, ac] of SHAPES) for (const [br, bc] of SHAPES) {
      const a = randomMatrix(rand, ar, ac, true), b = randomMatrix(rand, br, bc, true);
      for (const [op, f] of Object.entries(ops) as [keyof typeof ops, (x: number, y: number) => number][]) {
        const want = naiveZip(a, b, f);
        expectSame(arith(op, a, b), want, `arith ${ar}×${ac} ${op} ${br}×${bc}`);
        expectSame(zip(a, b, f, op), want, `zip ${ar}×${ac} ${op} ${br}×${bc}`);
        if (ar === 1 && ac === 1) expectSame(arith(op, a.data[0], b), want, `arith number ${op} ${br}×${bc}`);
        if (br === 1 && bc === 1) expectSame(arith(op, a, b.data[0]), want, `arith ${ar}×${ac} ${op} number`);
      }
    }
    expect(arith('*', 3, 4)).toBe(12);
    expect(zip(3, 4, (x, y) => x - y, '-')).toBe(-1);
  });

  it('shapes that do not broadcast are a #SHAPE error naming both shapes', () => {
    expect(() => arith('+', new Matrix(2, 3, new Float64Array(6)), new Matrix(3, 2, new Float64Array(6)))).toThrow(/2×3 and 3×2/);
    expect(() => zip(new Matrix(2, 3, new Float64Array(6)), new Matrix(1, 2, new Float64Array(2)), (x) => x, 'max')).toThrow(/2×3 and 1×2/);
  });

  it('map keeps numbers numbers and shapes shapes', () => {
    expect(map(2, (x) => x * 3)).toBe(6);
    expectSame(map(Matrix.fromRows([[1, 2]]), (x) => -x), Matrix.fromRows([[-1, -2]]), 'map');
  });
});

describe('reductions and unbroadcast', () => {
  const g = Matrix.fromRows([[1, 2, 3], [10, 20, 30]]);

  it('sumRows is the 1×c column sums, sumCols the r×1 row sums, sumAll the total', () => {
    expect(sumRows(g).toRows()).toEqual([[11, 22, 33]]);
    expect(sumCols(g).toRows()).toEqual([[6], [60]]);
    expect(sumAll(g)).toBe(66);
    expect(sumAll(5)).toBe(5);
  });

  it('unbroadcast sums a gradient back to each shape it may have been broadcast from', () => {
    expect((unbroadcast(g, 1, 3) as Matrix).toRows()).toEqual([[11, 22, 33]]);
    expect((unbroadcast(g, 2, 1) as Matrix).toRows()).toEqual([[6], [60]]);
    expect(unbroadcast(g, 1, 1)).toBe(66);
    expect(unbroadcast(g, 2, 3)).toBe(g);
    expect((unbroadcast(2, 2, 2) as Matrix).toRows()).toEqual([[2, 2], [2, 2]]);
    expect(() => unbroadcast(g, 3, 2)).toThrow();
  });

  it('transpose of rows, columns and matrices', () => {
    expect((transpose(g) as Matrix).toRows()).toEqual([[1, 10], [2, 20], [3, 30]]);
    expect((transpose(Matrix.fromRows([[1, 2, 3]])) as Matrix).toRows()).toEqual([[1], [2], [3]]);
    expect(transpose(4)).toBe(4);
  });

  it('addValues adds numbers and matrices of one shape', () => {
    expect(addValues(1, 2)).toBe(3);
    expect((addValues(g, g) as Matrix).toRows()).toEqual([[2, 4, 6], [20, 40, 60]]);
  });
});
