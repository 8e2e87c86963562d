// Operators: + - * / ^ @ .T, negation and comparisons. Elementwise ones broadcast as NumPy
// does on 2-D shapes; their VJPs sum the gradient back to each input's shape.
import { OpError } from '../errors';
import { arith, map, matmul, matmulTA, matmulTB, transpose, zip } from '../tensor/kernels';
import { Matrix, type Value, shapeOf, shapeText } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { matrixArg, toShapeOf } from './helpers';

const mulV = (a: Value, b: Value) => arith('*', a, b, 'gradient');

export const add = defineOp({
  name: 'add', symbol: '+', args: 2, category: 'operator',
  signature: 'a + b', doc: 'Elementwise sum, with broadcasting.', inputs: ['a', 'b'],
  rule: ['sum_to(g, a)', 'sum_to(g, b)'],
  forward: ([a, b]) => arith('+', a, b),
  vjp: [(g, [a]) => toShapeOf(g, a), (g, [, b]) => toShapeOf(g, b)],
  scalar: (a, b) => a + b,
  scalarVjp: [(g) => g, (g) => g],
});

export const sub = defineOp({
  name: 'sub', symbol: '-', args: 2, category: 'operator',
  signature: 'a - b', doc: 'Elementwise difference, with broadcasting.', inputs: ['a', 'b'],
  rule: ['sum_to(g, a)', 'sum_to(-g, b)'],
  forward: ([a, b]) => arith('-', a, b),
  vjp: [(g, [a]) => toShapeOf(g, a), (g, [, b]) => toShapeOf(map(g, (x) => -x), b)],
  scalar: (a, b) => a - b,
  scalarVjp: [(g) => g, (g) => -g],
});

export const mul = defineOp({
  name: 'mul', symbol: '*', args: 2, category: 'operator',
  signature: 'a * b', doc: 'Elementwise product, with broadcasting (use @ for the matrix product).', inputs: ['a', 'b'],
  rule: ['sum_to(g * b, a)', 'sum_to(g * a, b)'],
  forward: ([a, b]) => arith('*', a, b),
  vjp: [(g, [a, b]) => toShapeOf(mulV(g, b), a), (g, [a, b]) => toShapeOf(mulV(g, a), b)],
  scalar: (a, b) => a * b,
  scalarVjp: [(g, _a, b) => g * b, (g, a) => g * a],
});

export const div = defineOp({
  name: 'div', symbol: '/', args: 2, category: 'operator',
  signature: 'a / b', doc: 'Elementwise quotient, with broadcasting.', inputs: ['a', 'b'],
  rule: ['sum_to(g / b, a)', 'sum_to(-g * y / b, b)'],
  forward: ([a, b]) => arith('/', a, b),
  vjp: [
    (g, [a, b]) => toShapeOf(arith('/', g, b, 'gradient'), a),
    (g, [a, b], out) => toShapeOf(zip(mulV(g, out), b, (x, y) => -x / y, 'gradient'), b),
  ],
  scalar: (a, b) => a / b,
  scalarVjp: [(g, _a, b) => g / b, (g, _a, b, out) => (-g * out) / b],
});

function powGradBase(x: number, y: number): number {
  // d/dx x^y = y·x^(y−1); 0 for y = 0 (x^0 is constant, even where x^(−1) is infinite).
  if (y === 0) return 0;
  return y * Math.pow(x, y - 1);
}

function powGradExp(x: number, out: number): number {
  // d/dy x^y = x^y · ln x; 0 where x ≤ 0 (log undefined), as PyTorch returns for x = 0; NaN stays NaN.
  return x <= 0 ? 0 : out * Math.log(x);
}

export const pow = defineOp({
  name: 'pow', symbol: '^', args: 2, category: 'binary',
  signature: 'pow(a, b)', doc: 'Elementwise power a^b (also written a ^ b or a ** b).',
  inputs: ['a', 'b'],
  rule: ['sum_to(g * where(b == 0, 0, b * a^(b - 1)), a)', 'sum_to(g * where(a <= 0, 0, y * log(a)), b)'],
  forward: ([a, b]) => zip(a, b, Math.pow, '^'),
  scalar: Math.pow,
  scalarVjp: [(g, a, b) => g * powGradBase(a, b), (g, a, _b, out) => g * powGradExp(a, out)],
  vjp: [
    (g, [a, b]) => toShapeOf(mulV(g, zip(a, b, powGradBase, 'gradient')), a),
    // out already has the broadcast shape, so a broadcasts against it directly.
    (g, [a, b], out) => toShapeOf(mulV(g, zip(a, out, powGradExp, 'gradient')), b),
  ],
});

export const neg = defineOp({
  name: 'neg', symbol: '-x', args: 1, category: 'operator',
  signature: '-x', doc: 'Negation. -x^2 is −(x²), as in mathematics.', inputs: ['x'],
  rule: ['-g'],
  forward: ([a]) => map(a, (x) => -x),
  vjp: [(g) => map(g, (x) => -x)],
  scalar: (a) => -a,
  scalarVjp: [(g) => -g],
});

