// AssemblyScript, compiled by scripts/build-wasm.mjs into ../kernels.generated.ts (not TypeScript:
// tsconfig.json excludes this folder). Matrix products in float64 with 128-bit SIMD (f64x2).
//
// One product C = A'·B' serves all three orientations backprop needs:
//   A' is read through strides: A'(i, p) = A[i·ars + p·aps]  (A·B: ars = k, aps = 1; Aᵀ·B: ars = 1, aps = k)
//   B' is packed first into strips of 4 columns, zero-padded: A·B packs B, A·Bᵀ packs Bᵀ.
// The micro-kernel keeps a 4×4 block of C in 8 f64x2 registers and, for each p, adds
// A'(i..i+3, p) (broadcast) times B'(p, j..j+3). Every C entry is summed in p order from +0
// with a multiply then an add (no FMA), as the JS kernels do, so both give the same bits (but for
// the sign of a zero: the JS A·Bᵀ with n ≤ 4 sums without the leading +0 and can return −0).
// Nothing is skipped: 0·∞ and NaN propagate as IEEE says.
//
// Memory is laid out by the caller (src/engine/tensor/wasm/gemm.ts); this module allocates nothing.

/** Depth of a cache block: 4 rows of A' and one 4-wide strip of B' over KC steps stay in L1 (8 KiB each). */
const KC: i32 = 256;
/** Width of a cache block of B' (columns): a KC×NC panel of B' stays in L2 (512 KiB). */
const NC: i32 = 256;

/** Columns padded to whole strips of 4. */
// @ts-ignore: decorator
@inline function pad4(n: i32): i32 {
  return (n + 3) & ~3;
}

/**
 * Packs B'(p, j) = src[p·bps + j·bjs] (k × n, strides in elements) into strips of 4 columns:
 * dst[((s·k) + p)·4 + c] = B'(p, 4s + c), zero where 4s + c ≥ n.
 */
export function pack(src: usize, k: i32, n: i32, bps: i32, bjs: i32, dst: usize): void {
  const strips = pad4(n) >> 2;
  for (let s = 0; s < strips; s++) {
    const j0 = s << 2;
    let out = dst + ((<usize>s * <usize>k) << 5);
    if (bjs == 1 && j0 + 4 <= n) {
      // Contiguous 4 entries of a row (the A·B case): two vector moves.
      let from = src + (<usize>j0 << 3);
      const step = <usize>bps << 3;
      for (let p = 0; p < k; p++) {
        v128.store(out, v128.load(from));
        v128.store(out, v128.load(from, 16), 16);
        from += step;
        out += 32;
      }
    } else if (j0 + 4 <= n) {
      // Four whole columns of B' through strides (the A·Bᵀ case: four rows of B, read side by side).
      const step = <usize>bps << 3;
      let r0 = src + ((<usize>j0 * <usize>bjs) << 3);
      const r1 = (<usize>bjs << 3), r2 = r1 << 1, r3 = r1 + r2;
      for (let p = 0; p < k; p++) {
        store<f64>(out, load<f64>(r0));
        store<f64>(out, load<f64>(r0 + r1), 8);
        store<f64>(out, load<f64>(r0 + r2), 16);
        store<f64>(out, load<f64>(r0 + r3), 24);
        r0 += step;
        out += 32;
      }
    } else {
      // The last, partial strip: zeros past column n.
      for (let p = 0; p < k; p++) {
        for (let c = 0; c < 4; c++) {
          const j = j0 + c;
          const v: f64 = j < n ? load<f64>(src + ((<usize>p * <usize>bps + <usize>j * <usize>bjs) << 3)) : 0.0;
          store<f64>(out + (<usize>c << 3), v);
        }
        out += 32;
      }
    }
  }
}

/**
 * C[i, j] = (first ? 0 : C[i, j]) + Σ_{p < kc} A'(i, p)·B'(p, j) for rows i..i+3 and the 4 columns
 * of one packed strip. a0..a3 point at A'(row, p0), aStep is A'’s p stride in bytes, b at the
 * strip's row p0, c at C[i, j] with row stride cStep bytes.
 */
// @ts-ignore: decorator
@inline function block4x4(first: bool, a0: usize, a1: usize, a2: usize, a3: usize, aStep: usize, b: usize, kc: i32, c: usize, cStep: usize): void {
  const c1 = c + cStep, c2 = c1 + cStep, c3 = c2 + cStep;
  // +0 to start, as the JS kernels do (0 + (−0) is +0): the first K block need not clear C.
  const z = f64x2.splat(0.0);
  let s00 = first ? z : v128.load(c), s01 = first ? z : v128.load(c, 16);
  let s10 = first ? z : v128.load(c1), s11 = first ? z : v128.load(c1, 16);
  let s20 = first ? z : v128.load(c2), s21 = first ? z : v128.load(c2, 16);
  let s30 = first ? z : v128.load(c3), s31 = first ? z : v128.load(c3, 16);
  let q: usize = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load64_splat(a0 + q);
    s00 = f64x2.add(s00, f64x2.mul(x, b0));
    s01 = f64x2.add(s01, f64x2.mul(x, b1));
    x = v128.load64_splat(a1 + q);
    s10 = f64x2.add(s10, f64x2.mul(x, b0));
    s11 = f64x2.add(s11, f64x2.mul(x, b1));
    x = v128.load64_splat(a2 + q);
    s20 = f64x2.add(s20, f64x2.mul(x, b0));
    s21 = f64x2.add(s21, f64x2.mul(x, b1));
    x = v128.load64_splat(a3 + q);
    s30 = f64x2.add(s30, f64x2.mul(x, b0));
    s31 = f64x2.add(s31, f64x2.mul(x, b1));
    q += aStep;
    b += 32;
  }
  v128.store(c, s00); v128.store(c, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16);
  v128.store(c3, s30); v128.store(c3, s31, 16);
}

