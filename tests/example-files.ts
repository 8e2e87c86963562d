// The example sheets the per-example suites walk. Sheets over the real MNIST digits (8,000
// rows of 784 pixels) take minutes per engine pass on a busy 2-core machine, so the suites
// that compare the engine with the plan, the op graph or the exported scripts walk every
// other example; examples.test.ts still runs every check of every sheet, MNIST included, and
// the training tests train small seeded MNIST versions.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const EXAMPLES_DIR = join(__dirname, '..', 'examples');

export function exampleFiles(options: { mnist?: boolean } = {}): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => /^\d+.*\.json$/.test(f))
    .filter((f) => options.mnist || !f.includes('mnist'))
    .sort();
}
