// Every op's gradient, checked against central finite differences. One parameterised test
// walks the registry: for each op with a forward and VJPs it evaluates the op on random
// inputs of several shapes (broadcasting, non-square products, axis forms, …), draws a
// random upstream gradient g and compares, for every input entry i,
//   numeric  ⟨g, (f(x + h·e_i) − f(x − h·e_i)) / 2h⟩   with   analytic  vjp(g)_i.
// Composite ops (expand) are checked through the engine: grad(L, X) against numgrad(L, X).
// Adding an op to the registry without an entry here fails the coverage test.
import { describe, expect, it } from 'vitest';
import type { OpDef } from '../../../src/engine/ops/define';
import { createRegistry } from '../../../src/engine/ops/registry';
import { relativeError } from '../../../src/engine/ops/verify';
import { Matrix, type Value, cloneValue, normalize, shapeOf, shapeText } from '../../../src/engine/tensor/value';
import { literal, makeRandom, randomLike, sheet, valueOf, type Rand } from '../helpers';
import { GRADIENT_CASES, NON_DIFFERENTIABLE, hash, m, s, type Case } from './op-cases';

const H = 1e-6;
const TOL = 1e-6;

/**
 * Composite ops: checked through the engine. Each builds cells X… and a scalar loss using the op,
 * with random weights so the upstream gradient is not uniform.
 */
interface CompositeCase {
  cells: Record<string, string>;
  wrt: string[];
  reference: (vals: Record<string, Value>) => Value;
  out: string;
}

const COMPOSITE_CASES: Record<string, (rand: Rand) => CompositeCase[]> = {
  square: (rand) =>
    [[3, 4], [1, 1], [1, 5]].map(([r, c]) => ({
      cells: {
        A1: literal(normalize(m(rand, r, c))),
        A2: literal(normalize(m(rand, r, c))),
        B1: 'square(A1)',
        B2: 'sum(B1 * A2)',
      },
      wrt: ['A1'],
      out: 'B1',
      reference: (v) => mapValue(v.A1, (x) => x * x),
    })),
  mse: (rand) =>
    [[4, 3], [1, 1], [5, 1]].map(([r, c]) => ({
      cells: {
        A1: literal(normalize(m(rand, r, c))),
        A2: literal(normalize(m(rand, r, c))),
        B1: 'mse(A1, A2)',
        B2: 'B1 * 3',
      },
      wrt: ['A1', 'A2'],
      out: 'B1',
      reference: (v) => {
        const p = entries(v.A1), t = entries(v.A2);
        return p.reduce((acc, x, i) => acc + (x - t[i]) ** 2, 0) / p.length;
      },
    })),
  max: (rand) => extremeCases(rand, 'max', Math.max),
  min: (rand) => extremeCases(rand, 'min', Math.min),
};

/** max/min with two arguments (elementwise, 3×4 against 1×4) and with one (the largest/smallest entry). */
function extremeCases(rand: Rand, fn: string, pick: (...xs: number[]) => number): CompositeCase[] {
  const a = m(rand, 3, 4), b = m(rand, 1, 4), w = m(rand, 3, 4);
  return [
    {
      cells: { A1: literal(a), A2: literal(b), A3: literal(w), B1: `${fn}(A1, A2)`, B2: 'sum(B1 * A3)' },
      wrt: ['A1', 'A2'],
      out: 'B1',
      reference: (v: Record<string, Value>) => {
        const x = v.A1 as Matrix, y = v.A2 as Matrix;
        return new Matrix(3, 4, x.data.map((u, i) => pick(u, y.data[i % 4])));
      },
    },
    {
      cells: { A1: literal(a), B1: `${fn}(A1)`, B2: 'B1 * 3' },
      wrt: ['A1'],
      out: 'B1',
      reference: (v: Record<string, Value>) => pick(...entries(v.A1)),
    },
  ];
}

function entries(v: Value): number[] {
  return typeof v === 'number' ? [v] : Array.from(v.data);
}

function mapValue(v: Value, f: (x: number) => number): Value {
  return typeof v === 'number' ? f(v) : new Matrix(v.rows, v.cols, v.data.map(f));
}

function dot(a: Value, b: Value): number {
  const x = entries(a), y = entries(b);
  if (x.length !== y.length) throw new Error(`dot: ${shapeText(a)} vs ${shapeText(b)}`);
  let t = 0;
  for (let i = 0; i < x.length; i++) t += x[i] * y[i];
  return t;
}

function withEntry(v: Value, i: number, x: number): Value {
  if (typeof v === 'number') return x;
  const c = cloneValue(v) as Matrix;
  c.data[i] = x;
  return c;
}

