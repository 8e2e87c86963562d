// The training panel: step, run N steps, pause, reset; a progress bar with steps per second;
// the loss curve (and accuracy) live; for 2-D classification the decision boundary with the
// data, and for MNIST test digits with predicted and true labels. Training itself runs in a
// Web Worker behind the driver; this component only renders what it reports and what the
// sheet holds (the grid refreshes because the driver writes parameters back to the sheet).
import { type Accessor, For, Show, createMemo, createSignal, onCleanup } from 'solid-js';
import type { Engine } from '../../../engine/engine';
import { type Boundary, type Digit, boundaryJob, boundarySetup, findClassifiers, testDigits } from '../../kernel/training-view';
import { BoundaryView } from './BoundaryView';
import { DigitGrid } from './DigitGrid';
import { LossChart } from './LossChart';
import './training.css';

export interface TrainingStatus {
  running: boolean;
  /** step() of the sheet: steps taken so far. */
  step: number;
  /** The step a run is heading for, or null. */
  target: number | null;
  stepsPerSec: number;
  /** [step, loss] per optimizer cell, and [step, accuracy] per accuracy cell. */
  losses: { cell: string; points: [number, number][] }[];
  accuracies: { cell: string; points: [number, number][] }[];
  /** Why a run stopped (an error, a non-finite loss, an edit of the network), or null. */
  message: string | null;
}

export interface TrainingDriver {
  status: Accessor<TrainingStatus>;
  step(): void;
  run(steps: number): void;
  pause(): void;
  reset(): void;
}

export function TrainingPanel(props: { driver: TrainingDriver; engine: Engine; tick: Accessor<number>; structure: Accessor<number>; onClose(): void }) {
  const [steps, setSteps] = createSignal(1000);
  const st = () => props.driver.status();
  // Which cells are the classifier's, found again when the sheet's structure changes.
  const classifier = createMemo(() => {
    props.structure();
    return findClassifiers(props.engine)[0] ?? null;
  });
  const setup = createMemo(() => {
    const cls = classifier();
    return cls ? boundarySetup(props.engine, cls) : null;
  });
  // The boundary and the digits follow the parameters. They are redrawn in tasks of their own
  // (never inside the one that applied the parameters), the boundary a slice of grid rows per
  // task so that the page answers input between slices, at most every 150 ms and never more
  // than a fifth of the time.
  const [boundary, setBoundary] = createSignal<Boundary | null>(null);
  const [digits, setDigits] = createSignal<Digit[] | null>(null);
  let last = -Infinity;
  let gap = 150;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let drawing = false; // a boundary is being computed, slice by slice, from the parameters at its start
  let stale = false; // the parameters changed while it was: draw again when it is done
  const request = () => {
    if (drawing) stale = true;
    else if (!timer) timer = setTimeout(redraw, Math.max(0, last + gap - performance.now()));
  };
  const redraw = () => {
    timer = null;
    const s = setup();
    const cls = classifier();
    let busy = 0; // main-thread time this redraw took, summed over its tasks
    const finish = () => {
      timer = null;
      drawing = false;
      last = performance.now();
      gap = Math.max(150, 5 * busy);
      if (stale) {
        stale = false;
        request();
      }
    };
    if (!s) {
      const t0 = performance.now();
      setBoundary(null);
      setDigits(cls ? testDigits(props.engine, cls) : null);
      busy = performance.now() - t0;
      return finish();
    }
    drawing = true;
    const t0 = performance.now();
    const job = boundaryJob(props.engine, s);
    busy += performance.now() - t0;
    if (!job) {
      setBoundary(null);
      return finish();
    }
    const slice = () => {
      const t1 = performance.now();
      const b = job.next();
      busy += performance.now() - t1;
      if (b === undefined) {
        timer = setTimeout(slice, 0);
        return;
      }
      setBoundary(b);
      setDigits(null);
      finish();
    };
    slice();
  };
  createMemo(() => {
    props.tick();
    setup();
    request();
  });
  onCleanup(() => timer && clearTimeout(timer));

  const progress = () => {
    const s = st();
    return s.target === null ? null : { done: s.step, max: s.target };
  };
  const lastLoss = () => st().losses.map((c) => ({ cell: c.cell, value: c.points.at(-1)?.[1] }));
  const lastAcc = () => st().accuracies.map((c) => ({ cell: c.cell, value: c.points.at(-1)?.[1] }));

  return (
    <section class="training-panel" aria-label="Training">
      <header>
        <h2>Training</h2>
        <button class="close" aria-label="Close training panel" onClick={props.onClose}>
          ×
        </button>
      </header>
      <div class="training-controls">
        <button onClick={() => props.driver.step()} disabled={st().running}>
          Step
        </button>
        <label>
          Run
          <input type="number" min="1" max="1000000" value={steps()} aria-label="Steps to run" onInput={(e) => setSteps(Math.max(1, Math.floor(Number(e.currentTarget.value) || 1)))} />
          steps
        </label>
        <button onClick={() => props.driver.run(steps())} disabled={st().running}>
          Run
        </button>
        <button onClick={() => props.driver.pause()} disabled={!st().running}>
          Pause
        </button>
        <button onClick={() => props.driver.reset()} disabled={st().running}>
          Reset
        </button>
      </div>
      <div class="training-progress">
        <span aria-label="Steps taken">step {st().step}</span>
        <Show when={progress()}>{(p) => <progress value={p().done} max={p().max} aria-label="Run progress" />}</Show>
        <Show when={st().running || st().stepsPerSec > 0}>
          <span>{st().stepsPerSec >= 100 ? Math.round(st().stepsPerSec) : st().stepsPerSec.toFixed(1)} steps/s</span>
        </Show>
      </div>
      <Show when={st().message}>
        <p class="training-message" role="status">
          {st().message}
        </p>
      </Show>
      <dl class="training-figures">
        <For each={lastLoss()}>
          {(l) => (
            <>
              <dt>loss {l.cell}</dt>
              <dd>{l.value === undefined ? '–' : l.value.toPrecision(5)}</dd>
            </>
          )}
        </For>
        <For each={lastAcc()}>
          {(a) => (
            <>
              <dt>accuracy {a.cell}</dt>
              <dd>{a.value === undefined ? '–' : a.value.toFixed(3)}</dd>
            </>
          )}
        </For>
      </dl>
      <Show when={st().losses.some((c) => c.points.length > 0)}>
        <LossChart losses={st().losses.map((c) => ({ label: c.cell, points: c.points }))} accuracies={st().accuracies.map((c) => ({ label: c.cell, points: c.points }))} />
      </Show>
      <Show when={boundary()}>{(b) => <BoundaryView boundary={b()} />}</Show>
      <Show when={digits()}>{(d) => <DigitGrid digits={d()} />}</Show>
    </section>
  );
}
