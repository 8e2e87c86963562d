// Reverse-mode accumulation over the cell graph, and its checks. A loss's reverse pass visits
// the cells upstream of it, each after all of its consumers, running each cell's tape
// backward and *adding* what it sends to the cells it reads (forks sum). Passes are cached
// per loss while the loss's version holds, and resumable so a sliced recompute can spread
// them over slices. numgrad (central differences) and the whole-sheet gradient check live
// here too, next to what they check.
import { type Cell, label, toCellError } from '../cell';
import { compareAddresses } from '../formula/address';
import { Marks, reach, topoOrder } from '../graph/order';
import { relativeError } from '../ops/verify';
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
 * numgrad re-evaluates the path X → L twice per entry of X; beyond this many matrix entries
 * computed in all (about a second of work) it refuses and points to grad(L, X).
 */
const MAX_NUMGRAD_WORK = 5e7;

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
  const marks = new Marks();
  const marks2 = new Marks();
  let pending = new Int32Array(1024);
  let indeg = new Int32Array(1024);
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

  function numgrad(lossId: number, wrt: number): Value {
    const L = cells[lossId], X = cells[wrt];
    for (const c of [L, X]) if (c.error) throw new UpstreamError(upstream(c.error, c.at));
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

  /** Every cell upstream of the loss against central differences, failures and worst first. */
  function check(lossId: number, tol: number): Pick<GradientCheck, 'pass' | 'rows' | 'skipped' | 'error'> {
    const res: Pick<GradientCheck, 'pass' | 'rows' | 'skipped' | 'error'> = { pass: true, rows: [], skipped: [], error: null };
    const G = gradientsOf(lossId);
    if (G.error) return { ...res, pass: false, error: G.error.message };
    // Finite differences carry noise of about ε·|L|/h ≈ 1e-11·|L|: a gradient that is 0 in
    // exact arithmetic (rounding −2.8e−17 against 0) must not fail on relative error alone.
    const noiseFloor = 1e-8 * Math.max(1, Math.abs(cells[lossId].value === null ? 0 : (cells[lossId].value as number)));
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
      const relErr = relativeError(g, n);
      const absErr = maxAbsDiff(g, n);
      const ok = relErr <= tol || absErr <= noiseFloor;
      res.rows.push({ at: c.at, relErr, absErr, ok });
      if (!ok) res.pass = false;
    }
    const badness = (r: { relErr: number; ok: boolean }) => (Number.isNaN(r.relErr) ? Infinity : r.relErr) + (r.ok ? 0 : 1e9);
    res.rows.sort((a, b) => badness(b) - badness(a) || compareAddresses(a.at, b.at));
    return res;
  }

  /** The most recent gradients of a loss, current or not (null if none were ever computed). */
  function lastComputed(lossId: number): Gradients | null {
    return gradCache.get(lossId) ?? null;
  }

  return { gradientsOf, lastComputed, startBackward, stepBackward, finishBackward, staleBackward, gradValue, numgrad, contributions, check };
}

export type Gradient = ReturnType<typeof createGradients>;
