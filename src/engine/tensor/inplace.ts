// In-place kernels over preallocated Float64Arrays: what a compiled plan (eval/compiled/) runs
// thousands of times. Nothing here allocates on the hot path (scratch space is kept between
// calls and grows only when a larger product comes along). Every kernel either writes its
// result (`acc` false) or adds it into what is there (`acc` true: gradient accumulation, forks
// sum). The numbers follow the allocating kernels of kernels.ts and the ops' VJPs: the same
// formulas, the same NaN rules (0·∞ stays NaN), summation orders that differ at most in where
// an accumulated gradient starts.

import { loadWasmGemm, type Orientation } from './wasm/gemm';

/** Matrix-product orientation: out (m×n) = op(A)·op(B) with `t` meaning the operand is stored transposed. */
export type Orient = 'nn' | 'tn' | 'nt';

/** The WebAssembly SIMD products (tensor/wasm), an instance of our own: null where unavailable. */
const wasm = loadWasmGemm();
const ORIENTATION: Record<Orient, Orientation> = { nn: 'AB', tn: 'ATB', nt: 'ABT' };
/**
 * Products of at least this many multiply-adds go to WebAssembly (the copies into linear memory
 * cost about one pass over the operands, so small products stay in JS); Infinity: never.
 */
let wasmMinWork = 1 << 12;

/** Route products of at least `work` multiply-adds to WebAssembly SIMD (Infinity: JS only); returns whether it is available. */
export function setInplaceWasmThreshold(work: number): boolean {
  wasmMinWork = work;
  return wasm !== null;
}

/** Which kernels the compiled plans run: 'wasm' (WebAssembly SIMD for the larger products and layers) or 'js' (no SIMD here, or turned off). */
export function inplaceKernels(): 'wasm' | 'js' {
  return wasm !== null && wasmMinWork !== Infinity ? 'wasm' : 'js';
}

let scratch = new Float64Array(1024);
/** Scratch results of accumulated WebAssembly products, one per result size (a program has a few). */
const wasmOut = new Map<number, Float64Array>();
let finiteScratch = new Uint8Array(256);

function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

function finiteOf(n: number): Uint8Array {
  if (finiteScratch.length < n) finiteScratch = new Uint8Array(Math.max(n, finiteScratch.length * 2));
  return finiteScratch;
}

/**
 * What a matrix product does to each finished row of its result, so that a layer's bias,
 * ReLU, ReLU adjoint and bias adjoint need no pass of their own (only without `acc`):
 * - `bias` (1×n) is added to each row (after the product: (A·B) + b, as the unfused add);
 * - `relu` then clamps (relu(x) keeps NaN: x ≤ 0 ? 0 : x);
 * - `mask` (m×n, a ReLU's output y) keeps the entry where y > 0, g·0 where y = 0, NaN where y is NaN (relu's adjoint);
 * - `colsum` (1×n) receives the column sums of the result (a broadcast bias's adjoint), added when `colsumAcc`.
 */
export interface Epilogue {
  bias: Float64Array | null;
  relu: boolean;
  mask: Float64Array | null;
  colsum: Float64Array | null;
  colsumAcc: boolean;
}

export const NO_EPILOGUE: Epilogue = Object.freeze({ bias: null, relu: false, mask: null, colsum: null, colsumAcc: false });

function epilogueRow(out: Float64Array, i: number, n: number, ep: Epilogue): void {
  const o = i * n;
  const { bias, mask, colsum } = ep;
  if (bias !== null) for (let j = 0; j < n; j++) out[o + j] += bias[j];
  // Math.max(x, 0) is relu exactly (NaN stays NaN, −0 becomes +0) and needs no branch.
  if (ep.relu) for (let j = 0; j < n; j++) out[o + j] = Math.max(out[o + j], 0);
  // A ReLU output y is +0, positive or NaN, so sign(y) is the mask 0 / 1 / NaN of relu's adjoint.
  if (mask !== null) for (let j = 0; j < n; j++) out[o + j] *= Math.sign(mask[o + j]);
  if (colsum !== null) for (let j = 0; j < n; j++) colsum[j] += out[o + j];
}

/**
 * out (m×n) (+)= op(A)·op(B) over the inner size k, then the epilogue on each row.
 * 'nn': A m×k, B k×n;  'tn': A stored k×m (out = Aᵀ·B), B k×n;  'nt': A m×k, B stored n×k (out = A·Bᵀ).
 * Groups of four products are skipped where their A entries are 0 (blank pixels) and the B
 * rows finite, so 0·∞ still gives NaN; single zeros are not (a branch per entry costs more).
 */
