// Copy and paste of formulas, as in a spreadsheet: relative A1 references move with the
// paste (shiftRefs), `$A$1` stays pinned, names stay names. The text form is tab-separated
// formulas (one line per row) so that pasting into another program gives the formulas.
import { formatAddress } from '../../engine/formula/address';
import { shiftRefs } from '../../engine/formula/rewrite';
import { MAX_COL, MAX_ROW } from '../../engine/formula/address';
import type { Pos, Rect } from './selection';

export const CLIP_MIME = 'application/x-gradsheet+json';

export interface ClipData {
  /** Top-left cell of the copied block, or null for plain text from elsewhere (no shifting). */
  origin: Pos | null;
  rows: number;
  cols: number;
  /** formulas[r][c]; '' for an empty cell. */
  formulas: string[][];
}

/** `doc` is anything that gives a cell's formula: the workspace's document, or an engine. */
export function copyRect(doc: { get(at: string): { formula: string } | null }, r: Rect): ClipData {
  const formulas: string[][] = [];
  for (let row = r.r0; row <= r.r1; row++) {
    const line: string[] = [];
    for (let col = r.c0; col <= r.c1; col++) line.push(doc.get(formatAddress(col, row))?.formula ?? '');
    formulas.push(line);
  }
  return { origin: { col: r.c0, row: r.r0 }, rows: r.r1 - r.r0 + 1, cols: r.c1 - r.c0 + 1, formulas };
}

export function clipToText(d: ClipData): string {
  return d.formulas.map((line) => line.join('\t')).join('\n');
}

export function clipToJson(d: ClipData): string {
  return JSON.stringify({ gradsheetClip: 1, origin: d.origin, formulas: d.formulas });
}

/** Parse our own clipboard JSON; null when it is not one. */
export function clipFromJson(text: string): ClipData | null {
  try {
    const j = JSON.parse(text);
    if (!j || j.gradsheetClip !== 1 || !Array.isArray(j.formulas)) return null;
    const formulas: string[][] = j.formulas.map((l: unknown) => (Array.isArray(l) ? l.map((f) => String(f ?? '')) : []));
    const o = j.origin;
    const origin = o && Number.isInteger(o.col) && Number.isInteger(o.row) ? { col: o.col, row: o.row } : null;
    return { origin, rows: formulas.length, cols: Math.max(0, ...formulas.map((l) => l.length)), formulas };
  } catch {
    return null;
  }
}

/** Plain text from another program: rows by line, columns by tab; pasted as typed. */
export function clipFromText(text: string): ClipData {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const formulas = lines.map((l) => l.split('\t'));
  return { origin: null, rows: formulas.length, cols: Math.max(0, ...formulas.map((l) => l.length)), formulas };
}

/** The edits that pasting `d` with its top-left at `target` makes (cells off the grid are dropped). */
export function pasteEdits(d: ClipData, target: Pos): { at: string; formula: string }[] {
  const out: { at: string; formula: string }[] = [];
  const dc = d.origin ? target.col - d.origin.col : 0;
  const dr = d.origin ? target.row - d.origin.row : 0;
  for (let r = 0; r < d.formulas.length; r++) {
    for (let c = 0; c < d.formulas[r].length; c++) {
      const col = target.col + c, row = target.row + r;
      if (col >= MAX_COL || row >= MAX_ROW) continue;
      const f = d.formulas[r][c];
      out.push({ at: formatAddress(col, row), formula: d.origin && f ? shiftRefs(f, dc, dr) : f });
    }
  }
  return out;
}

/**
 * Pasting a single copied cell into a larger selection fills the selection (each cell shifted).
 */
export function pasteIntoRect(d: ClipData, r: Rect): { at: string; formula: string }[] {
  if (d.rows === 1 && d.cols === 1 && (r.c1 > r.c0 || r.r1 > r.r0)) {
    const out: { at: string; formula: string }[] = [];
    for (let row = r.r0; row <= r.r1; row++) for (let col = r.c0; col <= r.c1; col++) out.push(...pasteEdits(d, { col, row }));
    return out;
  }
  return pasteEdits(d, { col: r.c0, row: r.r0 });
}
