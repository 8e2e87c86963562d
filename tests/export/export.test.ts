// gradsheet export: for every example sheet the NumPy script runs under python3 + numpy and
// prints the engine's values and gradients (to 1e-9); the PyTorch script is compared with a
// golden file, and run where torch is installed. Under CI=true a missing numpy is a failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main';
import { MORE_COMMANDS } from '../../src/cli/more-commands';
import { createEngine } from '../../src/engine/engine';
import { exportSheet } from '../../src/engine/export/script';
import { ruleExpr } from '../../src/engine/ops/rules';
import { SPELLING } from '../../src/engine/export/spell';
import { readSheet } from '../../src/engine/sheet/format';
import { exampleFiles } from '../example-files';

const root = join(__dirname, '..', '..');
const examples = [
  ...exampleFiles().map((f) => join('examples', f)),
  join('examples', 'exercises', 'sigmoid-neuron-key.json'),
];
const dir = mkdtempSync(join(tmpdir(), 'gradsheet-export-'));

/** The exercise and export commands (synchronous), as main.ts dispatches them. */
function cli(cmd: string, ...args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [], err: string[] = [];
  const code = MORE_COMMANDS[cmd](args, { out: (s) => out.push(s), err: (s) => err.push(s), write: (s) => void out.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Any command through the gradsheet entry point (eval and check are asynchronous). */
async function gradsheet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  let raw = '';
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s), write: (s) => void (raw += s) });
  return { code, out: raw + out.join('\n'), err: err.join('\n') };
}

function pythonHas(module: string): boolean {
  return spawnSync('python3', ['-c', `import ${module}`], { encoding: 'utf8' }).status === 0;
}

