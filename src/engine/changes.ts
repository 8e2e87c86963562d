// Change sets: what listeners hear after each recompute. Changed cells are collected by id,
// deduplicated with stamp marks (no Set of 100,000 ids), and turned into addresses only if a
// listener asks for them.
import { Marks } from './graph/order';

export interface ChangeSet {
  /** Addresses whose value, error, formula or name changed. */
  cells: string[];
  /** The gradients shown may have changed: the loss in use was recomputed or switched (re-read them all). */
  grads: boolean;
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
  emit(change: { structure: boolean; grads: boolean; progress: ChangeSet['progress'] }): void;
  subscribe(listener: (c: ChangeSet) => void): () => void;
}

export function createChangeLog(size: () => number, at: (id: number) => string): ChangeLog {
  const listeners = new Set<(c: ChangeSet) => void>();
  const marks = new Marks();
  let stamp = marks.next();
  let pending: number[] = [];
  return {
    changed(id) {
      marks.ensure(size());
      if (marks.get(id) === stamp) return;
      marks.set(id, stamp);
      pending.push(id);
    },
    emit({ structure, grads, progress }) {
      const ids = pending;
      pending = [];
      stamp = marks.next();
      let list: string[] | null = null;
      const change: ChangeSet = {
        get cells() {
          return (list ??= ids.map(at));
        },
        grads,
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
