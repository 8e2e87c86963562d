// What the chain-rule breakdown of one cell's gradient needs, built from the formulas that
// read the cell and nothing else (engine.consumerGraphs): per consumer u, the op graph of u's
// formula alone (a shallow plan) traced backward from the engine's ∂L/∂u. Inside u's formula
// every op's gradient is then the whole sheet's, so the terms are those of engine.opGraph's
// graph, at the cost of the consumers' formulas instead of a second pass over the sheet.
import { type Consumer, traceConsumer } from '../eval/plan-source';
import type { PlanSource } from '../eval/plan';
import type { Registry } from '../ops/define';
import type { Value } from '../tensor/value';
import { type OpGraph, buildOpGraph } from './op-graph';

export interface ConsumerGraph {
  /** The consumer cell. */
  at: string;
  name: string | null;
  /** ∂L/∂consumer (the engine's): the seed of its graph's reverse pass. */
  grad: Value;
  /** The consumer's formula as op nodes; the cells it reads are the graph's given inputs, its loss slot the consumer. */
  graph: OpGraph;
}

export interface ConsumerGraphs {
  /** The cell whose gradient is broken down. */
  at: string;
  name: string | null;
  /** The loss (address and name), null without one. */
  loss: string | null;
  lossName: string | null;
  /** Why there are no gradients (the loss has an error, or is not a scalar), else null. */
  error: string | null;
  /** ∂L/∂cell (the engine's), null when the cell is not upstream of the loss. */
  grad: Value | null;
  /** The cells that read it and receive a gradient (in no particular order). */
  consumers: ConsumerGraph[];
}

/** The traced op graph of each consumer's formula; a formula that cannot run alone is left out. */
export function consumerGraphs(source: PlanSource, registry: Registry, consumers: readonly Consumer[]): ConsumerGraph[] {
  const out: ConsumerGraph[] = [];
  for (const u of consumers) {
    const t = traceConsumer(source, registry, u);
    if (!t) continue;
    const at = source.at(u.id);
    const graph = buildOpGraph({ plan: t.plan, values: t.values, registry, backward: { adj: t.adj, trace: t.trace, loss: t.plan.losses[0], lossAt: at } });
    out.push({ at, name: source.name(u.id), grad: u.grad, graph });
  }
  return out;
}
