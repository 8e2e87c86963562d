// Formula text from an Expr, with the operators of the formula language and as few brackets
// as their precedence needs: what a composite op stands for (`mse(pred, target) =
// mean(square(same_shape(pred, target) - target))`), for the docs. Iterative, so no tree
// depth can overflow the stack.
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

interface Printed {
  text: string;
  prec: number;
}

export function exprText(root: Expr, registry: Registry): string {
  const done = new Map<Expr, Printed>();
  const stack: { e: Expr; visited: boolean }[] = [{ e: root, visited: false }];
  while (stack.length) {
    const top = stack.pop()!;
    const e = top.e;
    const kids = e.k === 'call' ? e.args : e.k === 'matrix' ? e.rows.flat() : [];
    if (!top.visited) {
      stack.push({ e, visited: true });
      for (const c of kids) stack.push({ e: c, visited: false });
      continue;
    }
    done.set(e, print(e, (c) => done.get(c)!, registry));
  }
  return done.get(root)!.text;
}

function print(e: Expr, get: (c: Expr) => Printed, registry: Registry): Printed {
  switch (e.k) {
    case 'num':
      return { text: String(e.v), prec: e.v < 0 ? 4 : ATOM };
    case 'ref':
      return { text: e.name, prec: ATOM };
    case 'slot':
      return { text: `$${e.slot}`, prec: ATOM };
    case 'range':
      return { text: `${e.from}:${e.to}`, prec: ATOM };
    case 'matrix':
      return { text: `[${e.rows.map((r) => `[${r.map((x) => get(x).text).join(', ')}]`).join(', ')}]`, prec: ATOM };
    case 'call': {
      const sym = registry.get(e.fn)?.symbol;
      const args = e.args.map(get);
      if (sym === '.T' && args.length === 1) return { text: `${wrap(args[0], ATOM)}.T`, prec: ATOM };
      if (sym === '-x' && args.length === 1) return { text: `-${wrap(args[0], 4)}`, prec: 4 };
      const p = sym !== undefined ? PREC[sym] : undefined;
      if (p !== undefined && args.length === 2) {
        // ^ groups to the right, every other operator to the left.
        const [l, r] = sym === '^' ? [p + 1, p] : [p, p + 1];
        return { text: `${wrap(args[0], l)} ${sym} ${wrap(args[1], r)}`, prec: p };
      }
      return { text: `${e.fn}(${args.map((a) => a.text).join(', ')})`, prec: ATOM };
    }
  }
}

function wrap(p: Printed, atLeast: number): string {
  return p.prec >= atLeast ? p.text : `(${p.text})`;
}
