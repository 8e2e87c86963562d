// In-place kernels over preallocated Float64Arrays: what a compiled plan (eval/compiled/) runs
// thousands of times. Nothing here allocates on the hot path (scratch space is kept between
// calls and grows only when a larger product comes along). Every kernel either writes its
// result (`acc` false) or adds it into what is there (`acc` true: gradient accumulation, forks
// sum). The numbers follow the allocating kernels of kernels.ts and the ops' VJPs: the same
// formulas, the same NaN rules (0·∞ stays NaN), summation orders that differ at most in where
// an accumulated gradient starts.

/** Matrix-product orientation: out (m×n) = op(A)·op(B) with `t` meaning the operand is stored transposed. */
export type Orient = 'nn' | 'tn' | 'nt';

let scratch = new Float64Array(1024);
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
 * out (m×n) (+)= op(A)·op(B) over the inner size k.
 * - 'nn': A m×k, B k×n;  'tn': A stored k×m (out = Aᵀ·B), B k×n;  'nt': A m×k, B stored n×k (out = A·Bᵀ).
 * - `bias` (1×n, 'nn' only, not with acc) starts each row; `relu` clamps each finished row
 *   (relu(x) keeps NaN: x ≤ 0 ? 0 : x): the fused `relu(A @ B + b)` of a layer.
 * Zeros of A (ReLU outputs) are skipped where the matching row of B is finite (0·∞ must stay NaN).
 */
export function matmulInto(
  out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number,
  orient: Orient, acc: boolean, bias: Float64Array | null = null, relu = false,
): void {
  if (orient === 'nn') nn(out, A, B, m, k, n, acc, bias);
  else if (orient === 'tn') tn(out, A, B, m, k, n, acc);
  else nt(out, A, B, m, k, n, acc);
  if (relu) for (let i = 0; i < m * n; i++) { const x = out[i]; out[i] = x <= 0 ? 0 : x; }
}

/** finite[p] = 1 when row p (n entries from p·n) of B is all finite. */
function finiteRows(B: Float64Array, rows: number, n: number): Uint8Array {
  const f = finiteOf(rows);
  for (let p = 0; p < rows; p++) {
    let s = 0;
    const o = p * n;
    for (let j = 0; j < n; j++) s += B[o + j] * 0; // NaN exactly when some entry is ±∞ or NaN
    f[p] = s === 0 ? 1 : 0;
  }
  return f;
}

