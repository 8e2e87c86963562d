// Property tests over random sheets (fast-check).
// (a) Random expression DAGs with forks and broadcasting: grad(L, X) ≈ numgrad(L, X) for every input.
// (b) The engine's forward values equal an independent tiny interpreter on plain JS arrays.
// (c) Random text never crashes the parser or the engine: a cell always ends with a value or an error.
// (d) Renaming a cell keeps every value the same and rewrites the formulas that used the old name.
// (e) Incremental recomputation (caches of orders, programs, templates and gradients) leaves the sheet exactly
//     as a fresh engine loading the same document would show it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine';
import { nameProblem } from '../../src/engine/formula/address';
import { createRegistry } from '../../src/engine/ops/registry';
import { relativeError } from '../../src/engine/ops/verify';
import { Matrix, type Value } from '../../src/engine/tensor/value';
import { makeRandom } from './helpers';

/** Scale every property's run count for a longer soak: GRADSHEET_FC_SCALE=20 npx vitest run tests/engine/properties.test.ts */
const SCALE = Number(process.env.GRADSHEET_FC_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

// ---------------------------------------------------------------------------------------------
// Plain-array reference values: every value is a number[][] (a scalar is [[x]]).
type M = number[][];
type Shape = [number, number];

const N = 3, K = 2; // rows and columns of the random shapes
const INPUT_SHAPES: Shape[] = [[1, 1], [1, K], [N, 1], [N, K], [K, N]];

const shapeOfM = (a: M): Shape => [a.length, a[0].length];
const mapM = (a: M, f: (x: number) => number): M => a.map((r) => r.map(f));

function bshape([ar, ac]: Shape, [br, bc]: Shape): Shape | null {
  const r = ar === br ? ar : ar === 1 ? br : br === 1 ? ar : -1;
  const c = ac === bc ? ac : ac === 1 ? bc : bc === 1 ? ac : -1;
  return r < 0 || c < 0 ? null : [r, c];
}

function zipM(a: M, b: M, f: (x: number, y: number) => number): M {
  const [r, c] = bshape(shapeOfM(a), shapeOfM(b))!;
  const at = (m: M, i: number, j: number) => m[m.length === 1 ? 0 : i][m[0].length === 1 ? 0 : j];
  return Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => f(at(a, i, j), at(b, i, j))));
}

function matmulM(a: M, b: M): M {
  if (a.length === 1 && a[0].length === 1) return mapM(b, (x) => a[0][0] * x);
  if (b.length === 1 && b[0].length === 1) return mapM(a, (x) => x * b[0][0]);
  return a.map((row) => b[0].map((_, j) => row.reduce((t, x, p) => t + x * b[p][j], 0)));
}

const transposeM = (a: M): M => a[0].map((_, j) => a.map((r) => r[j]));
const sumAllM = (a: M) => a.flat().reduce((t, x) => t + x, 0);
const sumAxisM = (a: M, axis: 0 | 1): M => (axis === 0 ? [a[0].map((_, j) => a.reduce((t, r) => t + r[j], 0))] : a.map((r) => [r.reduce((t, x) => t + x, 0)]));
const scale = (a: M, s: number) => mapM(a, (x) => x * s);

function softmaxM(a: M): M {
  return a.map((r) => {
    const m = Math.max(...r);
    const e = r.map((x) => Math.exp(x - m));
    const s = e.reduce((t, x) => t + x, 0);
    return e.map((x) => x / s);
  });
}

const logsumexpM = (a: M): M => a.map((r) => {
  const m = Math.max(...r);
  return [m + Math.log(r.reduce((t, x) => t + Math.exp(x - m), 0))];
});

/** Fixed labels for cross_entropy on N-row scores. */
const LABELS = [0, 1, 1];

