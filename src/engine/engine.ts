// createEngine(): the sheet as a live computational graph. It owns the cells, their
// compiled formulas and the dependency edges; it schedules recomputation itself
// (dirty set → everything downstream → topological order, each cell once) and runs
// reverse-mode accumulation for losses. Listeners are told what changed; the engine
// never renders and never imports UI code.
import { compareAddresses, formatAddress, isAddress, nameProblem, parseAddress } from './formula/address';
import { ParseError, parseFormula } from './formula/parse';
import { identifierTokens, renameInFormula } from './formula/rewrite';
import { backpropCell } from './eval/backward';
import { type CellError, type ForwardEnv, UpstreamError, isCellError, runForward } from './eval/forward';
import { type Compiled, type Program, type Resolver, UnknownNameError, compile } from './eval/program';
import { type Template, compileTemplate, linkTemplate, templateKey } from './eval/templates';
import { Marks, findCycles, reach, topoOrder } from './graph/order';
import type { OpMeta } from './ops/define';
import { relativeError } from './ops/verify';
import { createRegistry, type Registry } from './ops/registry';
import type { CellDoc, SheetDoc } from './sheet/document';
import { addValues, filled } from './tensor/kernels';
import { Matrix, OpError, type Value, checkSize, cloneValue, shapeOf, shapeText, sizeOf, valueFromJson, valueToJson } from './tensor/value';

export type { CellError } from './eval/forward';

/** What the UI, the CLI and tests see of one cell. */
export interface CellView {
  at: string;
  name: string | null;
  formula: string;
  note: string | null;
  value: Value | null;
  error: CellError | null;
  /** ∂L/∂cell for the loss in use, null when the cell is not upstream of it. */
  grad: Value | null;
  shape: [number, number] | null;
  /** For check cells: the verdict and relative error. */
  check: { pass: boolean; relErr: number; tol: number } | null;
  /** True when the formula calls check(): a cell that graders count. */
  isCheck: boolean;
  /** True when the cell holds a parameter value (trained weights) instead of its formula's result. */
  isParameter: boolean;
}

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

export interface Contribution {
  /** The consumer cell through which this part of ∂L/∂cell flows. */
  via: string;
  /** ∂L/∂via. */
  viaGrad: Value;
  /** The part of ∂L/∂cell that arrives through `via`. */
  contribution: Value;
  /** ∂via/∂cell when both are scalars (the local derivative), else null. */
  local: number | null;
}

export interface Explanation {
  at: string;
  loss: string | null;
  grad: Value | null;
  parts: Contribution[];
}

export interface GradientCheck {
  gradCell: string;
  loss: string;
  pass: boolean;
  tol: number;
  /** Cells compared, failures first, then by relative error. `ok`: within tol, or within the noise floor of finite differences. */
  rows: { at: string; relErr: number; absErr: number; ok: boolean }[];
  /** Cells too large to difference within the work budget, or with an error. */
  skipped: string[];
  error: string | null;
}

export const GRADIENT_CHECK_TOL = 1e-5;

function maxAbsDiff(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  const A = typeof a === 'number' ? [a] : a.data, B = typeof b === 'number' ? [b] : b.data;
  let m = 0;
  for (let i = 0; i < A.length; i++) {
    const d = Math.abs(A[i] - B[i]);
    if (!(d <= m)) m = d; // NaN wins
  }
  return m;
}

export interface Engine {
  readonly registry: Registry;
  /** Set a cell's formula ('' clears it). Recomputes what is downstream. */
  setCell(at: string, formula: string): void;
  /** Give a cell a name (null removes it); formulas using the old name are rewritten. */
  setName(at: string, name: string | null): { ok: true } | { ok: false; message: string };
  setNote(at: string, note: string | null): void;
  /** Store a parameter value (or null to go back to the formula's own value). */
  setParameter(at: string, value: Value | null): void;
  get(at: string): CellView | null;
  /** Every non-empty cell, sorted by address. */
  cells(): CellView[];
  addressOf(name: string): string | null;
  /** Every cell name and its address (for autocomplete). */
  names(): { name: string; at: string }[];
  /** Grad cells (cells with grad(L)), sorted by address. */
  gradCells(): string[];
  /** Choose which grad cell's loss the gradients belong to (null: the first). */
  setActiveGrad(at: string | null): void;
  /** The grad cell in use and its loss. */
  activeLoss(): { gradCell: string; loss: string } | null;
  /** Chain-rule breakdown of ∂L/∂cell for the loss in use. */
  explain(at: string): Explanation;
  /**
   * Whole-sheet gradient check: for every grad cell's loss, compare ∂L/∂cell with central
   * finite differences for every cell upstream of it, worst relative errors first.
   */
  gradientCheck(tol?: number): GradientCheck[];
  /** Run several edits, recomputing once at the end. */
  batch<T>(fn: () => T): T;
  load(doc: SheetDoc): void;
  toDoc(meta?: { title?: string; notes?: string; extra?: Record<string, unknown> }): SheetDoc;
  subscribe(listener: (changes: ChangeSet) => void): () => void;
  /** True while a sliced recompute is still running. */
  busy(): boolean;
  /** Number of cell recomputations so far (for tests of incrementality). */
  readonly evaluations: number;
}

