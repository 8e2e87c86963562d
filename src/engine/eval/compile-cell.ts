// Compiling a cell's formula in the sheet: parse, resolve its names and addresses to cell ids,
// share one program among cells of the same formula structure (and one template among a
// fill-down's formulas), and record which names each formula mentions, so that naming or
// renaming a cell recompiles exactly the formulas it affects.
import type { Cell, CellStore } from '../cell';
import { type CellError, OpError, UnknownNameError, toCellError } from '../errors';
import { formatAddress, parseAddress } from '../formula/address';
import { parseFormula } from '../formula/parse';
import { referenceTokens } from '../formula/rewrite';
import type { Registry } from '../ops/define';
import { checkSize } from '../tensor/value';
import { type Compiled, type Program, type Resolver, compile } from './program';
import { type Template, compileTemplate, linkTemplate, templateKey } from './templates';

const NO_NAMES: Set<string> = new Set();

/** Cell names and the formulas that mention each name. */
export interface NameTable {
  /** Cell id by name. */
  readonly byName: Map<string, number>;
  /** Ids of cells whose formulas mention a name (found or not). */
  readonly mentionedBy: Map<string, Set<number>>;
}

export function createNameTable(): NameTable {
  return { byName: new Map(), mentionedBy: new Map() };
}

export interface CellCompiler {
  /** Compile `c.formula` into `c.prog` / `c.compileError`, with its links, mentions and (via `setDeps`) edges. */
  recompile(c: Cell): void;
  /** Bumped whenever any formula is (re)compiled. */
  version(): number;
}

export function createCellCompiler(
  registry: Registry,
  store: CellStore,
  names: NameTable,
  setDeps: (c: Cell, deps: number[]) => void,
): CellCompiler {
  let version = 0;
  const templates = new Map<string, Template | null>();
  /** Compiled programs by structure (see program.ts): shared between cells. */
  const programs = new Map<string, Program>();

  const resolver: Resolver = {
    address: (at) => store.cellAt(at).id,
    name: (n) => names.byName.get(n) ?? -1,
    range(from, to) {
      const a = parseAddress(from)!, b = parseAddress(to)!;
      const c0 = Math.min(a.col, b.col), c1 = Math.max(a.col, b.col);
      const r0 = Math.min(a.row, b.row), r1 = Math.max(a.row, b.row);
      const rows = r1 - r0 + 1, cols = c1 - c0 + 1;
      if (rows * cols > 100_000) throw new OpError('SIZE', `range ${from}:${to} spans ${rows * cols} cells (at most 100000)`);
      checkSize(rows, cols);
      const ids: number[] = [];
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) ids.push(store.cellAt(formatAddress(c, r)).id);
      return { cells: ids, rows, cols };
    },
  };

  /** The compiled formula through its template (see templates.ts), or null to compile it directly. */
  function fromTemplate(formula: string, mentions: Set<string>): Compiled | null {
    const tk = templateKey(formula, (n) => names.byName.has(n));
    if (!tk) return null;
    let t = templates.get(tk.key);
    if (t === undefined) {
      if (templates.size > 100_000) templates.clear();
      templates.set(tk.key, (t = compileTemplate(tk.key, registry)));
    }
    if (!t) return null;
    const links = linkTemplate(t, tk.addresses, resolver.address, resolver.name);
    if (!links) return null;
    for (const n of t.names) mentions.add(n);
    const deps = [...new Set(links.filter((id) => id >= 0))];
    return { program: t.program, links, deps };
  }

  function recompile(c: Cell): void {
    version++;
    for (const n of c.mentions) names.mentionedBy.get(n)?.delete(c.id);
    const mentions = new Set<string>();
    let compiled: Compiled | null = null;
    let err: CellError | null = null;
    if (c.formula.trim() !== '') {
      compiled = fromTemplate(c.formula, mentions);
      if (!compiled) {
        try {
          compiled = compile(parseFormula(c.formula), registry, resolver, mentions);
        } catch (e) {
          err = toCellError(e);
          if (e instanceof UnknownNameError) err = { ...err, message: `${err.message} (at character ${firstReference(c.formula, e.names) + 1})` };
        }
      }
    }
    let prog: Program | null = null;
    if (compiled) {
      // Share one program among cells with the same formula structure.
      prog = programs.get(compiled.program.key) ?? compiled.program;
      if (prog === compiled.program) {
        if (programs.size > 100_000) programs.clear();
        programs.set(prog.key, prog);
      }
    }
    c.links = compiled ? compiled.links : [];
    c.mentions = mentions.size ? mentions : NO_NAMES;
    for (const n of c.mentions) {
      let s = names.mentionedBy.get(n);
      if (!s) names.mentionedBy.set(n, (s = new Set()));
      s.add(c.id);
    }
    setDeps(c, compiled ? compiled.deps : []);
    if (c.prog !== prog) c.slots = []; // the tape belongs to the old program
    c.prog = prog;
    c.compileError = err;
  }

  return { recompile, version: () => version };
}

/** Where the first of `names` is used as a reference in `formula` (0-based; 0 if not found). */
function firstReference(formula: string, names: string[]): number {
  for (const t of referenceTokens(formula)) if (names.includes(t.text)) return t.start;
  return 0;
}
