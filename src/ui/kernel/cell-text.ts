// How a cell reads as text: the value and gradient lines in the grid, its accessible name,
// the error badge. Pure functions of a CellView.
import type { CellView } from '../../engine/engine';
import { formatNumber } from '../../engine/format-value';
import { kinkText } from '../../engine/ops/verify';
import type { Value } from '../../engine/tensor/value';

export function isFiniteVal(v: Value | null): boolean {
  if (v === null) return true;
  if (typeof v === 'number') return Number.isFinite(v);
  for (let i = 0; i < v.data.length; i++) if (!Number.isFinite(v.data[i])) return false;
  return true;
}

export function shapeLabel(v: Value | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return 'scalar';
  return `${v.rows}×${v.cols}`;
}

/** A value as a short text: a number, or `matrix 3×2`. */
export function shortValue(v: Value | null, digits = 5): string {
  if (v === null) return '';
  if (typeof v === 'number') return formatNumber(v, digits);
  if (v.rows * v.cols === 1) return formatNumber(v.data[0], digits);
  return `matrix ${v.rows}×${v.cols}`;
}

export function isMatrixValue(v: Value | null): v is Exclude<Value, number> {
  return v !== null && typeof v !== 'number' && v.rows * v.cols > 1;
}

export function errorBadge(view: CellView): string | null {
  return view.error ? `#${view.error.kind}` : null;
}

/** ✓ or ✗ and the relative error; ⚠ instead of ✗ when numgrad straddled a kink (not a wrong derivation). */
export function checkText(view: CellView, short = false): string | null {
  if (!view.check) return null;
  const mark = view.check.pass ? '✓' : view.check.kink ? '⚠' : '✗';
  return `${mark} ${short ? '' : 'rel err '}${formatNumber(view.check.relErr, 2)}${short && mark === '⚠' ? ' kink' : ''}`;
}

/** How the check's relative error reads (good / fine near a kink / suspect / wrong), or the kink sentence. */
export function checkReading(view: CellView): string | null {
  return view.check ? view.check.reading.text : null;
}

/** The gridcell's accessible name: it always starts with the address (SPEC §8). */
export function cellAriaLabel(at: string, view: CellView | null): string {
  if (!view) return `${at} empty`;
  const head = view.name ? `${at} ${view.name}` : at;
  if (view.error) return `${head} error #${view.error.kind}: ${view.error.message}`;
  let s = view.value === null ? `${head} = (no value)` : `${head} = ${shortValue(view.value, 6)}`;
  if (view.check) s += `, ${view.check.pass ? 'check passes' : 'check fails'}, relative error ${formatNumber(view.check.relErr, 2)}, ${view.check.reading.text}`;
  else if (view.kink) s += `, ${kinkText(view.kink)}`;
  if (!isFiniteVal(view.value)) s += ', not finite';
  if (view.grad !== null) s += `, gradient ${shortValue(view.grad, 6)}`;
  return s;
}

/** Name or address: how a cell is spoken of in breakdowns. */
export function cellLabel(view: CellView | null, at: string): string {
  return view?.name ?? at;
}

/** The top-level arguments of the first `fn(...)` call in a formula, as written; null when absent. */
function callArgs(formula: string, fn: string): string[] | null {
  const m = new RegExp(`(^|[^A-Za-z0-9_.])${fn}\\s*\\(`).exec(formula);
  if (!m) return null;
  const args: string[] = [];
  let depth = 0, start = m.index + m[0].length;
  for (let i = start; i < formula.length; i++) {
    const ch = formula[i];
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') {
      if (depth === 0) {
        args.push(formula.slice(start, i).trim());
        return args;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(formula.slice(start, i).trim());
      start = i + 1;
    }
  }
  return null;
}

/** How one side of a check reads: `grad(f, x)` → `∂f/∂x`, `numgrad(f, x)` → `∂f/∂x (numeric)`. */
export function sideText(arg: string): string {
  const g = /^(num)?grad\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)$/.exec(arg);
  if (g) return `∂${g[2]}/∂${g[3]}${g[1] ? ' (numeric)' : ''}`;
  return arg;
}

/**
 * What a check cell checks, in words: `✓ ∂f/∂x = -4 (rel. err 2e-16)`, or
 * `✗ ∂f/∂x ≠ -3 (rel. err 0.25)`. Falls back to the bare verdict when the formula is not a
 * plain `check(a, b)`.
 */
export function checkSentence(view: CellView): string | null {
  if (!view.check) return null;
  const args = callArgs(view.formula, 'check');
  const err = `rel. err ${formatNumber(view.check.relErr, 2)}`;
  const mark = view.check.pass ? '✓' : '✗';
  if (!args || args.length < 2) return `${mark} ${err}`;
  return `${mark} ${sideText(args[0])} ${view.check.pass ? '=' : '≠'} ${sideText(args[1])} (${err})`;
}

/** Matrices up to this size show their numbers in the grid cell; larger ones a heatmap. */
export const SMALL_MATRIX = 4;

export function isSmallMatrix(v: Value | null): v is Exclude<Value, number> {
  return isMatrixValue(v) && v.rows <= SMALL_MATRIX && v.cols <= SMALL_MATRIX;
}

/** A matrix entry as a compact text for the grid: 3 significant digits. */
export function compactNumber(x: number): string {
  return formatNumber(x, 3);
}