interface Cell {
  id: number;
  at: string;
  name: string | null;
  formula: string;
  note: string | null;
  param: Value | null;
  prog: Program | null;
  /** Cell ids behind the program's links. */
  links: number[];
  compileError: CellError | null;
  mentions: Set<string>;
  deps: number[];
  users: number[];
  value: Value | null;
  error: CellError | null;
  slots: Value[];
  meta: OpMeta;
  /** Bumped on every evaluation: cached gradients of a loss are valid while its version holds. */
  version: number;
  /** Address order as a number (column-major, as files list cells): sorting needs no parsing. */
  order: number;
}

interface Gradients {
  /** ∂L/∂cell by id (undefined: not upstream of L). */
  adj: (Value | undefined)[];
  /** Ids upstream of L, L first (reverse topological order). */
  order: number[];
  error: CellError | null;
  lossVersion: number;
  /** Upstream cells no gradient flows to (their 0 is structural, not computed). */
  constant: Set<number>;
}

export const NUMGRAD_STEP = 1e-5;
const NO_NAMES: Set<string> = new Set();
/**
 * numgrad re-evaluates the path X → L twice per entry of X; beyond this many matrix entries
 * computed in all (about a second of work) it refuses and points to grad(L, X).
 */
const MAX_NUMGRAD_WORK = 5e7;

/**
 * How a host lets long recomputes yield (the app: a macrotask and a frame budget). Without
 * one, every recompute finishes before setCell returns (the CLI, tests, a Worker).
 */
export interface Slicer {
  now(): number;
  /** Run `fn` later, after the host has had a chance to paint and handle input. */
  defer(fn: () => void): void;
  /** Milliseconds of recompute per slice. */
  budgetMs: number;
}

export interface EngineOptions {
  registry?: Registry;
  slicer?: Slicer;
}

