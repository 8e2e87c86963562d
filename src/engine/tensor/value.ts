// Values: a scalar is a plain JS number (fast path for scalar sheets); a matrix is a
// row-major Float64Array with its shape. A 1×1 matrix and a scalar are interchangeable.
import { OpError } from '../errors';

export class Matrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: Float64Array,
  ) {}

  static zeros(rows: number, cols: number): Matrix {
    checkSize(rows, cols);
    return new Matrix(rows, cols, new Float64Array(rows * cols));
  }

  static fromRows(rows: readonly (readonly number[])[]): Matrix {
    const r = rows.length;
    const c = r ? rows[0].length : 0;
    const m = Matrix.zeros(r, c);
    for (let i = 0; i < r; i++) {
      if (rows[i].length !== c) throw new OpError('SHAPE', `row ${i + 1} has ${rows[i].length} entries, row 1 has ${c}`);
      for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
    }
    return m;
  }

  get size(): number {
    return this.rows * this.cols;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  toRows(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    return out;
  }
}

export type Value = number | Matrix;
export type Shape = readonly [number, number];

/** The largest matrix a formula may allocate (elements): 2^25 doubles = 256 MiB. */
export const MAX_ELEMENTS = 1 << 25;

export function checkSize(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new OpError('VALUE', `shape ${rows}×${cols} is not a pair of non-negative integers`);
  }
  if (rows * cols > MAX_ELEMENTS) {
    throw new OpError('SIZE', `a ${rows}×${cols} matrix (${rows * cols} elements) is larger than the limit of ${MAX_ELEMENTS}`);
  }
  // An empty matrix with a huge side (0×1e9) holds nothing but every row loop still walks it.
  if (rows > MAX_ELEMENTS || cols > MAX_ELEMENTS) {
    throw new OpError('SIZE', `a ${rows}×${cols} matrix has a side longer than the limit of ${MAX_ELEMENTS}`);
  }
}

export function shapeOf(v: Value): Shape {
  return typeof v === 'number' ? [1, 1] : [v.rows, v.cols];
}

export function sizeOf(v: Value): number {
  return typeof v === 'number' ? 1 : v.rows * v.cols;
}

export function shapeText(v: Value | Shape): string {
  const [r, c] = Array.isArray(v) ? (v as Shape) : shapeOf(v as Value);
  return `${r}×${c}`;
}

export function isScalarLike(v: Value): boolean {
  return typeof v === 'number' || (v.rows === 1 && v.cols === 1);
}

/** The number inside a scalar or 1×1 matrix; an OpError for anything larger. */
export function toScalar(v: Value, what = 'value'): number {
  if (typeof v === 'number') return v;
  if (v.rows === 1 && v.cols === 1) return v.data[0];
  throw new OpError('SHAPE', `${what} must be a scalar, got ${v.rows}×${v.cols}`);
}

/** A matrix view of any value (scalars become fresh 1×1 matrices). */
export function asMatrix(v: Value): Matrix {
  if (typeof v === 'number') return new Matrix(1, 1, Float64Array.of(v));
  return v;
}

/** 1×1 matrices collapse to numbers so that scalar sheets stay on the fast path. */
export function normalize(v: Value): Value {
  return typeof v !== 'number' && v.rows === 1 && v.cols === 1 ? v.data[0] : v;
}

export function cloneValue(v: Value): Value {
  return typeof v === 'number' ? v : new Matrix(v.rows, v.cols, v.data.slice());
}

export function valueToJson(v: Value): number | number[][] {
  return typeof v === 'number' ? v : v.toRows();
}

export function valueFromJson(j: number | number[][]): Value {
  return typeof j === 'number' ? j : normalize(Matrix.fromRows(j));
}

export function isFiniteValue(v: Value): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  for (let i = 0; i < v.data.length; i++) if (!Number.isFinite(v.data[i])) return false;
  return true;
}

export { OpError, type ErrorKind } from '../errors';
