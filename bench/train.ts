// Training benchmarks (npm run bench; bench/run.ts calls benchTraining): sheets trained through
// the exact path of `gradsheet train` (trainCommand in-process, its --json document), next to
// the peers of shared/peers run in the same session.
//   - CS231n spiral 2-layer ReLU net (300×2 → 100 → 3, step 1, reg 1e-3), the peers' data and
//     initial weights: seconds for 10,000 full-batch steps and the final training accuracy,
//     against the plain-JS op-by-op kernels (floor: within 1.5×) and tfjs-cpu (floor: ≥ 5× faster);
//   - MNIST 784-100-10 ReLU, batch 64, SGD lr 0.1: seconds per epoch of 8,000 digits, test
//     accuracy, resident memory (floor: ≥ 3× faster than tfjs-cpu, < 400 MB).
// tfjs is measured only when bench/.peers has it installed; otherwise the published figure of
// shared/peers/README.md is printed and labelled as such.
//   node bin/run-ts.mjs bench/train.ts [--quick]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trainCommand } from '../src/cli/train';
import type { SheetDoc } from '../src/engine/sheet/document';
import { writeSheet } from '../src/engine/sheet/format';

const here = dirname(fileURLToPath(import.meta.url));
// ../shared/peers beside the repository (one level further up from a worktree in wt/).
const sharedPeers = [resolve(here, '../../shared/peers'), resolve(here, '../../../shared/peers')].find((p) => existsSync(p)) ?? resolve(here, '../../shared/peers');
const peersDir = join(here, '.peers');

/** shared/peers/README.md, 2026-11-23 (median of three passes): used only when tfjs is not installed here. */
const PUBLISHED = { spiralTfjsCpuMsPerStep: 12.068, spiralKernelsMsPerStep: 1.628, mnistTfjsCpuSecPerEpoch: 5.46, mnistPlainF64SecPerEpoch: 0.855 };

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

/** `gradsheet train FILE --steps N --json`, in-process: the command's own document. */
function trainViaCli(doc: SheetDoc, steps: number): { seconds: number; loss: Record<string, number>; accuracy: Record<string, number> } {
  const dir = mkdtempSync(join(tmpdir(), 'gradsheet-bench-'));
  const file = join(dir, 'sheet.json');
  writeFileSync(file, writeSheet(doc));
  const out: string[] = [];
  const code = trainCommand([file, '--steps', String(steps), '--json'], { out: (s) => out.push(s), err: (s) => console.error(s) });
  if (code !== 0) throw new Error(`gradsheet train exited ${code}`);
  return JSON.parse(out.join('\n'));
}

function runPeer(script: string, args: string[]): any | null {
  const cwd = existsSync(join(peersDir, script)) ? peersDir : sharedPeers;
  console.error(`[bench] peer: node ${script} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    console.error(`[bench] ${script} failed: ${r.stderr.slice(0, 300)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const tfjsInstalled = () => existsSync(join(peersDir, 'node_modules/@tensorflow/tfjs-backend-cpu'));

export interface TrainingFigures {
  rows: { workload: string; ours: string; peer: string; ratio: string; floor: string }[];
}

export async function benchTraining(options: { quick?: boolean; peers?: boolean } = {}): Promise<TrainingFigures> {
  const steps = options.quick ? 1000 : 10_000;
  const doc = await spiralTrainingSheet();
  const ours = trainViaCli(doc, steps);
  const msPerStep = (ours.seconds * 1000) / steps;
  const out: TrainingFigures = { rows: [] };
  let kernels = PUBLISHED.spiralKernelsMsPerStep, kernelsSource = 'published';
  let tfjs = PUBLISHED.spiralTfjsCpuMsPerStep, tfjsSource = 'published';
  if (options.peers !== false) {
    const p = runPeer('spiral_plain.mjs', ['--dtype', 'f64', '--runs', '1', '--linear-iters', '200', '--twolayer-iters', String(Math.min(steps, 2000))]);
    const ms = p?.kernels?.twolayer?.ms_per_iter;
    if (typeof ms === 'number') [kernels, kernelsSource] = [ms, 'same session'];
    if (tfjsInstalled()) {
      const t = runPeer('spiral_tfjs.mjs', ['--backend', 'cpu', '--runs', '1', '--twolayer-iters', '300']);
      const tm = t?.twolayer?.ms_per_iter;
      if (typeof tm === 'number') [tfjs, tfjsSource] = [tm, 'same session'];
    }
  }
  const acc = Object.values(ours.accuracy)[0];
  const loss = Object.values(ours.loss)[0];
  out.rows.push({
    workload: `spiral 2-layer, ${steps} full-batch steps (gradsheet train)`,
    ours: `${ours.seconds.toFixed(2)} s (${msPerStep.toFixed(3)} ms/step), loss ${loss.toFixed(4)}, accuracy ${acc.toFixed(3)}`,
    peer: `plain-JS op-by-op kernels ${kernels.toFixed(3)} ms/step (${kernelsSource}); tfjs-cpu ${tfjs.toFixed(3)} ms/step (${tfjsSource})`,
    ratio: `${(msPerStep / kernels).toFixed(2)}× kernels; ${(tfjs / msPerStep).toFixed(1)}× faster than tfjs-cpu`,
    floor: `≤ 1.5× kernels: ${msPerStep <= 1.5 * kernels ? 'met' : 'NOT met'}; ≥ 5× tfjs-cpu: ${tfjs / msPerStep >= 5 ? 'met' : 'NOT met'}`,
  });
  // MNIST: 3 epochs of 125 steps, seconds per epoch from the command's own timing.
  const epochs = options.quick ? 1 : 3;
  const m = trainViaCli(mnistTrainingSheet(), 125 * epochs);
  const perEpoch = m.seconds / epochs;
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  out.rows.push({
    workload: `MNIST 784-100-10, batch 64, ${epochs} epoch(s) of 8,000 digits (gradsheet train)`,
    ours: `${perEpoch.toFixed(2)} s/epoch, test accuracy ${Object.values(m.accuracy)[0].toFixed(4)}, resident ${rssMb.toFixed(0)} MB (whole bench process)`,
    peer: `tfjs-cpu ${PUBLISHED.mnistTfjsCpuSecPerEpoch} s/epoch, plain-JS f64 ${PUBLISHED.mnistPlainF64SecPerEpoch} s/epoch (published; the MNIST peers need their data export in shared/peers/data)`,
    ratio: `${(PUBLISHED.mnistTfjsCpuSecPerEpoch / perEpoch).toFixed(1)}× faster than tfjs-cpu; ${(perEpoch / PUBLISHED.mnistPlainF64SecPerEpoch).toFixed(2)}× plain JS`,
    floor: `≥ 3× tfjs-cpu: ${PUBLISHED.mnistTfjsCpuSecPerEpoch / perEpoch >= 3 ? 'met' : 'NOT met'}; < 400 MB: ${rssMb < 400 ? 'met' : 'NOT met'}`,
  });
  return out;
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const figures = await benchTraining({ quick, peers: !process.argv.includes('--no-peers') });
  for (const r of figures.rows) console.log(`${r.workload}\n  ours:  ${r.ours}\n  peers: ${r.peer}\n  ratio: ${r.ratio}\n  floor: ${r.floor}`);
}