export function matmulInto(
  out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number,
  orient: Orient, acc: boolean, ep: Epilogue = NO_EPILOGUE,
): void {
  if (ep.colsum !== null && !ep.colsumAcc) ep.colsum.fill(0, 0, n);
  const rows = ep.bias !== null || ep.relu || ep.mask !== null || ep.colsum !== null;
  if (orient === 'nt' && k <= 4 && !acc) {
    if (!shortInWasm(out, A, B, m, k, n, true, ep)) ntShort(out, A, B, m, k, n, ep); // epilogue in its one sweep
    return;
  }
  if (orient === 'nn' && k <= 4 && !acc && ep.mask === null && ep.colsum === null) {
    if (!shortInWasm(out, A, B, m, k, n, false, ep)) nnShort(out, A, B, m, k, n, ep.bias, ep.relu);
    return;
  }
  if (wasm !== null && m * k * n >= wasmMinWork && productInWasm(out, A, B, m, k, n, orient, acc)) {
    // done in WebAssembly; the epilogue below
  } else if (orient === 'nn') nn(out, A, B, m, k, n, acc);
  else if (orient === 'tn') tn(out, A, B, m, k, n, acc);
  else nt(out, A, B, m, k, n, acc);
  if (rows) for (let i = 0; i < m; i++) epilogueRow(out, i, n, ep);
}

/**
 * A short-k layer (nnShort / ntShort: the same padded sums and epilogue, the same bits) in
 * WebAssembly SIMD, for results of at least wasmMinWork entries; false to run it in JS.
 */
function shortInWasm(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, transposed: boolean, ep: Epilogue): boolean {
  if (wasm === null || m * n < wasmMinWork) return false;
  const T = scratchOf(4 * n);
  if (transposed) for (let j = 0; j < n; j++) for (let p = 0; p < 4; p++) T[p * n + j] = p < k ? B[j * k + p] : 0;
  else {
    for (let q = 0; q < k * n; q++) T[q] = B[q];
    T.fill(0, k * n, 4 * n);
  }
  return wasm.shortLayer(A, m, k, T, n, ep.bias, ep.relu, ep.mask, out, ep.colsum);
}

/** The product in WebAssembly, written into out (or added, through a kept scratch array); false if linear memory refused. */
function productInWasm(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, orient: Orient, acc: boolean): boolean {
  const ar = orient === 'tn' ? k : m, ac = orient === 'tn' ? m : k;
  const br = orient === 'nt' ? n : k, bc = orient === 'nt' ? k : n;
  // Buffers of a compiled program have exactly their shape's size: no views are made then.
  const a = A.length === ar * ac ? A : A.subarray(0, ar * ac), b = B.length === br * bc ? B : B.subarray(0, br * bc);
  if (!acc) return wasm!.product(ORIENTATION[orient], a, ar, ac, b, br, bc, out.length === m * n ? out : out.subarray(0, m * n)) !== null;
  let tmp = wasmOut.get(m * n);
  if (!tmp) wasmOut.set(m * n, (tmp = new Float64Array(m * n)));
  if (wasm!.product(ORIENTATION[orient], a, ar, ac, b, br, bc, tmp) === null) return false;
  for (let i = 0; i < m * n; i++) out[i] += tmp[i];
  return true;
}

/** out = relu?((A·B) + bias?) with k ≤ 4 (a first layer over 2-D points), B padded to 4 rows, in one sweep. */
function nnShort(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, bias: Float64Array | null, relu: boolean): void {
  if (k === 2 && bias !== null && relu) {
    // The spiral's first layer (2-D points): two products per entry, not four with zero padding.
    for (let i = 0; i < m; i++) {
      const co = i * n, a0 = A[2 * i], a1 = A[2 * i + 1];
      for (let j = 0; j < n; j++) out[co + j] = Math.max(a0 * B[j] + a1 * B[n + j] + bias[j], 0);
    }
    return;
  }
  const T = scratchOf(4 * n);
  T.set(B.subarray(0, k * n));
  T.fill(0, k * n, 4 * n);
  for (let i = 0; i < m; i++) {
    const co = i * n, ao = i * k;
    const a0 = A[ao], a1 = k > 1 ? A[ao + 1] : 0, a2 = k > 2 ? A[ao + 2] : 0, a3 = k > 3 ? A[ao + 3] : 0;
    if (bias !== null && relu) for (let j = 0; j < n; j++) out[co + j] = Math.max(a0 * T[j] + a1 * T[n + j] + a2 * T[2 * n + j] + a3 * T[3 * n + j] + bias[j], 0);
    else if (bias !== null) for (let j = 0; j < n; j++) out[co + j] = a0 * T[j] + a1 * T[n + j] + a2 * T[2 * n + j] + a3 * T[3 * n + j] + bias[j];
    else for (let j = 0; j < n; j++) out[co + j] = a0 * T[j] + a1 * T[n + j] + a2 * T[2 * n + j] + a3 * T[3 * n + j];
    if (relu && bias === null) for (let j = 0; j < n; j++) out[co + j] = Math.max(out[co + j], 0);
  }
}

