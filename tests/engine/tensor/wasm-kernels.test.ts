// The WebAssembly SIMD matrix products (src/engine/tensor/wasm/) against the JS kernels they
// replace and a naive loop: every orientation, odd and degenerate shapes, zeros next to ∞ (0·∞
// must stay NaN), NaN; the committed .wasm against its source; linear memory reused, not leaked.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OpError } from '../../../src/engine/errors';
import { matmul, matmulTA, matmulTB, setKernelBackend, wasmKernelsAvailable } from '../../../src/engine/tensor/kernels';
import { loadWasmGemm, RETAIN_BYTES } from '../../../src/engine/tensor/wasm/gemm';
import { Matrix } from '../../../src/engine/tensor/value';
import { makeRandom, type Rand } from '../helpers';

afterEach(() => {
  setKernelBackend('auto');
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Entries: a fraction `zeros` of ±0, with specials 2% +∞, 2% −∞, 1% NaN, the rest uniform in [−2, 2). */
function randomMatrix(rand: Rand, r: number, c: number, specials: boolean, zeros = 0.3): Matrix {
  const d = new Float64Array(r * c);
  for (let i = 0; i < d.length; i++) {
    const u = rand(), z = zeros;
    d[i] = u < z ? (rand() < 0.5 ? 0 : -0) : specials && u < z + 0.02 ? Infinity : specials && u < z + 0.04 ? -Infinity : specials && u < z + 0.05 ? NaN : rand() * 4 - 2;
  }
  return new Matrix(r, c, d);
}

/** C = op(A)·op(B) by the textbook triple loop: the reference both backends must match. */
function naive(a: Matrix, b: Matrix, ta: boolean, tb: boolean): Matrix {
  const m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols, n = tb ? b.rows : b.cols;
  const A = (i: number, p: number) => (ta ? a.data[p * a.cols + i] : a.data[i * a.cols + p]);
  const B = (p: number, j: number) => (tb ? b.data[j * b.cols + p] : b.data[p * b.cols + j]);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
    out[i * n + j] = s;
  }
  return new Matrix(m, n, out);
}

/** Same shape; NaN where expected is NaN, ±∞ exactly, finite entries to 1e-12 relative. */
function expectClose(actual: Matrix, expected: Matrix, what: string): void {
  expect([actual.rows, actual.cols], what).toEqual([expected.rows, expected.cols]);
  for (let i = 0; i < expected.data.length; i++) {
    const x = actual.data[i], y = expected.data[i];
    const ok = Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y), 1e-300);
    if (!ok) throw new Error(`${what}: entry ${i} is ${x}, expected ${y}`);
  }
}

type Kernel = (a: Matrix, b: Matrix) => Matrix;
const ORIENTATIONS: [string, Kernel, boolean, boolean][] = [
  ['matmul (A·B)', matmul, false, false],
  ['matmulTA (Aᵀ·B)', matmulTA, true, false],
  ['matmulTB (A·Bᵀ)', matmulTB, false, true],
];

/** Operands for C (m×n) with inner size k in the layout each kernel takes. */
function operands(rand: Rand, m: number, k: number, n: number, ta: boolean, tb: boolean, specials: boolean, zerosOfA = 0.3): [Matrix, Matrix] {
  return [
    ta ? randomMatrix(rand, k, m, specials, zerosOfA) : randomMatrix(rand, m, k, specials, zerosOfA),
    tb ? randomMatrix(rand, n, k, specials) : randomMatrix(rand, k, n, specials),
  ];
}

function both(kernel: Kernel, a: Matrix, b: Matrix): { js: Matrix; wasm: Matrix } {
  setKernelBackend('js');
  const js = kernel(a, b);
  setKernelBackend('wasm');
  const wasm = kernel(a, b);
  setKernelBackend('auto');
  return { js, wasm };
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [1, 300, 5], [5, 300, 1], [1, 1, 9], [9, 1, 1], [3, 5, 7], [4, 4, 4], [5, 9, 6],
  [300, 2, 100], [300, 100, 3], [64, 100, 10], [17, 257, 13], [33, 513, 3], [7, 3, 261], [6, 0, 5],
  [2, 600, 2], [13, 31, 258],
];

