// The one place where engine changes become Solid signals. The engine tells us which
// addresses changed; only cells that are on screen hold a signal (created when a Cell
// mounts, dropped when it unmounts), so an edit re-reads the changed cells and — because
// gradients may change anywhere upstream of the loss — the visible cells, never the whole sheet.
// Which loss the grid shows is a choice of the UI, held here: every read asks the engine for
// that loss's gradients (cached per loss in the engine), so switching it recomputes no cell.
import { type Accessor, batch, createSignal, onCleanup } from 'solid-js';
import type { CellView, ChangeSet, ConsumerGraphs, LossRef, OpGraph } from '../engine/engine';
import type { Registry } from '../engine/ops/registry';
import { parseAddress } from '../engine/formula/address';
import type { Value } from '../engine/tensor/value';
import type { Workspace } from './kernel/workspace';

export interface Bridge {
  /** A live view of one cell; call inside a component or memo (it is released on cleanup). */
  cell(at: string): Accessor<CellView | null>;
  /** Bumps on every engine change set. */
  tick: Accessor<number>;
  /** Bumps when cells were added/removed or names changed. */
  structure: Accessor<number>;
  title: Accessor<string>;
  notes: Accessor<string>;
  canUndo: Accessor<boolean>;
  canRedo: Accessor<boolean>;
  undoLabel: Accessor<string | null>;
  redoLabel: Accessor<string | null>;
  /** Rows and columns in use (the grid shows a margin beyond them). */
  extent: Accessor<{ rows: number; cols: number }>;
  gradCells: Accessor<string[]>;
  /** The grad cell whose loss the grid shows, and that loss: the one chosen, else the first. */
  activeLoss: Accessor<LossRef | null>;
  /** Show the gradients of this grad cell's loss (null: back to the first grad cell's). */
  chooseGradCell(at: string | null): void;
  /** A long recompute in progress (cells done of total), or null. */
  progress: Accessor<{ done: number; total: number } | null>;
  /** Named cells, for autocomplete (computed on demand, cached per structure change). */
  names(): { name: string; at: string }[];
  /** The op graph of the loss shown (engine.opGraph); reactive. */
  opGraph(): OpGraph;
  /** What the chain-rule breakdown of a cell needs: its consumers' formulas' graphs (engine.consumerGraphs), for the loss shown; reactive. */
  consumerGraphs(at: string): ConsumerGraphs;
  /** A cell's current view, read once (not tracked): for text built inside a tracked read. */
  peek(at: string): CellView | null;
  /** The loss in use, by name when it has one; reactive. */
  lossName(): string | null;
  readonly registry: Registry;
  isFunction(name: string): boolean;
  /**
   * While stepping through the backward pass: the gradient so far of each cell (cells not in
   * the map show none), shown instead of the engine's; null goes back to the engine's.
   */
  setGradOverlay(grads: ReadonlyMap<string, Value> | null): void;
  dispose(): void;
}

interface Live {
  get: Accessor<CellView | null>;
  set: (v: CellView | null) => void;
  refs: number;
}

function sameValue(a: Value | null, b: Value | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a.rows !== b.rows || a.cols !== b.cols) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

/** Views equal for display purposes: an unchanged cell does not re-render. */
export function sameView(a: CellView | null, b: CellView | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.formula === b.formula && a.name === b.name && a.note === b.note && a.isParameter === b.isParameter &&
    (a.error?.kind ?? null) === (b.error?.kind ?? null) && (a.error?.message ?? null) === (b.error?.message ?? null) &&
    sameValue(a.value, b.value) && sameValue(a.grad, b.grad) &&
    (a.check?.pass ?? null) === (b.check?.pass ?? null) && (a.check?.relErr ?? null) === (b.check?.relErr ?? null)
  );
}