/** out = A·Bᵀ with k ≤ 4 (the classes of δ·Wᵀ), Bᵀ padded to 4 rows, the ReLU mask and column sums applied as each entry is made. */
function ntShort(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, ep: Epilogue): void {
  const T = scratchOf(4 * n);
  for (let j = 0; j < n; j++) for (let p = 0; p < 4; p++) T[p * n + j] = p < k ? B[j * k + p] : 0;
  const { mask, colsum, bias } = ep;
  const plain = mask === null && colsum === null && bias === null && !ep.relu;
  for (let i = 0; i < m; i++) {
    const co = i * n, ao = i * k;
    const a0 = A[ao], a1 = k > 1 ? A[ao + 1] : 0, a2 = k > 2 ? A[ao + 2] : 0, a3 = k > 3 ? A[ao + 3] : 0;
    if (mask !== null && colsum !== null && bias === null && !ep.relu) {
      for (let j = 0; j < n; j++) {
        const v = (a0 * T[j] + a1 * T[n + j] + a2 * T[2 * n + j] + a3 * T[3 * n + j]) * Math.sign(mask[co + j]);
        out[co + j] = v;
        colsum[j] += v;
      }
    } else {
      for (let j = 0; j < n; j++) out[co + j] = a0 * T[j] + a1 * T[n + j] + a2 * T[2 * n + j] + a3 * T[3 * n + j];
      if (!plain) epilogueRow(out, i, n, ep);
    }
  }
}

/**
 * Whether rows p…p+3 of B (n wide, `rows` of them; rows past the end count as finite) are all
 * finite, worked out the first time a group of zeros asks and remembered in memo[p]
 * (0 unknown, 1 yes, 2 no): most products never skip, and then never pay for the check.
 */
function finiteGroup(B: Float64Array, rows: number, n: number, p: number, memo: Uint8Array): boolean {
  if (memo[p] === 0) {
    let s = 0;
    const end = Math.min(rows, p + 4) * n;
    for (let q = p * n; q < end; q++) s += B[q] * 0; // NaN exactly when some entry is ±∞ or NaN
    memo[p] = s === 0 ? 1 : 2;
  }
  return memo[p] === 1;
}

function memoOf(k: number): Uint8Array {
  const f = finiteOf(k);
  f.fill(0, 0, k);
  return f;
}

function nn(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, acc: boolean): void {
  if (n <= 4 && k >= 8) {
    // Narrow results (class scores): one pass over the long dimension fills all n columns.
    const B4 = scratchOf(k * 4);
    for (let p = 0; p < k; p++) for (let j = 0; j < 4; j++) B4[p * 4 + j] = j < n ? B[p * n + j] : 0;
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = A[ao + p], q = p * 4;
        s0 += av * B4[q]; s1 += av * B4[q + 1]; s2 += av * B4[q + 2]; s3 += av * B4[q + 3];
      }
      const o = i * n;
      if (acc) {
        out[o] += s0; if (n > 1) out[o + 1] += s1; if (n > 2) out[o + 2] += s2; if (n > 3) out[o + 3] += s3;
      } else {
        out[o] = s0; if (n > 1) out[o + 1] = s1; if (n > 2) out[o + 2] = s2; if (n > 3) out[o + 3] = s3;
      }
    }
    return;
  }
  // i-k-j, four rows of B per sweep of a row of out.
  const fin = memoOf(k);
  for (let i = 0; i < m; i++) {
    const co = i * n, ao = i * k;
    let started = acc;
    for (let p = 0; p < k; p += 4) {
      const q = k - p; // rows left: 1, 2, 3 or ≥ 4
      const a0 = A[ao + p], a1 = q > 1 ? A[ao + p + 1] : 0, a2 = q > 2 ? A[ao + p + 2] : 0, a3 = q > 3 ? A[ao + p + 3] : 0;
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0 && finiteGroup(B, k, n, p, fin)) continue;
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      if (!started) out.fill(0, co, co + n);
      started = true;
      if (q >= 4) for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
      else if (q === 3) for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j];
      else if (q === 2) for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j] + a1 * B[b1 + j];
      else for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j];
    }
    if (!started) out.fill(0, co, co + n);
  }
}

