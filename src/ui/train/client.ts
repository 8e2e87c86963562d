// The main thread's side of the training Worker: send requests, subscribe to events. The
// training panel uses this; the protocol (messages and their meaning) is documented in
// src/engine/train/protocol.ts. Apply a `progress` event to the app's engine with
// applyProgress so the grid shows the trained values and gradients.
//
// Benchmark hook (read-only): `globalThis.__gradsheetTraining.runs()` lists, per Worker
// client, the running progress events as {step, stepsPerSecond, t (performance.now() when it
// arrived), engine}; bench/browser.ts reads the Worker's steps/s from it. Nothing reads or
// writes it in the app.
import type { Engine } from '../../engine/engine';
import { fromPlainValue } from '../../engine/eval/plan';
import type { TrainEvent, TrainProgress, TrainRequest } from '../../engine/train/protocol';
import type { SheetDoc } from '../../engine/sheet/document';
import { emptyTrainState, readTrainState } from '../../engine/train/state';

export interface TrainClient {
  start(doc: SheetDoc | null, steps: number): void;
  pause(): void;
  step(): void;
  reset(): void;
  /** Tell the Worker about an edit (a hyperparameter goes on; an edit of the network pauses). */
  edit(at: string, formula: string): void;
  subscribe(listener: (e: TrainEvent) => void): () => void;
  dispose(): void;
}

/** A client over any Worker-like port (the tests pass a fake one). */
export function createTrainClient(port?: Pick<Worker, 'postMessage' | 'terminate'> & { onmessage: ((e: MessageEvent<TrainEvent>) => void) | null }): TrainClient {
  const worker = port ?? new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
  const listeners = new Set<(e: TrainEvent) => void>();
  const seen = probe();
  worker.onmessage = (e) => {
    seen(e.data);
    for (const l of listeners) l(e.data);
  };
  const send = (m: TrainRequest) => worker.postMessage(m);
  return {
    start: (doc, steps) => send(doc ? { type: 'start', doc, steps } : { type: 'start', steps }),
    pause: () => send({ type: 'pause' }),
    step: () => send({ type: 'step' }),
    reset: () => send({ type: 'reset' }),
    edit: (at, formula) => send({ type: 'edit', at, formula }),
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    dispose() {
      listeners.clear();
      worker.terminate();
    },
  };
}

/** Put a progress event's parameters and training state into the app's engine (one recompute). */
export function applyProgress(engine: Engine, p: TrainProgress): void {
  engine.batch(() => {
    // Untrained (after reset): parameters go back to their formulas, param(init), exactly.
    for (const [at, v] of Object.entries(p.params)) engine.setParameter(at, p.train ? fromPlainValue(v) : null);
    const t = p.train ? readTrainState(p.train) : null;
    engine.setTrainState(t && t.ok ? t.state : emptyTrainState());
  });
}

export interface ProbePoint {
  step: number;
  stepsPerSecond: number;
  /** performance.now() when the event arrived on the main thread. */
  t: number;
  engine: string | null;
}

const PROBE_POINTS = 2000;
const probeRuns: ProbePoint[][] = [];

/** Record a client's running progress events for the benchmark hook (kept small: the last PROBE_POINTS). */
function probe(): (e: TrainEvent) => void {
  const g = globalThis as { __gradsheetTraining?: { runs(): ProbePoint[][] } };
  g.__gradsheetTraining ??= Object.freeze({ runs: () => probeRuns.map((r) => r.map((p) => ({ ...p }))) });
  const points: ProbePoint[] = [];
  probeRuns.push(points);
  return (e) => {
    if (e.type !== 'progress' || !e.running) return;
    points.push({ step: e.step, stepsPerSecond: e.stepsPerSecond, t: performance.now(), engine: e.engine ? `${e.engine.kind}/${e.engine.kernels}` : null });
    if (points.length > PROBE_POINTS) points.splice(0, points.length - PROBE_POINTS);
  };
}