function crossEntropyM(s: M): M {
  const lse = logsumexpM(s);
  return [[s.reduce((t, row, i) => t + lse[i][0] - row[LABELS[i]], 0) / s.length]];
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

// ---------------------------------------------------------------------------------------------
// The op catalogue of random sheets: when it applies, the formula text, and the reference.
interface OpSpec {
  name: string;
  arity: 1 | 2;
  /** Output shape, or null when the op does not apply to these shapes. */
  shape(a: Shape, b: Shape): Shape | null;
  formula(a: string, b: string): string;
  ref(a: M, b: M): M;
}

const unary = (name: string, formula: (a: string) => string, ref: (a: M) => M, shape: (a: Shape) => Shape | null = (a) => a): OpSpec => ({
  name, arity: 1, shape: (a) => shape(a), formula: (a) => formula(a), ref: (a) => ref(a),
});

const binary = (name: string, formula: (a: string, b: string) => string, f: (x: number, y: number) => number): OpSpec => ({
  name, arity: 2, shape: bshape, formula, ref: (a, b) => zipM(a, b, f),
});

const OPS: OpSpec[] = [
  binary('add', (a, b) => `${a} + ${b}`, (x, y) => x + y),
  binary('sub', (a, b) => `${a} - ${b}`, (x, y) => x - y),
  binary('mul', (a, b) => `${a} * ${b}`, (x, y) => x * y),
  binary('div', (a, b) => `${a} / (1 + ${b}^2)`, (x, y) => x / (1 + y ** 2)),
  binary('pow', (a, b) => `(1 + ${a} * ${a}) ^ tanh(${b})`, (x, y) => (1 + x * x) ** Math.tanh(y)),
  binary('mse', (a, b) => `mse(${a}, ${b})`, (x, y) => (x - y) ** 2), // reduced below
  {
    name: 'matmul', arity: 2,
    shape: ([ar, ac], [br, bc]) => (ar === 1 && ac === 1 ? [br, bc] : br === 1 && bc === 1 ? [ar, ac] : ac === br ? [ar, bc] : null),
    formula: (a, b) => `${a} @ ${b}`,
    ref: matmulM,
  },
  unary('tanh', (a) => `tanh(${a})`, (a) => mapM(a, Math.tanh)),
  unary('sigmoid', (a) => `sigmoid(${a})`, (a) => mapM(a, sigmoid)),
  unary('exp', (a) => `exp(0.5 * ${a})`, (a) => mapM(a, (x) => Math.exp(0.5 * x))),
  unary('square', (a) => `square(${a})`, (a) => mapM(a, (x) => x * x)),
  unary('neg', (a) => `-${a}`, (a) => mapM(a, (x) => -x)),
  unary('negpow', (a) => `-${a}^2`, (a) => mapM(a, (x) => -(x ** 2))),
  unary('sqrt', (a) => `sqrt(1 + ${a}^2)`, (a) => mapM(a, (x) => Math.sqrt(1 + x ** 2))),
  unary('log', (a) => `log(1 + ${a} * ${a})`, (a) => mapM(a, (x) => Math.log(1 + x * x))),
  unary('T', (a) => `${a}.T`, transposeM, ([r, c]) => [c, r]),
  unary('transpose', (a) => `transpose(${a})`, transposeM, ([r, c]) => [c, r]),
  unary('sum', (a) => `sum(${a})`, (a) => [[sumAllM(a)]], () => [1, 1]),
  unary('sum0', (a) => `sum(${a}, 0)`, (a) => sumAxisM(a, 0), ([, c]) => [1, c]),
  unary('sum1', (a) => `sum(${a}, 1)`, (a) => sumAxisM(a, 1), ([r]) => [r, 1]),
  unary('mean', (a) => `mean(${a})`, (a) => [[sumAllM(a) / a.flat().length]], () => [1, 1]),
  unary('mean0', (a) => `mean(${a}, 0)`, (a) => scale(sumAxisM(a, 0), 1 / a.length), ([, c]) => [1, c]),
  unary('mean1', (a) => `mean(${a}, 1)`, (a) => scale(sumAxisM(a, 1), 1 / a[0].length), ([r]) => [r, 1]),
  unary('softmax', (a) => `softmax(${a})`, softmaxM),
  unary('logsumexp', (a) => `logsumexp(${a})`, logsumexpM, ([r]) => [r, 1]),
  unary('cross_entropy', (a) => `cross_entropy(${a}, [[${LABELS.join('], [')}]])`, crossEntropyM, ([r, c]) => (r === N && c >= 2 ? [1, 1] : null)),
  unary('reshape', (a) => `reshape(${a}, 1, ${'SIZE'})`, (a) => [a.flat()], ([r, c]) => [1, r * c]),
  unary('rows', (a) => `rows(${a}, 1, ${'ROWS'})`, (a) => a.slice(1), ([r, c]) => (r >= 2 ? [r - 1, c] : null)),
];

// mse reduces to a scalar: patch its shape and reference.
{
  const mse = OPS.find((o) => o.name === 'mse')!;
  const elementwise = mse.ref;
  // Prediction and target of one shape, or a 1×1 target (issue 7.3: anything else is #SHAPE).
  mse.shape = (a, b) => ((a[0] === b[0] && a[1] === b[1]) || (b[0] === 1 && b[1] === 1) ? [1, 1] : null);
  mse.ref = (a, b) => {
    const d = elementwise(a, b).flat();
    return [[d.reduce((t, x) => t + x, 0) / d.length]];
  };
}

// ---------------------------------------------------------------------------------------------
// Random sheets.
interface Recipe {
  inputs: { shape: number; seed: number }[];
  steps: { op: number; a: number; b: number }[];
  named: boolean[];
}

interface Built {
  /** address → formula */
  formulas: Map<string, string>;
  names: Map<string, string>;
  /** Reference values by address. */
  ref: Map<string, M>;
  inputs: string[];
  computed: string[];
  loss: string;
  /** For each cell, the addresses it reads. */
  deps: Map<string, string[]>;
}

const recipeArb: fc.Arbitrary<Recipe> = fc.record({
  inputs: fc.array(fc.record({ shape: fc.nat(INPUT_SHAPES.length - 1), seed: fc.nat() }), { minLength: 1, maxLength: 4 }),
  // Small operand indices favour reuse of the same cells: forks.
  steps: fc.array(fc.record({ op: fc.nat(), a: fc.nat(7), b: fc.nat(7) }), { minLength: 1, maxLength: 8 }),
  named: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
});

function build(r: Recipe): Built {
  const formulas = new Map<string, string>(), names = new Map<string, string>(), ref = new Map<string, M>(), deps = new Map<string, string[]>();
  const inputs: string[] = [], computed: string[] = [];
  const shapes = new Map<string, Shape>();
  const refText = (at: string) => names.get(at) ?? at;
  r.inputs.forEach(({ shape, seed }, i) => {
    const at = `A${i + 1}`;
    const [rows, cols] = INPUT_SHAPES[shape];
    const rand = makeRandom(seed);
    const m: M = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round((rand() * 2 - 1) * 1000) / 1000));
    formulas.set(at, rows === 1 && cols === 1 ? String(m[0][0]) : `[${m.map((row) => `[${row.join(', ')}]`).join(', ')}]`);
    if (r.named[i]) names.set(at, `x${i}`);
    ref.set(at, m);
    shapes.set(at, [rows, cols]);
    inputs.push(at);
    deps.set(at, []);
  });
  r.steps.forEach(({ op, a, b }, s) => {
    const pool = [...inputs, ...computed];
    // Operands counted from the most recent cell back, so chains and forks are both common.
    const A = pool[pool.length - 1 - (a % pool.length)], B = pool[pool.length - 1 - (b % pool.length)];
    const fits = OPS.filter((o) => o.shape(shapes.get(A)!, shapes.get(B)!) !== null);
    const o = fits[op % fits.length];
    const at = `B${s + 1}`;
    const sa = shapes.get(A)!;
    let f = o.formula(refText(A), refText(B));
    f = f.replace('SIZE', String(sa[0] * sa[1])).replace('ROWS', String(sa[0]));
    formulas.set(at, f);
    if (r.named[(s + 4) % r.named.length]) names.set(at, `c${s}`);
    ref.set(at, o.ref(ref.get(A)!, ref.get(B)!));
    shapes.set(at, o.shape(sa, shapes.get(B)!)!);
    computed.push(at);
    deps.set(at, o.arity === 1 ? [A] : [A, B]);
  });
  // The loss: a weighted sum of every cell nobody reads (so most cells are upstream), with
  // fixed non-uniform weights so that no symmetric structure hides a wrong gradient.
  const used = new Set([...deps.values()].flat());
  const sinks = computed.filter((c) => !used.has(c));
  const terms = sinks.map((c, i) => `sum(${refText(c)} * ${0.5 + 0.25 * i})`);
  const loss = 'C1';
  formulas.set(loss, terms.join(' + '));
  deps.set(loss, sinks);
  ref.set(loss, [[sinks.reduce((t, c, i) => t + sumAllM(ref.get(c)!) * (0.5 + 0.25 * i), 0)]]);
  return { formulas, names, ref, inputs, computed, loss, deps };
}