function forward(op: OpDef, args: Value[]): Value {
  return normalize(op.forward!(args, { meta: {} }));
}

/** ⟨g, ∂f/∂args[k]⟩ by central differences, one entry at a time. */
function numericVjp(op: OpDef, args: Value[], k: number, g: Value): Value {
  const x = args[k];
  const n = entries(x).length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x0 = entries(x)[i];
    const plus = args.slice(), minus = args.slice();
    plus[k] = withEntry(x, i, x0 + H);
    minus[k] = withEntry(x, i, x0 - H);
    out[i] = (dot(g, forward(op, plus)) - dot(g, forward(op, minus))) / (2 * H);
  }
  const [r, c] = shapeOf(x);
  return typeof x === 'number' ? out[0] : new Matrix(r, c, out);
}

const registry = createRegistry();
const differentiable = registry.all().filter((op) => op.forward && op.vjp);
const composite = registry.all().filter((op) => op.expand);
const withScalarPath = registry.all().filter((op) => op.scalar);

describe('op gradients', () => {
  it('every registry op is gradient-checked here or declared non-differentiable', () => {
    const problems: string[] = [];
    for (const op of registry.all()) {
      const listed = op.name in GRADIENT_CASES, composed = op.name in COMPOSITE_CASES, nonDiff = NON_DIFFERENTIABLE.has(op.name);
      if (op.expand) {
        if (!composed) problems.push(`${op.name}: composite op without an entry in COMPOSITE_CASES`);
        if (op.vjp) problems.push(`${op.name}: composite op that also has VJPs`);
      } else if (op.vjp) {
        if (!op.forward) problems.push(`${op.name}: VJPs without a forward`);
        if (!listed) problems.push(`${op.name}: has VJPs but no gradient test in GRADIENT_CASES`);
      } else if (!nonDiff && !op.engineOp) {
        problems.push(`${op.name}: no VJP, not composite, and not in NON_DIFFERENTIABLE (gradient missing?)`);
      }
      if (nonDiff && (op.vjp || op.expand)) problems.push(`${op.name}: declared non-differentiable but has a gradient: move it to GRADIENT_CASES`);
    }
    for (const name of [...Object.keys(GRADIENT_CASES), ...Object.keys(COMPOSITE_CASES)]) {
      if (!registry.has(name)) problems.push(`${name}: tested here but not in the registry`);
    }
    expect(problems).toEqual([]);
  });

  it('each VJP table has one entry per argument, null exactly where no gradient flows', () => {
    const problems: string[] = [];
    for (const op of differentiable) {
      const spec = GRADIENT_CASES[op.name];
      if (!spec) continue;
      if (op.vjp!.length !== op.maxArgs) problems.push(`${op.name}: ${op.vjp!.length} VJPs for ${op.maxArgs} arguments`);
      for (let k = 0; k < op.maxArgs; k++) {
        const shouldBeNull = (spec.nonDiff ?? []).includes(k);
        if (shouldBeNull !== !op.vjp![k]) problems.push(`${op.name}: argument ${k} VJP is ${op.vjp![k] ? 'present' : 'null'}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(differentiable.map((op) => [op.name, op] as const))('%s: every VJP matches central finite differences', (name, op) => {
    const spec = GRADIENT_CASES[name];
    expect(spec, `${name} has VJPs but no entry in GRADIENT_CASES`).toBeDefined();
    const rand = makeRandom(hash(name));
    const failures: string[] = [];
    for (const { label, args, skip } of spec.cases(rand)) {
      const out = forward(op, args);
      const g = randomLike(rand, out);
      for (let k = 0; k < args.length; k++) {
        const rule = op.vjp![k];
        if (!rule || skip?.includes(k)) continue;
        const snapshot = [...args, g, out].map(cloneValue);
        const analytic = rule(g, args, out);
        const numeric = numericVjp(op, args, k, g);
        const where = `${name}(${label}) argument ${k}`;
        // Inputs must not be mutated by a VJP (the tape is reused by explain and later passes).
        [...args, g, out].forEach((v, i) => {
          if (relativeError(v, snapshot[i]) !== 0) failures.push(`${where}: the VJP mutated its inputs`);
        });
        const [ar, ac] = shapeOf(args[k]), [gr, gc] = shapeOf(analytic);
        if (ar !== gr || ac !== gc) {
          failures.push(`${where}: gradient is ${gr}×${gc}, input is ${ar}×${ac}`);
          continue;
        }
        const err = relativeError(analytic, numeric);
        if (!(err <= TOL)) failures.push(`${where}: relative error ${err.toExponential(2)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('scalar fast paths are complete: scalarVjp has a scalar forward and one entry per VJP, null where the VJP is null', () => {
    const problems: string[] = [];
    for (const op of registry.all()) {
      if (op.scalar && (!op.forward || op.maxArgs > 2)) problems.push(`${op.name}: scalar fast path without a forward, or more than 2 arguments`);
      if (!op.scalarVjp) continue;
      if (!op.scalar || !op.vjp) {
        problems.push(`${op.name}: scalarVjp without scalar and vjp`);
        continue;
      }
      if (op.scalarVjp.length !== op.vjp.length) problems.push(`${op.name}: ${op.scalarVjp.length} scalar VJPs for ${op.vjp.length} VJPs`);
      op.vjp.forEach((v, k) => {
        if (!v !== !op.scalarVjp![k]) problems.push(`${op.name}: argument ${k} has ${v ? 'a' : 'no'} VJP but ${op.scalarVjp![k] ? 'a' : 'no'} scalar VJP`);
      });
    }
    expect(problems).toEqual([]);
  });

  it.each(withScalarPath.map((op) => [op.name, op] as const))('%s: the scalar fast path equals forward, and its VJPs equal the general VJPs and finite differences', (name, op) => {
    const spec = GRADIENT_CASES[name];
    const failures: string[] = [];
    // All-number cases of the op's table, drawn with several seeds.
    const cases: Case[] = [];
    for (let seed = 0; seed < 8; seed++) {
      if (spec) cases.push(...spec.cases(makeRandom(hash(name) + seed)).filter((c) => c.args.every((a) => typeof a === 'number')));
      else if (!op.vjp) cases.push({ label: 'random', args: Array.from({ length: op.minArgs }, () => s(makeRandom(seed), -2, 2)) });
    }
    expect(cases.length, `${name} has a scalar fast path but no all-number case in GRADIENT_CASES`).toBeGreaterThan(0);
    const rand = makeRandom(hash(name) ^ 0x5eed);
    for (const { label, args, skip } of cases) {
      const [a, b = 0] = args as number[];
      const out = forward(op, args);
      const fast = op.scalar!(a, b);
      if (!(Object.is(fast, out) || Math.abs(fast - (out as number)) <= 1e-15 * Math.abs(out as number))) {
        failures.push(`${name}(${label} ${a}, ${b}): scalar gives ${fast}, forward gives ${String(out)}`);
      }
      if (!op.scalarVjp) continue;
      const g = s(rand, -2, 2);
      op.scalarVjp.forEach((rule, k) => {
        if (!rule) return;
        const d = rule(g, a, b, fast);
        const general = op.vjp![k]!(g, args, out);
        if (typeof general !== 'number' || Math.abs(d - general) > 1e-14 * Math.max(1, Math.abs(general))) {
          failures.push(`${name}(${a}, ${b}) argument ${k}: scalar VJP ${d}, general VJP ${String(general)}`);
        }
        if (skip?.includes(k)) return;
        const xs = [a, b];
        const f = (x: number) => { const v = xs.slice(); v[k] = x; return op.scalar!(v[0], v[1]); };
        const numeric = (g * (f(xs[k] + H) - f(xs[k] - H))) / (2 * H);
        if (!(relativeError(d, numeric) <= TOL)) failures.push(`${name}(${a}, ${b}) argument ${k}: scalar VJP ${d}, finite differences ${numeric}`);
      });
    }
    expect(failures).toEqual([]);
  });

  it.each(composite.map((op) => [op.name] as const))('%s (composite): grad(L, X) matches numgrad(L, X) through the engine', (name) => {
    const build = COMPOSITE_CASES[name];
    expect(build, `${name} is composite but has no entry in COMPOSITE_CASES`).toBeDefined();
    const rand = makeRandom(hash(name));
    for (const c of build(rand)) {
      const cells = { ...c.cells };
      const loss = Object.keys(c.cells).at(-1)!;
      c.wrt.forEach((x, i) => {
        cells[`D${i + 1}`] = `grad(${loss}, ${x})`;
        cells[`E${i + 1}`] = `numgrad(${loss}, ${x})`;
      });
      const e = sheet(cells);
      const vals: Record<string, Value> = {};
      for (const at of Object.keys(c.cells)) vals[at] = valueOf(e, at);
      expect(relativeError(valueOf(e, c.out), c.reference(vals))).toBeLessThanOrEqual(1e-14);
      c.wrt.forEach((x, i) => {
        const g = valueOf(e, `D${i + 1}`), n = valueOf(e, `E${i + 1}`);
        expect(shapeOf(g)).toEqual(shapeOf(vals[x]));
        expect(relativeError(g, n), `${name}: ∂${loss}/∂${x}`).toBeLessThanOrEqual(TOL);
      });
    }
  });
});

