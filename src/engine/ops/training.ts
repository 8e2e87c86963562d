// Training (SPEC §4): parameters, the step count, minibatches, row gathering, and the two
// optimizers. Each optimizer's update rule stands here beside its op, so everything about
// `sgd` or `adam` is in one place; the trainer (engine/train/trainer.ts) only applies them.
import { badRowIndex } from '../tensor/inplace';
import { Matrix, OpError, type Value, checkSize, normalize, shapeText, toScalar } from '../tensor/value';
import { makeRng } from './construct';
import { defineOp, type OpDef } from './define';
import { intArg, matrixArg } from './helpers';

// ---------- optimizers: hyperparameters and update rules ----------

/** One optimizer's update rule over flat arrays (a parameter, its gradient and its state arrays). */
export interface OptimizerRule {
  /** Hyperparameter names after L, in argument order, with their defaults (NaN: required). */
  readonly hyper: readonly string[];
  readonly defaults: readonly number[];
  /** Names of the per-parameter state arrays (velocity, moments): saved in the file under these names. */
  readonly state: readonly string[];
  /** Which state arrays the rule touches for these hyperparameters (plain SGD keeps none). */
  uses(h: readonly number[]): readonly string[];
  /**
   * Update w in place. `s` holds the arrays named by uses(h), `t` the optimizer's step count
   * after this step (1 on the first). Weight decay γ: w ← (1 − ηγ)·w − η·Δ, never folded into g.
   */
  update(w: Float64Array, g: Float64Array, s: Float64Array[], h: readonly number[], t: number): void;
  /** Checks the hyperparameters (errors name the argument). */
  check(h: readonly number[]): void;
  /** What each state array is, in words (the exported script's comments). */
  readonly stateMeaning: Readonly<Record<string, string>>;
  /** The hyperparameter whose being nonzero turns the state on (SGD's momentum); none: always on. */
  readonly stateSwitch?: number;
  /** What the step count t is to this rule, when it reads it (Adam's bias correction). */
  readonly stepCountNote?: string;
  /**
   * The update as the lecture notes write it, for export: statements that update the state
   * arrays named by `uses`, then Δ of w ← (1 − ηγ)·w − η·Δ — the same arithmetic as update().
   */
  written(n: WrittenNames, uses: readonly string[]): { lines: string[]; delta: string };
  /** The rule in one line for the exported script's comment (weight decay is said by export). */
  summary(uses: readonly string[]): string;
}

/** The names an exported update is written over (a parameter's gradient, state arrays, …). */
export interface WrittenNames {
  readonly g: string;
  /** Hyperparameter i as an operand. */
  h(i: number): string;
  /** The optimizer's step count after this step. */
  readonly t: string;
  state(name: string): string;
  /** A scratch variable shared by every parameter (Adam's bias-corrected moments). */
  temp(name: string): string;
  sqrt(x: string): string;
}

function finite(name: string, what: string, x: number): void {
  if (!Number.isFinite(x)) throw new OpError('ARG', `${name}: ${what} must be a finite number, got ${x}`);
}

function inUnit(name: string, what: string, x: number, closed: boolean): void {
  finite(name, what, x);
  if (x < 0 || (closed ? x > 1 : x >= 1)) throw new OpError('ARG', `${name}: ${what} must be in [0, 1${closed ? ']' : ')'}, got ${x}`);
}

export const SGD: OptimizerRule = {
  hyper: ['lr', 'momentum', 'decay'],
  defaults: [NaN, 0, 0],
  state: ['v'],
  uses: (h) => (h[1] !== 0 ? ['v'] : []),
  // momentum μ: v ← μv + g, Δ = v; plain: Δ = g
  update(w, g, s, [lr, mu, decay]) {
    const keep = 1 - lr * decay;
    if (mu !== 0) {
      const v = s[0];
      for (let i = 0; i < w.length; i++) {
        v[i] = mu * v[i] + g[i];
        w[i] = keep * w[i] - lr * v[i];
      }
    } else for (let i = 0; i < w.length; i++) w[i] = keep * w[i] - lr * g[i];
  },
  check([lr, mu, decay]) {
    finite('sgd', 'the learning rate', lr);
    inUnit('sgd', 'momentum', mu, true);
    finite('sgd', 'decay', decay);
  },
  stateMeaning: { v: 'velocity' },
  stateSwitch: 1,
  written(n, uses) {
    if (!uses.includes('v')) return { lines: [], delta: n.g };
    const v = n.state('v');
    return { lines: [`${v} = ${n.h(1)} * ${v} + ${n.g}`], delta: v };
  },
  summary: (uses) => (uses.includes('v') ? 'SGD with momentum: v = mu*v + dw; w -= lr * v' : 'SGD: w -= lr * dw'),
};

