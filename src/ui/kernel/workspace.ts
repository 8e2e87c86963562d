// createWorkspace(): the document the app edits — an engine plus the sheet's title and notes —
// and every edit a user can make, each recorded for undo. Plain TypeScript: no DOM, no Solid.
import { createEngine, type Engine } from '../../engine/engine';
import { isDataFormula } from '../../engine/ops/datasets';
import { type CellDoc, emptySheet, type SheetDoc } from '../../engine/sheet/document';
import { valueFromJson, valueToJson } from '../../engine/tensor/value';
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
  rename(at: string, name: string | null): { ok: true } | { ok: false; message: string };
  setNote(at: string, note: string | null): void;
  /** Empty the given cells (formula, name and note). */
  clear(ats: readonly string[]): void;
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
  undo(): boolean;
  redo(): boolean;
  setActiveGrad(at: string | null): void;
  subscribe(listener: (e: WorkspaceEvent) => void): () => void;
}

/**
 * What a loaded document holds that the engine does not: fields this version does not know
 * (per cell and at the top), an empty title or notes, an empty note, a cell with no formula.
 * FORMAT.md: readers ignore fields they do not know — and writers keep them, so Save,
 * autosave and Share link write them back as they came.
 */
interface Kept {
  title: boolean;
  notes: boolean;
  extra: Record<string, unknown> | undefined;
  cells: Map<string, CellDoc>;
}

function keepUnknown(doc: SheetDoc): Kept {
  const cells = new Map<string, CellDoc>();
  for (const c of doc.cells) if (c.extra || c.note === '' || c.formula === '') cells.set(c.at, c);
  return { title: doc.title !== undefined, notes: doc.notes !== undefined, extra: doc.extra, cells };
}

/** The engine's document with what `kept` holds put back, for the cells that are still there. */
function restoreUnknown(doc: SheetDoc, kept: Kept, isEmpty: (at: string) => boolean): SheetDoc {
  if (kept.cells.size === 0) return doc;
  const seen = new Set<string>();
  for (const cd of doc.cells) {
    const k = kept.cells.get(cd.at);
    if (!k) continue;
    seen.add(cd.at);
    if (k.extra) cd.extra = k.extra;
    if (k.note === '' && cd.note === undefined) cd.note = '';
  }
  // A cell the file held with an empty formula (and only a note or unknown fields) is empty to
  // the engine; while it stays empty it is written back as it came.
  for (const [at, k] of kept.cells) {
    if (seen.has(at) || k.formula !== '' || !isEmpty(at)) continue;
    const cd: CellDoc = { at, formula: '' };
    if (k.note !== undefined) cd.note = k.note;
    if (k.extra) cd.extra = k.extra;
    doc.cells.push(cd);
  }
  return doc;
}

export function createWorkspace(opts: WorkspaceOptions = {}): Workspace {
  const engine = opts.engine ?? createEngine();
  const history = createHistory(opts.historyLimit);
  const listeners = new Set<(e: WorkspaceEvent) => void>();
  let title = '';
  let notes = '';
  let kept = keepUnknown(emptySheet());

  const emit = (e: WorkspaceEvent) => {
    for (const l of listeners) l(e);
  };

  function cellState(at: string): CellState {
    const v = engine.get(at);
    if (!v) return { ...EMPTY_CELL };
    const s: CellState = { formula: v.formula, name: v.name, note: v.note };
    if (v.isParameter && v.value !== null) s.param = valueToJson(v.value);
    return s;
  }

  /** Bring cells to the given states. Names go first so that formulas compile against them. */
  function applyStates(states: readonly { at: string; state: CellState }[]): void {
    engine.batch(() => {
      const retry: { at: string; state: CellState }[] = [];
      for (const s of states) {
        const cur = engine.get(s.at);
        if ((cur?.name ?? null) !== s.state.name && !engine.setName(s.at, s.state.name).ok) retry.push(s);
      }
      // A name still held by another cell of the group (a swap): free them all, then set.
      for (const s of retry) engine.setName(s.at, null);
      for (const s of retry) engine.setName(s.at, s.state.name);
      for (const { at, state } of states) {
        const cur = engine.get(at);
        if ((cur?.formula ?? '') !== state.formula || (cur?.isParameter && state.param === undefined)) engine.setCell(at, state.formula);
        if ((cur?.note ?? null) !== state.note) engine.setNote(at, state.note);
        if (state.param !== undefined) engine.setParameter(at, valueFromJson(state.param));
      }
    });
  }

  function record(entry: HistoryEntry): void {
    history.push(entry);
    emit({ kind: 'history' });
  }

  function docState(): DocState {
    return { doc: ws.toDoc(), title, notes };
  }

  function applyDoc(s: DocState): void {
    engine.load(s.doc);
    title = s.title;
    notes = s.notes;
    kept = keepUnknown(s.doc);
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
      if (before.formula === formula && (before.param === undefined || isDataFormula(formula))) return;
      engine.setCell(at, formula);
      record({ kind: 'cells', label: `edit ${at}`, changes: [{ at, before, after: cellState(at) }] });
    },

    rename(at, name) {
      const before = cellState(at);
      const res = engine.setName(at, name);
      if (res.ok) record({ kind: 'cells', label: `rename ${at}`, changes: [{ at, before, after: cellState(at) }] });
      return res;
    },

    setNote(at, note) {
      const before = cellState(at);
      engine.setNote(at, note);
      record({ kind: 'cells', label: `note on ${at}`, changes: [{ at, before, after: cellState(at) }] });
    },

    clear(ats) {
      const befores = ats.map((at) => ({ at, before: cellState(at) })).filter((c) => c.before.formula !== '' || c.before.name !== null || c.before.note !== null || c.before.param !== undefined);
      if (!befores.length) return;
      applyStates(befores.map((c) => ({ at: c.at, state: EMPTY_CELL })));
      record({ kind: 'cells', label: ats.length === 1 ? `clear ${ats[0]}` : `clear ${ats.length} cells`, changes: befores.map((c) => ({ ...c, after: cellState(c.at) })) });
    },

    setFormulas(edits, label = 'paste') {
      const befores = edits.map((e) => ({ at: e.at, before: cellState(e.at) }));
      engine.batch(() => {
        for (const e of edits) engine.setCell(e.at, e.formula);
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
      const doc = engine.toDoc({
        title: title || kept.title ? title : undefined,
        notes: notes || kept.notes ? notes : undefined,
        extra: kept.extra,
      });
      return restoreUnknown(doc, kept, (at) => engine.get(at) === null);
    },

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

    setActiveGrad(at) {
      engine.setActiveGrad(at);
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
