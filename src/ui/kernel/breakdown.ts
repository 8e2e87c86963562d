// The chain-rule breakdown of ∂L/∂cell: the sum over every op that reads the cell, grouped
// by the consumer cell whose formula it is in; each term is "the gradient that flowed into
// that op × the op's local derivative", as LaTeX (symbolic, from the registry's rule, and
// with numbers). Read from the whole sheet's op graph (engine.opGraph: cellBreakdown) or
// from the consumers' formulas alone (engine.consumerGraphs: localBreakdown, what the app
// shows), through one fork-sum builder. Plain data, no DOM.
import type { ConsumerGraphs } from '../../engine/explain/consumer-graphs';
import type { OpGraph } from '../../engine/explain/op-graph';
import { ATOM, texName, texNumber } from '../../engine/explain/latex';
import { type Term, labelsOf, partialTex, readersOf, termOf } from '../../engine/explain/terms';
import type { Registry } from '../../engine/ops/define';
import { addValues } from '../../engine/tensor/kernels';
import { compareAddresses } from '../../engine/formula/address';
import { formatNumber } from '../../engine/format-value';
import { shortValue } from './cell-text';
import { type Value, shapeOf } from '../../engine/tensor/value';

export interface BreakdownTerm extends Term {
  /** The term as a chain: ∂L/∂(op) · ∂(op)/∂x. */
  chain: string;
  /** The local derivative, symbolically: ∂(q·z)/∂q = z; for matrices the rule with each factor's shape (δ·Wᵀ). */
  local: string;
  /** The same with numbers: `1 \cdot (-4) = -4`, or the shapes of the incoming gradient and of the result. */
  numeric: string;
}

export interface BreakdownGroup {
  /** The consumer cell: the formula the terms are in. */
  consumer: string;
  label: string;
  /** The cell-level statement: `via q: ∂f/∂q · ∂q/∂x = -4 · 1 = -4` (the consumer's gradient × its local derivative). */
  text: string;
  terms: BreakdownTerm[];
  /** Its part of the fork sum. */
  total: Value;
}

export interface BreakdownView {
  at: string;
  /** ∂L/∂x, or null without a loss. */
  symbolTex: string | null;
  /** One sentence when there is nothing to sum, or the heading of the sum. */
  summary: string;
  groups: BreakdownGroup[];
  /** Consumers not shown (only the largest are listed). */
  more: number;
  /** ∂L/∂x, the sum of every group's total. */
  total: Value | null;
  /** `\frac{∂L}{∂x} = -4 + 3 = -1` (scalars) or the sum of the groups' shapes. */
  sumTex: string | null;
}

export const MAX_GROUPS = 12;

function magnitude(v: Value | null): number {
  if (v === null) return 0;
  if (typeof v === 'number') return Math.abs(v);
  let s = 0;
  for (let i = 0; i < v.data.length; i++) s += Math.abs(v.data[i]);
  return s;
}

export function valueTex(v: Value | null): string {
  if (v === null) return '0';
  if (typeof v === 'number') return texNumber(v);
  if (v.rows * v.cols === 1) return texNumber(v.data[0]);
  return `[${v.rows}\\times ${v.cols}]`;
}

function signed(v: number): string {
  return v < 0 ? `\\left(${texNumber(v)}\\right)` : texNumber(v);
}

function shapeTex(v: Value | null): string {
  if (v === null) return '0';
  const [r, c] = shapeOf(v);
  return `${r}\\times ${c}`;
}

function decorate(t: Term): BreakdownTerm {
  const chain = `${t.gTex}\\cdot ${t.partialTex}`;
  if (t.localTex !== null && !t.matrix) {
    const g = typeof t.g === 'number' ? t.g : null;
    const numeric = g !== null && t.localValue !== null ? `${signed(g)} \\cdot ${signed(t.localValue)} = ${valueTex(t.added)}` : `= ${valueTex(t.added)}`;
    return { ...t, chain, local: `${t.partialTex} = ${t.localTex}`, numeric };
  }
  const local = t.localTex !== null ? `${t.partialTex} = ${t.localTex}\\quad\\Rightarrow\\quad ${t.vjpTex}` : `${t.vjpTex}`;
  let numeric = `\\underset{${shapeTex(t.g)}}{\\delta} \\;\\to\\; \\underset{${shapeTex(t.added)}}{${valueTex(t.added)}}`;
  if (t.reduce === 'rows') numeric += '\\quad\\text{column sums: broadcast down the rows}';
  else if (t.reduce === 'cols') numeric += '\\quad\\text{row sums: broadcast across the columns}';
  else if (t.reduce === 'all') numeric += '\\quad\\text{summed: a scalar was broadcast}';
  return { ...t, chain, local, numeric };
}

/** The sentence when there is nothing to sum yet: an error, or no loss; else null. */
function opening(at: string, error: string | null, loss: string | null): BreakdownView | null {
  const base: BreakdownView = { at, symbolTex: null, summary: '', groups: [], more: 0, total: null, sumTex: null };
  if (error) return { ...base, summary: `No breakdown: ${error}` };
  if (loss === null) return { ...base, summary: 'No grad(L) cell in this sheet: add one (e.g. grad(f)) to see how each gradient is assembled.' };
  return null;
}

/** The cell and the loss, as either builder reads them. */
interface Subject {
  at: string;
  /** The cell's and the loss's names (or addresses), and the loss as LaTeX. */
  xName: string;
  lossName: string;
  lossTex: string;
  /** ∂L/∂cell, null when the cell is not upstream of the loss. */
  grad: Value | null;
  isLoss: boolean;
}

type AddTerm = (consumer: string, label: string, term: Term) => void;

