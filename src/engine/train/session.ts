// A training session: one engine holding the sheet and the trainer linked from it. The CLI
// (`gradsheet train`) and the Worker (protocol.ts) both drive this, so the same sheet and the
// same steps give the same numbers in both.
import { createEngine, type Engine } from '../engine';
import type { Registry } from '../ops/define';
import type { SheetDoc } from '../sheet/document';
import { type Value, isScalarLike, toScalar } from '../tensor/value';
import { emptyTrainState } from './state';
import { type TrainEngine, type Trainer, createTrainer } from './trainer';

export interface TrainSummary {
  /** step(): training steps taken. */
  step: number;
  /** Each optimizer's loss at its last step, keyed by the loss cell's name (or address). */
  loss: Record<string, number>;
  /** Every accuracy(…) cell's current value, keyed by name (or address). */
  accuracy: Record<string, number>;
  /** Each optimizer's recorded curve, [step, loss] pairs, keyed like `loss`. */
  curve: Record<string, [number, number][]>;
}

/** How an edit relates to a run: a hyperparameter (or anything outside the network) goes on; the network pauses. */
export type EditKind = 'hyperparameter' | 'network';

export interface TrainSession {
  readonly engine: Engine;
  /**
   * Train up to `steps` steps, stopping early when `stop()` says so (checked between steps) or
   * on failure; the last step's losses keyed like TrainSummary.loss. The engine's cells are
   * brought up to date at the end unless `sync: false` (a Worker syncs when it reports).
   */
  run(steps: number, stop?: () => boolean, options?: { sync?: boolean }): { done: number; error: string | null; loss: Record<string, number> };
  /** Put the trained parameters and state into the engine's cells (done by run before it returns). */
  sync(): void;
  /** Every parameter back to its init, step() and every optimizer's state back to 0. */
  reset(): void;
  /** Edit a cell's formula; says whether it touched the network (a run must pause) or not. */
  edit(at: string, formula: string): EditKind;
  summary(): TrainSummary;
  /** Why the sheet cannot train, or null. */
  problem(): string | null;
  /** What runs the steps: the compiled plan, or the plan runner and why (null when the sheet cannot train). */
  runner(): TrainEngine | null;
}

export function createTrainSession(doc: SheetDoc, registry?: Registry): TrainSession {
  const engine = createEngine(registry ? { registry } : {});
  engine.load(doc);
  let trainer: Trainer | null = null;
  let problem: string | null = null;
  let dirty = false;

  function ensure(): Trainer | null {
    if (trainer) return trainer;
    const t = createTrainer(engine);
    if (!t.ok) {
      problem = t.error;
      return null;
    }
    problem = null;
    return (trainer = t.trainer);
  }

  function sync(): void {
    if (trainer && dirty) trainer.sync(engine);
    dirty = false;
  }

  function labelOf(at: string): string {
    return engine.get(at, { loss: null })?.name ?? at;
  }

  /** The cells the optimizers' losses depend on (the network, its data and parameters). */
  function networkCells(): Set<string> {
    const t = ensure();
    const out = new Set<string>();
    if (!t) return out;
    const plan = t.program.plan;
    const up = new Set<number>();
    for (const o of plan.optimizers) up.add(o.loss);
    for (let k = plan.steps.length - 1; k >= 0; k--) if (up.has(plan.steps[k].out)) for (const a of plan.steps[k].args) up.add(a);
    for (const c of plan.cells) if (up.has(c.slot)) out.add(c.at);
    return out;
  }

  return {
    engine,
    run(steps, stop, options = {}) {
      const t = ensure();
      if (!t) return { done: 0, error: problem, loss: {} };
      let done = 0;
      let error: string | null = null;
      let losses: number[] = [];
      while (done < steps && !(stop && stop())) {
        const r = t.step();
        if (!r.ok) {
          error = r.error;
          break;
        }
        losses = r.losses;
        done++;
        dirty = true;
      }
      if (options.sync !== false) sync();
      const loss: Record<string, number> = {};
      t.optimizers.forEach((o, k) => {
        if (k < losses.length) loss[labelOf(o.lossCell)] = losses[k];
      });
      return { done, error, loss };
    },
    sync,
    reset() {
      engine.batch(() => {
        for (const at of engine.parameterCells()) engine.setParameter(at, null);
        engine.setTrainState(emptyTrainState());
      });
      trainer = null;
      dirty = false;
    },
    edit(at, formula) {
      sync();
      const network = networkCells().has(at) || engine.get(at, { loss: null })?.isParameter === true;
      engine.setCell(at, formula);
      trainer = null; // relinked on the next run: shapes, formulas or hyperparameters may have changed
      return network ? 'network' : 'hyperparameter';
    },
    summary() {
      sync();
      const t = ensure();
      const out: TrainSummary = { step: engine.trainState().step, loss: {}, accuracy: {}, curve: {} };
      for (const o of t?.optimizers ?? []) {
        const key = labelOf(o.lossCell);
        const v = engine.get(o.lossCell, { loss: null })?.value;
        const curve = engine.trainState().curve.get(o.cell) ?? [];
        // The loss of the last step taken (the curve's last point), or the loss now when untrained.
        out.loss[key] = curve.length && curve[curve.length - 1][0] === out.step - 1 ? curve[curve.length - 1][1] : scalar(v);
        out.curve[key] = curve.map((p) => [p[0], p[1]]);
      }
      for (const c of engine.cells({ loss: null })) {
        if (/\baccuracy\s*\(/.test(c.formula) && c.value !== null && isScalarLike(c.value)) out.accuracy[c.name ?? c.at] = toScalar(c.value);
      }
      return out;
    },
    problem() {
      ensure();
      return problem;
    },
    runner() {
      const e = ensure()?.engine;
      return e ? { ...e } : null;
    },
  };
}

function scalar(v: Value | null | undefined): number {
  return v !== null && v !== undefined && isScalarLike(v) ? toScalar(v) : NaN;
}
