// Forward evaluation of one cell's program. Every slot is kept (the tape backward reads).
// Errors inside the cell are OpErrors; a referenced cell's error arrives as an UpstreamError.
// Both are caught by the engine at the cell boundary and become the cell's error value.
import type { OpContext, OpMeta } from '../ops/define';
import { type CellError, OpError, UpstreamError, upstream } from '../errors';
import { Matrix, type Value, normalize, shapeText, toScalar } from '../tensor/value';
import type { Program } from './program';

export { type CellError, UpstreamError, isCellError, upstream } from '../errors';

export interface ForwardEnv {
  /** The current value of a cell, or its error. */
  read(cell: number): Value | CellError;
  /** Value of grad(L, X) / grad(L) / numgrad(L, X) instructions. */
  gradient(kind: 'grad' | 'numgrad', loss: number, wrt: number): Value;
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
  const ctx: OpContext = { meta, step: env.step ? env.step() : 0 };
  if (slots.length !== ins.length) slots.length = ins.length;
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
      case 'numgrad':
        v = env.gradient(it.t, links[it.loss], it.wrt < 0 ? -1 : links[it.wrt]);
        break;
      case 'optimize': {
        const id = links[it.loss];
        const r = env.read(id);
        if (typeof r !== 'number' && !(r instanceof Matrix)) throw new UpstreamError(upstream(r, env.label(id)));
        if (!env.optimizer) throw new OpError('TRAIN', `${it.op!.name}: optimizers need the engine`);
        v = env.optimizer(it.op!.name, id, it.args.map((a) => slots[a]));
        break;
      }
    }
    slots[i] = typeof v === 'number' ? v : normalize(v);
  }
  return slots[ins.length - 1];
}
