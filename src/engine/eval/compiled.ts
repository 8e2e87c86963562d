// A plan (plan.ts) compiled for repeated runs (issue 11): shape-specialised, flat lists of
// kernel calls (compiled-calls.ts) over buffers allocated once, one Float64Array per slot and
// per adjoint. Training runs it thousands of times; nothing is allocated per run except by
// the ops that have no in-place kernel (they fall back to their own forward and VJP).
//
// - Inputs are read in place: write new parameter values or batch rows into `input(slot)`
//   (or pass them to `run`, which checks their shapes first) between runs.
// - Backward computes only what a `wanted` slot needs: an input's adjoint is skipped when no
//   wanted slot lies upstream of it (∂L/∂X of a data cell is never computed in training).
// - Adjoints are written by the first contribution and added into by the rest (forks sum);
//   a pass-through adjoint (`a + b` for a of the output's shape, copies) shares its buffer,
//   and an elementwise adjoint of a single-use input is rewritten in place.
// - Fused: `relu(A @ B + b)` and `A @ B + b` in one matmul call with a bias/ReLU epilogue
//   (the sum and the pre-activation are never stored), cross_entropy keeps its softmax for
//   the backward pass ((p − y)·g/n, no recomputation).
// - The program is data: `calls()` / `describe()` list every call with its buffers and the
//   plan steps it implements.
//
// When to compile again: whenever the plan changes (a formula, a name, a cell added) or a
// slot's shape changes (a data set of another size). compilePlan is cheap: one generic
// forward to learn the shapes, then linear in the number of steps. `run` throws a PlanError
// saying so when an input it is given has another shape.
import type { Registry } from '../ops/define';
import { Matrix, type Value, normalize, shapeOf, shapeText } from '../tensor/value';
import { type BindEnv, type BufferInfo, type KernelCall, bindCall, describeCall } from './compiled-calls';
import { type PlainValue, type Plan, PlanError, createPlanRunner, fromPlainValue, upstreamSlots } from './plan';

export type { BufferInfo, KernelCall } from './compiled-calls';

export interface CompileOptions {
  /** The scalar loss slot backward starts from. */
  loss: number;
  /** Slots whose gradient is wanted (the parameters): backward computes only what they need. */
  wanted: readonly number[];
  /** Other slots whose values must be computed (hyperparameters, metrics); the loss's upstream always is. */
  keep?: readonly number[];
  /** The step count that step() / minibatch() read during the shape-learning forward pass. */
  step?: number;
  /** Input values for the shape-learning pass (the current parameters when compiling again mid-run); the plan's own otherwise. */
  inputs?: ReadonlyMap<number, Value>;
  /**
   * Data inputs (neither wanted nor given in `inputs`) are read in place from the plan's own
   * arrays instead of copied: a trainer over 8,000 MNIST digits holds them once, not twice.
   * Their buffers are then not writable through input()/setInput().
   */
  shareData?: boolean;
}

export interface CompiledProgram {
  readonly plan: Plan;
  readonly loss: number;
  readonly wanted: readonly number[];
  readonly buffers: readonly BufferInfo[];
  readonly forwardCalls: readonly KernelCall[];
  readonly backwardCalls: readonly KernelCall[];
  /** How many calls went through an op's allocating forward/VJP since compiling (0 for an MLP step). */
  readonly stats: { generic: number };
  /** The buffer of an input or constant slot, to overwrite in place between runs. */
  input(slot: number): Float64Array;
  /** Throws the PlanError setInput would (a value of another shape than compiled for). */
  checkInput(slot: number, v: Value): void;
  /** Copy a value into an input slot, checking its shape. */
  setInput(slot: number, v: Value): void;
  /** The slot's value buffer after forward; null for a slot the program does not compute (fused away, or not needed). */
  value(slot: number): Float64Array | null;
  /** ∂loss/∂slot for a wanted slot after backward (zeros where no gradient flows). */
  grad(slot: number): Float64Array;
  shape(slot: number): readonly [number, number];
  /** A buffer's contents by id (buffers[id]): what a step-through shows between calls. Read, never write. */
  buffer(id: number): Float64Array;
  /** Forward with these inputs copied in first (shapes checked before anything runs); returns the loss. */
  forward(inputs?: ReadonlyMap<number, Value>, step?: number): number;
  backward(): void;
  /** Forward then backward; returns the loss. */
  run(inputs?: ReadonlyMap<number, Value>, step?: number): number;
  /** One line per call, forward then backward. */
  describe(): string;
}