const hasNumpy = pythonHas('numpy');
const hasTorch = hasNumpy && pythonHas('torch');
if (!hasNumpy && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('python3 with numpy is required under CI=true (.ci/run installs python3-numpy)');

type Cell = { at: string; name: string | null; formula: string; shape: number[] | null; value: unknown; grad: unknown; error: string | null };

function entries(v: unknown): number[] | null {
  if (v === null) return null;
  const num = (x: unknown) => (typeof x === 'string' ? Number(x) : (x as number));
  return Array.isArray(v) ? (v as unknown[][]).flat().map(num) : [num(v)];
}

function expectClose(got: unknown, want: unknown, what: string) {
  const a = entries(got), b = entries(want);
  expect(a === null, `${what}: null`).toBe(b === null);
  if (a === null || b === null) return;
  expect(a.length, `${what}: entries`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const ok = (Number.isNaN(a[i]) && Number.isNaN(b[i])) || a[i] === b[i] || Math.abs(a[i] - b[i]) <= 1e-9 * Math.max(1, Math.abs(a[i]), Math.abs(b[i]));
    expect(ok, `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBe(true);
  }
}

function runScript(text: string, name: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const p = join(dir, name);
  writeFileSync(p, text);
  return spawnSync('python3', [p, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

describe('gradsheet export --to numpy', () => {
  for (const file of examples) {
    it.skipIf(!hasNumpy)(`${file}: python3 prints the engine's values and gradients to 1e-9`, async () => {
      const r = cli('export', join(root, file), '--to', 'numpy');
      expect(r.code, r.err).toBe(0);
      const py = runScript(r.out, 'sheet.py', '--json');
      expect(py.stderr).toBe('');
      expect(py.status).toBe(0);
      const got: Cell[] = JSON.parse(py.stdout).cells;
      const want: Cell[] = JSON.parse((await gradsheet('eval', join(root, file), '--json')).out).cells;
      const byAt = new Map(want.map((c) => [c.at, c]));
      // Every cell the script can compute is there: all but those that call grad or numgrad
      // (optimizer cells too: their value is the steps taken, which the training loop counts).
      const computable = want.filter((c) => !/\b(num)?grad\s*\(/.test(c.formula)).map((c) => c.at);
      expect(got.map((c) => c.at)).toEqual(computable);
      for (const c of got) {
        const e = byAt.get(c.at)!;
        expect({ at: c.at, name: c.name, formula: c.formula, shape: c.shape, error: c.error }).toEqual({ at: e.at, name: e.name, formula: e.formula, shape: e.shape, error: null });
        expectClose(c.value, e.value, `${c.at} value`);
        expectClose(c.grad, e.grad, `${c.at} grad`);
      }
    });
  }

  it('writes the backward pass line by line from the rules: dW = X.T @ g, a bias as column sums, forks as +=', () => {
    const mlp = cli('export', join(root, 'examples', '13-two-layer-relu.json'), '--to', 'numpy').out;
    expect(mlp).toContain('dW2_ = hidden_layer.T @ dscores_1_');
    expect(mlp).toContain('db2_ = dscores_.sum(axis=0, keepdims=True)');
    expect(mlp).toContain('dhidden_layer = dscores_1_ @ W2.T');
    const fork = cli('export', join(root, 'examples', '04-fork-sum.json'), '--to', 'numpy').out;
    expect(fork).toMatch(/^da = da_1 \* b$/m);
    expect(fork).toMatch(/^da \+= da_2 \* \(1 - a_2 \*\* 2\)$/m);
  });

  it.skipIf(!hasNumpy)('without --json the script prints every cell readably', () => {
    const py = runScript(cli('export', join(root, 'examples', '01-circuit.json'), '--to', 'numpy').out, 'circuit.py');
    expect(py.status).toBe(0);
    expect(py.stdout).toContain('B2 f = q * z  1x1\n  value -12.\n  grad  1.');
  });

  it('a fork whose first term is another gradient starts from a copy, so += never writes into it', () => {
    const engine = createEngine();
    engine.load({ gradsheet: 1, cells: [
      { at: 'A1', name: 'W', formula: '[[1, 2], [3, 4]]' },
      { at: 'B1', name: 'h', formula: 'W + W' },
      { at: 'B2', name: 'L', formula: 'sum(h * h)' },
      { at: 'C1', formula: 'grad(L)' },
    ] });
    const res = exportSheet(engine, 'numpy');
    if (!res.ok) throw new Error(res.error);
    expect(res.text).toMatch(/^dW = np\.copy\(dh\)$/m);
    expect(res.text).toMatch(/^dW \+= dh$/m);
    if (!hasNumpy) return;
    const got = JSON.parse(runScript(res.text, 'fork.py', '--json').stdout).cells;
    expect(got.find((c: Cell) => c.at === 'A1').grad).toEqual([[8, 16], [24, 32]]);
    expect(got.find((c: Cell) => c.at === 'B1').grad).toEqual([[4, 8], [12, 16]]);
  });

  it('every op of the registry has a spelling, and every op with a gradient a rule to print', () => {
    const engine = createEngine();
    for (const op of engine.registry.all()) {
      if (op.engineOp || op.expand) continue;
      // Ops of literals only (zeros, randn, data sets) are written as the values the sheet computed.
      if ((op.constArgs?.length ?? 0) >= op.maxArgs) continue;
      expect(SPELLING[op.name], `spelling of ${op.name}`).toBeDefined();
      if (op.vjp) op.vjp.forEach((v, k) => v && expect(ruleExpr(op, k), `rule of ${op.name} input ${k}`).not.toBeNull());
    }
  });

  it('a 100,000-cell chain exports without overflowing the stack', () => {
    const cells = [{ at: 'A1', name: 'x', formula: '0.5' }];
    for (let r = 2; r <= 9999; r++) cells.push({ at: `A${r}`, formula: `A${r - 1} * 1` } as any);
    for (let c = 1; c < 10; c++) for (let r = 1; r <= 9999; r++) {
      const col = String.fromCharCode(65 + c), prev = r === 1 ? `${String.fromCharCode(64 + c)}9999` : `${col}${r - 1}`;
      cells.push({ at: `${col}${r}`, formula: `${prev} * 1` } as any);
    }
    cells.push({ at: 'L1', formula: 'grad(J9999)' } as any);
    const engine = createEngine();
    engine.load({ gradsheet: 1, cells });
    const res = exportSheet(engine, 'numpy');
    expect(res.ok).toBe(true);
    expect(res.ok && res.text.split('\n').filter((l) => l.startsWith('d')).length).toBeGreaterThanOrEqual(99_990);
  }, 300_000);

  it('exit codes: 2 for an invalid file or command line', async () => {
    expect((await gradsheet('export', join(root, 'examples', '01-circuit.json'), '--to', 'numpy')).code).toBe(0);
    const circuit = join(root, 'examples', '01-circuit.json');
    expect(cli('export', circuit).code).toBe(2);
    expect(cli('export', circuit, '--to', 'jax').err).toMatch(/--to jax: expected numpy or pytorch/);
    expect(cli('export', circuit, '--to').code).toBe(2);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"gradsheet": 2, "cells": []}');
    const r = cli('export', bad, '--to', 'numpy');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json: gradsheet: expected the format version 1/);
    const out = join(dir, 'out.py');
    expect(cli('export', circuit, '--to', 'numpy', '--out', out).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^#!\/usr\/bin\/env python3/);
  });
});

