// The standard op registry. Build a fresh one per engine (no global mutable state leaks
// between engines or tests); extra ops can be added to an instance.
import { adjointOps } from './adjoint';
import { arithmeticOps } from './arithmetic';
import { constructOps } from './construct';
import { Registry } from './define';
import { elementwiseOps } from './elementwise';
import { extremaOps } from './extrema';
import { neuralOps } from './neural';
import { reduceOps } from './reduce';
import { trainingOps } from './training';
import { verifyOps } from './verify';

export function createRegistry(): Registry {
  return new Registry([
    ...arithmeticOps, ...elementwiseOps, ...extremaOps, ...reduceOps, ...neuralOps, ...constructOps, ...adjointOps, ...verifyOps, ...trainingOps,
  ]);
}

export { Registry } from './define';
export type { OpDef, Vjp } from './define';
