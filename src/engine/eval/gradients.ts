// Reverse-mode accumulation over the cell graph, and its checks. A loss's reverse pass visits
// the cells upstream of it, each after all of its consumers, running each cell's tape
// backward and *adding* what it sends to the cells it reads (forks sum). Passes are cached
// per loss while the loss's version holds, and resumable so a sliced recompute can spread
// them over slices. numgrad (central differences) and the whole-sheet gradient check live
// here too, next to what they check.
import { type Cell, label, toCellError } from '../cell';
import { compareAddresses } from '../formula/address';
import { Marks, reach } from '../graph/order';
import { COMPARE_FLOOR, compareValues } from '../ops/verify';
import { addValues, filled } from '../tensor/kernels';
import { Matrix, OpError, type Value, cloneValue, shapeOf, shapeText, sizeOf } from '../tensor/value';
import { backpropCell } from './backward';
import { type CellError, type ForwardEnv, UpstreamError, isCellError, runForward, upstream } from './forward';

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
  /**
   * Cells compared (`entries` of their `of` entries), failures first, then by relative error.
   * relErr and ok come from compareValues, the rule check() uses, so ✓ always has relErr ≤ tol.
   */
  rows: { at: string; relErr: number; absErr: number; ok: boolean; entries: number; of: number }[];
  /** Sampled cells left out because the check's work budget was spent. */
  skipped: string[];
  error: string | null;
  /** How many cells were differenced of how many, and how many entries in all. */
  sampled: { cells: number; of: number; entries: number } | null;
  /** The directional derivative along a random direction over all inputs (null: no inputs, or too large). */
  directional: { inputs: number; entries: number; relErr: number; ok: boolean } | null;
}

type CheckResult = Omit<GradientCheck, 'gradCell' | 'loss' | 'tol'>;

interface Upstream {
  /** Reverse topological order (the loss first). */
  order: number[];
  /** Position of each cell id in `order`, −1 when not upstream. */
  pos: Int32Array;
}

/** mulberry32: the check's samples are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

/** What the gradient machinery needs from the engine: the cells, the edge version, a clock. */
export interface GradientHost {
  cells: Cell[];
  /** Bumped whenever an edge changes (cached upstream orders check it). */
  structureVersion(): number;
  /** The forward environment (numgrad re-evaluates cells with it). */
  env: ForwardEnv;
  /** The slicer's clock, for resumable passes. */
  now(): number;
}