/** The script's cells against `gradsheet eval --json` of a sheet (all but grad and numgrad cells), to 1e-9. */
function expectSameCells(got: Cell[], want: Cell[], what: string) {
  const byAt = new Map(want.map((c) => [c.at, c]));
  expect(got.map((c) => c.at), what).toEqual(want.filter((c) => !/\b(num)?grad\s*\(/.test(c.formula)).map((c) => c.at));
  for (const c of got) {
    const e = byAt.get(c.at)!;
    expect({ at: c.at, shape: c.shape, error: c.error }, what).toEqual({ at: e.at, shape: e.shape, error: null });
    expectClose(c.value, e.value, `${what} ${c.at} value`);
    expectClose(c.grad, e.grad, `${what} ${c.at} grad`);
  }
}

describe('gradsheet export of a training sheet: the training loop', () => {
  // The MNIST sheets over 200 training and 100 test digits (minibatch(200, 64, 7): 3 batches an
  // epoch, so 5 steps cross into the second epoch's permutation). One of the three is trained
  // (momentum and decay; plain SGD is the spiral's): each costs half a minute on a busy machine.
  const small = (name: string) => {
    const doc = JSON.parse(readFileSync(join(root, 'examples', `${name}.json`), 'utf8'));
    for (const c of doc.cells) c.formula = c.formula.replace(/\b8000\b/g, '200').replace(/\b1756\b/g, '100');
    const p = join(dir, `${name}-small.json`);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };
  const sheets: [string, () => string][] = [
    ...['19-train-xor', '20-train-spiral-softmax', '25-train-moons-adam', '26-train-circles'].map((n) => [n, () => join(root, 'examples', `${n}.json`)] as [string, () => string]),
    ...['24-train-mnist-decay'].map((n) => [`${n} (200 digits)`, () => small(n)] as [string, () => string]),
  ];
  const K = 5;
  for (const [name, path] of sheets) {
    it.skipIf(!hasNumpy)(`${name}: the script trained ${K} steps prints the losses and the sheet of gradsheet train --steps ${K}, to 1e-9`, async () => {
      const file = path();
      const r = cli('export', file, '--to', 'numpy');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^for _i in range\(STEPS\):$/m);
      const py = runScript(r.out, 'train.py', '--steps', String(K), '--json');
      expect(py.stderr).toBe('');
      expect(py.status).toBe(0);
      const got = JSON.parse(py.stdout);
      const trained = join(dir, 'trained.json');
      const t = await gradsheet('train', file, '--steps', String(K), '--json', '--out', trained);
      expect(t.code, t.err).toBe(0);
      const want = JSON.parse(t.out);
      expect(got.train.steps).toBe(K);
      expect(Object.keys(got.train.curve)).toEqual(Object.keys(want.curve));
      for (const key of Object.keys(want.curve)) {
        expect(got.train.curve[key].map((p: number[]) => p[0])).toEqual(want.curve[key].map((p: number[]) => p[0]));
        expectClose(got.train.curve[key].map((p: number[]) => p[1]), want.curve[key].map((p: number[]) => p[1]), `${key} curve`);
        expectClose(got.train.loss[key], want.loss[key], `${key} loss`);
      }
      // The parameters, step(), the optimizers' step counts and every cell after training.
      expectSameCells(got.cells, JSON.parse((await gradsheet('eval', trained, '--json')).out).cells, `after ${K} steps`);
    }, 120_000);
  }

  it.skipIf(!hasNumpy)('a trained sheet exports from its saved state: parameters, velocities and step() go on where they stopped', async () => {
    const file = join(root, 'examples', '26-train-circles.json');
    const once = join(dir, 'circles-3.json');
    expect((await gradsheet('train', file, '--steps', '3', '--out', once)).code).toBe(0);
    const twice = join(dir, 'circles-7.json');
    expect((await gradsheet('train', once, '--steps', '4', '--out', twice)).code).toBe(0);
    const r = cli('export', once, '--to', 'numpy', '--steps', '4');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^STEP = 3 {2}#/m);
    expect(r.out).toMatch(/^v_W1 = np\.array\(/m); // the saved velocity, not zeros
    const py = runScript(r.out, 'resume.py', '--json'); // the exported default: 4 steps
    expect(py.status, py.stderr).toBe(0);
    expectSameCells(JSON.parse(py.stdout).cells, JSON.parse((await gradsheet('eval', twice, '--json')).out).cells, 'resumed');
  }, 120_000);

  it.skipIf(!hasNumpy)("minibatch draws the engine's permutation in Python: any N, size, seed and epoch", async () => {
    const cells = [[1000, 7, 123456789], [10, 3, 5], [64, 64, 0], [8000, 64, 7]].map(([n, s, seed], i) => ({ at: `A${i + 1}`, formula: `minibatch(${n}, ${s}, ${seed})` }));
    for (const step of [0, 1, 200, 12345]) {
      const file = join(dir, `batches-${step}.json`);
      writeFileSync(file, JSON.stringify({ gradsheet: 1, cells, train: { step, optimizers: {} } }));
      const r = cli('export', file, '--to', 'numpy');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('_minibatch(1000, 7, 123456789, STEP)');
      const py = runScript(r.out, 'batches.py', '--json');
      expect(py.status, py.stderr).toBe(0);
      expectSameCells(JSON.parse(py.stdout).cells, JSON.parse((await gradsheet('eval', file, '--json')).out).cells, `step ${step}`);
    }
  });

  // Two optimizers over two losses: SGD whose momentum is a schedule (0 for the first two steps:
  // no velocity then, as the engine does), and Adam with its hyperparameters and weight decay.
  const twoOptimizers = {
    gradsheet: 1, title: 'two optimizers', cells: [
      { at: 'A1', name: 'X', formula: '[[1, 2], [3, -1], [0.5, 0.5]]' },
      { at: 'A2', name: 'y', formula: '[[1], [-2], [0.25]]' },
      { at: 'A3', name: 'mu', formula: '0.5 * (step() > 1)' },
      { at: 'B1', name: 'w', formula: 'param([[0.1], [-0.2]])' },
      { at: 'B2', name: 'v', formula: 'param([[0.3], [0.1]])' },
      { at: 'B3', name: 'c', formula: 'param(0.5)' },
      { at: 'C1', name: 'L1', formula: 'mse(X @ w, y)' },
      { at: 'C2', name: 'L2', formula: 'mean(abs(X @ v * c - y))' },
      { at: 'D1', name: 'o1', formula: 'sgd(L1, 0.05, mu)' },
      { at: 'D2', name: 'o2', formula: 'adam(L2, 0.1, 0.8, 0.99, 1e-6, 0.01)' },
      { at: 'E1', formula: 'grad(L2)' },
    ],
  };
  it.skipIf(!hasNumpy)('two optimizers, a momentum schedule, Adam with decay: the script trained 4 steps is gradsheet train --steps 4', async () => {
    const file = join(dir, 'two.json');
    writeFileSync(file, JSON.stringify(twoOptimizers));
    const r = cli('export', file, '--to', 'numpy', '--steps', '4');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {4}if mu != 0:\n {8}v_w = mu \* v_w \+ dw\n {8}w -= 0\.05 \* v_w\n {4}else:\n {8}w -= 0\.05 \* dw$/m);
    const got = JSON.parse(runScript(r.out, 'two.py', '--json').stdout);
    const trained = join(dir, 'two-trained.json');
    const want = JSON.parse((await gradsheet('train', file, '--steps', '4', '--json', '--out', trained)).out);
    for (const key of ['L1', 'L2']) expectClose(got.train.curve[key].map((p: number[]) => p[1]), want.curve[key].map((p: number[]) => p[1]), key);
    expectSameCells(got.cells, JSON.parse((await gradsheet('eval', trained, '--json')).out).cells, 'two optimizers');
  });

  it.skipIf(!hasNumpy)('an optimizer cell in error is not trained: the script says why and still prints the sheet', async () => {
    const file = join(dir, 'claimed.json');
    // o3 claims w, which o1 trains: an error on both (SPEC §4); o2 still trains.
    writeFileSync(file, JSON.stringify({ ...twoOptimizers, cells: [...twoOptimizers.cells, { at: 'D3', name: 'o3', formula: 'sgd(L1, 0.1)' }] }));
    const r = cli('export', file, '--to', 'numpy');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^# D1 = sgd\(L1, 0\.05, mu\): not trained, the cell has an error/m);
    expect(r.out).toMatch(/^# D3 = sgd\(L1, 0\.1\): not trained/m);
    expect(r.out).toMatch(/^ {4}o2 \+= 1$/m);
    const py = runScript(r.out, 'claimed.py', '--steps', '2', '--json');
    expect(py.status, py.stderr).toBe(0);
    expect(Object.keys(JSON.parse(py.stdout).train.curve)).toEqual(['L2']);
  });

  it.skipIf(!hasNumpy)("a parameter's gradient that the loop computes but the shown loss does not reach prints as zeros", async () => {
    const file = join(dir, 'unreached.json');
    writeFileSync(file, JSON.stringify({ gradsheet: 1, cells: [
      { at: 'A1', name: 'w', formula: 'param([[0.5, -1]])' },
      { at: 'A2', name: 'L1', formula: 'sum(w * w)' },
      { at: 'A3', name: 'L2', formula: 'sum(w > 0) + 1' }, // w is upstream, but no gradient flows through >
      { at: 'A4', name: 'o', formula: 'sgd(L1, 0.1)' },
      { at: 'A5', formula: 'grad(L2)' },
    ] }));
    const r = cli('export', file, '--to', 'numpy');
    expect(r.code, r.err).toBe(0);
    for (const steps of ['0', '2']) {
      const py = runScript(r.out, 'unreached.py', '--steps', steps, '--json');
      expect(py.status, py.stderr).toBe(0);
      expect(JSON.parse(py.stdout).cells.find((c: Cell) => c.at === 'A1').grad).toEqual([[0, 0]]);
    }
  });

  it('the updates are written as the lecture notes write them', () => {
    const xor = cli('export', join(root, 'examples', '19-train-xor.json'), '--to', 'numpy').out;
    expect(xor).toMatch(/^ {4}v_W1 = mu \* v_W1 \+ dW1\n {4}W1 -= lr \* v_W1$/m);
    const sgd = cli('export', small('23-train-mnist-sgd'), '--to', 'numpy').out;
    expect(sgd).toMatch(/^ {4}W1 -= lr \* dW1$/m);
    const decay = cli('export', small('24-train-mnist-decay'), '--to', 'numpy').out;
    expect(decay).toMatch(/^ {4}W1 = \(1 - lr \* 0\.0005\) \* W1 - lr \* v_W1$/m);
    const adam = cli('export', join(root, 'examples', '25-train-moons-adam.json'), '--to', 'numpy').out;
    expect(adam).toMatch(/^ {4}m_W1 = 0\.9 \* m_W1 \+ \(1 - 0\.9\) \* dW1$/m);
    expect(adam).toMatch(/^ {4}mt = m_W1 \/ \(1 - 0\.9 \*\* opt\)/m);
    expect(adam).toMatch(/^ {4}W1 -= 0\.01 \* mt \/ \(np\.sqrt\(vt\) \+ 1e-8\)$/m);
    // Every gradient before any update: the first update line comes after the last gradient line.
    const loop = xor.slice(xor.indexOf('for _i in range(STEPS):'), xor.indexOf('STEP += 1'));
    expect(loop.indexOf('# (3)')).toBeLessThan(loop.indexOf('# (4)'));
    expect(loop.lastIndexOf('dW1 = ')).toBeLessThan(loop.indexOf('W1 -= '));
    const torch = cli('export', join(root, 'examples', '25-train-moons-adam.json'), '--to', 'pytorch').out;
    expect(torch).toContain('with torch.no_grad():  # by hand, not torch.optim');
    expect(torch).toMatch(/^ {8}W1 -= 0\.01 \* mt \/ \(torch\.sqrt\(vt\) \+ 1e-8\)$/m);
    expect(torch).toMatch(/^ {4}dW1, db1, dW2, db2 = _grads\(loss, \[W1, b1, W2, b2\]\)/m);
  });

  it('--steps N sets how many steps the script takes by default; a bad N is refused', () => {
    const file = join(root, 'examples', '19-train-xor.json');
    expect(cli('export', file, '--to', 'numpy', '--steps', '250').out).toMatch(/^STEPS = _steps_arg\(250\)$/m);
    expect(cli('export', file, '--to', 'numpy').out).toMatch(/^STEPS = _steps_arg\(0\)$/m);
    const bad = cli('export', file, '--to', 'numpy', '--steps', 'ten');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--steps expects a whole number of steps, got "ten"/);
    expect(cli('export', file, '--to', 'numpy', '--steps').code).toBe(2);
  });
});

