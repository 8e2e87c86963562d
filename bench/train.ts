// Training benchmarks (npm run bench; bench/run.ts calls benchTraining): sheets trained through
// the exact path of `gradsheet train` (trainCommand, its --json document, which also says which
// program ran: the compiled plan or the plan runner), next to the peers of shared/peers run in
// the same session, interleaved round by round (this 2-core machine is shared and noisy: the
// ratios are what to read, medians over the rounds).
//   - CS231n spiral 2-layer ReLU net (300×2 → 100 → 3, step 1, reg 1e-3), the peers' data and
//     initial weights: seconds for 10,000 full-batch steps and the final training accuracy, vs
//     numpy float64 (issue 11: faster), the hand-fused plain-JS loop (≤ 1.2×), the op-by-op
//     plain-JS kernels (issue 9: ≤ 1.5×), tfjs-cpu (≥ 20×; issue 9 ≥ 5×) and tfjs-wasm (≥ 4×);
//   - MNIST 784-100-10 ReLU, batch 64, SGD lr 0.1, in a child process `gradsheet train`: seconds
//     per epoch of 8,000 digits, test accuracy, peak resident memory, vs the plain-JS loop f64
//     (≥ 2× faster), tfjs-wasm (≥ 3×), numpy/OpenBLAS 1 thread (within 4×), tfjs-cpu (issue 9
//     ≥ 3×); < 300 MB (issue 9: < 400 MB);
//   - before/after: the same sheets through the plan runner (what the trainer ran before it ran
//     the compiled plan), fewer steps.
// tfjs is measured only when bench/.peers has it installed; otherwise the published figure of
// shared/peers/README.md is printed and labelled as such.
//   node bin/run-ts.mjs bench/train.ts [--quick] [--no-peers]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trainCommand } from '../src/cli/train';
import { createEngine } from '../src/engine/engine';
import type { SheetDoc } from '../src/engine/sheet/document';
import { writeSheet } from '../src/engine/sheet/format';
import { createTrainer } from '../src/engine/train/trainer';

const here = dirname(fileURLToPath(import.meta.url));
// ../shared/peers beside the repository (one level further up from a worktree in wt/).
const sharedPeers = [resolve(here, '../../shared/peers'), resolve(here, '../../../shared/peers')].find((p) => existsSync(p)) ?? resolve(here, '../../shared/peers');
const peersDir = join(here, '.peers');

/** shared/peers/README.md, 2026-11-23 (median of three passes, another machine): used only where a peer cannot run here. */
const PUBLISHED = {
  spiralTfjsCpuMsPerStep: 12.068, spiralTfjsWasmMsPerStep: 1.527, spiralKernelsMsPerStep: 1.628, spiralFusedMsPerStep: 0.319, spiralNumpyMsPerStep: 0.36,
  mnistTfjsCpuSecPerEpoch: 5.46, mnistTfjsWasmSecPerEpoch: 1.419, mnistPlainF64SecPerEpoch: 0.855, mnistNumpyF64SecPerEpoch: 0.088,
};

/** The peers' MNIST network as a sheet: 784-100-10 ReLU, batch 64, plain SGD lr 0.1 over 8,000 digits, tested on 1,756. */
export function mnistTrainingSheet(): SheetDoc {
  const cells: [string, string, string][] = [
    ['A1', 'Xtr', 'mnist_train(8000)'], ['A2', 'ytr', 'mnist_train_labels(8000)'],
    ['A3', 'Xte', 'mnist_test(1756)'], ['A4', 'yte', 'mnist_test_labels(1756)'],
    ['A5', 'idx', 'minibatch(8000, 64, 7)'],
    ['B1', 'W1', 'param(0.05 * randn(784, 100, 5))'], ['B2', 'b1', 'param(zeros(1, 100))'],
    ['B3', 'W2', 'param(0.1 * randn(100, 10, 6))'], ['B4', 'b2', 'param(zeros(1, 10))'],
    ['C1', 'loss', 'cross_entropy(relu(take(Xtr, idx) @ W1 + b1) @ W2 + b2, take(ytr, idx))'],
    ['C2', 'opt', 'sgd(loss, 0.1)'],
    ['C3', 'test_acc', 'accuracy(relu(Xte @ W1 + b1) @ W2 + b2, yte)'],
  ];
  return { gradsheet: 1, title: 'bench: MNIST 784-100-10', cells: cells.map(([at, name, formula]) => ({ at, name, formula })) };
}

