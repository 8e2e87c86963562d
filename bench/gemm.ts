// GEMM throughput of the matrix products (src/engine/tensor/kernels.ts) at the shapes a training
// step needs, WebAssembly SIMD next to the JS fallback, beside the peers' GEMM figures
// (shared/peers: gemm_js.mjs plain-JS kernels run live in this session when the peers are
// present, gemm_limit.c compiled into a temp dir when gcc is, and the README's recorded figures).
//   node bin/run-ts.mjs bench/gemm.ts [--quick] [--no-peers] [--crossover]
// npm run bench calls benchGemm() after its own table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matmul, matmulTA, matmulTB, setKernelBackend, type KernelBackend } from '../src/engine/tensor/kernels';
import { Matrix } from '../src/engine/tensor/value';

// Next to the repository, as bench/run.ts expects; GRADSHEET_PEERS points elsewhere (a git worktree).
const sharedPeers = process.env.GRADSHEET_PEERS ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/peers');

/** Recorded in shared/peers/README.md (2026-11-23, median GFLOP/s at 256³, one core). */
const RECORDED = { jsNt2x4F64: 3.5, cBlockedF64: 24.5, tfjsWasmF32: 23.39 };

type Orient = 'AB' | 'ATB' | 'ABT';
interface Shape { label: string; o: Orient; m: number; k: number; n: number; why: string }

/** C (m×n) = op(A)·op(B) with k the inner size; `label` is written as the product is read. */
const SHAPES: Shape[] = [
  { label: '300×2 · 2×100', o: 'AB', m: 300, k: 2, n: 100, why: 'spiral X·W1' },
  { label: '300×100 · 100×3', o: 'AB', m: 300, k: 100, n: 3, why: 'spiral h·W2' },
  { label: '100×300 · 300×3 (Aᵀ·B)', o: 'ATB', m: 100, k: 300, n: 3, why: 'spiral hᵀ·dS' },
  { label: '300×3 · 3×100 (A·Bᵀ)', o: 'ABT', m: 300, k: 3, n: 100, why: 'spiral dS·W2ᵀ' },
  { label: '2×300 · 300×100 (Aᵀ·B)', o: 'ATB', m: 2, k: 300, n: 100, why: 'spiral Xᵀ·dh' },
  { label: '64×784 · 784×100', o: 'AB', m: 64, k: 784, n: 100, why: 'MNIST X·W1' },
  { label: '64×100 · 100×10', o: 'AB', m: 64, k: 100, n: 10, why: 'MNIST h·W2' },
  { label: '100×64 · 64×10 (Aᵀ·B)', o: 'ATB', m: 100, k: 64, n: 10, why: 'MNIST hᵀ·dS' },
  { label: '64×10 · 10×100 (A·Bᵀ)', o: 'ABT', m: 64, k: 10, n: 100, why: 'MNIST dS·W2ᵀ' },
  { label: '784×64 · 64×100 (Aᵀ·B)', o: 'ATB', m: 784, k: 64, n: 100, why: 'MNIST Xᵀ·dh' },
  { label: '256×256 · 256×256', o: 'AB', m: 256, k: 256, n: 256, why: 'peers\' 256³' },
  { label: '256×256 · 256×256 (Aᵀ·B)', o: 'ATB', m: 256, k: 256, n: 256, why: '' },
  { label: '256×256 · 256×256 (A·Bᵀ)', o: 'ABT', m: 256, k: 256, n: 256, why: '' },
];

function random(rows: number, cols: number, seed: number): Matrix {
  const d = new Float64Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < d.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; d[i] = s / 4294967296 - 0.5; }
  return new Matrix(rows, cols, d);
}

/** The operands in the layout the kernel takes, and the call. */
function product(s: Shape): () => Matrix {
  const { o, m, k, n } = s;
  if (o === 'AB') { const a = random(m, k, 1), b = random(k, n, 2); return () => matmul(a, b); }
  if (o === 'ATB') { const a = random(k, m, 1), b = random(k, n, 2); return () => matmulTA(a, b); }
  const a = random(m, k, 1), b = random(n, k, 2);
  return () => matmulTB(a, b);
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };

interface Rate { median: number; best: number }

/** GFLOP/s over 7 samples of about minMs each (whole calls: copies in and out included), as gemm_js.mjs reports. */
function gflops(fn: () => unknown, flops: number, minMs: number): Rate {
  let reps = 1;
  for (;;) { const t0 = performance.now(); for (let r = 0; r < reps; r++) fn(); if (performance.now() - t0 >= minMs / 4) break; reps *= 2; }
  const g: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    g.push((flops * reps) / ((performance.now() - t0) * 1e6));
  }
  return { median: median(g), best: Math.max(...g) };
}

/**
 * Runs every kernel for a while first: V8 runs wasm from a baseline compiler and swaps in
 * optimised code compiled in the background, which on a busy machine takes a while.
 */
function warmUp(): void {
  for (const b of ['wasm', 'js'] as const) {
    setKernelBackend(b);
    const t0 = performance.now();
    while (performance.now() - t0 < 400) for (const s of SHAPES) if (s.m * s.k * s.n < 1e6) product(s)();
  }
  setKernelBackend('auto');
}

function measure(s: Shape, b: KernelBackend, minMs: number): Rate {
  setKernelBackend(b);
  try {
    return gflops(product(s), 2 * s.m * s.k * s.n, minMs);
  } finally {
    setKernelBackend('auto');
  }
}

