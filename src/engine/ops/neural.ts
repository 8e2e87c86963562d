// Row-wise softmax and logsumexp, the losses, and the label helpers of classification.
// Everything subtracts the row maximum first, so scores in the thousands stay finite.
import { OpError } from '../errors';
import { zip } from '../tensor/kernels';
import { Matrix, type Value, checkSize, shapeText } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { call, intArg, matrixArg } from './helpers';

function softmaxRows(x: Matrix): Matrix {
  const { rows: n, cols: k } = x;
  const out = new Float64Array(n * k);
  const d = x.data;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let mx = -Infinity;
    for (let j = 0; j < k; j++) if (d[o + j] > mx) mx = d[o + j];
    let s = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(d[o + j] - mx);
      out[o + j] = e;
      s += e;
    }
    for (let j = 0; j < k; j++) out[o + j] /= s;
  }
  return new Matrix(n, k, out);
}

function logsumexpRows(x: Matrix): Float64Array {
  const { rows: n, cols: k } = x;
  const out = new Float64Array(n);
  const d = x.data;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let mx = -Infinity;
    for (let j = 0; j < k; j++) if (d[o + j] > mx) mx = d[o + j];
    if (mx === Infinity || mx === -Infinity) {
      // The largest entry is ±∞: so is log Σ exp (not ∞ − ∞ = NaN), unless the row holds a NaN.
      let nan = false;
      for (let j = 0; j < k; j++) if (Number.isNaN(d[o + j])) nan = true;
      out[i] = nan ? NaN : mx;
      continue;
    }
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(d[o + j] - mx);
    out[i] = mx + Math.log(s);
  }
  return out;
}

/**
 * Targets for n×K scores as an n×K matrix of probabilities: an n×1 column (or, for one
 * sample, a scalar) of class indices becomes one-hot; an n×K matrix is taken as given.
 */
function targetsFor(scores: Matrix, labels: Value, what: string): Matrix {
  const { rows: n, cols: k } = scores;
  const L = matrixArg(labels);
  if (L.rows === n && L.cols === k && !(k === 1)) return L;
  if (L.rows === n && L.cols === 1) {
    const Y = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      const c = L.data[i];
      if (!Number.isInteger(c) || c < 0 || c >= k) {
        throw new OpError('ARG', `${what}: label ${c} in row ${i + 1} is not a class index 0…${k - 1}`);
      }
      Y[i * k + c] = 1;
    }
    return new Matrix(n, k, Y);
  }
  throw new OpError('SHAPE', `${what}: labels must be ${n}×1 class indices or ${n}×${k} one-hot, got ${shapeText(labels)} for ${shapeText(scores)} scores`);
}

function argmaxRows(x: Matrix): Matrix {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let best = -Infinity, arg = 0;
    for (let j = 0; j < x.cols; j++) {
      const v = x.data[i * x.cols + j];
      if (v !== v) { arg = j; break; } // the first NaN wins, as NumPy's argmax
      if (v > best) { best = v; arg = j; }
    }
    out[i] = arg;
  }
  return new Matrix(x.rows, 1, out);
}

