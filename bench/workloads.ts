// The benchmark workloads as sheets, shared by the Node bench (bench/run.ts) and anything
// else that wants the same work: the scalar chain of the HyperFormula peer, a wide fork,
// and the CS231n spiral 2-layer MLP with the peers' data and initial weights.
import { formatAddress, MAX_ROW } from '../src/engine/formula/address';
import type { CellDoc, SheetDoc } from '../src/engine/sheet/document';

/** The i-th cell of a chain laid down column by column (A1…A9999, B1…). */
export function chainAddress(i: number): string {
  return formatAddress(Math.floor(i / MAX_ROW), i % MAX_ROW);
}

/** A(i) = A(i−1)·0.999 + 1, as the HyperFormula peer, plus grad of the last cell. */
export function chainSheet(n: number): { doc: SheetDoc; first: string; last: string; gradAt: string } {
  const cells: CellDoc[] = [{ at: chainAddress(0), formula: '1' }];
  for (let i = 1; i < n; i++) cells.push({ at: chainAddress(i), formula: `${chainAddress(i - 1)}*0.999+1` });
  const gradAt = 'ZZ1';
  cells.push({ at: gradAt, formula: `grad(${chainAddress(n - 1)})` });
  return { doc: { gradsheet: 1, cells }, first: chainAddress(0), last: chainAddress(n - 1), gradAt };
}

/** x feeds `width` cells x·k; L sums them through a range: a fork of `width` ways. */
export function forkSheet(width: number): { doc: SheetDoc; input: string } {
  const cells: CellDoc[] = [{ at: 'A1', name: 'x', formula: '0.5' }];
  for (let i = 0; i < width; i++) cells.push({ at: formatAddress(1, i), formula: `tanh(x * ${(i % 7) + 1})` });
  cells.push({ at: 'C1', name: 'L', formula: `sum(B1:B${width})` });
  cells.push({ at: 'C2', formula: 'grad(L)' });
  return { doc: { gradsheet: 1, cells }, input: 'A1' };
}

export interface SpiralData {
  X: Float64Array; // n×2
  y: Int32Array;
  W1: Float64Array; // 2×H
  W2: Float64Array; // H×K
  n: number;
  H: number;
  K: number;
}

const rows = (d: ArrayLike<number>, r: number, c: number): number[][] =>
  Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => d[i * c + j]));

/** The 2-layer ReLU MLP of CS231n (reg 1e-3) on the spiral, with its data and weights as parameter values. */
export function spiralSheet(s: SpiralData): SheetDoc {
  const { n, H, K } = s;
  return {
    gradsheet: 1,
    title: 'CS231n spiral, 2-layer ReLU MLP',
    cells: [
      { at: 'A1', name: 'X', formula: `zeros(${n}, 2)`, value: rows(s.X, n, 2) },
      { at: 'A2', name: 'y', formula: `zeros(${n}, 1)`, value: rows(Float64Array.from(s.y), n, 1) },
      { at: 'A3', name: 'w1', formula: `0.01 * randn(2, ${H}, 3)`, value: rows(s.W1, 2, H) },
      { at: 'A4', name: 'b1', formula: `zeros(1, ${H})`, value: rows(new Float64Array(H), 1, H) },
      { at: 'A5', name: 'w2', formula: `0.01 * randn(${H}, ${K}, 4)`, value: rows(s.W2, H, K) },
      { at: 'A6', name: 'b2', formula: `zeros(1, ${K})`, value: rows(new Float64Array(K), 1, K) },
      { at: 'A7', name: 'reg', formula: '0.001' },
      { at: 'B1', name: 'hidden', formula: 'relu(X @ w1 + b1)' },
      { at: 'B2', name: 'scores', formula: 'hidden @ w2 + b2' },
      { at: 'B3', name: 'loss', formula: 'cross_entropy(scores, y) + 0.5 * reg * sum(w1 * w1) + 0.5 * reg * sum(w2 * w2)' },
      { at: 'C1', formula: 'grad(loss)' },
    ],
  };
}

/** One n×n random matrix: `gradsheet eval --json` must stream it in bounded memory. */
export function bigMatrixSheet(n: number): SheetDoc {
  return { gradsheet: 1, cells: [{ at: 'A1', formula: `randn(${n}, ${n}, 1)` }] };
}

/** numgrad(sum(W*W), W) with W n×n: far beyond the work bound, it must refuse at once. */
export function numgradBoundSheet(n: number): SheetDoc {
  return {
    gradsheet: 1,
    cells: [
      { at: 'A1', name: 'W', formula: `randn(${n}, ${n}, 1)` },
      { at: 'A2', name: 'L', formula: 'sum(W * W)' },
    ],
  };
}