export const matmulOp = defineOp({
  name: 'matmul', symbol: '@', args: 2, category: 'operator',
  signature: 'a @ b', doc: 'Matrix product (m×k @ k×n → m×n); a scalar operand scales, as * does (and its gradient is that of *).',
  inputs: ['a', 'b'],
  rule: ['g @ b.T', 'a.T @ g'],
  // A scalar operand scales: that is `*`, and so is its gradient (sum(g · b) for a scalar a).
  actsAs: ([a, b]) => (typeof a === 'number' || typeof b === 'number' ? 'mul' : undefined),
  forward: ([a, b]) => {
    if (typeof a === 'number' || typeof b === 'number') return zip(a, b, (x, y) => x * y, '@');
    if (a.cols !== b.rows) {
      throw new OpError('SHAPE', `matrix product: ${shapeText(a)} @ ${shapeText(b)} (inner sizes ${a.cols} and ${b.rows} differ)`);
    }
    return matmul(a, b);
  },
  vjp: [
    (g, [a, b]) => {
      if (typeof a === 'number' || typeof b === 'number') return toShapeOf(mulV(g, b), a);
      return matmulTB(matrixArg(g), b);
    },
    (g, [a, b]) => {
      if (typeof a === 'number' || typeof b === 'number') return toShapeOf(mulV(g, a), b);
      return matmulTA(a, matrixArg(g));
    },
  ],
});

/**
 * dot(a, b): Σ aᵢ·bᵢ over equal-shaped values (NumPy's vdot), and, as NumPy's dot of two
 * 1-D arrays, over a row and a column of the same length: dot(w, x) with w 1×n and x n×1.
 */
function dotValues(a: Value, b: Value): number {
  const [ar, ac] = shapeOf(a), [br, bc] = shapeOf(b);
  const vectors = (ar === 1 || ac === 1) && (br === 1 || bc === 1) && ar * ac === br * bc;
  if (!(ar === br && ac === bc) && !vectors) {
    throw new OpError('SHAPE', `dot: ${shapeText(a)} and ${shapeText(b)} need the same shape, or two vectors of one length (use @ for the matrix product)`);
  }
  if (typeof a === 'number' || typeof b === 'number') return (typeof a === 'number' ? a : a.data[0]) * (typeof b === 'number' ? b : b.data[0]);
  let t = 0;
  for (let i = 0; i < a.data.length; i++) t += a.data[i] * b.data[i];
  return t;
}

/** g·v laid out in the shape of `like` (a row's gradient is a row even when v is a column). */
function scaledAs(g: Value, v: Value, like: Value): Value {
  const gs = typeof g === 'number' ? g : g.data[0];
  if (typeof v === 'number') return gs * v;
  const [r, c] = shapeOf(like);
  return new Matrix(r, c, v.data.map((x) => gs * x));
}

export const dotOp = defineOp({
  name: 'dot', args: 2, category: 'reduction', inputs: ['a', 'b'],
  signature: 'dot(a, b)',
  doc: 'Σ aᵢ·bᵢ, a scalar: a and b of the same shape, or a row and a column of the same length (as NumPy dot of 1-D arrays).',
  rule: ['g * reshape(b, size(a, 0), size(a, 1))', 'g * reshape(a, size(b, 0), size(b, 1))'],
  forward: ([a, b]) => dotValues(a, b),
  vjp: [(g, [a, b]) => scaledAs(g, b, a), (g, [a, b]) => scaledAs(g, a, b)],
});

export const transposeOp = defineOp({
  name: 'transpose', symbol: '.T', args: 1, category: 'shape',
  signature: 'transpose(x)', doc: 'Transpose (also written x.T).', inputs: ['x'],
  rule: ['g.T'],
  forward: ([a]) => transpose(a),
  vjp: [(g) => transpose(g)],
});

function comparison(name: string, symbol: string, f: (x: number, y: number) => boolean): OpDef {
  return defineOp({
    name, symbol, args: 2, category: 'operator',
    signature: `a ${symbol} b`, doc: `Elementwise comparison ${symbol}: 1 where true, 0 where false.`, inputs: ['a', 'b'],
    forward: ([a, b]) => zip(a, b, (x, y) => (f(x, y) ? 1 : 0), symbol),
    // A step where a = b: finite differences across it measure the jump, not a derivative.
    kink: ([a, b]) => zip(a, b, (x, y) => x - y, symbol),
  });
}

export const arithmeticOps: OpDef[] = [
  add, sub, mul, div, pow, neg, matmulOp, dotOp, transposeOp,
  comparison('lt', '<', (x, y) => x < y),
  comparison('gt', '>', (x, y) => x > y),
  comparison('le', '<=', (x, y) => x <= y),
  comparison('ge', '>=', (x, y) => x >= y),
  comparison('eq', '==', (x, y) => x === y),
  comparison('ne', '!=', (x, y) => x !== y),
];
