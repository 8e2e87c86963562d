// How each registry op is written in Python: ONE table, one entry per op, for NumPy and (for
// the forward pass) PyTorch. The exporter prints every forward step and every gradient rule
// through it, so the backward code is generated from the registry's rules and no op's
// derivative is written here a second time. An entry gets its arguments already printed, with
// their shapes (known at export time) and, for literals, their numbers, and returns the printed
// call with its shape — so `sum_to(g, b)` can print as `dscores.sum(axis=0, keepdims=True)`
// for a 1×K bias and vanish where no broadcasting happened.
export type Shape = readonly [number, number];

/** A printed Python expression. */
export interface Py {
  code: string;
  /** Python precedence of its outermost operator (higher binds tighter). */
  prec: number;
  shape: Shape;
  /** The number, when the expression is a literal scalar (axis, sizes, constants). */
  num?: number;
  /** True when the value is a new array (not a view or another variable): `+=` into it is safe. */
  fresh?: boolean;
}

export type Dialect = 'numpy' | 'pytorch';

export const PREC = { atom: 100, pow: 16, unary: 15, mul: 14, add: 13, cmp: 10 } as const;

const SCALAR: Shape = [1, 1];

/** A number as Python source (`np.inf` and `np.nan` for the non-finite ones). */
export function pyNumber(x: number, d: Dialect = 'numpy'): Py {
  const m = d === 'numpy' ? 'np' : 'math';
  if (Number.isNaN(x)) return { code: `${m}.nan`, prec: PREC.atom, shape: SCALAR, num: x };
  if (!Number.isFinite(x)) return { code: x > 0 ? `${m}.inf` : `-${m}.inf`, prec: x > 0 ? PREC.atom : PREC.unary, shape: SCALAR, num: x };
  const code = Object.is(x, -0) ? '-0.0' : String(x);
  return { code, prec: x < 0 || Object.is(x, -0) ? PREC.unary : PREC.atom, shape: SCALAR, num: x };
}

function wrap(p: Py, min: number): string {
  return p.prec >= min ? p.code : `(${p.code})`;
}

