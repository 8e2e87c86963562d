// Numeric kernels over Values: NumPy broadcasting on 2-D shapes, its inverse (unbroadcast),
// matrix products in the three orientations backprop needs, transposes and axis sums.
// Loops are plain typed-array loops: they are the whole cost of batched mode. Matrix products big
// enough to pay for it run in WebAssembly SIMD (wasm/) where the engine has it; these loops remain
// the fallback and give the same numbers.
import { OpError } from '../errors';
import { Matrix, type Value, checkSize, shapeText } from './value';
import { loadWasmGemm, type Orientation } from './wasm/gemm';

/** Shape of broadcasting a with b (NumPy rules on 2-D), or an OpError naming both shapes. */
export function broadcastShape(ar: number, ac: number, br: number, bc: number, what: string): [number, number] {
  const r = ar === br ? ar : ar === 1 ? br : br === 1 ? ar : -1;
  const c = ac === bc ? ac : ac === 1 ? bc : bc === 1 ? ac : -1;
  if (r < 0 || c < 0) {
    throw new OpError('SHAPE', `${what}: shapes ${ar}×${ac} and ${br}×${bc} do not broadcast`);
  }
  return [r, c];
}

/** Elementwise f(a, b) with broadcasting; numbers stay numbers. */
export function zip(a: Value, b: Value, f: (x: number, y: number) => number, what: string): Value {
  if (typeof a === 'number') {
    if (typeof b === 'number') return f(a, b);
    const out = new Float64Array(b.data.length);
    const bd = b.data;
    for (let i = 0; i < bd.length; i++) out[i] = f(a, bd[i]);
    return new Matrix(b.rows, b.cols, out);
  }
  if (typeof b === 'number') {
    const out = new Float64Array(a.data.length);
    const ad = a.data;
    for (let i = 0; i < ad.length; i++) out[i] = f(ad[i], b);
    return new Matrix(a.rows, a.cols, out);
  }
  const [r, c] = broadcastShape(a.rows, a.cols, b.rows, b.cols, what);
  checkSize(r, c); // an n×1 against a 1×m broadcasts to n·m entries: the allocation limit applies
  const out = new Float64Array(r * c);
  const ad = a.data, bd = b.data;
  if (a.rows === r && a.cols === c && b.rows === r && b.cols === c) {
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], bd[i]);
  } else {
    // General case: stride 0 along a broadcast axis.
    const ars = a.rows === 1 ? 0 : a.cols, acs = a.cols === 1 ? 0 : 1;
    const brs = b.rows === 1 ? 0 : b.cols, bcs = b.cols === 1 ? 0 : 1;
    for (let i = 0; i < r; i++) {
      const ao = i * ars, bo = i * brs, oo = i * c;
      for (let j = 0; j < c; j++) out[oo + j] = f(ad[ao + j * acs], bd[bo + j * bcs]);
    }
  }
  return new Matrix(r, c, out);
}

export type ArithOp = '+' | '-' | '*' | '/';

/**
 * a (+ − × ÷) b with broadcasting, written out loop by loop: a generic zip calls its
 * function per element through a megamorphic call, about 5× slower on large matrices.
 */
export function arith(op: ArithOp, a: Value, b: Value, what: string = op): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  }
  const A = typeof a === 'number' ? Float64Array.of(a) : a.data;
  const B = typeof b === 'number' ? Float64Array.of(b) : b.data;
  const ar = typeof a === 'number' ? 1 : a.rows, ac = typeof a === 'number' ? 1 : a.cols;
  const br = typeof b === 'number' ? 1 : b.rows, bc = typeof b === 'number' ? 1 : b.cols;
  const [r, c] = broadcastShape(ar, ac, br, bc, what);
  checkSize(r, c); // as in zip: broadcasting may outgrow both operands
  const out = new Float64Array(r * c);
  const ars = ar === 1 ? 0 : ac, acs = ac === 1 ? 0 : 1;
  const brs = br === 1 ? 0 : bc, bcs = bc === 1 ? 0 : 1;
  for (let i = 0; i < r; i++) {
    const ao = i * ars, bo = i * brs, o = i * c;
    if (acs === 1 && bcs === 1) {
      switch (op) {
        case '+': for (let j = 0; j < c; j++) out[o + j] = A[ao + j] + B[bo + j]; break;
        case '-': for (let j = 0; j < c; j++) out[o + j] = A[ao + j] - B[bo + j]; break;
        case '*': for (let j = 0; j < c; j++) out[o + j] = A[ao + j] * B[bo + j]; break;
        case '/': for (let j = 0; j < c; j++) out[o + j] = A[ao + j] / B[bo + j]; break;
      }
    } else {
      switch (op) {
        case '+': for (let j = 0; j < c; j++) out[o + j] = A[ao + j * acs] + B[bo + j * bcs]; break;
        case '-': for (let j = 0; j < c; j++) out[o + j] = A[ao + j * acs] - B[bo + j * bcs]; break;
        case '*': for (let j = 0; j < c; j++) out[o + j] = A[ao + j * acs] * B[bo + j * bcs]; break;
        case '/': for (let j = 0; j < c; j++) out[o + j] = A[ao + j * acs] / B[bo + j * bcs]; break;
      }
    }
  }
  return new Matrix(r, c, out);
}

