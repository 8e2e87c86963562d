// Reverse-mode accumulation over the cell graph, and its checks. A loss's reverse pass visits
// the cells upstream of it, each after all of its consumers, running each cell's tape
// backward and *adding* what it sends to the cells it reads (forks sum). Passes are cached
// per loss while the loss's version holds, and resumable so a sliced recompute can spread
// them over slices. numgrad (central differences) and the whole-sheet gradient check live
// here too, next to what they check; both notice a difference that straddles a kink. The
// cells are read through GradientGraph, a narrow view the engine provides: nothing here
// touches the engine's cell records.
import { toCellError } from '../errors';
import { compareAddresses } from '../formula/address';
import { Marks, reach } from '../graph/order';
import type { Kink } from '../ops/define';
import { makeRng } from '../ops/construct';
import { COMPARE_FLOOR, compareValues } from '../ops/verify';
import { addValues, filled } from '../tensor/kernels';
import { Matrix, OpError, type Value, cloneValue, shapeOf, shapeText, sizeOf } from '../tensor/value';
import { backpropCell } from './backward';
import { type CellError, type ForwardEnv, UpstreamError, isCellError, runForward, upstream } from './forward';
import type { Program } from './program';

export interface Gradients {
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
/**
 * numgrad re-evaluates the path X → L twice per entry of X; beyond this many values computed
 * in all (every value inside the formulas re-evaluated, about a second of work) it refuses
 * and points to grad(L, X).
 */
export const MAX_NUMGRAD_WORK = 5e7;
/** What one cell evaluation costs besides its values (dispatch, scratch map), in values. */
const CELL_OVERHEAD = 16;
/** The whole-sheet check differences at most this many cells, a seeded sample on larger sheets… */
export const CHECK_MAX_CELLS = 200;
/** …at most this many entries of each (seeded), as gradient checkers sample large tensors… */
export const CHECK_ENTRIES_PER_CELL = 16;
/** …and at most this many values computed in all (cells beyond it are listed as skipped). */
const CHECK_WORK_BUDGET = 6e7;
const CHECK_SEED = 20240607;

export interface GradientCheck {
  gradCell: string;
  loss: string;
  pass: boolean;
  tol: number;
  /**
   * Cells compared (`entries` of their `of` entries), failures first, then by relative error.
   * relErr and ok come from compareValues, the rule check() uses, so ✓ always has relErr ≤ tol.
   */
  rows: GradientCheckRow[];
  /** Sampled cells left out because the check's work budget was spent. */
  skipped: string[];
  error: string | null;
  /** How many cells were differenced of how many, and how many entries in all. */
  sampled: { cells: number; of: number; entries: number } | null;
  /** The directional derivative along a random direction over all inputs (null: no inputs, or too large). */
  directional: { inputs: number; entries: number; relErr: number; ok: boolean; kink: Kink | null } | null;
}

export interface GradientCheckRow {
  at: string;
  relErr: number;
  absErr: number;
  ok: boolean;
  entries: number;
  of: number;
  /**
   * Set when some differenced entries straddled a kink (the first kink met, and how many
   * entries): those entries are left out of relErr/absErr/ok, which judge the others. When
   * every entry straddled one, the numbers are over all of them and the row does not fail
   * the check: finite differences cannot judge it.
   */
  kink: (Kink & { entries: number }) | null;
}

type CheckResult = Omit<GradientCheck, 'gradCell' | 'loss' | 'tol'>;

interface Upstream {
  /** Reverse topological order (the loss first). */
  order: number[];
  /** Position of each cell id in `order`, −1 when not upstream. */
  pos: Int32Array;
}

function range(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** k items of `items` without replacement (a partial Fisher–Yates shuffle of a copy), in draw order. */
function sample<T>(items: readonly T[], k: number, rand: () => number): T[] {
  const a = items.slice();
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

/** min(k, n) distinct indices below n, seeded and sorted; never materialises all n of them. */
function sampleIndices(n: number, k: number, rand: () => number): number[] {
  if (n <= k) return range(n);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(rand() * n));
  return [...picked].sort((a, b) => a - b);
}

function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export const GRADIENT_CHECK_TOL = 1e-5;

/** A reverse pass in progress (resumable, so a sliced recompute can spread it over slices). */
export interface BackwardRun {
  lossId: number;
  adj: (Value | undefined)[];
  up: number[];
  k: number;
  error: CellError | null;
  add: (cell: number, g: Value) => void;
}

/** A cell's compiled formula and, after a forward, its tape (one value per instruction). */
export interface Tape {
  readonly prog: Program;
  readonly links: readonly number[];
  readonly slots: readonly Value[];
}

/**
 * The cell graph as the reverse pass reads it, by dense cell id: a narrow view the engine
 * provides, so that nothing here touches the engine's cell records.
 */
export interface GradientGraph {
  /** Number of cell ids (ids are 0 … size − 1). */
  size(): number;
  deps(id: number): readonly number[];
  users(id: number): readonly number[];
  /** The cell's address. */
  at(id: number): string;
  /** The cell in messages: its name and address, or just the address. */
  label(id: number): string;
  value(id: number): Value | null;
  error(id: number): CellError | null;
  /** Bumped on every evaluation of the cell. */
  version(id: number): number;
  /** The formula to re-evaluate (slots may be stale): null for parameters and empty or uncompiled cells. */
  formula(id: number): Tape | null;
  /** The formula with the tape of its last forward, null unless that tape is complete and error-free. */
  tape(id: number): Tape | null;
  /** A parameter: its value is stored, not computed from its formula. */
  isParam(id: number): boolean;
}

/** What the gradient machinery needs from the engine: the cell graph, the edge version, a clock. */
export interface GradientHost {
  graph: GradientGraph;
  /** Bumped whenever an edge changes (cached upstream orders check it). */
  structureVersion(): number;
  /** The forward environment (numgrad re-evaluates cells with it). */
  env: ForwardEnv;
  /** The slicer's clock, for resumable passes. */
  now(): number;
}

export function createGradients(host: GradientHost) {
  const { graph, env } = host;
  const gradCache = new Map<number, Gradients>();
  /** Reverse topological order of each loss's upstream cells, while the edges hold. */
  const upstreamCache = new Map<number, { version: number; order: number[] }>();
  const marks2 = new Marks();
  let pending = new Int32Array(1024);
  const scratchAdj: (Value | undefined)[] = [];
  let passes = 0;

  function gradientsOf(lossId: number): Gradients {
    const cached = gradCache.get(lossId);
    if (cached && cached.lossVersion === graph.version(lossId)) return cached;
    const run = startBackward(lossId);
    stepBackward(run, Infinity);
    return finishBackward(run);
  }


  function startBackward(lossId: number): BackwardRun {
    passes++;
    const adj: (Value | undefined)[] = new Array(graph.size());
    let error: CellError | null = null;
    let up: number[] = [];
    const Le = graph.error(lossId), Lv = graph.value(lossId);
    if (Le) error = { kind: Le.kind, message: `the loss ${graph.at(lossId)} has an error: ${Le.message}`, origin: Le.origin ?? graph.at(lossId) };
    else if (!isScalar(Lv)) {
      error = { kind: 'GRAD', message: `the loss ${graph.label(lossId)} must be a scalar, it is ${Lv === null ? 'empty' : shapeText(Lv)}` };
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
      const id = up[run.k++];
      const g = adj[id];
      // (A cell recompiled since its forward, during a sliced recompute, has no tape yet:
      // it is recomputed, and so is this loss, when the recompute picks up the edit.)
      if (g !== undefined) {
        const t = graph.tape(id);
        if (t !== null) backpropCell(t.prog, t.links, t.slots, g, add, scratchAdj);
      }
      if ((run.k & 63) === 0 && deadline !== Infinity && host.now() > deadline) return run.k >= up.length;
    }
    return true;
  }

  function finishBackward(run: BackwardRun): Gradients {
    const { adj, up: order, lossId } = run;
    const constant = new Set<number>();
    if (!run.error) {
      // Upstream cells with no differentiable path to L (labels, comparisons, sizes) still
      // show ∂L/∂cell = 0; they are remembered so the gradient check does not difference them.
      // (An indexed loop, and the value read only where no gradient arrived: this runs over
      // every upstream cell of every pass.)
      for (let k = 0; k < order.length; k++) {
        const id = order[k];
        if (adj[id] !== undefined) continue;
        const v = graph.value(id);
        if (v !== null) {
          const [r, c] = shapeOf(v);
          adj[id] = filled(r, c, 0);
          constant.add(id);
        }
      }
    }
    const res: Gradients = { adj, order, error: run.error, lossVersion: graph.version(lossId), constant };
    gradCache.set(lossId, res);
    return res;
  }

  /**
   * The cells upstream of a loss, the loss first, each after all of its users (reverse
   * topological order): a cell's backward runs once every consumer has passed its part back.
   */
  function upstreamOrder(lossId: number): number[] {
    const hit = upstreamCache.get(lossId);
    if (hit && hit.version === host.structureVersion()) return hit.order;
    const size = graph.size();
    const { ids, stamp } = reach([lossId], graph.deps, marks2, size);
    if (pending.length < size) pending = new Int32Array(Math.max(size, pending.length * 2));
    for (let k = 0; k < ids.length; k++) {
      const users = graph.users(ids[k]);
      let n = 0;
      for (let j = 0; j < users.length; j++) if (marks2.get(users[j]) === stamp) n++;
      pending[ids[k]] = n;
    }
    const order: number[] = [];
    const stack = [lossId];
    while (stack.length) {
      const id = stack.pop()!;
      order.push(id);
      const deps = graph.deps(id);
      for (let j = 0; j < deps.length; j++) if (--pending[deps[j]] === 0) stack.push(deps[j]);
    }
    if (upstreamCache.size > 16) upstreamCache.clear();
    upstreamCache.set(lossId, { version: host.structureVersion(), order });
    return order;
  }

  function gradValue(lossId: number, wrt: number): Value {
    const G = gradientsOf(lossId);
    if (G.error) throw new OpError(G.error.kind, G.error.message);
    if (wrt < 0) return graph.value(lossId)!;
    const Xe = graph.error(wrt);
    if (Xe) throw new UpstreamError(upstream(Xe, graph.at(wrt)));
    const g = G.adj[wrt];
    if (g !== undefined) return g;
    const [r, c] = shapeOf(graph.value(wrt)!);
    return filled(r, c, 0);
  }

  /**
   * The cells on a path X → L in topological order (X excluded), and what one evaluation of
   * them computes: every value inside their formulas (their tapes), not only their results,
   * so that `sum(W*W)` counts the n×n product it builds and not just its 1×1 result.
   */
  function pathOf(lossId: number, wrt: number, up: Upstream | null): { path: number[]; cost: number } | null {
    const u = up ?? upstreamOf(lossId, upstreamOrder(lossId));
    if (u.pos[wrt] < 0) return null;
    // Cells downstream of X among L's upstream, in the topological order L's pass already
    // has (its reverse): one walk of at most the upstream cells, no allocation per edge.
    const s = marks2.next();
    marks2.ensure(graph.size());
    marks2.set(wrt, s);
    const stack = [wrt];
    let lowest = u.pos[wrt];
    while (stack.length) {
      const users = graph.users(stack.pop()!);
      for (let j = 0; j < users.length; j++) {
        const v = users[j];
        if (marks2.get(v) === s) continue;
        const p = u.pos[v];
        if (p < 0) continue;
        marks2.set(v, s);
        if (p < lowest) lowest = p;
        stack.push(v);
      }
    }
    const path: number[] = [];
    for (let k = u.pos[wrt] - 1; k >= lowest; k--) if (marks2.get(u.order[k]) === s) path.push(u.order[k]);
    return { path, cost: passCost(path) };
  }

  /** L's upstream cells in reverse topological order, and each one's position in it. */
  function upstreamOf(lossId: number, order: number[]): Upstream {
    const pos = new Int32Array(graph.size()).fill(-1);
    for (let k = 0; k < order.length; k++) pos[order[k]] = k;
    return { order, pos };
  }

  /** Entries computed by one evaluation of `ids`: each cell's tape, plus a fixed cost per cell. */
  function passCost(ids: readonly number[]): number {
    let cost = 0;
    for (const id of ids) {
      const v0 = graph.value(id);
      cost += CELL_OVERHEAD + (v0 === null ? 1 : sizeOf(v0));
      const f = graph.formula(id);
      if (f === null) continue;
      const instrs = f.prog.instrs;
      for (let k = 0; k < f.slots.length; k++) {
        const v = f.slots[k];
        // Reading a cell or a constant hands over a value already there: no entries computed.
        const t = instrs[k]?.t;
        cost += v === undefined || typeof v === 'number' || t === 'cell' || t === 'const' ? 1 : sizeOf(v);
      }
    }
    return cost;
  }

  /**
  /**
   * L as a function of the values of some cells (`set`), re-evaluating `path` in order. The
   * pass's values live in arrays indexed by cell id, stamped per pass (no Map of 100,000
   * entries rebuilt twice per differenced entry). A central difference runs it twice, `side`
   * 0 (x + h) then 1 (x − h): the kinked ops on the path (OpDef.kink) record their signs on
   * the first and compare on the second, and `straddled()` names the first kink whose sign
   * changed between the two, or sat at 0 on one side only.
   */
  function lossFunction(lossId: number, path: readonly number[]): LossFunction {
    const size = graph.size();
    const vals: (Value | CellError | undefined)[] = new Array(size);
    const stamps = new Int32Array(size);
    let stamp = 0;
    const scratchEnv: ForwardEnv = {
      read: (id) => (stamps[id] === stamp ? vals[id]! : env.read(id)),
      step: env.step,
      gradient: env.gradient,
      label: env.label,
    };
    const slots: Value[] = [];
    // The kinked instructions of each path cell (most have none), found once per function.
    const sitesAt: (KinkSite[] | null)[] = path.map((id) => {
      const instrs = graph.formula(id)?.prog.instrs ?? [];
      let out: KinkSite[] | null = null;
      for (let i = 0; i < instrs.length; i++) {
        if (instrs[i].op?.kink) (out ??= []).push({ instr: i, signs: null, pass: -1 });
      }
      return out;
    });
    let straddled: Kink | null = null;

    function probe(sites: KinkSite[], prog: Program, id: number, side: 0 | 1): void {
      for (const s of sites) {
        const it = prog.instrs[s.instr];
        const args = it.buf;
        for (let j = 0; j < it.args.length; j++) args[j] = slots[it.args[j]];
        const d = it.op!.kink!(args, slots[s.instr]);
        if (side === 0) {
          s.signs = signsOf(d, s.signs);
          s.pass = stamp;
        } else if (straddled === null && s.pass === stamp - 1 && differs(s.signs!, d)) {
          straddled = { op: it.via ?? it.op!.symbol ?? it.op!.name, cell: graph.at(id) };
        }
      }
    }

    return {
      at(set, side) {
        stamp++;
        if (side === 0) straddled = null;
        for (const [id, v] of set) {
          vals[id] = v;
          stamps[id] = stamp;
        }
        for (let k = 0; k < path.length; k++) {
          const id = path[k];
          const f = graph.formula(id);
          if (f === null || set.has(id)) continue;
          let v: Value | CellError;
          try {
            v = runForward(f.prog, f.links, slots, scratchEnv, {});
            const sites = sitesAt[k];
            if (sites !== null && side !== undefined) probe(sites, f.prog, id, side);
          } catch (e) {
            v = toCellError(e);
          }
          vals[id] = v;
          stamps[id] = stamp;
        }
        const v = stamps[lossId] === stamp ? vals[lossId] : undefined;
        if (v === undefined || isCellError(v)) return NaN;
        return typeof v === 'number' ? v : v.data[0];
      },
      straddled: () => straddled,
    };
  }

  /**
   * Central differences of L in the entries `idx` of X, given X's path to L; `kinks[k]` gets
   * the kink entry k's difference straddled, or null.
   */
  function differences(lossId: number, wrt: number, path: readonly number[], idx: readonly number[], kinks: (Kink | null)[]): Float64Array {
    const f = lossFunction(lossId, path);
    const x0 = graph.value(wrt)!;
    const xm = cloneValue(x0);
    const set = new Map<number, Value>();
    const h = NUMGRAD_STEP;
    const out = new Float64Array(idx.length);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      const base = typeof x0 === 'number' ? x0 : x0.data[i];
      const at = (d: number): Value => {
        if (typeof xm === 'number') return base + d;
        xm.data[i] = base + d;
        return xm;
      };
      set.set(wrt, at(h));
      const fp = f.at(set, 0);
      set.set(wrt, at(-h));
      const fm = f.at(set, 1);
      if (typeof xm !== 'number') xm.data[i] = base;
      out[k] = (fp - fm) / (2 * h);
      kinks[k] = f.straddled();
    }
    return out;
  }

  /** ∂L/∂X by central differences; `onKink` hears of the first kink a difference straddled. */
  function numgrad(lossId: number, wrt: number, onKink?: (k: Kink) => void): Value {
    for (const id of [lossId, wrt]) {
      const e = graph.error(id);
      if (e) throw new UpstreamError(upstream(e, graph.at(id)));
    }
    const Lv = graph.value(lossId)!;
    if (!isScalar(Lv)) throw new OpError('GRAD', `numgrad: the loss ${graph.label(lossId)} must be a scalar, it is ${shapeText(Lv)}`);
    const x0 = graph.value(wrt)!;
    const [r, cc] = shapeOf(x0);
    if (lossId === wrt) return filled(r, cc, 1);
    const p = pathOf(lossId, wrt, null);
    if (!p) return filled(r, cc, 0);
    const n = r * cc;
    // Checked before any work: 2 evaluations of the path per entry of X.
    if (2 * n * p.cost > MAX_NUMGRAD_WORK) {
      const L = graph.label(lossId), X = graph.label(wrt);
      throw new OpError(
        'SIZE',
        `numgrad: differencing ${X} (${shapeText(x0)}, ${n} entries) re-evaluates ${p.path.length} cells computing ${p.cost} values, twice per entry: ${groupDigits(2 * n * p.cost)} values in all, more than the limit of ${groupDigits(MAX_NUMGRAD_WORK)}; use grad(${L}, ${X}), and numgrad on a smaller X to check it`,
      );
    }
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const kinks = new Array<Kink | null>(n);
    const out = differences(lossId, wrt, p.path, idx, kinks);
    const kink = kinks.find((k) => k !== null);
    if (kink && onKink) onKink(kink);
    return n === 1 && typeof x0 === 'number' ? out[0] : new Matrix(r, cc, out);
  }

  /** A reverse pass that cell `id` needs and that is not cached yet, started; null when there is none. */
  function staleBackward(id: number): BackwardRun | null {
    const f = graph.formula(id);
    if (f === null) return null;
    for (const it of f.prog.instrs) {
      if (it.t !== 'grad') continue;
      const lossId = f.links[it.loss];
      if (lossId < 0 || graph.error(lossId)) continue;
      const cached = gradCache.get(lossId);
      if (cached && cached.lossVersion === graph.version(lossId)) continue;
      return startBackward(lossId);
    }
    return null;
  }

  /**
   * The whole-sheet gradient check, as gradient checkers do it: each cell upstream of the loss
   * against central differences in a fixed, seeded sample of its entries (all of them for
   * small cells), every cell on a small sheet and a seeded sample of cells on a large one,
   * within a work budget; plus one directional derivative that perturbs every input at once,
   * so that no input goes unchecked. Failures and worst first. Entries whose difference
   * straddled a kink are marked on their row and judged no further (see GradientCheckRow).
   */
  function check(lossId: number, tol: number): CheckResult {
    const res: CheckResult = { pass: true, rows: [], skipped: [], error: null, sampled: null, directional: null };
    const G = gradientsOf(lossId);
    if (G.error) return { ...res, pass: false, error: G.error.message };
    const Lv = graph.value(lossId);
    const lossScale = Math.max(1, Math.abs(typeof Lv === 'number' ? Lv : 0));
    // Finite differences carry noise of about ε·|L|/h: magnitudes below the floor count as 0.
    const floor = COMPARE_FLOOR * lossScale;
    const up = upstreamOf(lossId, G.order);
    const candidates = G.order.filter((id) => id !== lossId && G.adj[id] !== undefined && graph.value(id) !== null && !G.constant.has(id));
    const rand = makeRng(CHECK_SEED).rand;
    const chosen = candidates.length <= CHECK_MAX_CELLS ? candidates : sample(candidates, CHECK_MAX_CELLS, rand);
    let budget = CHECK_WORK_BUDGET;
    let entriesChecked = 0;
    // Nearest the loss first (in a long chain their paths are the shortest): the budget then
    // covers as many cells as it can, and once it is nearly spent the rest are not even walked.
    chosen.sort((a, b) => up.pos[a] - up.pos[b]);
    for (const id of chosen) {
      if (budget < CHECK_WORK_BUDGET / 20) {
        res.skipped.push(graph.at(id));
        continue;
      }
      const g = G.adj[id]!;
      const size = sizeOf(graph.value(id)!);
      const idx = sampleIndices(size, CHECK_ENTRIES_PER_CELL, rand);
      const p = pathOf(lossId, id, up);
      if (!p) continue;
      const cost = 2 * idx.length * p.cost;
      if (cost > budget) {
        res.skipped.push(graph.at(id));
        continue;
      }
      budget -= cost;
      const kinks = new Array<Kink | null>(idx.length);
      const numeric = differences(lossId, id, p.path, idx, kinks);
      const analytic = new Float64Array(idx.length);
      for (let k = 0; k < idx.length; k++) analytic[k] = typeof g === 'number' ? g : g.data[idx[k]];
      const row = compareRow(graph.at(id), analytic, numeric, kinks, tol, floor);
      entriesChecked += idx.length;
      res.rows.push({ ...row, of: size });
      if (fails(row)) res.pass = false;
    }
    res.sampled = { cells: res.rows.length, of: candidates.length, entries: entriesChecked };
    res.directional = directional(lossId, G, up, tol, floor, rand);
    if (res.directional && !res.directional.ok && !res.directional.kink) res.pass = false;
    const badness = (r: GradientCheckRow) => (Number.isNaN(r.relErr) ? Infinity : r.relErr) + (fails(r) ? 1e9 : 0);
    res.rows.sort((a, b) => badness(b) - badness(a) || compareAddresses(a.at, b.at));
    return res;
  }

  /**
   * One directional derivative over every input of the loss (cells upstream of it that read
   * no cell, and parameters): perturb all of them at once along a seeded unit direction v and
   * compare (L(x + hv) − L(x − hv)) / 2h with Σ⟨∂L/∂input, v⟩. Two evaluations of the
   * upstream cells, however many there are.
   */
  function directional(lossId: number, G: Gradients, up: Upstream, tol: number, floor: number, rand: () => number): CheckResult['directional'] {
    const inputs: number[] = [];
    let m = 0;
    for (const id of G.order) {
      const v = graph.value(id);
      if (id === lossId || v === null || graph.error(id) || G.constant.has(id) || G.adj[id] === undefined) continue;
      const leaf = graph.isParam(id) || graph.deps(id).every((d) => up.pos[d] < 0);
      if (!leaf) continue;
      inputs.push(id);
      m += sizeOf(v);
    }
    if (inputs.length === 0) return null;
    const path = G.order.slice().reverse();
    if (2 * passCost(path) > CHECK_WORK_BUDGET * 4) return null;
    const unit = 1 / Math.sqrt(m);
    const dirs = new Map<number, Float64Array>();
    let expected = 0;
    for (const id of inputs) {
      const v = graph.value(id)!, g = G.adj[id]!;
      const d = new Float64Array(sizeOf(v));
      for (let i = 0; i < d.length; i++) {
        d[i] = rand() < 0.5 ? -unit : unit;
        expected += d[i] * (typeof g === 'number' ? g : g.data[i]);
      }
      dirs.set(id, d);
    }
    const f = lossFunction(lossId, path);
    const h = NUMGRAD_STEP;
    const shifted = (s: number): Map<number, Value> => {
      const set = new Map<number, Value>();
      for (const id of inputs) {
        const v = graph.value(id)!, d = dirs.get(id)!;
        if (typeof v === 'number') set.set(id, v + s * d[0]);
        else {
          const out = cloneValue(v) as Matrix;
          for (let i = 0; i < d.length; i++) out.data[i] += s * d[i];
          set.set(id, out);
        }
      }
      return set;
    };
    const fp = f.at(shifted(h), 0);
    const numeric = (fp - f.at(shifted(-h), 1)) / (2 * h);
    const cmp = compareValues(expected, numeric, tol, floor);
    return { inputs: inputs.length, entries: m, relErr: cmp.relErr, ok: cmp.pass, kink: f.straddled() };
  }

  /** The most recent gradients of a loss, current or not (null if none were ever computed). */
  function lastComputed(lossId: number): Gradients | null {
    return gradCache.get(lossId) ?? null;
  }

  return { passes: () => passes, gradientsOf, lastComputed, startBackward, stepBackward, finishBackward, staleBackward, gradValue, numgrad, check };
}

export type Gradient = ReturnType<typeof createGradients>;

interface LossFunction {
  /** L with the cells of `set` holding these values; `side` marks the x + h (0) and x − h (1) passes of one difference. */
  at(set: Map<number, Value>, side?: 0 | 1): number;
  /** The kink the last x + h / x − h pair straddled, or null. */
  straddled(): Kink | null;
}

/** A kinked instruction of one cell, and the signs of its kink distance at x + h (stamped by pass). */
interface KinkSite {
  instr: number;
  signs: Int8Array | null;
  pass: number;
}

/** 1, −1, 0 by sign, 2 for NaN (which straddles nothing). */
function signOf(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : 2;
}

function signsOf(d: Value, into: Int8Array | null): Int8Array {
  const n = typeof d === 'number' ? 1 : d.data.length;
  const out = into !== null && into.length === n ? into : new Int8Array(n);
  if (typeof d === 'number') out[0] = signOf(d);
  else for (let i = 0; i < n; i++) out[i] = signOf(d.data[i]);
  return out;
}

/**
 * Whether some entry's sign differs between the two sides: the kink lies between x − h and
 * x + h, or on one of them. An entry at 0 on both sides did not move: no kink is crossed.
 */
function differs(before: Int8Array, d: Value): boolean {
  const n = typeof d === 'number' ? 1 : d.data.length;
  if (n !== before.length) return false;
  for (let i = 0; i < n; i++) {
    const s = signOf(typeof d === 'number' ? d : d.data[i]);
    if (s !== 2 && before[i] !== 2 && s !== before[i]) return true;
  }
  return false;
}

function isScalar(v: Value | null): v is Value {
  if (v === null) return false;
  const [r, c] = shapeOf(v);
  return r === 1 && c === 1;
}

/** A row of the whole-sheet check fails it unless it is right, or every entry straddled a kink. */
function fails(r: Omit<GradientCheckRow, 'of'>): boolean {
  return !r.ok && !(r.kink !== null && r.kink.entries === r.entries);
}

/** One cell's row: compareValues over the entries whose differences straddled no kink (all of them when every one did). */
function compareRow(at: string, analytic: Float64Array, numeric: Float64Array, kinks: (Kink | null)[], tol: number, floor: number): Omit<GradientCheckRow, 'of'> {
  const n = analytic.length;
  const keep: number[] = [];
  let first: Kink | null = null;
  for (let k = 0; k < n; k++) {
    if (kinks[k] === null) keep.push(k);
    else first ??= kinks[k];
  }
  let a = analytic, b = numeric;
  if (keep.length > 0 && keep.length < n) {
    a = Float64Array.from(keep, (k) => analytic[k]);
    b = Float64Array.from(keep, (k) => numeric[k]);
  }
  const cmp = compareValues(new Matrix(1, a.length, a), new Matrix(1, b.length, b), tol, floor);
  return { at, relErr: cmp.relErr, absErr: cmp.absErr, ok: cmp.pass, entries: n, kink: first && { ...first, entries: n - keep.length } };
}
