// Token-level rewrites of formula text that keep the user's spacing and style:
// renaming a cell, and shifting relative A1 references when a formula is copied.
import { formatRef, inBounds, readA1 } from './address';

export interface Token {
  start: number;
  end: number;
  text: string;
}

/** Identifiers (names, addresses, function names) in a formula, skipping number literals. */
function identifiers(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
      i += Math.max(1, m ? m[0].length : 1);
      continue;
    }
    if (ch === '"' || ch === "'") {
      const close = src.indexOf(ch, i + 1);
      i = close < 0 ? src.length : close + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      let j = i + 1;
      while (j < src.length && /[A-Za-z0-9_$]/.test(src[j])) j++;
      out.push({ start: i, end: j, text: src.slice(i, j) });
      i = j;
      continue;
    }
    i++;
  }
  return out;
}

/** `x.T`'s T and `relu(`'s relu are no references; spaces around `.` and `(` do not matter. */
function isMemberOrCall(src: string, t: Token): boolean {
  let p = t.start - 1;
  while (p >= 0 && src[p] === ' ') p--;
  if (p >= 0 && src[p] === '.') return true;
  let q = t.end;
  while (q < src.length && src[q] === ' ') q++;
  return src[q] === '(';
}

/**
 * The identifiers of a formula that are references to cells (names and addresses), in order:
 * not function names, not what follows a `.`, not numbers or strings. The one scan that the
 * rewrites below, formula templates and error positions share.
 */
export function referenceTokens(src: string): Token[] {
  return identifiers(src).filter((t) => !isMemberOrCall(src, t));
}

function splice(src: string, edits: { t: Token; text: string }[]): string {
  let out = '';
  let last = 0;
  for (const { t, text } of edits) {
    out += src.slice(last, t.start) + text;
    last = t.end;
  }
  return out + src.slice(last);
}

/** Replace references to the cell name `from` with `to` (not function calls, not `.T`). */
export function renameInFormula(src: string, from: string, to: string): string {
  const edits = referenceTokens(src)
    .filter((t) => t.text === from)
    .map((t) => ({ t, text: to }));
  return edits.length ? splice(src, edits) : src;
}

/**
 * Shift relative A1 references by (dCol, dRow), as a spreadsheet does when a formula is
 * copied: `$` pins a column or row. A reference pushed off the grid becomes the name
 * REF_OUT_OF_GRID, which the compiler reports as an unknown name.
 */
export function shiftRefs(src: string, dCol: number, dRow: number): string {
  const edits: { t: Token; text: string }[] = [];
  for (const t of referenceTokens(src)) {
    const r = readA1(t.text);
    if (!r || r.problem) continue;
    const col = r.col + (r.colPinned ? 0 : dCol);
    const row = r.row + (r.rowPinned ? 0 : dRow);
    edits.push({ t, text: inBounds(col, row) ? formatRef(col, row, r.colPinned, r.rowPinned) : 'REF_OUT_OF_GRID' });
  }
  return edits.length ? splice(src, edits) : src;
}

/**
 * Rewrite references when rows or columns are inserted (count > 0) or deleted (count < 0) at
 * 0-based index `at`: a reference at or past `at` moves with its cell, `$`-pinned or not
 * (pinning is about copying, not about the cell moving). A reference to a deleted row or
 * column becomes `REF_DELETED`, which the parser reports as an unknown name.
 */
export function shiftRefsForInsert(src: string, axis: 'row' | 'col', at: number, count: number): string {
  const edits: { t: Token; text: string }[] = [];
  for (const t of referenceTokens(src)) {
    const r = readA1(t.text);
    if (!r || r.problem) continue;
    let col = r.col;
    let row = r.row;
    const idx = axis === 'row' ? row : col;
    if (idx < at) continue;
    if (count < 0 && idx < at - count) {
      edits.push({ t, text: 'REF_DELETED' });
      continue;
    }
    if (axis === 'row') row += count;
    else col += count;
    edits.push({ t, text: inBounds(col, row) ? formatRef(col, row, r.colPinned, r.rowPinned) : 'REF_OUT_OF_GRID' });
  }
  return edits.length ? splice(src, edits) : src;
}
