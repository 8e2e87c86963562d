// Largest and smallest: maximum/minimum of two values (elementwise, NumPy's names), amax/amin
// over all entries, and max/min, which are either by their number of arguments. NaN wins,
// as in NumPy's maximum and PyTorch: max(0/0, 1) and max(1, 0/0) are both NaN, and so is
// the gradient there. On ties the gradient goes to `a` (SPEC §3), to every tied entry
// evenly for amax/amin (as PyTorch's max()).
import { OpError } from '../errors';
import { zip } from '../tensor/kernels';
import { Matrix, type Value } from '../tensor/value';
import { heavisideScalar, sumTo } from './adjoint';
import { defineOp, type OpDef } from './define';
import { call } from './helpers';

const maxScalar = (x: number, y: number): number => (x >= y || x !== x ? x : y);
const minScalar = (x: number, y: number): number => (x <= y || x !== x ? x : y);

/** g times the mask of one side of a two-value max/min (on the broadcast shape), summed back to that side. */
function masked(g: Value, a: Value, b: Value, mask: (x: number, y: number) => number, to: Value): Value {
  return sumTo(zip(g, zip(a, b, mask, 'gradient'), (u, v) => u * v, 'gradient'), to);
}

/** Where the gradient of maximum(a, b) goes: a where a ≥ b (ties to a), b where a < b, NaN where either is NaN. */
const toA = (x: number, y: number) => heavisideScalar(x - y, 1);
const toB = (x: number, y: number) => 1 - heavisideScalar(x - y, 1);
const toAmin = (x: number, y: number) => heavisideScalar(y - x, 1);
const toBmin = (x: number, y: number) => 1 - heavisideScalar(y - x, 1);

function extreme(x: Value, pick: (a: number, b: number) => number, what: string): number {
  if (typeof x === 'number') return x;
  if (x.data.length === 0) throw new OpError('ARG', `${what} of an empty ${x.rows}×${x.cols} matrix`);
  let m = x.data[0];
  for (let i = 1; i < x.data.length; i++) m = pick(m, x.data[i]);
  return m;
}

/** g spread evenly over the entries of x equal to the extreme y (NaN everywhere when y is NaN). */
function evenly(g: Value, x: Value, y: Value): Value {
  const gs = typeof g === 'number' ? g : g.data[0], ys = typeof y === 'number' ? y : y.data[0];
  const hit = zip(x, ys, (u, v) => (u === v ? 1 : 0), 'gradient');
  let n = 0;
  if (typeof hit === 'number') n = hit;
  else for (let i = 0; i < hit.data.length; i++) n += hit.data[i];
  return zip(hit, 0, (h) => (gs * h) / n, 'gradient');
}

/** a − b: where its sign changes, the gradient of maximum/minimum moves from one side to the other. */
const gap = ([a, b]: readonly Value[]): Value => zip(a, b, (x, y) => x - y, 'gradient');

/**
 * Each entry's lead over the best of the others (sign −1 for amin: the lead below them). Its
 * sign changes where the extreme entry changes; 0 on a tie.
 */
function lead(x: Value, sign: 1 | -1): Value {
  if (typeof x === 'number') return 1;
  const d = x.data, n = d.length, out = new Float64Array(n);
  let first = -Infinity, second = -Infinity, at = -1;
  for (let i = 0; i < n; i++) {
    const v = sign * d[i];
    if (v > first || at < 0) {
      second = first;
      first = v;
      at = i;
    } else if (v > second) second = v;
  }
  for (let i = 0; i < n; i++) out[i] = sign * d[i] - (i === at ? second : first);
  return new Matrix(x.rows, x.cols, out);
}

export const extremaOps: OpDef[] = [
  defineOp({
    name: 'maximum', args: 2, category: 'binary', inputs: ['a', 'b'],
    signature: 'maximum(a, b)', doc: "Elementwise maximum with broadcasting, NaN if either is NaN (NumPy's maximum; max(a, b) is the same).",
    rule: ['sum_to(g * heaviside(a - b, 1), a)', 'sum_to(g * (1 - heaviside(a - b, 1)), b)'],
    forward: ([a, b]) => zip(a, b, maxScalar, 'max'),
    vjp: [(g, [a, b]) => masked(g, a, b, toA, a), (g, [a, b]) => masked(g, a, b, toB, b)],
    scalar: maxScalar,
    scalarVjp: [(g, a, b) => g * toA(a, b), (g, a, b) => g * toB(a, b)],
    kink: gap,
  }),
  defineOp({
    name: 'minimum', args: 2, category: 'binary', inputs: ['a', 'b'],
    signature: 'minimum(a, b)', doc: "Elementwise minimum with broadcasting, NaN if either is NaN (NumPy's minimum; min(a, b) is the same).",
    rule: ['sum_to(g * heaviside(b - a, 1), a)', 'sum_to(g * (1 - heaviside(b - a, 1)), b)'],
    forward: ([a, b]) => zip(a, b, minScalar, 'min'),
    vjp: [(g, [a, b]) => masked(g, a, b, toAmin, a), (g, [a, b]) => masked(g, a, b, toBmin, b)],
    scalar: minScalar,
    scalarVjp: [(g, a, b) => g * toAmin(a, b), (g, a, b) => g * toBmin(a, b)],
    kink: gap,
  }),
  defineOp({
    name: 'amax', args: 1, category: 'reduction', inputs: ['x'],
    signature: 'amax(x)', doc: "The largest entry of x, NaN if any is NaN (NumPy's amax; max(x) is the same).",
    rule: ['g * (x == y) / sum(x == y)'],
    forward: ([x]) => extreme(x, maxScalar, 'max'),
    vjp: [(g, [x], y) => evenly(g, x, y)],
    kink: ([x]) => lead(x, 1),
  }),
  defineOp({
    name: 'amin', args: 1, category: 'reduction', inputs: ['x'],
    signature: 'amin(x)', doc: "The smallest entry of x, NaN if any is NaN (NumPy's amin; min(x) is the same).",
    rule: ['g * (x == y) / sum(x == y)'],
    forward: ([x]) => extreme(x, minScalar, 'min'),
    vjp: [(g, [x], y) => evenly(g, x, y)],
    kink: ([x]) => lead(x, -1),
  }),
  defineOp({
    name: 'max', args: [1, 2], category: 'binary', inputs: ['a', 'b'],
    signature: 'max(a, b)', doc: 'max(a, b): elementwise maximum (max(0, z) is ReLU); max(x): the largest entry of x.',
    expand: (args) => (args.length === 1 ? call('amax', args[0]) : call('maximum', args[0], args[1])),
  }),
  defineOp({
    name: 'min', args: [1, 2], category: 'binary', inputs: ['a', 'b'],
    signature: 'min(a, b)', doc: 'min(a, b): elementwise minimum; min(x): the smallest entry of x.',
    expand: (args) => (args.length === 1 ? call('amin', args[0]) : call('minimum', args[0], args[1])),
  }),
];
