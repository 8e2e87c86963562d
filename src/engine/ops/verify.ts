// check(a, b) and the gradient ops. check compares two values to a relative tolerance and
// is 1 when they agree, 0 when not, so checks can be counted in formulas. grad and numgrad
// read other cells and are evaluated by the engine itself (see eval/gradients.ts).
import { Matrix, OpError, type Value, shapeOf, shapeText, toScalar } from '../tensor/value';
import { defineOp, type Kink, type OpDef, type Reading } from './define';

export const DEFAULT_CHECK_TOL = 1e-6;

/**
 * Below this magnitude a gradient counts as zero: relative error is measured against
 * max(|a|, |b|, floor), so rounding noise around an exact 0 (−2.8e−17 against 1e−12) is not
 * a relative error of 1. The whole-sheet check scales it by the loss (finite differences
 * carry noise of about ε·|L|/h); a check() cell does not know the loss and uses it as is.
 */
export const COMPARE_FLOOR = 1e-3;

export interface Comparison {
  pass: boolean;
  /** max|a − b| / max(|a|, |b|, floor) over all entries; NaN when an entry is not finite. */
  relErr: number;
  /** max|a − b| (NaN when an entry is not finite). */
  absErr: number;
}

/**
 * The one rule by which Gradsheet says two values agree, used by check() cells and by the
 * whole-sheet gradient check alike: the largest entrywise difference over the largest
 * magnitude of either (infinity norms, floored), at most `tol`. A non-finite entry fails,
 * so the verdict and the number reported beside it can never disagree.
 */
export function compareValues(a: Value, b: Value, tol: number, floor = COMPARE_FLOOR): Comparison {
  const [ar, ac] = shapeOf(a), [br, bc] = shapeOf(b);
  if (ar !== br || ac !== bc) throw new OpError('SHAPE', `check: shapes ${shapeText(a)} and ${shapeText(b)} differ`);
  const n = ar * ac;
  const at = (v: Value, i: number) => (typeof v === 'number' ? v : (v as Matrix).data[i]);
  let diff = 0, scale = floor;
  for (let i = 0; i < n; i++) {
    const x = at(a, i), y = at(b, i);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return { pass: false, relErr: NaN, absErr: NaN };
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(x), Math.abs(y));
  }
  const relErr = scale === 0 ? (diff === 0 ? 0 : Infinity) : diff / scale;
  return { pass: relErr <= tol, relErr, absErr: diff };
}

/** compareValues' relative error with no floor (tests compare exact relative errors with it). */
export function relativeError(a: Value, b: Value): number {
  return compareValues(a, b, Infinity, 0).relErr;
}

/** The sentence a check near a kink shows instead of a verdict on the derivation. */
export function kinkText(k: Kink): string {
  return `finite difference straddles a kink of ${k.op} in ${k.cell}: numgrad is not reliable here`;
}

/**
 * How to read a relative error, as the CS231n notes read a gradient check: ≤ 1e-7 good;
 * ≤ 1e-4 fine near a kink (without one, 1e-4 is too high); up to 1e-2 suspect; above it the
 * derivation is wrong. When the finite difference straddled a kink (`kink`), a large error
 * says nothing about the derivation, and the reading says so instead. The one place these
 * thresholds live: check cells, the inspector and the CLI all read it.
 */
export function readRelativeError(relErr: number, kink: Kink | null): Reading {
  if (!(relErr <= 1e-2) && kink === null) {
    return { level: 'wrong', text: Number.isNaN(relErr) ? 'wrong: not finite' : 'wrong (relative error > 1e-2)' };
  }
  if (relErr <= 1e-7) return { level: 'good', text: 'good (≤ 1e-7)' };
  if (relErr <= 1e-4) {
    return kink ? { level: 'fine', text: `fine near a kink (≤ 1e-4): ${kinkText(kink)}` } : { level: 'suspect', text: 'suspect: ≤ 1e-4 is fine only near a kink' };
  }
  if (kink) return { level: 'suspect', text: kinkText(kink) };
  return { level: 'suspect', text: 'suspect (relative error between 1e-4 and 1e-2)' };
}

export const verifyOps: OpDef[] = [
  defineOp({
    name: 'check', args: [2, 3], category: 'verification',
    signature: 'check(a, b, tol)',
    doc: 'Passes (1) when a and b agree to relative error tol (default 1e-6), measured against max(|a|, |b|, 0.001) so that rounding around 0 is not an error of 1; fails (0) otherwise; shows ✓ or ✗ with the error.',
    inputs: ['a', 'b', 'tol'],
    forward: ([a, b, t], ctx) => {
      const tol = t === undefined ? DEFAULT_CHECK_TOL : toScalar(t, 'check: tolerance');
      if (!(tol >= 0)) throw new OpError('ARG', `check: tolerance must be ≥ 0, got ${tol}`);
      const { pass, relErr } = compareValues(a, b, tol);
      const kink = ctx.kink ?? null;
      // Several checks in one formula: the first failure is the one reported.
      if (!ctx.meta.check || ctx.meta.check.pass) ctx.meta.check = { pass, relErr, tol, kink, reading: readRelativeError(relErr, kink) };
      return pass ? 1 : 0;
    },
  }),
  defineOp({
    name: 'grad', args: [1, 2], category: 'gradient', engineOp: 'grad',
    signature: 'grad(L, X)',
    doc: 'grad(L): run backprop from the scalar cell L; every cell upstream shows ∂L/∂cell (the cell shows L). grad(L, X): the value ∂L/∂X.',
    inputs: ['L', 'X'],
  }),
  defineOp({
    name: 'numgrad', args: 2, category: 'gradient', engineOp: 'numgrad',
    signature: 'numgrad(L, X)',
    doc: 'Central finite-difference gradient of the scalar cell L with respect to cell X (step 1e-5).',
    inputs: ['L', 'X'],
  }),
];
