// npm run bench: Gradsheet's engine next to the peers of shared/peers on the same work, in
// one run, with ratios. Never part of npm test. Peers run as child processes from a private
// copy of shared/peers (bench/.peers, git-ignored) so nothing is written into shared/.
//   npm run bench                 all workloads and peers
//   npm run bench -- --quick      fewer repetitions
//   npm run bench -- --no-peers   only Gradsheet's own figures
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEngine, type Engine } from '../src/engine/engine';
import { Matrix, type Value } from '../src/engine/tensor/value';
import { bigMatrixSheet, chainSheet, forkSheet, numgradBoundSheet, spiralSheet, type SpiralData } from './workloads';
import { writeSheet } from '../src/engine/sheet/format';
import { benchGemm } from './gemm';
import { benchTraining } from './train';
import { benchCompiled, peersSource } from './compiled';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withPeers = !args.includes('--no-peers');
// GRADSHEET_PEERS: where shared/peers is when the checkout is not next to it (a git worktree);
// peersSource also finds it next to the worktrees' folder.
const sharedPeers = process.env.GRADSHEET_PEERS ?? peersSource ?? resolve(here, '../../shared/peers');
const peersDir = join(here, '.peers');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => performance.now();
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

interface Row {
  workload: string;
  ours: number;
  peer?: { name: string; ms: number };
  target?: number;
  note?: string;
}
const rows: Row[] = [];

// ---------- Gradsheet workloads ----------

/** Edit the first cell, then read a gradient: forward recompute of everything downstream + backward. */
function timeEdits(engine: Engine, input: string, probe: string, reps: number): { total: number; forward: number } {
  const totals: number[] = [];
  const forwards: number[] = [];
  for (let r = 0; r < reps + 3; r++) {
    const t0 = now();
    engine.setCell(input, String(1 + (r % 5) * 0.25));
    const t1 = now();
    const g = engine.get(probe)!.grad;
    const t2 = now();
    if (g === null) throw new Error(`no gradient at ${probe}`);
    if (r >= 3) {
      totals.push(t2 - t0);
      forwards.push(t1 - t0);
    }
  }
  return { total: median(totals), forward: median(forwards) };
}

function benchChain(n: number): { total: number; forward: number } {
  const reps = quick ? 5 : n > 50_000 ? 11 : 21;
  const { doc, first, gradAt } = chainSheet(n);
  const engine = createEngine();
  engine.load(doc);
  const total = timeEdits(engine, first, first, reps).total;
  // Forward alone: the same chain without its grad cell (a grad cell runs backward as part of the recompute).
  const plain = createEngine();
  plain.load({ ...doc, cells: doc.cells.filter((c) => c.at !== gradAt) });
  const fw: number[] = [];
  for (let r = 0; r < reps + 3; r++) {
    const t0 = now();
    plain.setCell(first, String(2 + (r % 5) * 0.25));
    if (r >= 3) fw.push(now() - t0);
  }
  return { total, forward: median(fw) };
}

function benchFork(width: number): number {
  const { doc, input } = forkSheet(width);
  const engine = createEngine();
  engine.load(doc);
  return timeEdits(engine, input, input, quick ? 9 : 41).total;
}

async function spiralData(): Promise<SpiralData> {
  const common = await import(pathToFileURL(join(sharedPeers, 'lib/common.mjs')).href);
  const sp = common.makeSpiral();
  const rng = common.makeRng(common.SEEDS.spiralTwoLayer);
  const H = 100;
  const W1 = common.randnMatrix(rng, sp.D, H, 0.01);
  const W2 = common.randnMatrix(rng, H, sp.K, 0.01);
  return { X: sp.X, y: sp.y, W1, W2, n: sp.N, H, K: sp.K };
}

/** One SGD step through the engine: forward + backward of the loss, then w ← w − 1.0·∇ for the 4 parameters. */
function benchSpiral(data: SpiralData, steps: number): { msPerStep: number; loss0: number; lossN: number } {
  const engine = createEngine();
  engine.load(spiralSheet(data));
  const params = ['A3', 'A4', 'A5', 'A6'];
  const step = () => {
    const grads = params.map((at) => engine.get(at)!.grad as Value);
    engine.batch(() => {
      params.forEach((at, i) => {
        const w = engine.get(at)!.value as Matrix;
        const g = grads[i] as Matrix;
        const out = new Float64Array(w.data.length);
        for (let k = 0; k < out.length; k++) out[k] = w.data[k] - 1.0 * g.data[k];
        engine.setParameter(at, new Matrix(w.rows, w.cols, out));
      });
    });
  };
  const loss0 = engine.get('B3')!.value as number;
  for (let i = 0; i < 20; i++) step(); // warm-up
  const t0 = now();
  for (let i = 0; i < steps; i++) step();
  const ms = (now() - t0) / steps;
  return { msPerStep: ms, loss0, lossN: engine.get('B3')!.value as number };
}