/** The peers' GEMM, live: plain-JS f64 kernels of gemm_js.mjs (run in place; they write nothing) and gemm_limit.c. */
function livePeers(): { nt?: number; ikj?: number; c?: number } {
  const out: { nt?: number; ikj?: number; c?: number } = {};
  if (!existsSync(join(sharedPeers, 'gemm_js.mjs'))) return out;
  const js = (variant: string) => {
    console.error(`[bench] peer: node gemm_js.mjs --n 256 --child f64:${variant}`);
    const r = execFileSync(process.execPath, [join(sharedPeers, 'gemm_js.mjs'), '--n', '256', '--child', `f64:${variant}`], { encoding: 'utf8' });
    return JSON.parse(r.trim().split('\n').pop()!).gflops_median as number;
  };
  try { out.nt = js('nt'); out.ikj = js('ikj'); } catch (e) { console.error(`[bench] gemm_js.mjs failed: ${(e as Error).message}`); }
  const dir = mkdtempSync(join(tmpdir(), 'gradsheet-gemm-'));
  try {
    console.error('[bench] peer: gcc -O3 -march=native gemm_limit.c && ./gemm_limit 256');
    execFileSync('gcc', ['-O3', '-march=native', '-o', join(dir, 'gemm_limit'), join(sharedPeers, 'gemm_limit.c'), '-lm'], { stdio: 'ignore' });
    const r = JSON.parse(execFileSync(join(dir, 'gemm_limit'), ['256'], { encoding: 'utf8' }).trim().split('\n').pop()!);
    out.c = findGflops(r);
  } catch (e) {
    console.error(`[bench] gemm_limit.c not run: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** gemm_limit prints nested JSON; its float64 blocked median is the first gflops_median under a key naming f64 and blocked. */
function findGflops(obj: any): number | undefined {
  for (const [key, v] of Object.entries(obj ?? {})) {
    if (v && typeof v === 'object' && /f64|double|float64/i.test(key) && /block/i.test(key) && typeof (v as any).gflops_median === 'number') return (v as any).gflops_median;
  }
  for (const v of Object.values(obj ?? {})) if (v && typeof v === 'object') { const g = findGflops(v); if (g !== undefined) return g; }
  return undefined;
}

const f = (x: number | undefined) => (x === undefined ? '–' : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fr = (r: Rate) => `${f(r.median)} (${f(r.best)})`;

export function benchGemm(opts: { quick: boolean; withPeers: boolean }): void {
  const wasm = setKernelBackend('auto');
  if (!wasm) console.log('\nWebAssembly SIMD is not available here: the wasm column repeats the JS fallback.');
  const minMs = opts.quick ? 60 : 250;
  console.error('[bench] GEMM shapes…');
  warmUp();
  const rows = SHAPES.map((s) => ({ s, wasm: measure(s, 'wasm', minMs), js: measure(s, 'js', minMs), auto: measure(s, 'auto', minMs) }));
  const live = opts.withPeers ? livePeers() : {};
  const nt = live.nt ?? RECORDED.jsNt2x4F64;
  const c = live.c ?? RECORDED.cBlockedF64;
  const src = (x: number | undefined) => (x === undefined ? ' (README)' : '');
  console.log('\n| float64 GEMM, GFLOP/s median (best), copies included | used by | wasm SIMD | JS fallback | default (auto) | wasm / JS | wasm / plain-JS 2x4 peer at 256³ | wasm / C blocked peer at 256³ |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const x = r.wasm.median;
    console.log(`| ${r.s.label} | ${r.s.why} | ${fr(r.wasm)} | ${fr(r.js)} | ${fr(r.auto)} | ${(x / r.js.median).toFixed(2)}× | ${(x / nt).toFixed(2)}× | ${(x / c).toFixed(2)}× |`);
  }
  console.log(`\nPeers at 256³: plain-JS 2x4 register-blocked A·Bᵀ f64 ${f(nt)}${src(live.nt)}, plain-JS i-k-j f64 ${f(live.ikj)}, ` +
    `C blocked -O3 -march=native f64 ${f(c)}${src(live.c)}, tfjs-wasm f32 ${f(RECORDED.tfjsWasmF32)} (README; needs the peers' npm packages).`);
}

/** Where WebAssembly starts to pay: square-ish products of growing size, both backends. */
function crossover(): void {
  warmUp();
  console.log('| m×k·k×n | work | wasm GFLOP/s median (best) | JS GFLOP/s median (best) |');
  console.log('|---|---|---|---|');
  for (const [m, k, n] of [[2, 2, 2], [4, 4, 4], [8, 8, 8], [12, 12, 12], [16, 16, 16], [24, 24, 24], [32, 32, 32], [64, 2, 64], [300, 2, 100], [300, 100, 3], [100, 3, 100], [300, 100, 1], [1, 100, 100], [100, 100, 1]]) {
    for (const o of ['AB', 'ATB', 'ABT'] as Orient[]) {
      const s: Shape = { label: '', o, m, k, n, why: '' };
      console.log(`| ${o} ${m}×${k}·${k}×${n} | ${m * k * n} | ${fr(measure(s, 'wasm', 40))} | ${fr(measure(s, 'js', 40))} |`);
    }
  }
}

// Run directly (not imported by bench/run.ts); tsx appends a query to import.meta.url, the path is what counts.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--crossover')) crossover();
  else benchGemm({ quick: args.includes('--quick'), withPeers: !args.includes('--no-peers') });
}
