// The training driver hands the Worker's progress to the app's sheet. During a run it applies
// only the newest progress, spaced out (an apply recomputes the whole sheet on the main thread),
// while the panel's status follows every event; the last state of a run is applied at once.
import { describe, expect, it } from 'vitest';
import type { TrainEvent, TrainProgress } from '../../../src/engine/train/protocol';
import { APPLY_GAP_MS, type DriverClock, INPUT_QUIET_MS, MAX_DEFER_MS, createTrainingDriver } from '../../../src/ui/kernel/training-driver';
import type { TrainClient } from '../../../src/ui/train/client';

function fakeClient() {
  let listener: ((e: TrainEvent) => void) | null = null;
  const sent: string[] = [];
  const client: TrainClient = {
    start: (_doc, steps) => sent.push(`start ${steps}`),
    pause: () => sent.push('pause'),
    step: () => sent.push('step'),
    reset: () => sent.push('reset'),
    edit: () => {},
    subscribe(l) {
      listener = l;
      return () => (listener = null);
    },
    dispose: () => {},
  };
  return { client, sent, emit: (e: TrainEvent) => listener?.(e) };
}

/** A clock the test moves by hand; `later` callbacks run when their time comes. */
function fakeClock() {
  let t = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: DriverClock = {
    now: () => t,
    later: (fn, ms) => {
      timers.push({ at: t + ms, fn, id: next });
      return next++;
    },
    cancel: (id) => {
      timers = timers.filter((x) => x.id !== id);
    },
  };
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((x) => x !== due);
      t = due.at;
      due.fn();
    }
    t = end;
  };
  return { clock, advance, spend: (ms: number) => (t += ms), pending: () => timers.length };
}

const progress = (step: number, running: boolean, loss = 1 / (step + 1)): TrainProgress => ({
  type: 'progress', step, stepsPerSecond: running ? 100 : 0, running, remaining: running ? 100 - step : 0,
  loss: { C3: loss }, accuracy: {}, curve: { C3: [[step, loss]] }, params: {}, train: null, engine: null,
});

describe('training driver', () => {
  it('applies the newest progress at most every APPLY_GAP_MS during a run, and the last one at once', () => {
    const { client, emit } = fakeClient();
    const c = fakeClock();
    const applied: number[] = [];
    const d = createTrainingDriver(client, { doc: () => ({ gradsheet: 1, cells: [] }), apply: (p) => applied.push(p.step), step: () => 0 }, c.clock);
    d.run(100);
    emit(progress(1, true)); // the first is applied at once
    expect(applied).toEqual([1]);
    for (let s = 2; s <= 5; s++) {
      c.advance(40);
      emit(progress(s, true));
    }
    // The panel follows every event; the sheet waits for the gap and then gets only the newest.
    expect(d.status().step).toBe(5);
    expect(d.status().losses[0].points.map((p) => p[0])).toEqual([1, 2, 3, 4, 5]);
    expect(applied).toEqual([1]);
    c.advance(APPLY_GAP_MS);
    expect(applied).toEqual([1, 5]);
    emit(progress(6, true));
    emit(progress(7, false)); // the run ended: applied at once, the pending one dropped
    expect(applied).toEqual([1, 5, 7]);
    expect(c.pending()).toBe(0);
    c.advance(10 * APPLY_GAP_MS);
    expect(applied).toEqual([1, 5, 7]);
    expect(d.status().running).toBe(false);
  });

  it('an apply that costs more spaces the next ones further apart (at most a fifth of the time)', () => {
    const { client, emit } = fakeClient();
    const c = fakeClock();
    const applied: number[] = [];
    const d = createTrainingDriver(client, { doc: () => ({ gradsheet: 1, cells: [] }), apply: (p) => (applied.push(p.step), c.spend(200)), step: () => 0 }, c.clock);
    d.run(100);
    emit(progress(1, true));
    c.advance(APPLY_GAP_MS + 10);
    emit(progress(2, true));
    // 200 ms of work (t = 0…200) asks for 1,000 ms before the next apply: at t = 1,200.
    c.advance(1180 - c.clock.now());
    expect(applied).toEqual([1]);
    c.advance(30);
    expect(applied).toEqual([1, 2]);
    d.dispose();
  });

  it('while the user types, an apply waits for a pause in the input, but never longer than MAX_DEFER_MS', () => {
    const { client, emit } = fakeClient();
    const c = fakeClock();
    const applied: number[] = [];
    let lastInput = -Infinity;
    const d = createTrainingDriver(client, { doc: () => ({ gradsheet: 1, cells: [] }), apply: (p) => applied.push(p.step), step: () => 0, lastInput: () => lastInput }, c.clock);
    d.run(1000);
    lastInput = c.clock.now();
    emit(progress(1, true));
    expect(applied).toEqual([]); // a key was just pressed
    c.advance(INPUT_QUIET_MS - 50);
    lastInput = c.clock.now(); // another one
    emit(progress(2, true));
    c.advance(INPUT_QUIET_MS - 10);
    expect(applied).toEqual([]);
    c.advance(20); // the input paused long enough
    expect(applied).toEqual([2]);
    // Typing on and on: the sheet still follows, MAX_DEFER_MS behind at most.
    const start = c.clock.now();
    emit(progress(3, true));
    while (applied.length < 2 && c.clock.now() - start < 2 * MAX_DEFER_MS) {
      lastInput = c.clock.now();
      c.advance(100);
    }
    expect(applied).toEqual([2, 3]);
    expect(c.clock.now() - start).toBeLessThanOrEqual(MAX_DEFER_MS + 100);
    expect(c.clock.now() - start).toBeGreaterThanOrEqual(MAX_DEFER_MS);
    d.dispose();
  });

  it('step and reset are applied at once', () => {
    const { client, emit, sent } = fakeClient();
    const c = fakeClock();
    const applied: number[] = [];
    const d = createTrainingDriver(client, { doc: () => ({ gradsheet: 1, cells: [] }), apply: (p) => applied.push(p.step), step: () => 0 }, c.clock);
    d.step();
    emit(progress(1, false));
    d.reset();
    emit(progress(0, false));
    expect(applied).toEqual([1, 0]);
    expect(sent).toEqual(['start 1', 'start 0', 'reset']);
    expect(d.status().losses.every((l) => l.points.length === 0 || l.points[0][0] === 0)).toBe(true);
  });
});
