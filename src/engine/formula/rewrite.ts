// Token-level rewrites of formula text that keep the user's spacing and style:
// renaming a cell, and shifting relative A1 references when a formula is copied.
import { formatAddress, inBounds, lettersToCol } from './address';

interface Token {
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

function isMemberOrCall(src: string, t: Token): boolean {
  let p = t.start - 1;
  while (p >= 0 && src[p] === ' ') p--;
  if (p >= 0 && src[p] === '.') return true;
  let q = t.end;
  while (q < src.length && src[q] === ' ') q++;
  return src[q] === '(';
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
  const edits = identifiers(src)
    .filter((t) => t.text === from && !isMemberOrCall(src, t))
    .map((t) => ({ t, text: to }));
  return edits.length ? splice(src, edits) : src;
}

const REF_RE = /^(\$?)([A-Z]{1,2})(\$?)([1-9][0-9]{0,3})$/;

/**
 * Shift relative A1 references by (dCol, dRow), as a spreadsheet does when a formula is
 * copied: `$` pins a column or row. A reference pushed off the grid becomes `#REF`,
 * which the parser reports as an unknown name.
 */
export function shiftRefs(src: string, dCol: number, dRow: number): string {
  const edits: { t: Token; text: string }[] = [];
  for (const t of identifiers(src)) {
    const m = REF_RE.exec(t.text);
    if (!m || isMemberOrCall(src, t)) continue;
    const col = lettersToCol(m[2]) + (m[1] ? 0 : dCol);
    const row = Number(m[4]) - 1 + (m[3] ? 0 : dRow);
    if (!inBounds(col, row)) {
      edits.push({ t, text: 'REF_OUT_OF_GRID' });
      continue;
    }
    const a = formatAddress(col, row);
    const letters = a.match(/^[A-Z]+/)![0];
    edits.push({ t, text: `${m[1]}${letters}${m[3]}${row + 1}` });
  }
  return edits.length ? splice(src, edits) : src;
}

/** Every identifier in the text (for autocomplete and highlighting). */
export function identifierTokens(src: string): { start: number; end: number; text: string }[] {
  return identifiers(src);
}

/**
 * Rewrite references when rows or columns are inserted (count > 0) or deleted (count < 0) at
 * 0-based index `at`: a reference at or past `at` moves with its cell, `$`-pinned or not
 * (pinning is about copying, not about the cell moving). A reference to a deleted row or
 * column becomes `REF_DELETED`, which the parser reports as an unknown name.
 */
export function shiftRefsForInsert(src: string, axis: 'row' | 'col', at: number, count: number): string {
  const edits: { t: Token; text: string }[] = [];
  for (const t of identifiers(src)) {
    const m = REF_RE.exec(t.text);
    if (!m || isMemberOrCall(src, t)) continue;
    let col = lettersToCol(m[2]);
    let row = Number(m[4]) - 1;
    const idx = axis === 'row' ? row : col;
    if (idx < at) continue;
    if (count < 0 && idx < at - count) {
      edits.push({ t, text: 'REF_DELETED' });
      continue;
    }
    if (axis === 'row') row += count;
    else col += count;
    if (!inBounds(col, row)) {
      edits.push({ t, text: 'REF_OUT_OF_GRID' });
      continue;
    }
    const letters = formatAddress(col, row).match(/^[A-Z]+/)![0];
    edits.push({ t, text: `${m[1]}${letters}${m[3]}${row + 1}` });
  }
  return edits.length ? splice(src, edits) : src;
}
