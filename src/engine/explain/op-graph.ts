// The expanded operation graph: one model for the chain-rule breakdown, the graph view and
// step-through. Built from a plan (eval/plan.ts), its forward values, the reverse pass's
// adjoints and trace, and the registry (for each input's gradient rule). Plain data only:
// node i is plan step i; every input names the node that wrote it (or the cell / literal it
// is); every number is the engine's own. The cell-level view (one node per cell) is derived
// from the same nodes, so the two views can never disagree.
import type { Registry } from '../ops/define';
import { type InputRole, type Plan, type TraceEntry, upstreamSlots } from '../eval/plan';
import { addValues, filled } from '../tensor/kernels';
import { type Value, shapeOf } from '../tensor/value';
import { type GradRule, ruleOf } from './rule-source';

export type Shape = readonly [number, number];

export interface OpInput {
  slot: number;
  /** The op node that wrote this slot, or −1 for a cell the plan takes as given and for a literal. */
  from: number;
  /** The cell whose value this slot is (null for a literal or an intermediate inside a formula). */
  cell: string | null;
  isConst: boolean;
  value: Value;
  shape: Shape;
  /** What this op added into the input's gradient in the reverse pass; null where nothing flows. */
  added: Value | null;
  /** The registry's gradient rule for this input (null where no gradient flows). */
  rule: GradRule | null;
}

export interface OpNode {
  /** The plan step index. */
  id: number;
  /** A registry op name, or the plan's own `stack` (matrix literal, range) and `copy` (`=A1`). */
  op: string;
  /** The cell whose formula this op belongs to. */
  cell: string;
  /** The composite op it was expanded from (`mse`), or null. */
  via: string | null;
  inputs: OpInput[];
  slot: number;
  value: Value;
  shape: Shape;
  /** ∂L/∂output: the gradient that flowed in (null when none reached it, or without a loss). */
  grad: Value | null;
  /** True when the output is the cell's own value (the last op of its formula). */
  output: boolean;
  /** Position in the reverse pass (0 runs first), −1 when no gradient reached it. */
  backOrder: number;
}

export interface GraphCell {
  at: string;
  name: string | null;
  slot: number;
  /** `formula`: computed by op nodes; otherwise how the plan takes it as given. */
  role: InputRole | 'formula';
  value: Value;
  shape: Shape;
  /** ∂L/∂cell (zeros where the loss depends on it but no gradient flows; null off the loss's path). */
  grad: Value | null;
  /** Its op nodes, in plan order. */
  nodes: number[];
}

export interface CellEdge {
  from: string;
  to: string;
  /** The value that flows forward (`from`'s value). */
  value: Value;
  shape: Shape;
  /** What `to`'s formula sent back into `from`'s gradient: `to`'s term of the fork sum. */
  grad: Value | null;
}

export interface OpGraph {
  /** The loss the gradients belong to, or null (values only). */
  loss: string | null;
  lossSlot: number | null;
  nodes: OpNode[];
  cells: GraphCell[];
  cellEdges: CellEdge[];
  /** Node ids in the order the reverse pass ran them. */
  reverse: number[];
  /** Cells the plan left out, and why. */
  omitted: { at: string; reason: string }[];
  /** Why there is no graph (the loss has an error, or is not a scalar), else null. */
  error: string | null;
}

export interface OpGraphInput {
  plan: Plan;
  values: readonly Value[];
  /** Adjoints by slot, trace and loss slot from PlanRunner.backward; absent for a values-only graph. */
  backward?: { adj: readonly (Value | undefined)[]; trace: readonly TraceEntry[]; loss: number; lossAt: string } | null;
  registry: Registry;
}

export function buildOpGraph({ plan, values, backward, registry }: OpGraphInput): OpGraph {
  const writer = new Int32Array(plan.slots.length).fill(-1);
  for (let k = 0; k < plan.steps.length; k++) writer[plan.steps[k].out] = k;
  const cellOfSlot = new Map<number, string>();
  for (const c of plan.cells) cellOfSlot.set(c.slot, c.at);
  const traced = new Map<number, TraceEntry>();
  const reverse: number[] = [];
  for (const t of backward?.trace ?? []) {
    traced.set(t.step, t);
    reverse.push(t.step);
  }

  const nodes: OpNode[] = plan.steps.map((st, k) => {
    const t = traced.get(k);
    const args = st.args.map((s) => values[s]);
    return {
      id: k,
      op: st.op,
      cell: st.cell,
      via: st.via,
      slot: st.out,
      value: values[st.out],
      shape: shapeOf(values[st.out]),
      grad: t ? t.g : null,
      output: cellOfSlot.get(st.out) === st.cell,
      backOrder: -1,
      inputs: st.args.map((s, j): OpInput => {
        const slot = plan.slots[s];
        return {
          slot: s,
          from: writer[s],
          cell: cellOfSlot.get(s) ?? null,
          isConst: slot.kind === 'const',
          value: values[s],
          shape: shapeOf(values[s]),
          added: t?.added[j] ?? null,
          rule: ruleOf(registry, st.op, j, args),
        };
      }),
    };
  });
  reverse.forEach((id, i) => (nodes[id].backOrder = i));

  const adj = backward?.adj;
  const up = backward ? upstreamSlots(plan, backward.loss) : null;
  const cells: GraphCell[] = plan.cells.map((c) => {
    const s = plan.slots[c.slot];
    const v = values[c.slot];
    const [r, k] = shapeOf(v);
    let grad: Value | null = null;
    if (adj && up!.has(c.slot)) grad = adj[c.slot] ?? filled(r, k, 0);
    return { at: c.at, name: c.name, slot: c.slot, role: s.kind === 'input' ? s.role : 'formula', value: v, shape: [r, k], grad, nodes: [] };
  });
  const cellIndex = new Map(cells.map((c, i) => [c.at, i]));
  for (const n of nodes) cells[cellIndex.get(n.cell)!]?.nodes.push(n.id);

  // Cell edges: `to` reads `from` when one of to's op nodes takes from's slot.
  const edgeIndex = new Map<string, number>();
  const cellEdges: CellEdge[] = [];
  for (const n of nodes) {
    for (const inp of n.inputs) {
      if (inp.cell === null || inp.cell === n.cell) continue;
      const key = `${inp.cell}\u0000${n.cell}`;
      let e = edgeIndex.get(key);
      if (e === undefined) {
        edgeIndex.set(key, (e = cellEdges.length));
        cellEdges.push({ from: inp.cell, to: n.cell, value: inp.value, shape: inp.shape, grad: null });
      }
      if (inp.added !== null) {
        const prev = cellEdges[e].grad;
        cellEdges[e].grad = prev === null ? inp.added : addValues(prev, inp.added);
      }
    }
  }

  return {
    loss: backward?.lossAt ?? null,
    lossSlot: backward?.loss ?? null,
    nodes,
    cells,
    cellEdges,
    reverse,
    omitted: plan.omitted,
    error: null,
  };
}

/** A graph that says why there is none. */
export function emptyOpGraph(error: string, loss: string | null = null): OpGraph {
  return { loss, lossSlot: null, nodes: [], cells: [], cellEdges: [], reverse: [], omitted: [], error };
}