/** Compile `plan` for the loss and wanted slots (see the module comment for when to compile again). */
export function compilePlan(plan: Plan, registry: Registry, options: CompileOptions): CompiledProgram {
  const { loss, wanted } = options;
  const keep = options.keep ?? [];
  const nSlots = plan.slots.length;
  // Shapes (and starting values) from one generic forward pass.
  const runner = createPlanRunner(plan, registry);
  // Every input read from the plan without a copy (ops never write their arguments).
  const given = new Map<number, Value>();
  plan.slots.forEach((sl, i) => {
    if (sl.kind !== 'step') given.set(i, options.inputs?.get(i) ?? planValue(sl.value));
  });
  const values = runner.forward(given, options.step ?? 0);
  // Shapes made once per slot: shape() is also called on every run (checkInput).
  const shapes: ([number, number] | undefined)[] = new Array(nSlots);
  const shape = (s: number): [number, number] => (shapes[s] ??= shapeOf(values[s]) as [number, number]);
  const size = (s: number) => shape(s)[0] * shape(s)[1];
  if (values[loss] === undefined || size(loss) !== 1) {
    throw new PlanError(cellOf(plan, loss), 'GRAD', `the loss must be a scalar, it is ${values[loss] === undefined ? 'missing' : shapeText(values[loss])}`);
  }

  // Which steps run: the loss's upstream and the kept slots'.
  const live = upstreamSlots(plan, loss);
  for (const s of keep) for (const u of upstreamSlots(plan, s)) live.add(u);
  const steps = plan.steps.map((_, k) => k).filter((k) => live.has(plan.steps[k].out));
  const uses = new Int32Array(nSlots);
  for (const k of steps) for (const a of plan.steps[k].args) uses[a]++;
  for (const s of [loss, ...wanted, ...keep]) uses[s] += 1 << 20; // read from outside: never fused away or rewritten
  const lossUp = upstreamSlots(plan, loss);
  const fromWanted = new Uint8Array(nSlots);
  for (const w of wanted) fromWanted[w] = 1;
  for (const k of steps) {
    const st = plan.steps[k];
    if (st.args.some((a) => fromWanted[a])) fromWanted[st.out] = 1;
  }
  const isConst = (s: number) => plan.slots[s].kind === 'const';
  const needsGrad = (s: number) => fromWanted[s] === 1 && lossUp.has(s) && !isConst(s);

  // ---------- buffers ----------
  const buffers: BufferInfo[] = [];
  const bufs: Float64Array[] = [];
  const newBuffer = (name: string, role: BufferInfo['role'], slot: number, rows: number, cols: number): number => {
    const id = buffers.length;
    buffers.push({ id, name, role, slots: [slot], rows, cols });
    bufs.push(new Float64Array(rows * cols));
    return id;
  };
  const valueBuf = new Int32Array(nSlots).fill(-1);
  const fromPlan = new Set<number>(); // slots whose buffer is the plan's own array
  const shareable = (s: number): boolean => {
    const sl = plan.slots[s];
    return options.shareData === true && sl.kind === 'input' && sl.role !== 'param' && !wanted.includes(s) && !options.inputs?.has(s)
      && typeof sl.value !== 'number' && sl.value.data instanceof Float64Array && sl.value.data.length === size(s) && size(s) > 1;
  };
  const valueOf = (s: number): number => {
    if (valueBuf[s] < 0 && shareable(s)) {
      const [r, c] = shape(s);
      valueBuf[s] = buffers.length;
      buffers.push({ id: valueBuf[s], name: `v${s}`, role: 'value', slots: [s], rows: r, cols: c });
      bufs.push((plan.slots[s] as { value: { data: Float64Array } }).value.data);
      fromPlan.add(s);
    }
    if (valueBuf[s] < 0) {
      const [r, c] = shape(s);
      valueBuf[s] = newBuffer(`v${s}`, 'value', s, r, c);
      const v = values[s];
      if (typeof v === 'number') bufs[valueBuf[s]][0] = v;
      else bufs[valueBuf[s]].set(v.data);
    }
    return valueBuf[s];
  };
  const aliasValue = (s: number, to: number) => {
    valueBuf[s] = valueOf(to);
    buffers[valueBuf[s]].slots.push(s);
  };
  const stepOp = (k: number) => plan.steps[k].op;
  const opDef = (name: string) => registry.get(name)!;

  // ---------- forward ----------
  const forwardCalls: KernelCall[] = [];
  const fused = new Set<number>(); // steps folded into an earlier call
  const constNumber = (s: number): number | null => (isConst(s) && size(s) === 1 ? (values[s] as number) : null);
  const isMatrix = (s: number) => size(s) !== 1;
  /** One or two 1×1 operands and an op with a scalar function: the plan runner's scalar path, no allocation. */
  const scalarOp = (k: number): boolean => {
    const st = plan.steps[k];
    return opDef(st.op)?.scalar !== undefined && st.args.length >= 1 && st.args.length <= 2 && size(st.out) === 1 && st.args.every((x) => size(x) === 1);
  };
  const onlyUser = (s: number, k: number): number | null => {
    if (uses[s] !== 1) return null;
    for (const j of steps) if (j > k && plan.steps[j].args.includes(s)) return j;
    return null;
  };

  for (const k of steps) {
    if (fused.has(k)) continue;
    const st = plan.steps[k];
    const a = st.args, out = st.out, cell = st.cell;
    const emit = (kernel: KernelCall['kernel'], reads: number[], attrs: KernelCall['attrs'], writes = [valueOf(out)], from = [k]) =>
      forwardCalls.push({ kernel, writes, reads, acc: false, attrs, steps: from, cell });
    switch (st.op) {
      case 'copy':
      case 'same_shape':
        aliasValue(out, a[0]);
        continue;
      case 'matmul': {
        if (!isMatrix(a[0]) || !isMatrix(a[1])) break;
        const [m, kk] = shape(a[0]), n = shape(a[1])[1];
        // relu(A @ B + b) / A @ B + b: one call, the bias and ReLU applied as each row is finished.
        const addK = onlyUser(out, k);
        const add = addK === null ? null : plan.steps[addK];
        const bias = add && add.op === 'add' ? (add.args[0] === out ? add.args[1] : add.args[0]) : -1;
        if (add && bias >= 0 && bias !== out && shape(bias)[0] === 1 && shape(bias)[1] === n && shape(add.out)[0] === m) {
          const reluK = onlyUser(add.out, addK!);
          const relu = reluK !== null && plan.steps[reluK].op === 'relu' ? plan.steps[reluK] : null;
          const last = relu ?? add;
          const from = relu ? [k, addK!, reluK!] : [k, addK!];
          for (const f of from) fused.add(f);
          forwardCalls.push({ kernel: 'matmul', writes: [valueOf(last.out)], reads: [valueOf(a[0]), valueOf(a[1]), valueOf(bias)], acc: false, attrs: { m, k: kk, n, orient: 'nn', bias: true, relu: relu !== null }, steps: from, cell: last.cell });
          continue;
        }
        emit('matmul', [valueOf(a[0]), valueOf(a[1])], { m, k: kk, n, orient: 'nn' });
        continue;
      }
      case 'add': case 'sub': case 'mul': case 'div': {
        const [r, c] = shape(out);
        const [ar, ac] = shape(a[0]), [br, bc] = shape(a[1]);
        emit('binary', [valueOf(a[0]), valueOf(a[1])], { op: st.op, r, c, ors: c, ocs: 1, ...strides('a', ar, ac), ...strides('b', br, bc) });
        continue;
      }
      case 'neg': case 'relu': case 'exp': case 'log': case 'sqrt': case 'abs': case 'tanh': case 'sigmoid':
        emit('unary', [valueOf(a[0])], { f: st.op, n: size(out) });
        continue;
      case 'sum': case 'mean': {
        const axis = a.length > 1 ? constNumber(a[1]) : -1;
        if (axis !== -1 && axis !== 0 && axis !== 1) break;
        const [r, c] = shape(a[0]);
        const div = st.op === 'sum' ? 1 : axis === -1 ? r * c : axis === 0 ? r : c;
        emit('sum', [valueOf(a[0])], { r, c, axis, div });
        continue;
      }
      case 'transpose': {
        const [r, c] = shape(a[0]);
        emit('transpose', [valueOf(a[0])], { r, c });
        continue;
      }
      case 'softmax': {
        if (!isMatrix(a[0])) break;
        const [n, kk] = shape(a[0]);
        emit('softmax', [valueOf(a[0])], { n, k: kk });
        continue;
      }
      case 'cross_entropy': {
        const [n, kk] = shape(a[0]), [lr, lc] = shape(a[1]);
        if (!isMatrix(a[0]) || lr !== n || !(lc === 1 || lc === kk)) break; // other label shapes: the op's own message
        const p = newBuffer(`p${out}`, 'scratch', out, n, kk);
        emit('cross_entropy', [valueOf(a[0]), valueOf(a[1])], { n, k: kk, index: lc === 1 }, [valueOf(out), p]);
        continue;
      }
      case 'stack':
        emit('stack', a.map(valueOf), {});
        continue;
      case 'take':
      case 'scatter_rows': {
        // take(X, idx): n rows of X; scatter_rows(x, idx, like): x's rows added into zeros shaped like `like`.
        const [r, c] = st.op === 'take' ? shape(a[0]) : shape(out);
        emit(st.op, [valueOf(a[0]), valueOf(a[1])], { r, c, n: size(a[1]) });
        continue;
      }
      case 'minibatch':
        if (a.length !== 3 || a.some((x) => size(x) !== 1)) break;
        emit('minibatch', a.map(valueOf), {});
        continue;
      case 'step':
        emit('step', [], {});
        continue;
    }
    if (scalarOp(k)) emit('scalar', a.map(valueOf), { op: st.op });
    else emit('op', a.map(valueOf), { op: st.op });
  }
  for (const s of [loss, ...keep, ...wanted]) valueOf(s);

  // ---------- backward ----------
  const backwardCalls: KernelCall[] = [];
  const gradBuf = new Int32Array(nSlots).fill(-1);
  const written = new Uint8Array(nSlots);
  const pinned = new Set<number>(); // buffers read after backward (wanted adjoints, the loss seed): never rewritten in place
  const gradOf = (s: number): number => {
    if (gradBuf[s] < 0) {
      const [r, c] = shape(s);
      gradBuf[s] = newBuffer(`g${s}`, 'grad', s, r, c);
      if (wanted.includes(s)) pinned.add(gradBuf[s]);
    }
    return gradBuf[s];
  };
  let shared = false;
  const share = (s: number, from: number) => {
    shared = true;
    gradBuf[s] = gradBuf[from];
    buffers[gradBuf[s]].slots.push(s);
    buffers[gradBuf[s]].name += `=g${s}`;
    if (wanted.includes(s)) pinned.add(gradBuf[s]);
    written[s] = 1;
  };
  gradOf(loss);
  bufs[gradBuf[loss]][0] = 1;
  pinned.add(gradBuf[loss]);
  written[loss] = 1;

  for (let i = steps.length - 1; i >= 0; i--) {
    const k = steps[i];
    const st = plan.steps[k];
    const out = st.out, a = st.args, cell = st.cell;
    if (!written[out] || !needsGrad(out)) continue;
    const g = gradBuf[out];
    // At most one input per step takes over g's buffer, so a shared buffer has one pending owner.
    shared = false;
    const single = (s: number) => !shared && uses[s] === 1 && !written[s];
    const sameShape = (s: number) => shape(s)[0] === shape(out)[0] && shape(s)[1] === shape(out)[1];
    const emit = (j: number, kernel: KernelCall['kernel'], reads: number[], attrs: KernelCall['attrs']) => {
      const s = a[j];
      const acc = written[s] === 1;
      backwardCalls.push({ kernel, writes: [gradOf(s)], reads, acc, attrs, steps: [k], cell });
      written[s] = 1;
    };
    const generic = (j: number) => emit(j, 'vjp', [g, ...a.map((x) => (valueBuf[x] >= 0 ? valueBuf[x] : valueOf(x))), valueOf(out)], { op: st.op, input: j });
    /** sum_to(g ∘ other, a[j]) as a strided binary call (other = -1: g alone, negated for `neg`). */
    const reduceInto = (j: number, op: string, other: number) => {
      const [r, c] = shape(out), [xr, xc] = shape(a[j]);
      const o = strides('o', xr, xc);
      const gs = strides('a', r, c);
      const bs = other >= 0 ? strides('b', ...shape(other)) : { brs: 0, bcs: 0 };
      emit(j, 'binary', other >= 0 ? [g, valueOf(other)] : [g], { op, r, c, ors: o.ors, ocs: o.ocs, ars: gs.ars, acs: gs.acs, ...bs });
    };
    for (let j = 0; j < a.length; j++) {
      const s = a[j];
      if (!needsGrad(s)) continue;
      const op = st.op;
      if (op === 'copy' || op === 'same_shape') {
        if (j !== 0) continue;
        if (single(s)) share(s, out);
        else reduceInto(j, 'copy', -1);
      } else if (op === 'add' || (op === 'sub' && j === 0)) {
        if (single(s) && sameShape(s)) share(s, out);
        else reduceInto(j, 'copy', -1);
      } else if (op === 'sub') reduceInto(j, 'neg', -1);
      else if (op === 'mul') reduceInto(j, 'mul', a[1 - j]);
      else if (op === 'div' && j === 0) reduceInto(j, 'div', a[1]);
      else if (op === 'matmul' && isMatrix(a[0]) && isMatrix(a[1])) {
        const [m, kk] = shape(a[0]), n = shape(a[1])[1];
        if (j === 0) emit(j, 'matmul', [g, valueOf(a[1])], { m, k: n, n: kk, orient: 'nt' }); // g @ bᵀ
        else emit(j, 'matmul', [valueOf(a[0]), g], { m: kk, k: m, n, orient: 'tn' }); // aᵀ @ g
      } else if (['neg', 'relu', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid'].includes(op)) {
        // relu reads only its output: its input may have been fused away.
        const x = op === 'relu' ? valueOf(out) : valueOf(s);
        if (single(s) && !pinned.has(g)) share(s, out); // rewritten in place: g is read element by element first
        backwardCalls.push({ kernel: 'unary_back', writes: [gradOf(s)], reads: [g, x, valueOf(out)], acc: written[s] === 1 && gradBuf[s] !== g, attrs: { f: op, n: size(out) }, steps: [k], cell });
        written[s] = 1;
      } else if ((op === 'sum' || op === 'mean') && j === 0 && forwardKernel(forwardCalls, k) === 'sum') {
        const [r, c] = shape(s), [gr, gc] = shape(out);
        const scale = op === 'sum' ? 1 : 1 / (size(s) / size(out));
        emit(j, 'spread', [g], { r, c, grs: gr === 1 ? 0 : gc, gcs: gc === 1 ? 0 : 1, scale });
      } else if (op === 'transpose') {
        const [r, c] = shape(out);
        emit(j, 'transpose', [g], { r, c });
      } else if (op === 'softmax' && forwardKernel(forwardCalls, k) === 'softmax') {
        const [n, kk] = shape(out);
        if (single(s) && !pinned.has(g)) share(s, out);
        backwardCalls.push({ kernel: 'softmax_back', writes: [gradOf(s)], reads: [g, valueOf(out)], acc: written[s] === 1 && gradBuf[s] !== g, attrs: { n, k: kk }, steps: [k], cell });
        written[s] = 1;
      } else if (op === 'cross_entropy' && j === 0 && forwardKernel(forwardCalls, k) === 'cross_entropy') {
        const call = forwardCalls.find((c) => c.steps[0] === k)!;
        emit(j, 'cross_entropy_back', [g, call.writes[1], valueOf(a[1])], { n: Number(call.attrs.n), k: Number(call.attrs.k), index: call.attrs.index });
      } else if (op === 'stack') emit(j, 'pick', [g], { index: j });
      else if (op === 'take' && j === 0) emit(j, 'scatter_rows', [g, valueOf(a[1])], { r: shape(s)[0], c: shape(s)[1], n: size(a[1]) });
      else if (op === 'scatter_rows' && j === 0) emit(j, 'take', [g, valueOf(a[1])], { r: shape(out)[0], c: shape(out)[1], n: size(a[1]) });
      else if (scalarOp(k) && opDef(op).scalarVjp?.[j]) emit(j, 'scalar_vjp', [g, ...a.map(valueOf), valueOf(out)], { op, input: j });
      else {
        const vjp = opDef(op)?.vjp?.[j];
        if (vjp) generic(j);
      }
    }
  }
  for (const w of wanted) gradOf(w);
  fuseBackward(backwardCalls);

  // ---------- binding ----------
  const stats = { generic: 0 };
  const env: BindEnv = { bufs, info: buffers, ops: opDef, ctx: { meta: {}, step: 0 }, stats };
  const fwd = forwardCalls.map((c) => bindCall(c, env));
  const bwd = backwardCalls.map((c) => bindCall(c, env));
  const inputSlot = (s: number) => plan.slots[s].kind !== 'step';

  function checkInput(slot: number, v: Value): void {
    const [er, ec] = shape(slot);
    const r = typeof v === 'number' ? 1 : v.rows, c = typeof v === 'number' ? 1 : v.cols;
    if (r !== er || c !== ec) {
      throw new PlanError(cellOf(plan, slot), 'SHAPE', `is ${r}×${c}, the compiled plan was made for ${er}×${ec}: compile the plan again`);
    }
  }

  function setInput(slot: number, v: Value): void {
    if (!inputSlot(slot) || valueBuf[slot] < 0 || fromPlan.has(slot)) throw new Error(`slot ${slot} is not a writable input of this compiled plan`);
    checkInput(slot, v);
    const buf = bufs[valueBuf[slot]];
    if (typeof v === 'number') buf[0] = v;
    else buf.set(v.data);
  }

  function forward(inputs?: ReadonlyMap<number, Value>, step = 0): number {
    if (inputs) {
      // Every shape first, so a mismatch leaves the buffers as they were.
      for (const [s, v] of inputs) checkInput(s, v);
      for (const [s, v] of inputs) setInput(s, v);
    }
    env.ctx.step = step;
    for (let i = 0; i < fwd.length; i++) fwd[i]();
    return bufs[valueBuf[loss]][0];
  }

  function backward(): void {
    for (let i = 0; i < bwd.length; i++) bwd[i]();
  }

  return {
    plan, loss, wanted, buffers, forwardCalls, backwardCalls, stats,
    input(slot) {
      if (!inputSlot(slot) || valueBuf[slot] < 0 || fromPlan.has(slot)) throw new Error(`slot ${slot} is not a writable input of this compiled plan`);
      return bufs[valueBuf[slot]];
    },
    setInput,
    checkInput,
    value: (slot) => (valueBuf[slot] >= 0 ? bufs[valueBuf[slot]] : null),
    grad(slot) {
      if (gradBuf[slot] < 0) throw new Error(`slot ${slot} is not a wanted slot of this compiled plan`);
      return bufs[gradBuf[slot]];
    },
    shape: (slot) => shape(slot),
    buffer: (id) => bufs[id],
    forward,
    backward,
    run(inputs, step) {
      const l = forward(inputs, step);
      backward();
      return l;
    },
    describe() {
      const line = (c: KernelCall) => describeCall(c, buffers, stepOp);
      return ['forward:', ...forwardCalls.map(line), 'backward:', ...backwardCalls.map(line)].join('\n');
    },
  };
}

/** A plan's value as a Value over the same array (no copy): for reading only. */
function planValue(v: PlainValue): Value {
  if (typeof v === 'number') return v;
  return v.data instanceof Float64Array ? normalize(new Matrix(v.rows, v.cols, v.data)) : fromPlainValue(v);
}

const touches = (c: KernelCall, buf: number) => c.writes.includes(buf) || c.reads.includes(buf);

/**
 * Fold into a matrix product the in-place ReLU adjoint of what it wrote and then the column
 * sums of that (a broadcast bias's adjoint): δ = (g·Wᵀ) ⊙ [y > 0] and Σ_rows δ in the product's
 * own sweep. Calls in between must not touch the buffers involved (so moving them up is exact).
 */
function fuseBackward(calls: KernelCall[]): void {
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    if (c.kernel !== 'matmul' || c.acc || c.reads.length !== 2) continue;
    const B = c.writes[0], m = Number(c.attrs.m), n = Number(c.attrs.n);
    const nextTouching = (from: number, buf: number) => {
      for (let j = from; j < calls.length; j++) if (touches(calls[j], buf)) return j;
      return -1;
    };
    let t = nextTouching(i + 1, B);
    const r = t >= 0 ? calls[t] : null;
    if (r && r.kernel === 'unary_back' && r.attrs.f === 'relu' && !r.acc && r.writes[0] === B && r.reads[0] === B) {
      c.attrs.mask = true;
      c.reads.push(r.reads[2]);
      c.steps.push(...r.steps);
      calls.splice(t, 1);
      t = nextTouching(i + 1, B);
    }
    const s = t >= 0 ? calls[t] : null;
    const colsum = s && s.kernel === 'binary' && s.attrs.op === 'copy' && s.reads.length === 1 && s.writes[0] !== B
      && s.attrs.ors === 0 && s.attrs.ocs === 1 && s.attrs.r === m && s.attrs.c === n && s.attrs.ars === n && s.attrs.acs === 1;
    if (colsum && !calls.slice(i + 1, t).some((x) => touches(x, s.writes[0]))) {
      c.attrs.colsum = true;
      c.attrs.colsumAcc = s.acc;
      c.writes.push(s.writes[0]);
      c.steps.push(...s.steps);
      calls.splice(t, 1);
    }
  }
}

/** Strides of an r×c operand in the broadcast index space (0 along an axis of length 1). */
function strides<P extends string>(p: P, r: number, c: number): Record<`${P}rs` | `${P}cs`, number> {
  return { [`${p}rs`]: r === 1 ? 0 : c, [`${p}cs`]: c === 1 ? 0 : 1 } as Record<`${P}rs` | `${P}cs`, number>;
}

function forwardKernel(calls: readonly KernelCall[], step: number): string | undefined {
  return calls.find((c) => c.steps.includes(step))?.kernel;
}

function cellOf(plan: Plan, slot: number): string {
  const s = plan.slots[slot];
  return s && s.kind !== 'const' ? s.cell : '?';
}
