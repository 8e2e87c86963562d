// Naming cells (SPEC §2). A name is an identifier, unique, not a function name; it may be
// spelled like an address (W1) and then wins over that address, while $W$1 always means the
// address. Naming never silently changes a formula: uses of the address W1 are pinned to
// $W$1 first. Renaming rewrites the formulas that used the old name; clearing a name
// rewrites them to the cell's address, so they keep reading the same cell.
import type { Cell, CellStore } from './cell';
import type { NameTable } from './eval/compile-cell';
import { compareAddresses, isAddress, nameProblem, pinnedAddress } from './formula/address';
import { renameInFormula } from './formula/rewrite';

export interface NamingHost {
  store: CellStore;
  names: NameTable;
  isFunction(name: string): boolean;
  /** Recompile a cell whose formula (or whose names' meaning) changed, and schedule it. */
  recompile(c: Cell): void;
  /** The cell's name changed: report it and re-evaluate it (messages downstream name it). */
  renamed(c: Cell): void;
}

/** `rewritten`: every formula the change rewrote (a document kept beside the engine applies them). */
export type NameResult = { ok: true; note?: string; rewritten: { at: string; formula: string }[] } | { ok: false; message: string };

export function setCellName(host: NamingHost, c: Cell, name: string | null): NameResult {
  const { names, store } = host;
  const next = name === null || name.trim() === '' ? null : name.trim();
  if (next === c.name) return { ok: true, rewritten: [] };
  if (next !== null) {
    const problem = nameProblem(next, host.isFunction);
    if (problem) return { ok: false, message: problem };
    const other = names.byName.get(next);
    if (other !== undefined && other !== c.id) return { ok: false, message: `"${next}" is already the name of ${store.cells[other].at}` };
  }
  const old = c.name;
  // A name spelled like an address takes over that spelling: formulas that meant the
  // address say so explicitly ($W$1) first, so naming never changes what they compute.
  const rewritten: { at: string; formula: string }[] = [];
  const pinned = next !== null && next !== c.at ? pinAddressUses(host, next, rewritten) : [];
  if (old !== null) names.byName.delete(old);
  c.name = next;
  if (next !== null) names.byName.set(next, c.id);
  host.renamed(c);
  if (old !== null) {
    const to = next ?? (names.byName.has(c.at) ? pinnedAddress(c.at) : c.at);
    rewriteUses(host, old, to, rewritten);
  }
  if (next !== null) recompileMentions(host, next);
  if (!pinned.length) return { ok: true, rewritten };
  const they = pinned.length > 1 ? 'they keep' : 'it keeps';
  return { ok: true, rewritten, note: `${pinned.join(', ')} referred to the address ${next}: now written ${pinnedAddress(next!)}, so ${they} reading that cell` };
}

/** Rewrite the formulas that use the name `from` to say `to`. */
function rewriteUses(host: NamingHost, from: string, to: string, out: { at: string; formula: string }[]): void {
  for (const id of [...(host.names.mentionedBy.get(from) ?? [])]) {
    const u = host.store.cells[id];
    const f = renameInFormula(u.formula, from, to);
    if (f === u.formula) continue;
    u.formula = f;
    host.recompile(u);
    out.push({ at: u.at, formula: f });
  }
}

/** Rewrite unpinned references to the address `at` as `$C$R`; the cells rewritten. */
function pinAddressUses(host: NamingHost, at: string, out: { at: string; formula: string }[]): string[] {
  const target = host.store.idOf(at);
  if (!isAddress(at) || target === undefined) return [];
  const done: string[] = [];
  for (const id of [...new Set(host.store.cells[target].users)]) {
    const u = host.store.cells[id];
    const f = renameInFormula(u.formula, at, pinnedAddress(at));
    if (f === u.formula) continue;
    u.formula = f;
    host.recompile(u);
    done.push(u.at);
    out.push({ at: u.at, formula: f });
  }
  return done.sort(compareAddresses);
}

/** A name appeared: formulas that mentioned it (and failed) compile again. */
function recompileMentions(host: NamingHost, name: string): void {
  const s = host.names.mentionedBy.get(name);
  if (s) for (const id of [...s]) host.recompile(host.store.cells[id]);
}
