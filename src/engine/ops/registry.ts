// The standard op registry. Build a fresh one per engine (no global mutable state leaks
// between engines or tests); extra ops can be added to an instance.
import { adjointOps } from './adjoint';
import { arithmeticOps } from './arithmetic';
import { constructOps } from './construct';
import { datasetOps } from './datasets';
import { type MnistSource, unavailableMnist } from '../data/mnist';
import { canReadMnistPackage, nodeMnistSource } from '../data/mnist-node';
import { Registry } from './define';
import { elementwiseOps } from './elementwise';
import { extremaOps } from './extrema';
import { neuralOps } from './neural';
import { reduceOps } from './reduce';
import { trainingOps } from './training';
import { verifyOps } from './verify';

export interface RegistryOptions {
  /**
   * Where mnist_* ops get their digits. Default: under Node, the installed package, read on
   * first use; elsewhere none (the app passes its lazy loader, src/ui/kernel/mnist-loader.ts).
   */
  mnist?: MnistSource;
}

export function createRegistry(options: RegistryOptions = {}): Registry {
  const mnist = options.mnist ?? (canReadMnistPackage() ? nodeMnistSource() : unavailableMnist('MNIST digits are not available here'));
  return new Registry([
    ...arithmeticOps, ...elementwiseOps, ...extremaOps, ...reduceOps, ...neuralOps, ...constructOps, ...adjointOps, ...datasetOps({ mnist }), ...verifyOps, ...trainingOps,
  ]);
}

export { Registry } from './define';
export type { OpDef, Vjp } from './define';
