// Which parameters an optimizer trains, and the errors an optimizer cell shows (SPEC §4): a
// loss that is not a scalar, a loss with no parameter upstream, a parameter claimed by two
// optimizers (an error on both). Walks the dependency graph with an explicit stack.
import { OpError, type Value, shapeOf, shapeText } from '../tensor/value';
import { readHyper } from '../ops/training';
import type { Program } from '../eval/program';

export interface ClaimGraph {
  deps(id: number): readonly number[];
  /** A trainable parameter (param(init)). */
  isParam(id: number): boolean;
  /** Optimizer cells of the sheet and the loss cell each one reads. */
  optimizers(): { id: number; loss: number }[];
  label(id: number): string;
}

/** Parameter cells upstream of `loss` (the loss itself included), ascending ids. */
export function paramsUpstream(g: ClaimGraph, loss: number): number[] {
  const seen = new Set<number>([loss]);
  const stack = [loss];
  const out: number[] = [];
  while (stack.length) {
    const id = stack.pop()!;
    if (g.isParam(id)) {
      out.push(id);
      continue; // a parameter's init is not trained through it
    }
    for (const d of g.deps(id)) if (!seen.has(d)) {
      seen.add(d);
      stack.push(d);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * The value of optimizer cell `self` (`steps`, the steps it has taken), or the OpError it shows.
 * `lossValue` is the loss cell's value (its errors propagate before this is called).
 */
export function optimizerValue(g: ClaimGraph, self: number, op: string, loss: number, lossValue: Value, hyper: readonly Value[], steps: number): Value {
  const [r, c] = shapeOf(lossValue);
  if (r !== 1 || c !== 1) throw new OpError('GRAD', `${op}: the loss ${g.label(loss)} must be a scalar, it is ${shapeText(lossValue)}`);
  readHyper(op, hyper);
  const mine = paramsUpstream(g, loss);
  if (!mine.length) throw new OpError('TRAIN', `${op}: no parameter upstream of the loss ${g.label(loss)} (make weights with param(init))`);
  const own = new Set(mine);
  for (const o of g.optimizers()) {
    if (o.id === self) continue;
    const shared = paramsUpstream(g, o.loss).filter((p) => own.has(p));
    if (shared.length) {
      const names = shared.slice(0, 3).map((p) => g.label(p)).join(', ');
      throw new OpError('TRAIN', `${op}: ${names}${shared.length > 3 ? ' …' : ''} ${shared.length > 1 ? 'are' : 'is'} also trained by ${g.label(o.id)} (a parameter may have one optimizer)`);
    }
  }
  return steps;
}

/** A trainable parameter: the formula is param(init). (A stored value under another formula is data, e.g. an imported matrix.) */
export function isParamFormula(p: Program | null): boolean {
  const last = p ? p.instrs[p.instrs.length - 1] : null;
  return last !== null && last.t === 'op' && last.op!.name === 'param';
}

/** A cell holding a parameter value: a stored value (trained weights, data), or param(init). */
export function isParamCell(c: { param: Value | null; prog: Program | null }): boolean {
  return c.param !== null || isParamFormula(c.prog);
}

/** An optimizer cell: its formula is sgd(…) or adam(…). */
export function isOptimizer(p: Program | null): boolean {
  return p !== null && p.instrs[p.instrs.length - 1].t === 'optimize';
}

/** The loss cell an optimizer reads (its program's loss link). */
export function optimizerLoss(c: { prog: Program | null; links: readonly number[] }): number {
  return c.links[c.prog!.instrs[c.prog!.instrs.length - 1].loss];
}
