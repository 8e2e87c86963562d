// Forward evaluation of one cell's program. Every slot is kept (the tape backward reads).
// Errors inside the cell are OpErrors; a referenced cell's error arrives as an UpstreamError.
// Both are caught by the engine at the cell boundary and become the cell's error value.
import type { Kink, OpContext, OpMeta } from '../ops/define';
import { type CellError, OpError, UpstreamError, upstream } from '../errors';
import { Matrix, type Value, normalize, shapeText, toScalar } from '../tensor/value';
import type { Program } from './program';

export { type CellError, UpstreamError, isCellError, upstream } from '../errors';

export interface ForwardEnv {
  /** The current value of a cell, or its error. */
  read(cell: number): Value | CellError;
  /**
   * Value of grad(L, X) / grad(L) / numgrad(L, X) instructions. A numgrad whose differences
   * straddled a kink says so through `onKink`.
   */
  gradient(kind: 'grad' | 'numgrad', loss: number, wrt: number, onKink?: (k: Kink) => void): Value;
  /** The kink a cell's value carries from a numgrad (a cell holding numgrad(L, X)), if any. */
  kinkOf?(cell: number): Kink | null;
  /** Address of a cell, for messages. */
  label(cell: number): string;
  /** Value of an optimizer (sgd, adam) over the loss cell with these hyperparameters: its step count, or an OpError. */
  optimizer?(op: string, loss: number, hyper: readonly Value[]): Value;
  /** Training steps taken (what step() and minibatch() read); 0 when absent. */
  step?(): number;
}

/** Run `prog` for the cell whose links are `links`, filling `slots`; returns the value of the last instruction. */
export function runForward(prog: Program, links: readonly number[], slots: Value[], env: ForwardEnv, meta: OpMeta): Value {
  const ins = prog.instrs;
  const ctx: OpContext = { meta, step: env.step ? env.step() : 0, kink: null };
  if (slots.length !== ins.length) slots.length = ins.length;
  if (meta.kink !== undefined) meta.kink = undefined;
  // The kink each slot carries from a numgrad, allocated only once one is met: a check of
  // numgrad(…) (directly, or through arithmetic or another cell) reads it as ctx.kink.
  let kinks: (Kink | null)[] | null = null;
  for (let i = 0; i < ins.length; i++) {
    const it = ins[i];
    let v: Value;
    switch (it.t) {
      case 'const':
        v = it.value;
        break;
      case 'cell': {
        const id = links[it.link];
        const r = env.read(id);
        if (typeof r !== 'number' && !(r instanceof Matrix)) throw new UpstreamError(upstream(r, env.label(id)));
        v = r;
        const k = env.kinkOf?.(id);
        if (k) (kinks ??= noKinks(ins.length))[i] = k;
        break;
      }
      case 'range': {
        const n = it.rows * it.cols;
        const d = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          const id = links[it.link + k];
          const r = env.read(id);
          if (typeof r === 'number') d[k] = r;
          else if (r instanceof Matrix) d[k] = toScalar(r, `range entry ${env.label(id)}`);
          else throw new UpstreamError(upstream(r, env.label(id)));
        }
        v = new Matrix(it.rows, it.cols, d);
        break;
      }
      case 'matrix': {
        const d = new Float64Array(it.args.length);
        for (let k = 0; k < it.args.length; k++) {
          const x = slots[it.args[k]];
          if (typeof x === 'number') d[k] = x;
          else if (x.rows === 1 && x.cols === 1) d[k] = x.data[0];
          else throw new OpError('SHAPE', `matrix literal entries must be scalars, entry ${k + 1} is ${shapeText(x)}`);
        }
        v = new Matrix(it.rows, it.cols, d);
        break;
      }
      case 'op': {
        const a = it.args;
        const op = it.op!;
        if (kinks !== null) {
          ctx.kink = null;
          for (let k = 0; k < a.length && ctx.kink === null; k++) ctx.kink = (kinks as (Kink | null)[])[a[k]];
          if (ctx.kink !== null) (kinks as (Kink | null)[])[i] = ctx.kink;
        }
        if (op.scalar !== undefined) {
          // Plain numbers in, plain number out: skip the general path (the scalar sheets' hot loop).
          const x = slots[a[0]];
          const y = a.length > 1 ? slots[a[1]] : 0;
          if (typeof x === 'number' && typeof y === 'number') {
            slots[i] = op.scalar(x, y);
            continue;
          }
        }
        const args = it.buf;
        for (let k = 0; k < a.length; k++) args[k] = slots[a[k]];
        v = it.op!.forward!(args, ctx);
        break;
      }
      case 'grad':
        v = env.gradient(it.t, links[it.loss], it.wrt < 0 ? -1 : links[it.wrt]);
        break;
      case 'optimize': {
        const id = links[it.loss];
        const r = env.read(id);
        if (typeof r !== 'number' && !(r instanceof Matrix)) throw new UpstreamError(upstream(r, env.label(id)));
        if (!env.optimizer) throw new OpError('TRAIN', `${it.op!.name}: optimizers need the engine`);
        v = env.optimizer(it.op!.name, id, slotValues(it.args, slots));
        break;
      }
      case 'numgrad': {
        const found = numgrad(env, links[it.loss], it.wrt < 0 ? -1 : links[it.wrt]);
        v = found.value;
        if (found.kink) (kinks ??= noKinks(ins.length))[i] = found.kink;
        break;
      }
    }
    slots[i] = typeof v === 'number' ? v : normalize(v);
  }
  const last = kinks === null ? null : (kinks as (Kink | null)[])[ins.length - 1];
  if (last) meta.kink = last;
  return slots[ins.length - 1];
}

// No closure inside runForward: one that captured its locals would make every call allocate
// a context for them, a third more garbage per cell in a 100,000-cell chain edit.

function slotValues(args: readonly number[], slots: readonly Value[]): Value[] {
  const out = new Array<Value>(args.length);
  for (let k = 0; k < args.length; k++) out[k] = slots[args[k]];
  return out;
}

/** numgrad(L, X), and the kink its differences straddled, if any. */
function numgrad(env: ForwardEnv, loss: number, wrt: number): { value: Value; kink: Kink | null } {
  let kink: Kink | null = null;
  const value = env.gradient('numgrad', loss, wrt, (k) => (kink = k));
  return { value, kink };
}

function noKinks(n: number): (Kink | null)[] {
  return new Array<Kink | null>(n).fill(null);
}
