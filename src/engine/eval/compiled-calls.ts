// The compiled program's instruction set as data (what compiled.ts emits) and the one place
// each instruction becomes code: `bindCall` turns a call into a closure over its preallocated
// buffers, once, at compile time. A call names its kernel, the buffers it reads and writes,
// whether it adds into its output (`acc`: gradient accumulation, forks sum), small attributes
// (shapes, strides, the elementwise function) and the plan steps it implements.
import type { OpContext, OpDef } from '../ops/define';
import { batchWriter, rowIndexError } from '../ops/training';
import {
  type Bin, type Epilogue, type Orient, type Un, binaryInto, crossEntropyBackInto, crossEntropyInto, matmulInto,
  scatterRowsInto, softmaxBackInto, softmaxInto, spreadInto, sumInto, takeRowsInto, transposeInto, unaryBackInto, unaryInto,
} from '../tensor/inplace';
import { Matrix, OpError, type Value, shapeOf, shapeText } from '../tensor/value';
import { PlanError } from './plan';

export type KernelName =
  | 'matmul' | 'binary' | 'unary' | 'unary_back' | 'sum' | 'spread' | 'transpose'
  | 'softmax' | 'softmax_back' | 'cross_entropy' | 'cross_entropy_back' | 'stack' | 'pick'
  | 'take' | 'scatter_rows' | 'minibatch' | 'step' | 'scalar' | 'scalar_vjp'
  | 'op' | 'vjp';

export interface KernelCall {
  kernel: KernelName;
  /** Buffer ids written: the first is the result (cross_entropy also keeps its softmax). */
  writes: number[];
  /** Buffer ids read. */
  reads: number[];
  /** Add into the result instead of overwriting it. */
  acc: boolean;
  /** Shapes, strides, the function (`relu`, `add`), the orientation, the generic op's name … */
  attrs: Record<string, number | string | boolean>;
  /** The plan steps this call implements (several when fused) and the cell they belong to. */
  steps: number[];
  cell: string;
}

export interface BufferInfo {
  id: number;
  /** `v12` the value of slot 12, `g12` its adjoint, `p12` the softmax cross_entropy keeps for slot 12's backward. */
  name: string;
  role: 'value' | 'grad' | 'scratch';
  /** The slots whose value or adjoint lives here (several when aliased: a copy, a pass-through adjoint). */
  slots: number[];
  rows: number;
  cols: number;
}

/** What a generic call needs to read a slot as a Value (a number for 1×1, else a Matrix over the buffer). */
export interface BindEnv {
  bufs: readonly Float64Array[];
  info: readonly BufferInfo[];
  ops: (name: string) => OpDef;
  ctx: OpContext & { step?: number };
  /** Counts the calls that went through an op's allocating forward or VJP. */
  stats: { generic: number };
}

const A = (c: KernelCall, k: string) => c.attrs[k] as number;

