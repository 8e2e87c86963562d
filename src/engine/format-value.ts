// Text renderings of values shared by the CLI and the app.
import type { Value } from './tensor/value';

/** A number in at most `digits` significant digits, without trailing zeros (1e-7 style for tiny/huge). */
export function formatNumber(x: number, digits = 6): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e9) {
    const s = x.toPrecision(digits);
    return s.includes('e') ? s : s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }
  return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

/** A matrix as text rows, eliding the middle of large ones. */
export function formatValue(v: Value | null, maxRows = 6, maxCols = 8): string {
  if (v === null) return '';
  if (typeof v === 'number') return formatNumber(v);
  const rowIdx = elide(v.rows, maxRows);
  const colIdx = elide(v.cols, maxCols);
  const lines = rowIdx.map((i) =>
    i < 0 ? '  …' : '[' + colIdx.map((j) => (j < 0 ? '…' : formatNumber(v.data[i * v.cols + j]))).join(', ') + ']',
  );
  return '[' + lines.join(',\n ') + ']';
}

function elide(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const head = Math.ceil((max - 1) / 2), tail = max - 1 - head;
  return [...Array.from({ length: head }, (_, i) => i), -1, ...Array.from({ length: tail }, (_, i) => n - tail + i)];
}
