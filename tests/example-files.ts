// The example sheets the per-example suites walk. Sheets over the real MNIST digits (8,000
// rows of 784 pixels) take minutes per engine pass on a busy 2-core machine, so the suites
// that compare the engine with the plan, the op graph or the exported scripts walk every
// other example; examples.test.ts still runs every check of every sheet, MNIST included, and
// the training tests train small seeded MNIST versions.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine/engine';
import { readSheet } from '../src/engine/sheet/format';

export const EXAMPLES_DIR = join(__dirname, '..', 'examples');

export function exampleFiles(options: { mnist?: boolean } = {}): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => /^\d+.*\.json$/.test(f))
    .filter((f) => options.mnist || !f.includes('mnist'))
    .sort();
}

/** A fresh engine with an example sheet loaded (a broken example throws, failing its test). */
export function loadExample(file: string): Engine {
  const engine = createEngine();
  const res = readSheet(readFileSync(join(EXAMPLES_DIR, file), 'utf8'), { isFunction: (n) => engine.registry.has(n) });
  if (!res.ok) throw new Error(res.error);
  engine.load(res.doc);
  return engine;
}