/** The call as a closure over its buffers. */
export function bindCall(c: KernelCall, env: BindEnv): () => void {
  const b = env.bufs;
  const out = b[c.writes[0]], acc = c.acc;
  const r = (i: number) => b[c.reads[i]];
  switch (c.kernel) {
    case 'matmul': {
      // reads [A, B, bias?, mask?], writes [out, colsum?]: the epilogue's buffers (inplace.ts Epilogue).
      const X = r(0), W = r(1);
      let at = 2;
      const bias = c.attrs.bias === true ? r(at++) : null;
      const mask = c.attrs.mask === true ? r(at++) : null;
      const colsum = c.attrs.colsum === true ? b[c.writes[1]] : null;
      const ep: Epilogue = { bias, relu: c.attrs.relu === true, mask, colsum, colsumAcc: c.attrs.colsumAcc === true };
      const m = A(c, 'm'), k = A(c, 'k'), n = A(c, 'n'), o = c.attrs.orient as Orient;
      return () => matmulInto(out, X, W, m, k, n, o, acc, ep);
    }
    case 'binary': {
      const X = r(0), Y = r(c.reads.length > 1 ? 1 : 0), op = c.attrs.op as Bin;
      const rr = A(c, 'r'), cc = A(c, 'c'), ors = A(c, 'ors'), ocs = A(c, 'ocs'), ars = A(c, 'ars'), acs = A(c, 'acs'), brs = A(c, 'brs'), bcs = A(c, 'bcs');
      return () => binaryInto(op, rr, cc, out, ors, ocs, acc, X, ars, acs, Y, brs, bcs);
    }
    case 'unary': {
      const X = r(0), f = c.attrs.f as Un, n = A(c, 'n');
      return () => unaryInto(f, out, X, n);
    }
    case 'unary_back': {
      const G = r(0), X = r(1), Y = r(2), f = c.attrs.f as Un, n = A(c, 'n');
      return () => unaryBackInto(f, out, acc, G, X, Y, n);
    }
    case 'sum': {
      const X = r(0), rr = A(c, 'r'), cc = A(c, 'c'), axis = A(c, 'axis') as -1 | 0 | 1, div = A(c, 'div');
      return () => sumInto(out, X, rr, cc, axis, div);
    }
    case 'spread': {
      const G = r(0), rr = A(c, 'r'), cc = A(c, 'c'), grs = A(c, 'grs'), gcs = A(c, 'gcs'), scale = A(c, 'scale');
      return () => spreadInto(out, acc, rr, cc, G, grs, gcs, scale);
    }
    case 'transpose': {
      const X = r(0), rr = A(c, 'r'), cc = A(c, 'c');
      return () => transposeInto(out, acc, X, rr, cc);
    }
    case 'softmax': {
      const X = r(0), n = A(c, 'n'), k = A(c, 'k');
      return () => softmaxInto(out, X, n, k);
    }
    case 'softmax_back': {
      const G = r(0), Y = r(1), n = A(c, 'n'), k = A(c, 'k');
      return () => softmaxBackInto(out, acc, G, Y, n, k);
    }
    case 'cross_entropy': {
      const P = b[c.writes[1]], S = r(0), L = r(1), index = c.attrs.index === true, n = A(c, 'n'), k = A(c, 'k');
      return () => {
        const bad = crossEntropyInto(out, P, S, L, index, n, k);
        if (bad >= 0) throw new PlanError(c.cell, 'ARG', `cross_entropy: label ${L[bad]} in row ${bad + 1} is not a class index 0…${k - 1}`);
      };
    }
    case 'cross_entropy_back': {
      const G = r(0), P = r(1), L = r(2), index = c.attrs.index === true, n = A(c, 'n'), k = A(c, 'k');
      return () => crossEntropyBackInto(out, acc, G[0], P, L, index, n, k);
    }
    case 'stack': {
      const ins = c.reads.map((id) => b[id]);
      return () => {
        for (let i = 0; i < ins.length; i++) out[i] = ins[i][0];
      };
    }
    case 'pick': {
      const G = r(0), at = A(c, 'index');
      return acc ? () => { out[0] += G[at]; } : () => { out[0] = G[at]; };
    }
    case 'take':
    case 'scatter_rows': {
      // reads [X or G, idx]; attrs r×c: the matrix the indices point into (X, or the adjoint's shape), n indices.
      const X = r(0), I = r(1), rows = A(c, 'r'), cols = A(c, 'c'), n = A(c, 'n');
      const check = () => {
        const bad = rowIndexError(I, n, rows, cols);
        if (bad) throw new PlanError(c.cell, bad.kind, bad.message);
      };
      if (c.kernel === 'take') return () => { check(); takeRowsInto(out, X, cols, I, n); };
      return () => { check(); scatterRowsInto(out, acc, X, cols, I, n); };
    }
    case 'minibatch': {
      // N, size and seed are constants of the formula: the indices come from one permutation per
      // epoch drawn in place. Were they ever other numbers, the op's own forward runs instead.
      const N = r(0), S = r(1), Z = r(2), n = N[0], size = S[0], seed = Z[0];
      const write = batchWriter(n, size, seed);
      const generic = bindGenericForward({ ...c, kernel: 'op', attrs: { op: 'minibatch' } }, env);
      return () => {
        if (N[0] !== n || S[0] !== size || Z[0] !== seed) generic();
        else write(out, env.ctx.step ?? 0);
      };
    }
    case 'step':
      return () => { out[0] = env.ctx.step ?? 0; };
    case 'scalar': {
      // An op's own scalar function on 1×1 operands (the plan runner's scalar path).
      const f = env.ops(c.attrs.op as string).scalar!, X = r(0), Y = c.reads.length > 1 ? r(1) : null;
      return Y ? () => { out[0] = f(X[0], Y[0]); } : () => { out[0] = f(X[0], 0); };
    }
    case 'scalar_vjp': {
      // reads [g, ...args (one or two), out], all 1×1: the op's scalar VJP for argument `input`.
      const sv = env.ops(c.attrs.op as string).scalarVjp![A(c, 'input')]!;
      const G = r(0), X = r(1), two = c.reads.length > 3, Y = r(two ? 2 : 1), O = r(c.reads.length - 1);
      return () => {
        const v = sv(G[0], X[0], two ? Y[0] : 0, O[0]);
        if (acc) out[0] += v;
        else out[0] = v;
      };
    }
    case 'op':
      return bindGenericForward(c, env);
    case 'vjp':
      return bindGenericVjp(c, env);
  }
}

/** A slot's buffer as the Value an op expects: a number for 1×1, else a Matrix over the buffer (made once). */
function reader(env: BindEnv, id: number): () => Value {
  const buf = env.bufs[id], { rows, cols } = env.info[id];
  if (rows === 1 && cols === 1) return () => buf[0];
  const m = new Matrix(rows, cols, buf);
  return () => m;
}