function tn(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, acc: boolean): void {
  // out (m×n) = Aᵀ·B, A k×m, B k×n: a sweep over the k shared rows, out accumulating.
  if (n <= 4 && k >= 8) {
    const C4 = scratchOf(m * 4);
    C4.fill(0, 0, m * 4);
    for (let p = 0; p < k; p++) {
      const bo = p * n, ao = p * m;
      const b0 = B[bo], b1 = n > 1 ? B[bo + 1] : 0, b2 = n > 2 ? B[bo + 2] : 0, b3 = n > 3 ? B[bo + 3] : 0;
      for (let i = 0; i < m; i++) {
        const av = A[ao + i], q = i * 4;
        C4[q] += av * b0; C4[q + 1] += av * b1; C4[q + 2] += av * b2; C4[q + 3] += av * b3;
      }
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      if (acc) out[i * n + j] += C4[i * 4 + j];
      else out[i * n + j] = C4[i * 4 + j];
    }
    return;
  }
  // Four shared rows at a time: each row of out takes four axpys in one sweep.
  const fin = memoOf(k);
  if (!acc) out.fill(0, 0, m * n);
  for (let p = 0; p < k; p += 4) {
    const q = k - p; // rows left: 1, 2, 3 or ≥ 4
    const a0o = p * m, a1o = a0o + m, a2o = a1o + m, a3o = a2o + m;
    const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
    for (let i = 0; i < m; i++) {
      const a0 = A[a0o + i], a1 = q > 1 ? A[a1o + i] : 0, a2 = q > 2 ? A[a2o + i] : 0, a3 = q > 3 ? A[a3o + i] : 0;
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0 && finiteGroup(B, k, n, p, fin)) continue;
      const co = i * n;
      if (q >= 4) for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
      else if (q === 3) for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j];
      else if (q === 2) for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j] + a1 * B[b1 + j];
      else for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j];
    }
  }
}

function nt(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, acc: boolean): void {
  // out (m×n) = A·Bᵀ, A m×k, B n×k.
  if (k < 8) {
    // A short inner size (the 3 classes of δ·Wᵀ): Bᵀ into scratch padded to 4 or 8 rows, then
    // each row of out in one sweep (padding rows are zeros, multiplied by zeros).
    const k4 = (k + 3) & ~3;
    const T = scratchOf(k4 * n);
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) T[p * n + j] = B[j * k + p];
    T.fill(0, k * n, k4 * n);
    for (let i = 0; i < m; i++) {
      const co = i * n, ao = i * k;
      for (let p = 0; p < k4; p += 4) {
        const a0 = A[ao + p], a1 = p + 1 < k ? A[ao + p + 1] : 0, a2 = p + 2 < k ? A[ao + p + 2] : 0, a3 = p + 3 < k ? A[ao + p + 3] : 0;
        const t0 = p * n, t1 = t0 + n, t2 = t1 + n, t3 = t2 + n;
        if (acc || p > 0) for (let j = 0; j < n; j++) out[co + j] += a0 * T[t0 + j] + a1 * T[t1 + j] + a2 * T[t2 + j] + a3 * T[t3 + j];
        else for (let j = 0; j < n; j++) out[co + j] = a0 * T[t0 + j] + a1 * T[t1 + j] + a2 * T[t2 + j] + a3 * T[t3 + j];
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const ao = i * k, co = i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = A[ao + p];
        s0 += av * B[b0 + p]; s1 += av * B[b1 + p]; s2 += av * B[b2 + p]; s3 += av * B[b3 + p];
      }
      if (acc) { out[co + j] += s0; out[co + j + 1] += s1; out[co + j + 2] += s2; out[co + j + 3] += s3; }
      else { out[co + j] = s0; out[co + j + 1] = s1; out[co + j + 2] = s2; out[co + j + 3] = s3; }
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ao + p] * B[b0 + p];
      if (acc) out[co + j] += s;
      else out[co + j] = s;
    }
  }
}

