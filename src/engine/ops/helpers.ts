// Small helpers shared by the op families: shape-aware unbroadcast of a gradient to an
// input, Expr builders for composite ops, and argument readers with clear messages.
import type { Expr } from '../formula/parse';
import { unbroadcast } from '../tensor/kernels';
import { OpError } from '../errors';
import { type Value, toScalar } from '../tensor/value';

/** ∂L/∂input from a gradient shaped like the (broadcast) output: sum it back to the input's shape. */
export function toShapeOf(g: Value, input: Value): Value {
  if (typeof input === 'number') return typeof g === 'number' ? g : unbroadcast(g, 1, 1);
  return unbroadcast(g, input.rows, input.cols);
}

export function call(fn: string, ...args: Expr[]): Expr {
  return { k: 'call', fn, args, pos: args[0]?.pos ?? 0 };
}

export function num(v: number): Expr {
  return { k: 'num', v, pos: 0 };
}

/** A whole number argument (sizes, seeds, class counts). */
export function intArg(v: Value, what: string, min = 0): number {
  const x = toScalar(v, what);
  if (!Number.isInteger(x) || x < min) throw new OpError('ARG', `${what} must be a whole number ≥ ${min}, got ${x}`);
  return x;
}

/** An axis argument: 0 (down the rows) or 1 (along the columns), as in NumPy. */
export function axisArg(v: Value): 0 | 1 {
  const x = toScalar(v, 'axis');
  if (x !== 0 && x !== 1) throw new OpError('ARG', `axis must be 0 or 1, got ${x}`);
  return x;
}

/** tensor/value's asMatrix under the name the op files still call it by; remove once they import asMatrix. */
export { asMatrix as matrixArg } from '../tensor/value';

/** Overflow-safe logistic function. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
