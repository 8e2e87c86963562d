// check(a, b) and the gradient ops. check compares two values to a relative tolerance and
// is 1 when they agree, 0 when not, so checks can be counted in formulas. grad and numgrad
// read other cells and are evaluated by the engine itself (see eval/gradients.ts).
import { Matrix, OpError, type Value, shapeOf, shapeText, toScalar } from '../tensor/value';
import { defineOp, type OpDef } from './define';

export const DEFAULT_CHECK_TOL = 1e-6;

/**
 * Relative error between a and b: the largest entrywise difference over the largest
 * magnitude of either (infinity norms), 0 when both are exactly zero. NaN when either
 * holds a non-finite entry, so such checks always fail.
 */
export function relativeError(a: Value, b: Value): number {
  const [ar, ac] = shapeOf(a), [br, bc] = shapeOf(b);
  if (ar !== br || ac !== bc) throw new OpError('SHAPE', `check: shapes ${shapeText(a)} and ${shapeText(b)} differ`);
  const n = ar * ac;
  const at = (v: Value, i: number) => (typeof v === 'number' ? v : (v as Matrix).data[i]);
  let diff = 0, scale = 0;
  for (let i = 0; i < n; i++) {
    const x = at(a, i), y = at(b, i);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return NaN;
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(x), Math.abs(y));
  }
  return scale === 0 ? 0 : diff / scale;
}

export const verifyOps: OpDef[] = [
  defineOp({
    name: 'check', args: [2, 3], category: 'verification',
    signature: 'check(a, b, tol)',
    doc: 'Passes (1) when a and b agree to relative error tol (default 1e-6), fails (0) otherwise; shows ✓ or ✗ with the error.',
    inputs: ['a', 'b', 'tol'],
    forward: ([a, b, t], ctx) => {
      const tol = t === undefined ? DEFAULT_CHECK_TOL : toScalar(t, 'check: tolerance');
      if (!(tol >= 0)) throw new OpError('ARG', `check: tolerance must be ≥ 0, got ${tol}`);
      const relErr = relativeError(a, b);
      const pass = relErr <= tol;
      // Several checks in one formula: the first failure is the one reported.
      if (!ctx.meta.check || ctx.meta.check.pass) ctx.meta.check = { pass, relErr, tol };
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
