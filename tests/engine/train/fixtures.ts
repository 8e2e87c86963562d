// Small training sheets shared by the training tests.
import type { SheetDoc } from '../../../src/engine/sheet/document';

export function doc(cells: Record<string, string>, names: Record<string, string> = {}): SheetDoc {
  return {
    gradsheet: 1,
    cells: Object.entries(cells).map(([at, formula]) => (names[at] ? { at, name: names[at], formula } : { at, formula })),
  };
}

/** A seeded 2-class problem on 40 points, a linear softmax classifier trained on minibatches with momentum. */
export function tinyClassifier(opt = 'sgd(L, 0.5, 0.9)', seed = 3): SheetDoc {
  return doc(
    {
      A1: `randn(40, 2, ${seed})`,
      A2: 'X @ [[1], [0.5]] > 0',
      A3: 'param(0.01 * randn(2, 2, 1))',
      A4: 'param(zeros(1, 2))',
      A5: 'minibatch(40, 10, 7)',
      A6: 'cross_entropy(take(X, idx) @ W + b, take(y, idx))',
      A7: opt,
      A8: 'accuracy(X @ W + b, y)',
      A9: 'grad(L)',
    },
    { A1: 'X', A2: 'y', A3: 'W', A4: 'b', A5: 'idx', A6: 'L', A7: 'opt', A8: 'acc' },
  );
}
