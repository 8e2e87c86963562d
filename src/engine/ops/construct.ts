// Construction (zeros, ones, eye, seeded random matrices) and reshaping (reshape, rows).
import { OpError } from '../errors';
import { Matrix, type Value, checkSize, normalize, shapeText, sizeOf } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { intArg, matrixArg } from './helpers';

/**
 * mulberry32 with Box–Muller (cosine branch), the same stream as the peer benchmarks
 * (shared/peers/lib/common.mjs), so randn(r, c, seed) draws what they draw for that seed.
 */
export function makeRng(seed: number): { rand: () => number; randn: () => number } {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const randn = () => {
    const u1 = 1.0 - rand();
    const u2 = rand();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  };
  return { rand, randn };
}

function sized(name: string, r: Value, c: Value): [number, number] {
  const rows = intArg(r, `${name}: rows`), cols = intArg(c, `${name}: cols`);
  checkSize(rows, cols);
  return [rows, cols];
}

function fill(name: string, x: number, doc: string): OpDef {
  return defineOp({
    name, args: 2, category: 'construction', constArgs: [0, 1],
    signature: `${name}(r, c)`, doc, inputs: ['r', 'c'],
    forward: ([r, c]) => {
      const [rows, cols] = sized(name, r, c);
      return normalize(new Matrix(rows, cols, new Float64Array(rows * cols).fill(x)));
    },
  });
}

function random(name: string, doc: string, draw: (rng: ReturnType<typeof makeRng>) => number): OpDef {
  return defineOp({
    name, args: [2, 3], category: 'construction', constArgs: [0, 1, 2],
    signature: `${name}(r, c, seed)`, doc, inputs: ['r', 'c', 'seed'],
    forward: ([r, c, s]) => {
      const [rows, cols] = sized(name, r, c);
      const rng = makeRng(s === undefined ? 0 : intArg(s, `${name}: seed`));
      const d = new Float64Array(rows * cols);
      for (let i = 0; i < d.length; i++) d[i] = draw(rng);
      return normalize(new Matrix(rows, cols, d));
    },
  });
}

export const constructOps: OpDef[] = [
  defineOp({
    // A constant with no arguments: written pi() today; the parser may later also accept a bare `pi`.
    name: 'pi', args: 0, category: 'construction', inputs: [],
    signature: 'pi()', doc: 'The number π = 3.14159…',
    forward: () => Math.PI,
  }),
  fill('zeros', 0, 'An r×c matrix of zeros.'),
  fill('ones', 1, 'An r×c matrix of ones.'),
  defineOp({
    name: 'eye', args: 1, category: 'construction', constArgs: [0],
    signature: 'eye(n)', doc: 'The n×n identity matrix.', inputs: ['n'],
    forward: ([nv]) => {
      const n = intArg(nv, 'eye: n');
      checkSize(n, n);
      const m = new Matrix(n, n, new Float64Array(n * n));
      for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
      return normalize(m);
    },
  }),
  random('randn', 'r×c standard normal draws from a seeded generator (seed defaults to 0): the same seed, the same matrix.', (g) => g.randn()),
  random('rand', 'r×c uniform draws in [0, 1) from a seeded generator (seed defaults to 0).', (g) => g.rand()),
  defineOp({
    name: 'reshape', args: 3, category: 'shape', constArgs: [1, 2],
    signature: 'reshape(x, r, c)', doc: 'The same entries, row by row, in an r×c matrix.', inputs: ['x', 'r', 'c'],
    rule: ['reshape(g, size(x, 0), size(x, 1))', null, null],
    forward: ([x, r, c]) => {
      const [rows, cols] = sized('reshape', r, c);
      if (rows * cols !== sizeOf(x)) throw new OpError('SHAPE', `reshape: cannot put ${shapeText(x)} (${sizeOf(x)} entries) into ${rows}×${cols}`);
      return normalize(new Matrix(rows, cols, matrixArg(x).data.slice()));
    },
    vjp: [
      (g, [x]) => {
        if (typeof x === 'number') return typeof g === 'number' ? g : g.data[0];
        return new Matrix(x.rows, x.cols, matrixArg(g).data.slice());
      },
      null,
      null,
    ],
  }),
  defineOp({
    name: 'rows', args: 3, category: 'shape', constArgs: [1, 2],
    signature: 'rows(x, from, to)', doc: 'Rows from … to−1 (0-based, end excluded, as NumPy x[from:to]).',
    inputs: ['x', 'from', 'to'],
    rule: ['put_rows(g, from, x)', null, null],
    forward: ([x, f, t]) => {
      const m = matrixArg(x);
      const [a, b] = rowSpan(m, f, t);
      return normalize(new Matrix(b - a, m.cols, m.data.slice(a * m.cols, b * m.cols)));
    },
    vjp: [
      (g, [x, f, t]) => {
        const m = matrixArg(x);
        const [a] = rowSpan(m, f, t);
        const out = new Matrix(m.rows, m.cols, new Float64Array(m.data.length));
        out.data.set(matrixArg(g).data, a * m.cols);
        return typeof x === 'number' ? out.data[0] : out;
      },
      null,
      null,
    ],
  }),
];

function rowSpan(m: Matrix, f: Value, t: Value): [number, number] {
  const a = intArg(f, 'rows: from'), b = intArg(t, 'rows: to');
  if (b < a || b > m.rows) throw new OpError('ARG', `rows: ${a}…${b} is not a row range of a ${m.rows}×${m.cols} matrix (0 ≤ from ≤ to ≤ ${m.rows})`);
  return [a, b];
}
