// The chain-rule breakdown of ∂L/∂cell as lines of text, from engine.explain(at):
// ∂f/∂x = Σ over consumers: via q: ∂f/∂q · ∂q/∂x = -4 · 1 = -4.
import type { CellView, Explanation } from '../../engine/engine';
import { formatNumber } from '../../engine/format-value';
import type { Value } from '../../engine/tensor/value';
import { shortValue } from './cell-text';

export interface BreakdownLine {
  via: string;
  text: string;
}

export interface Breakdown {
  /** `∂f/∂x`, or null when there is no loss. */
  symbol: string | null;
  /** One sentence when there is nothing to sum (no loss, not upstream, the loss itself). */
  summary: string;
  lines: BreakdownLine[];
  /** Consumers not listed (a cell used by hundreds of cells lists the largest parts only). */
  more: number;
  total: string | null;
}

export const MAX_PARTS = 12;

function magnitude(v: Value): number {
  if (typeof v === 'number') return Math.abs(v);
  let s = 0;
  for (let i = 0; i < v.data.length; i++) s += Math.abs(v.data[i]);
  return s;
}

function num(v: Value): string {
  return typeof v === 'number' ? formatNumber(v) : shortValue(v);
}

export function breakdown(exp: Explanation, lookup: (at: string) => CellView | null, maxParts = MAX_PARTS): Breakdown {
  const label = (at: string) => lookup(at)?.name ?? at;
  if (!exp.loss) return { symbol: null, summary: 'No grad(L) cell in this sheet: add one (e.g. grad(f)) to see gradients.', lines: [], more: 0, total: null };
  const L = label(exp.loss);
  const X = label(exp.at);
  const symbol = `∂${L}/∂${X}`;
  if (exp.grad === null) return { symbol, summary: `${X} is not upstream of ${L}: no gradient flows to it.`, lines: [], more: 0, total: null };
  if (exp.at === exp.loss) return { symbol, summary: `${symbol} = 1 (the loss itself: the seed of the backward pass).`, lines: [], more: 0, total: '1' };
  if (!exp.parts.length) return { symbol, summary: `${symbol} = ${num(exp.grad)} (no consumer passes a gradient back).`, lines: [], more: 0, total: num(exp.grad) };
  let parts = exp.parts;
  if (parts.length > maxParts) {
    const keep = new Set([...parts].sort((a, b) => magnitude(b.contribution) - magnitude(a.contribution)).slice(0, maxParts));
    parts = parts.filter((p) => keep.has(p));
  }
  const lines = parts.map((p) => {
    const V = label(p.via);
    if (p.local !== null && typeof p.viaGrad === 'number') {
      return {
        via: p.via,
        text: `via ${V}: ∂${L}/∂${V} · ∂${V}/∂${X} = ${formatNumber(p.viaGrad)} · ${formatNumber(p.local)} = ${num(p.contribution)}`,
      };
    }
    return { via: p.via, text: `via ${V}: ∂${L}/∂${V} (${num(p.viaGrad)}) back through ${V}'s formula = ${num(p.contribution)}` };
  });
  const summary = exp.parts.length > 1 ? `${symbol} = Σ over ${exp.parts.length} consumers:` : `${symbol} = Σ over consumers:`;
  return { symbol, summary, lines, more: exp.parts.length - parts.length, total: num(exp.grad) };
}