export const ADAM: OptimizerRule = {
  hyper: ['lr', 'beta1', 'beta2', 'eps', 'decay'],
  defaults: [NaN, 0.9, 0.999, 1e-8, 0],
  state: ['m', 'v'],
  uses: () => ['m', 'v'],
  // m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ); v̂ = v/(1−β₂ᵗ); Δ = m̂/(√v̂ + ε)
  update(w, g, [m, v], [lr, b1, b2, eps, decay], t) {
    const keep = 1 - lr * decay;
    const c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      w[i] = keep * w[i] - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  },
  check([lr, b1, b2, eps, decay]) {
    finite('adam', 'the learning rate', lr);
    inUnit('adam', 'beta1', b1, false);
    inUnit('adam', 'beta2', b2, false);
    finite('adam', 'eps', eps);
    if (eps <= 0) throw new OpError('ARG', `adam: eps must be > 0, got ${eps}`);
    finite('adam', 'decay', decay);
  },
  stateMeaning: { m: 'first moment', v: 'second moment' },
  stepCountNote: "Adam's t",
  written(n) {
    const [m, v, mt, vt] = [n.state('m'), n.state('v'), n.temp('mt'), n.temp('vt')];
    return {
      lines: [
        `${m} = ${n.h(1)} * ${m} + (1 - ${n.h(1)}) * ${n.g}`,
        `${v} = ${n.h(2)} * ${v} + (1 - ${n.h(2)}) * ${n.g} * ${n.g}`,
        `${mt} = ${m} / (1 - ${n.h(1)} ** ${n.t})  # bias correction`,
        `${vt} = ${v} / (1 - ${n.h(2)} ** ${n.t})`,
      ],
      delta: `${mt} / (${n.sqrt(vt)} + ${n.h(3)})`,
    };
  },
  summary: () => 'Adam: m = b1*m + (1-b1)*dw, v = b2*v + (1-b2)*dw², bias-corrected; w -= lr * mt / (√vt + eps)',
};

/** The optimizers by op name: what the engine and the trainer look up. */
export const OPTIMIZERS: Readonly<Record<string, OptimizerRule>> = { sgd: SGD, adam: ADAM };

/** The hyperparameters of an optimizer call, defaults filled in and checked (errors go on the optimizer cell). */
export function readHyper(op: string, args: readonly Value[]): number[] {
  const rule = OPTIMIZERS[op];
  const h = rule.defaults.map((d, i) => (i < args.length ? toScalar(args[i], `${op}: ${rule.hyper[i]}`) : d));
  rule.check(h);
  return h;
}

// ---------- minibatches ----------

/** The seeded permutation of 0…n−1 for one epoch (Fisher–Yates over the shared mulberry32 stream). */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  return epochPermutationInto(new Int32Array(n), n, seed, epoch);
}

