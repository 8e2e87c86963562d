// createEngine(): the sheet as a live computational graph. It owns the cells, their
// compiled formulas and the dependency edges, and schedules recomputation itself (dirty set
// → everything downstream → topological order, each cell once, in slices when a host asks).
// Reverse-mode accumulation, numgrad and the gradient check are eval/gradients.ts. Listeners
// are told what changed; the engine never renders and never imports UI code.
import { type Cell, type CellError, toCellError } from './cell';
import { compareAddresses, formatAddress, isAddress, nameProblem, parseAddress, pinnedAddress } from './formula/address';
import { parseFormula } from './formula/parse';
import { identifierTokens, renameInFormula } from './formula/rewrite';
import { type ForwardEnv, runForward } from './eval/forward';
import {
  type BackwardRun,
  type Explanation,
  GRADIENT_CHECK_TOL,
  type GradientCheck,
  type Gradients,
  createGradients,
} from './eval/gradients';
import { type Compiled, type Program, type Resolver, UnknownNameError, compile } from './eval/program';
import { type Template, compileTemplate, linkTemplate, templateKey } from './eval/templates';
import { type Plan, type PlanSource, type TraceEntry, buildPlan, createPlanRunner } from './eval/plan';
import { Marks, findCycles, reach, topoOrder } from './graph/order';
import { addValues } from './tensor/kernels';
import { createRegistry, type Registry } from './ops/registry';
import type { CellDoc, SheetDoc } from './sheet/document';
import { OpError, type Value, checkSize, shapeOf, valueFromJson, valueToJson } from './tensor/value';
import { type ClaimGraph, optimizerValue } from './train/claims';
import { type TrainState, emptyTrainState, readTrainState, trainStateToJson } from './train/state';

export type { CellError } from './cell';
export type { Contribution, Explanation, GradientCheck } from './eval/gradients';
export { GRADIENT_CHECK_TOL, NUMGRAD_STEP } from './eval/gradients';

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

