// Cell positions and rectangular selections on the grid (0-based column and row).
import { MAX_COL, MAX_ROW, formatAddress, parseAddress } from '../../engine/formula/address';

export interface Pos {
  col: number;
  row: number;
}

export interface Selection {
  /** Where the selection started (the active cell). */
  anchor: Pos;
  /** The other corner (equal to anchor for a single cell). */
  focus: Pos;
}

export interface Rect {
  c0: number;
  r0: number;
  c1: number;
  r1: number;
}

export function clampPos(p: Pos): Pos {
  return { col: Math.max(0, Math.min(MAX_COL - 1, p.col)), row: Math.max(0, Math.min(MAX_ROW - 1, p.row)) };
}

export function posOf(at: string): Pos {
  const a = parseAddress(at);
  if (!a) throw new Error(`${at} is not a cell address`);
  return { col: a.col, row: a.row };
}

export function addressOf(p: Pos): string {
  return formatAddress(p.col, p.row);
}

export function single(p: Pos): Selection {
  return { anchor: p, focus: p };
}

export function rectOf(s: Selection): Rect {
  return {
    c0: Math.min(s.anchor.col, s.focus.col),
    r0: Math.min(s.anchor.row, s.focus.row),
    c1: Math.max(s.anchor.col, s.focus.col),
    r1: Math.max(s.anchor.row, s.focus.row),
  };
}

export function addressesIn(r: Rect): string[] {
  const out: string[] = [];
  for (let row = r.r0; row <= r.r1; row++) for (let col = r.c0; col <= r.c1; col++) out.push(formatAddress(col, row));
  return out;
}

export function rectText(r: Rect): string {
  const a = formatAddress(r.c0, r.r0);
  return r.c0 === r.c1 && r.r0 === r.r1 ? a : `${a}:${formatAddress(r.c1, r.r1)}`;
}

export function inRect(r: Rect, col: number, row: number): boolean {
  return col >= r.c0 && col <= r.c1 && row >= r.r0 && row <= r.r1;
}

/** Move the selection by (dc, dr); with `extend` the anchor stays and the focus moves. */
export function moveSelection(s: Selection, dc: number, dr: number, extend = false): Selection {
  if (extend) return { anchor: s.anchor, focus: clampPos({ col: s.focus.col + dc, row: s.focus.row + dr }) };
  return single(clampPos({ col: s.anchor.col + dc, row: s.anchor.row + dr }));
}
