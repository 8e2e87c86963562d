// The engine's cells as a PlanSource (plan.ts), and the breakdown of a cell's gradient
// read from a plan's adjoint trace: each consumer's part of ∂L/∂cell (the fork sum).
import type { CellStore } from '../cell';
import { compareAddresses } from '../formula/address';
import { Marks, reach, topoOrder } from '../graph/order';
import type { Registry } from '../ops/define';
import { addValues } from '../tensor/kernels';
import type { Value } from '../tensor/value';
import { type Plan, type PlanSource, type TraceEntry, buildPlan, createPlanRunner } from './plan';
import { isParamCell } from '../train/claims';

export function cellPlanSource(store: CellStore): PlanSource {
  const { cells } = store;
  const marks = new Marks();
  return {
    get size() {
      return cells.length;
    },
    at: (id) => cells[id].at,
    name: (id) => cells[id].name,
    deps: (id) => cells[id].deps,
    value: (id) => (cells[id].error ? null : cells[id].value),
    problem: (id) => cells[id].error?.message ?? `${cells[id].at} is empty`,
    // A param(init) cell not trained yet is a parameter at its init.
    param: (id) => cells[id].param ?? (isParamCell(cells[id]) && !cells[id].error ? cells[id].value : null),
    program: (id) => (cells[id].prog ? { program: cells[id].prog!, links: cells[id].links } : null),
    order(ids) {
      const seeds = ids ?? cells.filter((c) => !store.isEmpty(c)).map((c) => c.id);
      const { ids: up, stamp } = reach(seeds, (id) => cells[id].deps, marks, cells.length);
      return topoOrder(up, stamp, marks, (id) => cells[id].deps, (id) => cells[id].users);
    },
  };
}

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

/** A loss's reverse pass over its plan with every step's adjoint, indexed by the slots steps read. */
export interface Traced {
  plan: Plan;
  values: Value[];
  adj: (Value | undefined)[];
  trace: TraceEntry[];
  /** The trace entries of the steps that read each slot. */
  bySlot: Map<number, TraceEntry[]>;
}

/** `seed`: ∂L/∂(the plan's loss) from elsewhere (a consumer's gradient; a shallow plan), else 1. */
export function traceLoss(plan: Plan, registry: Registry, seed?: Value): Traced {
  const runner = createPlanRunner(plan, registry);
  const values = runner.forward();
  const { adj, trace } = runner.backward(values, plan.losses[0], { trace: true, seed });
  const bySlot = new Map<number, TraceEntry[]>();
  for (const t of trace!) {
    for (const a of new Set(plan.steps[t.step].args)) {
      let l = bySlot.get(a);
      if (!l) bySlot.set(a, (l = []));
      l.push(t);
    }
  }
  return { plan, values, adj, trace: trace!, bySlot };
}

/** Each consumer's part of ∂L/∂(cell at `at`), consumers by address. */
export function contributions({ plan, adj, bySlot }: Traced, at: string): Contribution[] {
  const slot = plan.cells.find((c) => c.at === at)?.slot;
  if (slot === undefined) return [];
  const byConsumer = new Map<string, Value>();
  for (const t of bySlot.get(slot) ?? []) {
    const st = plan.steps[t.step];
    if (st.cell === at) continue; // the cell's own formula writes its slot, never adds into it
    for (let j = 0; j < st.args.length; j++) {
      const d = t.added[j];
      if (st.args[j] !== slot || d === null) continue;
      const prev = byConsumer.get(st.cell);
      byConsumer.set(st.cell, prev === undefined ? d : addValues(prev, d));
    }
  }
  const slotOfCell = new Map(plan.cells.map((c) => [c.at, c.slot]));
  return [...byConsumer.keys()].sort(compareAddresses).map((via) => {
    const contribution = byConsumer.get(via)!;
    const viaGrad = adj[slotOfCell.get(via)!] ?? 0;
    const local = typeof viaGrad === 'number' && typeof contribution === 'number' && viaGrad !== 0 ? contribution / viaGrad : null;
    return { via, viaGrad, contribution, local };
  });
}

/** A consumer of a cell, by id, and the engine's ∂L/∂consumer. */
export interface Consumer {
  id: number;
  grad: Value;
}

/**
 * One consumer's formula alone as a plan (a shallow plan: its own ops as steps, the cells it
 * reads as given inputs), run forward and backward seeded with ∂L/∂consumer: inside the
 * formula every adjoint is the whole sheet's (it depends only on ∂L/∂consumer). Null for a
 * formula that cannot run on its own (it reads an error).
 */
export function traceConsumer(source: PlanSource, registry: Registry, u: Consumer): Traced | null {
  try {
    const plan = buildPlan(source, { losses: [u.id], shallow: true });
    return plan.losses.length ? traceLoss(plan, registry, u.grad) : null;
  } catch {
    return null; // it passes nothing back
  }
}

/**
 * Each consumer's part of ∂L/∂(cell `id`) from a reverse pass over that consumer's formula
 * alone (traceConsumer): the cost is the consumers' formulas, not the sheet — a click in a
 * 100,000-cell sheet stays instant.
 */
export function consumerContributions(source: PlanSource, registry: Registry, at: string, consumers: readonly Consumer[]): Contribution[] {
  const parts: Contribution[] = [];
  for (const u of consumers) {
    const t = traceConsumer(source, registry, u);
    if (t) parts.push(...contributions(t, at));
  }
  return parts.sort((p, q) => compareAddresses(p.via, q.via));
}
