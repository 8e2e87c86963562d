// exprText prints an Expr back as formula text with the brackets precedence needs: every
// rule and every composite's expansion prints to text that parses back to the same tree.
import { describe, expect, it } from 'vitest';
import { type Expr, parseFormula } from '../../../src/engine/formula/parse';
import { exprText } from '../../../src/engine/ops/print';
import { createRegistry } from '../../../src/engine/ops/registry';
import { ruleExpr } from '../../../src/engine/ops/rules';

const registry = createRegistry();

/** The tree without source positions, for comparing parses. */
function shape(e: Expr): unknown {
  return JSON.parse(JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v)));
}

const roundTrips = (src: string) => expect(shape(parseFormula(exprText(parseFormula(src), registry)))).toEqual(shape(parseFormula(src)));

describe('exprText', () => {
  it.each([
    ['(a + b) * c', '(a + b) * c'],
    ['a - (b - c)', 'a - (b - c)'],
    ['a - b - c', 'a - b - c'],
    ['-x^2', '-x^2'],
    ['(-x)^2', '(-x)^2'],
    ['(a^b)^c', '(a^b)^c'],
    ['a^b^c', 'a^b^c'],
    ['(a + b).T @ g', '(a + b).T @ g'],
    ['sum(g * y, 1)', 'sum(g * y, 1)'],
    ['a < b + 1', 'a < b + 1'],
    ['[[1, -2], [x, 4]]', '[[1, -2], [x, 4]]'],
  ])('%s prints as %s', (src, want) => {
    expect(exprText(parseFormula(src), registry)).toBe(want);
    roundTrips(src);
  });

  it('every gradient rule of the registry prints to text that parses back to the same rule', () => {
    for (const op of registry.all()) {
      (op.rule ?? []).forEach((r, k) => {
        if (r === null) return;
        const e = ruleExpr(op, k)!;
        expect(shape(parseFormula(exprText(e, registry))), `${op.name} input ${k}`).toEqual(shape(e));
      });
    }
  });

  it('prints a 100,000-term sum without overflowing the stack', () => {
    let e: Expr = { k: 'ref', name: 'x', pos: 0 };
    for (let i = 0; i < 100_000; i++) e = { k: 'call', fn: 'add', args: [e, { k: 'num', v: 1, pos: 0 }], pos: 0 };
    const text = exprText(e, registry);
    expect(text.startsWith('x + 1 + 1')).toBe(true);
    expect(text.length).toBe(1 + 100_000 * 4);
  });
});