function load(b: Built, extra: Record<string, string> = {}): Engine {
  const e = createEngine();
  e.load({
    gradsheet: 1,
    cells: [...b.formulas].map(([at, formula]) => ({ at, formula, ...(b.names.has(at) ? { name: b.names.get(at)! } : {}) }))
      .concat(Object.entries(extra).map(([at, formula]) => ({ at, formula }))),
  });
  return e;
}

const asM = (v: Value): M => (typeof v === 'number' ? [[v]] : (v as Matrix).toRows());

function value(e: Engine, at: string): Value {
  const c = e.get(at)!;
  if (c.error) throw new Error(`${at} (${c.formula}): #${c.error.kind} ${c.error.message}`);
  return c.value!;
}

/** Largest magnitude of any reference value: sheets whose numbers blow up are skipped. */
const magnitude = (b: Built) => Math.max(...[...b.ref.values()].flatMap((m) => m.flat().map(Math.abs)));

function upstreamOf(b: Built, at: string): Set<string> {
  const seen = new Set([at]);
  const stack = [at];
  while (stack.length) for (const d of b.deps.get(stack.pop()!)!) if (!seen.has(d)) (seen.add(d), stack.push(d));
  return seen;
}

describe('random sheets (fast-check)', () => {
  it('(a) grad(L, X) matches numgrad(L, X) for every input of random DAGs with forks and broadcasting', () => {
    fc.assert(
      fc.property(recipeArb, (r) => {
        const b = build(r);
        fc.pre(magnitude(b) < 50);
        const extra: Record<string, string> = { C2: `grad(${b.loss})` };
        const ref = (at: string) => b.names.get(at) ?? at;
        b.inputs.forEach((x, i) => {
          extra[`D${i + 1}`] = `grad(${b.loss}, ${ref(x)})`;
          extra[`E${i + 1}`] = `numgrad(${b.loss}, ${ref(x)})`;
        });
        const e = load(b, extra);
        const L = value(e, b.loss) as number;
        const up = upstreamOf(b, b.loss);
        b.inputs.forEach((x, i) => {
          const g = value(e, `D${i + 1}`), n = value(e, `E${i + 1}`);
          const err = relativeError(g, n);
          // Finite differences of a float64 loss carry ~1e-11·|L| of noise: gradients that are
          // zero up to rounding (a softmax row summed) are compared on that absolute scale.
          const diff = Math.max(...asM(g).flat().map((v, k) => Math.abs(v - asM(n).flat()[k])));
          const floor = 1e-9 * (1 + Math.abs(L));
          if (!(err <= 1e-5 || diff <= floor)) {
            throw new Error(`∂${b.loss}/∂${x}: relative error ${err}, grad ${JSON.stringify(asM(g))}, numgrad ${JSON.stringify(asM(n))}`);
          }
          // The grid shows the same numbers on X, or nothing when X is not upstream of L.
          const shown = e.get(x)!.grad;
          if (up.has(x)) expect(shown === null ? null : asM(shown)).toEqual(asM(g));
          else {
            expect(shown).toBeNull();
            expect(asM(g).flat().every((v) => v === 0)).toBe(true);
          }
        });
        expect(e.get(b.loss)!.grad).toBe(1);
      }),
      runs(150),
    );
  });

  it('(b) forward values equal an independent plain-array interpreter', () => {
    fc.assert(
      fc.property(recipeArb, (r) => {
        const b = build(r);
        const e = load(b);
        for (const [at, expected] of b.ref) {
          const actual = asM(value(e, at));
          expect([actual.length, actual[0].length], `${at}: ${b.formulas.get(at)}`).toEqual([expected.length, expected[0].length]);
          actual.forEach((row, i) => row.forEach((v, j) => {
            const w = expected[i][j];
            if (Number.isNaN(w)) expect(v).toBeNaN();
            else if (!(Math.abs(v - w) <= 1e-12 * (1 + Math.abs(w)))) {
              throw new Error(`${at} = ${b.formulas.get(at)}: [${i}][${j}] is ${v}, expected ${w}`);
            }
          }));
        }
      }),
      runs(300),
    );
  });

  const TOKENS = [
    'A1', 'B1', 'C2', 'A1:B2', '$A$1', 'x', 'y_1', 'w1', 'T', '(', ')', '[', ']', '[[', ']]', ',', ' ', '+', '-', '*', '/', '^', '**', '@', '.T', '.',
    '<', '<=', '==', '!=', '>', '>=', '=', ':', '?', '!', '&', '|', '%', '#', '"', "'", '\\', '1', '0', '2.5', '-2.5e-3', '1e5', '1e999', '.5',
    'sum', 'mean', 'exp', 'log', 'grad', 'numgrad', 'check', 'softmax', 'cross_entropy', 'zeros', 'ones', 'eye', 'reshape', 'rows', 'onehot',
    'randn', 'max', 'transpose', 'argmax', 'accuracy', 'mse', 'NaN', 'Infinity', 'this', '__proto__', 'constructor', 'toString', 'ñ', '∑', '😀', '\n', '\t',
  ];
  const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join(''));
  const text = fc.oneof(soup, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: fc.constantFrom(...'()[]-+^.T,:'), maxLength: 400 }));

  it('(c) random strings never crash the parser or the engine, and leave a value or an error on the cell', () => {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', '1');
      e.setCell('B1', '[[1, 2], [3, 4]]');
      e.setCell('C2', '2');
      e.setName('C2', 'x');
      e.setCell('D1', 'A2 + 1');
      e.setCell('D2', 'grad(A2)');
    });
    fc.assert(
      fc.property(text, (s) => {
        e.setCell('A2', s);
        const c = e.get('A2');
        if (s === '') {
          expect(c).toBeNull();
          return;
        }
        expect(c).not.toBeNull();
        expect(c!.formula).toBe(s);
        expect((c!.value === null) !== (c!.error === null), `value ${String(c!.value)}, error ${JSON.stringify(c!.error)}`).toBe(true);
        if (c!.error) expect(typeof c!.error.message).toBe('string');
        // Dependents get a value or the error, never a crash.
        const d = e.get('D1')!;
        expect((d.value === null) !== (d.error === null)).toBe(true);
        const g = e.get('D2')!;
        expect((g.value === null) !== (g.error === null)).toBe(true);
        expect(valueOrNull(e, 'C2')).toBe(2);
      }),
      runs(1500),
    );
  });

  it('(e) after any sequence of edits the sheet looks exactly as a fresh engine loading the same document', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 25 }), (edits) => {
        const e = createEngine();
        const log: string[] = [];
        let active: string | null = null;
        for (const ed of edits) {
          log.push(applyEdit(e, ed));
          for (const x of ed.k === 'batch' ? ed.edits : [ed]) {
            if (x.k === 'active') active = x.at === null ? null : GRID[x.at];
            if (x.k === 'reload') active = null;
          }
          const fresh = createEngine();
          fresh.load(e.toDoc());
          const got = snapshot(e, shownLoss(e, active)), want = snapshot(fresh, shownLoss(fresh, active));
          if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `after ${log.join('; ')}`).toEqual(want);
        }
      }),
      runs(300),
    );
  });

  it('(d) renaming a cell via setName keeps every value the same and rewrites the formulas that used it', () => {
    const registry = createRegistry();
    const newName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/).filter((n) => nameProblem(n, (f) => registry.has(f)) === null);
    fc.assert(
      fc.property(recipeArb, fc.nat(), newName, (r, which, name) => {
        const b = build(r);
        const extra = { C2: `grad(${b.loss})` };
        const e = load(b, extra);
        const named = [...b.names.keys()];
        fc.pre(named.length > 0 && ![...b.names.values()].includes(name));
        const at = named[which % named.length];
        const old = b.names.get(at)!;
        const before = e.cells().map((c) => ({ at: c.at, value: c.value, error: c.error, grad: c.grad }));
        expect(e.setName(at, name)).toMatchObject({ ok: true });
        const after = e.cells().map((c) => ({ at: c.at, value: c.value, error: c.error, grad: c.grad }));
        expect(after).toEqual(before);
        expect(e.get(at)!.name).toBe(name);
        expect(e.addressOf(name)).toBe(at);
        expect(e.addressOf(old)).toBeNull();
        for (const c of e.cells()) expect(c.formula.split(/[^A-Za-z0-9_$]+/)).not.toContain(old);
      }),
      runs(150),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (e) Random edit sequences over a 3×3 corner of the grid: formulas from templates over random
// addresses and names, names given and taken away, parameters, the active grad cell, reloads.
const GRID = ['A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1', 'C2', 'C3'];
const NAMES = ['x', 'y', 'w1', 'loss'];
const TEMPLATES = [
  '1.5', '-2', '[[0.5, -1], [2, 3]]', '[[1, 2, 3]]', '[[1], [-2]]', '',
  '{a} + {b}', '{a} * {b}', '{a} - 2 * {b}', '{a} @ {b}', 'tanh({a})', 'sigmoid({a}) * {b}', '{a}.T', 'sum({a})', 'sum({a}, 0)',
  'mean({a} * {a})', 'exp(-{a}^2)', '{a}:{b}', 'sum({a}:{b})', 'grad({a})', 'grad({a}, {b})', 'numgrad({a}, {b})', 'softmax({a})',
  'check({a}, {b})', '{a} > 0', 'max({a}, 0)', '{n} + 1', '{n} * {a}', 'sum({n})',
];

type Edit =
  | { k: 'set'; at: number; t: number; a: number; b: number; n: number }
  | { k: 'name'; at: number; n: number }
  | { k: 'param'; at: number; v: number | null }
  | { k: 'active'; at: number | null }
  | { k: 'reload' }
  | { k: 'batch'; edits: Edit[] };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('set' as const), at: fc.nat(GRID.length - 1), t: fc.nat(TEMPLATES.length - 1), a: fc.nat(GRID.length - 1), b: fc.nat(GRID.length - 1), n: fc.nat(NAMES.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('name' as const), at: fc.nat(GRID.length - 1), n: fc.nat(NAMES.length) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('param' as const), at: fc.nat(GRID.length - 1), v: fc.option(fc.integer({ min: -3, max: 3 })) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('active' as const), at: fc.option(fc.nat(GRID.length - 1)) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reload' as const }) },
);
const stepArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 6, arbitrary: editArb },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('batch' as const), edits: fc.array(editArb, { minLength: 2, maxLength: 4 }) }) },
);