/**
 * The fork sum, its sentences and its sum, whichever graph the terms come from: `collect`
 * hands every term to `add`, grouped by consumer; `viaGrad` is ∂L/∂consumer.
 */
function forkSum(s: Subject, collect: (add: AddTerm) => void, viaGrad: (consumer: string) => Value, maxGroups: number): BreakdownView {
  const { at } = s;
  const base: BreakdownView = { at, symbolTex: null, summary: '', groups: [], more: 0, total: null, sumTex: null };
  if (s.grad === null) return { ...base, summary: `${at} is not upstream of ${s.lossName}: no gradient flows to it.` };
  const symbolTex = partialTex(s.lossTex, { tex: texName(s.xName), prec: ATOM });
  if (s.isLoss) return { ...base, symbolTex, total: s.grad, summary: 'The loss itself: the backward pass starts here with 1.', sumTex: `${symbolTex} = 1` };
  const byConsumer = new Map<string, BreakdownGroup>();
  collect((consumer, label, term) => {
    let grp = byConsumer.get(consumer);
    if (!grp) byConsumer.set(consumer, (grp = { consumer, label, text: '', terms: [], total: 0 }));
    const t = decorate(term);
    grp.total = grp.terms.length ? addValues(grp.total, t.added!) : t.added!;
    grp.terms.push(t);
  });
  let groups = [...byConsumer.values()].sort((a, b) => compareAddresses(a.consumer, b.consumer));
  const L = s.lossName;
  const X = s.xName;
  for (const g of groups) {
    const vg = viaGrad(g.consumer);
    const V = g.label;
    g.text =
      typeof vg === 'number' && typeof g.total === 'number' && vg !== 0
        ? `via ${V}: ∂${L}/∂${V} · ∂${V}/∂${X} = ${formatNumber(vg)} · ${formatNumber(g.total / vg)} = ${formatNumber(g.total)}`
        : `via ${V}: ∂${L}/∂${V} (${shortValue(vg)}) back through ${V}'s formula = ${shortValue(g.total)}`;
  }
  const all = groups.length;
  if (groups.length > maxGroups) {
    const keep = new Set([...groups].sort((a, b) => magnitude(b.total) - magnitude(a.total)).slice(0, maxGroups));
    groups = groups.filter((g) => keep.has(g));
  }
  const summary = all === 0 ? 'No consumer passes a gradient back.' : all === 1 ? `${X} is read by one cell:` : `The fork sum over the ${all} cells that read ${X}:`;
  const parts = groups.map((g) => (typeof g.total === 'number' ? signed(g.total) : `[${shapeTex(g.total)}]`));
  const sumTex = `${symbolTex} = ${parts.length > 1 ? `${parts.join(' + ')}${all > groups.length ? ' + \\ldots' : ''} = ` : ''}${valueTex(s.grad)}`;
  return { ...base, symbolTex, summary, groups, more: all - groups.length, total: s.grad, sumTex };
}

/** The breakdown of ∂L/∂(cell at) in the whole sheet's graph with a loss (engine.opGraph). */
export function cellBreakdown(graph: OpGraph, at: string, registry: Registry, maxGroups = MAX_GROUPS): BreakdownView {
  const open = opening(at, graph.error, graph.loss);
  if (open) return open;
  const lossCell = graph.cells.find((c) => c.slot === graph.lossSlot);
  const cell = graph.cells.find((c) => c.at === at);
  const subject: Subject = {
    at,
    xName: cell?.name ?? at,
    lossName: lossCell?.name ?? graph.loss!,
    lossTex: labelsOf(graph).slot(graph.lossSlot!).tex,
    grad: cell?.grad ?? null,
    isLoss: cell !== undefined && cell.slot === graph.lossSlot,
  };
  const cellOf = (consumer: string) => graph.cells.find((c) => c.at === consumer);
  const collect = (add: AddTerm) => {
    for (const r of readersOf(graph, cell!.slot)) {
      const n = graph.nodes[r.node];
      if (n.inputs[r.arg].added === null) continue;
      add(n.cell, cellOf(n.cell)?.name ?? n.cell, termOf(graph, r.node, r.arg, registry));
    }
  };
  return forkSum(subject, collect, (consumer) => cellOf(consumer)?.grad ?? 0, maxGroups);
}

/**
 * The same breakdown from the consumers' formulas alone (engine.consumerGraphs): each
 * consumer's graph is seeded with ∂L/∂consumer, so its terms are the whole graph's, and the
 * loss is named from outside (the graph's own loss slot is the consumer).
 */
export function localBreakdown(input: ConsumerGraphs, registry: Registry, maxGroups = MAX_GROUPS): BreakdownView {
  const { at } = input;
  const open = opening(at, input.error, input.loss);
  if (open) return open;
  const lossName = input.lossName ?? input.loss!;
  const lossTex = texName(lossName);
  const subject: Subject = { at, xName: input.name ?? at, lossName, lossTex, grad: input.grad, isLoss: at === input.loss };
  const collect = (add: AddTerm) => {
    for (const u of input.consumers) {
      const slot = u.graph.cells.find((c) => c.at === at)?.slot;
      if (slot === undefined) continue;
      for (const r of readersOf(u.graph, slot)) {
        if (u.graph.nodes[r.node].inputs[r.arg].added === null) continue;
        add(u.at, u.name ?? u.at, termOf(u.graph, r.node, r.arg, registry, lossTex));
      }
    }
  };
  const viaGrad = new Map(input.consumers.map((u) => [u.at, u.grad]));
  return forkSum(subject, collect, (consumer) => viaGrad.get(consumer) ?? 0, maxGroups);
}
