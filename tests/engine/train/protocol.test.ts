// The training Worker's protocol, driven in Node without a Worker: a fake clock and a queue of
// deferred slices stand in for the Worker's event loop.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainCommand } from '../../../src/cli/train';
import { writeSheet } from '../../../src/engine/sheet/format';
import { type TrainEvent, TrainHandler, type TrainProgress } from '../../../src/engine/train/protocol';
import { doc, tinyClassifier } from './fixtures';

/** A handler whose clock advances 1 ms per call, and whose deferred slices run when `drain` says. */
function harness(options = { sliceMs: 5, progressMs: 10 }) {
  const events: TrainEvent[] = [];
  const queue: (() => void)[] = [];
  let t = 0;
  const handler = new TrainHandler({ post: (e) => events.push(structuredClone(e)), now: () => (t += 1), defer: (fn) => queue.push(fn) }, options);
  return {
    handler,
    events,
    /** Run deferred slices, at most `n` of them (all when absent). */
    drain(n = Infinity) {
      while (queue.length && n-- > 0) queue.shift()!();
    },
    pending: () => queue.length,
    progress: () => events.filter((e): e is TrainProgress => e.type === 'progress'),
  };
}

describe('TrainHandler', () => {
  it('start runs the steps in slices, reports throttled progress, and says done', () => {
    const h = harness();
    h.handler.handle({ type: 'start', doc: tinyClassifier(), steps: 60 });
    expect(h.events).toEqual([]); // nothing runs before the first slice: messages come first
    h.drain();
    const last = h.events[h.events.length - 1];
    expect(last).toEqual({ type: 'done', reason: 'finished', step: 60 });
    const progress = h.progress();
    expect(progress.length).toBeGreaterThan(2);
    const final = progress[progress.length - 1];
    expect(final).toMatchObject({ step: 60, running: false, remaining: 0 });
    expect(Object.keys(final.params).sort()).toEqual(['A3', 'A4']);
    expect(final.train).toMatchObject({ step: 60, optimizers: { A7: { op: 'sgd', steps: 60 } } });
    expect(final.accuracy.acc).toBeGreaterThan(0.9);
    // the curve arrives in pieces, every step exactly once
    const steps = progress.flatMap((p) => (p.curve.L ?? []).map((q) => q[0]));
    expect(steps).toEqual([...Array(60).keys()]);
    for (const p of progress) expect(p.step).toBeGreaterThanOrEqual(0);
  });

  it('pause stops at once, between steps; step runs one; start without a doc resumes', () => {
    const h = harness();
    h.handler.handle({ type: 'start', doc: tinyClassifier(), steps: 1000 });
    h.drain(2);
    h.handler.handle({ type: 'pause' });
    const done = h.events.find((e) => e.type === 'done');
    expect(done).toMatchObject({ type: 'done', reason: 'paused' });
    const at = (done as { step: number }).step;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(1000);
    h.drain();
    expect(h.events.filter((e) => e.type === 'done')).toHaveLength(1); // the queued slice did nothing
    h.handler.handle({ type: 'step' });
    expect(h.progress().at(-1)!.step).toBe(at + 1);
    h.handler.handle({ type: 'start', steps: 5 });
    h.drain();
    expect(h.events.at(-1)).toEqual({ type: 'done', reason: 'finished', step: at + 6 });
  });

  it('reset puts the parameters back to their init and step() to 0', () => {
    const h = harness();
    h.handler.handle({ type: 'start', doc: tinyClassifier(), steps: 0 });
    h.drain();
    const init = h.progress().at(-1)!.params;
    h.handler.handle({ type: 'start', steps: 20 });
    h.drain();
    expect(h.progress().at(-1)!.params).not.toEqual(init);
    h.handler.handle({ type: 'reset' });
    const p = h.progress().at(-1)!;
    expect(p).toMatchObject({ step: 0, train: null });
    expect(p.params).toEqual(init);
  });

  it('an error stops the run: no optimizer, a loss that is not finite', () => {
    const h = harness();
    h.handler.handle({ type: 'start', doc: doc({ A1: 'param(1)' }), steps: 5 });
    h.drain();
    expect(h.events.at(-1)).toMatchObject({ type: 'error', message: expect.stringMatching(/no optimizer/) });
    const g = harness();
    g.handler.handle({ type: 'start', doc: doc({ A1: 'param(1)', A2: 'A1 * A1', A3: 'sgd(A2, 10)' }), steps: 1000 });
    g.drain();
    expect(g.events.at(-1)).toMatchObject({ type: 'error', message: expect.stringMatching(/^step \d+: the loss A2 of A3 is Infinity/) });
    expect(g.events.some((e) => e.type === 'done')).toBe(false);
  });

  it('a hyperparameter edit goes on at the next step; a network edit pauses and says why', () => {
    const h = harness();
    const d = doc({ A1: 'param(1)', A2: '3 * A1', A3: '0.1', A4: 'sgd(A2, A3)' });
    h.handler.handle({ type: 'start', doc: d, steps: 10_000 });
    h.drain(1);
    h.handler.handle({ type: 'edit', at: 'A3', formula: '0.01' });
    expect(h.events.some((e) => e.type === 'done')).toBe(false);
    h.drain(1);
    h.handler.handle({ type: 'edit', at: 'A2', formula: '2 * A1' });
    expect(h.events.find((e) => e.type === 'done')).toMatchObject({ reason: 'paused', message: expect.stringMatching(/A2 is part of the network/) });
  });

  it('gives the same losses as gradsheet train for the same sheet and steps', () => {
    const d = tinyClassifier('adam(L, 0.05)', 11);
    const h = harness();
    h.handler.handle({ type: 'start', doc: d, steps: 37 });
    h.drain();
    const worker = h.progress().flatMap((p) => p.curve.L ?? []);
    const dir = mkdtempSync(join(tmpdir(), 'gradsheet-train-'));
    const file = join(dir, 's.json');
    writeFileSync(file, writeSheet(d));
    const out: string[] = [];
    expect(trainCommand([file, '--steps', '37', '--json'], { out: (s) => out.push(s), err: () => {} })).toBe(0);
    const cli = JSON.parse(out.join('\n'));
    expect(cli.curve.L).toEqual(worker);
    expect(cli.loss.L).toBe(worker.at(-1)![1]);
    // Both ran the compiled plan (the same program), not one of them the plan runner.
    expect(cli.engine).toEqual({ kind: 'compiled', compiles: 1, kernels: 'wasm' });
    expect(h.progress().every((p) => p.engine?.kind === 'compiled' && p.engine.reason === null)).toBe(true);
  });
});
