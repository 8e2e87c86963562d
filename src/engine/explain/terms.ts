// One chain-rule term of the op graph: what op node n sent back into its input j, written
// three ways — the incoming gradient ∂L/∂(node), the local derivative ∂(node)/∂(input)
// symbolically (from the registry's rule, with `g` factored out when it is a factor:
// ∂(q·z)/∂q = z) and with numbers, and the rule itself with the names of this op's inputs
// and, for matrices, each factor's shape (δ·Wᵀ, Xᵀ·δ, column sums for a broadcast bias).
// LaTeX strings only; the app typesets them with KaTeX.
import type { Expr } from '../formula/parse';
import type { Registry } from '../ops/define';
import type { Value } from '../tensor/value';
import { ATOM, type Tex, exprLatex, texName, texNumber } from './latex';
import { inputName } from './rule-source';
import type { OpGraph, OpNode, Shape } from './op-graph';

export type Reduce = 'rows' | 'cols' | 'all' | null;

export interface Term {
  node: number;
  arg: number;
  /** ∂L/∂(node output): `\frac{\partial f}{\partial q}` … */
  gTex: string;
  /** ∂(node)/∂(input): `\frac{\partial (q \cdot z)}{\partial q}`. */
  partialTex: string;
  /** The local derivative when the rule is `g` times it (`z`); null when g is not a factor (matmul, softmax). */
  localTex: string | null;
  /** Its number when everything is a scalar. */
  localValue: number | null;
  /** The input's gradient by the rule, with names and (matrices) shapes: `\delta_{s}\,W^{\top}`. */
  vjpTex: string;
  /** Broadcasting undone: summed over rows (column sums: a bias broadcast down the rows), over columns, or all. */
  reduce: Reduce;
  /** The rule as written beside the op (`da = g @ b.T`), or null where no gradient flows. */
  ruleText: string | null;
  g: Value | null;
  added: Value | null;
  gShape: Shape;
  inputShape: Shape;
  /** True when any factor is a matrix (the product is elementwise ⊙ or a matrix product). */
  matrix: boolean;
}

export interface Labels {
  /** How a slot is written where it is read: a cell's name, a literal, an intermediate's expression. */
  slot(slot: number): Tex;
  /** A node as the op over its inputs' labels (the `q · z` of ∂(q·z)/∂q). */
  node(id: number): Tex;
}

const labelCache = new WeakMap<OpGraph, Labels>();
const readerCache = new WeakMap<OpGraph, Map<number, { node: number; arg: number }[]>>();

function ref(name: string): Expr {
  return { k: 'ref', name, pos: 0 };
}

/** One op over named operands, as LaTeX (`#0`, `#1` stand for the operands). */
function opTex(n: OpNode, operand: (j: number) => Tex): Tex {
  if (n.op === 'copy') return operand(0);
  let e: Expr;
  if (n.op === 'stack') {
    const cols = n.shape[1];
    const rows: Expr[][] = [];
    for (let j = 0; j < n.inputs.length; j++) (rows[Math.floor(j / cols)] ??= []).push(ref(`#${j}`));
    e = { k: 'matrix', rows, pos: 0 };
  } else e = { k: 'call', fn: n.op, args: n.inputs.map((_, j) => ref(`#${j}`)), pos: 0 };
  const tex = exprLatex(e, { ref: (name) => operand(Number(name.slice(1))), hadamard: n.shape[0] * n.shape[1] > 1 });
  // One level of an op binds as its outermost operator does; brackets decide from that.
  const prec = e.k === 'call' && ['add', 'sub'].includes(e.fn) ? 2 : e.k === 'call' && ['mul', 'matmul', 'neg', 'sum', 'mean'].includes(e.fn) ? 3 : ATOM;
  return { tex, prec };
}

const DOTS: Tex = { tex: '\\ldots', prec: ATOM };

/**
 * Labels of a graph's slots and nodes, computed when first asked (a 100,000-op sheet pays
 * only for what is shown) with an explicit stack over the intermediates of a formula.
 */
