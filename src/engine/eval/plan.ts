// The plan: the sheet's computation as one piece of plain data. Every cell's compiled formula
// is linked into a single list of steps over numbered value slots; a step names its op by its
// registry name and records where it came from (the cell, and the composite op such as `mse`
// it was expanded from). Inputs (numbers, data, parameters) and literals are slots with their
// values. Nothing in a plan is a function or a class instance: it survives structuredClone
// (and planToJson / planFromJson), so a Worker can receive it and run it thousands of times
// without the reactive scheduler. Training, the explain views and export all read this form.
//
// This module builds plans from a PlanSource (whatever holds the cells: the engine) and runs
// them: forward fills every slot, backward applies each op's VJP from the last step to the
// first, *adding* into the inputs' adjoints (forks sum), and can return the trace of every
// step — the gradient that flowed in and what was added into each input.
import type { OpDef, Registry } from '../ops/define';
import { addValues, filled } from '../tensor/kernels';
import { Matrix, OpError, type Value, normalize, shapeOf, shapeText, toScalar } from '../tensor/value';
import type { Instr, Program } from './program';

/** A value as plain data: a number, or a row-major matrix. */
export type PlainValue = number | { rows: number; cols: number; data: Float64Array | number[] };

/**
 * Where a slot's value comes from:
 * - `const`: a literal inside a formula (no gradient is wanted for it);
 * - `input`: a cell the plan takes as given: a parameter, a cell computed from constants
 *   only (a number, a matrix, a data set), or a cell the plan does not run (one that calls
 *   grad or numgrad, or every cell that does not depend on a parameter when frozen);
 * - `step`: written by the step at index `step`.
 */
export type PlanSlot =
  | { kind: 'const'; value: PlainValue }
  | { kind: 'input'; cell: string; role: InputRole; value: PlainValue }
  | { kind: 'step'; cell: string; step: number };

/** `param`: trained weights; `leaf`: a formula over constants only; `frozen`: computed outside the plan. */
export type InputRole = 'param' | 'leaf' | 'frozen';

export interface PlanStep {
  /** A registry op name, or `stack` (scalars into a rows×cols matrix: literals and ranges) or `copy`. */
  op: string;
  args: number[];
  out: number;
  /** The cell whose formula this step belongs to. */
  cell: string;
  /** The composite op this step was expanded from (`mse`), or null. */
  via: string | null;
  /** For `stack`: the shape. */
  rows?: number;
  cols?: number;
}

export interface PlanCell {
  at: string;
  name: string | null;
  /** The slot holding the cell's value. */
  slot: number;
}

/**
 * An optimizer cell (sgd, adam) of a training plan: its loss slot and the slots of its
 * hyperparameters (this step's values: a schedule over step() is a step like any other).
 */
export interface PlanOptimizer {
  cell: string;
  op: string;
  /** The loss cell's address and slot. */
  lossCell: string;
  loss: number;
  hyper: number[];
}

export interface Plan {
  kind: 'gradsheet-plan';
  version: 1;
  slots: PlanSlot[];
  steps: PlanStep[];
  /** The cells the plan computes or reads, in topological order (each after the cells it reads). */
  cells: PlanCell[];
  /** Slots of parameters, of the other inputs (data), and of the losses the plan was built for. */
  params: number[];
  data: number[];
  losses: number[];
  /** Cells left out, and why (an error, or a cycle). */
  omitted: { at: string; reason: string }[];
  /** The optimizers asked for (PlanOptions.optimizers), in the order asked. */
  optimizers: PlanOptimizer[];
  /** True when some step reads the step count (step(), minibatch()): forward must be given it. */
  volatile: boolean;
}

/** One step of a reverse pass: the gradient that flowed into its output and what it added into each input. */
export interface TraceEntry {
  step: number;
  g: Value;
  /** Aligned with the step's args; null where nothing flows (a literal, a label, a size). */
  added: (Value | null)[];
}

