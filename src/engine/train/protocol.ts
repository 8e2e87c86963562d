// The training Worker's protocol: plain messages both ways, and the handler that runs a
// TrainSession (session.ts, the code `gradsheet train` runs) driven by them. Pure TypeScript:
// the Worker entry (src/ui/train/train.worker.ts) only wires postMessage to it, and the tests
// drive it in Node with a fake clock.
//
// To the Worker (TrainRequest):
//   start  {doc?, steps}  load `doc` when given (else keep the current sheet), run `steps` steps
//   pause                 stop at once (between two steps); answers `done` with reason 'paused'
//   step                  one step (while paused)
//   reset                 every parameter back to its init, step() and optimizer state to 0
//   edit   {at, formula}  a hyperparameter edit takes effect at the next step; an edit of the
//                         network (a cell the losses depend on) pauses a run and says why
// From the Worker (TrainEvent):
//   progress  throttled while running, and after step/reset/edit: the step, steps/s, losses,
//             accuracies, the loss-curve points since the last progress, the parameters' values
//             and the training state (FORMAT.md `train`) so the app's engine can show them
//   done      the run ended: 'finished' (all steps), 'paused' (pause or a network edit, with why)
//   error     a run stopped (no optimizer, a loss not finite, …): the message names step and cell
import type { Registry } from '../ops/define';
import type { SheetDoc } from '../sheet/document';
import { type PlainValue, toPlainValue } from '../eval/plan';
import { createTrainSession, type TrainSession } from './session';
import { trainStateToJson } from './state';
import type { TrainEngine } from './trainer';

export type TrainRequest =
  | { type: 'start'; doc?: SheetDoc; steps: number }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'reset' }
  | { type: 'edit'; at: string; formula: string };

export interface TrainProgress {
  type: 'progress';
  step: number;
  /** Steps per second over the current run (0 when not running). */
  stepsPerSecond: number;
  running: boolean;
  /** Steps still to run in the current run. */
  remaining: number;
  loss: Record<string, number>;
  accuracy: Record<string, number>;
  /** New [step, loss] points since the previous progress message, keyed like `loss`. */
  curve: Record<string, [number, number][]>;
  /** Every parameter cell's current value, by address. */
  params: Record<string, PlainValue>;
  /** The sheet's `train` field (state.ts), or null when untrained. */
  train: Record<string, unknown> | null;
  /** What runs the steps (the compiled plan, or the plan runner and why), as `gradsheet train --json` says; null when the sheet cannot train. */
  engine: TrainEngine | null;
}

export type TrainEvent =
  | TrainProgress
  | { type: 'done'; reason: 'finished' | 'paused'; step: number; message?: string }
  | { type: 'error'; message: string; step: number };

export interface TrainHost {
  post(event: TrainEvent): void;
  now(): number;
  /** Run `fn` after pending messages have been handled (a macrotask in the Worker). */
  defer(fn: () => void): void;
}

export interface HandlerOptions {
  /** Milliseconds of training before yielding to messages. */
  sliceMs?: number;
  /** Milliseconds between progress messages while running. */
  progressMs?: number;
  /** The ops the sheets are evaluated with (the Worker passes one whose MNIST digits load lazily). */
  registry?: Registry;
}

export class TrainHandler {
  private session: TrainSession | null = null;
  private remaining = 0;
  private running = false;
  private runStart = { t: 0, step: 0 };
  private lastProgress = -Infinity;
  /** At least progressMs, and long enough that refreshing the cells takes under a tenth of the training time (with the compiled plan a step is fast, and a progress message (syncing the cells, the state) is not). */
  private progressGap = 0;
  private sentCurve = new Map<string, number>();
  private readonly sliceMs: number;
  private readonly progressMs: number;
  private readonly registry: Registry | undefined;

  constructor(private readonly host: TrainHost, options: HandlerOptions = {}) {
    this.sliceMs = options.sliceMs ?? 30;
    this.progressMs = options.progressMs ?? 100;
    this.registry = options.registry;
  }

  handle(msg: TrainRequest): void {
    switch (msg.type) {
      case 'start':
        if (msg.doc) {
          this.session = createTrainSession(msg.doc, this.registry);
          this.sentCurve.clear();
        }
        if (!this.session) return this.fail('start: no sheet loaded yet (send start with a doc)');
        this.remaining = Math.max(0, Math.floor(msg.steps));
        this.running = true;
        this.runStart = { t: this.host.now(), step: this.session.engine.trainState().step };
        this.lastProgress = -Infinity;
        this.host.defer(() => this.slice());
        return;
      case 'pause':
        if (this.running) this.stop('paused');
        return;
      case 'step': {
        if (!this.session) return this.fail('step: no sheet loaded yet');
        if (this.running) return;
        const r = this.session.run(1);
        if (r.error) return this.fail(r.error);
        return this.progress();
      }
      case 'reset':
        if (!this.session) return;
        if (this.running) this.stop('paused', 'reset');
        this.session.reset();
        this.sentCurve.clear();
        return this.progress();
      case 'edit': {
        if (!this.session) return this.fail('edit: no sheet loaded yet');
        const kind = this.session.edit(msg.at, msg.formula);
        if (kind === 'network' && this.running) this.stop('paused', `${msg.at} is part of the network: the run paused (run again to train the edited network)`);
        return this.progress();
      }
    }
  }

  private slice(): void {
    if (!this.running || !this.session) return;
    const t0 = this.host.now();
    const r = this.session.run(this.remaining, () => this.host.now() - t0 >= this.sliceMs, { sync: false });
    this.remaining -= r.done;
    const error = r.error;
    if (error) {
      this.running = false;
      this.progress();
      return this.fail(error);
    }
    if (this.remaining <= 0) return this.stop('finished');
    if (this.host.now() - this.lastProgress >= this.progressGap) this.progress();
    this.host.defer(() => this.slice());
  }

  private stop(reason: 'finished' | 'paused', message?: string): void {
    this.running = false;
    this.remaining = 0;
    this.progress();
    this.host.post({ type: 'done', reason, step: this.session?.engine.trainState().step ?? 0, ...(message ? { message } : {}) });
  }

  private fail(message: string): void {
    this.running = false;
    this.host.post({ type: 'error', message, step: this.session?.engine.trainState().step ?? 0 });
  }

  private progress(): void {
    const s = this.session;
    if (!s) return;
    const t0 = this.host.now();
    const sum = s.summary();
    const curve: Record<string, [number, number][]> = {};
    for (const [k, pts] of Object.entries(sum.curve)) {
      const last = this.sentCurve.get(k) ?? -1;
      curve[k] = pts.filter((p) => p[0] > last);
      if (pts.length) this.sentCurve.set(k, pts[pts.length - 1][0]);
    }
    const params: Record<string, PlainValue> = {};
    for (const at of s.engine.parameterCells()) {
      const v = s.engine.get(at, { loss: null })?.value;
      if (v !== null && v !== undefined) params[at] = toPlainValue(v);
    }
    const secs = (this.host.now() - this.runStart.t) / 1000;
    this.host.post({
      type: 'progress',
      step: sum.step,
      stepsPerSecond: this.running && secs > 0 ? (sum.step - this.runStart.step) / secs : 0,
      running: this.running,
      remaining: this.remaining,
      loss: sum.loss,
      accuracy: sum.accuracy,
      curve,
      params,
      train: trainStateToJson(s.engine.trainState()) ?? null,
      engine: s.runner(),
    });
    this.lastProgress = this.host.now();
    this.progressGap = Math.max(this.progressMs, 9 * (this.lastProgress - t0));
  }
}
