// The chain-rule breakdown of ∂L/∂cell, read from the op graph (engine.opGraph): the sum
// over every op that reads the cell, grouped by the consumer cell whose formula it is in;
// each term is "the gradient that flowed into that op × the op's local derivative", as
// LaTeX (symbolic, from the registry's rule, and with numbers). Plain data, no DOM.
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

/** The breakdown of ∂L/∂(cell at) in a graph with a loss. */
export function cellBreakdown(graph: OpGraph, at: string, registry: Registry, maxGroups = MAX_GROUPS): BreakdownView {
  const base: BreakdownView = { at, symbolTex: null, summary: '', groups: [], more: 0, total: null, sumTex: null };
  if (graph.error) return { ...base, summary: `No breakdown: ${graph.error}` };
  if (graph.loss === null) return { ...base, summary: 'No grad(L) cell in this sheet: add one (e.g. grad(f)) to see how each gradient is assembled.' };
  const labels = labelsOf(graph);
  const lossTex = labels.slot(graph.lossSlot!).tex;
  const cell = graph.cells.find((c) => c.at === at);
  const lossCell = graph.cells.find((c) => c.slot === graph.lossSlot);
  const lossName = lossCell?.name ?? graph.loss;
  if (!cell || cell.grad === null) return { ...base, summary: `${at} is not upstream of ${lossName}: no gradient flows to it.` };
  const xTex = { tex: texName(cell.name ?? cell.at), prec: ATOM };
  const symbolTex = partialTex(lossTex, xTex);
  if (cell.slot === graph.lossSlot) {
    return { ...base, symbolTex, total: cell.grad, summary: 'The loss itself: the backward pass starts here with 1.', sumTex: `${symbolTex} = 1` };
  }
  const byConsumer = new Map<string, BreakdownGroup>();
  for (const r of readersOf(graph, cell.slot)) {
    const n = graph.nodes[r.node];
    if (n.inputs[r.arg].added === null) continue;
    let grp = byConsumer.get(n.cell);
    if (!grp) {
      const c = graph.cells.find((x) => x.at === n.cell);
      byConsumer.set(n.cell, (grp = { consumer: n.cell, label: c?.name ?? n.cell, text: '', terms: [], total: 0 }));
    }
    const t = decorate(termOf(graph, r.node, r.arg, registry));
    grp.total = grp.terms.length ? addValues(grp.total, t.added!) : t.added!;
    grp.terms.push(t);
  }
  let groups = [...byConsumer.values()].sort((a, b) => compareAddresses(a.consumer, b.consumer));
  const L = lossCell?.name ?? graph.loss;
  const X = cell.name ?? at;
  for (const g of groups) {
    const viaGrad = graph.cells.find((c) => c.at === g.consumer)?.grad ?? 0;
    const V = g.label;
    g.text =
      typeof viaGrad === 'number' && typeof g.total === 'number' && viaGrad !== 0
        ? `via ${V}: ∂${L}/∂${V} · ∂${V}/∂${X} = ${formatNumber(viaGrad)} · ${formatNumber(g.total / viaGrad)} = ${formatNumber(g.total)}`
        : `via ${V}: ∂${L}/∂${V} (${shortValue(viaGrad)}) back through ${V}'s formula = ${shortValue(g.total)}`;
  }
  const all = groups.length;
  if (groups.length > maxGroups) {
    const keep = new Set([...groups].sort((a, b) => magnitude(b.total) - magnitude(a.total)).slice(0, maxGroups));
    groups = groups.filter((g) => keep.has(g));
  }
  const summary = all === 0 ? 'No consumer passes a gradient back.' : all === 1 ? `${cell.name ?? at} is read by one cell:` : `The fork sum over the ${all} cells that read ${cell.name ?? at}:`;
  const parts = groups.map((g) => (typeof g.total === 'number' ? signed(g.total) : `[${shapeTex(g.total)}]`));
  const sumTex = `${symbolTex} = ${parts.length > 1 ? `${parts.join(' + ')}${all > groups.length ? ' + \\ldots' : ''} = ` : ''}${valueTex(cell.grad)}`;
  return { ...base, symbolTex, summary, groups, more: all - groups.length, total: cell.grad, sumTex };
}