/** What a plan is built from: the cells, read through plain accessors (the engine supplies them). */
export interface PlanSource {
  /** Number of cell ids. */
  size: number;
  at(id: number): string;
  name(id: number): string | null;
  /** The cells a cell's formula reads. */
  deps(id: number): readonly number[];
  /** The cell's value, or null when it has an error or is empty. */
  value(id: number): Value | null;
  /** Why the cell has no value (its error message), for `omitted`. */
  problem(id: number): string;
  /** A stored parameter value (trained weights), or null. */
  param(id: number): Value | null;
  /** The compiled formula and the cell ids behind its links, or null. */
  program(id: number): { program: Program; links: readonly number[] } | null;
  /** Cell ids in topological order (deps first) of `ids` and their upstream cells, plus those on or behind a cycle. */
  order(ids: readonly number[] | null): { order: number[]; leftover: number[] };
}

export interface PlanOptions {
  /** Build only what these cells need (their upstream); all cells when absent. */
  losses?: readonly number[];
  /**
   * Take every cell that does not depend on a parameter as a given input (training), except
   * cells that read the step count (step(), minibatch(), and what depends on them).
   */
  freeze?: boolean;
  /** Optimizer cells (sgd, adam) to link: their hyperparameters become steps, the optimizer a PlanOptimizer. */
  optimizers?: readonly number[];
  /**
   * Only the `losses` cells' own formulas as steps, the cells they read as given inputs: a
   * plan of a few cells whatever the size of the sheet (the breakdown of one cell's gradient).
   */
  shallow?: boolean;
}

export function toPlainValue(v: Value): PlainValue {
  return typeof v === 'number' ? v : { rows: v.rows, cols: v.cols, data: v.data.slice() };
}

export function fromPlainValue(v: PlainValue): Value {
  if (typeof v === 'number') return v;
  return normalize(new Matrix(v.rows, v.cols, v.data instanceof Float64Array ? v.data.slice() : Float64Array.from(v.data)));
}

