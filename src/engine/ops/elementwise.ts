// Elementwise functions of one value. Non-differentiable points follow PyTorch: relu'(0) = 0,
// abs'(0) = 0; NaN propagates as in NumPy, through the value and through the gradient.
import { map, zip } from '../tensor/kernels';
import { Matrix } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { call, sigmoidScalar } from './helpers';

function unary(
  name: string,
  doc: string,
  rule: string,
  f: (x: number) => number,
  /** d out / d x from the input x and the output y: the rule's local derivative, as numbers. */
  df: (x: number, y: number) => number,
  /** Where the derivative jumps (see OpDef.kink), for the ops that have a kink. */
  kink?: OpDef['kink'],
): OpDef {
  return defineOp({
    name, args: 1, category: 'elementwise', inputs: ['x'],
    signature: `${name}(x)`, doc,
    rule: [rule],
    forward: ([a]) => map(a, f),
    vjp: [(g, [a], out) => zip(g, zip(a, out, df, name), (u, v) => u * v, name)],
    scalar: f,
    scalarVjp: [(g, a, _b, out) => g * df(a, out)],
    kink,
  });
}

/** relu(x), keeping NaN (x > 0 ? x : 0 would turn NaN into 0). */
const reluScalar = (x: number): number => (x <= 0 ? 0 : x);
/** relu'(x) · g: g where x > 0, 0 where x ≤ 0, NaN where x is NaN (g · heaviside(x, 0)). */
const reluGrad = (g: number, x: number): number => (x > 0 ? g : x <= 0 ? g * 0 : NaN);

export const elementwiseOps: OpDef[] = [
  unary('exp', 'e to the power x.', 'g * y', Math.exp, (_x, y) => y),
  unary('log', 'Natural logarithm.', 'g / x', Math.log, (x) => 1 / x),
  unary('sqrt', 'Square root.', 'g / (2 * y)', Math.sqrt, (_x, y) => 0.5 / y),
  unary('abs', 'Absolute value.', 'g * sign(x)', Math.abs, Math.sign, ([x]) => x),
  unary('tanh', 'Hyperbolic tangent.', 'g * (1 - y^2)', Math.tanh, (_x, y) => 1 - y * y),
  unary('sigmoid', 'Logistic function 1/(1+e^−x), stable for large |x|.', 'g * y * (1 - y)', sigmoidScalar, (_x, y) => y * (1 - y)),
  defineOp({
    name: 'relu', args: 1, category: 'elementwise', inputs: ['x'],
    signature: 'relu(x)', doc: 'Rectified linear unit max(0, x); relu of NaN is NaN.',
    rule: ['g * heaviside(x, 0)'],
    // Written out (no per-element callback): relu sits on the widest matrices of an MLP.
    forward: ([a]) => {
      if (typeof a === 'number') return reluScalar(a);
      const d = a.data, out = new Float64Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = d[i] <= 0 ? 0 : d[i];
      return new Matrix(a.rows, a.cols, out);
    },
    vjp: [
      (g, [a]) => {
        if (typeof a === 'number') return typeof g === 'number' ? reluGrad(g, a) : map(g, (u) => reluGrad(u, a));
        const d = a.data, out = new Float64Array(d.length);
        if (typeof g === 'number') {
          for (let i = 0; i < d.length; i++) out[i] = reluGrad(g, d[i]);
        } else {
          const G = g.data;
          for (let i = 0; i < d.length; i++) out[i] = reluGrad(G[i], d[i]);
        }
        return new Matrix(a.rows, a.cols, out);
      },
    ],
    scalar: reluScalar,
    scalarVjp: [(g, x) => reluGrad(g, x)],
    kink: ([x]) => x,
  }),
  defineOp({
    name: 'square', args: 1, category: 'elementwise', inputs: ['x'],
    signature: 'square(x)', doc: 'x², elementwise (composite: x * x).',
    expand: ([x]) => call('mul', x, x),
  }),
];
