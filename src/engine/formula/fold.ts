// One post-order walk over a formula tree for everything that rebuilds a tree or prints it
// (the rule simplifier, the NumPy printer, the KaTeX printer): children first, in argument
// order, with an explicit stack, so no formula depth can overflow the call stack.
import type { Expr } from './parse';

/** An expression's direct children, in the order they are written. */
export function exprChildren(e: Expr): readonly Expr[] {
  return e.k === 'call' ? e.args : e.k === 'matrix' ? e.rows.flat() : [];
}

/**
 * Fold `root` bottom-up: `visit(e, kids)` is called once per node, after its children, with
 * their results in written order. A subtree shared by two parents is folded once.
 */
export function foldExpr<T>(root: Expr, visit: (e: Expr, kids: T[]) => T): T {
  const done = new Map<Expr, T>();
  const stack: { e: Expr; open: boolean }[] = [{ e: root, open: true }];
  while (stack.length) {
    const top = stack.pop()!;
    const e = top.e;
    if (done.has(e)) continue;
    const kids = exprChildren(e);
    if (top.open && kids.length) {
      stack.push({ e, open: false });
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ e: kids[i], open: true });
      continue;
    }
    done.set(e, visit(e, kids.map((c) => done.get(c)!)));
  }
  return done.get(root)!;
}
