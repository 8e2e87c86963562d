// createEngine(): the sheet as a live computational graph, composed of small parts:
// the cell store (cell.ts), compiled formulas and the names they mention
// (eval/compile-cell.ts), the dependency edges (graph/edges.ts), the schedule (dirty set →
// everything downstream → topological order, in slices when a host asks: graph/scheduler.ts),
// naming (names.ts), change sets (changes.ts), loading and saving (sheet/load.ts), reverse
// passes, numgrad and the gradient check (eval/gradients.ts), and the plan (eval/plan.ts).
// The engine never renders and never imports UI code.
import { type Cell, createCellStore, emptyError, label, toCellError } from './cell';
import { type ChangeSet, createChangeLog } from './changes';
import type { CellError } from './errors';
import { createCellCompiler, createNameTable } from './eval/compile-cell';
import { type ForwardEnv, runForward } from './eval/forward';
import { GRADIENT_CHECK_TOL, type GradientCheck, type GradientGraph, type Gradients, type Tape, createGradients } from './eval/gradients';
import { type Plan, buildPlan, createPlanRunner } from './eval/plan';
import { type Consumer, type Contribution, type Traced, cellPlanSource, consumerContributions, traceLoss } from './eval/plan-source';
import { type ConsumerGraphs, consumerGraphs } from './explain/consumer-graphs';
import { type OpGraph, buildOpGraph, emptyOpGraph } from './explain/op-graph';
import { compareAddresses, isAddress } from './formula/address';
import { createEdges } from './graph/edges';
import { type Slicer, createScheduler } from './graph/scheduler';
import { type NameResult, setCellName } from './names';
import type { CheckMeta, Kink } from './ops/define';
import { createRegistry, type Registry } from './ops/registry';
import type { SheetDoc } from './sheet/document';
import { cellsToDoc, loadCells } from './sheet/load';
import { type Value, shapeOf } from './tensor/value';
import { type ClaimGraph, isOptimizer, isParamCell, isParamFormula, optimizerLoss, optimizerValue } from './train/claims';
import { type TrainState, emptyTrainState, readTrainState, trainStateToJson } from './train/state';

export type { CellError } from './errors';
export type { ChangeSet } from './changes';
export type { Slicer } from './graph/scheduler';
export type { Contribution } from './eval/plan-source';
export type { GradientCheck } from './eval/gradients';
export type { OpGraph } from './explain/op-graph';
export type { ConsumerGraph, ConsumerGraphs } from './explain/consumer-graphs';
export { GRADIENT_CHECK_TOL, NUMGRAD_STEP } from './eval/gradients';

/** What the UI, the CLI and tests see of one cell. */
export interface CellView {
  at: string;
  name: string | null;
  formula: string;
  note: string | null;
  value: Value | null;
  error: CellError | null;
  /** ∂L/∂cell for the loss read (GradOptions), null when the cell is not upstream of it. */
  grad: Value | null;
  shape: [number, number] | null;
  /** For check cells: the verdict, relative error, how to read it, and a kink numgrad straddled. */
  check: CheckMeta | null;
  /** For a cell computed from numgrad(…): the kink its finite differences straddled, if any. */
  kink: Kink | null;
  /** True when the formula calls check(): a cell that graders count. */
  isCheck: boolean;
  /** True when the cell holds a parameter value (trained weights) instead of its formula's result. */
  isParameter: boolean;
}

export interface Explanation {
  at: string;
  loss: string | null;
  grad: Value | null;
  parts: Contribution[];
}

/**
 * Which loss's gradients a read carries: a loss cell, by address or name; null for none (no
 * reverse pass); omitted, the default loss (the first grad cell's). Which loss the grid shows
 * is the UI's choice: the engine only answers for the loss it is asked about.
 */
export interface GradOptions {
  loss?: string | null;
}

/** A grad cell (a cell whose formula is grad(L)) and its loss L, by address. */
export interface LossRef {
  gradCell: string;
  loss: string;
}

