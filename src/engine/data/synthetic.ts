// The small 2-D data sets of the lecture notes and of TensorFlow Playground, as plain
// functions of their sizes and seed: the CS231n spiral, XOR, two moons, two circles.
// Every set is float64 and seeded with the one stream the whole product shares (mulberry32
// with Box–Muller, the peers' makeRng), so the same seed gives the same numbers in the app,
// the CLI and the peer benchmarks. Rows are grouped by class (class 0 first); nothing is
// shuffled — minibatch() shuffles.
import { makeRng } from '../ops/construct';
import { Matrix, OpError } from '../tensor/value';

/** At most this many points in one synthetic set (a million rows is already far past any lecture example). */
export const MAX_POINTS = 1_000_000;

/**
 * numpy.linspace(start, stop, num): start + i·step, the last entry exactly stop. With num = 1
 * numpy gives [start] (the peers' JS copy would give [stop]; no peer ever asks for one point).
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

export function checkPoints(what: string, points: number): void {
  if (points > MAX_POINTS) throw new OpError('SIZE', `${what}: ${points} points is more than the limit of ${MAX_POINTS}`);
}

/**
 * The CS231n spiral: for class j, r = linspace(0, 1, N), t = linspace(4j, 4(j+1), N) + 0.2·randn,
 * the point (r·sin t, r·cos t). The normals are drawn class by class, point by point — the
 * order of the CS231n notes and of the peers' makeSpiral, so the numbers agree bit for bit.
 */
export function spiralData(N: number, K: number, seed: number): Matrix {
  checkPoints('spiral', N * K);
  const { randn } = makeRng(seed);
  const X = new Float64Array(N * K * 2);
  for (let j = 0; j < K; j++) {
    const r = linspace(0, 1, N);
    const t = linspace(j * 4, (j + 1) * 4, N);
    for (let i = 0; i < N; i++) {
      const tt = t[i] + randn() * 0.2;
      const row = N * j + i;
      X[2 * row] = r[i] * Math.sin(tt);
      X[2 * row + 1] = r[i] * Math.cos(tt);
    }
  }
  return new Matrix(N * K, 2, X);
}

/** Class labels 0…K−1 as an (N·K)×1 column, N rows of each class in turn. */
export function classLabels(what: string, N: number, K: number): Matrix {
  checkPoints(what, N * K);
  const y = new Float64Array(N * K);
  for (let j = 0; j < K; j++) y.fill(j, N * j, N * (j + 1));
  return new Matrix(N * K, 1, y);
}

export function xorData(): Matrix {
  return Matrix.fromRows([[0, 0], [0, 1], [1, 0], [1, 1]]);
}

export function xorLabels(): Matrix {
  return Matrix.fromRows([[0], [1], [1], [0]]);
}

/** Adds noise·randn to every entry, row by row (x then y), as sklearn adds normal(scale=noise, size=X.shape). */
function addNoise(X: Float64Array, noise: number, seed: number): void {
  const { randn } = makeRng(seed);
  for (let i = 0; i < X.length; i++) X[i] += noise * randn();
}

/**
 * scikit-learn's make_moons(2N, noise, shuffle=False): N points on the upper half circle
 * (cos, sin) of angle linspace(0, π, N) — class 0 — then N on the lower one shifted to
 * (1 − cos, 0.5 − sin) — class 1; plus Gaussian noise of standard deviation `noise`.
 */
export function moonsData(N: number, noise: number, seed: number): Matrix {
  checkPoints('moons', 2 * N);
  const a = linspace(0, Math.PI, N);
  const X = new Float64Array(4 * N);
  for (let i = 0; i < N; i++) {
    X[2 * i] = Math.cos(a[i]);
    X[2 * i + 1] = Math.sin(a[i]);
    X[2 * (N + i)] = 1 - Math.cos(a[i]);
    X[2 * (N + i) + 1] = 1 - Math.sin(a[i]) - 0.5;
  }
  addNoise(X, noise, seed);
  return new Matrix(2 * N, 2, X);
}

/**
 * scikit-learn's make_circles(2N, noise, factor, shuffle=False): N points on the unit circle
 * at angles linspace(0, 2π, N, endpoint=False) — class 0 — then the same angles on a circle
 * of radius `factor` (0.8 by default, as in sklearn) — class 1; plus Gaussian noise.
 */
export function circlesData(N: number, noise: number, seed: number, factor = 0.8): Matrix {
  checkPoints('circles', 2 * N);
  const X = new Float64Array(4 * N);
  // endpoint=False: linspace(0, 2π, N + 1) without its last entry.
  const a = linspace(0, 2 * Math.PI, N + 1);
  for (let i = 0; i < N; i++) {
    const c = Math.cos(a[i]), s = Math.sin(a[i]);
    X[2 * i] = c;
    X[2 * i + 1] = s;
    X[2 * (N + i)] = c * factor;
    X[2 * (N + i) + 1] = s * factor;
  }
  addNoise(X, noise, seed);
  return new Matrix(2 * N, 2, X);
}