/** Elementwise f(x); numbers stay numbers. */
export function map(a: Value, f: (x: number) => number): Value {
  if (typeof a === 'number') return f(a);
  const out = new Float64Array(a.data.length);
  const ad = a.data;
  for (let i = 0; i < ad.length; i++) out[i] = f(ad[i]);
  return new Matrix(a.rows, a.cols, out);
}

/**
 * Sum g down to shape rows×cols: the adjoint of broadcasting. A bias b (1×K) added to
 * an n×K matrix receives the column sums of the upstream gradient.
 */
export function unbroadcast(g: Value, rows: number, cols: number): Value {
  if (typeof g === 'number') {
    if (rows === 1 && cols === 1) return g;
    // A scalar gradient flowing to a matrix input that broadcast against a scalar: every entry gets g.
    const out = new Float64Array(rows * cols).fill(g);
    return new Matrix(rows, cols, out);
  }
  if (g.rows === rows && g.cols === cols) return g;
  if (rows === 1 && cols === 1) {
    let s = 0;
    const d = g.data;
    for (let i = 0; i < d.length; i++) s += d[i];
    return s;
  }
  if (rows === 1 && cols === g.cols) return sumRows(g);
  if (cols === 1 && rows === g.rows) return sumCols(g);
  // g smaller than the target (a scalar-like g broadcast up): expand.
  if ((g.rows === 1 || g.rows === rows) && (g.cols === 1 || g.cols === cols)) {
    return zip(g, new Matrix(rows, cols, new Float64Array(rows * cols)), (x) => x, 'unbroadcast');
  }
  throw new OpError('SHAPE', `cannot reduce a ${shapeText(g)} gradient to ${rows}×${cols}`);
}

/** Column sums: n×c → 1×c (NumPy sum(axis=0, keepdims=True)). */
export function sumRows(a: Matrix): Matrix {
  const out = new Float64Array(a.cols);
  const d = a.data, c = a.cols;
  for (let i = 0; i < a.rows; i++) {
    const o = i * c;
    for (let j = 0; j < c; j++) out[j] += d[o + j];
  }
  return new Matrix(1, c, out);
}

/** Row sums: n×c → n×1 (NumPy sum(axis=1, keepdims=True)). */
export function sumCols(a: Matrix): Matrix {
  const out = new Float64Array(a.rows);
  const d = a.data, c = a.cols;
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    const o = i * c;
    for (let j = 0; j < c; j++) s += d[o + j];
    out[i] = s;
  }
  return new Matrix(a.rows, 1, out);
}

export function sumAll(a: Value): number {
  if (typeof a === 'number') return a;
  let s = 0;
  const d = a.data;
  for (let i = 0; i < d.length; i++) s += d[i];
  return s;
}

export function transpose(a: Value): Value {
  if (typeof a === 'number') return a;
  const { rows: r, cols: c } = a;
  if (r === 1 || c === 1) return new Matrix(c, r, a.data.slice());
  const out = new Float64Array(r * c);
  const d = a.data;
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = d[i * c + j];
  return new Matrix(c, r, out);
}

// Loop orders: the innermost loop should run long. With a narrow result (n < NARROW, e.g.
// the 3 class scores of the spiral) the textbook i-k-j order has a 3-long inner loop, so the
// narrow cases run dot products along the long dimension instead.
const NARROW = 8;

/**
 * Results at most 4 wide (class scores, their gradients) get their own loops: the 1–4
 * columns are padded to 4 and held in four accumulators, so each pass over the long
 * dimension does all of them at once (measured: the spiral MLP step 1.5 → 1.1 ms).
 * Padding zeros meet only padding, so no 0·∞ NaN leaks into the columns that are kept.
 */
const SMALL = 4;

/**
 * The most multiply-adds one matrix product may take (a few seconds of one core): a product
 * of two allowed-size matrices can need 10^11 and would hang the page; it is a #SIZE error.
 */
const MAX_MATMUL_WORK = 2e9;

function checkWork(m: number, k: number, n: number): void {
  if (m * k * n > MAX_MATMUL_WORK) {
    throw new OpError('SIZE', `a matrix product of ${m}×${k} and ${k}×${n} needs ${(m * k * n).toExponential(2)} multiply-adds (at most ${MAX_MATMUL_WORK.toExponential(0)})`);
  }
}