export function createGradients(host: GradientHost) {
  const { cells, env } = host;
  const gradCache = new Map<number, Gradients>();
  /** Reverse topological order of each loss's upstream cells, while the edges hold. */
  const upstreamCache = new Map<number, { version: number; order: number[] }>();
  const marks2 = new Marks();
  let pending = new Int32Array(1024);
  const scratchAdj: (Value | undefined)[] = [];

  function gradientsOf(lossId: number): Gradients {
    const L = cells[lossId];
    const cached = gradCache.get(lossId);
    if (cached && cached.lossVersion === L.version) return cached;
    const run = startBackward(lossId);
    stepBackward(run, Infinity);
    return finishBackward(run);
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
    if (hit && hit.version === host.structureVersion()) return hit.order;
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
    upstreamCache.set(lossId, { version: host.structureVersion(), order });
    return order;
  }

  function gradValue(lossId: number, wrt: number): Value {
    const G = gradientsOf(lossId);
    if (G.error) throw new OpError(G.error.kind as any, G.error.message);
    if (wrt < 0) return cells[lossId].value!;
    const X = cells[wrt];
    if (X.error) throw new UpstreamError(upstream(X.error, X.at));
    const g = G.adj[wrt];
    if (g !== undefined) return g;
    const [r, c] = shapeOf(X.value!);
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
    marks2.ensure(cells.length);
    marks2.set(wrt, s);
    const stack = [wrt];
    let lowest = u.pos[wrt];
    while (stack.length) {
      const users = cells[stack.pop()!].users;
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
    const pos = new Int32Array(cells.length).fill(-1);
    for (let k = 0; k < order.length; k++) pos[order[k]] = k;
    return { order, pos };
  }

  /** Entries computed by one evaluation of `ids`: each cell's tape, plus a fixed cost per cell. */
  function passCost(ids: readonly number[]): number {
    let cost = 0;
    for (const id of ids) {
      const c = cells[id];
      cost += CELL_OVERHEAD + (c.value === null ? 1 : sizeOf(c.value));
      const instrs = c.prog?.instrs;
      for (let k = 0; k < c.slots.length; k++) {
        const v = c.slots[k];
        // Reading a cell or a constant hands over a value already there: no entries computed.
        const t = instrs?.[k]?.t;
        cost += v === undefined || typeof v === 'number' || t === 'cell' || t === 'const' ? 1 : sizeOf(v);
      }
    }
    return cost;
  }

  /**
   * L as a function of the values of some cells (`set`), re-evaluating `path` in order. The
   * pass's values live in arrays indexed by cell id, stamped per pass (no Map of 100,000
   * entries rebuilt twice per differenced entry).
   */
  function lossFunction(lossId: number, path: readonly number[]): (set: Map<number, Value>) => number {
    const vals: (Value | CellError | undefined)[] = new Array(cells.length);
    const stamps = new Int32Array(cells.length);
    let stamp = 0;
    const scratchEnv: ForwardEnv = {
      read: (id) => (stamps[id] === stamp ? vals[id]! : env.read(id)),
      gradient: env.gradient,
      label: env.label,
    };
    const slots: Value[] = [];
    return (set) => {
      stamp++;
      for (const [id, v] of set) {
        vals[id] = v;
        stamps[id] = stamp;
      }
      for (let k = 0; k < path.length; k++) {
        const id = path[k];
        const c = cells[id];
        if (c.param !== null || !c.prog || set.has(id)) continue;
        let v: Value | CellError;
        try {
          v = runForward(c.prog, c.links, slots, scratchEnv, {});
        } catch (e) {
          v = toCellError(e);
        }
        vals[id] = v;
        stamps[id] = stamp;
      }
      const v = stamps[lossId] === stamp ? vals[lossId] : undefined;
      if (v === undefined || isCellError(v)) return NaN;
      return typeof v === 'number' ? v : v.data[0];
    };
  }

  /** Central differences of L in the entries `idx` of X, given X's path to L. */
  function differences(lossId: number, wrt: number, path: readonly number[], idx: readonly number[]): Float64Array {
    const f = lossFunction(lossId, path);
    const x0 = cells[wrt].value!;
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
      const fp = f(set);
      set.set(wrt, at(-h));
      const fm = f(set);
      if (typeof xm !== 'number') xm.data[i] = base;
      out[k] = (fp - fm) / (2 * h);
    }
    return out;
  }

  function numgrad(lossId: number, wrt: number): Value {
    const L = cells[lossId], X = cells[wrt];
    for (const c of [L, X]) if (c.error) throw new UpstreamError(upstream(c.error, c.at));
    if (shapeOf(L.value!)[0] !== 1 || shapeOf(L.value!)[1] !== 1) throw new OpError('GRAD', `numgrad: the loss ${label(L)} must be a scalar, it is ${shapeText(L.value!)}`);
    const x0 = X.value!;
    const [r, cc] = shapeOf(x0);
    if (lossId === wrt) return filled(r, cc, 1);
    const p = pathOf(lossId, wrt, null);
    if (!p) return filled(r, cc, 0);
    const n = r * cc;
    // Checked before any work: 2 evaluations of the path per entry of X.
    if (2 * n * p.cost > MAX_NUMGRAD_WORK) {
      throw new OpError(
        'SIZE',
        `numgrad: differencing ${label(X)} (${shapeText(x0)}, ${n} entries) re-evaluates ${p.path.length} cells computing ${p.cost} values, twice per entry: ${groupDigits(2 * n * p.cost)} values in all, more than the limit of ${groupDigits(MAX_NUMGRAD_WORK)}; use grad(${label(L)}, ${label(X)}), and numgrad on a smaller X to check it`,
      );
    }
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const out = differences(lossId, wrt, p.path, idx);
    return n === 1 && typeof x0 === 'number' ? out[0] : new Matrix(r, cc, out);
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

  /** Each consumer's part of ∂L/∂cell (the fork sum), for the inspector. */
  function contributions(lossId: number, id: number, order: (a: number, b: number) => number): { grad: Value | null; parts: Contribution[] } {
    const G = gradientsOf(lossId);
    const g = G.error ? undefined : G.adj[id];
    const out: { grad: Value | null; parts: Contribution[] } = { grad: g ?? null, parts: [] };
    if (g === undefined) return out;
    const inUp = new Set(G.order);
    for (const uid of [...new Set(cells[id].users)].sort(order)) {
      const u = cells[uid];
      const ug = G.adj[uid];
      if (!inUp.has(uid) || ug === undefined || !u.prog || u.error || u.param !== null || u.slots.length !== u.prog.instrs.length) continue;
      let part: Value | undefined;
      backpropCell(u.prog, u.links, u.slots, ug, (cell, contribution) => {
        if (cell === id) part = part === undefined ? contribution : addValues(part, contribution);
      }, []);
      if (part === undefined) continue;
      const local = typeof ug === 'number' && typeof part === 'number' && ug !== 0 ? part / ug : null;
      out.parts.push({ via: u.at, viaGrad: ug, contribution: part, local });
    }
    return out;
  }

  /**
   * The whole-sheet gradient check, as gradient checkers do it: each cell upstream of the loss
   * against central differences in a fixed, seeded sample of its entries (all of them for
   * small cells), every cell on a small sheet and a seeded sample of cells on a large one,
   * within a work budget; plus one directional derivative that perturbs every input at once,
   * so that no input goes unchecked. Failures and worst first.
   */
  function check(lossId: number, tol: number): CheckResult {
    const res: CheckResult = { pass: true, rows: [], skipped: [], error: null, sampled: null, directional: null };
    const G = gradientsOf(lossId);
    if (G.error) return { ...res, pass: false, error: G.error.message };
    const Lv = cells[lossId].value;
    const lossScale = Math.max(1, Math.abs(typeof Lv === 'number' ? Lv : 0));
    // Finite differences carry noise of about ε·|L|/h: magnitudes below the floor count as 0.
    const floor = COMPARE_FLOOR * lossScale;
    const up = upstreamOf(lossId, G.order);
    const candidates = G.order.filter((id) => {
      const c = cells[id];
      return id !== lossId && G.adj[id] !== undefined && c.value !== null && !G.constant.has(id);
    });
    const rand = seeded(CHECK_SEED);
    const chosen = candidates.length <= CHECK_MAX_CELLS ? candidates : sample(candidates, CHECK_MAX_CELLS, rand);
    let budget = CHECK_WORK_BUDGET;
    let entriesChecked = 0;
    // Nearest the loss first (in a long chain their paths are the shortest): the budget then
    // covers as many cells as it can, and once it is nearly spent the rest are not even walked.
    chosen.sort((a, b) => up.pos[a] - up.pos[b]);
    for (const id of chosen) {
      const c = cells[id];
      if (budget < CHECK_WORK_BUDGET / 20) {
        res.skipped.push(c.at);
        continue;
      }
      const g = G.adj[id]!;
      const size = sizeOf(c.value!);
      const idx = sampleIndices(size, CHECK_ENTRIES_PER_CELL, rand);
      const p = pathOf(lossId, id, up);
      if (!p) continue;
      const cost = 2 * idx.length * p.cost;
      if (cost > budget) {
        res.skipped.push(c.at);
        continue;
      }
      budget -= cost;
      const numeric = differences(lossId, id, p.path, idx);
      const analytic = new Float64Array(idx.length);
      for (let k = 0; k < idx.length; k++) analytic[k] = typeof g === 'number' ? g : g.data[idx[k]];
      const cmp = compareValues(new Matrix(1, idx.length, analytic), new Matrix(1, idx.length, numeric), tol, floor);
      entriesChecked += idx.length;
      res.rows.push({ at: c.at, relErr: cmp.relErr, absErr: cmp.absErr, ok: cmp.pass, entries: idx.length, of: size });
      if (!cmp.pass) res.pass = false;
    }
    res.sampled = { cells: res.rows.length, of: candidates.length, entries: entriesChecked };
    res.directional = directional(lossId, G, up, tol, floor, rand);
    if (res.directional && !res.directional.ok) res.pass = false;
    const badness = (r: { relErr: number; ok: boolean }) => (Number.isNaN(r.relErr) ? Infinity : r.relErr) + (r.ok ? 0 : 1e9);
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
      const c = cells[id];
      if (id === lossId || c.value === null || c.error || G.constant.has(id) || G.adj[id] === undefined) continue;
      const leaf = c.param !== null || c.deps.every((d) => up.pos[d] < 0);
      if (!leaf) continue;
      inputs.push(id);
      m += sizeOf(c.value);
    }
    if (inputs.length === 0) return null;
    const path = G.order.slice().reverse();
    if (2 * passCost(path) > CHECK_WORK_BUDGET * 4) return null;
    const unit = 1 / Math.sqrt(m);
    const dirs = new Map<number, Float64Array>();
    let expected = 0;
    for (const id of inputs) {
      const v = cells[id].value!, g = G.adj[id]!;
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
        const v = cells[id].value!, d = dirs.get(id)!;
        if (typeof v === 'number') set.set(id, v + s * d[0]);
        else {
          const out = cloneValue(v) as Matrix;
          for (let i = 0; i < d.length; i++) out.data[i] += s * d[i];
          set.set(id, out);
        }
      }
      return set;
    };
    const numeric = (f(shifted(h)) - f(shifted(-h))) / (2 * h);
    const cmp = compareValues(expected, numeric, tol, floor);
    return { inputs: inputs.length, entries: m, relErr: cmp.relErr, ok: cmp.pass };
  }

  /** The most recent gradients of a loss, current or not (null if none were ever computed). */
  function lastComputed(lossId: number): Gradients | null {
    return gradCache.get(lossId) ?? null;
  }

  return { gradientsOf, lastComputed, startBackward, stepBackward, finishBackward, staleBackward, gradValue, numgrad, contributions, check };
}

export type Gradient = ReturnType<typeof createGradients>;