describe('WebAssembly SIMD matrix products', () => {
  it('are available in Node 20 (validated and compiled at start-up)', () => {
    expect(wasmKernelsAvailable()).toBe(true);
    expect(setKernelBackend('wasm')).toBe(true);
  });

  for (const [name, kernel, ta, tb] of ORIENTATIONS) {
    it(`${name}: wasm and JS agree with the naive loop on odd, 1×n, n×1 and empty shapes`, () => {
      const rand = makeRandom(11);
      for (const [m, k, n] of SHAPES) {
        const [a, b] = operands(rand, m, k, n, ta, tb, false);
        const ref = naive(a, b, ta, tb);
        const { js, wasm } = both(kernel, a, b);
        expectClose(js, ref, `${name} js ${m}×${k}·${k}×${n}`);
        expectClose(wasm, ref, `${name} wasm ${m}×${k}·${k}×${n}`);
        expectClose(wasm, js, `${name} wasm vs js ${m}×${k}·${k}×${n}`);
      }
    });

    it(`${name}: zeros against ±∞ give NaN, NaN propagates, in both backends`, () => {
      const rand = makeRandom(12);
      for (const [m, k, n] of SHAPES) {
        const [a, b] = operands(rand, m, k, n, ta, tb, true);
        const ref = naive(a, b, ta, tb);
        const { js, wasm } = both(kernel, a, b);
        expectClose(js, ref, `${name} js ${m}×${k}·${k}×${n} with specials`);
        expectClose(wasm, ref, `${name} wasm ${m}×${k}·${k}×${n} with specials`);
      }
    });

    it(`${name}: A mostly zeros (ReLU outputs, image borders: the JS kernels skip them) against B with ±∞ and NaN, in both backends`, () => {
      const rand = makeRandom(16);
      for (const [m, k, n] of SHAPES) {
        for (const specials of [false, true]) {
          const [a, b] = operands(rand, m, k, n, ta, tb, specials, 0.85);
          const ref = naive(a, b, ta, tb);
          const { js, wasm } = both(kernel, a, b);
          expectClose(js, ref, `${name} js ${m}×${k}·${k}×${n} sparse`);
          expectClose(wasm, ref, `${name} wasm ${m}×${k}·${k}×${n} sparse`);
        }
      }
    });

    it(`${name}: random shapes, both backends to 1e-12 relative`, () => {
      const rand = makeRandom(13);
      for (let t = 0; t < 40; t++) {
        const m = 1 + Math.floor(rand() * 70), k = 1 + Math.floor(rand() * 300), n = 1 + Math.floor(rand() * 70);
        const [a, b] = operands(rand, m, k, n, ta, tb, t % 4 === 0, t % 3 === 0 ? 0.9 : 0.3);
        const { js, wasm } = both(kernel, a, b);
        expectClose(wasm, js, `${name} ${m}×${k}·${k}×${n}`);
      }
    });
  }

  it('0 · ∞ is NaN in wasm too: a zero of A is never skipped against a non-finite B', () => {
    setKernelBackend('wasm');
    const a = new Matrix(1, 2, Float64Array.of(0, 1));
    expect(Number.isNaN(matmul(a, new Matrix(2, 1, Float64Array.of(Infinity, 1))).data[0])).toBe(true);
    expect(Number.isNaN(matmulTA(new Matrix(2, 1, Float64Array.of(0, 1)), new Matrix(2, 1, Float64Array.of(-Infinity, 1))).data[0])).toBe(true);
    expect(Number.isNaN(matmulTB(a, new Matrix(1, 2, Float64Array.of(NaN, 1))).data[0])).toBe(true);
    expect(matmul(a, new Matrix(2, 1, Float64Array.of(5, 1))).data[0]).toBe(1);
    // Mostly zeros (the JS kernels skip zeros of A, but only against finite rows of B): row 2 of B holds ∞.
    const sparse = new Matrix(4, 8, new Float64Array(32));
    sparse.data[0] = 1;
    const b = new Matrix(8, 3, new Float64Array(24).fill(1));
    b.data[3 * 2 + 1] = Infinity;
    const c = matmul(sparse, b);
    expect(Array.from(c.data.subarray(0, 3))).toEqual([1, NaN, 1]);
    for (let i = 1; i < 4; i++) expect(Number.isNaN(c.data[i * 3 + 1])).toBe(true);
  });

  it('a product over the work limit is a #SIZE error before any copy into linear memory', () => {
    setKernelBackend('wasm');
    // Shapes without data: reaching the copy would produce a result, not an error.
    const a = new Matrix(2000, 1000, new Float64Array(0)), b = new Matrix(1000, 2000, new Float64Array(0));
    for (const [kernel, x, y] of [[matmul, a, b], [matmulTA, b, b], [matmulTB, a, a]] as [Kernel, Matrix, Matrix][]) {
      try {
        kernel(x, y);
        throw new Error('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(OpError);
        expect((e as OpError).kind).toBe('SIZE');
      }
    }
  });
});

describe('start-up choice', () => {
  it('without WebAssembly, or where the SIMD module does not validate, the JS kernels run', async () => {
    const a = new Matrix(9, 12, Float64Array.from({ length: 108 }, (_, i) => Math.sin(i)));
    const b = new Matrix(12, 7, Float64Array.from({ length: 84 }, (_, i) => Math.cos(i)));
    const expected = naive(a, b, false, false);
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(loadWasmGemm()).toBeNull();
    vi.restoreAllMocks();
    vi.stubGlobal('WebAssembly', undefined);
    expect(loadWasmGemm()).toBeNull();
    // A fresh copy of kernels.ts decides at import, as the page, a Worker and the CLI do.
    vi.resetModules();
    const k = await import('../../../src/engine/tensor/kernels');
    expect(k.wasmKernelsAvailable()).toBe(false);
    expect(k.setKernelBackend('wasm')).toBe(false);
    expectClose(k.matmul(a, b), expected, 'matmul without WebAssembly');
    expectClose(k.matmulTA(a, a), naive(a, a, true, false), 'matmulTA without WebAssembly');
    expectClose(k.matmulTB(b, b), naive(b, b, false, true), 'matmulTB without WebAssembly');
  });
});

describe('linear memory', () => {
  it('grows once for a size and is reused by later products of that size or smaller', () => {
    const g = loadWasmGemm()!;
    const rand = makeRandom(14);
    const a = randomMatrix(rand, 200, 300, false), b = randomMatrix(rand, 300, 150, false);
    const first = g.product('AB', a.data, 200, 300, b.data, 300, 150)!;
    const held = g.keptBytes;
    expect(held).toBeGreaterThanOrEqual((200 * 300 + 300 * 150 + 300 * 152 + 200 * 152) * 8);
    for (let i = 0; i < 5; i++) {
      const again = g.product('AB', a.data, 200, 300, b.data, 300, 150)!;
      expect(Array.from(again)).toEqual(Array.from(first)); // nothing left over from the last call
      g.product('ATB', b.data, 300, 150, b.data, 300, 150);
      expect(g.keptBytes).toBe(held);
    }
    // Into a preallocated buffer (a plan's): the same numbers, in that buffer.
    const out = new Float64Array(200 * 150).fill(NaN);
    expect(g.product('AB', a.data, 200, 300, b.data, 300, 150, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(first));
    expect(() => g.product('AB', a.data, 200, 300, b.data, 300, 150, new Float64Array(5))).toThrow(RangeError);
    expect(g.keptBytes).toBe(held);
  });

  it(`a product needing more than ${RETAIN_BYTES >> 20} MiB runs in memory of its own, so the kept memory does not grow`, () => {
    const g = loadWasmGemm()!;
    const rand = makeRandom(15);
    const small = randomMatrix(rand, 8, 8, false);
    g.product('AB', small.data, 8, 8, small.data, 8, 8);
    const held = g.keptBytes;
    // A 3000×3000 result: 72 MB of linear memory, over the retained limit.
    const n = 3000, k = 2;
    const a = randomMatrix(rand, n, k, false), b = randomMatrix(rand, k, n, false);
    const c = g.product('AB', a.data, n, k, b.data, k, n)!;
    expect(c.length).toBe(n * n);
    expect(c[n * n - 1]).toBeCloseTo(a.data[2 * n - 2] * b.data[n - 1] + a.data[2 * n - 1] * b.data[2 * n - 1], 12);
    expect(g.keptBytes).toBe(held);
  });
});

describe('the committed kernels.generated.ts', () => {
  it('is byte-identical to a fresh build of its AssemblyScript source (npm run build:wasm), and a one-character change is caught', () => {
    const committed = 'src/engine/tensor/wasm/kernels.generated.ts';
    const dir = mkdtempSync(join(tmpdir(), 'gradsheet-wasm-'));
    try {
      // One compilation checks both files: the committed one and a copy with one base64 character changed.
      const tampered = join(dir, 'kernels.generated.ts');
      const text = readFileSync(committed, 'utf8');
      const at = text.lastIndexOf("'") - 5;
      writeFileSync(tampered, text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
      const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check', committed, tampered], { encoding: 'utf8' });
      expect(r.stdout).toContain(`${committed} matches`);
      expect(r.stderr).not.toContain(`${committed} does not match`);
      expect(r.stderr).toMatch(/kernels\.generated\.ts does not match its source/);
      expect(r.status).toBe(1); // the tampered copy
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000); // asc's optimiser takes seconds, more on a busy machine
});
