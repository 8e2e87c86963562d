// Elementwise functions of one value, and max/min of two. Non-differentiable points
// follow PyTorch: relu'(0) = 0, abs'(0) = 0, max/min send the gradient to `a` on ties.
import { map, zip } from '../tensor/kernels';
import type { Value } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { call, sigmoidScalar, toShapeOf } from './helpers';

function unary(
  name: string,
  doc: string,
  gradDoc: string,
  f: (x: number) => number,
  /** d out / d x from the input x and the output y. */
  df: (x: number, y: number) => number,
): OpDef {
  return defineOp({
    name, args: 1, category: 'elementwise',
    signature: `${name}(x)`, doc, gradDoc,
    forward: ([a]) => (typeof a === 'number' ? f(a) : map(a, f)),
    vjp: [
      (g, [a], out) => {
        if (typeof a === 'number' && typeof g === 'number') return g * df(a, out as number);
        return zip(g, zip(a, out, df, name), (u, v) => u * v, name);
      },
    ],
  });
}

export const elementwiseOps: OpDef[] = [
  unary('exp', 'e to the power x.', 'dx = g · exp(x)', Math.exp, (_x, y) => y),
  unary('log', 'Natural logarithm.', 'dx = g / x', Math.log, (x) => 1 / x),
  unary('sqrt', 'Square root.', 'dx = g / (2·sqrt(x))', Math.sqrt, (_x, y) => 0.5 / y),
  unary('abs', 'Absolute value.', "dx = g · sign(x) (abs'(0) = 0)", Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  unary('tanh', 'Hyperbolic tangent.', 'dx = g · (1 − tanh(x)²)', Math.tanh, (_x, y) => 1 - y * y),
  unary('sigmoid', 'Logistic function 1/(1+e^−x), stable for large |x|.', 'dx = g · σ(x)(1 − σ(x))', sigmoidScalar, (_x, y) => y * (1 - y)),
  unary('relu', 'Rectified linear unit max(0, x).', "dx = g where x > 0, else 0 (relu'(0) = 0)", (x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0)),
  defineOp({
    name: 'square', args: 1, category: 'elementwise',
    signature: 'square(x)', doc: 'x², elementwise (composite: x * x).', gradDoc: 'dx = 2 · g · x (from x * x)',
    expand: ([x]) => call('mul', x, x),
  }),
  defineOp({
    name: 'max', args: 2, category: 'binary',
    signature: 'max(a, b)', doc: "Elementwise maximum (NumPy's maximum); max(0, z) is ReLU.", gradDoc: 'g goes to a where a ≥ b, else to b (ties go to a)',
    forward: ([a, b]) => zip(a, b, (x, y) => (x >= y ? x : y), 'max'),
    vjp: [
      (g, [a, b]) => toShapeOf(pick(g, a, b, (x, y) => x >= y), a),
      (g, [a, b]) => toShapeOf(pick(g, a, b, (x, y) => x < y), b),
    ],
  }),
  defineOp({
    name: 'min', args: 2, category: 'binary',
    signature: 'min(a, b)', doc: "Elementwise minimum (NumPy's minimum).", gradDoc: 'g goes to a where a ≤ b, else to b (ties go to a)',
    forward: ([a, b]) => zip(a, b, (x, y) => (x <= y ? x : y), 'min'),
    vjp: [
      (g, [a, b]) => toShapeOf(pick(g, a, b, (x, y) => x <= y), a),
      (g, [a, b]) => toShapeOf(pick(g, a, b, (x, y) => x > y), b),
    ],
  }),
];

/** g where cond(a, b) holds, 0 elsewhere, on the broadcast shape. */
function pick(g: Value, a: Value, b: Value, cond: (x: number, y: number) => boolean): Value {
  const mask = zip(a, b, (x, y) => (cond(x, y) ? 1 : 0), 'gradient');
  return zip(g, mask, (u, m) => u * m, 'gradient');
}
