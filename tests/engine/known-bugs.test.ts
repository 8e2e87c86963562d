// Engine bugs found by the engine test suite in code this suite does not own
// (src/engine/engine.ts, eval/, graph/). Each test states the correct behaviour and FAILS
// until the bug is fixed; once green, move it next to its neighbours in edge-cases.test.ts.
// (Fixed already, and moved: stale gradients and check verdicts on cells pulled into a cycle,
// and independent cycles worded as one — see the "cycles" tests of edge-cases.test.ts.)
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine';

describe('known engine bugs', () => {
  // Minor (wording). gradientsOf() caches the loss's error message, label included, until the
  // loss is recomputed; naming the loss does not recompute it, so the grad cell keeps the old
  // label, and a fresh load of the same sheet words it differently.
  it('a grad cell’s “must be a scalar” message uses the loss’s current name', () => {
    const e = createEngine();
    e.setCell('B1', '[[0.5, -1], [2, 3]]');
    e.setCell('A1', 'grad(B1)');
    expect(e.get('A1')!.error?.message).toBe('the loss B1 must be a scalar, it is 2×2');
    e.setName('B1', 'x');
    expect(e.get('A1')!.error?.message).toBe('the loss x (B1) must be a scalar, it is 2×2'); // still "the loss B1 …"
  });
});
