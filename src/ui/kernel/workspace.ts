// createWorkspace(): the document the app edits — an engine plus the sheet's title and notes —
// and every edit a user can make, each recorded for undo. Plain TypeScript: no DOM, no Solid.
// The workspace owns the document (formulas, names, notes, parameter values) in a map of its
// own: undo, autosave and copy read that map, never the engine's computed view, so recording
// an edit or saving never makes the engine compute a value or run a reverse pass.
import { createEngine, type Engine } from '../../engine/engine';
import { compareAddresses, isAddress } from '../../engine/formula/address';
import { isDataFormula } from '../../engine/ops/datasets';
import { emptyTrainState, readTrainState, trainStateToJson } from '../../engine/train/state';
import { renameInFormula } from '../../engine/formula/rewrite';
import { type CellDoc, emptySheet, type SheetDoc } from '../../engine/sheet/document';
import { valueFromJson } from '../../engine/tensor/value';
import { type CellState, type DocState, EMPTY_CELL, type History, type HistoryEntry, createHistory } from './history';

export interface WorkspaceOptions {
  engine?: Engine;
  doc?: SheetDoc;
  historyLimit?: number;
}

export type WorkspaceEvent = { kind: 'meta' } | { kind: 'history' } | { kind: 'load'; doc: SheetDoc };

export interface Workspace {
  readonly engine: Engine;
  readonly history: History;
  title(): string;
  notes(): string;
  cellState(at: string): CellState;
  setFormula(at: string, formula: string): void;
  /**
   * Training progress from the Worker: the parameters' values (null: back to their init) and
   * the training state, put into the sheet and its document. Not an undoable edit: the
   * training panel's Reset is how training is taken back.
   */
  applyTraining(params: Record<string, number | number[][] | null>, train: Record<string, unknown> | null): void;
  rename(at: string, name: string | null): { ok: true } | { ok: false; message: string };
  /** The cells whose formulas mention `name` (the uses a rename or an unname rewrites). */
  usesOf(name: string): string[];
  setNote(at: string, note: string | null): void;
  /** Empty the given cells (formula, name and note). */
  clear(ats: readonly string[]): void;
  /**
   * Empty the cells as the Delete key does: a named cell that other formulas use keeps its
   * name (as a spreadsheet keeps references to a cleared cell), everything else goes.
   */
  clearContents(ats: readonly string[]): void;
  /** Set a cell's formula and name as one edit (`x = 3` typed into a cell). */
  setNamedFormula(at: string, name: string, formula: string): { ok: true } | { ok: false; message: string };
  /** Make `at` a data cell (formula data()) holding `value`, name and note kept; one undoable edit. */
  setData(at: string, value: number | number[][], label?: string): void;
  /** Set several formulas as one edit (paste). */
  setFormulas(edits: readonly { at: string; formula: string }[], label?: string): void;
  setTitle(title: string): void;
  setNotes(notes: string): void;
  /** Replace the whole sheet (an example, a file, a link); undoable. */
  load(doc: SheetDoc, label?: string): void;
  newSheet(): void;
  toDoc(): SheetDoc;
  /** True once any edit was made since the last load (for "unsaved work" questions). */
  edited(): boolean;
  undo(): boolean;
  redo(): boolean;
  subscribe(listener: (e: WorkspaceEvent) => void): () => void;
}

