// Spreadsheet habits as pure functions over the document: fill down/right, jump to the edge
// of the data, insert/delete rows and columns (the sheet's cells move, references follow).
import { formatAddress, inBounds, MAX_COL, MAX_ROW, parseAddress } from '../../engine/formula/address';
import { shiftRefs, shiftRefsForInsert } from '../../engine/formula/rewrite';
import type { SheetDoc } from '../../engine/sheet/document';
import type { Pos, Rect } from './selection';

type FormulaOf = (at: string) => string;

/**
 * Ctrl+D: the top row of the selection is copied into the rows below it, references shifted.
 * A single cell takes the cell above it. Ctrl+R is the same to the right.
 */
export function fillEdits(r: Rect, dir: 'down' | 'right', formulaOf: FormulaOf): { at: string; formula: string }[] {
  const out: { at: string; formula: string }[] = [];
  const single = r.c0 === r.c1 && r.r0 === r.r1;
  if (dir === 'down') {
    const src = single ? r.r0 - 1 : r.r0;
    if (src < 0) return out;
    for (let c = r.c0; c <= r.c1; c++) {
      const f = formulaOf(formatAddress(c, src));
      for (let row = single ? r.r0 : r.r0 + 1; row <= r.r1; row++) out.push({ at: formatAddress(c, row), formula: f ? shiftRefs(f, 0, row - src) : '' });
    }
  } else {
    const src = single ? r.c0 - 1 : r.c0;
    if (src < 0) return out;
    for (let row = r.r0; row <= r.r1; row++) {
      const f = formulaOf(formatAddress(src, row));
      for (let c = single ? r.c0 : r.c0 + 1; c <= r.c1; c++) out.push({ at: formatAddress(c, row), formula: f ? shiftRefs(f, c - src, 0) : '' });
    }
  }
  return out;
}

/**
 * Ctrl+Arrow: from a filled cell whose neighbour is filled, to the last filled cell of that
 * run; otherwise to the next filled cell; with none, to the edge of the grid.
 */
export function edgeOf(p: Pos, dc: number, dr: number, filled: (col: number, row: number) => boolean): Pos {
  const inside = (c: number, r: number) => c >= 0 && r >= 0 && c < MAX_COL && r < MAX_ROW;
  let c = p.col, r = p.row;
  if (!inside(c + dc, r + dr)) return p;
  if (filled(c, r) && filled(c + dc, r + dr)) {
    while (inside(c + dc, r + dr) && filled(c + dc, r + dr)) (c += dc), (r += dr);
    return { col: c, row: r };
  }
  c += dc;
  r += dr;
  while (inside(c + dc, r + dr) && !filled(c, r)) (c += dc), (r += dr);
  return { col: c, row: r };
}

/**
 * The document after inserting (count > 0) or deleting (count < 0) rows or columns at `at`:
 * cells past it move, cells in a deleted band go, and every formula's references follow.
 */
export function insertDelete(doc: SheetDoc, axis: 'row' | 'col', at: number, count: number): SheetDoc {
  const cells = [];
  for (const c of doc.cells) {
    const a = parseAddress(c.at);
    if (!a) continue;
    let col = a.col, row = a.row;
    const idx = axis === 'row' ? row : col;
    if (count < 0 && idx >= at && idx < at - count) continue;
    if (idx >= at) {
      if (axis === 'row') row += count;
      else col += count;
    }
    if (!inBounds(col, row)) continue;
    cells.push({ ...c, at: formatAddress(col, row), formula: shiftRefsForInsert(c.formula, axis, at, count) });
  }
  return { ...doc, cells };
}

/**
 * Dragging the fill handle from `orig` out to `target` (which contains it, grown down or to
 * the right): each new cell takes the formula of the original cell it lines up with
 * (repeating the block), references shifted by the distance.
 */
export function fillTo(orig: Rect, target: Rect, formulaOf: FormulaOf): { at: string; formula: string }[] {
  const out: { at: string; formula: string }[] = [];
  const h = orig.r1 - orig.r0 + 1, w = orig.c1 - orig.c0 + 1;
  for (let row = target.r0; row <= target.r1; row++) {
    for (let c = target.c0; c <= target.c1; c++) {
      if (row >= orig.r0 && row <= orig.r1 && c >= orig.c0 && c <= orig.c1) continue;
      const sr = orig.r0 + (((row - orig.r0) % h) + h) % h;
      const sc = orig.c0 + (((c - orig.c0) % w) + w) % w;
      const f = formulaOf(formatAddress(sc, sr));
      out.push({ at: formatAddress(c, row), formula: f ? shiftRefs(f, c - sc, row - sr) : '' });
    }
  }
  return out;
}