export function createBridge(ws: Workspace): Bridge {
  const engine = ws.engine;
  const live = new Map<string, Live>();
  const [tick, setTick] = createSignal(0);
  const [structure, setStructure] = createSignal(0);
  const [title, setTitle] = createSignal(ws.title());
  const [notes, setNotes] = createSignal(ws.notes());
  const [hist, setHist] = createSignal(0);
  const [extent, setExtent] = createSignal(extentOf(ws.toDoc().cells.map((c) => c.at)));
  // Views of cells that left the screen, valid until the next change set (scrolling back is free).
  const parked = new Map<string, CellView | null>();
  // The loss shown: the grad cell chosen (null: none chosen), mirrored in plain variables so
  // that reads inside a batch see the new choice at once.
  let chosen: string | null = null;
  let losses = engine.losses();
  const pick = (): LossRef | null => losses.find((l) => l.gradCell === chosen) ?? losses[0] ?? null;
  let shown = pick();
  const [gradCells, setGradCells] = createSignal<string[]>(losses.map((l) => l.gradCell), { equals: sameList });
  const [activeLoss, setActiveLoss] = createSignal(shown, { equals: sameLoss });
  let namesCache: { name: string; at: string }[] | null = null;
  const [progress, setProgress] = createSignal<{ done: number; total: number } | null>(null);
  let overlay: ReadonlyMap<string, Value> | null = null;
  const read = (at: string): CellView | null => {
    const v = engine.get(at, { loss: shown?.loss ?? null });
    return overlay && v ? { ...v, grad: overlay.get(at) ?? null } : v;
  };
  /** Re-derive the loss shown (after a choice or an edit); true when it changed. */
  const reshow = (): boolean => {
    const next = pick();
    if (sameLoss(next, shown)) return false;
    shown = next;
    setActiveLoss(next);
    return true;
  };

  function extentOf(ats: readonly string[], start = { rows: 0, cols: 0 }): { rows: number; cols: number } {
    let rows = start.rows, cols = start.cols;
    for (const at of ats) {
      const a = parseAddress(at);
      if (!a) continue;
      if (a.row + 1 > rows) rows = a.row + 1;
      if (a.col + 1 > cols) cols = a.col + 1;
    }
    return { rows, cols };
  }

  const onChange = (ch: ChangeSet) => {
    parked.clear();
    batch(() => {
      // A new sheet starts from its first grad cell, whatever was chosen in the one before.
      if (ch.loaded) chosen = null;
      // Gradients can change anywhere upstream of the loss: re-read every cell on screen.
      // Without a grad cell there are no gradients, so only the listed cells changed.
      const hadGrads = losses.length > 0;
      losses = engine.losses();
      setGradCells(losses.map((l) => l.gradCell));
      const switched = reshow();
      const gradsMayChange = switched || (ch.grads && (hadGrads || losses.length > 0));
      if (gradsMayChange) {
        for (const [at, l] of live) l.set(read(at));
      } else {
        for (const at of ch.cells) live.get(at)?.set(read(at));
      }
      if (ch.structure) {
        namesCache = null;
        setStructure((n) => n + 1);
      }
      setProgress(ch.progress);
      // Cleared cells may be listed too: the extent only ever adds a margin, never hides a cell.
      // Only a structural change can add a cell (values changing cannot), so only then is the
      // list of changed cells walked: a 100,000-cell recompute lists them all.
      if (ch.structure) {
        const e = extent();
        const next = extentOf(ch.cells, e);
        if (next.rows !== e.rows || next.cols !== e.cols) setExtent(next);
      }
      setTick((n) => n + 1);
    });
  };
  const offEngine = engine.subscribe(onChange);
  const offWs = ws.subscribe((e) => {
    if (e.kind === 'meta') {
      setTitle(ws.title());
      setNotes(ws.notes());
    } else if (e.kind === 'load') {
      setExtent(extentOf(e.doc.cells.map((c) => c.at)));
    }
    setHist((n) => n + 1);
  });

  return {
    cell(at) {
      let l = live.get(at);
      if (!l) {
        const initial = parked.has(at) ? parked.get(at)! : read(at);
        parked.delete(at);
        const [get, set] = createSignal<CellView | null>(initial, { equals: sameView });
        l = { get, set, refs: 0 };
        live.set(at, l);
      }
      const entry = l;
      entry.refs++;
      onCleanup(() => {
        if (--entry.refs === 0 && live.get(at) === entry) {
          live.delete(at);
          if (parked.size > 20_000) parked.clear();
          parked.set(at, entry.get());
        }
      });
      return entry.get;
    },
    tick,
    structure,
    title,
    notes,
    canUndo: () => (hist(), ws.history.canUndo()),
    canRedo: () => (hist(), ws.history.canRedo()),
    undoLabel: () => (hist(), ws.history.peekUndo()),
    redoLabel: () => (hist(), ws.history.peekRedo()),
    extent,
    gradCells,
    activeLoss,
    chooseGradCell(at) {
      chosen = at;
      parked.clear();
      batch(() => {
        if (reshow()) for (const [cell, l] of live) l.set(read(cell));
      });
    },
    progress,
    names() {
      if (!namesCache) namesCache = engine.names();
      return namesCache;
    },
    opGraph() {
      tick();
      const l = activeLoss();
      return l ? engine.opGraph(l.loss) : engine.opGraph();
    },
    consumerGraphs(at) {
      tick();
      return engine.consumerGraphs(at, { loss: activeLoss()?.loss ?? null });
    },
    peek: (at) => engine.get(at, { loss: shown?.loss ?? null }),
    lossName() {
      const l = activeLoss();
      if (!l) return null;
      structure();
      return ws.cellState(l.loss).name ?? l.loss;
    },
    registry: engine.registry,
    isFunction: (n) => engine.registry.has(n),
    setGradOverlay(grads) {
      overlay = grads;
      parked.clear();
      batch(() => {
        for (const [at, l] of live) l.set(read(at));
      });
    },
    dispose() {
      offEngine();
      offWs();
      live.clear();
    },
  };
}

function sameLoss(a: LossRef | null, b: LossRef | null): boolean {
  return a?.gradCell === b?.gradCell && a?.loss === b?.loss;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
