// The training panel's driver: turns the Worker client's events (src/ui/train/client.ts,
// protocol in src/engine/train/protocol.ts) into the panel's status, and hands each progress
// event to the app so the sheet shows the trained parameters (the grid refreshes with them).
import { type Accessor, createSignal } from 'solid-js';
import type { SheetDoc } from '../../engine/sheet/document';
import type { TrainEvent, TrainProgress } from '../../engine/train/protocol';
import type { TrainingDriver, TrainingStatus } from '../components/training/TrainingPanel';
import type { TrainClient } from '../train/client';

/** Points kept per curve: older ones are thinned (every other) when a curve grows past it. */
const MAX_POINTS = 4000;

export interface DriverHost {
  /** The sheet as it is now (parameters, training state), sent when a run starts. */
  doc(): SheetDoc;
  /** Put a progress event's parameters and state into the app's sheet. */
  apply(p: TrainProgress): void;
  /** Steps the sheet has taken already (a trained sheet reopened). */
  step(): number;
}

export function createTrainingDriver(client: TrainClient, host: DriverHost): TrainingDriver & { dispose(): void; status: Accessor<TrainingStatus> } {
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

  const off = client.subscribe((e: TrainEvent) => {
    if (e.type === 'progress') {
      if (e.step === 0 && !e.running) {
        losses.clear(); // reset: the curves start again
        accuracies.clear();
      }
      for (const [cell, pts] of Object.entries(e.curve)) push(losses, cell, pts);
      for (const [cell, v] of Object.entries(e.loss)) if (!e.curve[cell]?.length) push(losses, cell, [[e.step, v]]);
      for (const [cell, v] of Object.entries(e.accuracy)) push(accuracies, cell, [[e.step, v]]);
      host.apply(e);
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
      off();
      client.dispose();
    },
  };
}