/**
 * Which kernels run the matrix products: 'auto' (the default) uses WebAssembly SIMD for products
 * big enough to pay for copying into linear memory, 'wasm' uses it for every product (tests),
 * 'js' never. Where WebAssembly SIMD is unavailable every setting runs the JS kernels.
 */
export type KernelBackend = 'auto' | 'wasm' | 'js';
let backend: KernelBackend = 'auto';
/** Decided once, at start-up: null where the engine cannot validate or compile the SIMD module. */
const wasmGemm = loadWasmGemm();

/** Sets the matrix-product backend; returns whether WebAssembly SIMD is available at all. */
export function setKernelBackend(b: KernelBackend): boolean {
  backend = b;
  return wasmGemm !== null;
}

/** Whether matrix products can run in WebAssembly SIMD here. */
export function wasmKernelsAvailable(): boolean {
  return wasmGemm !== null;
}

/**
 * Where WebAssembly pays (bench/gemm.ts --crossover, best of 30): from about 8×8·8×8 on, wasm
 * is 2× the JS kernels including the copies in and out; at 4×4·4×4 they are even and below it
 * the call and copies dominate. A lone dot product (a 1×1 result) stays in JS: the 4×4 register
 * block would compute 16 entries to keep one.
 */
const WASM_MIN_WORK = 512;
const WASM_MIN_ENTRIES = 4;

/** C (m×n) = A'(m×k)·B'(k×n) in WebAssembly when chosen and possible; null means: run the JS kernel. */
function productInWasm(o: Orientation, a: Matrix, b: Matrix, m: number, k: number, n: number): Matrix | null {
  if (wasmGemm === null || backend === 'js' || m === 0 || n === 0) return null;
  if (backend === 'auto' && (m * k * n < WASM_MIN_WORK || m * n < WASM_MIN_ENTRIES)) return null;
  const C = wasmGemm.product(o, a.data, a.rows, a.cols, b.data, b.rows, b.cols);
  return C && new Matrix(m, n, C);
}

/** The rows×cols matrix d widened to rows×4 with zero columns. */
function pad4(d: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * 4);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * 4 + j] = d[i * cols + j];
  return out;
}

/** C = A·B (m×k · k×n). */
export function matmul(a: Matrix, b: Matrix): Matrix {
  const m = a.rows, k = a.cols, n = b.cols;
  if (b.rows !== k) throw new OpError('SHAPE', `matrix product: ${m}×${k} @ ${b.rows}×${n} (inner sizes ${k} and ${b.rows} differ)`);
  checkSize(m, n); // an outer product n×1 @ 1×m is larger than both factors
  checkWork(m, k, n);
  const fast = productInWasm('AB', a, b, m, k, n);
  if (fast) return fast;
  const C = new Float64Array(m * n);
  const A = a.data, B = b.data;
  if (n <= SMALL && k >= NARROW) {
    const B4 = pad4(B, k, n);
    // Zeros of A (ReLU outputs) are skipped where that row of B is finite (0·∞ must stay NaN).
    const finiteRow = new Uint8Array(k);
    for (let p = 0; p < k; p++) finiteRow[p] = Number.isFinite(B4[p * 4] + B4[p * 4 + 1] + B4[p * 4 + 2] + B4[p * 4 + 3]) ? 1 : 0;
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = A[ao + p], q = p * 4;
        if (av === 0 && finiteRow[p] === 1) continue;
        s0 += av * B4[q];
        s1 += av * B4[q + 1];
        s2 += av * B4[q + 2];
        s3 += av * B4[q + 3];
      }
      const o = i * n;
      C[o] = s0;
      if (n > 1) C[o + 1] = s1;
      if (n > 2) C[o + 2] = s2;
      if (n > 3) C[o + 3] = s3;
    }
    return new Matrix(m, n, C);
  }
  if (n < NARROW && k >= NARROW) {
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[ao + p] * B[p * n + j];
        C[i * n + j] = s;
      }
    }
    return new Matrix(m, n, C);
  }
  const finite = new Int8Array(k);
  for (let i = 0; i < m; i++) {
    const co = i * n;
    for (let p = 0; p < k; p++) {
      const av = A[i * k + p];
      // ReLU outputs are half zeros; skipping them is exact only when that row of B is finite (0·∞ is NaN).
      if (av === 0 && allFinite(B, p * n, 1, n, finite, p)) continue;
      const bo = p * n;
      for (let j = 0; j < n; j++) C[co + j] += av * B[bo + j];
    }
  }
  return new Matrix(m, n, C);
}

