// Formula text from an Expr, with the operators of the formula language and as few brackets
// as their precedence needs: what a composite op stands for (`mse(pred, target) =
// mean(square(same_shape(pred, target) - target))`), for the docs. Iterative, so no tree
// depth can overflow the stack, and linear in its length.
import type { Expr } from '../formula/parse';
import type { Registry } from './define';

/** Binding strength of the infix operators (as the parser configures them). */
const PREC: Readonly<Record<string, number>> = {
  '<': 1, '>': 1, '<=': 1, '>=': 1, '==': 1, '!=': 1,
  '+': 2, '-': 2,
  '*': 3, '/': 3, '@': 3,
  '^': 5,
};
const ATOM = 9;

/** How tightly e binds: an operand of looser binding than its place needs is bracketed. */
function precOf(e: Expr, registry: Registry): number {
  if (e.k === 'num') return e.v < 0 ? 4 : ATOM;
  if (e.k !== 'call') return ATOM;
  const sym = registry.get(e.fn)?.symbol;
  if (sym === '-x' && e.args.length === 1) return 4;
  const p = sym !== undefined && e.args.length === 2 ? PREC[sym] : undefined;
  return p ?? ATOM;
}

/**
 * Written front to back from an explicit stack of pieces (text, or an Expr with the least
 * binding its place needs), joined once at the end: linear in the size of the formula.
 */
export function exprText(root: Expr, registry: Registry): string {
  const out: string[] = [];
  const stack: (string | { e: Expr; min: number })[] = [{ e: root, min: 0 }];
  while (stack.length) {
    const top = stack.pop()!;
    if (typeof top === 'string') {
      out.push(top);
      continue;
    }
    const { e, min } = top;
    const bracket = precOf(e, registry) < min;
    const parts = pieces(e, registry);
    if (bracket) stack.push(')');
    for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
    if (bracket) stack.push('(');
  }
  return out.join('');
}

/** One node as text pieces and operands, in writing order. */
function pieces(e: Expr, registry: Registry): (string | { e: Expr; min: number })[] {
  switch (e.k) {
    case 'num':
      return [String(e.v)];
    case 'ref':
      return [e.name];
    case 'slot':
      return [`$${e.slot}`];
    case 'range':
      return [`${e.from}:${e.to}`];
    case 'matrix': {
      const parts: (string | { e: Expr; min: number })[] = ['['];
      e.rows.forEach((row, i) => {
        parts.push(i ? ', [' : '[');
        row.forEach((x, j) => parts.push(...(j ? [', '] : []), { e: x, min: 0 }));
        parts.push(']');
      });
      parts.push(']');
      return parts;
    }
    case 'call': {
      const sym = registry.get(e.fn)?.symbol;
      const a = e.args;
      if (sym === '.T' && a.length === 1) return [{ e: a[0], min: ATOM }, '.T'];
      if (sym === '-x' && a.length === 1) return ['-', { e: a[0], min: 4 }];
      const p = sym !== undefined && a.length === 2 ? PREC[sym] : undefined;
      if (p !== undefined) {
        // ^ groups to the right, every other operator to the left; x^2 is written tight, as
        // in the rules and the lecture notes.
        const [l, r] = sym === '^' ? [p + 1, p] : [p, p + 1];
        return [{ e: a[0], min: l }, sym === '^' ? '^' : ` ${sym} `, { e: a[1], min: r }];
      }
      const parts: (string | { e: Expr; min: number })[] = [`${e.fn}(`];
      a.forEach((x, i) => parts.push(...(i ? [', '] : []), { e: x, min: 0 }));
      parts.push(')');
      return parts;
    }
  }
}