/** Store a result into a buffer of the compiled shape, or say that the plan must be compiled again. */
function store(c: KernelCall, env: BindEnv, id: number, v: Value, acc: boolean): void {
  const buf = env.bufs[id], { rows, cols } = env.info[id];
  const [vr, vc] = shapeOf(v);
  if (vr !== rows || vc !== cols) {
    throw new PlanError(c.cell, 'SHAPE', `${c.attrs.op} gave ${shapeText(v)} where the compiled plan has ${rows}×${cols}: a shape changed, compile the plan again`);
  }
  if (typeof v === 'number') {
    if (acc) buf[0] += v;
    else buf[0] = v;
  } else if (acc) for (let i = 0; i < buf.length; i++) buf[i] += v.data[i];
  else buf.set(v.data);
}

function planError(c: KernelCall, e: unknown): unknown {
  return e instanceof OpError ? new PlanError(c.cell, e.kind, e.message) : e;
}

function bindGenericForward(c: KernelCall, env: BindEnv): () => void {
  const op = env.ops(c.attrs.op as string);
  const reads = c.reads.map((id) => reader(env, id));
  const scalar = op.scalar !== undefined && reads.length <= 2 && c.reads.every((id) => env.info[id].rows * env.info[id].cols === 1);
  const args: Value[] = new Array(reads.length);
  const out = env.bufs[c.writes[0]];
  return () => {
    try {
      if (scalar) {
        out[0] = op.scalar!(reads[0]() as number, reads.length > 1 ? (reads[1]() as number) : 0);
        return;
      }
      for (let i = 0; i < reads.length; i++) args[i] = reads[i]();
      env.ctx.meta = {};
      env.stats.generic++;
      store(c, env, c.writes[0], op.forward!(args, env.ctx), false);
    } catch (e) {
      throw planError(c, e);
    }
  };
}

/** reads: [g, ...the step's args, the step's output]; writes the adjoint of argument `input`. */
function bindGenericVjp(c: KernelCall, env: BindEnv): () => void {
  const op = env.ops(c.attrs.op as string);
  const j = A(c, 'input');
  const reads = c.reads.map((id) => reader(env, id));
  const nArgs = reads.length - 2;
  const allScalar = c.reads.every((id) => env.info[id].rows * env.info[id].cols === 1);
  const sv = allScalar && nArgs <= 2 ? op.scalarVjp?.[j] ?? null : null;
  const rule = op.vjp![j]!;
  const args: Value[] = new Array(nArgs);
  const out = env.bufs[c.writes[0]], acc = c.acc;
  return () => {
    try {
      if (sv !== null) {
        const v = sv(reads[0]() as number, reads[1]() as number, nArgs > 1 ? (reads[2]() as number) : 0, reads[nArgs + 1]() as number);
        if (acc) out[0] += v;
        else out[0] = v;
        return;
      }
      for (let i = 0; i < nArgs; i++) args[i] = reads[i + 1]();
      env.stats.generic++;
      store(c, env, c.writes[0], rule(reads[0](), args, reads[nArgs + 1]()), acc);
    } catch (e) {
      throw planError(c, e);
    }
  };
}

/** One line per call: `g7 += matmul_nt(g9, v2)   B1: matmul`. */
export function describeCall(c: KernelCall, info: readonly BufferInfo[], stepOps: (k: number) => string): string {
  const name = (id: number) => info[id].name;
  const what = (() => {
    const a = c.attrs;
    switch (c.kernel) {
      case 'matmul': return `matmul_${a.orient}` + (a.bias ? '+bias' : '') + (a.relu ? '+relu' : '') + (a.mask ? '+relu_mask' : '') + (a.colsum ? (a.colsumAcc ? '+colsum_acc' : '+colsum') : '');
      case 'binary': case 'unary': return String(a.op ?? a.f);
      case 'unary_back': return `${a.f}_back`;
      case 'sum': return a.div === 1 ? `sum${a.axis === -1 ? '' : `_axis${a.axis}`}` : `mean${a.axis === -1 ? '' : `_axis${a.axis}`}`;
      case 'spread': return `spread×${Number(a.scale).toPrecision(6)}`;
      case 'pick': return `pick[${a.index}]`;
      case 'scalar': return `${a.op}`;
      case 'scalar_vjp': return `${a.op}.vjp[${a.input}]`;
      case 'op': return `${a.op} (generic, allocates)`;
      case 'vjp': return `${a.op}.vjp[${a.input}] (generic, allocates)`;
      default: return c.kernel;
    }
  })();
  const lhs = c.writes.map(name).join(', ');
  const eq = c.acc ? '+=' : '=';
  return `${lhs} ${eq} ${what}(${c.reads.map(name).join(', ')})   ${c.cell}: ${c.steps.map(stepOps).join(' → ')}`;
}