export interface Engine {
  readonly registry: Registry;
  /** Set a cell's formula ('' clears it). Recomputes what is downstream. */
  setCell(at: string, formula: string): void;
  /** Give a cell a name (null removes it); formulas using the old name are rewritten. `note`: what else changed. */
  setName(at: string, name: string | null): NameResult;
  setNote(at: string, note: string | null): void;
  /** Store a parameter value (or null to go back to the formula's own value). */
  setParameter(at: string, value: Value | null): void;
  /** A cell's view, with ∂loss/∂cell for the loss of `options` (gradients cached per loss until an edit). */
  get(at: string, options?: GradOptions): CellView | null;
  /** Every non-empty cell, sorted by address. */
  cells(options?: GradOptions): CellView[];
  addressOf(name: string): string | null;
  /** Every cell name and its address (for autocomplete). */
  names(): { name: string; at: string }[];
  /** Grad cells (cells with grad(L)), sorted by address. */
  gradCells(): string[];
  /** Every grad cell and its loss, sorted by grad cell. */
  losses(): LossRef[];
  /** The loss read when a caller names none: the first grad cell's (null without grad cells). */
  defaultLoss(): LossRef | null;
  /** Chain-rule breakdown of ∂L/∂cell for the loss of `options`. */
  explain(at: string, options?: GradOptions): Explanation;
  /**
   * The expanded operation graph (explain/op-graph.ts) of `loss` (default: the default loss):
   * every op with its value, gradient and rule; without a loss, every cell's ops with values
   * only. Cached while the loss's value and the edges hold.
   */
  opGraph(loss?: string): OpGraph;
  /**
   * What the chain-rule breakdown of ∂L/∂cell needs (explain/consumer-graphs.ts), for the loss
   * of `options`: the op graph of each consumer's formula alone, traced from the engine's
   * ∂L/∂consumer. Costs the consumers' formulas, not the sheet.
   */
  consumerGraphs(at: string, options?: GradOptions): ConsumerGraphs;
  /**
   * The sheet's computation as plain data (eval/plan.ts): every cell, or only what the
   * `losses` need; with `freeze`, cells that depend on no parameter are given inputs.
   */
  plan(options?: { losses?: string[]; freeze?: boolean; optimizers?: string[] }): Plan;
  /** Training (engine/train): the optimizer cells (sgd, adam) and the trainable parameters (param(init)), by address. */
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
  /** Recompute every cell whose formula calls one of these ops: their data arrived (MNIST in the app). */
  invalidateOps(names: readonly string[]): void;
  /** Run several edits, recomputing once at the end. */
  batch<T>(fn: () => T): T;
  load(doc: SheetDoc): void;
  toDoc(meta?: { title?: string; notes?: string; extra?: Record<string, unknown> }): SheetDoc;
  subscribe(listener: (changes: ChangeSet) => void): () => void;
  /** True while a sliced recompute is still running. */
  busy(): boolean;
  /** Number of cell recomputations so far (for tests of incrementality). */
  readonly evaluations: number;
  /** Number of reverse passes run so far (for tests that a read or a switch of loss runs none). */
  readonly backwardPasses: number;
}

export interface EngineOptions {
  registry?: Registry;
  slicer?: Slicer;
}

