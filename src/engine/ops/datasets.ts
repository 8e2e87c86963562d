// Data sets as ops (SPEC §4): the synthetic 2-D sets, MNIST digits and `data()`, the matrix a
// data cell stores (an imported CSV). All forward-only constants: no gradient flows into sizes,
// seeds or data. Sizes and seeds are constArgs, known when the formula is written. The
// generators are src/engine/data/; MNIST comes through the registry's MnistSource.
import { circlesData, classLabels, moonsData, spiralData, xorData, xorLabels } from '../data/synthetic';
import { MNIST_PIXELS, type DigitSet, type MnistSource, PIXEL_VALUES } from '../data/mnist';
import { OpError } from '../errors';
import { Matrix, type Value, toScalar } from '../tensor/value';
import { defineOp, type OpDef } from './define';
import { intArg } from './helpers';


/** A seed for mulberry32: a whole number that fits its 32-bit state (larger ones would alias). */
function seedArg(v: Value, what: string): number {
  const s = intArg(v, what);
  if (s > 0xffffffff) throw new OpError('ARG', `${what} must be at most 4294967295, got ${s}`);
  return s;
}

function noiseArg(v: Value, what: string): number {
  const x = toScalar(v, what);
  if (!Number.isFinite(x) || x < 0) throw new OpError('ARG', `${what} must be a standard deviation ≥ 0, got ${x}`);
  return x;
}

/** A two-class set `name(N, noise, seed[, factor])` and its labels `name_labels(N)`. */
function twoClassSet(
  name: 'moons' | 'circles',
  doc: string,
  make: (N: number, noise: number, seed: number, factor: Value | undefined) => Matrix,
  hasFactor = false,
): OpDef[] {
  return [
    defineOp({
      name, args: hasFactor ? [3, 4] : 3, category: 'data', constArgs: hasFactor ? [0, 1, 2, 3] : [0, 1, 2],
      signature: `${name}(N, noise, seed${hasFactor ? ', factor' : ''})`, doc, inputs: hasFactor ? ['N', 'noise', 'seed', 'factor'] : ['N', 'noise', 'seed'],
      forward: ([n, noise, seed, factor]) =>
        make(intArg(n, `${name}: N`, 1), noiseArg(noise, `${name}: noise`), seedArg(seed, `${name}: seed`), factor),
    }),
    defineOp({
      name: `${name}_labels`, args: 1, category: 'data', constArgs: [0],
      signature: `${name}_labels(N)`, doc: `The 2N×1 labels of ${name}(N, …): N zeros, then N ones.`, inputs: ['N'],
      forward: ([n]) => classLabels(`${name}_labels`, intArg(n, `${name}_labels: N`, 1), 2),
    }),
  ];
}

function digitSet(name: string, source: MnistSource, side: 'train' | 'test'): DigitSet {
  const a = source.digits();
  if ('loading' in a) throw new OpError('LOADING', 'loading MNIST digits…');
  if ('unavailable' in a) throw new OpError('VALUE', `${name}: ${a.unavailable}`);
  return a.ready[side];
}

function mnistOps(source: MnistSource): OpDef[] {
  const ops: OpDef[] = [];
  for (const side of ['train', 'test'] as const) {
    const which = side === 'train' ? 'training' : 'test';
    const take = (name: string, nv: Value): { set: DigitSet; n: number } => {
      const n = intArg(nv, `${name}: n`, 1);
      const set = digitSet(name, source, side);
      if (n > set.count) throw new OpError('ARG', `${name}: asked for ${n} digits, the mnist package has ${set.count} ${which} digits`);
      return { set, n };
    };
    ops.push(
      defineOp({
        name: `mnist_${side}`, args: 1, category: 'data', constArgs: [0],
        signature: `mnist_${side}(n)`, inputs: ['n'],
        doc: `The first n MNIST ${which} digits (n×784, pixels 0…1, row by row of the 28×28 image). Training and test digits never overlap.`,
        forward: ([nv]) => {
          const { set, n } = take(`mnist_${side}`, nv);
          const X = new Float64Array(n * MNIST_PIXELS);
          for (let i = 0; i < X.length; i++) X[i] = PIXEL_VALUES[set.pixels[i]];
          return new Matrix(n, MNIST_PIXELS, X);
        },
      }),
      defineOp({
        name: `mnist_${side}_labels`, args: 1, category: 'data', constArgs: [0],
        signature: `mnist_${side}_labels(n)`, inputs: ['n'],
        doc: `The digits 0…9 shown by mnist_${side}(n), as an n×1 column.`,
        forward: ([nv]) => {
          const { set, n } = take(`mnist_${side}_labels`, nv);
          return new Matrix(n, 1, Float64Array.from(set.labels.subarray(0, n)));
        },
      }),
    );
  }
  return ops;
}

