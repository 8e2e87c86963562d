// Expr → LaTeX, for typeset gradient rules and local derivatives (KaTeX renders the result in
// the app). Generic over the formula language: operators by their registry names, other
// calls as \operatorname{name}(…), with a few functions spelled as mathematics spells them.
// Iterative (formula/fold.ts), so no tree depth can overflow the stack.
import { exprChildren, foldExpr } from '../formula/fold';
import type { Expr } from '../formula/parse';
import { formatNumber } from '../format-value';
import { type KnownNumber, simplifyExpr } from '../formula/simplify';

/** A printed piece and how tightly it binds (for brackets). */
export interface Tex {
  tex: string;
  prec: number;
}

export const ATOM = 9;
const PREC_ADD = 2, PREC_MUL = 3, PREC_NEG = 4, PREC_FRAC = 5;

export interface LatexOptions {
  /** LaTeX for a name (g, y and the inputs of a rule; a cell's name); a string binds as an atom. */
  ref(name: string): string | Tex;
  /** The shape of a named matrix, to write under it (δ·Wᵀ with 4×3 and 3×2 beneath); null for none. */
  shape?(name: string): readonly [number, number] | null;
  /** Write `*` as ⊙ (elementwise product of matrices) instead of ·. */
  hadamard?: boolean;
  /**
   * A name's number when it stands for a literal scalar (the exponent 2 of h^2): folded into the
   * rule before it is typeset (formula/simplify.ts), so `where(2 = 0, 0, 2·h^{2−1})` reads `2·h`.
   */
  num?: KnownNumber;
}

const INFIX: Readonly<Record<string, [string, number]>> = {
  add: ['+', PREC_ADD],
  sub: ['-', PREC_ADD],
  lt: ['<', 1],
  gt: ['>', 1],
  le: ['\\le', 1],
  ge: ['\\ge', 1],
  eq: ['=', 1],
  ne: ['\\ne', 1],
};
/** Functions LaTeX has a command for. */
const NAMED = new Set(['log', 'tanh', 'exp', 'max', 'min']);

interface Printed extends Tex {
  /** Without a shape written under it (so `W` can become `Wᵀ` with the shape flipped). */
  raw: string;
  shape: readonly [number, number] | null;
}

export function texNumber(v: number): string {
  const s = formatNumber(v, 4).replace('−', '-');
  const m = /^(-?[\d.]+)e([+-]?\d+)$/.exec(s);
  if (m) return `${m[1]}\\times 10^{${Number(m[2])}}`;
  return s.replace('∞', '\\infty');
}

/** A name as LaTeX: `w0` → w_{0}, `x` → x, `neg_s` → \mathit{neg\_s}, `A1` → \mathrm{A1}. */
export function texName(name: string): string {
  const m = /^([A-Za-z])_?(\d+)$/.exec(name);
  if (m && !/^[A-Z]{1,2}\d+$/.test(name)) return `${m[1]}_{${m[2]}}`;
  if (/^[A-Za-z]$/.test(name)) return name;
  if (/^[A-Z]{1,2}\d+$/.test(name)) return `\\mathrm{${name}}`;
  return `\\mathit{${escapeTex(name)}}`;
}