export const neuralOps: OpDef[] = [
  defineOp({
    name: 'softmax', args: 1, category: 'rowwise',
    signature: 'softmax(x)', doc: 'Row-wise softmax: each row becomes probabilities summing to 1.', inputs: ['x'],
    rule: ['y * (g - sum(g * y, 1))'],
    forward: ([x]) => softmaxRows(matrixArg(x)),
    vjp: [
      (g, [x], out) => {
        const y = matrixArg(out);
        const G = matrixArg(zip(g, y, (u) => u, 'gradient'));
        const dx = new Float64Array(y.data.length);
        for (let i = 0; i < y.rows; i++) {
          const o = i * y.cols;
          let dot = 0;
          for (let j = 0; j < y.cols; j++) dot += G.data[o + j] * y.data[o + j];
          for (let j = 0; j < y.cols; j++) dx[o + j] = y.data[o + j] * (G.data[o + j] - dot);
        }
        const r = new Matrix(y.rows, y.cols, dx);
        return typeof x === 'number' ? r.data[0] : r;
      },
    ],
  }),
  defineOp({
    name: 'logsumexp', args: 1, category: 'rowwise',
    signature: 'logsumexp(x)', doc: 'Row-wise log Σ exp(x), computed stably (n×1).', inputs: ['x'],
    rule: ['g * softmax(x)'],
    forward: ([x]) => {
      const m = matrixArg(x);
      return new Matrix(m.rows, 1, logsumexpRows(m));
    },
    vjp: [
      (g, [x]) => {
        const p = softmaxRows(matrixArg(x));
        const r = zip(p, g, (u, v) => u * v, 'gradient');
        return typeof x === 'number' ? (r as Matrix).data[0] : r;
      },
    ],
  }),
  defineOp({
    name: 'mse', args: 2, category: 'loss',
    signature: 'mse(pred, target)', inputs: ['pred', 'target'],
    doc: 'Mean of squared differences (composite: mean((pred − target)²)); pred and target must have the same shape, or target be a scalar.',
    // same_shape first: a 2×1 prediction against a 1×2 target would broadcast to 2×2 and give a silent wrong loss.
    expand: ([p, t]) => call('mean', call('square', call('sub', call('same_shape', p, t), t))),
  }),
  defineOp({
    name: 'cross_entropy', args: 2, category: 'loss',
    signature: 'cross_entropy(scores, labels)',
    doc: 'Mean softmax cross-entropy of n×K scores; labels are n×1 class indices (0-based) or n×K one-hot.',
    inputs: ['scores', 'labels'],
    // targets(): labels as n×K probabilities; their row sums are 1 except for soft targets that do not sum to 1.
    rule: ['g * (softmax(scores) * sum(targets(scores, labels), 1) - targets(scores, labels)) / size(scores, 0)', null],
    forward: ([s, l]) => {
      const S = matrixArg(s);
      const Y = targetsFor(S, l, 'cross_entropy');
      const lse = logsumexpRows(S);
      let total = 0;
      for (let i = 0; i < S.rows; i++) {
        const o = i * S.cols;
        let ys = 0, ysum = 0;
        for (let j = 0; j < S.cols; j++) {
          const y = Y.data[o + j];
          if (y !== 0) ys += y * S.data[o + j];
          ysum += y;
        }
        total += ysum * lse[i] - ys;
      }
      return total / S.rows;
    },
    vjp: [
      (g, [s, l]) => {
        const S = matrixArg(s);
        const Y = targetsFor(S, l, 'cross_entropy');
        const P = softmaxRows(S);
        const scale = (typeof g === 'number' ? g : g.data[0]) / S.rows;
        for (let i = 0; i < S.rows; i++) {
          const o = i * S.cols;
          let ysum = 0;
          for (let j = 0; j < S.cols; j++) ysum += Y.data[o + j];
          for (let j = 0; j < S.cols; j++) P.data[o + j] = (ysum * P.data[o + j] - Y.data[o + j]) * scale;
        }
        return typeof s === 'number' ? P.data[0] : P;
      },
      null,
    ],
  }),
  defineOp({
    name: 'log_softmax', args: 1, category: 'rowwise', inputs: ['x'],
    signature: 'log_softmax(x)', doc: 'Row-wise log of softmax, x − logsumexp(x), computed stably.',
    rule: ['g - exp(y) * sum(g, 1)'],
    forward: ([x]) => {
      const m = matrixArg(x);
      const lse = logsumexpRows(m);
      const out = new Float64Array(m.data.length);
      for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = m.data[i * m.cols + j] - lse[i];
      return new Matrix(m.rows, m.cols, out);
    },
    vjp: [
      (g, [x]) => {
        const p = softmaxRows(matrixArg(x));
        const G = matrixArg(zip(g, p, (u) => u, 'gradient'));
        for (let i = 0; i < p.rows; i++) {
          const o = i * p.cols;
          let s = 0;
          for (let j = 0; j < p.cols; j++) s += G.data[o + j];
          for (let j = 0; j < p.cols; j++) p.data[o + j] = G.data[o + j] - p.data[o + j] * s;
        }
        return typeof x === 'number' ? p.data[0] : p;
      },
    ],
  }),
  defineOp({
    name: 'targets', args: 2, category: 'loss', inputs: ['scores', 'labels'],
    signature: 'targets(scores, labels)',
    doc: 'The labels as n×K probabilities for n×K scores: n×1 class indices become one-hot, n×K labels stay as they are (what cross_entropy compares with).',
    forward: ([s, l]) => targetsFor(matrixArg(s), l, 'targets'),
  }),
  defineOp({
    name: 'argmax', args: 1, category: 'rowwise',
    signature: 'argmax(x)', doc: 'Row-wise index (0-based) of the largest entry, n×1.', inputs: ['x'],
    forward: ([x]) => argmaxRows(matrixArg(x)),
  }),
  defineOp({
    name: 'accuracy', args: 2, category: 'loss',
    signature: 'accuracy(scores, labels)', doc: 'Fraction of rows whose argmax matches the label (n×1 indices or n×K one-hot).',
    inputs: ['scores', 'labels'],
    forward: ([s, l]) => {
      const S = matrixArg(s);
      const Y = targetsFor(S, l, 'accuracy');
      const pred = argmaxRows(S), truth = argmaxRows(Y);
      let hit = 0;
      for (let i = 0; i < S.rows; i++) if (pred.data[i] === truth.data[i]) hit++;
      return S.rows ? hit / S.rows : 0;
    },
  }),
  defineOp({
    name: 'onehot', args: 2, category: 'construction',
    signature: 'onehot(labels, K)', doc: 'n×1 class indices (0-based) → n×K one-hot matrix.', inputs: ['labels', 'K'],
    constArgs: [1],
    forward: ([l, kv]) => {
      const k = intArg(kv, 'onehot: K', 1);
      const L = matrixArg(l);
      if (L.cols !== 1 && L.rows !== 1) throw new OpError('SHAPE', `onehot: labels must be a column or row of indices, got ${shapeText(l)}`);
      checkSize(L.data.length, k); // K comes from the formula: the allocation limit applies
      return targetsFor(new Matrix(L.data.length, k, new Float64Array(0)), new Matrix(L.data.length, 1, L.data), 'onehot');
    },
  }),
];
