// Training state: what makes training resume exactly (SPEC §4, FORMAT.md). The parameters'
// values travel as their cells' `value`; everything else is the sheet's top-level `train`
// field, documented and validated here (the reader calls readTrainState):
//
//   "train": {
//     "step": 200,                        step(): training steps taken, a whole number ≥ 0
//     "optimizers": {                     by the optimizer cell's address
//       "D1": {
//         "op": "sgd",                    "sgd" or "adam" (checked against the cell when training)
//         "steps": 200,                   the optimizer's own step count (Adam's t)
//         "state": {                      by the parameter cell's address
//           "B1": { "v": [[…]] }          sgd with momentum: v; adam: m and v (the parameter's shape)
//         }
//       }
//     },
//     "curve": { "D1": [[0, 1.0986], [1, 1.0971], …] }   optional: [step, loss] per optimizer
//   }
//
// Keys are written sorted (the writer sorts nothing inside extra fields, so this module does).
import { isAddress } from '../formula/address';
import { Matrix, type Value, normalize, valueFromJson, valueToJson } from '../tensor/value';

export interface OptimizerState {
  op: string;
  steps: number;
  /** Per parameter cell address: per state name (v, m): an array the parameter's size. */
  state: Map<string, Map<string, Matrix>>;
}

export interface TrainState {
  step: number;
  optimizers: Map<string, OptimizerState>;
  /** Per optimizer cell: the loss curve, [step, loss] pairs (thinned to at most CURVE_POINTS). */
  curve: Map<string, [number, number][]>;
}

/** A loss curve keeps at most this many points: every other point is dropped when it fills. */
export const CURVE_POINTS = 2000;

export function emptyTrainState(): TrainState {
  return { step: 0, optimizers: new Map(), curve: new Map() };
}

export function isEmptyTrainState(s: TrainState): boolean {
  return s.step === 0 && s.optimizers.size === 0 && s.curve.size === 0;
}

export function cloneTrainState(s: TrainState): TrainState {
  const optimizers = new Map<string, OptimizerState>();
  for (const [at, o] of s.optimizers) {
    const st = new Map<string, Map<string, Matrix>>();
    for (const [p, arrays] of o.state) st.set(p, new Map([...arrays].map(([k, m]) => [k, new Matrix(m.rows, m.cols, m.data.slice())])));
    optimizers.set(at, { op: o.op, steps: o.steps, state: st });
  }
  return { step: s.step, optimizers, curve: new Map([...s.curve].map(([k, c]) => [k, c.map((p) => [p[0], p[1]] as [number, number])])) };
}

const MAX_STEP = 2 ** 52;
const STATE_NAMES: Record<string, readonly string[]> = { sgd: ['v'], adam: ['m', 'v'] };

/** Validate the `train` field; a message with the JSON path when it is not a training state. */
export function readTrainState(raw: unknown, path = 'train'): { ok: true; state: TrainState } | { ok: false; error: string } {
  try {
    return { ok: true, state: parse(raw, path) };
  } catch (e) {
    if (e instanceof StateError) return { ok: false, error: e.message };
    throw e;
  }
}

class StateError extends Error {}

function fail(message: string): never {
  throw new StateError(message);
}

function record(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${path}: expected an object, got ${Array.isArray(v) ? 'a list' : JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function whole(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_STEP) fail(`${path}: expected a whole number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
}

function address(key: string, path: string): string {
  if (!isAddress(key)) fail(`${path}: "${key.slice(0, 20)}" is not a cell address`);
  return key;
}

function known(r: Record<string, unknown>, fields: readonly string[], path: string): void {
  for (const k of Object.keys(r)) if (!fields.includes(k)) fail(`${path}: unknown field "${k.slice(0, 40)}" (expected ${fields.join(', ')})`);
}

function matrix(v: unknown, path: string): Matrix {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${path}: expected a finite number`);
    return new Matrix(1, 1, Float64Array.of(v));
  }
  if (!Array.isArray(v) || v.length === 0 || !Array.isArray(v[0])) fail(`${path}: expected a number or a list of rows`);
  const width = (v[0] as unknown[]).length;
  for (let r = 0; r < v.length; r++) {
    const row = v[r];
    if (!Array.isArray(row) || row.length !== width) fail(`${path}[${r}]: expected a row of ${width} numbers`);
    for (let c = 0; c < width; c++) if (typeof row[c] !== 'number' || !Number.isFinite(row[c])) fail(`${path}[${r}][${c}]: expected a finite number`);
  }
  const m = valueFromJson(v as number[][]);
  return typeof m === 'number' ? new Matrix(1, 1, Float64Array.of(m)) : m;
}

