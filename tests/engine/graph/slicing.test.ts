// With a slicer (the app's), a long recompute yields between slices so the page stays
// responsive; it must end exactly where a synchronous recompute ends, whatever is edited
// while it runs.
import { describe, expect, it } from 'vitest';
import { createEngine, type ChangeSet, type Engine, type Slicer } from '../../../src/engine/engine';
import type { SheetDoc } from '../../../src/engine/sheet/document';
import { chainSheet } from '../../../bench/workloads';

/** A slicer whose clock moves 1 ms per reading and whose deferred work waits in a queue. */
function manualSlicer(budgetMs: number): Slicer & { queue: (() => void)[]; drain(): number } {
  let t = 0;
  const queue: (() => void)[] = [];
  return {
    budgetMs,
    queue,
    now: () => t++,
    defer: (fn) => void queue.push(fn),
    drain() {
      let n = 0;
      while (queue.length) {
        queue.shift()!();
        n++;
      }
      return n;
    },
  };
}

function snapshot(e: Engine) {
  return e.cells().map((c) => ({ at: c.at, value: c.value, grad: c.grad, error: c.error?.message ?? null }));
}

describe('sliced recompute', () => {
  const { doc, first, last } = chainSheet(3000);

  it('yields between slices, reports progress, and ends where a synchronous recompute ends', () => {
    const slicer = manualSlicer(5);
    const e = createEngine({ slicer });
    const changes: ChangeSet[] = [];
    e.subscribe((c) => changes.push(c));
    e.load(doc);
    slicer.drain();
    changes.length = 0;
    e.setCell(first, '2');
    expect(e.busy()).toBe(true);
    expect(slicer.queue.length).toBe(1);
    const before = e.get(last)!.value;
    const slices = slicer.drain();
    expect(slices).toBeGreaterThan(5);
    expect(e.busy()).toBe(false);
    expect(e.get(last)!.value).not.toBe(before);
    const progress = changes.map((c) => c.progress);
    expect(progress.at(-1)).toBeNull();
    const done = progress.slice(0, -1).map((p) => p!.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress[0]!.total).toBe(3001); // the chain and its grad cell

    const sync = createEngine();
    sync.load(doc);
    sync.setCell(first, '2');
    expect(snapshot(e)).toEqual(snapshot(sync));
  });

  it('edits made while it runs are applied after it, and the sheet converges', () => {
    const slicer = manualSlicer(3);
    const e = createEngine({ slicer });
    e.load(doc);
    slicer.drain();
    e.setCell(first, '5');
    slicer.queue.shift()!(); // one slice
    e.setCell('A10', 'A9 * 2'); // mid-chain, possibly not yet reached
    e.setName(first, 'x0');
    slicer.queue.shift()!();
    e.setCell('B1', 'A9999 + x0'); // A9999 is empty in a 3000-cell chain
    slicer.drain();
    expect(e.busy()).toBe(false);
    const fresh = createEngine();
    fresh.load(e.toDoc() as SheetDoc);
    expect(snapshot(e)).toEqual(snapshot(fresh));
  });

  it('mid-way, the grid shows the gradients computed last instead of running a whole reverse pass at once', () => {
    // A nonlinear chain, so the gradient changes when the input does.
    const cells = [{ at: 'A1', formula: '0.5' }];
    for (let i = 2; i <= 600; i++) cells.push({ at: `A${i}`, formula: `A${i - 1}*0.999+0.001*A${i - 1}*A${i - 1}` });
    cells.push({ at: 'B1', formula: 'grad(A600)' });
    const sheet: SheetDoc = { gradsheet: 1, cells };
    const slicer = manualSlicer(3);
    const e = createEngine({ slicer });
    e.load(sheet);
    slicer.drain();
    const before = e.get('A1')!.grad;
    const lossBefore = e.get('A600')!.value;
    e.setCell('A1', '0.9');
    // Run slices until the loss itself is recomputed while its reverse pass is still to come.
    while (e.busy() && e.get('A600')!.value === lossBefore) slicer.queue.shift()!();
    expect(e.busy()).toBe(true);
    expect(e.get('A1')!.grad).toBe(before); // the previous pass, not a fresh one run here
    expect(e.busy()).toBe(true);
    slicer.drain();
    const sync = createEngine();
    sync.load(sheet);
    sync.setCell('A1', '0.9');
    expect(e.get('A1')!.grad).toBe(sync.get('A1')!.grad);
    expect(e.get('A1')!.grad).not.toBe(before);
  });

  it('small recomputes finish within the first slice, before setCell returns', () => {
    const slicer = manualSlicer(1000);
    const e = createEngine({ slicer });
    e.setCell('A1', '2');
    e.setCell('A2', 'A1 * 3');
    expect(e.busy()).toBe(false);
    expect(slicer.queue.length).toBe(0);
    expect(e.get('A2')!.value).toBe(6);
  });
});
