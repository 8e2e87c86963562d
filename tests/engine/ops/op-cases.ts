// The table of gradient test cases, one entry per differentiable op of the registry: random
// inputs of several shapes (broadcasting, non-square products, axis forms, …). The finite-
// difference test (op-gradients) and the rule test (rules) both walk it.
import { Matrix, type Value, normalize, shapeOf, shapeText } from '../../../src/engine/tensor/value';
import { awayFromZero, scalarIn, uniform, type Rand } from '../helpers';

export interface Case {
  label: string;
  args: Value[];
  /** Arguments whose gradient is not defined by finite differences here (checked elsewhere), skipped. */
  skip?: number[];
}

export interface GradSpec {
  /** Argument positions whose VJP must be null (axis, sizes, labels): no gradient flows there. */
  nonDiff?: number[];
  cases(rand: Rand): Case[];
}

export const m = (rand: Rand, r: number, c: number, lo = -1, hi = 1) => uniform(rand, r, c, lo, hi);
export const s = (rand: Rand, lo = -1, hi = 1) => scalarIn(rand, lo, hi);

/** Shape pairs for binary elementwise ops: equal, row/column/scalar broadcasting on either side, both broadcasting. */
const BROADCAST_SHAPES: [[number, number], [number, number]][] = [
  [[3, 4], [3, 4]],
  [[3, 4], [1, 4]],
  [[1, 4], [3, 4]],
  [[3, 4], [3, 1]],
  [[3, 1], [3, 4]],
  [[3, 4], [1, 1]],
  [[1, 1], [3, 4]],
  [[3, 1], [1, 4]],
  [[1, 4], [1, 1]],
  [[1, 1], [1, 1]],
];

function make(rand: Rand, [r, c]: [number, number], draw: (rand: Rand, r: number, c: number) => Matrix): Value {
  return normalize(draw(rand, r, c));
}

function broadcastCases(
  rand: Rand,
  drawA: (rand: Rand, r: number, c: number) => Matrix,
  drawB: (rand: Rand, r: number, c: number) => Matrix,
  ok: (a: Value, b: Value) => boolean = () => true,
): Case[] {
  return BROADCAST_SHAPES.map(([sa, sb]) => {
    for (;;) {
      const a = make(rand, sa, drawA), b = make(rand, sb, drawB);
      if (ok(a, b)) return { label: `${shapeText(a)} with ${shapeText(b)}`, args: [a, b] };
    }
  });
}

/** Every broadcast pair of entries differs by at least `gap` (no ties for max/min). */
function noTies(gap: number) {
  return (a: Value, b: Value) => {
    const [ar, ac] = shapeOf(a), [br, bc] = shapeOf(b);
    const r = Math.max(ar, br), c = Math.max(ac, bc);
    const at = (v: Value, vr: number, vc: number, i: number, j: number) =>
      typeof v === 'number' ? v : v.data[(vr === 1 ? 0 : i) * vc + (vc === 1 ? 0 : j)];
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) if (Math.abs(at(a, ar, ac, i, j) - at(b, br, bc, i, j)) < gap) return false;
    return true;
  };
}

export const unaryCases = (draw: (rand: Rand, r: number, c: number) => Matrix) => (rand: Rand): Case[] => [
  { label: 'scalar', args: [normalize(draw(rand, 1, 1))] },
  { label: '1×5 row', args: [draw(rand, 1, 5)] },
  { label: '4×1 column', args: [draw(rand, 4, 1)] },
  { label: '3×4 matrix', args: [draw(rand, 3, 4)] },
];

export const any = (lo = -1, hi = 1) => (rand: Rand, r: number, c: number) => m(rand, r, c, lo, hi);
const positive = (lo = 0.5, hi = 2) => (rand: Rand, r: number, c: number) => m(rand, r, c, lo, hi);
const nonZero = (lo = 0.2, hi = 1.5) => (rand: Rand, r: number, c: number) => awayFromZero(rand, r, c, lo, hi);

/** Class-index labels (n×1) for n×k scores. */
export function indexLabels(rand: Rand, n: number, k: number): Matrix {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.floor(rand() * k);
  return new Matrix(n, 1, d);
}

function oneHot(labels: Matrix, k: number): Matrix {
  const out = new Matrix(labels.rows, k, new Float64Array(labels.rows * k));
  for (let i = 0; i < labels.rows; i++) out.data[i * k + labels.data[i]] = 1;
  return out;
}

