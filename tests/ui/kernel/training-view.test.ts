// The training panel's views computed from a sheet: the decision boundary (the plan run on a
// grid where the data flows) and test digits with predicted and true labels.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { Matrix } from '../../../src/engine/tensor/value';
import { BOUNDARY_ROWS_PER_SLICE, boundaryJob, boundarySetup, computeBoundary, findClassifiers, testDigits } from '../../../src/ui/kernel/training-view';

function classifier() {
  const e = createEngine();
  e.batch(() => {
    e.setCell('A1', '[[-1, -1], [-2, -1], [-1, -2], [1, 1], [2, 1], [1, 2]]');
    e.setName('A1', 'X');
    e.setCell('A2', '[[0], [0], [0], [1], [1], [1]]');
    e.setName('A2', 'y');
    e.setCell('A3', '[[1, -1], [1, -1]]'); // class 0 where x + y < 0
    e.setName('A3', 'W');
    e.setCell('A4', 'X @ W * -1');
    e.setName('A4', 'scores');
    e.setCell('A5', 'accuracy(scores, y)');
  });
  return e;
}

describe('training view', () => {
  it('findClassifiers reads accuracy(scores, labels) cells', () => {
    expect(findClassifiers(classifier())).toEqual([{ accuracy: 'A5', scores: 'A4', labels: 'A2' }]);
  });

  it('the decision boundary classifies the grid with the current parameters, and follows a parameter change', () => {
    const e = classifier();
    const cls = findClassifiers(e)[0];
    const setup = boundarySetup(e, cls)!;
    expect(setup.dataAt).toBe('A1');
    const b = computeBoundary(e, setup, 16)!;
    expect(b.classes.length).toBe(256);
    // top-right corner (x, y large) is class 1, bottom-left class 0
    expect(b.classes[15]).toBe(1);
    expect(b.classes[15 * 16]).toBe(0);
    expect(Array.from(b.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    e.setParameter('A3', Matrix.fromRows([[-1, 1], [-1, 1]]));
    const flipped = computeBoundary(e, setup, 16)!;
    expect(flipped.classes[15]).toBe(0);
    expect(flipped.classes[15 * 16]).toBe(1);
  });

  it('the boundary in slices (one per task in the panel) is the boundary in one go, with the weights of its start', () => {
    const e = classifier();
    const setup = boundarySetup(e, findClassifiers(e)[0])!;
    const whole = computeBoundary(e, setup, 32)!;
    const job = boundaryJob(e, setup, 32)!;
    let slices = 1;
    let b;
    while ((b = job.next()) === undefined) {
      slices++;
      if (slices === 2) e.setParameter('A3', Matrix.fromRows([[-1, 1], [-1, 1]])); // mid-way: not seen by this job
    }
    expect(slices).toBe(32 / BOUNDARY_ROWS_PER_SLICE);
    expect(Array.from(b!.classes)).toEqual(Array.from(whole.classes));
    expect(job.next()).toBe(b); // a finished job keeps its answer
    expect(computeBoundary(e, setup, 32)!.classes[31]).toBe(0); // a new one sees the new weights
  });

  it('a sheet without 2-D data has no boundary; digits need 784-pixel images', () => {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', 'ones(4, 784) * 0.5');
      e.setCell('A2', 'A1 @ ones(784, 10) * 0 + [[1,0,0,0,0,0,0,0,0,0]]');
      e.setCell('A3', '[[0], [1], [0], [0]]');
      e.setCell('A4', 'accuracy(A2, A3)');
    });
    const cls = findClassifiers(e)[0];
    expect(boundarySetup(e, cls)).toBeNull();
    const digits = testDigits(e, cls)!;
    expect(digits.map((d) => [d.predicted, d.truth])).toEqual([[0, 0], [0, 1], [0, 0], [0, 0]]);
    expect(digits[0].pixels.length).toBe(784);
  });
});
