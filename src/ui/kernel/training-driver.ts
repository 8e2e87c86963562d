// The training panel's driver: turns the Worker client's events (src/ui/train/client.ts,
// protocol in src/engine/train/protocol.ts) into the panel's status, and hands progress events
// to the app so the sheet shows the trained parameters (the grid refreshes with them).
//
// Handing parameters to the app recomputes the sheet on the main thread (every cell downstream
// of them, the grid, the plots), which for a 2-layer net with check cells costs tens of
// milliseconds, far more than the Worker's progress interval. So while a run goes on the driver
// applies only the newest progress, at most every APPLY_GAP_MS and never more than a fifth of
// the time (the gap grows with what an apply costs); the panel's step, loss and curve follow
// every event, which is cheap. The user's input comes first: while they type or click (input in
// the last INPUT_QUIET_MS) an apply waits, up to MAX_DEFER_MS, so that a key is never queued
// behind a recompute. When a run ends (or after step/reset) the last state is applied at once,
// so the sheet always ends with the Worker's parameters.
import { type Accessor, createSignal } from 'solid-js';
import type { SheetDoc } from '../../engine/sheet/document';
import type { TrainEvent, TrainProgress } from '../../engine/train/protocol';
import type { TrainingDriver, TrainingStatus } from '../components/training/TrainingPanel';
import type { TrainClient } from '../train/client';

/** Points kept per curve: older ones are thinned (every other) when a curve grows past it. */
const MAX_POINTS = 4000;

/** Least time between two applies of progress to the sheet during a run (ms). */
export const APPLY_GAP_MS = 250;
/** An apply may take at most 1/APPLY_SHARE of the main thread's time during a run. */
const APPLY_SHARE = 5;
/** During a run an apply waits until the user's input has paused this long (ms)… */
export const INPUT_QUIET_MS = 1000;
/** …but the sheet is never left behind the Worker longer than this (ms). */
export const MAX_DEFER_MS = 8000;

export interface DriverClock {
  now(): number;
  later(fn: () => void, ms: number): unknown;
  cancel(handle: unknown): void;
}

const realClock: DriverClock = {
  now: () => performance.now(),
  later: (fn, ms) => setTimeout(fn, ms),
  cancel: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface DriverHost {
  /** The sheet as it is now (parameters, training state), sent when a run starts. */
  doc(): SheetDoc;
  /** Put a progress event's parameters and state into the app's sheet. */
  apply(p: TrainProgress): void;
  /** Steps the sheet has taken already (a trained sheet reopened). */
  step(): number;
  /** When the user last pressed a key or a pointer (the clock's time), or -Infinity. */
  lastInput?(): number;
}

export function createTrainingDriver(client: TrainClient, host: DriverHost, clock: DriverClock = realClock): TrainingDriver & { dispose(): void; status: Accessor<TrainingStatus> } {
  const [status, setStatus] = createSignal<TrainingStatus>({ running: false, step: host.step(), target: null, stepsPerSec: 0, losses: [], accuracies: [], message: null });
  const losses = new Map<string, [number, number][]>();
  const accuracies = new Map<string, [number, number][]>();

  const push = (m: Map<string, [number, number][]>, key: string, pts: [number, number][]) => {
    let l = m.get(key);
    if (!l) m.set(key, (l = []));
    for (const p of pts) if (!l.length || p[0] > l[l.length - 1][0]) l.push(p);
    if (l.length > MAX_POINTS) m.set(key, l.filter((_, i) => i % 2 === 0 || i === l!.length - 1));
  };
  const curves = (m: Map<string, [number, number][]>) => [...m].map(([cell, points]) => ({ cell, points: points.slice() }));

  // The progress not yet applied to the sheet (only during a run), and when the next apply may run.
  let pending: TrainProgress | null = null;
  let pendingSince = 0;
  let timer: unknown = null;
  let lastApply = -Infinity;
  let gap = APPLY_GAP_MS;
  const applyNow = (p: TrainProgress) => {
    pending = null;
    if (timer !== null) clock.cancel(timer);
    timer = null;
    const t0 = clock.now();
    host.apply(p);
    lastApply = clock.now();
    gap = Math.max(APPLY_GAP_MS, APPLY_SHARE * (lastApply - t0));
  };
  /** How long the pending progress must still wait: the gap since the last apply, and a pause in the user's input. */
  const waitFor = () => {
    const now = clock.now();
    const wait = Math.max(lastApply + gap, (host.lastInput?.() ?? -Infinity) + INPUT_QUIET_MS) - now;
    return Math.min(wait, pendingSince + MAX_DEFER_MS - now);
  };
  const schedule = () => {
    const wait = waitFor();
    if (wait <= 0) return applyNow(pending!);
    timer = clock.later(() => {
      timer = null;
      if (pending) schedule(); // input may have come meanwhile
    }, wait);
  };
  const applyThrottled = (p: TrainProgress) => {
    if (!pending) pendingSince = clock.now();
    pending = p;
    if (timer === null) schedule(); // else the newest one goes when the timer fires
  };

  const off = client.subscribe((e: TrainEvent) => {
    if (e.type === 'progress') {
      if (e.step === 0 && !e.running) {
        losses.clear(); // reset: the curves start again
        accuracies.clear();
      }
      for (const [cell, pts] of Object.entries(e.curve)) push(losses, cell, pts);
      for (const [cell, v] of Object.entries(e.loss)) if (!e.curve[cell]?.length) push(losses, cell, [[e.step, v]]);
      for (const [cell, v] of Object.entries(e.accuracy)) push(accuracies, cell, [[e.step, v]]);
      if (e.running) applyThrottled(e);
      else applyNow(e);
      setStatus((s) => ({
        ...s,
        running: e.running,
        step: e.step,
        target: e.running ? e.step + e.remaining : null,
        stepsPerSec: e.stepsPerSecond,
        losses: curves(losses),
        accuracies: curves(accuracies),
        message: e.running ? null : s.message,
      }));
    } else if (e.type === 'done') {
      setStatus((s) => ({ ...s, running: false, target: null, step: e.step, message: e.message ?? null }));
    } else {
      setStatus((s) => ({ ...s, running: false, target: null, step: e.step, message: e.message }));
    }
  });

  return {
    status,
    step: () => {
      setStatus((s) => ({ ...s, message: null }));
      client.start(host.doc(), 1);
    },
    run: (n) => {
      setStatus((s) => ({ ...s, running: true, target: s.step + n, message: null }));
      client.start(host.doc(), n);
    },
    pause: () => client.pause(),
    reset: () => {
      setStatus((s) => ({ ...s, message: null }));
      client.start(host.doc(), 0);
      client.reset();
    },
    dispose: () => {
      if (timer !== null) clock.cancel(timer);
      timer = pending = null;
      off();
      client.dispose();
    },
  };
}
