// The WebAssembly SIMD matrix products (assembly/gemm.ts, compiled into kernels.generated.ts):
// loading them once, synchronously (Node, a Worker and the page alike), and running one product
// through linear memory: copy A and B in, pack B', multiply, copy C out.
import { KERNELS_WASM_BASE64 } from './kernels.generated';

interface Exports {
  memory: WebAssembly.Memory;
  pack(src: number, k: number, n: number, bps: number, bjs: number, dst: number): void;
  gemm(a: number, ars: number, aps: number, m: number, k: number, bp: number, n: number, c: number): void;
  compact(c: number, m: number, n: number): void;
  shortLayer(a: number, m: number, k: number, t: number, n: number, bias: number, relu: number, mask: number, out: number, colsum: number): void;
}

/** The three orientations: A·B, Aᵀ·B, A·Bᵀ. */
export type Orientation = 'AB' | 'ATB' | 'ABT';

/**
 * Linear memory kept between calls is at most this much; a larger product runs in an instance
 * of its own that is dropped afterwards (wasm memory never shrinks, so keeping it would hold the
 * peak of one big product for the page's lifetime).
 */
export const RETAIN_BYTES = 64 << 20;
/** A product needing more linear memory than this (wasm32 tops out at 4 GiB) stays in JS. */
const MAX_BYTES = 1 << 30;
const PAGE = 65536;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Doubles rounded up to whole 64-byte lines, so each region starts on a cache line. */
const line = (doubles: number) => (doubles + 7) & ~7;
const pad4 = (n: number) => (n + 3) & ~3;

class Instance {
  private heap: Float64Array;
  constructor(readonly x: Exports) {
    this.heap = new Float64Array(x.memory.buffer);
  }
  /** A Float64Array over at least `doubles` of linear memory, growing it if needed; null if it cannot grow. */
  view(doubles: number): Float64Array | null {
    const bytes = doubles * 8;
    const have = this.x.memory.buffer.byteLength;
    if (bytes > have) {
      try {
        this.x.memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch {
        return null; // RangeError: the engine refused the memory; the caller falls back to JS
      }
    }
    // memory.grow detaches the old buffer: the view is remade after every growth.
    if (this.heap.buffer !== this.x.memory.buffer) this.heap = new Float64Array(this.x.memory.buffer);
    return this.heap;
  }
}

export class WasmGemm {
  private kept: Instance;
  constructor(private readonly module: WebAssembly.Module) {
    this.kept = this.instantiate();
  }

  /** Bytes of linear memory held between calls (for tests: it grows once, then is reused). */
  get keptBytes(): number {
    return this.kept.x.memory.buffer.byteLength;
  }

  private instantiate(): Instance {
    return new Instance(new WebAssembly.Instance(this.module, {}).exports as unknown as Exports);
  }

  /**
   * A layer over a short inner size k ≤ 4 with its epilogue (assembly/gemm.ts shortLayer):
   * out (m×n) = A (m×k)·T (T: 4×n, rows past k zero), then + bias, ReLU, ×sign(mask), and the
   * column sums added into colsum (which holds where they start). False when linear memory refused.
   */
  shortLayer(A: Float64Array, m: number, k: number, T: Float64Array, n: number, bias: Float64Array | null, relu: boolean, mask: Float64Array | null, out: Float64Array, colsum: Float64Array | null): boolean {
    const offA = 0;
    const offT = offA + line(m * k);
    const offBias = offT + line(4 * n);
    const offMask = offBias + line(bias ? n : 0);
    const offCol = offMask + line(mask ? m * n : 0);
    const offOut = offCol + line(colsum ? n : 0);
    const end = offOut + line(m * n);
    if (end * 8 > RETAIN_BYTES) return false;
    const heap = this.kept.view(end);
    if (!heap) return false;
    heap.set(A.length === m * k ? A : A.subarray(0, m * k), offA);
    heap.set(T.subarray(0, 4 * n), offT);
    if (bias) heap.set(bias.subarray(0, n), offBias);
    if (mask) heap.set(mask.length === m * n ? mask : mask.subarray(0, m * n), offMask);
    if (colsum) heap.set(colsum.subarray(0, n), offCol);
    this.kept.x.shortLayer(offA * 8, m, k, offT * 8, n, bias ? offBias * 8 : 0, relu ? 1 : 0, mask ? offMask * 8 : 0, offOut * 8, colsum ? offCol * 8 : 0);
    out.set(heap.subarray(offOut, offOut + m * n));
    if (colsum) colsum.set(heap.subarray(offCol, offCol + n));
    return true;
  }

  /**
   * The product of a (ar×ac) and b (br×bc) in the given orientation, row-major, in `out` when
   * given (it must hold exactly the result: a plan's preallocated buffer; a fresh 240 KB array
   * costs about as much as the 300×2·2×100 product itself) or else in a fresh Float64Array; null
   * when linear memory cannot hold it (the caller then uses the JS kernel). Shapes must already
   * be checked by the caller.
   */
  product(o: Orientation, A: Float64Array, ar: number, ac: number, B: Float64Array, br: number, bc: number, out?: Float64Array): Float64Array | null {
    // C (M×N) = A'(M×K)·B'(K×N); A'(i, p) = A[i·ars + p·aps], B'(p, j) = B[p·bps + j·bjs].
    let M: number, K: number, N: number, ars: number, aps: number, bps: number, bjs: number;
    if (o === 'AB') { M = ar; K = ac; N = bc; ars = ac; aps = 1; bps = bc; bjs = 1; }
    else if (o === 'ATB') { M = ac; K = ar; N = bc; ars = 1; aps = ac; bps = bc; bjs = 1; }
    else { M = ar; K = ac; N = br; ars = ac; aps = 1; bps = 1; bjs = bc; }
    if (out && out.length !== M * N) throw new RangeError(`product: an output of ${out.length} entries for a ${M}×${N} result`);
    if (K === 0) return out ? out.fill(0) : new Float64Array(M * N); // an empty sum: the kernel would write nothing
    const N4 = pad4(N);
    const offA = 0;
    const offB = offA + line(A.length);
    const offP = offB + line(B.length);
    const offC = offP + line(K * N4);
    const end = offC + line(pad4(M) * N4);
    if (end * 8 > MAX_BYTES) return null;
    const inst = end * 8 <= RETAIN_BYTES ? this.kept : this.instantiate();
    const heap = inst.view(end);
    if (!heap) return null;
    heap.set(A, offA);
    heap.set(B, offB);
    const x = inst.x;
    x.pack(offB * 8, K, N, bps, bjs, offP * 8);
    x.gemm(offA * 8, ars, aps, M, K, offP * 8, N, offC * 8);
    x.compact(offC * 8, M, N);
    if (!out) return heap.slice(offC, offC + M * N);
    out.set(heap.subarray(offC, offC + M * N));
    return out;
  }
}

/**
 * The kernels, or null where WebAssembly SIMD is unavailable (old engines, a CSP without
 * 'wasm-unsafe-eval'): validating the module checks every instruction it uses, and compiling
 * it synchronously is allowed everywhere for a module this small.
 */
export function loadWasmGemm(): WasmGemm | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = decodeBase64(KERNELS_WASM_BASE64);
    if (!WebAssembly.validate(bytes)) return null;
    return new WasmGemm(new WebAssembly.Module(bytes));
  } catch {
    return null;
  }
}