describe('gradsheet export --to pytorch', () => {
  // A training sheet's too: its loop with the updates written by hand under no_grad().
  const golden = ['04-fork-sum', '13-two-layer-relu', '19-train-xor'];
  for (const name of golden) {
    it(`${name}: the script is the golden file (tests/export/golden/${name}.pytorch.py)`, () => {
      const r = cli('export', join(root, 'examples', `${name}.json`), '--to', 'pytorch');
      expect(r.code).toBe(0);
      const path = join(__dirname, 'golden', `${name}.pytorch.py`);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, r.out + '\n');
      expect(r.out + '\n').toBe(readFileSync(path, 'utf8'));
      expect(r.out).toContain('.backward()');
      expect(r.out).toContain('requires_grad=True');
    });
  }

  it.skipIf(!hasNumpy)('every example exports to a PyTorch script that Python parses (without torch installed)', () => {
    const paths = examples.map((file, i) => {
      const r = cli('export', join(root, file), '--to', 'pytorch');
      expect(r.code, file).toBe(0);
      const p = join(dir, `parse-${i}.py`);
      writeFileSync(p, r.out);
      return p;
    });
    // One python3 for all of them (each start costs seconds on a busy machine).
    const py = spawnSync('python3', ['-c', 'import ast, sys\nfor p in sys.argv[1:]: ast.parse(open(p).read(), p)', ...paths], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(py.status).toBe(0);
  });

  for (const file of examples) {
    it.skipIf(!hasTorch)(`${file}: with torch installed, the script prints the engine's values and gradients`, async () => {
      const py = runScript(cli('export', join(root, file), '--to', 'pytorch').out, 'torch.py', '--json');
      expect(py.status, py.stderr).toBe(0);
      const got: Cell[] = JSON.parse(py.stdout).cells;
      const want = new Map((JSON.parse((await gradsheet('eval', join(root, file), '--json')).out).cells as Cell[]).map((c) => [c.at, c]));
      for (const c of got) {
        expectClose(c.value, want.get(c.at)!.value, `${c.at} value`);
        expectClose(c.grad, want.get(c.at)!.grad, `${c.at} grad`);
      }
    });
  }
});

it('reads its examples as valid sheets', () => {
  for (const file of examples) expect(readSheet(readFileSync(join(root, file), 'utf8')).ok).toBe(true);
});