/** Link the cells' compiled formulas into one plan. */
export function buildPlan(src: PlanSource, options: PlanOptions = {}): Plan {
  const slots: PlanSlot[] = [];
  const steps: PlanStep[] = [];
  const cells: PlanCell[] = [];
  const params: number[] = [];
  const data: number[] = [];
  const omitted: Plan['omitted'] = [];
  const slotOf = new Map<number, number>();
  const dependsOnParam = new Set<number>();
  const dependsOnStep = new Set<number>();
  const optimizerIds = new Set(options.optimizers ?? []);
  const optimizers: PlanOptimizer[] = [];
  let volatile = false;

  const newSlot = (s: PlanSlot): number => slots.push(s) - 1;
  const addStep = (st: Omit<PlanStep, 'out'>): number => {
    const out = newSlot({ kind: 'step', cell: st.cell, step: steps.length });
    steps.push({ ...st, out });
    return out;
  };
  const input = (id: number, role: InputRole, v: Value): number => {
    const s = newSlot({ kind: 'input', cell: src.at(id), role, value: toPlainValue(v) });
    (role === 'param' ? params : data).push(s);
    return s;
  };

  const seeds = options.optimizers ? [...(options.losses ?? []), ...options.optimizers] : options.losses;
  const { order, leftover } =
    options.shallow && seeds ? { order: [...new Set([...seeds.flatMap((l) => src.deps(l)), ...seeds])], leftover: [] } : src.order(seeds ?? null);
  const shallowInput = (id: number) => options.shallow === true && !seeds!.includes(id);
  for (const id of leftover) omitted.push({ at: src.at(id), reason: 'on or behind a circular reference' });
  // First how each cell enters the plan, in topological order (a cell's class depends on its deps').
  const kind = new Map<number, InputRole | 'steps' | 'omitted' | 'optimizer'>();
  for (const id of order) {
    const compiled = src.program(id);
    if (src.param(id) !== null) {
      kind.set(id, 'param');
      dependsOnParam.add(id);
    } else if (optimizerIds.has(id) && compiled) kind.set(id, 'optimizer');
    else if (src.value(id) === null || !compiled) kind.set(id, 'omitted');
    else if (shallowInput(id)) kind.set(id, 'frozen');
    else {
      const deps = src.deps(id);
      const fromParam = deps.some((d) => dependsOnParam.has(d));
      if (fromParam) dependsOnParam.add(id);
      const instrs = compiled.program.instrs;
      const fromStep = deps.some((d) => dependsOnStep.has(d)) || instrs.some((it) => it.t === 'op' && it.op!.volatile === true);
      if (fromStep) dependsOnStep.add(id);
      const engineOnly = instrs.some((it) => it.t === 'grad' || it.t === 'numgrad' || it.t === 'optimize');
      kind.set(id, deps.length === 0 && !fromStep ? 'leaf' : engineOnly || (options.freeze && !fromParam && !fromStep) ? 'frozen' : 'steps');
    }
  }
  // Then only what the losses need: an input's own upstream is not part of the plan.
  const needed = new Set<number>(seeds ?? order);
  for (let k = order.length - 1; k >= 0; k--) {
    const id = order[k];
    const how = kind.get(id);
    if (needed.has(id) && (how === 'steps' || how === 'optimizer')) for (const d of src.deps(id)) needed.add(d);
  }
  for (const id of order) {
    if (!needed.has(id)) continue;
    const at = src.at(id);
    const k = kind.get(id)!;
    if (k === 'omitted') {
      omitted.push({ at, reason: src.problem(id) });
      continue;
    }
    if (k === 'optimizer') {
      linkCell(id, at, src.program(id)!.program.instrs, src.program(id)!.links);
      continue;
    }
    if (k === 'steps') {
      const compiled = src.program(id)!;
      const out = linkCell(id, at, compiled.program.instrs, compiled.links);
      if (out === null) continue;
      slotOf.set(id, out);
    } else slotOf.set(id, input(id, k, k === 'param' ? src.param(id)! : src.value(id)!));
    cells.push({ at, name: src.name(id), slot: slotOf.get(id)! });
  }

  /** The cell's instructions as steps over global slots; null when a cell it reads is left out. */
  function linkCell(id: number, at: string, instrs: readonly Instr[], links: readonly number[]): number | null {
    const local = new Array<number>(instrs.length);
    const cellSlot = (link: number): number | undefined => slotOf.get(links[link]);
    for (let i = 0; i < instrs.length; i++) {
      const it = instrs[i];
      switch (it.t) {
        case 'const':
          local[i] = newSlot({ kind: 'const', value: toPlainValue(it.value) });
          break;
        case 'cell': {
          const s = cellSlot(it.link);
          if (s === undefined) return omit(id, links[it.link]);
          local[i] = s;
          break;
        }
        case 'range': {
          const args: number[] = [];
          for (let k = 0; k < it.rows * it.cols; k++) {
            const s = cellSlot(it.link + k);
            if (s === undefined) return omit(id, links[it.link + k]);
            args.push(s);
          }
          local[i] = addStep({ op: 'stack', args, cell: at, via: null, rows: it.rows, cols: it.cols });
          break;
        }
        case 'matrix':
          local[i] = addStep({ op: 'stack', args: it.args.map((a) => local[a]), cell: at, via: it.via, rows: it.rows, cols: it.cols });
          break;
        case 'op':
          if (it.op!.volatile) volatile = true;
          local[i] = addStep({ op: it.op!.name, args: it.args.map((a) => local[a]), cell: at, via: it.via });
          break;
        case 'optimize': {
          const loss = cellSlot(it.loss);
          if (loss === undefined) return omit(id, links[it.loss]);
          optimizers.push({ cell: at, op: it.op!.name, lossCell: src.at(links[it.loss]), loss, hyper: it.args.map((a) => local[a]) });
          return null;
        }
        default:
          throw new Error(`plan: ${it.t} instructions are engine-only`); // excluded by the caller
      }
    }
    const last = instrs[instrs.length - 1];
    // A cell owns its slot, so its gradient is its own even when its formula is `=A1`.
    if (last.t === 'cell' || last.t === 'const') return addStep({ op: 'copy', args: [local[instrs.length - 1]], cell: at, via: null });
    return local[instrs.length - 1];
  }

  function omit(id: number, missing: number): null {
    omitted.push({ at: src.at(id), reason: `reads ${src.at(missing)}, which the plan leaves out` });
    return null;
  }

  const losses: number[] = [];
  for (const id of options.losses ?? []) {
    const s = slotOf.get(id);
    if (s !== undefined) losses.push(s);
  }
  // Optimizers in the order asked (the plan links them in topological order).
  const rank = new Map((options.optimizers ?? []).map((id, k) => [src.at(id), k]));
  optimizers.sort((a, b) => rank.get(a.cell)! - rank.get(b.cell)!);
  return { kind: 'gradsheet-plan', version: 1, slots, steps, cells, params, data, losses, omitted, optimizers, volatile };

}

