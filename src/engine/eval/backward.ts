// Reverse pass through one cell's tape: given ∂L/∂cell, apply each instruction's VJP back
// to front and hand every contribution to a referenced cell to `emit`. Contributions are
// always *added* by the caller, so a cell read twice (a fork) gets the sum.
import { addValues } from '../tensor/kernels';
import { Matrix, type Value, normalize } from '../tensor/value';
import type { Program } from './program';

/** Receives ∂L/∂(referenced cell) contributions: `cell` id and the part of the gradient from this formula. */
export type Emit = (cell: number, contribution: Value) => void;

export function backpropCell(
  prog: Program,
  links: readonly number[],
  slots: readonly Value[],
  seed: Value,
  emit: Emit,
  adj: (Value | undefined)[],
): void {
  const ins = prog.instrs;
  const n = ins.length;
  // adj is scratch shared between cells: its first n entries are cleared here, so nothing
  // from the previous cell's pass is read.
  for (let i = 0; i < n - 1; i++) adj[i] = undefined;
  adj[n - 1] = seed;
  for (let i = n - 1; i >= 0; i--) {
    const g = adj[i];
    if (g === undefined) continue;
    adj[i] = undefined;
    const it = ins[i];
    switch (it.t) {
      case 'cell': {
        const id = links[it.link];
        if (id >= 0) emit(id, g);
        break;
      }
      case 'range': {
        const n = it.rows * it.cols;
        const gd = asData(g, n);
        for (let k = 0; k < n; k++) emit(links[it.link + k], gd[k]);
        break;
      }
      case 'matrix': {
        const gd = asData(g, it.args.length);
        for (let k = 0; k < it.args.length; k++) accumulate(adj, it.args[k], gd[k]);
        break;
      }
      case 'op': {
        const op = it.op!;
        const vjp = op.vjp;
        if (!vjp) break;
        const a = it.args;
        const sv = op.scalarVjp;
        if (sv !== undefined && typeof g === 'number') {
          const x = slots[a[0]];
          const y = a.length > 1 ? slots[a[1]] : 0;
          const out = slots[i];
          if (typeof x === 'number' && typeof y === 'number' && typeof out === 'number') {
            for (let k = 0; k < a.length; k++) {
              const rule = sv[k];
              if (rule === null || ins[a[k]].t === 'const') continue;
              const s = a[k];
              const prev = adj[s];
              const d = rule(g, x, y, out);
              adj[s] = prev === undefined ? d : typeof prev === 'number' ? prev + d : addValues(prev, d);
            }
            break;
          }
        }
        const args = it.buf;
        for (let k = 0; k < a.length; k++) args[k] = slots[a[k]];
        for (let k = 0; k < a.length; k++) {
          const rule = vjp[k];
          if (!rule) continue;
          const s = a[k];
          if (ins[s].t === 'const') continue; // no gradient is wanted for literals
          accumulate(adj, s, rule(g, args, slots[i]));
        }
        break;
      }
      // const, grad, numgrad: constants for differentiation.
    }
  }
}

function accumulate(adj: (Value | undefined)[], slot: number, g: Value): void {
  const prev = adj[slot];
  adj[slot] = prev === undefined ? (typeof g === 'number' ? g : normalize(g)) : addValues(prev, g);
}

function asData(g: Value, n: number): ArrayLike<number> {
  if (typeof g === 'number') return n === 1 ? [g] : new Float64Array(n).fill(g);
  return (g as Matrix).data;
}