function nn(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, acc: boolean, bias: Float64Array | null): void {
  const fin = finiteRows(B, k, n);
  if (n <= 4 && k >= 8) {
    // Narrow results (class scores): one pass over the long dimension fills all n columns.
    const B4 = scratchOf(k * 4);
    for (let p = 0; p < k; p++) for (let j = 0; j < 4; j++) B4[p * 4 + j] = j < n ? B[p * n + j] : 0;
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = A[ao + p];
        if (av === 0 && fin[p] === 1) continue;
        const q = p * 4;
        s0 += av * B4[q]; s1 += av * B4[q + 1]; s2 += av * B4[q + 2]; s3 += av * B4[q + 3];
      }
      const o = i * n;
      if (acc) {
        out[o] += s0; if (n > 1) out[o + 1] += s1; if (n > 2) out[o + 2] += s2; if (n > 3) out[o + 3] += s3;
      } else if (bias !== null) {
        // the sum first, then the bias: (A·B) + b as the unfused add computes it
        out[o] = s0 + bias[0]; if (n > 1) out[o + 1] = s1 + bias[1]; if (n > 2) out[o + 2] = s2 + bias[2]; if (n > 3) out[o + 3] = s3 + bias[3];
      } else {
        out[o] = s0; if (n > 1) out[o + 1] = s1; if (n > 2) out[o + 2] = s2; if (n > 3) out[o + 3] = s3;
      }
    }
    return;
  }
  // i-k-j: each row of out is an accumulator swept by rows of B, two at a time.
  for (let i = 0; i < m; i++) {
    const co = i * n, ao = i * k;
    if (!acc) for (let j = 0; j < n; j++) out[co + j] = 0;
    let p = 0;
    for (; p + 1 < k; p += 2) {
      const a0 = A[ao + p], a1 = A[ao + p + 1];
      const z0 = a0 === 0 && fin[p] === 1, z1 = a1 === 0 && fin[p + 1] === 1;
      const b0 = p * n, b1 = b0 + n;
      if (z0 && z1) continue;
      if (z0) for (let j = 0; j < n; j++) out[co + j] += a1 * B[b1 + j];
      else if (z1) for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j];
      else for (let j = 0; j < n; j++) out[co + j] += a0 * B[b0 + j] + a1 * B[b1 + j];
    }
    if (p < k) {
      const a0 = A[ao + p];
      if (!(a0 === 0 && fin[p] === 1)) for (let j = 0, b0 = p * n; j < n; j++) out[co + j] += a0 * B[b0 + j];
    }
    if (bias !== null) for (let j = 0; j < n; j++) out[co + j] += bias[j];
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
      const finite = b0 * 0 + b1 * 0 + b2 * 0 + b3 * 0 === 0;
      for (let i = 0; i < m; i++) {
        const av = A[ao + i];
        if (av === 0 && finite) continue;
        const q = i * 4;
        C4[q] += av * b0; C4[q + 1] += av * b1; C4[q + 2] += av * b2; C4[q + 3] += av * b3;
      }
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      if (acc) out[i * n + j] += C4[i * 4 + j];
      else out[i * n + j] = C4[i * 4 + j];
    }
    return;
  }
  const fin = finiteRows(B, k, n);
  if (!acc) out.fill(0, 0, m * n);
  for (let p = 0; p < k; p++) {
    const bo = p * n, ao = p * m;
    const skip = fin[p] === 1;
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = A[ao + i], a1 = A[ao + i + 1];
      const c0 = i * n, c1 = c0 + n;
      if (!(a0 === 0 && skip)) for (let j = 0; j < n; j++) out[c0 + j] += a0 * B[bo + j];
      if (!(a1 === 0 && skip)) for (let j = 0; j < n; j++) out[c1 + j] += a1 * B[bo + j];
    }
    if (i < m) {
      const a0 = A[ao + i];
      if (!(a0 === 0 && skip)) for (let j = 0, c0 = i * n; j < n; j++) out[c0 + j] += a0 * B[bo + j];
    }
  }
}

function nt(out: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number, acc: boolean): void {
  // out (m×n) = A·Bᵀ, A m×k, B n×k.
  if (k < 8) {
    // A short inner size (the 3 classes of δ·Wᵀ): Bᵀ into scratch, then rows of out as axpys.
    const T = scratchOf(k * n);
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) T[p * n + j] = B[j * k + p];
    const fin = finiteRows(T, k, n);
    for (let i = 0; i < m; i++) {
      const co = i * n, ao = i * k;
      if (!acc) for (let j = 0; j < n; j++) out[co + j] = 0;
      for (let p = 0; p < k; p++) {
        const av = A[ao + p];
        if (av === 0 && fin[p] === 1) continue;
        const t = p * n;
        for (let j = 0; j < n; j++) out[co + j] += av * T[t + j];
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
    case 'relu': for (let i = 0; i < n; i++) { const x = X[i]; out[i] = x <= 0 ? 0 : x; } break;
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
 * relu reads only y: y > 0 exactly where x > 0, y = 0 where x ≤ 0, NaN where x is NaN.
 */
export function unaryBackInto(f: Un, out: Float64Array, acc: boolean, G: Float64Array, X: Float64Array, Y: Float64Array, n: number): void {
  if (f === 'relu') {
    if (acc) for (let i = 0; i < n; i++) { const y = Y[i], g = G[i]; out[i] += y > 0 ? g : y === 0 ? g * 0 : NaN; }
    else for (let i = 0; i < n; i++) { const y = Y[i], g = G[i]; out[i] = y > 0 ? g : y === 0 ? g * 0 : NaN; }
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
