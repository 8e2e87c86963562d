// Engine bugs found by the engine test suite in code this suite does not own
// (src/engine/engine.ts, eval/, graph/). Each test states the correct behaviour and FAILS
// until the bug is fixed; once green, move it next to its neighbours in edge-cases.test.ts.
// (Found and already fixed: stale gradients and ✓ verdicts on cells pulled into a cycle,
// independent cycles worded as one, stale names in #GRAD messages — see edge-cases.test.ts.)
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine';

describe('known engine bugs', () => {
  // The whole-sheet gradient check (engine.ts gradientCheck) compares grad and numgrad by
  // relativeError alone. A gradient that is exactly 0 in exact arithmetic comes out as
  // rounding noise on one side (−2.8e−17) and 0 (or ~1e−11·|L| of difference noise) on the
  // other: relative error 1, and a correct sheet fails `gradsheet check`. Softmax is
  // shift-invariant, so a scalar bias added to all scores has exactly this zero gradient.
  it('a correct softmax classifier with a scalar bias passes the whole-sheet gradient check', () => {
    const e = createEngine();
    e.load({
      gradsheet: 1,
      cells: [
        { at: 'A1', name: 'X', formula: '[[0.5, -1.2], [0.3, 0.8], [-0.7, 0.1]]' },
        { at: 'A2', name: 'W', formula: '[[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]]' },
        { at: 'A3', name: 'b', formula: '0.1' },
        { at: 'A4', name: 'y', formula: '[[0], [2], [1]]' },
        { at: 'B1', name: 'scores', formula: 'X @ W + b' },
        { at: 'B2', name: 'L', formula: 'cross_entropy(scores, y)' },
        { at: 'C1', formula: 'grad(L)' },
      ],
    });
    expect(Math.abs(e.get('A3')!.grad as number)).toBeLessThan(1e-15); // ∂L/∂b = Σ(p − y)/n = 0
    const [gc] = e.gradientCheck();
    expect(gc.rows.find((r) => r.at === 'A3')).toBeDefined();
    expect(gc.pass).toBe(true); // actually false: A3 has relative error 1 (−2.8e−17 against 0)
  });
});
