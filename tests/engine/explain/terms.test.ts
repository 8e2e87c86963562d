// Chain-rule terms from the registry's rules: g factored out of a rule gives the local
// derivative (∂(q·z)/∂q = z), matrix rules keep their form with each factor's shape
// (δ·Wᵀ, Xᵀ·δ), a broadcast bias is summed over the rows, and the LaTeX printer is generic.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { exprLatex, texName } from '../../../src/engine/explain/latex';
import { readersOf, termOf, factorG } from '../../../src/engine/explain/terms';
import { ruleOf } from '../../../src/engine/explain/rule-source';
import { parseFormula } from '../../../src/engine/formula/parse';
import { Registry, createRegistry } from '../../../src/engine/ops/registry';
import type { OpDef } from '../../../src/engine/ops/define';

const plainRefs = { ref: (n: string) => texName(n) };
const local = (rule: string) => {
  const f = factorG(parseFormula(rule));
  return f && { tex: exprLatex(f.local, plainRefs), summed: f.summed };
};

/** The registry with rules written as ops/rules.ts writes them (what the adapter reads once it lands). */
function registryWithRules(rules: Record<string, { inputs: string[]; rule: (string | null)[] }>): Registry {
  return new Registry(createRegistry().all().map((op) => (rules[op.name] ? ({ ...op, ...rules[op.name] } as OpDef) : op)));
}

describe('factorG: the local derivative is the rule with g factored out', () => {
  it('sum_to(g * b, a) → b, summed back to a', () => expect(local('sum_to(g * b, a)')).toEqual({ tex: 'b', summed: true }));
  it('g → 1', () => expect(local('g')).toEqual({ tex: '1', summed: false }));
  it('-g → -1', () => expect(local('-g')?.tex).toBe('-1'));
  it('sum_to(-g * y / b, b) → −y/b', () => expect(local('sum_to(-g * y / b, b)')?.tex).toBe('-\\frac{y}{b}'));
  it('g * y * (1 - y) → y·(1 − y)', () => expect(local('g * y * (1 - y)')?.tex).toBe('y \\cdot \\left(1 - y\\right)'));
  it('g @ b.T has no scalar local derivative', () => expect(local('g @ b.T')).toBeNull());
  it('g in two places (softmax) has none either', () => expect(local('y * (g - sum(g * y, 1))')).toBeNull());
  it('g in a denominator is not a factor', () => expect(local('b / g')).toBeNull());
});

describe('exprLatex', () => {
  it('matrix rules carry the shape of each factor, transposes flipped', () => {
    const shapes: Record<string, [number, number]> = { g: [4, 3], b: [2, 3] };
    const tex = exprLatex(parseFormula('g @ b.T'), { ref: (n) => (n === 'g' ? '\\delta' : 'W'), shape: (n) => shapes[n] ?? null });
    expect(tex).toBe('\\underset{4\\times 3}{\\delta}\\,\\underset{3\\times 2}{{W}^{\\top}}');
  });
  it('brackets only where precedence needs them; powers and quotients typeset', () => {
    expect(exprLatex(parseFormula('(a + b) * c - d / e^2'), plainRefs)).toBe('\\left(a + b\\right) \\cdot c - \\frac{d}{{e}^{2}}');
    expect(exprLatex(parseFormula('a - (b - c)'), plainRefs)).toBe('a - \\left(b - c\\right)');
  });
  it('names: w0 → w_{0}, neg_s escaped, addresses upright', () => {
    expect(texName('w0')).toBe('w_{0}');
    expect(texName('neg_s')).toBe('\\mathit{neg\\_s}');
    expect(texName('B12')).toBe('\\mathrm{B12}');
  });
  it('a deep expression prints without overflowing the stack', () => {
    const deep = Array.from({ length: 5000 }, (_, i) => `x${i}`).join(' + ');
    expect(exprLatex(parseFormula(deep), plainRefs).length).toBeGreaterThan(5000);
  });
});

describe('termOf on the engine', () => {
  it('∂(q·z)/∂q = z with numbers: the (x + y)·z circuit', () => {
    const e = createEngine();
    for (const [at, f, n] of [['A1', '-2', 'x'], ['A2', '5', 'y'], ['A3', '-4', 'z'], ['B1', 'x + y', 'q'], ['B2', 'q * z', 'f']]) {
      e.setCell(at, f);
      e.setName(at, n);
    }
    e.setCell('C1', 'grad(f)');
    const g = e.opGraph();
    const q = g.cells.find((c) => c.at === 'B1')!;
    const [r] = readersOf(g, q.slot);
    const t = termOf(g, r.node, r.arg, e.registry);
    expect(t.partialTex).toBe('\\frac{\\partial \\left(q \\cdot z\\right)}{\\partial q}');
    expect(t.localTex).toBe('z');
    expect(t.localValue).toBe(-4);
    expect(t.added).toBe(-4);
    expect(t.gTex).toBe('\\frac{\\partial f}{\\partial f}');
  });

  it('a layer X @ W + b: Xᵀ·δ for W, δ·Wᵀ for X, column sums for the bias (rules as ops/rules.ts writes them)', () => {
    const registry = registryWithRules({
      add: { inputs: ['a', 'b'], rule: ['sum_to(g, a)', 'sum_to(g, b)'] },
      matmul: { inputs: ['a', 'b'], rule: ['g @ b.T', 'a.T @ g'] },
    });
    const e = createEngine({ registry });
    e.setCell('A1', '[[1, 2], [3, 4], [5, 6]]');
    e.setName('A1', 'X');
    e.setCell('A2', '[[1, 0, 2], [0, 1, 1]]');
    e.setName('A2', 'W');
    e.setCell('A3', '[[1, 2, 3]]');
    e.setName('A3', 'b');
    e.setCell('B1', 'X @ W + b');
    e.setName('B1', 'h');
    e.setCell('B2', 'sum(h * h)');
    e.setCell('B3', 'grad(B2)');
    const g = e.opGraph();
    const term = (at: string) => {
      const [r] = readersOf(g, g.cells.find((c) => c.at === at)!.slot);
      return termOf(g, r.node, r.arg, registry);
    };
    expect(ruleOf(registry, 'matmul', 1)?.text).toBe('db = a.T @ g');
    expect(term('A2').vjpTex).toBe('\\underset{2\\times 3}{{X}^{\\top}}\\,\\underset{3\\times 3}{\\delta}');
    expect(term('A1').vjpTex).toBe('\\underset{3\\times 3}{\\delta}\\,\\underset{3\\times 2}{{W}^{\\top}}');
    const bias = term('A3');
    expect(bias.reduce).toBe('rows');
    expect(bias.vjpTex).toBe('\\textstyle\\sum_{\\text{rows}}\\left(\\underset{3\\times 3}{\\delta_{h}}\\right)');
    expect(bias.added).toEqual(e.get('A3')!.grad);
  });

  it('the adapter reads the registry rules: mul and matmul as formulas, none for a comparison', () => {
    const r = createRegistry();
    expect(ruleOf(r, 'mul', 0)?.expr).not.toBeNull();
    expect(ruleOf(r, 'matmul', 0)?.text).toBe('da = g @ b.T');
    expect(ruleOf(r, 'relu', 0)?.text).toMatch(/heaviside/);
    expect(ruleOf(r, 'lt', 0)).toBeNull();
  });
});