export function createEngine(options: EngineOptions = {}): Engine {
  const registry = options.registry ?? createRegistry();
  const slicer = options.slicer ?? null;
  const store = createCellStore();
  const { cells } = store;
  const names = createNameTable();
  const edges = createEdges(cells);
  const changes = createChangeLog(() => cells.length, (id) => cells[id].at);
  let lastGradKey = '';
  let loaded = false;
  /** Grad cells by address, dropped when a compile makes or unmakes one (editing a number keeps it). */
  let gradCellsCache: number[] | null = null;
  let traceCache: { key: string; traced: Traced; graph?: OpGraph } | null = null;
  let evaluations = 0;
  /** Training state (engine/train/state.ts), and the cell being evaluated (an optimizer's value needs it). */
  let train: TrainState = emptyTrainState();
  let evaluating = -1;
  let optimizerCache: { version: number; ids: number[] } | null = null;

  const compiler = createCellCompiler(registry, store, names, (c, deps) => {
    if (edges.setDeps(c, deps)) scheduler.markStructure();
  });

  /** (Re)compile a cell and schedule it. */
  function recompile(c: Cell): void {
    // A cell appearing or disappearing is a structural change even when its edges do not move.
    if ((c.prog === null && c.compileError === null) !== (c.formula.trim() === '')) scheduler.markStructure();
    const wasOptimizer = isOptimizer(c.prog);
    const wasGradCell = lossCellOf(c) !== null;
    compiler.recompile(c);
    if (wasGradCell || lossCellOf(c) !== null) gradCellsCache = null;
    // Two optimizers may claim one parameter: a change to any optimizer re-checks them all.
    if (wasOptimizer || isOptimizer(c.prog)) for (const o of optimizerIds()) scheduler.markDirty(o);
    scheduler.markDirty(c.id);
    changes.changed(c.id);
  }

  // ---------- forward ----------
  const env: ForwardEnv = {
    read(id) {
      const c = cells[id];
      return c.error ?? (c.value as Value);
    },
    gradient(kind, loss, wrt, onKink) {
      return kind === 'grad' ? gradients.gradValue(loss, wrt) : gradients.numgrad(loss, wrt, onKink);
    },
    kinkOf: (id) => cells[id].meta.kink ?? null,
    label: (id) => cells[id].at,
    step: () => train.step,
    optimizer(op, loss, hyper) {
      const self = cells[evaluating];
      return optimizerValue(claimGraph, self.id, op, loss, cells[loss].value!, hyper, train.optimizers.get(self.at)?.steps ?? 0);
    },
  };
  const claimGraph: ClaimGraph = {
    deps: (id) => cells[id].deps,
    isParam: (id) => isParamFormula(cells[id].prog),
    optimizers: () => optimizerIds().map((id) => ({ id, loss: optimizerLoss(cells[id]) })),
    label: (id) => label(cells[id]),
  };
  function optimizerIds(): number[] {
    if (optimizerCache?.version !== compiler.version()) optimizerCache = { version: compiler.version(), ids: cells.filter((c) => isOptimizer(c.prog)).map((c) => c.id) };
    return optimizerCache.ids;
  }
  /** Cells that read the step count (step(), minibatch()): recomputed when it changes. */
  function volatileIds(): number[] {
    return cells.filter((c) => c.prog !== null && c.prog.instrs.some((it) => it.t === 'op' && it.op!.volatile === true)).map((c) => c.id);
  }
  // The reverse pass reads the cells through this narrow view only. A cell record already has
  // the shape of a Tape, so handing it out costs no allocation in the pass's hot loop.
  const graph: GradientGraph = {
    size: () => cells.length,
    deps: (id) => cells[id].deps,
    users: (id) => cells[id].users,
    at: (id) => cells[id].at,
    label: (id) => label(cells[id]),
    value: (id) => cells[id].value,
    error: (id) => cells[id].error,
    version: (id) => cells[id].version,
    formula: (id) => (cells[id].prog !== null && cells[id].param === null ? (cells[id] as Tape) : null),
    tape(id) {
      const c = cells[id];
      return c.prog !== null && c.param === null && !c.error && c.slots.length === c.prog.instrs.length ? (c as Tape) : null;
    },
    isParam: (id) => cells[id].param !== null,
  };
  const gradients = createGradients({ graph, env, structureVersion: () => edges.version(), now: () => slicer!.now() });

  function evaluate(c: Cell): void {
    evaluations++;
    c.version++;
    if (c.meta.check || c.meta.kink) c.meta = {};
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

  const scheduler = createScheduler(
    {
      size: () => cells.length,
      deps: (id) => cells[id].deps,
      users: (id) => cells[id].users,
      edgeVersion: () => edges.version(),
      evaluate: (id) => evaluate(cells[id]),
      markCycle(cycle) {
        const members = cycle.map((id) => cells[id].at).sort(compareAddresses);
        const text = members.length > 6 ? `${members.slice(0, 6).join(' → ')} …` : members.join(' → ');
        for (const id of cycle) {
          const c = cells[id];
          c.version++; // cached gradients of a loss pulled into a cycle are stale
          c.meta = {};
          c.value = null;
          c.slots.length = 0;
          c.error = { kind: 'CYCLE', message: `circular reference: ${text}` };
        }
      },
      before(id) {
        const run = gradients.staleBackward(id);
        return run && { step: (deadline) => gradients.stepBackward(run, deadline), finish: () => void gradients.finishBackward(run) };
      },
      changed: changes.changed,
      emit(progress) {
        const structure = scheduler.takeStructure();
        // Gradients change only when some grad cell's loss was recomputed (or the edges moved).
        let gradKey = '';
        for (const g of gradCellIds()) {
          const l = lossCellOf(cells[g])!;
          gradKey += `${l}:${cells[l].version};`;
        }
        const grads = structure || gradKey !== lastGradKey;
        lastGradKey = gradKey;
        changes.emit({ structure, grads, loaded, progress });
        loaded = false;
      },
    },
    slicer,
  );

  // ---------- losses and gradients ----------
  function lossCellOf(c: Cell): number | null {
    if (!c.prog) return null;
    const last = c.prog.instrs[c.prog.instrs.length - 1];
    return last.t === 'grad' && last.wrt < 0 ? c.links[last.loss] : null;
  }

  /** Grad cells by address (cached: see gradCellsCache). */
  function gradCellIds(): number[] {
    return (gradCellsCache ??= store.byAddress(cells.filter((c) => lossCellOf(c) !== null)).map((c) => c.id));
  }

  function defaultLossId(): number | null {
    const g = gradCellIds()[0];
    return g === undefined ? null : lossCellOf(cells[g]);
  }

  /** The loss a read asks about (GradOptions): its id, or null for none or an unknown cell. */
  function lossFor(options: GradOptions | undefined): number | null {
    const loss = options?.loss;
    if (loss === undefined) return defaultLossId();
    if (loss === null) return null;
    return names.byName.get(loss) ?? store.idOf(loss) ?? null;
  }

  function gradientsFor(lossId: number | null): Gradients | null {
    if (lossId === null) return null;
    // Mid-way through a sliced recompute, show the last gradients computed: recomputing them
    // here would run a whole reverse pass in one go, the freeze the slices are there to avoid.
    if (scheduler.busy()) return gradients.lastComputed(lossId);
    return gradients.gradientsOf(lossId);
  }

  // ---------- the plan ----------
  const planSource = cellPlanSource(store);

  /** The loss's reverse pass over its plan, with the trace; kept while its value and the formulas hold. */
  function tracedEntry(lossId: number): NonNullable<typeof traceCache> {
    const key = `${lossId}:${cells[lossId].version}:${edges.version()}:${compiler.version()}`;
    if (traceCache?.key !== key) traceCache = { key, traced: traceLoss(buildPlan(planSource, { losses: [lossId] }), registry) };
    return traceCache;
  }

  /** The cells that read cell `id` and have a gradient in G, each with ∂L/∂(that cell). */
  function consumersOf(id: number, G: Gradients): Consumer[] {
    return [...new Set(cells[id].users)].flatMap((u) => {
      const ug = G.adj[u];
      return ug === undefined ? [] : [{ id: u, grad: ug }];
    });
  }

  function lossProblem(c: Cell): string {
    return `the loss ${c.name ?? c.at} has an error: ${c.error!.message}`;
  }

  function idOf(ref: string): number {
    const id = names.byName.get(ref) ?? store.idOf(ref);
    if (id === undefined) throw new Error(`no cell ${ref}`);
    return id;
  }

  // ---------- views ----------
  function view(c: Cell, G: Gradients | null): CellView {
    const v = c.error ? null : c.value;
    const g = G && !G.error ? G.adj[c.id] : undefined;
    const shape = v === null ? null : (shapeOf(v) as [number, number]);
    return {
      at: c.at, name: c.name, formula: c.formula, note: c.note,
      value: v, error: c.error, grad: g === undefined ? null : g, shape,
      check: c.meta.check ?? null, kink: c.meta.kink ?? null, isCheck: isCheckCell(c), isParameter: isParamCell(c),
    };
  }

  function isCheckCell(c: Cell): boolean {
    if (c.prog) return c.prog.instrs.some((i) => i.t === 'op' && i.op!.name === 'check');
    return /\bcheck\s*\(/.test(c.formula);
  }

  /** One consistent refusal for anything that is not a cell address. */
  function cellFor(at: string): Cell {
    if (!isAddress(at)) throw new Error(`${at} is not a cell address`);
    return store.cellAt(at);
  }

  const engine: Engine = {
    registry,
    busy: scheduler.busy,
    get evaluations() {
      return evaluations;
    },
    get backwardPasses() {
      return gradients.passes();
    },

    setCell(at, formula) {
      const c = cellFor(at);
      if (c.formula === formula && !c.param) return;
      c.formula = formula;
      c.param = null;
      if (formula === '') c.extra = null; // a cleared cell keeps nothing of its file
      recompile(c);
      scheduler.flush();
    },

    setName(at, name) {
      if (!isAddress(at)) return { ok: false, message: `${at} is not a cell address` };
      const res = setCellName(
        {
          store, names, recompile,
          isFunction: (n) => registry.has(n),
          renamed(c) {
            changes.changed(c.id);
            scheduler.markDirty(c.id); // messages downstream name the cell by its name
            scheduler.markStructure();
          },
        },
        store.cellAt(at),
        name,
      );
      scheduler.flush();
      return res;
    },

    setNote(at, note) {
      const c = cellFor(at);
      c.note = note === null || note === '' ? null : note;
      changes.changed(c.id);
      scheduler.flush();
    },

    setParameter(at, value) {
      const c = cellFor(at);
      c.param = value === null ? null : value;
      scheduler.markDirty(c.id);
      changes.changed(c.id);
      scheduler.flush();
    },

    get(at, options) {
      const id = store.idOf(at);
      if (id === undefined) return null;
      const c = cells[id];
      if (store.isEmpty(c)) return null;
      return view(c, gradientsFor(lossFor(options)));
    },

    cells(options) {
      const G = gradientsFor(lossFor(options));
      return store.byAddress(cells.filter((c) => !store.isEmpty(c))).map((c) => view(c, G));
    },

    addressOf(name) {
      const id = names.byName.get(name);
      return id === undefined ? null : cells[id].at;
    },

    names() {
      return [...names.byName].map(([name, id]) => ({ name, at: cells[id].at })).sort((p, q) => (p.name < q.name ? -1 : p.name > q.name ? 1 : 0));
    },

    gradCells() {
      return gradCellIds().map((id) => cells[id].at);
    },

    losses() {
      return gradCellIds().map((g) => ({ gradCell: cells[g].at, loss: cells[lossCellOf(cells[g])!].at }));
    },

    defaultLoss() {
      const g = gradCellIds()[0];
      return g === undefined ? null : { gradCell: cells[g].at, loss: cells[lossCellOf(cells[g])!].at };
    },

    explain(at, options) {
      const lossId = lossFor(options);
      const id = store.idOf(at);
      const base: Explanation = { at, loss: lossId === null ? null : cells[lossId].at, grad: null, parts: [] };
      if (lossId === null || id === undefined) return base;
      const G = gradientsFor(lossId);
      const g = G && !G.error ? G.adj[id] : undefined;
      if (g === undefined) return base;
      return { ...base, grad: g, parts: consumerContributions(planSource, registry, at, consumersOf(id, G!)) };
    },

    consumerGraphs(at, options) {
      const lossId = lossFor(options);
      const id = store.idOf(at);
      const L = lossId === null ? null : cells[lossId];
      const base: ConsumerGraphs = { at, name: id === undefined ? null : cells[id].name, loss: L?.at ?? null, lossName: L?.name ?? null, error: null, grad: null, consumers: [] };
      if (L === null) return base;
      if (L.error) return { ...base, error: lossProblem(L) };
      const G = gradientsFor(L.id);
      if (G?.error) return { ...base, error: G.error.message };
      const g = G && id !== undefined ? G.adj[id] : undefined;
      if (g === undefined) return base;
      // A consumer no gradient reached (the engine shows it 0: it is read only by labels,
      // comparisons, sizes) passes nothing back: as in opGraph's trace, where its ops never run.
      const flowing = consumersOf(id!, G!).filter((u) => !G!.constant.has(u.id));
      return { ...base, grad: g, consumers: consumerGraphs(planSource, registry, flowing) };
    },

    opGraph(loss) {
      const lossId = loss === undefined ? (defaultLossId() ?? undefined) : (names.byName.get(loss) ?? store.idOf(loss));
      const c = lossId === undefined ? null : cells[lossId];
      if (loss !== undefined && !c) return emptyOpGraph(`no cell ${loss}`);
      if (c?.error) return emptyOpGraph(lossProblem(c), c.at);
      try {
        if (!c) {
          const plan = buildPlan(planSource);
          return buildOpGraph({ plan, values: createPlanRunner(plan, registry).forward(), registry });
        }
        const entry = tracedEntry(c.id);
        const t = entry.traced;
        return (entry.graph ??= buildOpGraph({ plan: t.plan, values: t.values, registry, backward: { adj: t.adj, trace: t.trace, loss: t.plan.losses[0], lossAt: c.at } }));
      } catch (e) {
        return emptyOpGraph(e instanceof Error ? e.message : String(e), c?.at ?? null);
      }
    },

    plan(options = {}) {
      return buildPlan(planSource, { losses: options.losses?.map(idOf), freeze: options.freeze, optimizers: options.optimizers?.map(idOf) });
    },

    optimizerCells() {
      return store.byAddress(optimizerIds().map((id) => cells[id])).map((c) => c.at);
    },

    parameterCells() {
      return store.byAddress(cells.filter((c) => isParamFormula(c.prog))).map((c) => c.at);
    },

    trainState: () => train,

    setTrainState(state) {
      train = state;
      for (const id of optimizerIds()) scheduler.markDirty(id);
      for (const id of volatileIds()) scheduler.markDirty(id);
      scheduler.flush();
    },

    gradientCheck(tol = GRADIENT_CHECK_TOL) {
      return gradCellIds().map((gid) => {
        const lossId = lossCellOf(cells[gid])!;
        return { gradCell: cells[gid].at, loss: cells[lossId].at, tol, ...gradients.check(lossId, tol) };
      });
    },

    invalidateOps(names) {
      for (const c of cells) if (c.prog?.instrs.some((i) => i.t === 'op' && names.includes(i.op!.name))) scheduler.markDirty(c.id);
      scheduler.flush();
    },

    batch: scheduler.batch,

    load(doc) {
      scheduler.batch(() => {
        loadCells({ store, names, recompile }, doc);
        loaded = true;
        // The reader validated the training state; a document made in code is checked here too.
        const t = doc.extra && Object.hasOwn(doc.extra, 'train') ? readTrainState(doc.extra.train) : null;
        engine.setTrainState(t && t.ok ? t.state : emptyTrainState());
      });
    },

    toDoc(meta = {}) {
      // The training state is the engine's: it replaces any `train` the caller carried over.
      const extra: Record<string, unknown> = Object.create(null);
      if (meta.extra) for (const k of Object.keys(meta.extra)) if (k !== 'train') extra[k] = meta.extra[k];
      const t = trainStateToJson(train);
      if (t) extra.train = t;
      return cellsToDoc(store, { ...meta, extra: Object.keys(extra).length ? extra : undefined });
    },

    subscribe: changes.subscribe,
  };
  return engine;
}
