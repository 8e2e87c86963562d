// Reductions with NumPy meaning and kept dims: sum(x) is a scalar, sum(x, 0) the 1×c
// column sums (the bias gradient of the lecture notes), sum(x, 1) the r×1 row sums.
import { sumAll, sumCols, sumRows, zip } from '../tensor/kernels';
import { Matrix, type Value, shapeOf } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { axisArg } from './helpers';

/** g (scalar, 1×c or r×1) spread back over an r×c input. */
function spread(g: Value, like: Value, scale = 1): Value {
  const [r, c] = shapeOf(like);
  const zeros = r === 1 && c === 1 ? 0 : new Matrix(r, c, new Float64Array(r * c));
  return zip(g, zeros, (u) => u * scale, 'gradient');
}

function reduce(x: Value, axis: 0 | 1 | null, mean: boolean): Value {
  if (typeof x === 'number') return x;
  if (axis === null) return mean ? sumAll(x) / (x.rows * x.cols) : sumAll(x);
  const s = axis === 0 ? sumRows(x) : sumCols(x);
  if (!mean) return s;
  const n = axis === 0 ? x.rows : x.cols;
  for (let i = 0; i < s.data.length; i++) s.data[i] /= n;
  return s;
}

function count(x: Value, axis: 0 | 1 | null): number {
  const [r, c] = shapeOf(x);
  return axis === null ? r * c : axis === 0 ? r : c;
}

export const reduceOps: OpDef[] = [
  defineOp({
    name: 'sum', args: [1, 2], category: 'reduction',
    signature: 'sum(x, axis)', doc: 'Sum of all entries; with axis 0 the 1×c column sums, with axis 1 the r×1 row sums.',
    inputs: ['x', 'axis'], constArgs: [1],
    rule: ['broadcast_to(g, x)', null],
    forward: ([x, a]) => reduce(x, a === undefined ? null : axisArg(a), false),
    vjp: [(g, [x]) => spread(g, x), null],
  }),
  defineOp({
    name: 'mean', args: [1, 2], category: 'reduction',
    signature: 'mean(x, axis)', doc: 'Mean of all entries, or along axis 0 (1×c) or 1 (r×1).',
    inputs: ['x', 'axis'], constArgs: [1],
    // size(x) / size(y): the number of entries averaged into each output.
    rule: ['broadcast_to(g, x) * size(y) / size(x)', null],
    forward: ([x, a]) => reduce(x, a === undefined ? null : axisArg(a), true),
    vjp: [(g, [x, a]) => spread(g, x, 1 / count(x, a === undefined ? null : axisArg(a))), null],
  }),
];
