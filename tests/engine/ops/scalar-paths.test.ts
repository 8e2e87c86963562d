// Ops may carry a fast path for plain numbers (`scalar`, `scalarVjp`) next to their general
// forward and VJPs. The fast path must compute exactly what the general path computes.
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../src/engine/ops/registry';
import { Matrix, type Value } from '../../../src/engine/tensor/value';

const asNumber = (v: Value): number => (typeof v === 'number' ? v : (v as Matrix).data[0]);
// 0 and NaN too: the fast paths must keep NaN exactly where the general paths do (issue 7.2).
const samples = [-2.5, -1, -0.3, 0, 0.4, 1, 1.7, 3, NaN];

/** Equal to 12 digits, or both NaN (log of a negative number is NaN on either path). */
function same(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Object.is(a, b) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));
}

describe('scalar fast paths', () => {
  const ops = createRegistry().all().filter((op) => op.scalar);

  it('exist for the arithmetic and elementwise ops of scalar sheets', () => {
    expect(ops.map((o) => o.name)).toEqual(expect.arrayContaining(['add', 'sub', 'mul', 'div', 'pow', 'neg', 'exp', 'tanh', 'sigmoid', 'relu']));
  });

  for (const op of createRegistry().all().filter((o) => o.scalar)) {
    it(`${op.name}: scalar() and scalarVjp agree with forward() and vjp on numbers and on 1×1 matrices`, () => {
      for (const x of samples) {
        for (const y of op.minArgs === 2 ? samples : [0]) {
          const args = op.minArgs === 2 ? [x, y] : [x];
          const want = op.forward!(args, { meta: {} });
          const got = op.scalar!(x, y);
          expect(same(got, asNumber(want)), `${op.name}(${args}) = ${got} vs ${asNumber(want)}`).toBe(true);
          // The general path on 1×1 matrices must agree too (the same values in another shape).
          const m = args.map((a) => new Matrix(1, 1, Float64Array.of(a)));
          expect(same(asNumber(op.forward!(m, { meta: {} })), got)).toBe(true);
          for (let k = 0; k < args.length; k++) {
            const general = op.vjp?.[k];
            const fast = op.scalarVjp?.[k];
            if (!general) continue;
            expect(fast, `${op.name} has a general VJP for input ${k} but no scalar one`).toBeTruthy();
            const g = 0.7;
            const a = asNumber(general(g, args, got));
            const b = fast!(g, x, y, got);
            expect(same(a, b), `${op.name} d/d${k} at (${args}): ${b} vs ${a}`).toBe(true);
          }
        }
      }
    });
  }
});
