// Step-through backward: the reverse pass of an op graph replayed one operation at a time.
// Position k means the first k ops of the pass (graph.reverse) have run: each slot holds the
// seed plus everything those ops added into it — the fork sum accumulating. Forward steps
// add; stepping back replays from the start (sums of floating-point numbers are not undone
// by subtracting). Plain TypeScript, no DOM: the graph view and the grid read it.
import type { OpGraph, OpNode } from '../../engine/explain/op-graph';
import { addValues } from '../../engine/tensor/kernels';
import type { Value } from '../../engine/tensor/value';

export interface StepThrough {
  readonly graph: OpGraph;
  /** How many ops of the reverse pass have run (0 … total). */
  pos(): number;
  total(): number;
  /** The op that ran last (the one being explained), or null at the start. */
  current(): OpNode | null;
  next(): boolean;
  prev(): boolean;
  seek(k: number): void;
  /** ∂L/∂slot so far (undefined: nothing has arrived yet). */
  soFar(slot: number): Value | undefined;
  /** Has op `id` run yet? */
  ran(id: number): boolean;
  /** ∂L/∂cell so far for every cell something has arrived at. */
  cellGrads(): Map<string, Value>;
}

export function createStepThrough(graph: OpGraph): StepThrough {
  const order = graph.reverse;
  let k = 0;
  let sums = new Map<number, Value>();

  function reset(): void {
    k = 0;
    sums = new Map();
    if (graph.lossSlot !== null) sums.set(graph.lossSlot, 1);
  }

  function apply(id: number): void {
    for (const inp of graph.nodes[id].inputs) {
      if (inp.added === null || inp.isConst) continue;
      const prev = sums.get(inp.slot);
      sums.set(inp.slot, prev === undefined ? inp.added : addValues(prev, inp.added));
    }
  }

  reset();
  const st: StepThrough = {
    graph,
    pos: () => k,
    total: () => order.length,
    current: () => (k > 0 ? graph.nodes[order[k - 1]] : null),
    next() {
      if (k >= order.length) return false;
      apply(order[k++]);
      return true;
    },
    prev() {
      if (k === 0) return false;
      st.seek(k - 1);
      return true;
    },
    seek(target) {
      const t = Math.max(0, Math.min(order.length, Math.floor(target)));
      if (t < k) reset();
      while (k < t) apply(order[k++]);
    },
    soFar: (slot) => sums.get(slot),
    ran: (id) => {
      const b = graph.nodes[id]?.backOrder ?? -1;
      return b >= 0 && b < k;
    },
    cellGrads() {
      const out = new Map<string, Value>();
      for (const c of graph.cells) {
        const v = sums.get(c.slot);
        if (v !== undefined) out.set(c.at, v);
      }
      return out;
    },
  };
  return st;
}