const rows = (d: ArrayLike<number>, r: number, c: number): number[][] =>
  Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => d[i * c + j]));

/** The CS231n 2-layer net as a training sheet: data as stored matrices, the peers' initial weights as parameter values. */
export async function spiralTrainingSheet(): Promise<SheetDoc> {
  const common = await import(pathToFileURL(join(sharedPeers, 'lib/common.mjs')).href);
  const sp = common.makeSpiral();
  const rng = common.makeRng(common.SEEDS.spiralTwoLayer);
  const H = 100, K = sp.K, n = sp.N;
  const W1 = common.randnMatrix(rng, sp.D, H, 0.01);
  const W2 = common.randnMatrix(rng, H, K, 0.01);
  return {
    gradsheet: 1,
    title: 'bench: CS231n spiral, 2-layer ReLU net',
    cells: [
      { at: 'A1', name: 'X', formula: `zeros(${n}, 2)`, value: rows(sp.X, n, 2) },
      { at: 'A2', name: 'y', formula: `zeros(${n}, 1)`, value: rows(Float64Array.from(sp.y), n, 1) },
      { at: 'A3', name: 'W1', formula: `param(0.01 * randn(2, ${H}, 3))`, value: rows(W1, 2, H) },
      { at: 'A4', name: 'b1', formula: `param(zeros(1, ${H}))` },
      { at: 'A5', name: 'W2', formula: `param(0.01 * randn(${H}, ${K}, 4))`, value: rows(W2, H, K) },
      { at: 'A6', name: 'b2', formula: `param(zeros(1, ${K}))` },
      { at: 'A7', name: 'reg', formula: '0.001' },
      { at: 'B1', name: 'hidden', formula: 'relu(X @ W1 + b1)' },
      { at: 'B2', name: 'scores', formula: 'hidden @ W2 + b2' },
      { at: 'B3', name: 'loss', formula: 'cross_entropy(scores, y) + 0.5 * reg * sum(W1 * W1) + 0.5 * reg * sum(W2 * W2)' },
      { at: 'B4', name: 'opt', formula: 'sgd(loss, 1)' },
      { at: 'B5', name: 'acc', formula: 'accuracy(scores, y)' },
    ],
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface TrainDoc { steps: number; seconds: number; loss: Record<string, number>; accuracy: Record<string, number>; engine?: { kind: string; reason?: string } }

function sheetFile(doc: SheetDoc): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gradsheet-bench-')), 'sheet.json');
  writeFileSync(file, writeSheet(doc));
  return file;
}

/** `gradsheet train FILE --steps N --json`, in-process: the command's own document. */
function trainViaCli(file: string, steps: number): TrainDoc {
  const out: string[] = [];
  const code = trainCommand([file, '--steps', String(steps), '--json'], { out: (s) => out.push(s), err: (s) => console.error(s) });
  if (code !== 0) throw new Error(`gradsheet train exited ${code}`);
  return JSON.parse(out.join('\n'));
}

/** The spiral sheet through `gradsheet train --json` in this process (bench/browser.ts compares the Worker with it). */
export function trainSpiralCli(doc: SheetDoc, steps: number): TrainDoc {
  return trainViaCli(sheetFile(doc), steps);
}

/** `gradsheet train FILE --steps N --json` in a child process: its document and its peak RSS. */
function trainInChild(file: string, steps: number): TrainDoc & { maxRssMB: number } {
  const r = spawnSync(process.execPath, [join(here, '../bin/run-ts.mjs'), join(here, 'train-child.ts'), file, String(steps)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  if (r.status !== 0) throw new Error(`gradsheet train (child) exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return { ...JSON.parse(r.stdout), maxRssMB: JSON.parse(last).maxRssMB };
}

/** The same sheet through the plan runner (what the trainer ran before the compiled plan): ms per step. */
function planRunnerMsPerStep(doc: SheetDoc, steps: number): number {
  const engine = createEngine();
  engine.load(doc);
  const t = createTrainer(engine, engine.registry, { program: 'plan' });
  if (!t.ok) throw new Error(t.error);
  for (let i = 0; i < 3; i++) t.trainer.step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) if (!t.trainer.step().ok) throw new Error('plan runner step failed');
  return (performance.now() - t0) / steps;
}

/** A private copy of the peers (no npm packages needed for the plain-JS and numpy ones); null without shared/peers. */
function preparePeers(): string | null {
  if (!existsSync(join(sharedPeers, 'lib/common.mjs'))) return null;
  mkdirSync(peersDir, { recursive: true });
  for (const f of ['lib', 'spiral_plain.mjs', 'spiral_numpy.py', 'spiral_tfjs.mjs', 'mnist_plain.mjs', 'mnist_numpy.py', 'mnist_tfjs.mjs', 'mnist_export.mjs']) {
    if (existsSync(join(sharedPeers, f))) cpSync(join(sharedPeers, f), join(peersDir, f), { recursive: true });
  }
  if (!existsSync(join(peersDir, 'data/mnist_meta.json'))) {
    const r = spawnSync(process.execPath, ['mnist_export.mjs'], { cwd: peersDir, encoding: 'utf8' });
    if (r.status !== 0) console.error(`[bench] mnist_export.mjs failed: ${r.stderr.slice(0, 300)}`);
  }
  return peersDir;
}

function runPeer(cmd: 'node' | 'python3', script: string, args: string[]): any | null {
  console.error(`[bench] peer: ${cmd} ${script} ${args.join(' ')}`);
  // numpy on one thread, OpenBLAS choosing its own kernels (as the published figures were measured).
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(cmd === 'node' ? process.execPath : 'python3', [script, ...args], { cwd: peersDir, encoding: 'utf8', maxBuffer: 64 << 20, env });
  if (r.status !== 0) {
    console.error(`[bench] ${script} failed: ${(r.stderr ?? String(r.error)).slice(0, 300)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const tfjsInstalled = () => existsSync(join(peersDir, 'node_modules/@tensorflow/tfjs-backend-wasm'));

export interface TrainingFigures {
  rows: { workload: string; ours: string; peer: string; ratio: string; floor: string }[];
}

/**
 * A peer figure measured in this session (median of the rounds), or else the published one,
 * scaled by how much slower a peer measured both here and there ran here (`scale`: the
 * machine's load today), labelled as such.
 */
function figure(samples: number[], published: number, scale?: { here: number[]; there: number }): { v: number; src: string } {
  if (samples.length) return { v: median(samples), src: samples.length > 1 ? `this run, median of ${samples.length}` : 'this run' };
  if (scale?.here.length) {
    const f = median(scale.here) / scale.there;
    return { v: published * f, src: `not installed: published ${published} × ${f.toFixed(2)}, this run's plain-JS peer against its published figure` };
  }
  return { v: published, src: 'not installed: published, another machine' };
}

const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

export async function benchTraining(options: { quick?: boolean; peers?: boolean } = {}): Promise<TrainingFigures> {
  const quick = options.quick === true;
  const peers = options.peers !== false ? preparePeers() : null;
  const tfjs = peers !== null && tfjsInstalled();
  const out: TrainingFigures = { rows: [] };

  // ---------- spiral: ours and the peers, interleaved ----------
  const steps = quick ? 1000 : 10_000, peerIters = quick ? '1000' : '3000', rounds = quick ? 1 : 3;
  const doc = await spiralTrainingSheet();
  const file = sheetFile(doc);
  const ours: TrainDoc[] = [];
  const fusedS: number[] = [], kernelsS: number[] = [], numpyS: number[] = [], tfCpuS: number[] = [], tfWasmS: number[] = [];
  for (let r = 0; r < rounds; r++) {
    console.error(`[bench] spiral round ${r + 1}/${rounds}: gradsheet train --steps ${steps}…`);
    ours.push(trainViaCli(file, steps));
    if (!peers) continue;
    const plain = runPeer('node', 'spiral_plain.mjs', ['--dtype', 'f64', '--runs', '1', '--linear-iters', '200', '--twolayer-iters', peerIters]);
    if (plain) { fusedS.push(plain.fused.twolayer.ms_per_iter); kernelsS.push(plain.kernels.twolayer.ms_per_iter); }
    const np = runPeer('python3', 'spiral_numpy.py', ['--runs', '1', '--linear-iters', '200', '--twolayer-iters', peerIters]);
    if (np) numpyS.push(np.twolayer.ms_per_iter);
    if (tfjs && r === 0) {
      const c = runPeer('node', 'spiral_tfjs.mjs', ['--backend', 'cpu', '--runs', '1', '--twolayer-iters', '300']);
      if (c) tfCpuS.push(c.twolayer.ms_per_iter);
      const w = runPeer('node', 'spiral_tfjs.mjs', ['--backend', 'wasm', '--runs', '1', '--twolayer-iters', '1000']);
      if (w) tfWasmS.push(w.twolayer.ms_per_iter);
    }
  }
  const oursMs = median(ours.map((o) => (o.seconds * 1000) / steps));
  const last = ours[ours.length - 1];
  const before = planRunnerMsPerStep(doc, quick ? 200 : 1000);
  const fused = figure(fusedS, PUBLISHED.spiralFusedMsPerStep), kernels = figure(kernelsS, PUBLISHED.spiralKernelsMsPerStep), numpy = figure(numpyS, PUBLISHED.spiralNumpyMsPerStep);
  const byKernels = { here: kernelsS, there: PUBLISHED.spiralKernelsMsPerStep };
  const tfCpu = figure(tfCpuS, PUBLISHED.spiralTfjsCpuMsPerStep, byKernels), tfWasm = figure(tfWasmS, PUBLISHED.spiralTfjsWasmMsPerStep, byKernels);
  const engine = (d: TrainDoc) => (d.engine ? d.engine.kind + (d.engine.reason ? ` (${d.engine.reason})` : '') : '?');
  const spiral = `spiral 2-layer, ${steps} full-batch steps (gradsheet train, engine: ${engine(last)})`;
  out.rows.push({
    workload: spiral,
    ours: `${((oursMs * steps) / 1000).toFixed(2)} s (${oursMs.toFixed(3)} ms/step, median of ${rounds}), loss ${Object.values(last.loss)[0].toFixed(4)}, training accuracy ${Object.values(last.accuracy)[0].toFixed(3)}`,
    peer: `numpy f64 ${numpy.v.toFixed(3)} ms/step (${numpy.src}); plain-JS f64 hand-fused ${fused.v.toFixed(3)} (${fused.src}); op-by-op kernels ${kernels.v.toFixed(3)} (${kernels.src})`,
    ratio: `${(oursMs / numpy.v).toFixed(2)}× numpy; ${(oursMs / fused.v).toFixed(2)}× fused; ${(oursMs / kernels.v).toFixed(2)}× kernels`,
    floor: `faster than numpy: ${met(oursMs < numpy.v)}; ≤ 1.2× fused: ${met(oursMs <= 1.2 * fused.v)}; ≤ 1.5× kernels (issue 9): ${met(oursMs <= 1.5 * kernels.v)}`,
  });
  out.rows.push({
    workload: `${spiral}, vs TensorFlow.js`,
    ours: `${oursMs.toFixed(3)} ms/step`,
    peer: `tfjs-cpu ${tfCpu.v.toFixed(3)} ms/step (${tfCpu.src}); tfjs-wasm ${tfWasm.v.toFixed(3)} (${tfWasm.src})`,
    ratio: `${(tfCpu.v / oursMs).toFixed(1)}× faster than tfjs-cpu; ${(tfWasm.v / oursMs).toFixed(1)}× faster than tfjs-wasm`,
    floor: `≥ 20× tfjs-cpu: ${met(tfCpu.v / oursMs >= 20)} (issue 9 ≥ 5×: ${met(tfCpu.v / oursMs >= 5)}); ≥ 4× tfjs-wasm: ${met(tfWasm.v / oursMs >= 4)}`,
  });
  out.rows.push({
    workload: 'spiral 2-layer: before (the plan runner, same sheet) and after (compiled plan)',
    ours: `after ${oursMs.toFixed(3)} ms/step`,
    peer: `before ${before.toFixed(3)} ms/step (plan runner, ${quick ? 200 : 1000} steps)`,
    ratio: `${(before / oursMs).toFixed(1)}× faster`,
    floor: '',
  });

  // ---------- MNIST: ours in a child process (its own peak RSS), interleaved with the peers ----------
  const epochs = quick ? 1 : 3, mRounds = quick ? 1 : 2;
  const mdoc = mnistTrainingSheet();
  const mfile = sheetFile(mdoc);
  const mine: (TrainDoc & { maxRssMB: number })[] = [];
  const plainM: number[] = [], numpyM: number[] = [], tfWasmM: number[] = [], tfCpuM: number[] = [];
  for (let r = 0; r < mRounds; r++) {
    console.error(`[bench] MNIST round ${r + 1}/${mRounds}: gradsheet train --steps ${125 * epochs} (child process)…`);
    mine.push(trainInChild(mfile, 125 * epochs));
    if (!peers) continue;
    const p = runPeer('node', 'mnist_plain.mjs', ['--dtype', 'f64', '--runs', '1']);
    if (p) plainM.push(p.s_per_epoch);
    if (r === 0) {
      const np = runPeer('python3', 'mnist_numpy.py', ['--runs', '1']);
      if (np) numpyM.push(np.float64.s_per_epoch);
      if (tfjs) {
        const w = runPeer('node', 'mnist_tfjs.mjs', ['--backend', 'wasm', '--runs', '1']);
        if (w) tfWasmM.push(w.s_per_epoch);
        const c = runPeer('node', 'mnist_tfjs.mjs', ['--backend', 'cpu', '--runs', '1']);
        if (c) tfCpuM.push(c.s_per_epoch);
      }
    }
  }
  const perEpoch = median(mine.map((m) => m.seconds / epochs));
  const rss = Math.max(...mine.map((m) => m.maxRssMB));
  const mBefore = (planRunnerMsPerStep(mdoc, quick ? 10 : 30) * 125) / 1000;
  const plainF = figure(plainM, PUBLISHED.mnistPlainF64SecPerEpoch), numpyF = figure(numpyM, PUBLISHED.mnistNumpyF64SecPerEpoch);
  const byPlain = { here: plainM, there: PUBLISHED.mnistPlainF64SecPerEpoch };
  const tfWasmF = figure(tfWasmM, PUBLISHED.mnistTfjsWasmSecPerEpoch, byPlain), tfCpuF = figure(tfCpuM, PUBLISHED.mnistTfjsCpuSecPerEpoch, byPlain);
  const mn = `MNIST 784-100-10, batch 64, ${epochs} epoch(s) of 8,000 digits (gradsheet train in a child process, engine: ${engine(mine[0])})`;
  out.rows.push({
    workload: mn,
    ours: `${perEpoch.toFixed(3)} s/epoch (median of ${mRounds}), test accuracy ${Object.values(mine[mine.length - 1].accuracy)[0].toFixed(4)}, peak resident ${rss.toFixed(0)} MB (the whole command: loading 9,756 digits, training, saving state)`,
    peer: `plain-JS f64 ${plainF.v.toFixed(3)} s/epoch (${plainF.src}); tfjs-wasm ${tfWasmF.v.toFixed(3)} (${tfWasmF.src}); numpy f64 1 thread ${numpyF.v.toFixed(3)} (${numpyF.src}); tfjs-cpu ${tfCpuF.v.toFixed(2)} (${tfCpuF.src})`,
    ratio: `${(plainF.v / perEpoch).toFixed(2)}× faster than plain JS; ${(tfWasmF.v / perEpoch).toFixed(1)}× faster than tfjs-wasm; ${(perEpoch / numpyF.v).toFixed(1)}× numpy; ${(tfCpuF.v / perEpoch).toFixed(1)}× faster than tfjs-cpu`,
    floor: `≥ 2× plain JS: ${met(plainF.v / perEpoch >= 2)}; ≥ 3× tfjs-wasm: ${met(tfWasmF.v / perEpoch >= 3)}; within 4× numpy: ${met(perEpoch <= 4 * numpyF.v)}; ≥ 3× tfjs-cpu (issue 9): ${met(tfCpuF.v / perEpoch >= 3)}; < 300 MB: ${met(rss < 300)} (issue 9 < 400 MB: ${met(rss < 400)})`,
  });
  out.rows.push({
    workload: 'MNIST: before (the plan runner, same sheet, in this process) and after (compiled plan)',
    ours: `after ${perEpoch.toFixed(3)} s/epoch`,
    peer: `before ${mBefore.toFixed(3)} s/epoch (plan runner, ${quick ? 10 : 30} steps projected to 125)`,
    ratio: `${(mBefore / perEpoch).toFixed(1)}× faster`,
    floor: '',
  });
  return out;
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const figures = await benchTraining({ quick, peers: !process.argv.includes('--no-peers') });
  for (const r of figures.rows) console.log(`${r.workload}\n  ours:  ${r.ours}\n  peers: ${r.peer}\n  ratio: ${r.ratio}${r.floor ? `\n  floor: ${r.floor}` : ''}`);
}
