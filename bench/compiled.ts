// The compiled training plan (src/engine/eval/compiled.ts) on the two training workloads of
// issue 11, next to the plan runner it replaces and the peers, live in the same session:
//   - CS231n spiral 2-layer net (300×2 → 100 → 3, softmax CE, reg 1e-3, step 1.0, full batch):
//     ms/step vs spiral_plain.mjs (hand-fused and op-by-op, f64) and spiral_numpy.py;
//   - MNIST 784-100-10 ReLU MLP, batch 64, SGD lr 0.1: s/epoch of 8,000 digits vs mnist_plain.mjs --dtype f64.
// `npm run bench` calls benchCompiled; alone: node bin/run-ts.mjs bench/compiled.ts [--quick] [--no-peers].
// The peers run from a private copy (bench/.peers) so nothing is written into shared/.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEngine, type Engine } from '../src/engine/engine';
import { type CompiledProgram, compilePlan } from '../src/engine/eval/compiled';
import { type Plan, createPlanRunner } from '../src/engine/eval/plan';
import { Matrix, type Value } from '../src/engine/tensor/value';
import { spiralSheet } from './workloads';

const here = dirname(fileURLToPath(import.meta.url));
/** shared/peers next to the repository, or next to the worktree folder, or GRADSHEET_PEERS. */
export const peersSource = [process.env.GRADSHEET_PEERS, resolve(here, '../../shared/peers'), resolve(here, '../../../shared/peers')].find(
  (p): p is string => p !== undefined && existsSync(join(p, 'lib/common.mjs')),
);
const peersDir = join(here, '.peers');
const now = () => performance.now();
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Copy what these peers need (no npm packages: spiral_plain/mnist_plain use only lib/, mnist_export the repository's `mnist`). */
function preparePeers(): string | null {
  if (!peersSource) return null;
  mkdirSync(peersDir, { recursive: true });
  for (const f of ['lib', 'spiral_plain.mjs', 'spiral_numpy.py', 'mnist_plain.mjs', 'mnist_export.mjs']) cpSync(join(peersSource, f), join(peersDir, f), { recursive: true });
  return peersDir;
}

function runPeer(cmd: string, args: string[]): any {
  console.error(`[bench] peer: ${cmd === process.execPath ? 'node' : cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: peersDir, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  if (r.status !== 0) {
    console.error(`[bench] ${args[0]} failed: ${(r.stderr ?? String(r.error)).slice(0, 400)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function slotOf(plan: Plan, at: string): number {
  const c = plan.cells.find((x) => x.at === at);
  if (!c) throw new Error(`${at} is not in the plan`);
  return c.slot;
}

/** w ← w − lr·g for each wanted slot, in place in the program's input buffers. */
function sgd(prog: CompiledProgram, lr: number): void {
  for (const w of prog.wanted) {
    const W = prog.input(w), G = prog.grad(w);
    for (let i = 0; i < W.length; i++) W[i] -= lr * G[i];
  }
}

/** The plan runner's step: forward with the current weights, backward, SGD into fresh weight values. */
function runnerStep(plan: Plan, engine: Engine, weights: Map<number, Value>, lr: number): (inputs?: Map<number, Value>) => number {
  const runner = createPlanRunner(plan, engine.registry);
  return (inputs) => {
    const all = inputs ? new Map([...weights, ...inputs]) : weights;
    const values = runner.forward(all);
    const { adj } = runner.backward(values, plan.losses[0]);
    for (const [s, w] of weights) {
      const g = adj[s] as Matrix, W = w as Matrix;
      const out = new Float64Array(W.data.length);
      for (let i = 0; i < out.length; i++) out[i] = W.data[i] - lr * g.data[i];
      weights.set(s, new Matrix(W.rows, W.cols, out));
    }
    return values[plan.losses[0]] as number;
  };
}

interface SpiralResult { compiledMs: number; runnerMs: number; loss: number; steps: number; describe: string }

/** One compiled run of `steps` SGD steps (and, with `runner`, the plan runner for a tenth of them). */
async function spiral(peers: string, steps: number, runner: boolean): Promise<SpiralResult> {
  const common = await import(pathToFileURL(join(peers, 'lib/common.mjs')).href);
  const sp = common.makeSpiral();
  const rng = common.makeRng(common.SEEDS.spiralTwoLayer);
  const H = 100;
  const W1 = common.randnMatrix(rng, sp.D, H, 0.01), W2 = common.randnMatrix(rng, H, sp.K, 0.01);
  const engine = createEngine();
  engine.load(spiralSheet({ X: sp.X, y: sp.y, W1, W2, n: sp.N, H, K: sp.K }));
  const plan = engine.plan({ losses: ['B3'], freeze: true });
  const params = ['A3', 'A4', 'A5', 'A6'].map((at) => slotOf(plan, at));
  const prog = compilePlan(plan, engine.registry, { loss: plan.losses[0], wanted: params });
  const describe = prog.describe();
  const t0 = now();
  for (let i = 0; i < steps; i++) {
    prog.run();
    sgd(prog, 1.0);
  }
  const compiledMs = (now() - t0) / steps;
  const loss = prog.forward();
  if (!runner) return { compiledMs, runnerMs: NaN, loss, steps, describe };
  const weights = new Map(params.map((s) => [s, engine.get((plan.slots[s] as { cell: string }).cell)!.value as Value]));
  const step = runnerStep(plan, engine, weights, 1.0);
  const rs = Math.max(200, Math.floor(steps / 10));
  for (let i = 0; i < 20; i++) step();
  const t1 = now();
  for (let i = 0; i < rs; i++) step();
  return { compiledMs, runnerMs: (now() - t1) / rs, loss, steps, describe };
}

interface MnistResult { compiledS: number; runnerS: number; lastEpochLoss: number; epochs: number }

async function mnist(peers: string, epochs: number, withRunner: boolean): Promise<MnistResult | null> {
  const common = await import(pathToFileURL(join(peers, 'lib/common.mjs')).href);
  if (!existsSync(join(peers, 'data/mnist_meta.json'))) {
    const r = spawnSync(process.execPath, [join(peers, 'mnist_export.mjs')], { cwd: peers, encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`[bench] mnist_export.mjs failed: ${r.stderr.slice(0, 300)}`);
      return null;
    }
  }
  const d = common.loadMnist();
  const DIM = d.dim, HID = 100, NCLS = 10, B = 64, LR = 0.1;
  // The peer's He-normal init, W1[k, j] drawn row-major.
  const rng = common.makeRng(common.SEEDS.mnistInit);
  const s1 = Math.sqrt(2 / DIM), s2 = Math.sqrt(2 / HID);
  const W1 = new Float64Array(DIM * HID), W2 = new Float64Array(HID * NCLS);
  for (let i = 0; i < W1.length; i++) W1[i] = s1 * rng.randn();
  for (let i = 0; i < W2.length; i++) W2[i] = s2 * rng.randn();
  const orderRng = common.makeRng(common.SEEDS.mnistShuffle);
  const perm = Array.from({ length: d.nTrain }, (_, i) => i);
  const orders: Int32Array[] = [];
  for (let e = 0; e < 3; e++) {
    common.shuffleInPlace(perm, orderRng);
    orders.push(Int32Array.from(perm));
  }
  const engine = createEngine();
  engine.batch(() => {
    engine.setCell('A1', `zeros(${B}, ${DIM})`); engine.setName('A1', 'X');
    engine.setCell('A2', `zeros(${B}, 1)`); engine.setName('A2', 'y');
    engine.setCell('A3', `zeros(${DIM}, ${HID})`); engine.setName('A3', 'W1');
    engine.setCell('A4', `zeros(1, ${HID})`); engine.setName('A4', 'b1');
    engine.setCell('A5', `zeros(${HID}, ${NCLS})`); engine.setName('A5', 'W2');
    engine.setCell('A6', `zeros(1, ${NCLS})`); engine.setName('A6', 'b2');
    engine.setCell('B1', 'relu(X @ W1 + b1)');
    engine.setCell('B2', 'B1 @ W2 + b2');
    engine.setCell('B3', 'cross_entropy(B2, y)');
    engine.setCell('B4', 'grad(B3)');
  });
  const init: [string, Value][] = [['A3', new Matrix(DIM, HID, W1)], ['A4', new Matrix(1, HID, new Float64Array(HID))], ['A5', new Matrix(HID, NCLS, W2)], ['A6', new Matrix(1, NCLS, new Float64Array(NCLS))]];
  for (const [at, v] of init) engine.setParameter(at, v);
  const plan = engine.plan({ losses: ['B3'], freeze: true });
  const X = slotOf(plan, 'A1'), y = slotOf(plan, 'A2');
  const params = ['A3', 'A4', 'A5', 'A6'].map((at) => slotOf(plan, at));
  const nb = Math.floor(d.nTrain / B);
  const gather = (order: Int32Array, bi: number, Xb: Float64Array, yb: Float64Array) => {
    for (let i = 0; i < B; i++) {
      const src = order[bi * B + i];
      yb[i] = d.trainY[src];
      for (let k = 0, o = i * DIM, s = src * DIM; k < DIM; k++) Xb[o + k] = d.trainX[s + k];
    }
  };
  const prog = compilePlan(plan, engine.registry, { loss: plan.losses[0], wanted: params });
  const Xb = prog.input(X), yb = prog.input(y);
  const epochS: number[] = [];
  let lastLoss = NaN;
  for (let e = 0; e < epochs; e++) {
    const t0 = now();
    let sum = 0;
    for (let bi = 0; bi < nb; bi++) {
      gather(orders[e % 3], bi, Xb, yb);
      sum += prog.run();
      sgd(prog, LR);
    }
    epochS.push((now() - t0) / 1e3);
    lastLoss = sum / nb;
  }
  if (!withRunner) return { compiledS: median(epochS), runnerS: NaN, lastEpochLoss: lastLoss, epochs };
  // The plan runner: one epoch (it allocates every value every step).
  const weights = new Map(params.map((s, i) => [s, init[i][1]]));
  const step = runnerStep(plan, engine, weights, LR);
  const Xr = new Float64Array(B * DIM), yr = new Float64Array(B);
  const t0 = now();
  for (let bi = 0; bi < nb; bi++) {
    gather(orders[0], bi, Xr, yr);
    step(new Map<number, Value>([[X, new Matrix(B, DIM, Xr.slice())], [y, new Matrix(B, 1, yr.slice())]]));
  }
  return { compiledS: median(epochS), runnerS: (now() - t0) / 1e3, lastEpochLoss: lastLoss, epochs };
}

export async function benchCompiled(opts: { quick: boolean; withPeers: boolean }): Promise<void> {
  const peers = preparePeers();
  if (!peers) {
    console.error('[bench] compiled: shared/peers not found (set GRADSHEET_PEERS); skipped');
    return;
  }
  // Ours and the peers interleaved, three rounds, medians: this 2-core machine is shared and noisy.
  const steps = opts.quick ? 1000 : 10_000, peerIters = opts.quick ? '1000' : '3000';
  const ours: number[] = [], fusedR: number[] = [], kernelsR: number[] = [], npR: number[] = [];
  let sp: SpiralResult | null = null;
  for (let r = 0; r < 3; r++) {
    console.error(`[bench] compiled plan: spiral, round ${r + 1}…`);
    const one = await spiral(peers, steps, r === 0);
    sp ??= one;
    ours.push(one.compiledMs);
    if (!opts.withPeers) continue;
    const plain = runPeer(process.execPath, ['spiral_plain.mjs', '--dtype', 'f64', '--runs', '1', '--linear-iters', '200', '--twolayer-iters', peerIters]);
    if (plain) { fusedR.push(plain.fused.twolayer.ms_per_iter); kernelsR.push(plain.kernels.twolayer.ms_per_iter); }
    const numpy = runPeer('python3', ['spiral_numpy.py', '--runs', '1', '--linear-iters', '200', '--twolayer-iters', peerIters]);
    if (numpy) npR.push(numpy.twolayer.ms_per_iter);
  }
  sp!.compiledMs = median(ours);
  const fused = fusedR.length ? median(fusedR) : undefined, kernels = kernelsR.length ? median(kernelsR) : undefined, np = npR.length ? median(npR) : undefined;
  console.error('[bench] compiled plan: MNIST…');
  const mn = await mnist(peers, 3, true);
  let mnistPeer: number | undefined;
  if (mn && opts.withPeers) {
    mnistPeer = runPeer(process.execPath, ['mnist_plain.mjs', '--dtype', 'f64', '--runs', '1'])?.s_per_epoch;
    const again = await mnist(peers, 3, false);
    if (again) mn.compiledS = (mn.compiledS + again.compiledS) / 2;
  }
  const row = (what: string, ours: number, unit: string, peer: string, theirs: number | undefined, target: string) =>
    console.log(`| ${what} | ${fmt(ours)} ${unit} | ${peer} | ${theirs === undefined ? '–' : `${fmt(theirs)} ${unit}`} | ${theirs === undefined ? '–' : (ours / theirs).toFixed(2) + '×'} | ${target} |`);
  console.log('\n| compiled plan | ours | peer | peer | ratio (ours/peer) | target |');
  console.log('|---|---|---|---|---|---|');
  if (!sp) return;
  row(`spiral step, compiled (${sp.steps} steps, loss ${sp.loss.toFixed(4)})`, sp.compiledMs, 'ms', 'numpy float64', np, np === undefined ? '' : `< 1× ${sp.compiledMs < np ? '✓' : '✗'}`);
  row('spiral step, compiled', sp.compiledMs, 'ms', 'plain-JS f64 hand-fused', fused, fused === undefined ? '' : `≤ 1.2× ${sp.compiledMs <= 1.2 * fused ? '✓' : '✗'}`);
  row('spiral step, compiled', sp.compiledMs, 'ms', 'plain-JS f64 op-by-op kernels', kernels, '');
  row('spiral step, plan runner (allocating)', sp.runnerMs, 'ms', 'compiled plan', sp.compiledMs, '');
  if (mn) {
    const peerS = mnistPeer;
    row(`MNIST epoch, compiled (train loss ${mn.lastEpochLoss.toFixed(4)} in epoch ${mn.epochs})`, mn.compiledS, 's', 'plain-JS f64', peerS, peerS === undefined ? '' : `≤ 0.5× ${mn.compiledS <= 0.5 * peerS ? '✓' : '✗'}`);
    row('MNIST epoch, plan runner (allocating)', mn.runnerS, 's', 'compiled plan', mn.compiledS, '');
  }
  if (process.env.BENCH_DESCRIBE) console.log(`\n${sp.describe}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  benchCompiled({ quick: args.includes('--quick'), withPeers: !args.includes('--no-peers') }).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
