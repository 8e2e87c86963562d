// Undo/redo as data. A cell edit records the cell's state before and after (formula, name,
// note, parameter value), so a keystroke on a 100,000-cell sheet costs one small record;
// only loading a whole sheet (an example, New, a file) stores whole-document snapshots.
import type { SheetDoc } from '../../engine/sheet/document';

export interface CellState {
  formula: string;
  name: string | null;
  note: string | null;
  /** A parameter cell's stored value (trained weights), as in the file format. */
  param?: number | number[][];
  /** Fields of the cell in its file that this version does not know: written back as they came. */
  extra?: Record<string, unknown>;
}

export interface CellChange {
  at: string;
  before: CellState;
  after: CellState;
}

export interface DocState {
  doc: SheetDoc;
  title: string;
  notes: string;
}

export type HistoryEntry =
  | { kind: 'cells'; label: string; changes: CellChange[] }
  | { kind: 'doc'; label: string; before: DocState; after: DocState }
  | { kind: 'meta'; label: string; field: 'title' | 'notes'; before: string; after: string };

export interface History {
  push(entry: HistoryEntry): void;
  /** The entry to undo (moved to the redo stack), or null. */
  undo(): HistoryEntry | null;
  /** The entry to redo (moved back to the undo stack), or null. */
  redo(): HistoryEntry | null;
  canUndo(): boolean;
  canRedo(): boolean;
  /** Label of the next undo / redo, for button titles. */
  peekUndo(): string | null;
  peekRedo(): string | null;
  clear(): void;
}

export const EMPTY_CELL: CellState = Object.freeze({ formula: '', name: null, note: null }) as CellState;

export function sameCellState(a: CellState, b: CellState): boolean {
  return a.formula === b.formula && a.name === b.name && a.note === b.note && JSON.stringify(a.param) === JSON.stringify(b.param);
}

export function createHistory(limit = 1000): History {
  const done: HistoryEntry[] = [];
  const undone: HistoryEntry[] = [];
  return {
    push(entry) {
      if (entry.kind === 'cells') {
        entry = { ...entry, changes: entry.changes.filter((c) => !sameCellState(c.before, c.after)) };
        if (entry.changes.length === 0) return;
      }
      done.push(entry);
      if (done.length > limit) done.shift();
      undone.length = 0;
    },
    undo() {
      const e = done.pop();
      if (!e) return null;
      undone.push(e);
      return e;
    },
    redo() {
      const e = undone.pop();
      if (!e) return null;
      done.push(e);
      return e;
    },
    canUndo: () => done.length > 0,
    canRedo: () => undone.length > 0,
    peekUndo: () => done[done.length - 1]?.label ?? null,
    peekRedo: () => undone[undone.length - 1]?.label ?? null,
    clear() {
      done.length = 0;
      undone.length = 0;
    },
  };
}