export const NO_DATA_MESSAGE = 'no data stored in this cell — import a CSV';

/** A data cell's formula (`data()`, `=data()`): re-entering it keeps the stored matrix, there is nothing to reset to. */
export function isDataFormula(formula: string): boolean {
  return /^\s*=?\s*data\s*\(\s*\)\s*$/.test(formula);
}

export function datasetOps(sources: { mnist: MnistSource }): OpDef[] {
  return [
    defineOp({
      name: 'spiral', args: 3, category: 'data', constArgs: [0, 1, 2],
      signature: 'spiral(N, K, seed)', inputs: ['N', 'K', 'seed'],
      doc: 'The CS231n spiral: N points per class, K classes, (N·K)×2, class by class; radius 0…1, angle noise 0.2 (seeded normals).',
      forward: ([n, k, seed]) => spiralData(intArg(n, 'spiral: N', 1), intArg(k, 'spiral: K', 1), seedArg(seed, 'spiral: seed')),
    }),
    defineOp({
      name: 'spiral_labels', args: 2, category: 'data', constArgs: [0, 1],
      signature: 'spiral_labels(N, K)', doc: 'The (N·K)×1 class labels 0…K−1 of spiral(N, K, seed).', inputs: ['N', 'K'],
      forward: ([n, k]) => classLabels('spiral_labels', intArg(n, 'spiral_labels: N', 1), intArg(k, 'spiral_labels: K', 1)),
    }),
    defineOp({
      name: 'xor', args: 0, category: 'data', signature: 'xor()', inputs: [],
      doc: 'The four XOR inputs [[0, 0], [0, 1], [1, 0], [1, 1]].',
      forward: () => xorData(),
    }),
    defineOp({
      name: 'xor_labels', args: 0, category: 'data', signature: 'xor_labels()', inputs: [],
      doc: 'The XOR targets [[0], [1], [1], [0]].',
      forward: () => xorLabels(),
    }),
    ...twoClassSet(
      'moons',
      'Two interleaving half circles (scikit-learn make_moons): N points per moon, 2N×2, upper moon first; Gaussian noise of std `noise`.',
      (N, noise, seed) => moonsData(N, noise, seed),
    ),
    ...twoClassSet(
      'circles',
      'Two concentric circles (scikit-learn make_circles): N points per circle, 2N×2, outer first; inner radius `factor` (default 0.8); Gaussian noise of std `noise`.',
      (N, noise, seed, f) => {
        const factor = f === undefined ? 0.8 : toScalar(f, 'circles: factor');
        if (!(factor >= 0 && factor < 1)) throw new OpError('ARG', `circles: factor must be in [0, 1), got ${factor}`);
        return circlesData(N, noise, seed, factor);
      },
      true,
    ),
    ...mnistOps(sources.mnist),
    defineOp({
      name: 'data', args: 0, category: 'data', signature: 'data()', inputs: [],
      doc: 'The matrix stored with this cell: an imported or pasted CSV (saved in the sheet file).',
      // The engine shows a cell's stored value in place of its formula; reaching here means none is stored.
      forward: () => {
        throw new OpError('VALUE', NO_DATA_MESSAGE);
      },
    }),
  ];
}