export interface Engine {
  readonly registry: Registry;
  /** Set a cell's formula ('' clears it). Recomputes what is downstream. */
  setCell(at: string, formula: string): void;
  /** Give a cell a name (null removes it); formulas using the old name are rewritten. */
  /** `note`: what else changed (formulas that meant the address W1 now say $W$1). */
  setName(at: string, name: string | null): { ok: true; note?: string } | { ok: false; message: string };
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
   * The sheet's computation as plain data (eval/plan.ts): every cell, or only what the
   * `losses` need; with `freeze`, cells that depend on no parameter are given inputs.
   */
  plan(options?: { losses?: string[]; freeze?: boolean; optimizers?: string[] }): Plan;
  /** Training (engine/train): the optimizer cells (sgd, adam) and the parameter cells, by address. */
  optimizerCells(): string[];
  parameterCells(): string[];
  /** Training state (step(), optimizers' step counts and moments): read by step() and optimizer cells, saved in the file. */
  trainState(): TrainState;
  setTrainState(state: TrainState): void;
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

const NO_NAMES: Set<string> = new Set();
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
  /** Bumped whenever an edge of the dependency graph changes; cached orders check it. */
  let structureVersion = 0;
  const orderCache = new Map<number, { version: number; order: number[] }>();
  let pendingStructure = false;
  let evaluations = 0;
  /** Training state (engine/train/state.ts) and the cell being evaluated (an optimizer's value needs it). */
  let train: TrainState = emptyTrainState();
  let evaluating = -1;

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
      let s = mentionedBy.get(n);
      if (!s) mentionedBy.set(n, (s = new Set()));
      s.add(c.id);
    }
    setDeps(c, compiled ? compiled.deps : []);
    if (c.prog !== prog) c.slots = []; // the tape belongs to the old program
    const wasOptimizer = isOptimizer(c.prog);
    c.prog = prog;
    optimizerCache = null;
    // Two optimizers may claim one parameter: a change to any optimizer re-checks them all.
    if (wasOptimizer || isOptimizer(prog)) for (const o of optimizerIds()) pendingDirty.add(o);
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
    const tk = templateKey(formula, (n) => byName.has(n));
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

  /** Rewrite unpinned references to the address `at` as `$C$R`; the cells rewritten. */
  function pinAddressUses(at: string): string[] {
    const target = byAt.get(at);
    if (!isAddress(at) || target === undefined) return [];
    const done: string[] = [];
    for (const id of [...new Set(cells[target].users)]) {
      const u = cells[id];
      const f = renameInFormula(u.formula, at, pinnedAddress(at));
      if (f === u.formula) continue;
      u.formula = f;
      recompileCell(u);
      done.push(u.at);
    }
    return done.sort(compareAddresses);
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
      return kind === 'grad' ? gradients.gradValue(loss, wrt) : gradients.numgrad(loss, wrt);
    },
    label: (id) => cells[id].at,
    step: () => train.step,
    optimizer(op, loss, hyper) {
      const self = cells[evaluating];
      return optimizerValue(claimGraph, self.id, op, loss, cells[loss].value!, hyper, train.optimizers.get(self.at)?.steps ?? 0);
    },
  };
  const claimGraph: ClaimGraph = {
    deps: (id) => cells[id].deps,
    isParam: (id) => isParamCell(cells[id]),
    optimizers: () => optimizerIds().map((id) => ({ id, loss: cells[id].links[lastInstr(cells[id].prog!).loss] })),
    label: (id) => (cells[id].name ? `${cells[id].name} (${cells[id].at})` : cells[id].at),
  };

  function lastInstr(p: Program) {
    return p.instrs[p.instrs.length - 1];
  }
  function isOptimizer(p: Program | null): boolean {
    return p !== null && lastInstr(p).t === 'optimize';
  }
  /** A parameter: a stored value (trained weights), or a formula that is param(init). */
  function isParamCell(c: Cell): boolean {
    if (c.param !== null) return true;
    const last = c.prog ? lastInstr(c.prog) : null;
    return last !== null && last.t === 'op' && last.op!.name === 'param';
  }
  let optimizerCache: { version: number; ids: number[] } | null = null;
  function optimizerIds(): number[] {
    if (optimizerCache?.version !== compileVersion) optimizerCache = { version: compileVersion, ids: cells.filter((c) => isOptimizer(c.prog)).map((c) => c.id) };
    return optimizerCache.ids;
  }
  /** Cells that read the step count (step(), minibatch()): recomputed when it changes. */
  function volatileIds(): number[] {
    return cells.filter((c) => c.prog !== null && c.prog.instrs.some((it) => it.t === 'op' && it.op!.volatile === true)).map((c) => c.id);
  }

  const gradients = createGradients({ cells, env, structureVersion: () => structureVersion, now: () => slicer!.now() });
  const { gradientsOf, staleBackward, stepBackward, finishBackward } = gradients;

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
      evaluating = c.id;
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
    // Mid-way through a sliced recompute, show the last gradients computed: recomputing them
    // here would run a whole reverse pass in one go, the freeze the slices are there to avoid.
    if (job) return gradients.lastComputed(a.loss);
    return gradientsOf(a.loss);
  }

  // ---------- the plan ----------
  const planSource: PlanSource = {
    get size() {
      return cells.length;
    },
    at: (id) => cells[id].at,
    name: (id) => cells[id].name,
    deps: (id) => cells[id].deps,
    value: (id) => (cells[id].error ? null : cells[id].value),
    problem: (id) => cells[id].error?.message ?? `${cells[id].at} is empty`,
    param: (id) => cells[id].param ?? (isParamCell(cells[id]) && !cells[id].error ? cells[id].value : null),
    program: (id) => (cells[id].prog ? { program: cells[id].prog!, links: cells[id].links } : null),
    order(ids) {
      const seeds = ids ?? cells.filter((c) => !isEmpty(c)).map((c) => c.id);
      const n = cells.length;
      if (indeg.length < n) indeg = new Int32Array(Math.max(n, indeg.length * 2));
      const { ids: up, stamp } = reach(seeds, (id) => cells[id].deps, marks2, n);
      return topoOrder(up, stamp, marks2, (id) => cells[id].deps, (id) => cells[id].users, indeg);
    },
  };

  function planFor(losses: number[] | null, freeze = false, optimizers?: number[]): Plan {
    return buildPlan(planSource, { losses: losses ?? undefined, freeze, optimizers });
  }

  /**
   * The reverse pass of the loss in use over its plan, with every step's adjoint: what the
   * breakdown reads. Kept while the loss's value and the edges hold.
   */
  let traceCache: { key: string; plan: Plan; adj: (Value | undefined)[]; bySlot: Map<number, TraceEntry[]> } | null = null;
  function traceOf(lossId: number) {
    const key = `${lossId}:${cells[lossId].version}:${structureVersion}:${compileVersion}`;
    if (traceCache?.key === key) return traceCache;
    const plan = planFor([lossId]);
    const runner = createPlanRunner(plan, registry);
    const values = runner.forward();
    const { adj, trace } = runner.backward(values, plan.losses[0], { trace: true });
    const bySlot = new Map<number, TraceEntry[]>();
    for (const t of trace!) {
      for (const a of new Set(plan.steps[t.step].args)) {
        let l = bySlot.get(a);
        if (!l) bySlot.set(a, (l = []));
        l.push(t);
      }
    }
    return (traceCache = { key, plan, adj, bySlot });
  }

  /** Each consumer's part of ∂L/∂cell (the fork sum), read from the reverse pass's trace. */
  function contributions(lossId: number, id: number): Explanation['parts'] {
    const { plan, adj, bySlot } = traceOf(lossId);
    const slot = plan.cells.find((c) => c.at === cells[id].at)?.slot;
    if (slot === undefined) return [];
    const slotOfCell = new Map(plan.cells.map((c) => [c.at, c.slot]));
    const byConsumer = new Map<string, Value>();
    for (const t of bySlot.get(slot) ?? []) {
      const st = plan.steps[t.step];
      if (st.cell === cells[id].at) continue; // the cell's own formula writes its slot, never adds into it (but `copy`)
      for (let j = 0; j < st.args.length; j++) {
        const d = t.added[j];
        if (st.args[j] !== slot || d === null) continue;
        const prev = byConsumer.get(st.cell);
        byConsumer.set(st.cell, prev === undefined ? d : addValues(prev, d));
      }
    }
    const parts: Explanation['parts'] = [];
    for (const via of [...byConsumer.keys()].sort(compareAddresses)) {
      const contribution = byConsumer.get(via)!;
      const viaGrad = adj[slotOfCell.get(via)!] ?? 0;
      const local = typeof viaGrad === 'number' && typeof contribution === 'number' && viaGrad !== 0 ? contribution / viaGrad : null;
      parts.push({ via, viaGrad, contribution, local });
    }
    return parts;
  }

  // ---------- views ----------
  function view(c: Cell, G: Gradients | null): CellView {
    const v = c.error ? null : c.value;
    const g = G && !G.error ? G.adj[c.id] : undefined;
    const shape = v === null ? null : (shapeOf(v) as [number, number]);
    return {
      at: c.at, name: c.name, formula: c.formula, note: c.note,
      value: v, error: c.error, grad: g === undefined ? null : g, shape,
      check: c.meta.check ?? null, isCheck: isCheckCell(c), isParameter: isParamCell(c),
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
      // A name spelled like an address takes over that spelling: formulas that meant the
      // address say so explicitly ($W$1) first, so naming never changes what they compute.
      const pinned = next !== null && next !== c.at ? pinAddressUses(next) : [];
      if (old !== null) byName.delete(old);
      c.name = next;
      if (next !== null) byName.set(next, c.id);
      changed(c.id);
      pendingDirty.add(c.id); // messages downstream name the cell by its name
      pendingStructure = true;
      if (old !== null) {
        // Renaming rewrites the formulas that used the old name; clearing the name rewrites
        // them to the cell's address, so they keep reading the same cell.
        const to = next ?? (byName.has(c.at) ? pinnedAddress(c.at) : c.at);
        for (const id of [...(mentionedBy.get(old) ?? [])]) {
          const u = cells[id];
          u.formula = renameInFormula(u.formula, old, to);
          recompileCell(u);
        }
      }
      if (next !== null) recompileMentions(next);
      flush();
      return pinned.length
        ? { ok: true, note: `${pinned.join(', ')} referred to the address ${next}: now written ${pinnedAddress(next!)}, so ${pinned.length > 1 ? 'they keep' : 'it keeps'} reading that cell` }
        : { ok: true };
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
      const G = shownGradients();
      const g = G && !G.error ? G.adj[id] : undefined;
      if (g === undefined) return base;
      return { ...base, grad: g, parts: contributions(a.loss, id) };
    },

    plan(options = {}) {
      const idOf = (at: string) => {
        const id = byName.get(at) ?? byAt.get(at);
        if (id === undefined) throw new Error(`plan: no cell ${at}`);
        return id;
      };
      return planFor(options.losses?.map(idOf) ?? null, options.freeze, options.optimizers?.map(idOf));
    },

    optimizerCells() {
      return byAddress(optimizerIds().map((id) => cells[id])).map((c) => c.at);
    },

    parameterCells() {
      return byAddress(cells.filter((c) => isParamCell(c) && !isEmpty(c))).map((c) => c.at);
    },

    trainState() {
      return train;
    },

    setTrainState(state) {
      train = state;
      for (const id of optimizerIds()) pendingDirty.add(id);
      for (const id of volatileIds()) pendingDirty.add(id);
      flush();
    },

    gradientCheck(tol = GRADIENT_CHECK_TOL) {
      return gradCellIds().map((gid) => {
        const lossId = lossCellOf(cells[gid])!;
        return { gradCell: cells[gid].at, loss: cells[lossId].at, tol, ...gradients.check(lossId, tol) };
      });
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
        // The reader validated the training state; a document made in code is checked here too.
        const t = doc.extra && Object.hasOwn(doc.extra, 'train') ? readTrainState(doc.extra.train) : null;
        engine.setTrainState(t && t.ok ? t.state : emptyTrainState());
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
      const extra: Record<string, unknown> = Object.create(null);
      if (meta.extra) for (const k of Object.keys(meta.extra)) if (k !== 'train') extra[k] = meta.extra[k];
      const t = trainStateToJson(train);
      if (t) extra.train = t;
      if (Object.keys(extra).length) doc.extra = extra;
      return doc;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return engine;
}
