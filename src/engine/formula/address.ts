// A1-style addresses: columns A…ZZ (upper case), rows 1…9999. Addresses are case-sensitive;
// a cell name may be spelled like one (W1) and then wins over it (SPEC §2).

export const MAX_ROW = 9999;
export const MAX_COL = 702; // ZZ

const ADDRESS_RE = /^([A-Z]{1,2})([1-9][0-9]{0,3})$/;

export interface CellAddress {
  col: number; // 0-based
  row: number; // 0-based
}

export function isAddress(s: string): boolean {
  return ADDRESS_RE.test(s);
}

export function parseAddress(s: string): CellAddress | null {
  const m = ADDRESS_RE.exec(s);
  if (!m) return null;
  return { col: lettersToCol(m[1]), row: Number(m[2]) - 1 };
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

/** Sort key: column-major would scatter rows; spreadsheets read row by row, so sort by (col, row) like FORMAT's examples (A1, A2, A3, B1…). */
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
  if (/^[A-Z]{1,3}[0-9]+$/.test(name) && !isAddress(name)) return `"${name}" looks like a cell address beyond the grid (columns A…ZZ, rows 1…9999)`;
  if (isFunction(name)) return `"${name}" is a function name`;
  return null;
}

/** `W1` → `$W$1`: the address with column and row pinned (never read as a name). */
export function pinnedAddress(at: string): string {
  const a = parseAddress(at)!;
  return `$${colToLetters(a.col)}$${a.row + 1}`;
}
