// The small primitives gradient rules are written with: sum_to/broadcast_to (broadcasting and
// its adjoint), where, heaviside and sign (masks that keep NaN), size, put_rows (the adjoint
// of rows), same_shape (the shape check of mse). Each is an ordinary op a user may call,
// with its own forward and rule, named after NumPy where NumPy has it.
import { OpError } from '../errors';
import { broadcastShape, map, unbroadcast, zip } from '../tensor/kernels';
import { Matrix, type Value, normalize, shapeOf, shapeText } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { axisArg, intArg, matrixArg } from './helpers';

/** NumPy's heaviside(x, h0): 0 below zero, h0 at zero, 1 above, NaN for NaN (a mask that keeps NaN). */
export function heavisideScalar(x: number, h0: number): number {
  return x > 0 ? 1 : x < 0 ? 0 : x === 0 ? h0 : NaN;
}

/** x summed down to the shape of `like` (whose shape must broadcast to x's). */
export function sumTo(x: Value, like: Value): Value {
  const [xr, xc] = shapeOf(x), [r, c] = shapeOf(like);
  if ((r !== xr && r !== 1) || (c !== xc && c !== 1)) {
    throw new OpError('SHAPE', `sum_to: a ${xr}×${xc} value cannot be summed down to ${r}×${c}`);
  }
  return normalize(unbroadcast(x, r, c));
}

/** x repeated to the shape of `like` (x's shape must broadcast to it). */
export function broadcastTo(x: Value, like: Value): Value {
  const [xr, xc] = shapeOf(x), [r, c] = shapeOf(like);
  if ((xr !== r && xr !== 1) || (xc !== c && xc !== 1)) {
    throw new OpError('SHAPE', `broadcast_to: a ${xr}×${xc} value does not broadcast to ${r}×${c}`);
  }
  if (xr === r && xc === c) return x;
  return zip(x, new Matrix(r, c, new Float64Array(r * c)), (u) => u, 'broadcast_to');
}

/** NumPy's where(cond, a, b) on 2-D shapes: a where cond is non-zero (NaN counts as true, as in NumPy), else b. */
function where(cond: Value, a: Value, b: Value): Value {
  const [cr, cc] = shapeOf(cond), [ar, ac] = shapeOf(a), [br, bc] = shapeOf(b);
  const [r1, c1] = broadcastShape(cr, cc, ar, ac, 'where');
  const [r, c] = broadcastShape(r1, c1, br, bc, 'where');
  if (r === 1 && c === 1) return (typeof cond === 'number' ? cond : cond.data[0]) !== 0 ? normalize(a) : normalize(b);
  const C = matrixArg(cond).data, A = matrixArg(a).data, B = matrixArg(b).data;
  const out = new Float64Array(r * c);
  // Stride 0 along a broadcast axis.
  const at = (rows: number, cols: number, i: number, j: number) => (rows === 1 ? 0 : i * cols) + (cols === 1 ? 0 : j);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      out[i * c + j] = C[at(cr, cc, i, j)] !== 0 ? A[at(ar, ac, i, j)] : B[at(br, bc, i, j)];
    }
  }
  return new Matrix(r, c, out);
}

/** Rows from…from+n of an r×c matrix of zeros hold x (n×c): the adjoint of rows(). */
function putRows(x: Value, from: Value, like: Value): Value {
  const [r, c] = shapeOf(like), [xr, xc] = shapeOf(x);
  const a = intArg(from, 'put_rows: from');
  if (xc !== c || a + xr > r) {
    throw new OpError('SHAPE', `put_rows: ${shapeText(x)} does not fit at row ${a} of ${r}×${c}`);
  }
  const out = new Matrix(r, c, new Float64Array(r * c));
  out.data.set(matrixArg(x).data, a * c);
  return normalize(out);
}