function broadcast(a: Shape, b: Shape): Shape {
  return [Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

const isScalar = (s: Shape) => s[0] === 1 && s[1] === 1;
const same = (a: Shape, b: Shape) => a[0] === b[0] && a[1] === b[1];

function binary(symbol: string, prec: number, fold?: (x: number, y: number) => number) {
  return (_d: Dialect, [a, b]: Py[]): Py => {
    if (fold && a.num !== undefined && b.num !== undefined && Number.isInteger(a.num) && Number.isInteger(b.num)) return pyNumber(fold(a.num, b.num));
    // Left-associative: the right operand binds tighter; ** is right-associative.
    const right = symbol === '**' ? prec - 1 : prec + 1;
    const left = symbol === '**' ? prec + 1 : prec;
    return { code: `${wrap(a, left)} ${symbol} ${wrap(b, right)}`, prec, shape: broadcast(a.shape, b.shape), fresh: true };
  };
}

function call(d: Dialect, fn: string | { numpy: string; pytorch: string }, args: Py[], shape: Shape, fresh = true): Py {
  const name = typeof fn === 'string' ? fn.replace(/^m\./, d === 'numpy' ? 'np.' : 'torch.') : fn[d];
  return { code: `${name}(${args.map((a) => a.code).join(', ')})`, prec: PREC.atom, shape, fresh };
}

function method(x: Py, text: string, shape: Shape): Py {
  return { code: `${wrap(x, PREC.atom)}.${text}`, prec: PREC.atom, shape, fresh: true };
}

function comparison(symbol: string) {
  return (_d: Dialect, [a, b]: Py[]): Py => ({ code: `(${wrap(a, PREC.cmp + 1)} ${symbol} ${wrap(b, PREC.cmp + 1)}) * 1.0`, prec: PREC.mul, shape: broadcast(a.shape, b.shape), fresh: true });
}

function elementwise(fn: string | { numpy: string; pytorch: string }) {
  return (d: Dialect, [x]: Py[]): Py => call(d, fn, [x], x.shape);
}

/** sum / mean over everything, or with kept dims along an axis. */
function reduction(kind: 'sum' | 'mean') {
  return (d: Dialect, [x, axis]: Py[]): Py => {
    if (isScalar(x.shape)) return x;
    if (axis === undefined) return method(x, `${kind}()`, SCALAR);
    const ax = axis.num!;
    const shape: Shape = ax === 0 ? [1, x.shape[1]] : [x.shape[0], 1];
    return method(x, d === 'numpy' ? `${kind}(axis=${ax}, keepdims=True)` : `${kind}(dim=${ax}, keepdim=True)`, shape);
  };
}

/** x summed down to the shape of like: the adjoint of broadcasting, written as the axis sums it is. */
function sumTo(d: Dialect, [x, like]: Py[]): Py {
  const [xs, ls] = [x.shape, like.shape];
  if (same(xs, ls)) return x;
  if (isScalar(ls)) return method(x, 'sum()', SCALAR);
  const kw = (ax: number) => (d === 'numpy' ? `sum(axis=${ax}, keepdims=True)` : `sum(dim=${ax}, keepdim=True)`);
  if (ls[0] === 1 && ls[1] === xs[1]) return method(x, kw(0), ls);
  if (ls[1] === 1 && ls[0] === xs[0]) return method(x, kw(1), ls);
  return call(d, '_sum_to', [x, like], ls);
}

function broadcastTo(d: Dialect, [x, like]: Py[]): Py {
  if (same(x.shape, like.shape)) return x;
  const shape = `(${like.shape[0]}, ${like.shape[1]})`;
  return { code: d === 'numpy' ? `np.broadcast_to(${x.code}, ${shape})` : `${wrap(x, PREC.atom)}.expand${shape}`, prec: PREC.atom, shape: like.shape, fresh: false };
}

const literalInt = (p: Py | undefined, what: string): number => {
  if (p?.num === undefined || !Number.isInteger(p.num)) throw new Error(`export: ${what} must be a whole number known when the sheet is exported`);
  return p.num;
};

type Spelling = (d: Dialect, args: Py[]) => Py;

/**
 * The table. Keys are registry op names (and the helper ops the gradient rules use). Ops whose
 * arguments are all literals (zeros, randn, data sets) are never spelled: the exporter writes
 * their value, as the sheet computed it.
 */
export const SPELLING: Readonly<Record<string, Spelling>> = {
  add: binary('+', PREC.add, (x, y) => x + y),
  sub: binary('-', PREC.add, (x, y) => x - y),
  mul: binary('*', PREC.mul, (x, y) => x * y),
  div: binary('/', PREC.mul),
  pow: binary('**', PREC.pow),
  neg: (_d, [x]) => (x.num !== undefined ? pyNumber(-x.num) : { code: `-${wrap(x, PREC.unary)}`, prec: PREC.unary, shape: x.shape, fresh: true }),
  matmul: (d, [a, b]) =>
    isScalar(a.shape) || isScalar(b.shape)
      ? binary('*', PREC.mul)(d, [a, b])
      : { code: `${wrap(a, PREC.mul)} @ ${wrap(b, PREC.mul + 1)}`, prec: PREC.mul, shape: [a.shape[0], b.shape[1]], fresh: true },
  transpose: (_d, [x]) => (isScalar(x.shape) ? x : { code: `${wrap(x, PREC.atom)}.T`, prec: PREC.atom, shape: [x.shape[1], x.shape[0]], fresh: false }),
  dot: (d, [a, b]) => call(d, { numpy: 'np.vdot', pytorch: '_vdot' }, [a, b], SCALAR),
  lt: comparison('<'),
  gt: comparison('>'),
  le: comparison('<='),
  ge: comparison('>='),
  eq: comparison('=='),
  ne: comparison('!='),
  exp: elementwise('m.exp'),
  log: elementwise('m.log'),
  sqrt: elementwise('m.sqrt'),
  abs: elementwise('m.abs'),
  tanh: elementwise('m.tanh'),
  sign: elementwise('m.sign'),
  sigmoid: elementwise('_sigmoid'),
  relu: elementwise({ numpy: '_relu', pytorch: 'torch.relu' }),
  max: (d, [a, b]) => (b === undefined ? call(d, 'm.amax', [a], SCALAR) : call(d, { numpy: 'np.maximum', pytorch: '_maximum' }, [a, b], broadcast(a.shape, b.shape))),
  min: (d, [a, b]) => (b === undefined ? call(d, 'm.amin', [a], SCALAR) : call(d, { numpy: 'np.minimum', pytorch: '_minimum' }, [a, b], broadcast(a.shape, b.shape))),
  maximum: (d, [a, b]) => call(d, { numpy: 'np.maximum', pytorch: '_maximum' }, [a, b], broadcast(a.shape, b.shape)),
  minimum: (d, [a, b]) => call(d, { numpy: 'np.minimum', pytorch: '_minimum' }, [a, b], broadcast(a.shape, b.shape)),
  amax: (d, [x]) => call(d, 'm.amax', [x], SCALAR),
  amin: (d, [x]) => call(d, 'm.amin', [x], SCALAR),
  heaviside: (d, [x, h]) => call(d, { numpy: 'np.heaviside', pytorch: '_heaviside' }, [x, h], broadcast(x.shape, h.shape)),
  where: (d, [c, a, b]) => call(d, { numpy: 'np.where', pytorch: '_where' }, [c, a, b], broadcast(c.shape, broadcast(a.shape, b.shape))),
  sum: reduction('sum'),
  mean: reduction('mean'),
  size: (_d, [x, axis]) => pyNumber(axis === undefined ? x.shape[0] * x.shape[1] : x.shape[literalInt(axis, 'size: axis')]),
  sum_to: sumTo,
  broadcast_to: broadcastTo,
  same_shape: (_d, [p]) => p,
  reshape: (d, [x, r, c]) => {
    const shape: Shape = [literalInt(r, 'reshape: rows'), literalInt(c, 'reshape: columns')];
    return same(x.shape, shape) ? x : call(d, 'm.reshape', [x, { code: `(${shape[0]}, ${shape[1]})`, prec: PREC.atom, shape: SCALAR }], shape, false);
  },
  rows: (_d, [x, f, t]) => {
    const [a, b] = [literalInt(f, 'rows: from'), literalInt(t, 'rows: to')];
    return { code: `${wrap(x, PREC.atom)}[${a}:${b}]`, prec: PREC.atom, shape: [b - a, x.shape[1]], fresh: false };
  },
  put_rows: (d, [x, f, like]) => call(d, '_put_rows', [x, f, like], like.shape),
  // Training (SPEC §4): a parameter is its value; take gathers rows, its gradient scatters them back.
  param: (_d, [x]) => x,
  take: (d, [x, idx]) => call(d, '_take', [x, idx], [idx.shape[0] * idx.shape[1], x.shape[1]]),
  scatter_rows: (d, [x, idx, like]) => call(d, '_scatter_rows', [x, idx, like], like.shape),
  softmax: (d, [x]) => call(d, '_softmax', [x], x.shape),
  log_softmax: (d, [x]) => call(d, '_log_softmax', [x], x.shape),
  logsumexp: (d, [x]) => call(d, '_logsumexp', [x], [x.shape[0], 1]),
  targets: (d, [s, l]) => call(d, '_targets', [s, l], s.shape),
  cross_entropy: (d, [s, l]) => call(d, '_cross_entropy', [s, l], SCALAR),
  onehot: (d, [l, k]) => call(d, '_onehot', [l, k], [l.shape[0] * l.shape[1], literalInt(k, 'onehot: K')]),
  argmax: (d, [x]) => call(d, '_argmax', [x], [x.shape[0], 1]),
  accuracy: (d, [s, l]) => call(d, '_accuracy', [s, l], SCALAR),
  check: (d, args) => call(d, '_check', args, SCALAR),
};

export function spell(op: string, d: Dialect, args: Py[]): Py {
  const s = SPELLING[op];
  if (!s) throw new Error(`export: no ${d === 'numpy' ? 'NumPy' : 'PyTorch'} spelling for the op ${op} (add it to src/engine/export/spell.ts)`);
  return s(d, args);
}
