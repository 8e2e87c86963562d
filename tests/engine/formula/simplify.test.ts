// The rule simplifier (formula/simplify.ts): what it folds, what it must leave (shapes, decimals),
// that a random formula means the same before and after (evaluated by the engine's own compiler),
// and that no depth of formula overflows the stack.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { compile } from '../../../src/engine/eval/program';
import { runForward } from '../../../src/engine/eval/forward';
import { simplifyExpr } from '../../../src/engine/formula/simplify';
import { type Expr, parseFormula } from '../../../src/engine/formula/parse';
import { Matrix, type Value, normalize, shapeOf } from '../../../src/engine/tensor/value';

const registry = createEngine().registry;

/** An Expr back as formula text (test-only, small trees). */
function text(e: Expr): string {
  const INFIX: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', pow: '^', matmul: '@', lt: '<', gt: '>', le: '<=', ge: '>=', eq: '==', ne: '!=' };
  switch (e.k) {
    case 'num':
      return e.v < 0 || Object.is(e.v, -0) ? `(${e.v})` : String(e.v);
    case 'ref':
      return e.name;
    case 'call':
      if (e.fn === 'neg') return `(-${text(e.args[0])})`;
      if (e.fn === 'transpose') return `${text(e.args[0])}.T`;
      if (INFIX[e.fn] && e.args.length === 2) return `(${text(e.args[0])} ${INFIX[e.fn]} ${text(e.args[1])})`;
      return `${e.fn}(${e.args.map(text).join(', ')})`;
    default:
      throw new Error(e.k);
  }
}

const KNOWN: Record<string, number> = { b: 2, k: 4, z: 0, o: 1 };
const known = (n: string) => KNOWN[n];
const simplified = (f: string) => text(simplifyExpr(parseFormula(f), known));

describe('simplifyExpr', () => {
  it('folds the pow rule with a literal exponent: where(b == 0, 0, b * a^(b - 1)) with b = 2 is 2 * a', () => {
    expect(simplified('g * where(b == 0, 0, b * a^(b - 1))')).toBe('(g * (2 * a))');
    expect(simplified('g * where(k == 0, 0, k * a^(k - 1))')).toBe('(g * (4 * (a ^ 3)))');
  });

  it('drops neutral elements: x^1, x*1, 1*x, x/1, x-0; x*-1 is -x; --x is x', () => {
    expect(simplified('a^o')).toBe('a');
    expect(simplified('a * o - z')).toBe('a');
    expect(simplified('o * a / o')).toBe('a');
    expect(simplified('a * -1')).toBe('(-a)');
    expect(simplified('-(-a)')).toBe('a');
  });

  it('keeps x + 0 and 0 - x: for x = 0 they are +0, where x or -x may be -0', () => {
    expect(simplified('a + z')).toBe('(a + 0)');
    expect(simplified('z - a')).toBe('(0 - a)');
  });

  it('folds literal comparisons always, arithmetic only over whole numbers', () => {
    expect(simplified('(b == 0) + (b > 1)')).toBe('1');
    expect(simplified('2 * 3 - 1')).toBe('5');
    expect(simplified('1 - 0.9')).toBe('(1 - 0.9)'); // not 0.09999999999999998
    expect(simplified('7 / 2')).toBe('(7 / 2)');
  });

  it('decides a where with a literal condition only when the dropped branch is a scalar (no broadcast lost)', () => {
    expect(simplified('where(z, 0, g)')).toBe('g');
    expect(simplified('where(o, g, 0)')).toBe('g');
    expect(simplified('where(o, 0, g)')).toBe('where(1, 0, g)'); // 0 broadcast to g's shape: kept
    expect(simplified('where(z, h, g)')).toBe('where(0, h, g)');
  });

  it('names without a known number stay names; the tree given is left as it was', () => {
    const e = parseFormula('a * b');
    expect(text(simplifyExpr(e))).toBe('(a * b)');
    expect(text(simplifyExpr(e, known))).toBe('(a * 2)');
    expect(text(e)).toBe('(a * b)');
  });

  it('a 100,000-deep formula simplifies without overflowing the stack', () => {
    let e: Expr = { k: 'ref', name: 'x', pos: 0 };
    for (let i = 0; i < 100_000; i++) e = { k: 'call', fn: i % 2 ? 'mul' : 'sub', args: [e, { k: 'ref', name: i % 2 ? 'o' : 'z', pos: 0 }], pos: 0 };
    expect(simplifyExpr(e, known)).toEqual({ k: 'ref', name: 'x', pos: 0 });
  });

  // Meaning: any formula over a matrix, a scalar and literal names has the same value and shape
  // before and after, as the engine computes it (NaN for NaN, errors for errors).
  const VALUES: Record<string, Value> = {
    x: normalize(new Matrix(2, 3, Float64Array.of(1, -2, 0, 0.5, 3, -0))),
    s: -1.5,
    ...KNOWN,
  };
  const ids = Object.keys(VALUES);
  function evaluate(e: Expr): Value | string {
    try {
      const c = compile(e, registry, { address: () => -1, name: (n) => ids.indexOf(n), range: () => ({ cells: [], rows: 0, cols: 0 }) }, new Set());
      return runForward(c.program, c.links, [], {
        read: (id: number) => VALUES[ids[id]],
        gradient: () => 0,
        label: (id: number) => ids[id],
      } as never, {});
    } catch (err) {
      return String(err instanceof Error ? err.message : err);
    }
  }
  const leaf = fc.oneof(
    fc.constantFrom(...ids).map((name): Expr => ({ k: 'ref', name, pos: 0 })),
    fc.constantFrom(0, -0, 1, -1, 2, 3, 0.5, 0.9).map((v): Expr => ({ k: 'num', v, pos: 0 })),
  );
  const { tree } = fc.letrec<{ tree: Expr }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'div', 'pow', 'lt', 'eq', 'ne', 'ge'), tie('tree'), tie('tree')).map(([fn, a, b]): Expr => ({ k: 'call', fn, args: [a, b], pos: 0 })),
      tie('tree').map((a): Expr => ({ k: 'call', fn: 'neg', args: [a], pos: 0 })),
      fc.tuple(tie('tree'), tie('tree'), tie('tree')).map(([c, a, b]): Expr => ({ k: 'call', fn: 'where', args: [c, a, b], pos: 0 })),
    ),
  }));
  it('keeps the value and the shape of any formula (property, evaluated by the engine)', () => {
    fc.assert(
      fc.property(tree, (e) => {
        const before = evaluate(e), after = evaluate(simplifyExpr(e, known));
        if (typeof before === 'string') return; // an error before may become a value after folding (never the reverse)
        expect(typeof after, text(e)).not.toBe('string');
        expect(shapeOf(after as Value), text(e)).toEqual(shapeOf(before));
        const a = typeof before === 'number' ? [before] : Array.from(before.data);
        const b = typeof after === 'number' ? [after as number] : Array.from((after as Matrix).data);
        // Bit for bit: NaN for NaN, and -0 for -0 (1 / -0 is -Infinity).
        const bits = (l: number[]) => l.map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
        expect(bits(b), `${text(e)} → ${text(simplifyExpr(e, known))}`).toEqual(bits(a));
      }),
      { numRuns: 2000 },
    );
  });
});