export function escapeTex(s: string): string {
  return s.replace(/[\\{}$&#^_%~]/g, (c) => (c === '\\' ? '\\backslash ' : c === '^' || c === '~' ? `\\${c}{}` : `\\${c}`));
}

export function exprLatex(written: Expr, opts: LatexOptions): string {
  // What is known folded first (literal comparisons and whole-number arithmetic, x^1, x·1, …): same value, fewer symbols.
  const root = simplifyExpr(written, opts.num);
  return foldExpr<Printed>(root, (e, kids) => {
    const of = new Map(exprChildren(e).map((c, i) => [c, kids[i]]));
    return print(e, (c) => of.get(c)!, opts);
  }).tex;
}

function shapeUnder(tex: string, shape: readonly [number, number] | null): string {
  return shape ? `\\underset{${shape[0]}\\times ${shape[1]}}{${tex}}` : tex;
}

function plain(tex: string, prec: number): Printed {
  return { tex, prec, raw: tex, shape: null };
}

function print(e: Expr, get: (c: Expr) => Printed, opts: LatexOptions): Printed {
  switch (e.k) {
    case 'num':
      return plain(texNumber(e.v), e.v < 0 ? PREC_NEG : ATOM);
    case 'ref': {
      const r = opts.ref(e.name);
      const t = typeof r === 'string' ? { tex: r, prec: ATOM } : r;
      const shape = opts.shape?.(e.name) ?? null;
      return { tex: shapeUnder(t.tex, shape), prec: shape ? ATOM : t.prec, raw: t.tex, shape };
    }
    case 'slot':
      return plain(`t_{${e.slot}}`, ATOM);
    case 'range':
      return plain(`\\mathrm{${e.from}{:}${e.to}}`, ATOM);
    case 'matrix':
      return plain(`\\begin{bmatrix}${e.rows.map((r) => r.map((x) => get(x).tex).join(' & ')).join(' \\\\ ')}\\end{bmatrix}`, ATOM);
    case 'call':
      return printCall(e.fn, e.args.map(get), opts);
  }
}

function wrap(p: Tex, atLeast: number): string {
  return p.prec >= atLeast ? p.tex : `\\left(${p.tex}\\right)`;
}

function printCall(fn: string, a: Printed[], opts: LatexOptions): Printed {
  const infix = INFIX[fn];
  if (infix && a.length === 2) {
    const [sym, p] = infix;
    return plain(`${wrap(a[0], p)} ${sym} ${wrap(a[1], fn === 'sub' ? p + 1 : p)}`, p);
  }
  switch (fn) {
    case 'mul':
      return plain(`${wrap(a[0], PREC_MUL)} ${opts.hadamard ? '\\odot' : '\\cdot'} ${wrap(a[1], PREC_MUL + 1)}`, PREC_MUL);
    case 'matmul':
      return plain(`${wrap(a[0], PREC_MUL)}\\,${wrap(a[1], PREC_MUL + 1)}`, PREC_MUL);
    case 'div':
      return plain(`\\frac{${a[0].tex}}{${a[1].tex}}`, PREC_FRAC);
    case 'neg':
      return plain(`-${wrap(a[0], PREC_MUL)}`, PREC_NEG);
    case 'pow':
      return plain(`{${wrap(a[0], ATOM)}}^{${a[1].tex}}`, PREC_FRAC);
    case 'transpose': {
      const x = a[0];
      const shape = x.shape ? ([x.shape[1], x.shape[0]] as const) : null;
      const raw = `{${x.shape ? x.raw : wrap(x, ATOM)}}^{\\top}`;
      return { tex: shapeUnder(raw, shape), prec: ATOM, raw, shape };
    }
    case 'exp':
      return plain(`e^{${a[0].tex}}`, PREC_FRAC);
    case 'sqrt':
      return plain(`\\sqrt{${a[0].tex}}`, ATOM);
    case 'abs':
      return plain(`\\left\\lvert ${a[0].tex}\\right\\rvert`, ATOM);
    case 'sigmoid':
      return plain(`\\sigma\\left(${a[0].tex}\\right)`, ATOM);
    case 'square':
      return plain(`{${wrap(a[0], ATOM)}}^{2}`, PREC_FRAC);
    case 'sign':
      return plain(`\\operatorname{sign}\\left(${a[0].tex}\\right)`, ATOM);
    case 'heaviside':
      return plain(`\\mathbb{1}\\left[${a[0].tex} > 0\\right]`, ATOM);
    case 'sum':
    case 'mean': {
      const axis = a.length > 1 ? a[1].tex : null;
      const over = axis === '0' ? '_{\\text{rows}}' : axis === '1' ? '_{\\text{cols}}' : '';
      const op = fn === 'sum' ? '\\textstyle\\sum' : '\\operatorname{mean}';
      return plain(`${op}${over}\\left(${a[0].tex}\\right)`, PREC_MUL);
    }
  }
  const name = NAMED.has(fn) ? `\\${fn}` : `\\operatorname{${escapeTex(fn)}}`;
  return plain(`${name}\\left(${a.map((x) => x.tex).join(', ')}\\right)`, ATOM);
}
