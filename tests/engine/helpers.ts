// Shared helpers for the engine tests: a seeded random generator, random values of a
// given shape, plain-array views of values, and small sheet builders.
import { expect } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine';
import { makeRng } from '../../src/engine/ops/construct';
import { Matrix, type Value, shapeOf } from '../../src/engine/tensor/value';

/** mulberry32 (the engine's own stream, ops/construct.ts): every numeric test is reproducible. */
export function makeRandom(seed: number): () => number {
  return makeRng(seed).rand;
}

export type Rand = () => number;

/** r×c entries uniform in [lo, hi); a plain number for 1×1 when `scalar` is set. */
export function uniform(rand: Rand, r: number, c: number, lo = -1, hi = 1): Matrix {
  const d = new Float64Array(r * c);
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rand();
  return new Matrix(r, c, d);
}

/** Entries with |x| in [lo, hi] and a random sign: away from 0 (kinks of relu/abs, poles of 1/x). */
export function awayFromZero(rand: Rand, r: number, c: number, lo = 0.2, hi = 1.5): Matrix {
  const m = uniform(rand, r, c, lo, hi);
  for (let i = 0; i < m.data.length; i++) if (rand() < 0.5) m.data[i] = -m.data[i];
  return m;
}

export function scalarIn(rand: Rand, lo = -1, hi = 1): number {
  return lo + (hi - lo) * rand();
}

/** A random value shaped like `v` (a number for 1×1, as the engine passes gradients). */
export function randomLike(rand: Rand, v: Value): Value {
  const [r, c] = shapeOf(v);
  if (r === 1 && c === 1) return scalarIn(rand);
  return uniform(rand, r, c);
}

export function toPlain(v: Value): number | number[][] {
  return typeof v === 'number' ? v : v.toRows();
}

/** Every entry of a within 1e-9 (relative above 1) of b's; null and undefined count as no entries. */
export function expectClose(a: Value | null | undefined, b: Value | null | undefined, what: string): void {
  const x = a == null ? [] : entries(a), y = b == null ? [] : entries(b);
  expect(x.length, what).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i]), `${what} [${i}]: ${x[i]} vs ${y[i]}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y[i])));
}

/** Row-major entries of a value. */
export function entries(v: Value): number[] {
  return typeof v === 'number' ? [v] : Array.from(v.data);
}

/** A matrix literal for a formula, exact to the last bit (toString of a double round-trips). */
export function literal(v: Value): string {
  if (typeof v === 'number') return numText(v);
  return `[${v.toRows().map((r) => `[${r.map(numText).join(', ')}]`).join(', ')}]`;
}

function numText(x: number): string {
  // Negative literals inside brackets are parsed as negation of a literal: exact.
  return String(x);
}

/** An engine holding the given cells (address → formula), set in one batch. */
export function sheet(cells: Record<string, string>, names: Record<string, string> = {}): Engine {
  const e = createEngine();
  e.batch(() => {
    for (const [at, f] of Object.entries(cells)) e.setCell(at, f);
    for (const [at, n] of Object.entries(names)) {
      const r = e.setName(at, n);
      if (!r.ok) throw new Error(r.message);
    }
  });
  return e;
}

/** The value of a cell; fails with the cell's error message if it has one. */
export function valueOf(e: Engine, at: string): Value {
  const v = e.get(at);
  if (!v) throw new Error(`${at} is empty`);
  if (v.error) throw new Error(`${at}: #${v.error.kind} ${v.error.message}`);
  return v.value!;
}

export function errorOf(e: Engine, at: string): { kind: string; message: string; origin?: string } | null {
  return e.get(at)?.error ?? null;
}