function parse(raw: unknown, path: string): TrainState {
  const r = record(raw, path);
  known(r, ['step', 'optimizers', 'curve'], path);
  const s = emptyTrainState();
  if (Object.hasOwn(r, 'step')) s.step = whole(r.step, `${path}.step`);
  if (Object.hasOwn(r, 'optimizers')) {
    const os = record(r.optimizers, `${path}.optimizers`);
    for (const at of Object.keys(os)) {
      const op = `${path}.optimizers.${at}`;
      address(at, op);
      const o = record(os[at], op);
      known(o, ['op', 'steps', 'state'], op);
      if (typeof o.op !== 'string' || !Object.hasOwn(STATE_NAMES, o.op)) fail(`${op}.op: expected "sgd" or "adam", got ${JSON.stringify(o.op)}`);
      const names = STATE_NAMES[o.op];
      const os2: OptimizerState = { op: o.op, steps: Object.hasOwn(o, 'steps') ? whole(o.steps, `${op}.steps`) : 0, state: new Map() };
      if (Object.hasOwn(o, 'state')) {
        const st = record(o.state, `${op}.state`);
        for (const p of Object.keys(st)) {
          const pp = `${op}.state.${p}`;
          address(p, pp);
          const arrays = record(st[p], pp);
          known(arrays, names, pp);
          const m = new Map<string, Matrix>();
          for (const k of Object.keys(arrays)) m.set(k, matrix(arrays[k], `${pp}.${k}`));
          os2.state.set(p, m);
        }
      }
      s.optimizers.set(at, os2);
    }
  }
  if (Object.hasOwn(r, 'curve')) {
    const cs = record(r.curve, `${path}.curve`);
    for (const at of Object.keys(cs)) {
      const cp = `${path}.curve.${at}`;
      address(at, cp);
      const list = cs[at];
      if (!Array.isArray(list)) fail(`${cp}: expected a list of [step, loss] pairs`);
      if (list.length > CURVE_POINTS) fail(`${cp}: ${list.length} points, more than ${CURVE_POINTS}`);
      s.curve.set(
        at,
        list.map((p, i) => {
          if (!Array.isArray(p) || p.length !== 2 || typeof p[1] !== 'number') fail(`${cp}[${i}]: expected a pair [step, loss]`);
          return [whole(p[0], `${cp}[${i}][0]`), p[1]] as [number, number];
        }),
      );
    }
  }
  return s;
}

/** The `train` field as JSON data, keys sorted (stable files); undefined when there is nothing to save. */
export function trainStateToJson(s: TrainState): Record<string, unknown> | undefined {
  if (isEmptyTrainState(s)) return undefined;
  const out: Record<string, unknown> = { step: s.step };
  if (s.optimizers.size) {
    const os: Record<string, unknown> = {};
    for (const at of [...s.optimizers.keys()].sort()) {
      const o = s.optimizers.get(at)!;
      const st: Record<string, unknown> = {};
      for (const p of [...o.state.keys()].sort()) {
        const arrays: Record<string, unknown> = {};
        for (const k of [...o.state.get(p)!.keys()].sort()) arrays[k] = valueToJson(normalize(o.state.get(p)!.get(k)!) as Value);
        st[p] = arrays;
      }
      os[at] = { op: o.op, steps: o.steps, state: st };
    }
    out.optimizers = os;
  }
  if (s.curve.size) {
    const cs: Record<string, unknown> = {};
    for (const at of [...s.curve.keys()].sort()) cs[at] = s.curve.get(at)!.map((p) => [p[0], Number.isFinite(p[1]) ? p[1] : null]);
    out.curve = cs;
  }
  return out;
}
