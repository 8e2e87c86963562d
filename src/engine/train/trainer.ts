// The training loop over a plan (eval/plan.ts), never the reactive scheduler: the sheet is
// linked once into plain data, and each step is (SPEC §4)
//   (1) cells that read step() take this step's value (forward is given the count),
//   (2) forward, (3) every optimizer's gradients, before any parameter changes,
//   (4) every optimizer updates its parameters, (5) step() grows by 1.
// TrainProgram is the seam between the loop and what runs the plan: the compiled plan
// (eval/compiled-train.ts: buffers allocated once, fused WASM kernels) whenever it compiles,
// else the plan runner (allocating per step), with the reason kept on the trainer. The
// optimizers' arithmetic stays here, over arrays kept between steps: a step allocates nothing
// but its losses array once hyperparameters are steady.
import type { Engine } from '../engine';
import { compiledTrainProgram } from '../eval/compiled-train';
import { inplaceKernels } from '../tensor/inplace';
import { type PlainValue, type Plan, type PlanOptimizer, PlanError, createPlanRunner, fromPlainValue, upstreamSlots } from '../eval/plan';
import type { Registry } from '../ops/define';
import { OPTIMIZERS, type OptimizerRule, readHyper } from '../ops/training';
import { Matrix, OpError, type Value, normalize, shapeText } from '../tensor/value';
import { CURVE_POINTS, type OptimizerState, type TrainState, cloneTrainState } from './state';

/** What one training step needs from a compiled sheet. */
export interface TrainProgram {
  readonly plan: Plan;
  /** Run the forward pass with these parameter values (by param slot) at step count `step`. */
  forward(params: ReadonlyMap<number, Value>, step: number): void;
  /** A slot's value after forward (losses, hyperparameters). */
  value(slot: number): Value;
  /** ∂loss/∂slot for each of `slots` after forward (undefined where no gradient flows). */
  grad(loss: number, slots: readonly number[]): (Value | undefined)[];
  /** A compiled program's calls that went through an op's allocating forward or VJP (absent for the plan runner). */
  readonly stats?: { readonly generic: number };
  /** A compiled program's calls, one line each. */
  describe?(): string;
}

/** The plan runner as a TrainProgram: every input converted once, ops from the registry. */
export function planProgram(plan: Plan, registry: Registry): TrainProgram {
  const runner = createPlanRunner(plan, registry);
  const inputs = new Map<number, Value>();
  plan.slots.forEach((s, i) => {
    if (s.kind !== 'step') inputs.set(i, fromPlainValue(s.value));
  });
  let values: Value[] = [];
  return {
    plan,
    forward(params, step) {
      for (const [slot, v] of params) inputs.set(slot, v);
      values = runner.forward(inputs, step);
    },
    value: (slot) => values[slot],
    grad(loss, slots) {
      const { adj } = runner.backward(values, loss);
      return slots.map((s) => adj[s]);
    },
  };
}

export interface TrainParam {
  at: string;
  slot: number;
  /** The current value, updated in place by the optimizer. */
  w: Matrix;
}

interface BoundOptimizer extends PlanOptimizer {
  rule: OptimizerRule;
  label: string;
  /** Indices into params. */
  params: number[];
  /** The hyperparameters last read (raw values) and checked (h), and per parameter the state arrays h uses: redone only when a value changes. */
  raw: Value[];
  h: number[] | null;
  arrays: Float64Array[][];
}

/** What runs the plan: the compiled plan, or the plan runner when compiling failed (reason says why). */
export interface TrainEngine {
  kind: 'compiled' | 'plan';
  reason: string | null;
  /** How many times the plan was compiled (again when a shape changed mid-run). */
  compiles: number;
  /** The compiled plan's kernels: WebAssembly SIMD, or plain JS where it is unavailable. */
  kernels: 'wasm' | 'js';
}

export type StepResult = { ok: true; losses: number[] } | { ok: false; error: string };

export interface Trainer {
  readonly program: TrainProgram;
  /** Which program runs the steps, and why not the compiled one when it is the plan runner. */
  readonly engine: TrainEngine;
  readonly params: readonly TrainParam[];
  readonly optimizers: readonly { cell: string; op: string; lossCell: string; label: string }[];
  readonly state: TrainState;
  /** One training step; on failure nothing of the step is applied. */
  step(): StepResult;
  /** Write the parameters and the training state into the engine (its cells recompute). */
  sync(engine: Engine): void;
}

