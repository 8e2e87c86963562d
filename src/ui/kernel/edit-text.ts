// What the text being typed into a cell means, before it is committed: `name = formula`
// lines, where a clicked cell's reference goes, and a better name to suggest. Pure.

export interface NamedFormula {
  name: string;
  formula: string;
}

// An identifier, one `=` that is not part of `==`, `<=`, `>=`, `!=`, then the formula.
const NAMED_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*([\s\S]*)$/;

/**
 * `x0 = -1` → { name: 'x0', formula: '-1' }. Null for anything else (`x == 1` is a
 * comparison; a formula of its own never starts with `identifier =`).
 */
export function splitNamedFormula(draft: string): NamedFormula | null {
  const m = NAMED_RE.exec(draft);
  if (!m) return null;
  return { name: m[1], formula: m[2].trim() };
}

/** Characters after which an operand (a number, a name, a reference) is expected. */
const OPERAND_BEFORE = '(,+-*/^@<>=![:';

/**
 * True when the caret stands where an operand is expected: right after an operator, an
 * opening parenthesis, a comma or the `=` of `name =` (spaces allowed). Text that is empty
 * before the caret is not an operand position: clicking then just selects another cell.
 */
export function operandPosition(text: string, caret: number): boolean {
  const before = text.slice(0, caret).trimEnd();
  if (!before) return false;
  const after = text.slice(caret).trimStart();
  // An identifier or number right after the caret is the operand already.
  if (/^[A-Za-z0-9_$.]/.test(after)) return false;
  return OPERAND_BEFORE.includes(before[before.length - 1]);
}

export interface RefInsert {
  text: string;
  caret: number;
  /** Where the inserted reference lies: a further click or arrow replaces it. */
  span: { start: number; end: number };
}

/**
 * Insert `ref` at the caret, or in place of `span` (the reference inserted by the previous
 * click, as a spreadsheet moves the reference while you point).
 */
export function insertRef(text: string, caret: number, ref: string, span: { start: number; end: number } | null): RefInsert {
  const [start, end] = span && span.end === caret ? [span.start, span.end] : [caret, caret];
  const out = text.slice(0, start) + ref + text.slice(end);
  return { text: out, caret: start + ref.length, span: { start, end: start + ref.length } };
}

/**
 * A name close to `name` that `problem` accepts: `1x` → `x1`, `my name` → `my_name`,
 * `exp` → `exp_`, an address-like `AB12` → `ab12`. Null when nothing simple works.
 */
export function suggestName(name: string, problem: (n: string) => string | null): string | null {
  const cleaned = name.trim().replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  const moved = cleaned.replace(/^([0-9]+)(.*)$/, '$2$1');
  const candidates = [cleaned, moved, moved.toLowerCase(), moved + '_', '_' + moved, 'v_' + cleaned];
  for (const c of candidates) if (c && c !== name && problem(c) === null) return c;
  return null;
}
