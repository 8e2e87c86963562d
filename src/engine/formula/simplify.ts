// A gradient rule made readable before it is printed: the registry writes each rule once for
// every case (`pow: da = g * where(b == 0, 0, b * a^(b - 1))`), and with the exponent a literal 2
// that reads `np.where((2 == 0) * 1.0, 0, 2 * h ** 1)`. This folds what is known when the
// sheet is exported — comparisons and whole-number arithmetic of literals, `x^1`, `x*1`,
// `x/1`, `x-0`, `--x`, a `where` whose condition is a literal — into `2 * h`. Every rewrite
// keeps the value bit for bit (the sign of a zero included) and the shape (a `where` is decided only when the dropped branch is a
// scalar, so no broadcast is lost) and folds with the engine's own scalar arithmetic. Used by
// the NumPy printer (export/script.ts) and the typeset rules (explain/latex.ts). Iterative
// (formula/fold.ts): no formula depth can overflow the stack.
import { foldExpr } from './fold';
import type { Expr } from './parse';

/** A name's value when it is a literal scalar known at this point (the exponent 2), else undefined. */
export type KnownNumber = (name: string) => number | undefined;

const FOLD: Readonly<Record<string, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  lt: (a, b) => (a < b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
};
const COMPARISON = new Set(['lt', 'gt', 'le', 'ge', 'eq', 'ne']);

const num = (v: number, pos: number): Expr => ({ k: 'num', v, pos });
const isNum = (e: Expr, v?: number): e is { k: 'num'; v: number; pos: number } => e.k === 'num' && (v === undefined || Object.is(e.v, v)); // 0 is +0: x - (-0) is +0 for x = -0

/** The rule with what is known folded away (a new tree; `root` is left as it is). */
export function simplifyExpr(root: Expr, known?: KnownNumber): Expr {
  return foldExpr<Expr>(root, (e, kids) => {
    if (e.k === 'ref') {
      const v = known?.(e.name);
      return v === undefined || !Number.isFinite(v) ? e : num(v, e.pos);
    }
    return e.k === 'call' ? rewrite(e.fn, kids, e.pos) : e; // numbers, matrices, ranges: as written
  });
}

function rewrite(fn: string, args: Expr[], pos: number): Expr {
  const call = (): Expr => ({ k: 'call', fn, args, pos });
  const [a, b] = args;
  if (args.length === 1 && fn === 'neg') {
    if (isNum(a)) return num(-a.v, pos);
    if (a.k === 'call' && a.fn === 'neg') return a.args[0];
    return call();
  }
  if (args.length === 2 && FOLD[fn] && isNum(a) && isNum(b)) {
    const v = FOLD[fn](a.v, b.v);
    // Comparisons always; arithmetic only over whole numbers (2 - 1, not 1 - 0.9 = 0.09999999999999998).
    if (COMPARISON.has(fn) || (Number.isInteger(a.v) && Number.isInteger(b.v) && Number.isInteger(v))) return num(v, pos);
    return call();
  }
  if (args.length === 2) {
    switch (fn) {
      case 'pow':
        if (isNum(b, 1)) return a;
        break;
      case 'mul':
        if (isNum(b, 1)) return a;
        if (isNum(a, 1)) return b;
        if (isNum(b, -1)) return rewrite('neg', [a], pos);
        if (isNum(a, -1)) return rewrite('neg', [b], pos);
        break;
      case 'div':
        if (isNum(b, 1)) return a;
        break;
      // x + 0 and 0 - x stay: for x = 0 they are +0 where x and -x are -0 (1/x would change sign).
      case 'sub':
        if (isNum(b, 0)) return a;
        break;
    }
  }
  // where(c, x, y) with c known: the branch taken, when the other is a scalar (its shape is no loss).
  if (fn === 'where' && args.length === 3 && isNum(a)) {
    const [take, drop] = a.v !== 0 ? [args[1], args[2]] : [args[2], args[1]]; // NaN is non-zero, as in the engine and NumPy
    if (drop.k === 'num') return take;
  }
  return call();
}
