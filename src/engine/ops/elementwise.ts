// Elementwise functions of one value, and max/min of two. Non-differentiable points
// follow PyTorch: relu'(0) = 0, abs'(0) = 0, max/min send the gradient to `a` on ties.
import { map, zip } from '../tensor/kernels';
import { Matrix, type Value } from '../tensor/value';
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
    forward: ([a]) => map(a, f),
    vjp: [(g, [a], out) => zip(g, zip(a, out, df, name), (u, v) => u * v, name)],
    scalar: f,
    scalarVjp: [(g, a, _b, out) => g * df(a, out)],
  });
}

export const elementwiseOps: OpDef[] = [
  unary('exp', 'e to the power x.', 'dx = g · exp(x)', Math.exp, (_x, y) => y),
  unary('log', 'Natural logarithm.', 'dx = g / x', Math.log, (x) => 1 / x),
  unary('sqrt', 'Square root.', 'dx = g / (2·sqrt(x))', Math.sqrt, (_x, y) => 0.5 / y),
  unary('abs', 'Absolute value.', "dx = g · sign(x) (abs'(0) = 0)", Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  unary('tanh', 'Hyperbolic tangent.', 'dx = g · (1 − tanh(x)²)', Math.tanh, (_x, y) => 1 - y * y),
  unary('sigmoid', 'Logistic function 1/(1+e^−x), stable for large |x|.', 'dx = g · σ(x)(1 − σ(x))', sigmoidScalar, (_x, y) => y * (1 - y)),
  defineOp({
    name: 'relu', args: 1, category: 'elementwise',
    signature: 'relu(x)', doc: 'Rectified linear unit max(0, x).', gradDoc: "dx = g where x > 0, else 0 (relu'(0) = 0)",
    // Written out (no per-element callback): relu sits on the widest matrices of an MLP.
    forward: ([a]) => {
      if (typeof a === 'number') return a > 0 ? a : 0;
      const d = a.data, out = new Float64Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = d[i] > 0 ? d[i] : 0;
      return new Matrix(a.rows, a.cols, out);
    },
    vjp: [
      (g, [a]) => {
        if (typeof a === 'number') return typeof g === 'number' ? (a > 0 ? g : 0) : map(g, (u) => (a > 0 ? u : 0));
        const d = a.data, out = new Float64Array(d.length);
        if (typeof g === 'number') {
          for (let i = 0; i < d.length; i++) if (d[i] > 0) out[i] = g;
        } else {
          const G = g.data;
          for (let i = 0; i < d.length; i++) if (d[i] > 0) out[i] = G[i];
        }
        return new Matrix(a.rows, a.cols, out);
      },
    ],
    scalar: (x) => (x > 0 ? x : 0),
    scalarVjp: [(g, x) => (x > 0 ? g : 0)],
  }),
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
