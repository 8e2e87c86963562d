// Suggestions while typing a formula: cell names and functions from the registry, for the
// identifier just before the caret.
import type { Registry } from '../../engine/ops/registry';

export interface Suggestion {
  kind: 'function' | 'name';
  label: string;
  /** Text inserted for the identifier (`exp(` for a function). */
  insert: string;
  /** Signature for functions, address for names. */
  detail: string;
  doc: string;
}

export interface SuggestionSet {
  /** The identifier being completed spans [from, to) of the text. */
  from: number;
  to: number;
  prefix: string;
  items: Suggestion[];
}

/** The identifier that ends at `caret`, or null (inside a number, after `.`, or nothing typed). */
export function wordAt(text: string, caret: number): { from: number; to: number; word: string } | null {
  let i = caret;
  while (i > 0 && /[A-Za-z0-9_]/.test(text[i - 1])) i--;
  const word = text.slice(i, caret);
  if (!word || !/^[A-Za-z_]/.test(word)) return null;
  if (i > 0 && text[i - 1] === '.') return null; // x.T
  let to = caret;
  while (to < text.length && /[A-Za-z0-9_]/.test(text[to])) to++;
  return { from: i, to, word };
}

export function suggest(
  text: string,
  caret: number,
  registry: Registry,
  names: readonly { name: string; at: string }[],
  limit = 8,
): SuggestionSet | null {
  const w = wordAt(text, caret);
  if (!w) return null;
  // A word that already names a cell is complete: offering `zeros(` after `q * z` would
  // turn Enter into a surprise.
  if (names.some((n) => n.name === w.word)) return null;
  const p = w.word.toLowerCase();
  const items: Suggestion[] = [];
  for (const n of names) {
    if (n.name.toLowerCase().startsWith(p) && n.name !== w.word) items.push({ kind: 'name', label: n.name, insert: n.name, detail: n.at, doc: `cell ${n.at}` });
  }
  const fnNames = new Set<string>();
  for (const op of registry.all()) {
    // Operators (add, sub, lt, …) are written as + - < …: offering `sub(` for "su" only misleads.
    if (op.category === 'operator' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(op.name) || fnNames.has(op.name)) continue;
    if (op.name.toLowerCase().startsWith(p)) {
      fnNames.add(op.name);
      items.push({ kind: 'function', label: op.name, insert: op.name + '(', detail: op.signature, doc: op.doc });
    }
  }
  items.sort((a, b) => Number(b.label.startsWith(w.word)) - Number(a.label.startsWith(w.word)) || a.label.length - b.label.length || a.label.localeCompare(b.label));
  if (!items.length) return null;
  return { from: w.from, to: w.to, prefix: w.word, items: items.slice(0, limit) };
}

/** Text and caret after accepting `s` in `set`. A function's `(` is not doubled. */
export function accept(text: string, set: SuggestionSet, s: Suggestion): { text: string; caret: number } {
  let insert = s.insert;
  if (insert.endsWith('(') && text[set.to] === '(') insert = insert.slice(0, -1);
  const next = text.slice(0, set.from) + insert + text.slice(set.to);
  const caret = set.from + s.insert.length;
  return { text: next, caret };
}
