// What the training panel shows besides the loss curve, computed from the sheet (no DOM):
// - for 2-D classification data, the decision boundary: the network's class for every point
//   of a grid over the data, found by running the sheet's plan with the grid put where the
//   data (or the batch taken from it) flows, and the data points with their labels;
// - for MNIST, test digits with their predicted and true labels.
// Which cells play which part is read from the formulas: an `accuracy(scores, labels)` cell
// names the scores and the labels; the data is the 2-column cell upstream of the scores.
import type { Engine } from '../../engine/engine';
import { type Plan, createPlanRunner } from '../../engine/eval/plan';
import { parseFormula, type Expr } from '../../engine/formula/parse';
import { Matrix, type Value } from '../../engine/tensor/value';

export interface ClassifierCells {
  /** The accuracy cell, and the cells its arguments name. */
  accuracy: string;
  scores: string;
  labels: string;
}

/** The `accuracy(scores, labels)` cells of a sheet whose arguments are plain cell references, by address. */
export function findClassifiers(engine: Engine): ClassifierCells[] {
  const out: ClassifierCells[] = [];
  for (const c of engine.cells()) {
    if (!/\baccuracy\s*\(/.test(c.formula)) continue;
    let e: Expr;
    try {
      e = parseFormula(c.formula);
    } catch {
      continue;
    }
    if (e.k !== 'call' || e.fn !== 'accuracy' || e.args.length !== 2) continue;
    const [s, l] = e.args;
    if (s.k !== 'ref' || l.k !== 'ref') continue;
    const scores = engine.addressOf(s.name) ?? s.name;
    const labels = engine.addressOf(l.name) ?? l.name;
    out.push({ accuracy: c.at, scores, labels });
  }
  return out;
}

export interface Boundary {
  /** Grid resolution (cells per side) and the data's bounding box with a margin. */
  size: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** The predicted class of grid point (i, j) at [j * size + i] (j counts rows from the top, y1). */
  classes: Int32Array;
  classCount: number;
  /** The data: 2-D points and their labels (class indices). */
  points: Float64Array;
  labels: Int32Array;
}

/** What the boundary needs from the sheet, found once per structure: null when the sheet is not 2-D classification. */
export interface BoundarySetup {
  plan: Plan;
  scoresSlot: number;
  /** The slot the grid replaces: the data cell, or the batch taken from it. */
  feedSlot: number;
  dataAt: string;
  labelsAt: string;
}

export function boundarySetup(engine: Engine, cls: ClassifierCells): BoundarySetup | null {
  let plan: Plan;
  try {
    plan = engine.plan({ losses: [cls.scores] });
  } catch {
    return null;
  }
  const scoresSlot = plan.cells.find((c) => c.at === cls.scores)?.slot;
  if (scoresSlot === undefined) return null;
  // The data: an input with two columns upstream of the scores.
  for (const c of plan.cells) {
    const s = plan.slots[c.slot];
    if (s.kind !== 'input' || s.role === 'param' || typeof s.value === 'number' || s.value.cols !== 2 || s.value.rows < 3) continue;
    const readers = plan.steps.filter((st) => st.args.includes(c.slot));
    if (!readers.length) continue;
    // Through a minibatch, the grid replaces what take(X, idx) gives the network.
    const take = readers.find((st) => st.op === 'take' && st.args[0] === c.slot);
    return { plan, scoresSlot, feedSlot: take ? take.out : c.slot, dataAt: c.at, labelsAt: cls.labels };
  }
  return null;
}

/** The decision boundary at the sheet's current parameters (read from the engine), in one go. */
export function computeBoundary(engine: Engine, setup: BoundarySetup, size = 64): Boundary | null {
  const job = boundaryJob(engine, setup, size);
  if (!job) return null;
  let r: Boundary | null | undefined;
  while ((r = job.next()) === undefined);
  return r;
}

/** Grid rows classified per call of BoundaryJob.next: a 64×64 boundary takes eight calls. */
export const BOUNDARY_ROWS_PER_SLICE = 8;

export interface BoundaryJob {
  /** Classify the next rows of the grid: the boundary when done, null when it cannot be drawn, undefined while rows remain. */
  next(): Boundary | null | undefined;
}

/**
 * The decision boundary in slices, so the page can answer input between them (the panel runs
 * one slice per task while training goes on). The parameters and data are read once, at the
 * start: every slice classifies with the same weights even if the sheet moves on meanwhile.
 */
export function boundaryJob(engine: Engine, setup: BoundarySetup, size = 64): BoundaryJob | null {
  const data = engine.get(setup.dataAt)?.value;
  const labels = engine.get(setup.labelsAt)?.value;
  if (!(data instanceof Matrix) || data.cols !== 2) return null;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < data.rows; i++) {
    const x = data.data[2 * i], y = data.data[2 * i + 1];
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const mx = 0.1 * (x1 - x0 || 1), my = 0.1 * (y1 - y0 || 1);
  x0 -= mx;
  x1 += mx;
  y0 -= my;
  y1 += my;
  // Inputs as they are now in the sheet (training updates the parameters); the grid goes where the data flows.
  const inputs = new Map<number, Value>();
  for (const c of setup.plan.cells) {
    const v = setup.plan.slots[c.slot].kind === 'input' ? engine.get(c.at)?.value : null;
    if (v !== null && v !== undefined) inputs.set(c.slot, v);
  }
  const runner = createPlanRunner(setup.plan, engine.registry);
  const classes = new Int32Array(size * size);
  let classCount = 2;
  let row = 0;
  let done: Boundary | null | undefined; // set once the last slice (or a failure) has been met
  const fail = () => (done = null);
  return {
    next() {
      if (done !== undefined) return done;
      const rows = Math.min(BOUNDARY_ROWS_PER_SLICE, size - row);
      const grid = new Float64Array(rows * size * 2);
      for (let j = 0; j < rows; j++) {
        for (let i = 0; i < size; i++) {
          const k = j * size + i;
          grid[2 * k] = x0 + ((i + 0.5) / size) * (x1 - x0);
          grid[2 * k + 1] = y1 - ((row + j + 0.5) / size) * (y1 - y0);
        }
      }
      inputs.set(setup.feedSlot, new Matrix(rows * size, 2, grid));
      let scores: Value;
      try {
        scores = runner.forward(inputs)[setup.scoresSlot];
      } catch {
        return fail();
      }
      if (!(scores instanceof Matrix) || scores.rows !== rows * size) return fail();
      classCount = Math.max(scores.cols, 2);
      for (let r = 0; r < scores.rows; r++) classes[row * size + r] = argmaxRow(scores, r);
      row += rows;
      if (row < size) return undefined;
      const lab = new Int32Array(data.rows);
      for (let i = 0; i < data.rows; i++) lab[i] = labels instanceof Matrix ? Math.round(labels.data[i * labels.cols]) : typeof labels === 'number' ? labels : 0;
      return (done = { size, x0, x1, y0, y1, classes, classCount, points: data.data, labels: lab });
    },
  };
}

function argmaxRow(m: Matrix, r: number): number {
  if (m.cols === 1) return m.data[r] > 0.5 ? 1 : 0; // a single sigmoid output: class 1 above 0.5
  let best = 0;
  for (let c = 1; c < m.cols; c++) if (m.data[r * m.cols + c] > m.data[r * m.cols + best]) best = c;
  return best;
}

export interface Digit {
  pixels: Float64Array;
  predicted: number;
  truth: number;
}

/**
 * Test digits with predicted and true labels: from an accuracy cell over 784-pixel data.
 * The scores cell's upstream must contain the digits (n×784) — read from the engine's values.
 */
export function testDigits(engine: Engine, cls: ClassifierCells, count = 24): Digit[] | null {
  const scores = engine.get(cls.scores)?.value;
  const labels = engine.get(cls.labels)?.value;
  if (!(scores instanceof Matrix) || !(labels instanceof Matrix)) return null;
  const plan = (() => {
    try {
      return engine.plan({ losses: [cls.scores] });
    } catch {
      return null;
    }
  })();
  if (!plan) return null;
  let images: Matrix | null = null;
  for (const c of plan.cells) {
    const v = engine.get(c.at)?.value;
    if (v instanceof Matrix && v.cols === 784 && v.rows === scores.rows) images = v;
  }
  if (!images) return null;
  const out: Digit[] = [];
  for (let r = 0; r < Math.min(count, images.rows); r++) {
    out.push({ pixels: images.data.subarray(r * 784, (r + 1) * 784), predicted: argmaxRow(scores, r), truth: Math.round(labels.data[r * labels.cols]) });
  }
  return out;
}