/** A plan step that failed: the cell it belongs to and what went wrong. */
export class PlanError extends Error {
  constructor(readonly cell: string, readonly kind: string, message: string) {
    super(`${cell}: ${message}`);
  }
}

export interface PlanRunner {
  readonly plan: Plan;
  /**
   * Every slot's value: inputs and literals from the plan, then each step. `inputs` replaces
   * slots by number — an input's value, or a step's output (the step is then skipped: the
   * decision boundary feeds grid points where a batch would flow); `step` is the training
   * step count that step() and minibatch() read (default 0).
   */
  forward(inputs?: ReadonlyMap<number, Value>, step?: number): Value[];
  /**
   * ∂loss/∂slot for every slot the loss depends on (undefined elsewhere), and with
   * `trace`, every step's adjoint in the order the reverse pass ran them.
   */
  backward(values: readonly Value[], loss: number, options?: { trace?: boolean; seed?: Value }): { adj: (Value | undefined)[]; trace: TraceEntry[] | null };
}

/** Bind a plan to a registry's ops (the plan names them; the runner looks each up once). */
export function createPlanRunner(plan: Plan, registry: Registry): PlanRunner {
  const ops: (OpDef | null)[] = plan.steps.map((s) => {
    if (s.op === 'stack' || s.op === 'copy') return null;
    const op = registry.get(s.op);
    if (!op?.forward) throw new Error(`plan: unknown op ${s.op} in ${s.cell}`);
    return op;
  });
  const isConst = plan.slots.map((s) => s.kind === 'const');
  const ctx = { meta: {}, step: 0 };

  function forward(inputs?: ReadonlyMap<number, Value>, step = 0): Value[] {
    ctx.step = step;
    const values = new Array<Value>(plan.slots.length);
    for (let i = 0; i < plan.slots.length; i++) {
      const s = plan.slots[i];
      const given = inputs?.get(i);
      if (given !== undefined) values[i] = given;
      else if (s.kind !== 'step') values[i] = fromPlainValue(s.value);
    }
    const buf: Value[] = [];
    for (let k = 0; k < plan.steps.length; k++) {
      const st = plan.steps[k];
      const op = ops[k];
      if (inputs?.has(st.out)) continue;
      try {
        if (op === null) values[st.out] = st.op === 'copy' ? values[st.args[0]] : stack(st, values);
        else {
          const a = st.args;
          const x = values[a[0]];
          const y = a.length > 1 ? values[a[1]] : 0;
          if (op.scalar !== undefined && typeof x === 'number' && typeof y === 'number' && a.length <= 2) values[st.out] = op.scalar(x, y);
          else {
            buf.length = a.length;
            for (let j = 0; j < a.length; j++) buf[j] = values[a[j]];
            ctx.meta = {};
            const v = op.forward!(buf, ctx);
            values[st.out] = typeof v === 'number' ? v : normalize(v);
          }
        }
      } catch (e) {
        if (e instanceof OpError) throw new PlanError(st.cell, e.kind, e.message);
        throw e;
      }
    }
    return values;
  }

  function backward(values: readonly Value[], loss: number, options: { trace?: boolean; seed?: Value } = {}) {
    const lv = values[loss];
    // `seed`: ∂L/∂(this slot) from elsewhere (a consumer's gradient), for a reverse pass of part of a sheet.
    if (options.seed === undefined && (lv === undefined || shapeOf(lv)[0] !== 1 || shapeOf(lv)[1] !== 1)) {
      throw new PlanError(slotCell(plan, loss), 'GRAD', `the loss must be a scalar, it is ${lv === undefined ? 'missing' : shapeText(lv)}`);
    }
    const adj = new Array<Value | undefined>(plan.slots.length);
    adj[loss] = options.seed ?? 1;
    const trace: TraceEntry[] | null = options.trace ? [] : null;
    const add = (slot: number, g: Value) => {
      const prev = adj[slot];
      adj[slot] = prev === undefined ? (typeof g === 'number' ? g : normalize(g)) : typeof prev === 'number' && typeof g === 'number' ? prev + g : addValues(prev, g);
    };
    const buf: Value[] = [];
    for (let k = plan.steps.length - 1; k >= 0; k--) {
      const st = plan.steps[k];
      const g = adj[st.out];
      if (g === undefined) continue;
      const a = st.args;
      const added: (Value | null)[] = new Array(a.length).fill(null);
      const op = ops[k];
      if (op === null) {
        if (st.op === 'copy') added[0] = g;
        else for (let j = 0; j < a.length; j++) added[j] = typeof g === 'number' ? g : g.data[j];
      } else if (op.vjp) {
        const out = values[st.out];
        const sv = op.scalarVjp;
        const x = values[a[0]];
        const y = a.length > 1 ? values[a[1]] : 0;
        const scalarPath = sv !== undefined && typeof g === 'number' && typeof x === 'number' && typeof y === 'number' && typeof out === 'number';
        buf.length = a.length;
        for (let j = 0; j < a.length; j++) buf[j] = values[a[j]];
        for (let j = 0; j < a.length; j++) {
          if (isConst[a[j]]) continue; // no gradient is wanted for literals
          if (scalarPath) {
            const rule = sv![j];
            if (rule) added[j] = rule(g as number, x as number, y as number, out as number);
          } else {
            const rule = op.vjp[j];
            if (rule) added[j] = rule(g, buf, out);
          }
        }
      }
      for (let j = 0; j < a.length; j++) {
        const d = added[j];
        if (d !== null && !isConst[a[j]]) add(a[j], d);
      }
      if (trace) trace.push({ step: k, g, added });
    }
    return { adj, trace };
  }

  return { plan, forward, backward };
}

