// A1-style addresses: columns A…ZZ (upper case), rows 1…9999. Addresses are case-sensitive;
// a cell name may be spelled like one (W1) and then wins over it (SPEC §2).

export const MAX_ROW = 9999;
export const MAX_COL = 702; // ZZ

export interface CellAddress {
  col: number; // 0-based
  row: number; // 0-based
}

/** An A1 reference as written: `$` pins its column or row when a formula is copied (SPEC §2). */
export interface A1Ref extends CellAddress {
  colPinned: boolean;
  rowPinned: boolean;
  /** Why it is no cell (`A10000`, `AAA1`, `A0`), or null when it is in the grid. */
  problem: string | null;
}

// The one pattern of an address-like token: wider than the grid (three letters, any row) so
// that `A10000` is refused as an address out of range rather than read as a name.
const A1_RE = /^(\$?)([A-Z]{1,3})(\$?)([0-9]+)$/;

/** Read an address-like token (`B2`, `$B$2`, `A10000`), or null when it does not look like one. */
export function readA1(s: string): A1Ref | null {
  const m = A1_RE.exec(s);
  if (!m) return null;
  const col = lettersToCol(m[2]);
  const row = Number(m[4]) - 1;
  let problem: string | null = null;
  if (m[2].length > 2 || col >= MAX_COL) problem = `${m[2]}${m[4]} is not a cell: columns end at ZZ`;
  else if (row >= MAX_ROW) problem = `${m[2]}${m[4]} is not a cell: rows end at ${MAX_ROW}`;
  else if (row < 0 || m[4].startsWith('0')) problem = `${m[2]}${m[4]} is not a cell: rows are numbered from 1 (no leading 0)`;
  return { col, row, colPinned: m[1] === '$', rowPinned: m[3] === '$', problem };
}

/** A reference written back with its pins: `formatRef(1, 1, true, false)` is `$B2`. */
export function formatRef(col: number, row: number, colPinned: boolean, rowPinned: boolean): string {
  return `${colPinned ? '$' : ''}${colToLetters(col)}${rowPinned ? '$' : ''}${row + 1}`;
}

/** A plain in-grid address (`B2`; not `$B$2`, not `A10000`). */
export function isAddress(s: string): boolean {
  return parseAddress(s) !== null;
}

export function parseAddress(s: string): CellAddress | null {
  const r = readA1(s);
  if (!r || r.problem || r.colPinned || r.rowPinned) return null;
  return { col: r.col, row: r.row };
}

export function lettersToCol(letters: string): number {
  let n = 0;
  for (let i = 0; i < letters.length; i++) n = n * 26 + (letters.charCodeAt(i) - 64);
  return n - 1;
}

export function colToLetters(col: number): string {
  let n = col + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function formatAddress(col: number, row: number): string {
  return colToLetters(col) + String(row + 1);
}

export function inBounds(col: number, row: number): boolean {
  return col >= 0 && row >= 0 && col < MAX_COL && row < MAX_ROW;
}

/** The order cells are listed in files: by column, then by row (A1, A2, A3, B1…), as FORMAT's examples list them. */
export function compareAddresses(a: string, b: string): number {
  const pa = parseAddress(a)!, pb = parseAddress(b)!;
  return pa.col - pb.col || pa.row - pb.row;
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be a cell name, or null when it can. `isFunction` tells function names apart. */
export function nameProblem(name: string, isFunction: (n: string) => boolean): string | null {
  if (!IDENT_RE.test(name)) return `"${name}" is not an identifier (letters, digits and _, not starting with a digit)`;
  if (name.length > 64) return `"${name}" is longer than 64 characters`;
  // A name may be spelled like an address (W1, b2, L2: the lecture notes' names); it wins over
  // the address in formulas, and $W$1 always means the address (SPEC §2). Beyond the grid
  // (AAA1, A10000) it is neither: the parser refuses it as an address out of range.
  if (readA1(name)?.problem) return `"${name}" looks like a cell address beyond the grid (columns A…ZZ, rows 1…9999)`;
  if (isFunction(name)) return `"${name}" is a function name`;
  return null;
}

/** `W1` → `$W$1`: the address with column and row pinned (never read as a name). */
export function pinnedAddress(at: string): string {
  const a = parseAddress(at)!;
  return formatRef(a.col, a.row, true, true);
}
