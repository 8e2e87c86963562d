// The short-k layers (k ≤ 4: a first layer over 2-D points, δ·Wᵀ over a few classes) run in
// WebAssembly SIMD when available and in plain JS otherwise: both must give the same bits,
// epilogue included (bias, ReLU, the ReLU mask with its zeros and NaNs, column sums that start
// from zero or add into what is there), so the Worker, the CLI and a machine without SIMD agree.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Epilogue, matmulInto, setInplaceWasmThreshold } from '../../../src/engine/tensor/inplace';

afterEach(() => {
  setInplaceWasmThreshold(1 << 12);
});

const same = (a: Float64Array, b: Float64Array, what: string) => {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect(`${what}[${i}] = ${a[i]}`).toBe(`${what}[${i}] = ${b[i]}`);
};

describe('short-k layers: WebAssembly and JS give the same bits', () => {
  it('nn (bias, ReLU) and nt (ReLU mask, column sums), odd and even widths, zeros, NaN and ±∞', () => {
    expect(setInplaceWasmThreshold(0), 'WebAssembly SIMD is available here').toBe(true);
    const entry = fc.oneof(
      { weight: 8, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 11 }),
        fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.infiniteStream(entry),
        (m, k, n, nt, bias, relu, colsumAcc, masked, draw) => {
          const arr = (len: number, relu = false) => Float64Array.from({ length: len }, () => {
            const x = draw.next().value as number;
            return relu ? (Number.isNaN(x) ? x : Math.max(x, 0)) : x; // a ReLU output: ≥ +0 or NaN
          });
          const A = arr(m * k), B = arr(k * n), b = bias ? arr(n) : null, mask = nt && masked ? arr(m * n, true) : null;
          const start = arr(n);
          const run = (threshold: number) => {
            setInplaceWasmThreshold(threshold);
            const out = new Float64Array(m * n), colsum = nt ? start.slice() : null;
            const ep: Epilogue = { bias: nt ? null : b, relu: nt ? false : relu, mask, colsum, colsumAcc };
            matmulInto(out, A, B, m, k, n, nt ? 'nt' : 'nn', false, ep);
            return { out, colsum };
          };
          const w = run(0), j = run(Infinity);
          same(w.out, j.out, 'out');
          if (w.colsum) same(w.colsum, j.colsum!, 'colsum');
        },
      ),
      { numRuns: 300 },
    );
  });
});