/** Soft targets: each row a probability vector. */
function softTargets(rand: Rand, n: number, k: number): Matrix {
  const out = m(rand, n, k, 0.1, 1);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < k; j++) t += out.data[i * k + j];
    for (let j = 0; j < k; j++) out.data[i * k + j] /= t;
  }
  return out;
}

/** The gradient table: one entry per differentiable op of the registry. */
export const GRADIENT_CASES: Record<string, GradSpec> = {
  add: { cases: (rand) => broadcastCases(rand, any(), any()) },
  sub: { cases: (rand) => broadcastCases(rand, any(), any()) },
  mul: { cases: (rand) => broadcastCases(rand, any(), any()) },
  div: { cases: (rand) => broadcastCases(rand, any(), nonZero(0.5, 2)) },
  pow: {
    cases: (rand) => [
      ...broadcastCases(rand, positive(), any(-2, 2)),
      // Integer exponents of negative bases (the x^2 of formulas); the exponent's VJP is 0 there.
      // (a^(3±h) is NaN for a < 0, so only the base is differenced).
      { label: 'negative base, scalar exponent 3', args: [awayFromZero(rand, 3, 4), 3], skip: [1] },
    ],
  },
  neg: { cases: unaryCases(any()) },
  matmul: {
    cases: (rand) => [
      { label: '2×3 @ 3×4', args: [m(rand, 2, 3), m(rand, 3, 4)] },
      { label: '4×3 @ 3×2', args: [m(rand, 4, 3), m(rand, 3, 2)] },
      { label: '1×3 @ 3×1 (a dot product, 1×1 out)', args: [m(rand, 1, 3), m(rand, 3, 1)] },
      { label: '4×1 @ 1×3 (outer product)', args: [m(rand, 4, 1), m(rand, 1, 3)] },
      { label: '1×4 @ 4×3', args: [m(rand, 1, 4), m(rand, 4, 3)] },
      { label: 'scalar @ 2×3', args: [s(rand), m(rand, 2, 3)] },
      { label: '2×3 @ scalar', args: [m(rand, 2, 3), s(rand)] },
    ],
  },
  transpose: { cases: unaryCases(any()) },
  exp: { cases: unaryCases(any(-2, 2)) },
  log: { cases: unaryCases(positive(0.3, 3)) },
  sqrt: { cases: unaryCases(positive(0.3, 3)) },
  abs: { cases: unaryCases(nonZero()) },
  tanh: { cases: unaryCases(any(-2, 2)) },
  sigmoid: { cases: unaryCases(any(-3, 3)) },
  relu: { cases: unaryCases(nonZero()) },
  maximum: { cases: (rand) => broadcastCases(rand, any(), any(), noTies(0.05)) },
  minimum: { cases: (rand) => broadcastCases(rand, any(), any(), noTies(0.05)) },
  amax: { cases: unaryCases(any()) },
  amin: { cases: unaryCases(any()) },
  dot: {
    cases: (rand) => [
      { label: 'two scalars', args: [s(rand), s(rand)] },
      { label: '1×4 with 1×4', args: [m(rand, 1, 4), m(rand, 1, 4)] },
      { label: '1×4 with 4×1 (NumPy dot of 1-D arrays)', args: [m(rand, 1, 4), m(rand, 4, 1)] },
      { label: '4×1 with 1×4', args: [m(rand, 4, 1), m(rand, 1, 4)] },
      { label: '3×2 with 3×2 (vdot)', args: [m(rand, 3, 2), m(rand, 3, 2)] },
    ],
  },
  sum_to: {
    nonDiff: [1],
    cases: (rand) => [
      { label: '3×4 to 1×4', args: [m(rand, 3, 4), m(rand, 1, 4)] },
      { label: '3×4 to 3×1', args: [m(rand, 3, 4), m(rand, 3, 1)] },
      { label: '3×4 to scalar', args: [m(rand, 3, 4), s(rand)] },
      { label: '3×4 to 3×4', args: [m(rand, 3, 4), m(rand, 3, 4)] },
      { label: '1×5 to 1×1', args: [m(rand, 1, 5), s(rand)] },
      { label: 'scalar to scalar', args: [s(rand), s(rand)] },
    ],
  },
  broadcast_to: {
    nonDiff: [1],
    cases: (rand) => [
      { label: '1×4 to 3×4', args: [m(rand, 1, 4), m(rand, 3, 4)] },
      { label: '3×1 to 3×4', args: [m(rand, 3, 1), m(rand, 3, 4)] },
      { label: 'scalar to 3×4', args: [s(rand), m(rand, 3, 4)] },
      { label: 'scalar to 1×5', args: [s(rand), m(rand, 1, 5)] },
      { label: '3×4 to 3×4', args: [m(rand, 3, 4), m(rand, 3, 4)] },
    ],
  },
  where: {
    nonDiff: [0],
    cases: (rand) => {
      const mask = (r: number, c: number) => normalize(new Matrix(r, c, Float64Array.from({ length: r * c }, () => (rand() < 0.5 ? 1 : 0))));
      return [
        { label: '3×4 mask, 3×4 and 3×4', args: [mask(3, 4), m(rand, 3, 4), m(rand, 3, 4)] },
        { label: '3×4 mask, 1×4 and scalar', args: [mask(3, 4), m(rand, 1, 4), s(rand)] },
        { label: '3×1 mask, 1×4 and 3×4', args: [mask(3, 1), m(rand, 1, 4), m(rand, 3, 4)] },
        { label: 'scalar mask 1, scalars', args: [1, s(rand), s(rand)] },
        { label: 'scalar mask 0, 2×3 and 2×3', args: [0, m(rand, 2, 3), m(rand, 2, 3)] },
      ];
    },
  },
  put_rows: {
    nonDiff: [1, 2],
    cases: (rand) => [
      { label: '2×3 at row 1 of 5×3', args: [m(rand, 2, 3), 1, m(rand, 5, 3)] },
      { label: '1×3 at row 0 of 4×3', args: [m(rand, 1, 3), 0, m(rand, 4, 3)] },
      { label: 'scalar at row 2 of 4×1', args: [s(rand), 2, m(rand, 4, 1)] },
      { label: '5×3 at row 0 of 5×3', args: [m(rand, 5, 3), 0, m(rand, 5, 3)] },
    ],
  },
  same_shape: {
    nonDiff: [1],
    cases: (rand) => [
      { label: '3×2 with 3×2', args: [m(rand, 3, 2), m(rand, 3, 2)] },
      { label: '3×2 with a scalar target', args: [m(rand, 3, 2), s(rand)] },
      { label: 'scalars', args: [s(rand), s(rand)] },
    ],
  },
  log_softmax: {
    cases: (rand) => [
      { label: '3×4', args: [m(rand, 3, 4, -2, 2)] },
      { label: '1×5', args: [m(rand, 1, 5, -2, 2)] },
      { label: '4×1 (one class)', args: [m(rand, 4, 1, -2, 2)] },
      { label: 'scalar', args: [s(rand)] },
    ],
  },
  sum: {
    nonDiff: [1],
    cases: (rand) => [
      { label: '3×4', args: [m(rand, 3, 4)] },
      { label: '3×4, axis 0', args: [m(rand, 3, 4), 0] },
      { label: '3×4, axis 1', args: [m(rand, 3, 4), 1] },
      { label: '1×5, axis 0', args: [m(rand, 1, 5), 0] },
      { label: '1×5, axis 1', args: [m(rand, 1, 5), 1] },
      { label: '4×1, axis 0', args: [m(rand, 4, 1), 0] },
      { label: 'scalar', args: [s(rand)] },
      { label: 'scalar, axis 1', args: [s(rand), 1] },
    ],
  },
  mean: {
    nonDiff: [1],
    cases: (rand) => [
      { label: '3×4', args: [m(rand, 3, 4)] },
      { label: '3×4, axis 0', args: [m(rand, 3, 4), 0] },
      { label: '3×4, axis 1', args: [m(rand, 3, 4), 1] },
      { label: '4×1, axis 0', args: [m(rand, 4, 1), 0] },
      { label: '1×5, axis 1', args: [m(rand, 1, 5), 1] },
      { label: 'scalar', args: [s(rand)] },
    ],
  },
  softmax: {
    cases: (rand) => [
      { label: '3×4', args: [m(rand, 3, 4, -2, 2)] },
      { label: '1×5', args: [m(rand, 1, 5, -2, 2)] },
      { label: '4×1 (one class)', args: [m(rand, 4, 1, -2, 2)] },
      { label: 'scalar', args: [s(rand)] },
    ],
  },
  logsumexp: {
    cases: (rand) => [
      { label: '3×4', args: [m(rand, 3, 4, -2, 2)] },
      { label: '1×5 (1×1 out)', args: [m(rand, 1, 5, -2, 2)] },
      { label: '4×1', args: [m(rand, 4, 1, -2, 2)] },
      { label: 'scalar', args: [s(rand)] },
    ],
  },
  cross_entropy: {
    nonDiff: [1],
    cases: (rand) => {
      const y = indexLabels(rand, 5, 3);
      const y1 = indexLabels(rand, 1, 4);
      return [
        { label: '5×3 scores, 5×1 index labels', args: [m(rand, 5, 3, -2, 2), y] },
        { label: '5×3 scores, 5×3 one-hot labels', args: [m(rand, 5, 3, -2, 2), oneHot(y, 3)] },
        { label: '4×3 scores, soft targets', args: [m(rand, 4, 3, -2, 2), softTargets(rand, 4, 3)] },
        { label: '1×4 scores, scalar label', args: [m(rand, 1, 4, -2, 2), y1.data[0]] },
        { label: '3×2 scores, 3×1 labels', args: [m(rand, 3, 2, -2, 2), indexLabels(rand, 3, 2)] },
      ];
    },
  },
  reshape: {
    nonDiff: [1, 2],
    cases: (rand) => [
      { label: '3×4 → 2×6', args: [m(rand, 3, 4), 2, 6] },
      { label: '3×4 → 12×1', args: [m(rand, 3, 4), 12, 1] },
      { label: '1×6 → 3×2', args: [m(rand, 1, 6), 3, 2] },
      { label: '2×3 → 1×6', args: [m(rand, 2, 3), 1, 6] },
      { label: 'scalar → 1×1', args: [s(rand), 1, 1] },
    ],
  },
  rows: {
    nonDiff: [1, 2],
    cases: (rand) => [
      { label: '5×3, rows 1…3', args: [m(rand, 5, 3), 1, 3] },
      { label: '5×3, all rows', args: [m(rand, 5, 3), 0, 5] },
      { label: '5×3, last row', args: [m(rand, 5, 3), 4, 5] },
      { label: '4×1, rows 2…3 (1×1 out)', args: [m(rand, 4, 1), 2, 3] },
      { label: '1×4, row 0', args: [m(rand, 1, 4), 0, 1] },
    ],
  },
  param: { cases: unaryCases(any()) },
  take: {
    nonDiff: [1],
    cases: (rand) => [
      { label: '5×3, rows [4, 0, 2]', args: [m(rand, 5, 3), Matrix.fromRows([[4], [0], [2]])] },
      // a repeated index adds both rows' gradients into one row of X
      { label: '4×2, rows [1, 1, 3, 1] (repeats add)', args: [m(rand, 4, 2), Matrix.fromRows([[1], [1], [3], [1]])] },
      { label: '3×1, one index (1×1 out)', args: [m(rand, 3, 1), 2] },
      { label: '6×4, all rows reversed', args: [m(rand, 6, 4), Matrix.fromRows([[5], [4], [3], [2], [1], [0]])] },
    ],
  },
  scatter_rows: {
    nonDiff: [1, 2],
    cases: (rand) => [
      { label: '3×2 into 5×2 at [4, 0, 2]', args: [m(rand, 3, 2), Matrix.fromRows([[4], [0], [2]]), m(rand, 5, 2)] },
      { label: '4×3 into 3×3 at [1, 1, 0, 1] (repeats add)', args: [m(rand, 4, 3), Matrix.fromRows([[1], [1], [0], [1]]), m(rand, 3, 3)] },
    ],
  },
};

/** Ops that have no gradient by design (piecewise constant, constants, verdicts) or are evaluated by the engine. */
export const NON_DIFFERENTIABLE = new Set([
  'lt', 'gt', 'le', 'ge', 'eq', 'ne',
  'argmax', 'accuracy', 'onehot',
  'zeros', 'ones', 'eye', 'randn', 'rand',
  'check', 'grad', 'numgrad',
  // Training: optimizers are evaluated by the engine; step() and minibatch() are counts and indices.
  'sgd', 'adam', 'step', 'minibatch',
  // Primitives of gradient rules that are piecewise constant or read only shapes.
  'heaviside', 'sign', 'size', 'targets', 'pi',
  // Data ops named in SPEC §2 (constants: no gradient), listed ahead so adding them does not need this file.
  'spiral', 'spiral_labels', 'xor', 'mnist',
  'xor_labels', 'moons', 'moons_labels', 'circles', 'circles_labels',
  'mnist_train', 'mnist_test', 'mnist_train_labels', 'mnist_test_labels', 'data',
]);


export function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