/**
 * C = A'·B' (m × k · k × n) into c, row stride pad4(n), rows pad4(m) (the padding rows and
 * columns receive throwaway values: rows past m repeat the last row of A'). k must be at least 1
 * (with k = 0 nothing is written). bp is B' packed by pack(). Strides ars, aps are in elements.
 */
export function gemm(a: usize, ars: i32, aps: i32, m: i32, k: i32, bp: usize, n: i32, c: usize): void {
  const n4 = pad4(n);
  const cRow = <usize>n4 << 3;
  const aStep = <usize>aps << 3;
  const last = m - 1;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    for (let j0 = 0; j0 < n4; j0 += NC) {
      const j1 = min(j0 + NC, n4);
      for (let i = 0; i < m; i += 4) {
        const base = a + <usize>p0 * aStep;
        const a0 = base + ((<usize>i * <usize>ars) << 3);
        const a1 = base + ((<usize>min(i + 1, last) * <usize>ars) << 3);
        const a2 = base + ((<usize>min(i + 2, last) * <usize>ars) << 3);
        const a3 = base + ((<usize>min(i + 3, last) * <usize>ars) << 3);
        for (let j = j0; j < j1; j += 4) {
          const b = bp + ((<usize>(j >> 2) * <usize>k + <usize>p0) << 5);
          block4x4(p0 == 0, a0, a1, a2, a3, aStep, b, kc, c + <usize>i * cRow + (<usize>j << 3), cRow);
        }
      }
    }
  }
}

/** Moves the m × n result from row stride pad4(n) to row stride n, in place. */
export function compact(c: usize, m: i32, n: i32): void {
  const n4 = pad4(n);
  if (n4 == n) return;
  for (let i = 1; i < m; i++) {
    memory.copy(c + ((<usize>i * <usize>n) << 3), c + ((<usize>i * <usize>n4) << 3), <usize>n << 3);
  }
}

/**
 * A layer over a short inner size (k ≤ 4: a first layer over 2-D points, or δ·Wᵀ over a few
 * classes), with its epilogue in the same sweep. For each row i of out (m × n):
 *   v = A(i,0)·T(0,j) + A(i,1)·T(1,j) + A(i,2)·T(2,j) + A(i,3)·T(3,j)   (left to right; T is 4 × n,
 *       rows past k zero, and A(i,p) = 0 for p ≥ k: the JS kernels' padded sum, the same bits)
 *   then v + bias(j) if bias ≠ 0; max(v, 0) if relu (NaN stays NaN, −0 becomes +0, as Math.max);
 *   v·sign(mask(i,j)) if mask ≠ 0 (sign as Math.sign: ±0 and NaN are themselves); colsum(j) += v
 *   if colsum ≠ 0 (rows in order). Pointers are byte offsets; 0 means absent.
 */
export function shortLayer(a: usize, m: i32, k: i32, t: usize, n: i32, bias: usize, relu: bool, mask: usize, out: usize, colsum: usize): void {
  const rowT = <usize>n << 3;
  const zero = f64x2.splat(0.0), one = f64x2.splat(1.0), minusOne = f64x2.splat(-1.0);
  const n2 = n & ~1;
  for (let i = 0; i < m; i++) {
    const ai = a + ((<usize>i * <usize>k) << 3);
    const s0: f64 = load<f64>(ai), s1: f64 = k > 1 ? load<f64>(ai, 8) : 0.0, s2: f64 = k > 2 ? load<f64>(ai, 16) : 0.0, s3: f64 = k > 3 ? load<f64>(ai, 24) : 0.0;
    const x0 = f64x2.splat(s0), x1 = f64x2.splat(s1), x2 = f64x2.splat(s2), x3 = f64x2.splat(s3);
    const o = out + ((<usize>i * <usize>n) << 3);
    const mk = mask + ((<usize>i * <usize>n) << 3);
    for (let j = 0; j < n2; j += 2) {
      const q = <usize>j << 3;
      let v = f64x2.mul(x0, v128.load(t + q));
      v = f64x2.add(v, f64x2.mul(x1, v128.load(t + rowT + q)));
      v = f64x2.add(v, f64x2.mul(x2, v128.load(t + 2 * rowT + q)));
      v = f64x2.add(v, f64x2.mul(x3, v128.load(t + 3 * rowT + q)));
      if (bias != 0) v = f64x2.add(v, v128.load(bias + q));
      if (relu) v = f64x2.max(v, zero);
      if (mask != 0) {
        const y = v128.load(mk + q);
        const sign = v128.bitselect(one, v128.bitselect(minusOne, y, f64x2.lt(y, zero)), f64x2.gt(y, zero));
        v = f64x2.mul(v, sign);
      }
      v128.store(o + q, v);
      if (colsum != 0) v128.store(colsum + q, f64x2.add(v128.load(colsum + q), v));
    }
    for (let j = n2; j < n; j++) {
      const q = <usize>j << 3;
      let v: f64 = s0 * load<f64>(t + q);
      v += s1 * load<f64>(t + rowT + q);
      v += s2 * load<f64>(t + 2 * rowT + q);
      v += s3 * load<f64>(t + 3 * rowT + q);
      if (bias != 0) v += load<f64>(bias + q);
      if (relu) v = max(v, 0.0);
      if (mask != 0) {
        const y = load<f64>(mk + q);
        v *= y > 0 ? 1.0 : y < 0 ? -1.0 : y;
      }
      store<f64>(o + q, v);
      if (colsum != 0) store<f64>(colsum + q, load<f64>(colsum + q) + v);
    }
  }
}