// ---------- trust at scale (issue 7): sizes that once hung or crashed ----------

/** The whole-sheet gradient check of an n-cell chain (sampled cells and entries, one directional derivative). */
function benchCheck(n: number): { ms: number; cells: number; of: number; pass: boolean } {
  const engine = createEngine();
  engine.load(chainSheet(n).doc);
  const t0 = now();
  const [g] = engine.gradientCheck();
  return { ms: now() - t0, cells: g.sampled?.cells ?? 0, of: g.sampled?.of ?? 0, pass: g.pass };
}

/** How long numgrad(sum(W*W), W) takes to refuse at n×n (it must not start the work). */
function benchNumgradRefusal(n: number): { ms: number; kind: string } {
  const engine = createEngine();
  engine.load(numgradBoundSheet(n));
  const t0 = now();
  engine.setCell('B1', 'numgrad(L, W)');
  const ms = now() - t0;
  return { ms, kind: engine.get('B1')?.error?.kind ?? 'none' };
}

/** `gradsheet eval --json` of an n×n matrix in a child process: wall time, bytes, its peak RSS. */
function benchEvalJson(n: number): Promise<{ ms: number; bytes: number; maxRssMB: number; code: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gradsheet-bench-'));
  const file = join(dir, 'big.json');
  writeFileSync(file, writeSheet(bigMatrixSheet(n)));
  return new Promise((resolvePromise, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, [join(here, '../bin/run-ts.mjs'), join(here, 'eval-json-child.ts'), file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (b: Buffer) => (bytes += b.length));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const ms = now() - t0;
      try {
        const last = JSON.parse(err.trim().split('\n').pop()!);
        resolvePromise({ ms, bytes, maxRssMB: last.maxRssMB, code: last.code });
      } catch {
        reject(new Error(`eval --json child failed: ${err.slice(0, 500)}`));
      }
    });
  });
}

// ---------- peers ----------