export function createEngine(options: EngineOptions = {}): Engine {
  const registry = options.registry ?? createRegistry();
  const slicer = options.slicer ?? null;
  /** A recompute in progress, when a slicer lets it yield: the order and how far it got. */
  let job: { order: number[]; leftover: number[]; k: number; backward: BackwardRun | null } | null = null;
  const cells: Cell[] = [];
  const byAt = new Map<string, number>();
  const byName = new Map<string, number>();
  const mentionedBy = new Map<string, Set<number>>();
  const marks = new Marks();
  const marks2 = new Marks();
  let indeg = new Int32Array(1024);
  const listeners = new Set<(c: ChangeSet) => void>();
  const gradCache = new Map<number, Gradients>();
  /** Bumped whenever any formula is (re)compiled: the grad-cell list is cached against it. */
  let compileVersion = 0;
  const templates = new Map<string, Template | null>();
  let lastGradKey = '';
  let gradCellsCache: { version: number; ids: number[] } | null = null;
  /** Compiled programs by structure (see eval/program.ts): shared between cells. */
  const programs = new Map<string, Program>();
  let activeGradCell: number | null = null;
  let batchDepth = 0;
  let pendingDirty = new Set<number>();
  // Cells to report in the next ChangeSet, deduplicated with stamp marks (no Set of 100k ids).
  let pendingChanged: number[] = [];
  const changedMarks = new Marks();
  let changedStamp = changedMarks.next();
  let pending = new Int32Array(1024);
  /** Bumped whenever an edge of the dependency graph changes; cached orders check it. */
  let structureVersion = 0;
  const orderCache = new Map<number, { version: number; order: number[] }>();
  /** Reverse topological order of each loss's upstream cells, while the edges hold. */
  const upstreamCache = new Map<number, { version: number; order: number[] }>();
  let pendingStructure = false;
  let evaluations = 0;
  const scratchAdj: (Value | undefined)[] = [];

  // ---------- cell records ----------
  function cellAt(at: string): Cell {
    let id = byAt.get(at);
    if (id === undefined) {
      id = cells.length;
      const a = parseAddress(at)!;
      cells.push({
        id, at, name: null, formula: '', note: null, param: null, prog: null, links: [], compileError: null,
        mentions: NO_NAMES, deps: [], users: [], value: null, error: emptyError(at), slots: [], meta: {}, version: 0,
        order: a.col * 10_000 + a.row,
      });
      byAt.set(at, id);
    }
    return cells[id];
  }

  function emptyError(at: string): CellError {
    return { kind: 'REF', message: `${at} is empty` };
  }

  /** Sorted by address, by the precomputed key. */
  function byAddress(list: Cell[]): Cell[] {
    return list.sort((a, b) => a.order - b.order);
  }

  const resolver: Resolver = {
    address: (at) => cellAt(at).id,
    name: (n) => byName.get(n) ?? -1,
    range(from, to) {
      const a = parseAddress(from)!, b = parseAddress(to)!;
      const c0 = Math.min(a.col, b.col), c1 = Math.max(a.col, b.col);
      const r0 = Math.min(a.row, b.row), r1 = Math.max(a.row, b.row);
      const rows = r1 - r0 + 1, cols = c1 - c0 + 1;
      if (rows * cols > 100_000) throw new OpError('SIZE', `range ${from}:${to} spans ${rows * cols} cells (at most 100000)`);
      checkSize(rows, cols);
      const ids: number[] = [];
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) ids.push(cellAt(formatAddress(c, r)).id);
      return { cells: ids, rows, cols };
    },
  };

  // ---------- compiling and edges ----------
  function recompileCell(c: Cell): void {
    compileVersion++;
    // A cell appearing or disappearing is a structural change even when its edges do not move.
    if ((c.prog === null && c.compileError === null) !== (c.formula.trim() === '')) pendingStructure = true;
    for (const n of c.mentions) mentionedBy.get(n)?.delete(c.id);
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
          if (e instanceof UnknownNameError) err.message += ` (at character ${firstReference(c.formula, e.names) + 1})`;
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
      let s = mentionedBy.get(n);
      if (!s) mentionedBy.set(n, (s = new Set()));
      s.add(c.id);
    }
    setDeps(c, compiled ? compiled.deps : []);
    if (c.prog !== prog) c.slots = []; // the tape belongs to the old program
    c.prog = prog;
    c.compileError = err;
    pendingDirty.add(c.id);
    changed(c.id);
  }

  /** Where the first of `names` is used as a reference in `formula` (0-based; 0 if not found). */
  function firstReference(formula: string, names: string[]): number {
    for (const t of identifierTokens(formula)) if (names.includes(t.text) && formula[t.start - 1] !== '.') return t.start;
    return 0;
  }

  /** The compiled formula through its template (see eval/templates.ts), or null to compile it directly. */
  function fromTemplate(formula: string, mentions: Set<string>): Compiled | null {
    const tk = templateKey(formula);
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

  function setDeps(c: Cell, deps: number[]): void {
    if (sameList(c.deps, deps)) return; // re-typing a number keeps the edges (and cached orders)
    structureVersion++;
    for (const d of c.deps) {
      const u = cells[d].users;
      const i = u.indexOf(c.id);
      if (i >= 0) {
        u[i] = u[u.length - 1];
        u.pop();
      }
    }
    c.deps = deps;
    for (const d of deps) cells[d].users.push(c.id);
    pendingStructure = true;
  }

  function sameList(a: readonly number[], b: readonly number[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function recompileMentions(name: string): void {
    const s = mentionedBy.get(name);
    if (s) for (const id of [...s]) recompileCell(cells[id]);
  }

  // ---------- forward ----------
  const env: ForwardEnv = {
    read(id) {
      const c = cells[id];
      return c.error ?? (c.value as Value);
    },
    gradient(kind, loss, wrt) {
      return kind === 'grad' ? gradValue(loss, wrt) : numgrad(loss, wrt);
    },
    label: (id) => cells[id].at,
  };

  function evaluate(c: Cell): void {
    evaluations++;
    c.version++;
    if (c.meta.check) c.meta = {};
    if (c.param !== null) {
      c.value = c.param;
      c.error = null;
      c.slots = [];
      return;
    }
    if (c.compileError) {
      c.value = null;
      c.error = c.compileError;
      return;
    }
    if (!c.prog) {
      c.value = null;
      c.error = emptyError(c.at);
      return;
    }
    try {
      c.value = runForward(c.prog, c.links, c.slots, env, c.meta);
      c.error = null;
    } catch (e) {
      c.value = null;
      c.error = toCellError(e);
      c.slots.length = 0;
    }
  }

  /**
   * Everything downstream of `dirty` in topological order. The order after a one-cell edit
   * is cached until an edge changes: editing a number again and again (the common case)
   * then skips the graph walk.
   */
  function downstreamOrder(dirty: Set<number>): { order: number[]; leftover: number[] } {
    const single = dirty.size === 1 ? dirty.values().next().value! : -1;
    if (single >= 0) {
      const hit = orderCache.get(single);
      if (hit && hit.version === structureVersion) return { order: hit.order, leftover: [] };
    }
    const n = cells.length;
    if (indeg.length < n) indeg = new Int32Array(Math.max(n, indeg.length * 2));
    const { ids, stamp } = reach(dirty, (id) => cells[id].users, marks, n);
    const res = topoOrder(ids, stamp, marks, (id) => cells[id].deps, (id) => cells[id].users, indeg);
    if (single >= 0 && res.leftover.length === 0 && res.order.length > 64) {
      if (orderCache.size > 64) orderCache.clear();
      orderCache.set(single, { version: structureVersion, order: res.order });
    }
    return res;
  }

  function recompute(): void {
    // Edits made while a sliced recompute runs wait for it: it picks them up when it ends.
    if (job) return;
    const dirty = pendingDirty;
    pendingDirty = new Set();
    if (dirty.size === 0 && !pendingStructure) return emit();
    const { order, leftover } = downstreamOrder(dirty);
    job = { order, leftover, k: 0, backward: null };
    runJob();
  }

  function yieldJob(j: NonNullable<typeof job>, start: number): void {
    for (let k = start; k < j.k; k++) changed(j.order[k]);
    emit({ done: j.k, total: j.order.length });
    slicer!.defer(runJob);
  }

  /** A reverse pass that `c` needs and that is not cached yet, started; null when there is none. */
  function staleBackward(c: Cell): BackwardRun | null {
    if (!c.prog || c.param !== null) return null;
    for (const it of c.prog.instrs) {
      if (it.t !== 'grad') continue;
      const lossId = c.links[it.loss];
      const L = cells[lossId];
      if (lossId < 0 || L.error) continue;
      const cached = gradCache.get(lossId);
      if (cached && cached.lossVersion === L.version) continue;
      return startBackward(lossId);
    }
    return null;
  }

  /**
   * Evaluate the job's cells in order. With a slicer, stop when the slice's budget is spent
   * (checked every 64 cells), tell listeners how far it got, and continue later; small
   * recomputes finish within the first slice, synchronously.
   */
  function runJob(): void {
    const j = job!;
    const t0 = slicer ? slicer.now() : 0;
    const { order } = j;
    const start = j.k;
    while (j.k < order.length) {
      // A grad cell is next: its reverse pass can be as long as the forward, so with a
      // slicer it runs in slices of its own before the cell is evaluated.
      if (slicer && !j.backward) j.backward = staleBackward(cells[order[j.k]]);
      if (j.backward) {
        const deadline = t0 + slicer!.budgetMs;
        if (!stepBackward(j.backward, deadline)) {
          yieldJob(j, start);
          return;
        }
        finishBackward(j.backward);
        j.backward = null;
        continue; // the cell may read other losses too
      }
      evaluate(cells[order[j.k++]]);
      if (slicer && (j.k & 63) === 0 && j.k < order.length && slicer.now() - t0 > slicer.budgetMs) {
        yieldJob(j, start);
        return;
      }
    }
    if (j.leftover.length) markCycles(j.leftover);
    for (let k = start; k < order.length; k++) changed(order[k]);
    for (let k = 0; k < j.leftover.length; k++) changed(j.leftover[k]);
    job = null;
    emit();
    if (pendingDirty.size || pendingStructure) recompute();
  }

  function markCycles(leftover: number[]): void {
    const onCycle = new Set<number>();
    for (const cycle of findCycles(leftover, (id) => cells[id].users)) {
      const members = cycle.map((id) => cells[id].at).sort(compareAddresses);
      const text = members.length > 6 ? `${members.slice(0, 6).join(' → ')} …` : members.join(' → ');
      for (const id of cycle) {
        const c = cells[id];
        onCycle.add(id);
        c.version++; // cached gradients of a loss pulled into a cycle are stale
        c.meta = {};
        c.value = null;
        c.slots.length = 0;
        c.error = { kind: 'CYCLE', message: `circular reference: ${text}` };
      }
    }
    // The rest depend on a cycle: evaluate them in order now that cycle cells hold errors.
    const rest = leftover.filter((id) => !onCycle.has(id));
    if (!rest.length) return;
    const { ids, stamp } = reach(rest, () => [], marks2, cells.length);
    const sub = topoOrder(ids, stamp, marks2, (id) => cells[id].deps, (id) => cells[id].users, indeg);
    for (const id of sub.order) evaluate(cells[id]);
  }

  function changed(id: number): void {
    changedMarks.ensure(cells.length);
    if (changedMarks.get(id) === changedStamp) return;
    changedMarks.set(id, changedStamp);
    pendingChanged.push(id);
  }

  function emit(progress: { done: number; total: number } | null = null): void {
    const ids = pendingChanged;
    const structure = pendingStructure;
    pendingChanged = [];
    changedStamp = changedMarks.next();
    let list: string[] | null = null;
    pendingStructure = false;
    // Addresses are built only if a listener asks (a 100,000-cell recompute need not make 100,000 strings).
    // Gradients on screen change only when the loss in use was recomputed or switched.
    const a = activeLossId();
    const gradKey = a ? `${a.gradCell}:${a.loss}:${cells[a.loss].version}` : '';
    const grads = structure || gradKey !== lastGradKey;
    lastGradKey = gradKey;
    const change: ChangeSet = {
      get cells() {
        return (list ??= ids.map((id) => cells[id].at));
      },
      grads,
      structure,
      progress,
    };
    for (const l of listeners) l(change);
  }

  function toCellError(e: unknown): CellError {
    if (e instanceof UpstreamError) return e.error;
    if (e instanceof ParseError) return { kind: 'PARSE', message: e.pos >= 0 ? `${e.message} (at character ${e.pos + 1})` : e.message };
    if (e instanceof UnknownNameError) return { kind: 'NAME', message: e.message };
    if (e instanceof OpError) return { kind: e.kind, message: e.message };
    if (e instanceof RangeError) return { kind: 'SIZE', message: `too large to compute: ${e.message}` };
    return { kind: 'VALUE', message: e instanceof Error ? e.message : String(e) };
  }

  // ---------- backward ----------
  function gradientsOf(lossId: number): Gradients {
    const L = cells[lossId];
    const cached = gradCache.get(lossId);
    if (cached && cached.lossVersion === L.version) return cached;
    const run = startBackward(lossId);
    stepBackward(run, Infinity);
    return finishBackward(run);
  }

  /** A reverse pass in progress (resumable, so a sliced recompute can spread it over slices). */
  interface BackwardRun {
    lossId: number;
    adj: (Value | undefined)[];
    up: number[];
    k: number;
    error: CellError | null;
    add: (cell: number, g: Value) => void;
  }

  function startBackward(lossId: number): BackwardRun {
    const L = cells[lossId];
    const adj: (Value | undefined)[] = new Array(cells.length);
    let error: CellError | null = null;
    let up: number[] = [];
    if (L.error) error = { kind: L.error.kind, message: `the loss ${L.at} has an error: ${L.error.message}`, origin: L.error.origin ?? L.at };
    else if (shapeOf(L.value!)[0] !== 1 || shapeOf(L.value!)[1] !== 1) {
      error = { kind: 'GRAD', message: `the loss ${label(L)} must be a scalar, it is ${shapeText(L.value!)}` };
    } else {
      adj[lossId] = 1;
      up = upstreamOrder(lossId);
    }
    const add = (cell: number, g: Value) => {
      const prev = adj[cell];
      adj[cell] = prev === undefined ? g : typeof prev === 'number' && typeof g === 'number' ? prev + g : addValues(prev, g);
    };
    return { lossId, adj, up, k: 0, error, add };
  }

  /** Run the reverse pass until done, or until `deadline` (slicer time, checked every 64 cells). */
  function stepBackward(run: BackwardRun, deadline: number): boolean {
    const { adj, up, add } = run;
    while (run.k < up.length) {
      const c = cells[up[run.k++]];
      const g = adj[c.id];
      // (A cell recompiled since its forward, during a sliced recompute, has no tape yet:
      // it is recomputed, and so is this loss, when the recompute picks up the edit.)
      if (g !== undefined && c.prog && c.param === null && !c.error && c.slots.length === c.prog.instrs.length) {
        backpropCell(c.prog, c.links, c.slots, g, add, scratchAdj);
      }
      if ((run.k & 63) === 0 && deadline !== Infinity && slicer!.now() > deadline) return run.k >= up.length;
    }
    return true;
  }

  function finishBackward(run: BackwardRun): Gradients {
    const { adj, up: order, lossId } = run;
    const constant = new Set<number>();
    if (!run.error) {
      // Upstream cells with no differentiable path to L (labels, comparisons, sizes) still
      // show ∂L/∂cell = 0; they are remembered so the gradient check does not difference them.
      for (const id of order) {
        if (adj[id] === undefined && cells[id].value !== null) {
          const [r, c] = shapeOf(cells[id].value!);
          adj[id] = filled(r, c, 0);
          constant.add(id);
        }
      }
    }
    const res: Gradients = { adj, order, error: run.error, lossVersion: cells[lossId].version, constant };
    gradCache.set(lossId, res);
    return res;
  }

  /**
   * The cells upstream of a loss, the loss first, each after all of its users (reverse
   * topological order): a cell's backward runs once every consumer has passed its part back.
   */
  function upstreamOrder(lossId: number): number[] {
    const hit = upstreamCache.get(lossId);
    if (hit && hit.version === structureVersion) return hit.order;
    const { ids, stamp } = reach([lossId], (id) => cells[id].deps, marks2, cells.length);
    if (pending.length < cells.length) pending = new Int32Array(Math.max(cells.length, pending.length * 2));
    for (let k = 0; k < ids.length; k++) {
      const users = cells[ids[k]].users;
      let n = 0;
      for (let j = 0; j < users.length; j++) if (marks2.get(users[j]) === stamp) n++;
      pending[ids[k]] = n;
    }
    const order: number[] = [];
    const stack = [lossId];
    while (stack.length) {
      const id = stack.pop()!;
      order.push(id);
      const deps = cells[id].deps;
      for (let j = 0; j < deps.length; j++) if (--pending[deps[j]] === 0) stack.push(deps[j]);
    }
    if (upstreamCache.size > 16) upstreamCache.clear();
    upstreamCache.set(lossId, { version: structureVersion, order });
    return order;
  }

  function label(c: Cell): string {
    return c.name ? `${c.name} (${c.at})` : c.at;
  }

  function gradValue(lossId: number, wrt: number): Value {
    const G = gradientsOf(lossId);
    if (G.error) throw new OpError(G.error.kind as any, G.error.message);
    if (wrt < 0) return cells[lossId].value!;
    const X = cells[wrt];
    if (X.error) throw new UpstreamError({ kind: X.error.kind, message: `${X.at}: ${X.error.message}`, origin: X.error.origin ?? X.at });
    const g = G.adj[wrt];
    if (g !== undefined) return g;
    const [r, c] = shapeOf(X.value!);
    return filled(r, c, 0);
  }

  function numgrad(lossId: number, wrt: number): Value {
    const L = cells[lossId], X = cells[wrt];
    for (const c of [L, X]) if (c.error) throw new UpstreamError({ kind: c.error.kind, message: `${c.at}: ${c.error.message}`, origin: c.error.origin ?? c.at });
    if (shapeOf(L.value!)[0] !== 1 || shapeOf(L.value!)[1] !== 1) throw new OpError('GRAD', `numgrad: the loss ${label(L)} must be a scalar, it is ${shapeText(L.value!)}`);
    const x0 = X.value!;
    const [r, cc] = shapeOf(x0);
    if (lossId === wrt) return filled(r, cc, 1);
    // Cells on a path X → L, in topological order.
    const up = reach([lossId], (id) => cells[id].deps, marks, cells.length);
    const upSet = new Set(up.ids);
    if (!upSet.has(wrt)) return filled(r, cc, 0);
    const down = reach([wrt], (id) => cells[id].users.filter((u) => upSet.has(u)), marks2, cells.length);
    const sub = topoOrder(down.ids, down.stamp, marks2, (id) => cells[id].deps, (id) => cells[id].users, indeg);
    const path = sub.order.filter((id) => id !== wrt);
    const n = r * cc;
    let perPass = 0;
    for (const id of path) perPass += cells[id].value === null ? 1 : sizeOf(cells[id].value!) + cells[id].slots.length;
    if (2 * n * perPass > MAX_NUMGRAD_WORK) {
      throw new OpError('SIZE', `numgrad: ${n} entries × 2 evaluations of ${path.length} cells (${perPass} values each) is too much work; use grad(L, X)`);
    }
    const scratch = new Map<number, Value | CellError>();
    const scratchEnv: ForwardEnv = {
      read: (id) => (scratch.has(id) ? scratch.get(id)! : env.read(id)),
      gradient: env.gradient,
      label: env.label,
    };
    const slots: Value[] = [];
    const lossAt = (x: Value): number => {
      scratch.clear();
      scratch.set(wrt, x);
      for (const id of path) {
        const c = cells[id];
        if (c.param !== null || !c.prog) continue;
        try {
          scratch.set(id, runForward(c.prog, c.links, slots, scratchEnv, {}));
        } catch (e) {
          scratch.set(id, toCellError(e));
        }
      }
      const v = scratch.get(lossId);
      if (v === undefined || isCellError(v)) return NaN;
      return typeof v === 'number' ? v : v.data[0];
    };
    const h = NUMGRAD_STEP;
    const out = new Float64Array(n);
    const xm = cloneValue(x0);
    for (let i = 0; i < n; i++) {
      const base = typeof x0 === 'number' ? x0 : x0.data[i];
      const at = (d: number): Value => {
        if (typeof xm === 'number') return base + d;
        xm.data[i] = base + d;
        return xm;
      };
      const fp = lossAt(at(h));
      const fm = lossAt(at(-h));
      if (typeof xm !== 'number') xm.data[i] = base;
      out[i] = (fp - fm) / (2 * h);
    }
    return n === 1 && typeof x0 === 'number' ? out[0] : new Matrix(r, cc, out);
  }

  function lossCellOf(c: Cell): number | null {
    if (!c.prog) return null;
    const last = c.prog.instrs[c.prog.instrs.length - 1];
    return last.t === 'grad' && last.wrt < 0 ? c.links[last.loss] : null;
  }

  /** Grad cells by address; the list changes only when a formula is compiled, so it is cached. */
  function gradCellIds(): number[] {
    if (gradCellsCache && gradCellsCache.version === compileVersion) return gradCellsCache.ids;
    const ids = byAddress(cells.filter((c) => lossCellOf(c) !== null)).map((c) => c.id);
    gradCellsCache = { version: compileVersion, ids };
    return ids;
  }

  function activeLossId(): { gradCell: number; loss: number } | null {
    const ids = gradCellIds();
    const g = activeGradCell !== null && ids.includes(activeGradCell) ? activeGradCell : ids[0];
    if (g === undefined) return null;
    return { gradCell: g, loss: lossCellOf(cells[g])! };
  }

  function shownGradients(): Gradients | null {
    const a = activeLossId();
    if (!a) return null;
    const G = gradientsOf(a.loss);
    return G;
  }

  // ---------- views ----------
  function view(c: Cell, G: Gradients | null): CellView {
    const v = c.error ? null : c.value;
    const g = G && !G.error ? G.adj[c.id] : undefined;
    const shape = v === null ? null : (shapeOf(v) as [number, number]);
    return {
      at: c.at, name: c.name, formula: c.formula, note: c.note,
      value: v, error: c.error, grad: g === undefined ? null : g, shape,
      check: c.meta.check ?? null, isCheck: isCheckCell(c), isParameter: c.param !== null,
    };
  }

  function isCheckCell(c: Cell): boolean {
    if (c.prog) return c.prog.instrs.some((i) => i.t === 'op' && i.op!.name === 'check');
    return /\bcheck\s*\(/.test(c.formula);
  }

  function isEmpty(c: Cell): boolean {
    return c.formula === '' && c.name === null && c.note === null && c.param === null;
  }

  function flush(): void {
    if (batchDepth === 0) recompute();
  }

  const engine: Engine = {
    registry,
    busy: () => job !== null,
    get evaluations() {
      return evaluations;
    },

    setCell(at, formula) {
      if (!isAddress(at)) throw new Error(`${at} is not a cell address`);
      const c = cellAt(at);
      if (c.formula === formula && !c.param) return;
      c.formula = formula;
      c.param = null;
      recompileCell(c);
      flush();
    },

    setName(at, name) {
      if (!isAddress(at)) return { ok: false, message: `${at} is not a cell address` };
      const c = cellAt(at);
      const next = name === null || name.trim() === '' ? null : name.trim();
      if (next === c.name) return { ok: true };
      if (next !== null) {
        const problem = nameProblem(next, (n) => registry.has(n));
        if (problem) return { ok: false, message: problem };
        const other = byName.get(next);
        if (other !== undefined && other !== c.id) return { ok: false, message: `"${next}" is already the name of ${cells[other].at}` };
      }
      const old = c.name;
      if (old !== null) byName.delete(old);
      c.name = next;
      if (next !== null) byName.set(next, c.id);
      changed(c.id);
      pendingDirty.add(c.id); // messages downstream name the cell by its name
      pendingStructure = true;
      if (old !== null && next !== null) {
        // Renaming rewrites the formulas that used the old name.
        for (const id of [...(mentionedBy.get(old) ?? [])]) {
          const u = cells[id];
          u.formula = renameInFormula(u.formula, old, next);
          recompileCell(u);
        }
      } else if (old !== null) recompileMentions(old);
      if (next !== null) recompileMentions(next);
      flush();
      return { ok: true };
    },

    setNote(at, note) {
      const c = cellAt(at);
      c.note = note === null || note === '' ? null : note;
      changed(c.id);
      flush();
    },

    setParameter(at, value) {
      const c = cellAt(at);
      c.param = value === null ? null : value;
      pendingDirty.add(c.id);
      changed(c.id);
      flush();
    },

    get(at) {
      const id = byAt.get(at);
      if (id === undefined) return null;
      const c = cells[id];
      if (isEmpty(c)) return null;
      return view(c, shownGradients());
    },

    cells() {
      const G = shownGradients();
      return byAddress(cells.filter((c) => !isEmpty(c))).map((c) => view(c, G));
    },

    addressOf(name) {
      const id = byName.get(name);
      return id === undefined ? null : cells[id].at;
    },

    names() {
      return [...byName].map(([name, id]) => ({ name, at: cells[id].at })).sort((p, q) => (p.name < q.name ? -1 : p.name > q.name ? 1 : 0));
    },

    gradCells() {
      return gradCellIds().map((id) => cells[id].at);
    },

    setActiveGrad(at) {
      activeGradCell = at === null ? null : (byAt.get(at) ?? null);
      pendingStructure = true;
      flush();
    },

    activeLoss() {
      const a = activeLossId();
      return a ? { gradCell: cells[a.gradCell].at, loss: cells[a.loss].at } : null;
    },

    explain(at) {
      const a = activeLossId();
      const id = byAt.get(at);
      const base: Explanation = { at, loss: a ? cells[a.loss].at : null, grad: null, parts: [] };
      if (!a || id === undefined) return base;
      const G = gradientsOf(a.loss);
      if (G.error) return base;
      const g = G.adj[id];
      base.grad = g ?? null;
      if (g === undefined) return base;
      const inUp = new Set(G.order);
      const x = cells[id];
      for (const uid of [...new Set(x.users)].sort((p, q) => cells[p].order - cells[q].order)) {
        const u = cells[uid];
        const ug = G.adj[uid];
        if (!inUp.has(uid) || ug === undefined || !u.prog || u.error || u.param !== null || u.slots.length !== u.prog.instrs.length) continue;
        let part: Value | undefined;
        backpropCell(u.prog, u.links, u.slots, ug, (cell, contribution) => {
          if (cell === id) part = part === undefined ? contribution : addValues(part, contribution);
        }, []);
        if (part === undefined) continue;
        const local = typeof ug === 'number' && typeof part === 'number' && ug !== 0 ? part / ug : null;
        base.parts.push({ via: u.at, viaGrad: ug, contribution: part, local });
      }
      return base;
    },

    gradientCheck(tol = GRADIENT_CHECK_TOL) {
      const out: GradientCheck[] = [];
      for (const gid of gradCellIds()) {
        const lossId = lossCellOf(cells[gid])!;
        const res: GradientCheck = { gradCell: cells[gid].at, loss: cells[lossId].at, pass: true, tol, rows: [], skipped: [], error: null };
        out.push(res);
        const G = gradientsOf(lossId);
        const noiseFloor = 1e-8 * Math.max(1, Math.abs(cells[lossId].value === null ? 0 : (cells[lossId].value as number)));
        if (G.error) {
          res.error = G.error.message;
          res.pass = false;
          continue;
        }
        for (const id of G.order) {
          const c = cells[id];
          const g = G.adj[id];
          if (g === undefined || c.value === null || id === lossId || G.constant.has(id)) continue;
          let n: Value;
          try {
            n = numgrad(lossId, id);
          } catch {
            res.skipped.push(c.at);
            continue;
          }
          // Finite differences carry noise of about ε·|L|/h ≈ 1e-11·|L|: a gradient that is 0 in
          // exact arithmetic (rounding −2.8e−17 against 0) must not fail on relative error alone.
          const relErr = relativeError(g, n);
          const absErr = maxAbsDiff(g, n);
          const ok = relErr <= tol || absErr <= noiseFloor;
          res.rows.push({ at: c.at, relErr, absErr, ok });
          if (!ok) res.pass = false;
        }
        const badness = (r: { relErr: number; ok: boolean }) => (Number.isNaN(r.relErr) ? Infinity : r.relErr) + (r.ok ? 0 : 1e9);
        res.rows.sort((a, b) => badness(b) - badness(a) || compareAddresses(a.at, b.at));
      }
      return out;
    },

    batch(fn) {
      batchDepth++;
      try {
        return fn();
      } finally {
        batchDepth--;
        flush();
      }
    },

    load(doc) {
      engine.batch(() => {
        for (const c of cells) if (!isEmpty(c)) {
          if (c.name) byName.delete(c.name);
          c.name = null;
          c.formula = '';
          c.note = null;
          c.param = null;
          recompileCell(c);
        }
        for (const cd of doc.cells) {
          const c = cellAt(cd.at);
          c.formula = cd.formula;
          c.note = cd.note ?? null;
          c.param = cd.value === undefined ? null : valueFromJson(cd.value);
          if (cd.name) {
            c.name = cd.name;
            byName.set(cd.name, c.id);
          }
        }
        // Names are all in place before any formula is compiled, so order in the file does not matter.
        for (const cd of doc.cells) recompileCell(cellAt(cd.at));
        activeGradCell = null;
      });
    },

    toDoc(meta = {}) {
      const out: CellDoc[] = [];
      for (const c of byAddress([...cells])) {
        if (isEmpty(c)) continue;
        const cd: CellDoc = { at: c.at, formula: c.formula };
        if (c.name) cd.name = c.name;
        if (c.param !== null) cd.value = valueToJson(c.param);
        if (c.note) cd.note = c.note;
        out.push(cd);
      }
      const doc: SheetDoc = { gradsheet: 1, cells: out };
      if (meta.title !== undefined) doc.title = meta.title;
      if (meta.notes !== undefined) doc.notes = meta.notes;
      if (meta.extra) doc.extra = meta.extra;
      return doc;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return engine;
}