function applyEdit(e: Engine, ed: Edit): string {
  switch (ed.k) {
    case 'set': {
      const f = TEMPLATES[ed.t].replace(/\{a\}/g, GRID[ed.a]).replace(/\{b\}/g, GRID[ed.b]).replace(/\{n\}/g, NAMES[ed.n]);
      e.setCell(GRID[ed.at], f);
      return `setCell('${GRID[ed.at]}', '${f}')`;
    }
    case 'name': {
      const n = ed.n < NAMES.length ? NAMES[ed.n] : null;
      e.setName(GRID[ed.at], n);
      return `setName('${GRID[ed.at]}', ${n === null ? 'null' : `'${n}'`})`;
    }
    case 'param':
      e.setParameter(GRID[ed.at], ed.v);
      return `setParameter('${GRID[ed.at]}', ${ed.v})`;
    case 'active':
      // The loss shown is the UI's choice (ui/bridge.ts): the engine is only asked about it.
      return `show(${ed.at === null ? 'null' : `'${GRID[ed.at]}'`})`;
    case 'reload':
      e.load(e.toDoc());
      return 'load(toDoc())';
    case 'batch':
      return `batch(${e.batch(() => ed.edits.map((x) => applyEdit(e, x))).join('; ')})`;
  }
}

/** The loss the UI shows for a chosen grad cell: its loss, or the first grad cell's when it is none (ui/bridge.ts). */
function shownLoss(e: Engine, chosen: string | null): string | null {
  const ls = e.losses();
  return (ls.find((l) => l.gradCell === chosen) ?? ls[0])?.loss ?? null;
}

/** Everything a user sees of the sheet with the gradients of `loss`, numbers to 12 significant digits. */
function snapshot(e: Engine, loss: string | null) {
  const num = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(12)) : String(x));
  const plain = (v: Value | null) => (v === null ? null : asM(v).map((r) => r.map(num)));
  return e.cells({ loss }).map((c) => ({
    at: c.at, name: c.name, formula: c.formula, value: plain(c.value), grad: plain(c.grad),
    error: c.error && `#${c.error.kind} ${c.error.message}`,
    check: c.check && c.check.pass,
  }));
}

function valueOrNull(e: Engine, at: string): Value | null {
  return e.get(at)?.value ?? null;
}