function preparePeers(): boolean {
  if (!existsSync(sharedPeers)) {
    console.error(`peers not found at ${sharedPeers}; run with --no-peers`);
    return false;
  }
  mkdirSync(peersDir, { recursive: true });
  for (const f of ['lib', 'package.json', 'package-lock.json', 'spiral_plain.mjs', 'scalar_plain.mjs', 'sheet_hyperformula.mjs']) {
    cpSync(join(sharedPeers, f), join(peersDir, f), { recursive: true });
  }
  if (!existsSync(join(peersDir, 'node_modules/hyperformula'))) {
    console.error('[bench] installing the peers\' npm packages into bench/.peers (once)…');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: peersDir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return true;
}

function runPeer(script: string, extra: string[]): any {
  console.error(`[bench] peer: node ${script} ${extra.join(' ')}`);
  const r = spawnSync(process.execPath, [script, ...extra], { cwd: peersDir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line);
}

// ---------- main ----------

async function main(): Promise<void> {
  console.error('[bench] Gradsheet workloads…');
  const chain10k = benchChain(10_000);
  const chain100k = benchChain(100_000);
  const fork = benchFork(1000);
  const data = await spiralData();
  // Three runs, the median: the 2-core machine is noisy.
  const spiralRuns = [0, 1, 2].map(() => benchSpiral(data, quick ? 100 : 500));
  const spiral = spiralRuns.sort((a, b) => a.msPerStep - b.msPerStep)[1];
  console.error('[bench] trust at scale: check of 100,000 cells, numgrad refusal, eval --json of 5000×5000…');
  const check100k = benchCheck(100_000);
  const refusal = benchNumgradRefusal(200);
  const bigJson = await benchEvalJson(quick ? 2000 : 5000);

  let hf: any = null, scalar: any = null, spiralPeer: any = null;
  if (withPeers && preparePeers()) {
    // Interleave: peers run right after ours in the same session on the same machine.
    hf = runPeer('sheet_hyperformula.mjs', []);
    scalar = runPeer('scalar_plain.mjs', ['--sizes', '10000,100000']);
    spiralPeer = runPeer('spiral_plain.mjs', ['--dtype', 'f64', '--runs', '3', '--linear-iters', '200', '--twolayer-iters', quick ? '300' : '1000']);
  }

  const hfMs = (n: number) => hf?.results?.find?.((r: any) => r.n === n || r.cells === n)?.recompute_median_ms ?? findNumber(hf, n, 'recompute');
  const scMs = (n: number) => findNumber(scalar, n, 'total');
  rows.push({ workload: 'chain 10,000 cells: edit first, forward + backward', ours: chain10k.total, target: 5, peer: scMs(10_000) ? { name: 'js one-object-per-node autodiff (fwd+bwd)', ms: scMs(10_000)! } : undefined });
  rows.push({ workload: 'chain 10,000 cells: forward recompute only', ours: chain10k.forward, peer: hfMs(10_000) ? { name: 'HyperFormula recompute', ms: hfMs(10_000)! } : undefined });
  rows.push({ workload: 'chain 100,000 cells: edit first, forward + backward', ours: chain100k.total, target: 60, peer: scMs(100_000) ? { name: 'js one-object-per-node autodiff (fwd+bwd)', ms: scMs(100_000)! } : undefined });
  rows.push({ workload: 'chain 100,000 cells: forward recompute only', ours: chain100k.forward, peer: hfMs(100_000) ? { name: 'HyperFormula recompute', ms: hfMs(100_000)! } : undefined });
  rows.push({ workload: '1000-way fork: edit x, forward + backward', ours: fork });
  const kernelsMs = spiralPeer?.kernels?.twolayer?.ms_per_iter;
  const fusedMs = spiralPeer?.fused?.twolayer?.ms_per_iter;
  rows.push({
    workload: 'spiral 2-layer MLP (300×2→100→3): one SGD step', ours: spiral.msPerStep,
    peer: kernelsMs ? { name: 'plain-JS op-by-op kernels', ms: kernelsMs } : undefined,
    note: `target ≤ 1.2× kernels; loss ${spiral.loss0.toFixed(4)} → ${spiral.lossN.toFixed(4)}` + (fusedMs ? `; hand-fused plain JS ${fmt(fusedMs)} ms` : ''),
  });

  rows.push({ workload: 'gradsheet check: chain of 100,000 cells (whole-sheet gradient check)', ours: check100k.ms, note: `${check100k.cells} of ${check100k.of} cells differenced, ${check100k.pass ? 'pass' : 'FAIL'}` });
  rows.push({ workload: 'numgrad(sum(W*W), W), W 200×200: time to refuse', ours: refusal.ms, note: `#${refusal.kind}` });
  const side = quick ? 2000 : 5000;
  rows.push({ workload: `gradsheet eval --json of randn(${side}, ${side}, 1) (child process)`, ours: bigJson.ms, note: `${(bigJson.bytes / 1e6).toFixed(0)} MB out, peak RSS ${bigJson.maxRssMB.toFixed(0)} MB, exit ${bigJson.code}` });

  console.log('\n| workload | Gradsheet ms | peer | peer ms | ratio (ours/peer) | target |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratio = r.peer ? (r.ours / r.peer.ms).toFixed(2) + '×' : '–';
    const target = r.target ? `≤ ${r.target} ms ${r.ours <= r.target ? '✓' : '✗'}` : r.note ?? '';
    console.log(`| ${r.workload} | ${fmt(r.ours)} | ${r.peer?.name ?? '–'} | ${r.peer ? fmt(r.peer.ms) : '–'} | ${ratio} | ${target}${r.target && r.note ? '; ' + r.note : ''} |`);
  }
  benchGemm({ quick, withPeers });
  for (const r of (await benchTraining({ quick, peers: withPeers })).rows) console.log(`\n${r.workload}\n  ours:  ${r.ours}\n  peers: ${r.peer}\n  ratio: ${r.ratio}${r.floor ? `\n  floor: ${r.floor}` : ""}`);
  await benchCompiled({ quick, withPeers });
  console.log(`\nnode ${process.version}, ${new Date().toISOString()}`);
}

/** Peers print one JSON line each; find the figure for size n by a key containing `word`. */
function findNumber(obj: any, n: number, word: string): number | undefined {
  if (!obj) return undefined;
  const stack: any[] = [obj];
  while (stack.length) {
    const o = stack.pop();
    if (!o || typeof o !== 'object') continue;
    const size = o.n ?? o.nodes ?? o.cells ?? o.size;
    if (size === n) {
      const key = Object.keys(o).find((k) => k.includes(word) && typeof o[k] === 'number' && k.includes('ms'));
      if (key) return o[key];
    }
    for (const v of Object.values(o)) if (typeof v === 'object') stack.push(v);
  }
  return undefined;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