/** Elementwise binary codes: a+b, a−b, a·b, a/b, a (copy), −a. */
export type Bin = 'add' | 'sub' | 'mul' | 'div' | 'copy' | 'neg';

/**
 * out (+)= A ∘ B over an r×c index space with strides: element (i, j) of X is
 * X[i·xrs + j·xcs] (stride 0 along a broadcast axis). An output with a zero stride is a
 * reduction (sum_to: the adjoint of broadcasting), zeroed first unless `acc`.
 */
export function binaryInto(
  op: Bin, r: number, c: number,
  out: Float64Array, ors: number, ocs: number, acc: boolean,
  A: Float64Array, ars: number, acs: number,
  B: Float64Array, brs: number, bcs: number,
): void {
  const reduce = (ors === 0 && r > 1) || (ocs === 0 && c > 1);
  if (reduce && !acc) out.fill(0, 0, (ors === 0 ? 1 : r) * (ocs === 0 ? 1 : c));
  const add = acc || reduce;
  if (ocs === 1 && acs === 1 && bcs === 1) {
    for (let i = 0; i < r; i++) {
      const o = i * ors, a = i * ars, b = i * brs;
      if (add) {
        switch (op) {
          case 'add': for (let j = 0; j < c; j++) out[o + j] += A[a + j] + B[b + j]; break;
          case 'sub': for (let j = 0; j < c; j++) out[o + j] += A[a + j] - B[b + j]; break;
          case 'mul': for (let j = 0; j < c; j++) out[o + j] += A[a + j] * B[b + j]; break;
          case 'div': for (let j = 0; j < c; j++) out[o + j] += A[a + j] / B[b + j]; break;
          case 'copy': for (let j = 0; j < c; j++) out[o + j] += A[a + j]; break;
          case 'neg': for (let j = 0; j < c; j++) out[o + j] += -A[a + j]; break;
        }
      } else {
        switch (op) {
          case 'add': for (let j = 0; j < c; j++) out[o + j] = A[a + j] + B[b + j]; break;
          case 'sub': for (let j = 0; j < c; j++) out[o + j] = A[a + j] - B[b + j]; break;
          case 'mul': for (let j = 0; j < c; j++) out[o + j] = A[a + j] * B[b + j]; break;
          case 'div': for (let j = 0; j < c; j++) out[o + j] = A[a + j] / B[b + j]; break;
          case 'copy': for (let j = 0; j < c; j++) out[o + j] = A[a + j]; break;
          case 'neg': for (let j = 0; j < c; j++) out[o + j] = -A[a + j]; break;
        }
      }
    }
    return;
  }
  for (let i = 0; i < r; i++) {
    const o = i * ors, a = i * ars, b = i * brs;
    for (let j = 0; j < c; j++) {
      const x = A[a + j * acs];
      const v = op === 'add' ? x + B[b + j * bcs] : op === 'sub' ? x - B[b + j * bcs] : op === 'mul' ? x * B[b + j * bcs]
        : op === 'div' ? x / B[b + j * bcs] : op === 'copy' ? x : -x;
      if (add) out[o + j * ocs] += v;
      else out[o + j * ocs] = v;
    }
  }
}

