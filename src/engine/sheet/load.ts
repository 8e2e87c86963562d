// Between the document (plain data, FORMAT.md) and the engine's cell records: loading puts
// every cell's formula, name, note, stored value and unknown fields in place before any
// formula is compiled (so the order of cells in a file does not matter); saving writes them
// back sorted by address.
import type { Cell, CellStore } from '../cell';
import type { NameTable } from '../eval/compile-cell';
import { valueFromJson, valueToJson } from '../tensor/value';
import type { CellDoc, SheetDoc } from './document';

export interface LoadHost {
  store: CellStore;
  names: NameTable;
  recompile(c: Cell): void;
}

/** Replace every cell with the document's (call inside a batch: one recompute at the end). */
export function loadCells(host: LoadHost, doc: SheetDoc): void {
  const { store, names } = host;
  for (const c of store.cells) {
    if (store.isEmpty(c)) continue;
    if (c.name) names.byName.delete(c.name);
    c.name = null;
    c.formula = '';
    c.note = null;
    c.param = null;
    c.extra = null;
    host.recompile(c);
  }
  for (const cd of doc.cells) {
    const c = store.cellAt(cd.at);
    c.formula = cd.formula;
    c.note = cd.note ?? null;
    c.param = cd.value === undefined ? null : valueFromJson(cd.value);
    c.extra = cd.extra ?? null;
    if (cd.name) {
      c.name = cd.name;
      names.byName.set(cd.name, c.id);
    }
  }
  for (const cd of doc.cells) host.recompile(store.cellAt(cd.at));
}

/** The document of the current cells, with the sheet-level fields given. */
export function cellsToDoc(store: CellStore, meta: { title?: string; notes?: string; extra?: Record<string, unknown> } = {}): SheetDoc {
  const out: CellDoc[] = [];
  for (const c of store.byAddress([...store.cells])) {
    if (store.isEmpty(c)) continue;
    const cd: CellDoc = { at: c.at, formula: c.formula };
    if (c.name) cd.name = c.name;
    if (c.param !== null) cd.value = valueToJson(c.param);
    if (c.note) cd.note = c.note;
    if (c.extra) cd.extra = c.extra;
    out.push(cd);
  }
  const doc: SheetDoc = { gradsheet: 1, cells: out };
  if (meta.title !== undefined) doc.title = meta.title;
  if (meta.notes !== undefined) doc.notes = meta.notes;
  if (meta.extra) doc.extra = meta.extra;
  return doc;
}