export const adjointOps: OpDef[] = [
  defineOp({
    name: 'sum_to', args: 2, category: 'shape', inputs: ['x', 'like'],
    signature: 'sum_to(x, like)', doc: 'x summed down to the shape of like (the adjoint of broadcasting: a 1×K bias receives the column sums).',
    forward: ([x, like]) => sumTo(x, like),
    rule: ['broadcast_to(g, x)', null],
    vjp: [(g, [x]) => broadcastTo(g, x), null],
  }),
  defineOp({
    name: 'broadcast_to', args: 2, category: 'shape', inputs: ['x', 'like'],
    signature: 'broadcast_to(x, like)', doc: "x repeated to the shape of like, as NumPy's broadcast_to.",
    forward: ([x, like]) => broadcastTo(x, like),
    rule: ['sum_to(g, x)', null],
    vjp: [(g, [x]) => sumTo(g, x), null],
  }),
  defineOp({
    name: 'where', args: 3, category: 'binary', inputs: ['cond', 'a', 'b'],
    signature: 'where(cond, a, b)', doc: 'a where cond is non-zero, else b, elementwise with broadcasting (NumPy where).',
    forward: ([c, a, b]) => where(c, a, b),
    rule: [null, 'sum_to(where(cond, g, 0), a)', 'sum_to(where(cond, 0, g), b)'],
    vjp: [null, (g, [c, a]) => sumTo(where(c, g, 0), a), (g, [c, , b]) => sumTo(where(c, 0, g), b)],
  }),
  defineOp({
    name: 'heaviside', args: 2, category: 'binary', inputs: ['x', 'h0'],
    signature: 'heaviside(x, h0)', doc: 'Step function: 0 where x < 0, h0 where x = 0, 1 where x > 0, NaN where x is NaN (NumPy heaviside).',
    forward: ([x, h]) => zip(x, h, heavisideScalar, 'heaviside'),
    kink: ([x]) => x,
  }),
  defineOp({
    name: 'sign', args: 1, category: 'elementwise', inputs: ['x'],
    signature: 'sign(x)', doc: '−1, 0 or 1 by the sign of x; NaN stays NaN.',
    forward: ([x]) => map(x, Math.sign),
    kink: ([x]) => x,
  }),
  defineOp({
    name: 'size', args: [1, 2], category: 'shape', inputs: ['x', 'axis'], constArgs: [1],
    signature: 'size(x, axis)', doc: 'Number of entries of x; with axis 0 its number of rows, with axis 1 of columns (NumPy size).',
    forward: ([x, a]) => {
      const [r, c] = shapeOf(x);
      return a === undefined ? r * c : axisArg(a) === 0 ? r : c;
    },
  }),
  defineOp({
    name: 'put_rows', args: 3, category: 'shape', inputs: ['x', 'from', 'like'], constArgs: [1],
    signature: 'put_rows(x, from, like)', doc: 'Zeros shaped like `like`, with x in the rows from from on (the adjoint of rows).',
    forward: ([x, f, like]) => putRows(x, f, like),
    rule: ['rows(g, from, from + size(x, 0))', null, null],
    vjp: [
      (g, [x, f]) => {
        const a = intArg(f, 'put_rows: from'), [r, c] = shapeOf(x);
        return normalize(new Matrix(r, c, matrixArg(g).data.slice(a * c, (a + r) * c)));
      },
      null,
      null,
    ],
  }),
  defineOp({
    name: 'same_shape', args: 2, category: 'shape', inputs: ['pred', 'target'],
    signature: 'same_shape(pred, target)',
    doc: 'pred, once target is known to have its shape or to be a scalar (mse uses it: 2×1 against 1×2 is an error, not a 2×2 broadcast).',
    forward: ([p, t]) => {
      const [pr, pc] = shapeOf(p), [tr, tc] = shapeOf(t);
      if ((pr !== tr || pc !== tc) && !(tr === 1 && tc === 1)) {
        throw new OpError('SHAPE', `prediction ${pr}×${pc} and target ${tr}×${tc} have different shapes (a scalar target is allowed)`);
      }
      return p;
    },
    rule: ['g', null],
    vjp: [(g) => g, null],
  }),
];
