// The compiled plan behind the trainer's seam (train/trainer.ts `TrainProgram`: forward with
// parameter values and a step count, a slot's value, ∂loss/∂slots). Written structurally so it
// needs nothing from train/: one compiled program per loss, wanting the parameters upstream of
// that loss and keeping the slots the trainer reads (the optimizers' hyperparameters).
// A step allocates nothing here: parameter values are copied into the programs' input buffers,
// and values and gradients are read through views made once.
import type { Registry } from '../ops/define';
import { Matrix, type Value } from '../tensor/value';
import { type CompiledProgram, compilePlan } from './compiled';
import { type Plan, upstreamSlots } from './plan';

export interface CompiledTrainProgram {
  readonly plan: Plan;
  readonly programs: ReadonlyMap<number, CompiledProgram>;
  /** Calls that went through an op's allocating forward or VJP, summed over the programs (0 for the training examples). */
  readonly stats: { readonly generic: number };
  forward(params: ReadonlyMap<number, Value>, step: number): void;
  value(slot: number): Value;
  /** The gradients of `slots`; the array returned is reused when the same `slots` array is asked again. */
  grad(loss: number, slots: readonly number[]): (Value | undefined)[];
  /** Every program's calls, one line each (compiled.ts describe). */
  describe(): string;
}

export interface CompileAt {
  /** Where to learn shapes from when compiling again mid-run: the current parameters and step count. */
  inputs?: ReadonlyMap<number, Value>;
  step?: number;
  /** The slots trained (default: every parameter of the plan); others, such as imported data under a formula, get no gradient. */
  trained?: readonly number[];
}

/**
 * Compile `plan` for each of `losses`, keeping the values of `keep` (hyperparameters). Compile
 * again when the plan is rebuilt or a shape changes (forward throws a PlanError saying so).
 */
export function compiledTrainProgram(plan: Plan, registry: Registry, losses: readonly number[], keep: readonly number[] = [], at: CompileAt = {}): CompiledTrainProgram {
  const programs = new Map<number, CompiledProgram>();
  for (const loss of losses) {
    if (programs.has(loss)) continue;
    const up = upstreamSlots(plan, loss);
    const trained = at.trained ?? plan.params;
    programs.set(loss, compilePlan(plan, registry, { loss, wanted: trained.filter((s) => up.has(s)), keep, step: at.step, inputs: at.inputs, shareData: true }));
  }
  const list = [...programs.values()];
  const first = list[0] as CompiledProgram | undefined;
  const backwardDone = new Set<number>();
  // Views over the programs' buffers, made once, by slot (the trainer reads them before the next step).
  const valueViews = new Map<number, { buf: Float64Array; m: Matrix | null }>();
  const gradViews = list.map(() => new Map<number, { buf: Float64Array; m: Matrix | null }>());
  const viewOf = (p: CompiledProgram, s: number, buf: Float64Array) => {
    const [r, c] = p.shape(s);
    return { buf, m: r * c === 1 ? null : new Matrix(r, c, buf) };
  };
  const read = (v: { buf: Float64Array; m: Matrix | null }): Value => v.m ?? v.buf[0];
  const gradCache = new Map<number, { slots: readonly number[]; out: (Value | undefined)[] }>();
  const isParamInput = (s: number) => plan.slots[s].kind !== 'step';
  let current = list[0];
  const check = (v: Value, s: number) => {
    if (isParamInput(s) && current.value(s) !== null) current.checkInput(s, v);
  };
  const copyIn = (v: Value, s: number) => {
    if (isParamInput(s) && current.value(s) !== null) current.setInput(s, v);
  };
  return {
    plan,
    programs,
    stats: {
      get generic() {
        return list.reduce((n, p) => n + p.stats.generic, 0);
      },
    },
    forward(params, step) {
      backwardDone.clear();
      // Shapes first, so a mismatch leaves every buffer as it was (callbacks made once: no iterator per step).
      for (let i = 0; i < list.length; i++) {
        current = list[i];
        params.forEach(check);
      }
      for (let i = 0; i < list.length; i++) {
        current = list[i];
        params.forEach(copyIn);
        current.forward(undefined, step);
      }
    },
    value(slot) {
      let v = valueViews.get(slot);
      if (!v) {
        const p = list.find((q) => q.value(slot) !== null);
        if (!p) throw new Error(`slot ${slot} is not computed by the compiled plan (pass it in keep)`);
        valueViews.set(slot, (v = viewOf(p, slot, p.value(slot)!)));
      }
      return read(v);
    },
    grad(loss, slots) {
      const p = programs.get(loss) ?? first;
      if (!p || p.loss !== loss) throw new Error(`the compiled plan was not made for loss slot ${loss}`);
      if (!backwardDone.has(loss)) {
        p.backward();
        backwardDone.add(loss);
      }
      const views = gradViews[list.indexOf(p)];
      let cached = gradCache.get(loss);
      if (!cached || cached.slots !== slots) gradCache.set(loss, (cached = { slots, out: new Array(slots.length) }));
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i];
        if (!p.wanted.includes(s)) {
          cached.out[i] = undefined;
          continue;
        }
        let v = views.get(s);
        if (!v) views.set(s, (v = viewOf(p, s, p.grad(s))));
        cached.out[i] = read(v);
      }
      return cached.out;
    },
    describe: () => list.map((p) => p.describe()).join('\n'),
  };
}
