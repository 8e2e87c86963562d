// What each cell of a document reads, worked out from the formula text alone (no engine):
// the exercise tools need it before a sheet is evaluated — which cells lie downstream of an
// answer (the student copy leaves them out) and whether an answer reaches grad/numgrad through
// other cells (grading by hand). Iterative everywhere: formulas and chains can be deep.
import { formatAddress, isAddress, parseAddress } from '../formula/address';
import { type Expr, parseFormula } from '../formula/parse';
import type { SheetDoc } from '../sheet/document';

export interface CellReads {
  /** Addresses the formula reads (names resolved; a name wins over an address of the same spelling). */
  reads: string[];
  /** Functions the formula itself calls. */
  calls: Set<string>;
}

/** Every cell's reads, by address. A formula that does not parse reads nothing (its error shows when evaluated). */
export function cellReads(doc: SheetDoc): Map<string, CellReads> {
  const byName = new Map<string, string>();
  for (const c of doc.cells) if (c.name) byName.set(c.name, c.at);
  const out = new Map<string, CellReads>();
  for (const c of doc.cells) {
    const reads: string[] = [];
    const calls = new Set<string>();
    let expr: Expr | null = null;
    try {
      expr = c.formula.trim() ? parseFormula(c.formula) : null;
    } catch {
      expr = null;
    }
    const stack: Expr[] = expr ? [expr] : [];
    while (stack.length) {
      const e = stack.pop()!;
      if (e.k === 'ref') {
        const at = !e.pinned && byName.has(e.name) ? byName.get(e.name)! : isAddress(e.name) ? e.name : null;
        if (at) reads.push(at);
      } else if (e.k === 'range') for (const at of rangeCells(e.from, e.to)) reads.push(at);
      else if (e.k === 'call') {
        calls.add(e.fn);
        for (const a of e.args) stack.push(a);
      } else if (e.k === 'matrix') for (const r of e.rows) for (const a of r) stack.push(a);
    }
    out.set(c.at, { reads, calls });
  }
  return out;
}

/** The addresses of a range, capped (a range larger than any sheet is read as its corners). */
function rangeCells(from: string, to: string): string[] {
  const a = parseAddress(from), b = parseAddress(to);
  if (!a || !b) return [];
  const c0 = Math.min(a.col, b.col), c1 = Math.max(a.col, b.col), r0 = Math.min(a.row, b.row), r1 = Math.max(a.row, b.row);
  if ((c1 - c0 + 1) * (r1 - r0 + 1) > 1_000_000) return [from, to];
  const out: string[] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) out.push(formatAddress(c, r));
  return out;
}

/** Cells that read any of `from`, directly or through other cells (`from` itself excluded). */
export function downstreamOf(reads: Map<string, CellReads>, from: Iterable<string>): Set<string> {
  const readers = new Map<string, string[]>();
  for (const [at, r] of reads) for (const d of r.reads) (readers.get(d) ?? readers.set(d, []).get(d)!).push(at);
  const start = new Set(from);
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length) {
    const at = stack.pop()!;
    for (const u of readers.get(at) ?? []) {
      if (seen.has(u) || start.has(u)) continue;
      seen.add(u);
      stack.push(u);
    }
  }
  return seen;
}

/**
 * The first cell upstream of `at` (itself included) whose formula calls one of `fns`, with the
 * path of cells that leads there, or null.
 */
export function reachesCall(reads: Map<string, CellReads>, at: string, fns: readonly string[]): { fn: string; path: string[] } | null {
  const parent = new Map<string, string | null>([[at, null]]);
  const queue = [at];
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i];
    const r = reads.get(cur);
    if (!r) continue;
    const fn = fns.find((f) => r.calls.has(f));
    if (fn) {
      const path: string[] = [];
      for (let p: string | null = cur; p !== null; p = parent.get(p) ?? null) path.push(p);
      return { fn, path: path.reverse() };
    }
    for (const d of r.reads) {
      if (parent.has(d)) continue;
      parent.set(d, cur);
      queue.push(d);
    }
  }
  return null;
}