/**
 * Whether the `count` entries of B from `off` in steps of `stride` are all finite, remembered in
 * memo[slot] (0 unknown, 1 yes, 2 no): the matrix products skip zeros of A only then, since 0·∞ is NaN.
 */
function allFinite(B: Float64Array, off: number, stride: number, count: number, memo: Int8Array, slot: number): boolean {
  if (memo[slot] === 0) {
    memo[slot] = 1;
    for (let q = 0; q < count; q++) if (!Number.isFinite(B[off + q * stride])) { memo[slot] = 2; break; }
  }
  return memo[slot] === 1;
}

/** C = Aᵀ·B (A m×k, B m×n → k×n) without materialising Aᵀ: the weight gradient Xᵀ·δ. */
export function matmulTA(a: Matrix, b: Matrix): Matrix {
  const m = a.rows, k = a.cols, n = b.cols;
  checkWork(m, k, n);
  const fast = productInWasm('ATB', a, b, k, m, n);
  if (fast) return fast;
  const C = new Float64Array(k * n);
  const A = a.data, B = b.data;
  if (n <= SMALL && m >= NARROW) {
    const B4 = pad4(B, m, n);
    const C4 = new Float64Array(k * 4);
    for (let i = 0; i < m; i++) {
      const ao = i * k, bo = i * 4;
      const b0 = B4[bo], b1 = B4[bo + 1], b2 = B4[bo + 2], b3 = B4[bo + 3];
      const finite = Number.isFinite(b0 + b1 + b2 + b3); // a sum overflowing to ∞ only skips the skip
      for (let p = 0; p < k; p++) {
        const av = A[ao + p], q = p * 4;
        if (av === 0 && finite) continue;
        C4[q] += av * b0;
        C4[q + 1] += av * b1;
        C4[q + 2] += av * b2;
        C4[q + 3] += av * b3;
      }
    }
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) C[p * n + j] = C4[p * 4 + j];
    return new Matrix(k, n, C);
  }
  if (n < NARROW && m >= NARROW) {
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += A[i * k + p] * B[i * n + j];
        C[p * n + j] = s;
      }
    }
    return new Matrix(k, n, C);
  }
  const finite = new Int8Array(m);
  for (let i = 0; i < m; i++) {
    const bo = i * n, ao = i * k;
    for (let p = 0; p < k; p++) {
      const av = A[ao + p];
      if (av === 0 && allFinite(B, bo, 1, n, finite, i)) continue;
      const co = p * n;
      for (let j = 0; j < n; j++) C[co + j] += av * B[bo + j];
    }
  }
  return new Matrix(k, n, C);
}

/** C = A·Bᵀ (A m×n, B k×n → m×k) without materialising Bᵀ: the input gradient δ·Wᵀ. */
export function matmulTB(a: Matrix, b: Matrix): Matrix {
  const m = a.rows, n = a.cols, k = b.rows;
  checkWork(m, n, k);
  const fast = productInWasm('ABT', a, b, m, n, k);
  if (fast) return fast;
  const C = new Float64Array(m * k);
  const A = a.data, B = b.data;
  if (n <= SMALL && k >= NARROW) {
    const A4 = pad4(A, m, n), B4 = pad4(B, k, n);
    for (let i = 0; i < m; i++) {
      const ao = i * 4, co = i * k;
      const a0 = A4[ao], a1 = A4[ao + 1], a2 = A4[ao + 2], a3 = A4[ao + 3];
      for (let p = 0; p < k; p++) {
        const q = p * 4;
        C[co + p] = a0 * B4[q] + a1 * B4[q + 1] + a2 * B4[q + 2] + a3 * B4[q + 3];
      }
    }
    return new Matrix(m, k, C);
  }
  if (n < NARROW && k >= NARROW) {
    const finite = new Int8Array(n);
    for (let i = 0; i < m; i++) {
      const co = i * k, ao = i * n;
      for (let j = 0; j < n; j++) {
        const av = A[ao + j];
        if (av === 0 && allFinite(B, j, n, k, finite, j)) continue;
        for (let p = 0; p < k; p++) C[co + p] += av * B[p * n + j];
      }
    }
    return new Matrix(m, k, C);
  }
  for (let i = 0; i < m; i++) {
    const ao = i * n;
    for (let p = 0; p < k; p++) {
      const bo = p * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += A[ao + j] * B[bo + j];
      C[i * k + p] = s;
    }
  }
  return new Matrix(m, k, C);
}

/** a + b for gradient accumulation (same shape, or either a number). */
export function addValues(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return arith('+', a, b, 'gradient sum');
}

/** A value of the given shape filled with x (a number when 1×1). */
export function filled(rows: number, cols: number, x: number): Value {
  if (rows === 1 && cols === 1) return x;
  return new Matrix(rows, cols, new Float64Array(rows * cols).fill(x));
}