export function labelsOf(graph: OpGraph): Labels {
  const hit = labelCache.get(graph);
  if (hit) return hit;
  const slotTex = new Map<number, Tex>();
  const nodeTex = new Map<number, Tex>();
  const writer = new Map<number, number>();
  for (const c of graph.cells) slotTex.set(c.slot, { tex: texName(c.name ?? c.at), prec: ATOM });
  for (const n of graph.nodes) writer.set(n.slot, n.id);
  const known = (n: OpNode, j: number): Tex | null => {
    const inp = n.inputs[j];
    const t = slotTex.get(inp.slot);
    if (t) return t;
    if (inp.isConst) return typeof inp.value === 'number' ? { tex: texNumber(inp.value), prec: inp.value < 0 ? 4 : ATOM } : DOTS;
    const w = writer.get(inp.slot);
    return w === undefined ? DOTS : (nodeTex.get(w) ?? null);
  };
  const node = (id: number): Tex => {
    const stack = [id];
    while (stack.length) {
      const top = graph.nodes[stack[stack.length - 1]];
      if (nodeTex.has(top.id)) {
        stack.pop();
        continue;
      }
      const missing = top.inputs.map((_, j) => j).filter((j) => known(top, j) === null);
      if (missing.length) {
        for (const j of missing) stack.push(writer.get(top.inputs[j].slot)!);
        continue;
      }
      stack.pop();
      const t = opTex(top, (j) => known(top, j)!);
      nodeTex.set(top.id, t);
      if (!slotTex.has(top.slot)) slotTex.set(top.slot, t);
    }
    return nodeTex.get(id)!;
  };
  let consts: Map<number, Tex> | null = null;
  const slot = (s: number): Tex => {
    const w = writer.get(s);
    if (w !== undefined && !slotTex.has(s)) node(w);
    const t = slotTex.get(s);
    if (t) return t;
    if (!consts) {
      // Literals, found once (they are nobody's output).
      consts = new Map();
      for (const n of graph.nodes) n.inputs.forEach((inp, j) => inp.isConst && consts!.set(inp.slot, known(n, j)!));
    }
    return consts.get(s) ?? DOTS;
  };
  const labels = { slot, node };
  labelCache.set(graph, labels);
  return labels;
}

/** Every (node, input) that reads a slot. */
export function readersOf(graph: OpGraph, slot: number): { node: number; arg: number }[] {
  let m = readerCache.get(graph);
  if (!m) {
    m = new Map();
    for (const n of graph.nodes) {
      n.inputs.forEach((inp, j) => {
        let l = m!.get(inp.slot);
        if (!l) m!.set(inp.slot, (l = []));
        l.push({ node: n.id, arg: j });
      });
    }
    readerCache.set(graph, m);
  }
  return m.get(slot) ?? [];
}

const isScalar = (s: Shape) => s[0] === 1 && s[1] === 1;

function paren(t: Tex): string {
  return t.prec >= ATOM ? t.tex : `\\left(${t.tex}\\right)`;
}

/** ∂L/∂x for a label x and the loss's label. */
export function partialTex(top: string, bottom: Tex): string {
  return `\\frac{\\partial ${top}}{\\partial ${paren(bottom)}}`;
}

function mk(k: 'call', fn: string, args: Expr[]): Expr {
  return { k, fn, args, pos: 0 };
}

/**
 * The rule as `g · local` when it is one: strip an outer sum_to (broadcasting undone), then
 * read products, quotients and signs; g must appear exactly once, as a numerator factor.
 */
export function factorG(rule: Expr): { local: Expr; summed: boolean } | null {
  let e = rule;
  let summed = false;
  if (e.k === 'call' && e.fn === 'sum_to' && e.args.length === 2) {
    e = e.args[0];
    summed = true;
  }
  const num: Expr[] = [], den: Expr[] = [];
  let sign = 1, gs = 0;
  const work: { e: Expr; up: boolean }[] = [{ e, up: true }];
  while (work.length) {
    const { e: x, up } = work.pop()!;
    if (x.k === 'call' && x.fn === 'mul') work.push({ e: x.args[1], up }, { e: x.args[0], up });
    else if (x.k === 'call' && x.fn === 'div') work.push({ e: x.args[1], up: !up }, { e: x.args[0], up });
    else if (x.k === 'call' && x.fn === 'neg') {
      sign = -sign;
      work.push({ e: x.args[0], up });
    } else if (x.k === 'ref' && x.name === 'g') {
      if (!up) return null;
      gs++;
    } else if (mentionsG(x)) return null;
    else (up ? num : den).push(x);
  }
  if (gs !== 1) return null;
  const product = (l: Expr[]): Expr => l.reduce((a, b) => mk('call', 'mul', [a, b]));
  let local: Expr = num.length ? product(num) : { k: 'num', v: 1, pos: 0 };
  if (den.length) local = mk('call', 'div', [local, product(den)]);
  if (sign < 0) local = local.k === 'num' ? { ...local, v: -local.v } : mk('call', 'neg', [local]);
  return { local, summed };
}

function mentionsG(root: Expr): boolean {
  const work = [root];
  while (work.length) {
    const e = work.pop()!;
    if (e.k === 'ref' && e.name === 'g') return true;
    if (e.k === 'call') work.push(...e.args);
    else if (e.k === 'matrix') for (const r of e.rows) work.push(...r);
  }
  return false;
}