/** Link the engine's sheet for training; a message when it cannot train (no optimizer, an optimizer in error, …). */
export function createTrainer(
  engine: Engine,
  registry: Registry = engine.registry,
  options: { program?: 'compiled' | 'plan' } = {},
): { ok: true; trainer: Trainer } | { ok: false; error: string } {
  const opCells = engine.optimizerCells();
  if (!opCells.length) return { ok: false, error: 'the sheet has no optimizer: add a cell sgd(L, lr) or adam(L, lr) over a scalar loss L' };
  for (const at of opCells) {
    const v = engine.get(at, { loss: null })!;
    if (v.error) return { ok: false, error: `${label(engine, at)}: #${v.error.kind}: ${v.error.message}` };
  }
  let plan: Plan;
  try {
    plan = engine.plan({ optimizers: opCells, freeze: true });
  } catch (e) {
    return { ok: false, error: `cannot link the sheet for training: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (plan.optimizers.length !== opCells.length) {
    const missing = opCells.filter((at) => !plan.optimizers.some((o) => o.cell === at));
    const why = plan.omitted.map((o) => `${o.at}: ${o.reason}`).slice(0, 3).join('; ');
    return { ok: false, error: `${missing.join(', ')}: cannot be trained (${why || 'its loss is left out'})` };
  }
  // Cells with stored values under other formulas (imported data) are inputs, never trained.
  const trainable = new Set(engine.parameterCells());
  const paramIndex = new Map<number, number>();
  const params: TrainParam[] = plan.params.filter((slot) => trainable.has((plan.slots[slot] as { cell: string }).cell)).map((slot, i) => {
    paramIndex.set(slot, i);
    const s = plan.slots[slot] as { cell: string };
    const v = fromPlainValue((plan.slots[slot] as { value: PlainValue }).value);
    return { at: s.cell, slot, w: typeof v === 'number' ? new Matrix(1, 1, Float64Array.of(v)) : new Matrix(v.rows, v.cols, v.data.slice()) };
  });
  const optimizers: BoundOptimizer[] = plan.optimizers.map((o) => {
    const up = upstreamSlots(plan, o.loss);
    return { ...o, rule: OPTIMIZERS[o.op], label: label(engine, o.lossCell), params: params.filter((p) => up.has(p.slot)).map((p) => paramIndex.get(p.slot)!), raw: [], h: null, arrays: [] };
  });
  const state = cloneTrainState(engine.trainState());
  for (const o of optimizers) {
    const prev = state.optimizers.get(o.cell);
    // A saved state of another optimizer kind (the formula changed from sgd to adam) starts over.
    if (!prev || prev.op !== o.op) state.optimizers.set(o.cell, { op: o.op, steps: 0, state: new Map() });
  }
  for (const at of [...state.optimizers.keys()]) if (!opCells.includes(at)) state.optimizers.delete(at);
  const paramValues = new Map<number, Value>(params.map((p) => [p.slot, p.w]));
  const slotsOf = optimizers.map((o) => o.params.map((i) => params[i].slot));
  const losses = plan.optimizers.map((o) => o.loss);
  const keep = plan.optimizers.flatMap((o) => o.hyper);
  const trainEngine: TrainEngine = { kind: 'compiled', reason: null, compiles: 0, kernels: inplaceKernels() };
  /** The compiled plan (learning shapes at `at`), or the plan runner with the reason it could not compile. */
  const link = (at: { inputs?: ReadonlyMap<number, Value>; step?: number }): TrainProgram => {
    if (options.program === 'plan') {
      trainEngine.kind = 'plan';
      trainEngine.reason = 'the plan runner was asked for';
      return planProgram(plan, registry);
    }
    try {
      const p = compiledTrainProgram(plan, registry, losses, keep, { ...at, trained: params.map((q) => q.slot) });
      trainEngine.compiles++;
      trainEngine.kind = 'compiled';
      trainEngine.reason = null;
      return p;
    } catch (e) {
      trainEngine.kind = 'plan';
      trainEngine.reason = `the plan did not compile (${e instanceof Error ? e.message : String(e)}); the plan runner trains instead`;
      return planProgram(plan, registry);
    }
  };
  let program = link({ inputs: paramValues, step: state.step });
  // Gradient arrays for parameters no gradient reaches (zeros, never written) and for 1×1 parameters.
  const zeros = params.map((p) => new Float64Array(p.w.data.length));
  const ones = params.map(() => new Float64Array(1));
  const grads: (Value | undefined)[][] = [];

  /** Forward at step s; a compiled plan whose shapes changed is compiled again (once) and run again. */
  function forward(s: number): string | null {
    for (let attempt = 0; ; attempt++) {
      try {
        program.forward(paramValues, s);
        return null;
      } catch (e) {
        if (attempt === 0 && trainEngine.kind === 'compiled' && e instanceof PlanError && e.kind === 'SHAPE') {
          program = link({ inputs: paramValues, step: s });
          continue;
        }
        return `step ${s}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }

  /** The optimizer's hyperparameters at this step, checked; re-read only when a value changed. */
  function hyperOf(o: BoundOptimizer, os: OptimizerState): number[] {
    let same = o.h !== null && o.raw.length === o.hyper.length;
    for (let i = 0; i < o.hyper.length; i++) {
      const v = program.value(o.hyper[i]);
      if (!(typeof v === 'number' && o.raw[i] === v)) same = false;
      o.raw[i] = v;
    }
    if (same) return o.h!;
    o.h = null;
    const h = readHyper(o.op, o.raw);
    const names = o.rule.uses(h);
    o.arrays = o.params.map((pi) => names.map((n) => slot(os, params[pi], n)));
    return (o.h = h);
  }

  function step(): StepResult {
    const s = state.step;
    const failed = forward(s);
    if (failed !== null) return { ok: false, error: failed };
    const out: number[] = new Array(optimizers.length);
    const hypers: number[][] = new Array(optimizers.length);
    for (let k = 0; k < optimizers.length; k++) {
      const o = optimizers[k];
      const L = program.value(o.loss);
      const x = typeof L === 'number' ? L : L.rows * L.cols === 1 ? L.data[0] : NaN;
      if (typeof L !== 'number' && L.rows * L.cols !== 1) return { ok: false, error: `step ${s}: the loss ${o.label} must be a scalar, it is ${shapeText(L)}` };
      if (!Number.isFinite(x)) return { ok: false, error: `step ${s}: the loss ${o.label} of ${o.cell} is ${x}; stopped, the parameters are those after step ${s}` };
      out[k] = x;
      try {
        hypers[k] = hyperOf(o, state.optimizers.get(o.cell)!);
      } catch (e) {
        return { ok: false, error: `step ${s}: ${o.cell}: ${e instanceof OpError ? e.message : String(e)}` };
      }
    }
    // (3) every gradient before any parameter changes (a compiled program keeps one gradient
    // buffer per optimizer's loss, so reading them all first is exact)
    for (let k = 0; k < optimizers.length; k++) grads[k] = program.grad(optimizers[k].loss, slotsOf[k]);
    // (4) the updates
    for (let k = 0; k < optimizers.length; k++) {
      const o = optimizers[k];
      const os = state.optimizers.get(o.cell)!;
      const t = os.steps + 1;
      for (let j = 0; j < o.params.length; j++) {
        const pi = o.params[j];
        o.rule.update(params[pi].w.data, flat(grads[k][j], zeros[pi], ones[pi]), o.arrays[j], hypers[k], t);
      }
      os.steps = t;
      record(state, o.cell, s, out[k]);
    }
    // (5)
    state.step = s + 1;
    return { ok: true, losses: out };
  }

  function sync(target: Engine): void {
    target.batch(() => {
      for (const p of params) target.setParameter(p.at, normalize(new Matrix(p.w.rows, p.w.cols, p.w.data.slice())));
      target.setTrainState(cloneTrainState(state));
    });
  }

  return {
    ok: true,
    trainer: {
      get program() {
        return program;
      },
      engine: trainEngine,
      params,
      optimizers: optimizers.map((o) => ({ cell: o.cell, op: o.op, lossCell: o.lossCell, label: o.label })),
      state,
      step,
      sync,
    },
  };
}

function label(engine: Engine, at: string): string {
  const name = engine.get(at, { loss: null })?.name;
  return name ? `${name} (${at})` : at;
}

/** A gradient as a flat array the parameter's size: `zeros` where no gradient flows, `one` holding a scalar gradient. */
function flat(g: Value | undefined, zeros: Float64Array, one: Float64Array): Float64Array {
  if (g === undefined) return zeros;
  if (typeof g === 'number') {
    one[0] = g;
    return one;
  }
  if (g.data.length !== zeros.length) throw new Error(`gradient ${shapeText(g)} does not match the parameter's ${zeros.length} entries`);
  return g.data;
}

/** The optimizer's state array `name` for parameter p (zeros the first time; refitted if the shape changed). */
function slot(os: OptimizerState, p: TrainParam, name: string): Float64Array {
  let arrays = os.state.get(p.at);
  if (!arrays) os.state.set(p.at, (arrays = new Map()));
  let m = arrays.get(name);
  if (!m || m.rows !== p.w.rows || m.cols !== p.w.cols) arrays.set(name, (m = new Matrix(p.w.rows, p.w.cols, new Float64Array(p.w.data.length))));
  return m.data;
}

/** Append (step, loss) to the optimizer's curve, keeping at most CURVE_POINTS (every other point dropped when full). */
function record(state: TrainState, at: string, step: number, loss: number): void {
  let c = state.curve.get(at);
  if (!c) state.curve.set(at, (c = []));
  const stride = c.length > 1 ? c[1][0] - c[0][0] : 1;
  if (c.length && step % stride !== 0) return;
  c.push([step, loss]);
  if (c.length >= CURVE_POINTS) {
    const keep = c.filter((p) => p[0] % (2 * stride) === 0);
    c.length = 0;
    c.push(...keep);
  }
}