/** Elementwise functions of one value, and their local derivatives from input x and output y. */
export type Un = 'relu' | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'tanh' | 'sigmoid';

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** out = f(X) over n entries (out may be X). */
export function unaryInto(f: Un, out: Float64Array, X: Float64Array, n: number): void {
  switch (f) {
    case 'relu': for (let i = 0; i < n; i++) out[i] = Math.max(X[i], 0); break; // NaN stays NaN, −0 becomes +0
    case 'neg': for (let i = 0; i < n; i++) out[i] = -X[i]; break;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(X[i]); break;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(X[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(X[i]); break;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(X[i]); break;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(X[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = sigmoid(X[i]); break;
  }
}

/**
 * out (+)= G · f'(x, y) over n entries (out may be G when not acc: the adjoint rewritten in place).
 * relu reads only y: y > 0 exactly where x > 0, y = +0 where x ≤ 0, NaN where x is NaN.
 */
export function unaryBackInto(f: Un, out: Float64Array, acc: boolean, G: Float64Array, X: Float64Array, Y: Float64Array, n: number): void {
  if (f === 'relu') {
    // y is +0, positive or NaN (relu's output), so sign(y) is the mask 0 / 1 / NaN.
    if (acc) for (let i = 0; i < n; i++) out[i] += G[i] * Math.sign(Y[i]);
    else for (let i = 0; i < n; i++) out[i] = G[i] * Math.sign(Y[i]);
    return;
  }
  // One loop per function: the local derivative is the rule's, as in the ops' numeric VJPs.
  switch (f) {
    case 'neg': for (let i = 0; i < n; i++) put(out, acc, i, -G[i]); break;
    case 'exp': for (let i = 0; i < n; i++) put(out, acc, i, G[i] * Y[i]); break;
    case 'log': for (let i = 0; i < n; i++) put(out, acc, i, G[i] * (1 / X[i])); break;
    case 'sqrt': for (let i = 0; i < n; i++) put(out, acc, i, G[i] * (0.5 / Y[i])); break;
    case 'abs': for (let i = 0; i < n; i++) put(out, acc, i, G[i] * Math.sign(X[i])); break;
    case 'tanh': for (let i = 0; i < n; i++) { const y = Y[i]; put(out, acc, i, G[i] * (1 - y * y)); } break;
    case 'sigmoid': for (let i = 0; i < n; i++) { const y = Y[i]; put(out, acc, i, G[i] * (y * (1 - y))); } break;
  }
}

function put(out: Float64Array, acc: boolean, i: number, v: number): void {
  if (acc) out[i] += v;
  else out[i] = v;
}

/** out = sum of X (r×c): all entries (axis −1, 1×1), down the rows (axis 0, 1×c) or along the columns (axis 1, r×1), divided by `div` (mean). */
export function sumInto(out: Float64Array, X: Float64Array, r: number, c: number, axis: -1 | 0 | 1, div: number): void {
  if (axis === -1) {
    let s = 0;
    for (let i = 0; i < r * c; i++) s += X[i];
    out[0] = div === 1 ? s : s / div;
  } else if (axis === 0) {
    out.fill(0, 0, c);
    for (let i = 0; i < r; i++) for (let j = 0, o = i * c; j < c; j++) out[j] += X[o + j];
    if (div !== 1) for (let j = 0; j < c; j++) out[j] /= div;
  } else {
    for (let i = 0; i < r; i++) {
      let s = 0;
      for (let j = 0, o = i * c; j < c; j++) s += X[o + j];
      out[i] = div === 1 ? s : s / div;
    }
  }
}

/** out (r×c) (+)= G·scale with G broadcast (strides grs, gcs): the adjoint of sum and mean. */
export function spreadInto(out: Float64Array, acc: boolean, r: number, c: number, G: Float64Array, grs: number, gcs: number, scale: number): void {
  for (let i = 0; i < r; i++) {
    const o = i * c, g = i * grs;
    if (acc) for (let j = 0; j < c; j++) out[o + j] += G[g + j * gcs] * scale;
    else for (let j = 0; j < c; j++) out[o + j] = G[g + j * gcs] * scale;
  }
}

/** out (c×r) (+)= Xᵀ, X r×c. */
export function transposeInto(out: Float64Array, acc: boolean, X: Float64Array, r: number, c: number): void {
  for (let i = 0; i < r; i++) {
    const o = i * c;
    if (acc) for (let j = 0; j < c; j++) out[j * r + i] += X[o + j];
    else for (let j = 0; j < c; j++) out[j * r + i] = X[o + j];
  }
}

/** Row-wise softmax of X (n×k) into out (may be X), the row maximum subtracted first. */
export function softmaxInto(out: Float64Array, X: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let mx = -Infinity;
    for (let j = 0; j < k; j++) if (X[o + j] > mx) mx = X[o + j];
    let s = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(X[o + j] - mx);
      out[o + j] = e;
      s += e;
    }
    for (let j = 0; j < k; j++) out[o + j] /= s;
  }
}

/** out (+)= y ⊙ (G − rowsum(G ⊙ y)): the adjoint of a row-wise softmax y. */
export function softmaxBackInto(out: Float64Array, acc: boolean, G: Float64Array, Y: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let dot = 0;
    for (let j = 0; j < k; j++) dot += G[o + j] * Y[o + j];
    if (acc) for (let j = 0; j < k; j++) out[o + j] += Y[o + j] * (G[o + j] - dot);
    else for (let j = 0; j < k; j++) out[o + j] = Y[o + j] * (G[o + j] - dot);
  }
}

/**
 * Mean softmax cross-entropy of scores S (n×k) against labels L: n×1 class indices
 * (`indexLabels`) or n×k probabilities. Writes the softmax into P (kept for the backward
 * pass) and the loss into out[0]. Returns −1, or the row of a label that is not a class index.
 */
export function crossEntropyInto(out: Float64Array, P: Float64Array, S: Float64Array, L: Float64Array, indexLabels: boolean, n: number, k: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let mx = -Infinity;
    for (let j = 0; j < k; j++) if (S[o + j] > mx) mx = S[o + j];
    let s = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(S[o + j] - mx);
      P[o + j] = e;
      s += e;
    }
    for (let j = 0; j < k; j++) P[o + j] /= s;
    let lse: number;
    if (mx === Infinity || mx === -Infinity) {
      let nan = false;
      for (let j = 0; j < k; j++) if (Number.isNaN(S[o + j])) nan = true;
      lse = nan ? NaN : mx;
    } else lse = mx + Math.log(s);
    let ys = 0, ysum = 0;
    if (indexLabels) {
      const c = L[i];
      if (!Number.isInteger(c) || c < 0 || c >= k) return i;
      ys = S[o + c];
      ysum = 1;
    } else {
      for (let j = 0; j < k; j++) {
        const y = L[o + j];
        if (y !== 0) ys += y * S[o + j];
        ysum += y;
      }
    }
    total += ysum * lse - ys;
  }
  out[0] = total / n;
  return -1;
}

