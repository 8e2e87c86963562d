// Operators: + - * / ^ @ .T, negation and comparisons. Elementwise ones broadcast as NumPy
// does on 2-D shapes; their VJPs sum the gradient back to each input's shape.
import { arith, map, matmul, matmulTA, matmulTB, transpose, zip } from '../tensor/kernels';
import { OpError, type Value, shapeText } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { matrixArg, toShapeOf } from './helpers';

const mulV = (a: Value, b: Value) => arith('*', a, b, 'gradient');

export const add = defineOp({
  name: 'add', symbol: '+', args: 2, category: 'operator',
  signature: 'a + b', doc: 'Elementwise sum, with broadcasting.', gradDoc: 'da = g, db = g (each summed back to its shape)',
  forward: ([a, b]) => arith('+', a, b),
  vjp: [(g, [a]) => toShapeOf(g, a), (g, [, b]) => toShapeOf(g, b)],
  scalar: (a, b) => a + b,
  scalarVjp: [(g) => g, (g) => g],
});

export const sub = defineOp({
  name: 'sub', symbol: '-', args: 2, category: 'operator',
  signature: 'a - b', doc: 'Elementwise difference, with broadcasting.', gradDoc: 'da = g, db = −g',
  forward: ([a, b]) => arith('-', a, b),
  vjp: [(g, [a]) => toShapeOf(g, a), (g, [, b]) => toShapeOf(map(g, (x) => -x), b)],
  scalar: (a, b) => a - b,
  scalarVjp: [(g) => g, (g) => -g],
});

export const mul = defineOp({
  name: 'mul', symbol: '*', args: 2, category: 'operator',
  signature: 'a * b', doc: 'Elementwise product, with broadcasting (use @ for the matrix product).', gradDoc: 'da = g · b, db = g · a',
  forward: ([a, b]) => arith('*', a, b),
  vjp: [(g, [a, b]) => toShapeOf(mulV(g, b), a), (g, [a, b]) => toShapeOf(mulV(g, a), b)],
  scalar: (a, b) => a * b,
  scalarVjp: [(g, _a, b) => g * b, (g, a) => g * a],
});

export const div = defineOp({
  name: 'div', symbol: '/', args: 2, category: 'operator',
  signature: 'a / b', doc: 'Elementwise quotient, with broadcasting.', gradDoc: 'da = g / b, db = −g · a / b²',
  forward: ([a, b]) => arith('/', a, b),
  vjp: [
    (g, [a, b]) => toShapeOf(arith('/', g, b, 'gradient'), a),
    (g, [a, b], out) => toShapeOf(zip(mulV(g, out), b, (x, y) => -x / y, 'gradient'), b),
  ],
  scalar: (a, b) => a / b,
  scalarVjp: [(g, _a, b) => g / b, (g, _a, b, out) => (-g * out) / b],
});

function powGradBase(x: number, y: number): number {
  // d/dx x^y = y·x^(y−1); at x = 0 with y ≥ 1 this is finite, 0^0 cases follow the formula.
  if (y === 0) return 0;
  return y * Math.pow(x, y - 1);
}

function powGradExp(x: number, out: number): number {
  // d/dy x^y = x^y · ln x; 0 where x ≤ 0 (log undefined), as PyTorch returns for x = 0.
  return x > 0 ? out * Math.log(x) : 0;
}

export const pow = defineOp({
  name: 'pow', symbol: '^', args: 2, category: 'binary',
  signature: 'pow(a, b)', doc: 'Elementwise power a^b (also written a ^ b or a ** b).',
  gradDoc: 'da = g · b · a^(b−1), db = g · a^b · ln a (0 where a ≤ 0)',
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
  signature: '-x', doc: 'Negation. -x^2 is −(x²), as in mathematics.', gradDoc: 'dx = −g',
  forward: ([a]) => map(a, (x) => -x),
  vjp: [(g) => map(g, (x) => -x)],
  scalar: (a) => -a,
  scalarVjp: [(g) => -g],
});

export const matmulOp = defineOp({
  name: 'matmul', symbol: '@', args: 2, category: 'operator',
  signature: 'A @ B', doc: 'Matrix product (m×k @ k×n → m×n); scalars scale.',
  gradDoc: 'dA = g @ Bᵀ, dB = Aᵀ @ g',
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

export const transposeOp = defineOp({
  name: 'transpose', symbol: '.T', args: 1, category: 'shape',
  signature: 'transpose(x)', doc: 'Transpose (also written x.T).', gradDoc: 'dx = gᵀ',
  forward: ([a]) => transpose(a),
  vjp: [(g) => transpose(g)],
});

function comparison(name: string, symbol: string, f: (x: number, y: number) => boolean): OpDef {
  return defineOp({
    name, symbol, args: 2, category: 'operator',
    signature: `a ${symbol} b`, doc: `Elementwise comparison ${symbol}: 1 where true, 0 where false.`, gradDoc: 'no gradient (piecewise constant)',
    forward: ([a, b]) => zip(a, b, (x, y) => (f(x, y) ? 1 : 0), symbol),
  });
}

export const arithmeticOps: OpDef[] = [
  add, sub, mul, div, pow, neg, matmulOp, transposeOp,
  comparison('lt', '<', (x, y) => x < y),
  comparison('gt', '>', (x, y) => x > y),
  comparison('le', '<=', (x, y) => x <= y),
  comparison('ge', '>=', (x, y) => x >= y),
  comparison('eq', '==', (x, y) => x === y),
  comparison('ne', '!=', (x, y) => x !== y),
];