function stack(st: PlanStep, values: readonly Value[]): Value {
  const d = new Float64Array(st.args.length);
  for (let k = 0; k < st.args.length; k++) d[k] = toScalar(values[st.args[k]], `entry ${k + 1} of a matrix`);
  return normalize(new Matrix(st.rows!, st.cols!, d));
}

function slotCell(plan: Plan, slot: number): string {
  const s = plan.slots[slot];
  return s && s.kind !== 'const' ? s.cell : '?';
}

/** ∂loss/∂cell for every cell of the plan upstream of the loss (zeros where no gradient flows). */
export function cellGradients(plan: Plan, values: readonly Value[], adj: readonly (Value | undefined)[], loss: number): Map<string, Value> {
  const up = upstreamSlots(plan, loss);
  const out = new Map<string, Value>();
  for (const c of plan.cells) {
    if (!up.has(c.slot)) continue;
    const g = adj[c.slot];
    const [r, k] = shapeOf(values[c.slot]);
    out.set(c.at, g ?? filled(r, k, 0));
  }
  return out;
}

/** Slots the loss depends on (the loss included). */
export function upstreamSlots(plan: Plan, loss: number): Set<number> {
  const up = new Set<number>([loss]);
  for (let k = plan.steps.length - 1; k >= 0; k--) {
    const st = plan.steps[k];
    if (up.has(st.out)) for (const a of st.args) up.add(a);
  }
  return up;
}

/** JSON text of a plan: matrices as lists, a non-finite number as {"nonfinite": "NaN" | "Infinity" | "-Infinity"}. */
export function planToJson(plan: Plan): string {
  return JSON.stringify(plan, (_k, v) => {
    if (v instanceof Float64Array) return Array.from(v);
    if (typeof v === 'number' && !Number.isFinite(v)) return { nonfinite: String(v) };
    return v;
  });
}

export function planFromJson(text: string): Plan {
  return JSON.parse(text, (_k, v) => (v !== null && typeof v === 'object' && typeof v.nonfinite === 'string' && Object.keys(v).length === 1 ? Number(v.nonfinite) : v)) as Plan;
}