/** out (+)= (rowsum(Y)·P − Y)·g/n: the cross-entropy adjoint from the kept softmax P (labels already checked by the forward). */
export function crossEntropyBackInto(out: Float64Array, acc: boolean, g: number, P: Float64Array, L: Float64Array, indexLabels: boolean, n: number, k: number): void {
  const scale = g / n;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    if (indexLabels) {
      const c = L[i];
      for (let j = 0; j < k; j++) {
        const v = (P[o + j] - (j === c ? 1 : 0)) * scale;
        if (acc) out[o + j] += v;
        else out[o + j] = v;
      }
    } else {
      let ysum = 0;
      for (let j = 0; j < k; j++) ysum += L[o + j];
      for (let j = 0; j < k; j++) {
        const v = (ysum * P[o + j] - L[o + j]) * scale;
        if (acc) out[o + j] += v;
        else out[o + j] = v;
      }
    }
  }
}

/**
 * The first entry of idx (n entries) that is not a row of an r-row matrix (a whole number
 * 0…r−1), or −1: take and its adjoint check every index before they write anything.
 */
export function badRowIndex(idx: Float64Array, n: number, r: number): number {
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    if (!(i >= 0 && i < r && Math.floor(i) === i)) return k;
  }
  return -1;
}

/** out (n×c) = the rows of X (r×c) at idx (checked with badRowIndex first): take(X, idx). */
export function takeRowsInto(out: Float64Array, X: Float64Array, c: number, idx: Float64Array, n: number): void {
  // set() of a row view is a block copy: twice the speed of an element loop for MNIST's
  // 784-wide rows (64 rows from 8,000: 61 vs 126 µs a step), the views cost less than they save.
  // Narrow rows (labels, 2-D points) stay an element loop: a view per value would cost more.
  if (c < 16) {
    for (let k = 0; k < n; k++) {
      const s = idx[k] * c, o = k * c;
      for (let j = 0; j < c; j++) out[o + j] = X[s + j];
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    const s = idx[k] * c;
    out.set(X.subarray(s, s + c), k * c);
  }
}

/**
 * out (r×c) (+)= row k of G (n×c) added into row idx[k], repeats adding (take's adjoint,
 * scatter_rows). Without `acc` out is zeroed first; with it the rows add straight into what
 * is there (the plan runner sums the scatter first, then adds it: the order differs there).
 */
export function scatterRowsInto(out: Float64Array, acc: boolean, G: Float64Array, c: number, idx: Float64Array, n: number): void {
  if (!acc) out.fill(0);
  for (let k = 0; k < n; k++) {
    const o = idx[k] * c, s = k * c;
    for (let j = 0; j < c; j++) out[o + j] += G[s + j];
  }
}
