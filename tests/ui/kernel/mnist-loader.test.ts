// The browser's MNIST loader: nothing is fetched until a sheet calls an mnist_* op; meanwhile
// those cells show #LOADING; when the gzip'd pack arrives the engine recomputes them; a failed
// fetch becomes a #VALUE error that says what went wrong.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeMnistPack, MNIST_PIXELS } from '../../../src/engine/data/mnist';
import { createEngine } from '../../../src/engine/engine';
import { createRegistry } from '../../../src/engine/ops/registry';
import { createMnistLoader, recomputeOnMnist } from '../../../src/ui/kernel/mnist-loader';

/** A tiny pack: 1,000 samples of every digit (800 train + 200 test each), pixel byte = digit. */
function tinyPackFile(): Uint8Array<ArrayBuffer> {
  const digits = Array.from({ length: 10 }, (_, d) => new Uint8Array(1000 * MNIST_PIXELS).fill(d));
  return new Uint8Array(gzipSync(encodeMnistPack({ digits })));
}

function setup(respond: () => Promise<Response>) {
  const calls: string[] = [];
  const loader = createMnistLoader({ url: '/mnist-digits.bin', fetch: (u) => (calls.push(u), respond()) });
  const engine = createEngine({ registry: createRegistry({ mnist: loader.source }) });
  const settled = new Promise<void>((res) => loader.onSettled(() => res()));
  recomputeOnMnist(loader, engine);
  return { calls, engine, settled };
}

describe('createMnistLoader', () => {
  it('fetches nothing for a sheet without mnist_* ops', () => {
    const { calls, engine } = setup(async () => new Response(tinyPackFile()));
    engine.setCell('A1', 'spiral(10, 3, 1)');
    engine.setCell('A2', 'sum(A1)');
    expect(calls).toEqual([]);
  });

  it('mnist_* cells show #LOADING, then their values once the pack arrives (fetched once)', async () => {
    const { calls, engine, settled } = setup(async () => new Response(tinyPackFile()));
    engine.setCell('A1', 'mnist_train_labels(8000)');
    engine.setCell('A2', 'mnist_test(1)');
    engine.setCell('A3', 'sum(mnist_train_labels(8000))');
    expect(engine.get('A1')!.error).toEqual({ kind: 'LOADING', message: 'loading MNIST digits…' });
    expect(engine.get('A3')!.error!.kind).toBe('LOADING');
    await settled;
    expect(calls).toEqual(['/mnist-digits.bin']);
    expect(engine.get('A1')!.shape).toEqual([8000, 1]);
    expect(engine.get('A3')!.value).toBe(800 * 45); // 800 of each digit 0…9
    const test1 = engine.get('A2')!.value;
    expect(test1 && typeof test1 !== 'number' && [test1.rows, test1.cols]).toEqual([1, 784]);
  });

  it('an HTTP error becomes a #VALUE error naming the file and status', async () => {
    const { engine, settled } = setup(async () => new Response('nope', { status: 404 }));
    engine.setCell('A1', 'mnist_test_labels(3)');
    await settled;
    expect(engine.get('A1')!.error).toEqual({ kind: 'VALUE', message: 'mnist_test_labels: could not load the MNIST digits: /mnist-digits.bin answered HTTP 404' });
  });

  it('a file that is not a pack, or a network failure, is a #VALUE error too', async () => {
    const bad = setup(async () => new Response(new Uint8Array(gzipSync(new Uint8Array(10)))));
    bad.engine.setCell('A1', 'mnist_test(1)');
    await bad.settled;
    expect(bad.engine.get('A1')!.error!.message).toBe('mnist_test: /mnist-digits.bin: not a Gradsheet MNIST file (bad header)');
    const down = setup(async () => {
      throw new TypeError('Failed to fetch');
    });
    down.engine.setCell('A1', 'mnist_test(1)');
    await down.settled;
    expect(down.engine.get('A1')!.error!.message).toBe('mnist_test: could not load the MNIST digits from /mnist-digits.bin (Failed to fetch)');
    const garbage = setup(async () => new Response(new Uint8Array([1, 2, 3])));
    garbage.engine.setCell('A1', 'mnist_test(1)');
    await garbage.settled;
    expect(garbage.engine.get('A1')!.error!.message).toMatch(/^mnist_test: \/mnist-digits\.bin is not a readable MNIST file \(/);
  });
});
