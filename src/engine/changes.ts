// Change sets: what listeners hear after each recompute. Changed cells are collected by id,
// deduplicated with stamp marks (no Set of 100,000 ids) into a buffer reused from one change
// set to the next (no array grown cell by cell), and turned into addresses only if a listener
// asks for them.
import { Marks } from './graph/order';

export interface ChangeSet {
  /** Addresses whose value, error, formula or name changed. */
  cells: string[];
  /** Gradients may have changed: a grad cell's loss was recomputed, or the structure changed (re-read those shown). */
  grads: boolean;
  /** The whole sheet was replaced (load): a reader's choices about the old sheet (the loss shown) no longer hold. */
  loaded: boolean;
  /** Cells were added or removed, or names changed. */
  structure: boolean;
  /**
   * Set while a long recompute is still running (only with a slicer): cells past `done`
   * show their previous values until a final ChangeSet with progress null.
   */
  progress: { done: number; total: number } | null;
}

export interface ChangeLog {
  changed(id: number): void;
  emit(change: Omit<ChangeSet, 'cells'>): void;
  subscribe(listener: (c: ChangeSet) => void): () => void;
}

export function createChangeLog(size: () => number, at: (id: number) => string): ChangeLog {
  const listeners = new Set<(c: ChangeSet) => void>();
  const marks = new Marks();
  let stamp = marks.next();
  let pending = new Int32Array(1024);
  let count = 0;
  return {
    changed(id) {
      marks.ensure(size());
      if (marks.get(id) === stamp) return;
      marks.set(id, stamp);
      if (count === pending.length) {
        const grown = new Int32Array(pending.length * 2);
        grown.set(pending);
        pending = grown;
      }
      pending[count++] = id;
    },
    emit({ structure, grads, loaded, progress }) {
      // A listener may read `cells` after the next edit: it gets a copy of the ids.
      const ids = pending.slice(0, count);
      count = 0;
      stamp = marks.next();
      let list: string[] | null = null;
      const change: ChangeSet = {
        get cells() {
          if (list === null) {
            list = new Array<string>(ids.length);
            for (let k = 0; k < ids.length; k++) list[k] = at(ids[k]);
          }
          return list;
        },
        grads,
        loaded,
        structure,
        progress,
      };
      for (const l of listeners) l(change);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