function reduceOf(input: Shape, out: Shape): Reduce {
  if (input[0] === out[0] && input[1] === out[1]) return null;
  if (isScalar(input)) return 'all';
  if (input[0] === 1 && input[1] === out[1]) return 'rows';
  if (input[1] === 1 && input[0] === out[0]) return 'cols';
  return null;
}

const REDUCE_TEX: Record<Exclude<Reduce, null>, string> = {
  rows: '\\textstyle\\sum_{\\text{rows}}',
  cols: '\\textstyle\\sum_{\\text{cols}}',
  all: '\\textstyle\\sum',
};

/**
 * The chain-rule term of node `id`'s input `arg`. `lossTex`: the loss's label when the graph's
 * own loss slot is not the loss (a consumer's graph, seeded with ∂L/∂consumer); by default the
 * graph's loss slot's label.
 */
export function termOf(graph: OpGraph, id: number, arg: number, registry: Registry, lossTex?: string): Term {
  const n = graph.nodes[id];
  const inp = n.inputs[arg];
  const labels = labelsOf(graph);
  lossTex ??= graph.loss ? labels.slot(graph.lossSlot!).tex : 'L';
  const outLabel = labels.slot(n.slot);
  const inLabel = labels.slot(inp.slot);
  const matrix = !isScalar(n.shape) || n.inputs.some((x) => !isScalar(x.shape));
  const rule = inp.rule;
  const gSym = outLabel.tex.length <= 24 && outLabel.prec >= ATOM ? `\\delta_{${outLabel.tex}}` : '\\delta';
  const names = new Map<string, Tex>([['g', { tex: gSym, prec: ATOM }], ['y', outLabel]]);
  const shapes = new Map<string, Shape>([['g', n.shape], ['y', n.shape]]);
  // The rule's input names (a, b; x) stand for this op's operands.
  const nums = new Map<string, number>();
  n.inputs.forEach((x, j) => {
    const nm = inputName(registry, n.op, j);
    names.set(nm, labels.slot(x.slot));
    shapes.set(nm, x.shape);
    if (x.isConst && typeof x.value === 'number') nums.set(nm, x.value); // a literal operand: folded into the rule (2·h, not where(2 = 0, …))
  });
  const opts = {
    ref: (name: string): Tex => names.get(name) ?? { tex: texName(name), prec: ATOM },
    hadamard: matrix,
    num: (name: string) => nums.get(name),
  };
  const factored = rule?.expr ? factorG(rule.expr) : null;
  const localTex = factored ? exprLatex(factored.local, opts) : null;
  // g·local has g's shape; an input of another shape received it summed down (a broadcast bias).
  const reduce = factored || (rule?.expr?.k === 'call' && rule.expr.fn === 'sum_to') ? reduceOf(inp.shape, n.shape) : null;
  let vjpTex: string;
  if (rule?.expr) {
    const body = rule.expr.k === 'call' && rule.expr.fn === 'sum_to' ? rule.expr.args[0] : rule.expr;
    const withShapes = { ...opts, shape: matrix ? (name: string) => { const s = shapes.get(name); return s && !isScalar(s) ? s : null; } : undefined };
    const t = exprLatex(body, withShapes);
    vjpTex = reduce ? `${REDUCE_TEX[reduce]}\\left(${t}\\right)` : t;
  } else vjpTex = rule ? `\\text{${rule.text.replace(/[\\{}$&#^_%~]/g, ' ')}}` : '0';
  return {
    node: id,
    arg,
    gTex: partialTex(lossTex, outLabel),
    partialTex: partialTex(paren(labels.node(id)), inLabel),
    localTex,
    localValue: localNumber(n, arg, registry),
    vjpTex,
    reduce,
    ruleText: rule?.text ?? null,
    g: n.grad,
    added: inp.added,
    gShape: n.shape,
    inputShape: inp.shape,
    matrix,
  };
}

/** ∂out/∂input j as a number when the op's values are scalars: the op's VJP at g = 1. */
function localNumber(n: OpNode, arg: number, registry: Registry): number | null {
  if (!isScalar(n.shape) || n.inputs.some((x) => typeof x.value !== 'number')) return null;
  if (n.op === 'copy' || n.op === 'stack') return 1;
  const vjp = registry.get(n.op)?.vjp?.[arg];
  if (!vjp) return null;
  try {
    const v = vjp(1, n.inputs.map((x) => x.value), n.value);
    return typeof v === 'number' ? v : v.rows * v.cols === 1 ? v.data[0] : null;
  } catch {
    return null;
  }
}