/** epochPermutation written into p (length ≥ n): a compiled step redraws it once per epoch without allocating an array. */
export function epochPermutationInto(p: Int32Array, n: number, seed: number, epoch: number): Int32Array {
  const rng = makeRng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * minibatch(n, size, seed) for a compiled step: writes step's indices into out (size entries),
 * redrawing the epoch's permutation in place when the epoch changes: nothing allocated per step.
 * The op's own forward (batchIndices) reads its indices through one too.
 */
export function batchWriter(n: number, size: number, seed: number): (out: Float64Array, step: number) => void {
  const per = Math.floor(n / size);
  const perm = new Int32Array(n);
  let drawn = -1;
  return (out, step) => {
    const epoch = Math.floor(step / per);
    if (epoch !== drawn) {
      epochPermutationInto(perm, n, seed, epoch);
      drawn = epoch;
    }
    const start = (step % per) * size;
    for (let i = 0; i < size; i++) out[i] = perm[start + i];
  };
}

/** The last writer used (a run asks for the same epoch ⌊N/size⌋ times in a row: drawn once). */
let lastWriter: { key: string; write: (out: Float64Array, step: number) => void } | null = null;

export function batchIndices(n: number, size: number, seed: number, step: number): Float64Array {
  const key = `${n}:${size}:${seed}`;
  if (lastWriter?.key !== key) lastWriter = { key, write: batchWriter(n, size, seed) };
  const out = new Float64Array(size);
  lastWriter.write(out, step);
  return out;
}

// ---------- take ----------

/**
 * Why take's indices (the first n entries of idx) do not all point at a row of a rows×cols
 * matrix, or null: one message for the op and for the compiled trainer's kernel.
 */
export function rowIndexError(idx: Float64Array, n: number, rows: number, cols: number): OpError | null {
  const k = badRowIndex(idx, n, rows);
  return k < 0 ? null : new OpError('ARG', `take: index ${idx[k]} (entry ${k + 1} of idx) is not a row of a ${rows}×${cols} matrix (whole numbers 0…${rows - 1})`);
}

function indexList(x: Matrix, idx: Value): Int32Array {
  if (typeof idx !== 'number' && idx.cols !== 1 && idx.rows !== 1) throw new OpError('SHAPE', `take: idx must be a column of row indices, it is ${shapeText(idx)}`);
  const d = typeof idx === 'number' ? Float64Array.of(idx) : idx.data;
  const bad = rowIndexError(d, d.length, x.rows, x.cols);
  if (bad) throw bad;
  return Int32Array.from(d);
}

export const trainingOps: OpDef[] = [
  defineOp({
    name: 'param', args: 1, category: 'training', inputs: ['init'],
    signature: 'param(init)',
    doc: 'A parameter: starts as init (e.g. 0.01 * randn(2, 100, 1)); training replaces its value, which is saved with the sheet; reset puts init back.',
    forward: ([x]) => x,
    rule: ['g'],
    vjp: [(g) => g],
    scalar: (a) => a,
    scalarVjp: [(g) => g],
  }),
  defineOp({
    name: 'sgd', args: [2, 4], category: 'training', engineOp: 'optimizer', inputs: ['L', 'lr', 'momentum', 'decay'],
    signature: 'sgd(L, lr, momentum, decay)',
    doc: 'An optimizer over every param upstream of the scalar cell L: v ← μv + g, w ← (1 − η·decay)·w − η·v (momentum and decay default to 0). Its value is the number of steps taken.',
  }),
  defineOp({
    name: 'adam', args: [2, 6], category: 'training', engineOp: 'optimizer', inputs: ['L', 'lr', 'beta1', 'beta2', 'eps', 'decay'],
    signature: 'adam(L, lr, beta1, beta2, eps, decay)',
    doc: 'Adam over every param upstream of L, with bias correction (β₁ 0.9, β₂ 0.999, ε 1e-8) and decoupled weight decay (AdamW). Its value is the number of steps taken.',
  }),
  defineOp({
    name: 'step', args: 0, category: 'training', volatile: true, inputs: [],
    signature: 'step()',
    doc: 'The number of training steps taken (0 before training and after reset): use it in schedules, e.g. 0.5 * 0.999 ^ step().',
    forward: (_a, ctx) => ctx.step ?? 0,
  }),
  defineOp({
    name: 'minibatch', args: 3, category: 'training', constArgs: [0, 1, 2], volatile: true, inputs: ['N', 'batch', 'seed'],
    signature: 'minibatch(N, batch, seed)',
    doc: "The batch×1 column of row indices of this step's batch: each epoch a seeded permutation of 0…N−1 cut into ⌊N/size⌋ batches (a short last batch is dropped).",
    forward: ([nv, sv, seedv], ctx) => {
      const n = intArg(nv, 'minibatch: N', 1);
      const size = intArg(sv, 'minibatch: size', 1);
      const seed = intArg(seedv, 'minibatch: seed');
      if (size > n) throw new OpError('ARG', `minibatch: size ${size} is larger than N = ${n}`);
      checkSize(size, 1);
      return normalize(new Matrix(size, 1, batchIndices(n, size, seed, ctx.step ?? 0)));
    },
  }),
  defineOp({
    name: 'take', args: 2, category: 'training', inputs: ['X', 'idx'],
    signature: 'take(X, idx)',
    doc: 'The rows of X at the 0-based indices idx (n×1), in that order: a batch of the data.',
    forward: ([x, idx]) => takeRows(x, idx, x),
    rule: ['scatter_rows(g, idx, X)', null],
    vjp: [(g, [x, idx]) => scatterRows(g, idx, x), null],
  }),
  defineOp({
    name: 'scatter_rows', args: 3, category: 'shape', inputs: ['x', 'idx', 'like'],
    signature: 'scatter_rows(x, idx, like)',
    doc: 'Zeros shaped like `like`, with row k of x added into row idx[k] (repeats add): the adjoint of take.',
    forward: ([x, idx, like]) => scatterRows(x, idx, like),
    rule: ['take(g, idx)', null, null],
    vjp: [(g, [, idx, like]) => takeRows(g, idx, like), null, null],
  }),
];

/** Row k of x added into row idx[k] of zeros shaped like `like`. */
function scatterRows(xv: Value, idx: Value, like: Value): Value {
  const target = matrixArg(like);
  const rows = indexList(target, idx);
  const x = matrixArg(xv);
  const c = target.cols;
  if (x.rows !== rows.length || x.cols !== c) throw new OpError('SHAPE', `scatter_rows: ${shapeText(x)} rows do not match ${rows.length} indices into ${shapeText(target)}`);
  const out = new Float64Array(target.rows * c);
  for (let k = 0; k < rows.length; k++) {
    const o = rows[k] * c, s = k * c;
    for (let j = 0; j < c; j++) out[o + j] += x.data[s + j];
  }
  return normalize(new Matrix(target.rows, c, out));
}

/** take(g, idx), checking the indices against `like` (what scatter_rows scattered into). */
function takeRows(g: Value, idx: Value, like: Value): Value {
  const m = matrixArg(like);
  const rows = indexList(m, idx);
  const gm = matrixArg(g);
  const c = gm.cols;
  const out = new Float64Array(rows.length * c);
  for (let k = 0; k < rows.length; k++) out.set(gm.data.subarray(rows[k] * c, rows[k] * c + c), k * c);
  return normalize(new Matrix(rows.length, c, out));
}