export function createWorkspace(opts: WorkspaceOptions = {}): Workspace {
  const engine = opts.engine ?? createEngine();
  const history = createHistory(opts.historyLimit);
  const listeners = new Set<(e: WorkspaceEvent) => void>();
  let title = '';
  let notes = '';
  let extra: Record<string, unknown> | undefined;
  let hasTitle = false;
  let hasNotes = false;

  const emit = (e: WorkspaceEvent) => {
    for (const l of listeners) l(e);
  };

  // The document: one record per non-empty cell, and unknown per-cell fields kept for saving.
  const doc = new Map<string, CellState>();
  const byName = new Map<string, string>();
  let edits = 0;

  function cellState(at: string): CellState {
    const c = doc.get(at);
    return c ? { ...c } : { ...EMPTY_CELL };
  }

  function store(at: string, st: CellState): void {
    const old = doc.get(at);
    if (old?.name) byName.delete(old.name);
    if (st.formula === '' && st.name === null && st.note === null && st.param === undefined && st.extra === undefined) {
      doc.delete(at);
      return;
    }
    const rec: CellState = { formula: st.formula, name: st.name, note: st.note };
    if (st.param !== undefined) rec.param = st.param;
    if (st.extra !== undefined) rec.extra = st.extra;
    doc.set(at, rec);
    if (st.name) byName.set(st.name, at);
  }

  function usesOf(name: string): string[] {
    const out: string[] = [];
    for (const [at, c] of doc) if (c.formula && renameInFormula(c.formula, name, '\u0000') !== c.formula) out.push(at);
    return out;
  }

  /** engine.setName, mirrored: a rename rewrites the formulas that used the old name. */
  function setName(at: string, name: string | null): { ok: true } | { ok: false; message: string } {
    const res = engine.setName(at, name);
    if (!res.ok) return res;
    const next = name === null || name.trim() === '' ? null : name.trim();
    // The engine says which formulas the change rewrote (renamed uses, W1 pinned to $W$1).
    for (const r of res.rewritten) {
      const c = doc.get(r.at);
      if (c) doc.set(r.at, { ...c, formula: r.formula });
    }
    store(at, { ...cellState(at), name: next });
    return { ok: true };
  }

  function setCell(at: string, formula: string): void {
    engine.setCell(at, formula);
    const { param: _drop, ...rest } = cellState(at);
    store(at, { ...rest, formula });
  }

  function setNote(at: string, note: string | null): void {
    engine.setNote(at, note);
    store(at, { ...cellState(at), note: note === '' ? null : note });
  }

  function setParam(at: string, param: CellState['param']): void {
    engine.setParameter(at, valueFromJson(param!));
    store(at, { ...cellState(at), param });
  }

  /** The spelling that refers to `at` in place of a removed name: the address, pinned when a name shadows it. */
  function addressSpelling(at: string): string {
    return byName.has(at) ? at.replace(/^([A-Z]+)([0-9]+)$/, '$$$1$$$2') : at;
  }

  /** Bring cells to the given states. Names go first so that formulas compile against them. */
  function applyStates(states: readonly { at: string; state: CellState }[]): void {
    engine.batch(() => {
      const retry: { at: string; state: CellState }[] = [];
      for (const s of states) {
        const cur = doc.get(s.at);
        if ((cur?.name ?? null) !== s.state.name && !setName(s.at, s.state.name).ok) retry.push(s);
      }
      // A name still held by another cell of the group (a swap): free them all, then set.
      for (const s of retry) setName(s.at, null);
      for (const s of retry) setName(s.at, s.state.name);
      for (const { at, state } of states) {
        const cur = doc.get(at);
        if ((cur?.formula ?? '') !== state.formula || (cur?.param !== undefined && state.param === undefined)) setCell(at, state.formula);
        if ((cur?.note ?? null) !== state.note) setNote(at, state.note);
        if (state.param !== undefined) setParam(at, state.param);
        // Unknown fields go and come with the cell's state (a clear drops them, its undo brings them back).
        const now = doc.get(at);
        if (now ? now.extra !== state.extra : state.extra !== undefined) store(at, { ...cellState(at), extra: state.extra });
      }
    });
  }

  function record(entry: HistoryEntry): void {
    edits++;
    history.push(entry);
    emit({ kind: 'history' });
  }

  function docState(): DocState {
    return { doc: ws.toDoc(), title, notes };
  }

  function applyDoc(s: DocState): void {
    engine.load(s.doc);
    doc.clear();
    byName.clear();
    for (const c of s.doc.cells) {
      const st: CellState = { formula: c.formula, name: c.name ?? null, note: c.note ?? null };
      if (c.value !== undefined) st.param = c.value;
      if (c.extra) st.extra = c.extra;
      store(c.at, st);
    }
    title = s.title;
    notes = s.notes;
    hasTitle = s.doc.title !== undefined;
    hasNotes = s.doc.notes !== undefined;
    extra = s.doc.extra;
    emit({ kind: 'load', doc: s.doc });
    emit({ kind: 'meta' });
  }

  function applyEntry(e: HistoryEntry, dir: 'undo' | 'redo'): void {
    if (e.kind === 'cells') {
      applyStates(e.changes.map((c) => ({ at: c.at, state: dir === 'undo' ? c.before : c.after })));
    } else if (e.kind === 'doc') {
      applyDoc(dir === 'undo' ? e.before : e.after);
    } else {
      const v = dir === 'undo' ? e.before : e.after;
      if (e.field === 'title') title = v;
      else notes = v;
      emit({ kind: 'meta' });
    }
  }

  const ws: Workspace = {
    engine,
    history,
    title: () => title,
    notes: () => notes,
    cellState,

    setFormula(at, formula) {
      const before = cellState(at);
      // Re-entering data() on a data cell keeps its matrix.
      if (before.formula === formula && (before.param === undefined || isDataFormula(formula))) return;
      setCell(at, formula);
      record({ kind: 'cells', label: `edit ${at}`, changes: [{ at, before, after: cellState(at) }] });
    },

    rename(at, name) {
      const before = cellState(at);
      const next = name === null || name.trim() === '' ? null : name.trim();
      if (next === null && before.name !== null && isAddress(at)) {
        // Removing a name: its uses are rewritten to the cell's address (as a rename rewrites
        // them to the new name), so no formula breaks. One undoable edit.
        const old = before.name;
        const uses = usesOf(old).filter((u) => u !== at);
        const spelled = addressSpelling(at);
        const befores = uses.map((u) => ({ at: u, before: cellState(u) }));
        let res: { ok: true } | { ok: false; message: string } = { ok: true };
        engine.batch(() => {
          res = setName(at, null);
          if (res.ok) for (const u of uses) setCell(u, renameInFormula(doc.get(u)!.formula, old, spelled));
        });
        if (res.ok) record({ kind: 'cells', label: `remove the name ${old}`, changes: [{ at, before, after: cellState(at) }, ...befores.map((c) => ({ ...c, after: cellState(c.at) }))] });
        return res;
      }
      const res = setName(at, name);
      if (res.ok) record({ kind: 'cells', label: `rename ${at}`, changes: [{ at, before, after: cellState(at) }] });
      return res;
    },

    usesOf,

    setNamedFormula(at, name, formula) {
      const before = cellState(at);
      let res: { ok: true } | { ok: false; message: string } = { ok: true };
      engine.batch(() => {
        if (before.name !== name) res = setName(at, name);
        if (res.ok) setCell(at, formula);
      });
      if (res.ok) record({ kind: 'cells', label: `edit ${at}`, changes: [{ at, before, after: cellState(at) }] });
      return res;
    },

    setNote(at, note) {
      const before = cellState(at);
      setNote(at, note);
      record({ kind: 'cells', label: `note on ${at}`, changes: [{ at, before, after: cellState(at) }] });
    },

    clear(ats) {
      const befores = ats.map((at) => ({ at, before: cellState(at) })).filter((c) => c.before.formula !== '' || c.before.name !== null || c.before.note !== null || c.before.param !== undefined);
      if (!befores.length) return;
      applyStates(befores.map((c) => ({ at: c.at, state: EMPTY_CELL })));
      record({ kind: 'cells', label: ats.length === 1 ? `clear ${ats[0]}` : `clear ${ats.length} cells`, changes: befores.map((c) => ({ ...c, after: cellState(c.at) })) });
    },

    clearContents(ats) {
      const inSet = new Set(ats);
      const befores = ats.map((at) => ({ at, before: cellState(at) })).filter((c) => c.before.formula !== '' || c.before.name !== null || c.before.note !== null || c.before.param !== undefined);
      if (!befores.length) return;
      // A name used by a cell that stays keeps its cell: its uses still mean this cell.
      const keepName = (c: { at: string; before: CellState }) => c.before.name !== null && usesOf(c.before.name).some((u) => !inSet.has(u));
      applyStates(befores.map((c) => ({ at: c.at, state: keepName(c) ? { ...EMPTY_CELL, name: c.before.name } : EMPTY_CELL })));
      record({ kind: 'cells', label: ats.length === 1 ? `clear ${ats[0]}` : `clear ${ats.length} cells`, changes: befores.map((c) => ({ ...c, after: cellState(c.at) })) });
    },

    setFormulas(edits, label = 'paste') {
      const befores = edits.map((e) => ({ at: e.at, before: cellState(e.at) }));
      engine.batch(() => {
        for (const e of edits) setCell(e.at, e.formula);
      });
      record({ kind: 'cells', label, changes: befores.map((c) => ({ ...c, after: cellState(c.at) })) });
    },

    setData(at, value, label = `data into ${at}`) {
      const before = cellState(at);
      applyStates([{ at, state: { ...before, formula: 'data()', param: value } }]);
      record({ kind: 'cells', label, changes: [{ at, before, after: cellState(at) }] });
    },

    setTitle(t) {
      if (t === title) return;
      const before = title;
      title = t;
      emit({ kind: 'meta' });
      record({ kind: 'meta', label: 'rename the sheet', field: 'title', before, after: t });
    },

    setNotes(n) {
      if (n === notes) return;
      const before = notes;
      notes = n;
      emit({ kind: 'meta' });
      record({ kind: 'meta', label: 'edit the notes', field: 'notes', before, after: n });
    },

    load(doc, label = 'open a sheet') {
      const before = docState();
      const after: DocState = { doc, title: doc.title ?? '', notes: doc.notes ?? '' };
      applyDoc(after);
      record({ kind: 'doc', label, before, after });
    },

    newSheet() {
      ws.load(emptySheet(), 'new sheet');
    },

    toDoc() {
      const cells: CellDoc[] = [];
      for (const at of [...doc.keys()].sort(compareAddresses)) {
        const c = doc.get(at)!;
        const cd: CellDoc = { at, formula: c.formula };
        if (c.name) cd.name = c.name;
        if (c.param !== undefined) cd.value = c.param;
        if (c.note !== null) cd.note = c.note;
        if (c.extra) cd.extra = c.extra;
        cells.push(cd);
      }
      const out: SheetDoc = { gradsheet: 1, cells };
      // An empty title or notes that the file had are written back (FORMAT.md: nothing dropped).
      if (title || hasTitle) out.title = title;
      if (notes || hasNotes) out.notes = notes;
      // The training state lives in the engine (step(), optimizer moments); written as FORMAT.md's `train`.
      const t = trainStateToJson(engine.trainState());
      const { train: _old, ...rest } = extra ?? {};
      const all = t ? { ...rest, train: t } : rest;
      if (Object.keys(all).length) out.extra = all;
      return out;
    },

    applyTraining(params, train) {
      engine.batch(() => {
        for (const [at, v] of Object.entries(params)) {
          engine.setParameter(at, v === null ? null : valueFromJson(v));
          const { param: _drop, ...rest } = cellState(at);
          store(at, v === null ? rest : { ...rest, param: v });
        }
        const t = train ? readTrainState(train) : null;
        engine.setTrainState(t && t.ok ? t.state : emptyTrainState());
      });
      emit({ kind: 'meta' });
    },

    edited: () => edits > 0,

    undo() {
      const e = history.undo();
      if (!e) return false;
      applyEntry(e, 'undo');
      emit({ kind: 'history' });
      return true;
    },

    redo() {
      const e = history.redo();
      if (!e) return false;
      applyEntry(e, 'redo');
      emit({ kind: 'history' });
      return true;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  if (opts.doc) {
    applyDoc({ doc: opts.doc, title: opts.doc.title ?? '', notes: opts.doc.notes ?? '' });
  }
  return ws;
}
