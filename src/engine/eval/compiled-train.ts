// The compiled plan behind the trainer's seam (train/trainer.ts `TrainProgram`: forward with
// parameter values and a step count, a slot's value, ∂loss/∂slots). Written structurally so it
// needs nothing from train/: one compiled program per loss, wanting the parameters upstream of
// that loss and keeping the slots the trainer reads (the optimizers' hyperparameters).
import type { Registry } from '../ops/define';
import { Matrix, type Value } from '../tensor/value';
import { type CompiledProgram, compilePlan } from './compiled';
import { type Plan, upstreamSlots } from './plan';

export interface CompiledTrainProgram {
  readonly plan: Plan;
  readonly programs: ReadonlyMap<number, CompiledProgram>;
  forward(params: ReadonlyMap<number, Value>, step: number): void;
  value(slot: number): Value;
  grad(loss: number, slots: readonly number[]): (Value | undefined)[];
}

/**
 * Compile `plan` for each of `losses`, keeping the values of `keep` (hyperparameters). Compile
 * again when the plan is rebuilt or a shape changes (forward throws a PlanError saying so).
 */
export function compiledTrainProgram(plan: Plan, registry: Registry, losses: readonly number[], keep: readonly number[] = []): CompiledTrainProgram {
  const programs = new Map<number, CompiledProgram>();
  for (const loss of losses) {
    if (programs.has(loss)) continue;
    const up = upstreamSlots(plan, loss);
    programs.set(loss, compilePlan(plan, registry, { loss, wanted: plan.params.filter((s) => up.has(s)), keep }));
  }
  const first = programs.values().next().value as CompiledProgram | undefined;
  const backwardDone = new Set<number>();
  // Gradient views over the programs' buffers, made once (the trainer reads them before the next step).
  const views = new Map<string, Value>();
  const view = (p: CompiledProgram, s: number, buf: Float64Array, what: 'v' | 'g'): Value => {
    const key = `${p.loss}:${what}${s}`;
    let v = views.get(key);
    if (!v) {
      const [r, c] = p.shape(s);
      v = r * c === 1 ? NaN : new Matrix(r, c, buf);
      views.set(key, v);
    }
    return typeof v === 'number' ? buf[0] : v;
  };
  return {
    plan,
    programs,
    forward(params, step) {
      backwardDone.clear();
      for (const p of programs.values()) {
        const inputs = new Map<number, Value>();
        for (const [s, v] of params) if (p.value(s) !== null && plan.slots[s].kind !== 'step') inputs.set(s, v);
        p.forward(inputs, step);
      }
    },
    value(slot) {
      for (const p of programs.values()) {
        const buf = p.value(slot);
        if (buf !== null) return view(p, slot, buf, 'v');
      }
      throw new Error(`slot ${slot} is not computed by the compiled plan (pass it in keep)`);
    },
    grad(loss, slots) {
      const p = programs.get(loss) ?? first;
      if (!p || p.loss !== loss) throw new Error(`the compiled plan was not made for loss slot ${loss}`);
      if (!backwardDone.has(loss)) {
        p.backward();
        backwardDone.add(loss);
      }
      return slots.map((s) => (p.wanted.includes(s) ? view(p, s, p.grad(s), 'g') : undefined));
    },
  };
}
