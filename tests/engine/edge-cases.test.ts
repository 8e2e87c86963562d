// Edge cases of the engine, each named by the behaviour it pins down: gradients of unused
// inputs, broadcast biases and forks; reactive recomputation (each downstream cell once,
// nothing accumulating); cycles and errors that stay local; huge sheets and formulas that
// must not overflow the stack; PyTorch's choices at non-differentiable points; names,
// ranges, allocation limits, numgrad and check.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine';
import { defineOp } from '../../src/engine/ops/define';
import { createRegistry } from '../../src/engine/ops/registry';
import { relativeError } from '../../src/engine/ops/verify';
import { map, matmulTA, matmulTB, zip } from '../../src/engine/tensor/kernels';
import { Matrix, type Value, shapeOf } from '../../src/engine/tensor/value';
import { errorOf, literal, makeRandom, sheet, toPlain, uniform, valueOf } from './helpers';

const grid = (e: ReturnType<typeof createEngine>, at: string) => e.get(at)!.grad;
const plainGrad = (e: ReturnType<typeof createEngine>, at: string) => {
  const g = grid(e, at);
  return g === null ? null : toPlain(g);
};

describe('gradients of unused inputs', () => {
  it('grad(L, X) is zeros of X’s shape when X is not upstream of L', () => {
    const e = sheet({ A1: '[[1, 2, 3], [4, 5, 6]]', A2: '3', A3: '7', B1: 'A2 * A2', C1: 'grad(B1, A1)', C2: 'grad(B1, A3)', C3: 'numgrad(B1, A1)' });
    expect(toPlain(valueOf(e, 'C1'))).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(valueOf(e, 'C2')).toBe(0);
    expect(toPlain(valueOf(e, 'C3'))).toEqual([[0, 0, 0], [0, 0, 0]]);
  });

  it('the grid shows no gradient (null) on cells not upstream of the loss, 1 on the loss', () => {
    const e = sheet({ A1: '[[1, 2], [3, 4]]', A2: '3', B1: 'A2 * A2', B2: 'A1 * 2', C1: 'grad(B1)' });
    expect(grid(e, 'A1')).toBeNull();
    expect(grid(e, 'B2')).toBeNull();
    expect(grid(e, 'C1')).toBeNull();
    expect(grid(e, 'A2')).toBe(6);
    expect(grid(e, 'B1')).toBe(1);
  });

  it('an input upstream only through a comparison gets a zero gradient of its own shape', () => {
    const e = sheet({ A1: '[[1, -2, 3]]', A2: '2', B1: 'sum((A1 > 0) * A2)', C1: 'grad(B1)' });
    expect(plainGrad(e, 'A1')).toEqual([[0, 0, 0]]);
    expect(grid(e, 'A2')).toBe(2);
  });
});

describe('broadcasting and forks', () => {
  it('the gradient of a broadcast bias b (1×K) in X @ W + b is the column sum of the gradient of the scores', () => {
    const rand = makeRandom(11);
    const e = sheet({
      A1: literal(uniform(rand, 5, 3)),
      A2: literal(uniform(rand, 3, 4)),
      A3: literal(uniform(rand, 1, 4)),
      B1: 'A1 @ A2 + A3',
      B2: 'sum(tanh(B1) * B1)',
      C1: 'grad(B2, A3)',
      C2: 'sum(grad(B2, B1), 0)',
      C3: 'numgrad(B2, A3)',
      C4: 'grad(B2)',
    });
    const gb = valueOf(e, 'C1');
    expect(shapeOf(gb)).toEqual([1, 4]);
    expect(toPlain(gb)).toEqual(toPlain(valueOf(e, 'C2')));
    expect(relativeError(gb, valueOf(e, 'C3'))).toBeLessThan(1e-8);
    expect(toPlain(grid(e, 'A3')!)).toEqual(toPlain(gb));
  });

  it('a column bias (n×1) gets the row sums and a scalar bias the total', () => {
    const e = sheet({
      A1: '[[1, 2, 3], [4, 5, 6]]',
      A2: '[[0.5], [-1]]',
      A3: '0.25',
      A4: '[[1, 10, 100], [1000, 10000, 100000]]',
      B1: 'sum((A1 + A2 + A3) * A4)',
      C1: 'grad(B1)',
    });
    expect(plainGrad(e, 'A2')).toEqual([[111], [111000]]);
    expect(grid(e, 'A3')).toBe(111111);
  });

  it('a cell used twice gets the sum of both contributions: f = x * x gives 2x', () => {
    const e = sheet({ A1: '3', B1: 'A1 * A1', C1: 'grad(B1)', C2: 'grad(B1, A1)' }, { A1: 'x', B1: 'f' });
    expect(grid(e, 'A1')).toBe(6);
    expect(valueOf(e, 'C2')).toBe(6);
  });

  it('forks across cells sum: q = x + y, f = q * x gives ∂f/∂x = q + x and ∂f/∂y = x', () => {
    const e = sheet(
      { A1: '-2', A2: '5', B1: 'x + y', B2: 'q * x', C1: 'grad(f)' },
      { A1: 'x', A2: 'y', B1: 'q', B2: 'f' },
    );
    expect(valueOf(e, 'B2')).toBe(-6);
    expect(grid(e, 'A1')).toBe(1);
    expect(grid(e, 'A2')).toBe(-2);
    expect(grid(e, 'B1')).toBe(-2);
    expect(grid(e, 'B2')).toBe(1);
  });

  it('explain(x) lists each consumer’s contribution to the fork sum', () => {
    const e = sheet(
      { A1: '-2', A2: '5', B1: 'x + y', B2: 'q * x', C1: 'grad(f)' },
      { A1: 'x', A2: 'y', B1: 'q', B2: 'f' },
    );
    const ex = e.explain('A1');
    expect(ex.grad).toBe(1);
    const parts = Object.fromEntries(ex.parts.map((p) => [p.via, p.contribution]));
    expect(parts).toEqual({ B1: -2, B2: 3 });
  });
});

describe('reactive recomputation', () => {
  it('recomputing gradients twice gives the same numbers: edit a cell and edit it back, nothing accumulates', () => {
    const rand = makeRandom(5);
    const cells = {
      A1: literal(uniform(rand, 4, 3)),
      A2: literal(uniform(rand, 3, 2)),
      A3: '[[0.1, -0.2]]',
      B1: 'tanh(A1 @ A2 + A3)',
      B2: 'sum(B1 * B1) + sum(A2 * A2)',
      C1: 'grad(B2)',
      C2: 'grad(B2, A2)',
    };
    const e = sheet(cells);
    const snap = () => ['A1', 'A2', 'A3', 'B1', 'B2'].map((a) => plainGrad(e, a)).concat([toPlain(valueOf(e, 'C2'))]);
    const first = snap();
    expect(snap()).toEqual(first); // reading twice
    e.setCell('A3', '[[5, 5]]');
    expect(snap()).not.toEqual(first);
    e.setCell('A3', cells.A3);
    expect(snap()).toEqual(first);
    e.setCell('C1', '');
    e.setCell('C1', 'grad(B2)');
    expect(snap()).toEqual(first);
  });

  it("setCell on the root of a diamond A→B, A→C, (B, C)→D evaluates exactly 4 cells, D once", () => {
    const e = sheet({ A1: '1', B1: 'A1 * 2', C1: 'A1 + 3', D1: 'B1 * C1', E1: '100', F1: 'E1 + 1' });
    const before = e.evaluations;
    e.setCell('A1', '2');
    expect(e.evaluations - before).toBe(4);
    expect(valueOf(e, 'D1')).toBe(20);
  });

  it('setCell recomputes only what is downstream: an unrelated edit evaluates one cell', () => {
    const e = sheet({ A1: '1', B1: 'A1 * 2', C1: 'B1 + 3', E1: '100', F1: 'E1 + 1' });
    let before = e.evaluations;
    e.setCell('B1', 'A1 * 5');
    expect(e.evaluations - before).toBe(2); // B1, C1
    before = e.evaluations;
    e.setCell('Z9', '42');
    expect(e.evaluations - before).toBe(1);
    before = e.evaluations;
    e.setCell('Z9', '42'); // same text: nothing to do
    expect(e.evaluations - before).toBe(0);
  });

  it('editing the head of a long chain again and again recomputes the chain each time, and a cell added mid-chain joins in', () => {
    const cells: Record<string, string> = { A1: '1' };
    for (let i = 2; i <= 200; i++) cells[`A${i}`] = `A${i - 1} + 1`;
    const e = sheet(cells);
    for (const v of [2, 3, 4]) {
      const before = e.evaluations;
      e.setCell('A1', String(v));
      expect(e.evaluations - before).toBe(200);
      expect(valueOf(e, 'A200')).toBe(v + 199);
    }
    e.setCell('B1', 'A100 * 2'); // a new edge: orders remembered from before are stale
    e.setCell('A1', '10');
    expect(valueOf(e, 'B1')).toBe(218);
    e.setCell('A100', 'A99 + 2'); // same edges, new formula
    e.setCell('A1', '11');
    expect(valueOf(e, 'A200')).toBe(211);
    expect(valueOf(e, 'B1')).toBe(222);
    e.setCell('B1', '');
    e.setCell('A1', '12');
    expect(e.get('B1')).toBeNull();
  });

  it('cells with the same formula shape but different constants, ranges or literals each compute their own value', () => {
    const e = sheet({
      A1: '2', A2: '3', B1: '5', B2: '7',
      C1: 'A1 * 2', C2: 'A2 * 3', C3: 'A1 * A1', C4: 'A1 * A2',
      D1: 'sum(A1:B2)', D2: 'sum(A1:B1)', D3: 'sum(A1:A2)',
      E1: '[[A1, 1]]', E2: '[[A1], [1]]', E3: '[[A2, 2]]',
      F1: 'grad(C3, A1)', F2: 'numgrad(C3, A1)', F3: 'grad(C4, A1)',
    });
    expect(['C1', 'C2', 'C3', 'C4', 'D1', 'D2', 'D3'].map((a) => valueOf(e, a))).toEqual([4, 9, 4, 6, 17, 7, 5]);
    expect([toPlain(valueOf(e, 'E1')), toPlain(valueOf(e, 'E2')), toPlain(valueOf(e, 'E3'))]).toEqual([[[2, 1]], [[2], [1]], [[3, 2]]]);
    expect(valueOf(e, 'F1')).toBe(4);
    expect(valueOf(e, 'F2')).toBeCloseTo(4, 8);
    expect(valueOf(e, 'F3')).toBe(3);
  });

  it('filled-down formulas that differ only in addresses each read their own cells (numbers, $, names, calls around them)', () => {
    const e = sheet({
      A1: '1', A2: '2', A3: '3', B1: '10',
      C1: '1E2 + A1 * $B$1 + x', C2: '1E2 + A2 * $B$1 + x', C3: '1E2 + A3 * $B$1 + y',
      D1: 'grad(C1, A1) + sum([[A1, A2]])', D2: 'grad(C2, A2) + sum([[A2, A3]])', D3: 'A3(2)',
    }, { B1: 'x' });
    expect(['C1', 'C2'].map((a) => valueOf(e, a))).toEqual([120, 130]);
    expect(errorOf(e, 'C3')?.message).toContain('unknown name y');
    expect(['D1', 'D2'].map((a) => valueOf(e, a))).toEqual([13, 15]);
    expect(errorOf(e, 'D3')).toEqual({ kind: 'NAME', message: 'unknown function A3()' });
    e.setName('A3', 'y');
    expect(valueOf(e, 'C3')).toBe(133);
    e.setCell('B1', '20');
    expect(['C1', 'C2', 'C3'].map((a) => valueOf(e, a))).toEqual([140, 160, 163]);
  });

  it('load() replaces the whole sheet: old cells, names and edges are gone', () => {
    const e = sheet({ A1: '1', A2: 'x * 2', B1: 'grad(A2)' }, { A1: 'x' });
    e.load({ gradsheet: 1, cells: [{ at: 'C1', name: 'x', formula: '5' }, { at: 'C2', formula: 'x + A1' }, { at: 'A1', formula: '10' }] });
    expect(e.cells().map((c) => c.at)).toEqual(['A1', 'C1', 'C2']);
    expect(e.addressOf('x')).toBe('C1');
    expect(valueOf(e, 'C2')).toBe(15);
    expect(e.gradCells()).toEqual([]);
    e.setCell('A1', '20');
    expect(valueOf(e, 'C2')).toBe(25);
  });

  it('batch() recomputes once at the end', () => {
    const e = sheet({ A1: '1', A2: '2', B1: 'A1 + A2', C1: 'B1 * B1' });
    const before = e.evaluations;
    e.batch(() => {
      e.setCell('A1', '10');
      e.setCell('A2', '20');
    });
    expect(e.evaluations - before).toBe(4);
    expect(valueOf(e, 'C1')).toBe(900);
  });

  it('subscribers hear which cells changed', () => {
    const e = sheet({ A1: '1', B1: 'A1 + 1', C1: '5' });
    const seen: string[][] = [];
    const off = e.subscribe((c) => seen.push([...c.cells].sort()));
    e.setCell('A1', '2');
    off();
    e.setCell('A1', '3');
    expect(seen).toEqual([['A1', 'B1']]);
  });
});

describe('cycles', () => {
  it('A1 = B1 + 1, B1 = A1 * 2 are both #CYCLE; C1 = 5 and D1 = C1 * 2 still work', () => {
    const e = sheet({ A1: 'B1 + 1', B1: 'A1 * 2', C1: '5', D1: 'C1 * 2' });
    expect(errorOf(e, 'A1')?.kind).toBe('CYCLE');
    expect(errorOf(e, 'B1')?.kind).toBe('CYCLE');
    expect(errorOf(e, 'A1')?.message).toMatch(/A1.*B1/);
    expect(valueOf(e, 'D1')).toBe(10);
    e.setCell('C1', '6');
    expect(valueOf(e, 'D1')).toBe(12);
  });

  it('a cell depending on the cycle gets an error naming the cycle cell, and is not itself #CYCLE-listed', () => {
    const e = sheet({ A1: 'B1 + 1', B1: 'A1 * 2', E1: 'A1 + 1', F1: 'E1 * 2' });
    const err = errorOf(e, 'E1')!;
    expect(err.kind).toBe('CYCLE');
    expect(err.origin).toBe('A1');
    expect(err.message).toContain('A1');
    expect(errorOf(e, 'F1')?.origin).toBe('A1');
    expect(errorOf(e, 'A1')!.message).not.toContain('E1');
  });

  it('breaking the cycle heals every cell in and downstream of it', () => {
    const e = sheet({ A1: 'B1 + 1', B1: 'A1 * 2', E1: 'A1 + 1' });
    e.setCell('B1', '7');
    expect(valueOf(e, 'A1')).toBe(8);
    expect(valueOf(e, 'B1')).toBe(7);
    expect(valueOf(e, 'E1')).toBe(9);
  });

  it('a self-reference A1 = A1 + 1 is a cycle of one', () => {
    const e = sheet({ A1: 'A1 + 1', B1: '3' });
    expect(errorOf(e, 'A1')?.kind).toBe('CYCLE');
    expect(valueOf(e, 'B1')).toBe(3);
  });

  it('a loss pulled into a cycle drops its gradients: no stale grads in the grid, grad cells show the #CYCLE', () => {
    const e = sheet({ A1: '3', B1: 'A1 * A1', C1: 'grad(B1)', C2: 'grad(B1, A1)' });
    expect(grid(e, 'A1')).toBe(6);
    e.setCell('A1', 'B1 + 1');
    expect(errorOf(e, 'A1')?.kind).toBe('CYCLE');
    expect(grid(e, 'A1')).toBeNull();
    expect(grid(e, 'B1')).toBeNull();
    expect(errorOf(e, 'C1')?.kind).toBe('CYCLE');
    expect(errorOf(e, 'C2')?.message).toContain('circular reference');
    e.setCell('A1', '4');
    expect(grid(e, 'A1')).toBe(8);
    expect(valueOf(e, 'C2')).toBe(8);
  });

  it('a grad cell whose loss becomes a cycle reports the cycle, not the loss’s previous error', () => {
    const e = sheet({ A2: 'grad(A1)' });
    expect(errorOf(e, 'A2')?.message).toContain('A1 is empty');
    e.setCell('A1', 'A1 + A1');
    expect(errorOf(e, 'A2')?.message).toContain('circular reference');
  });

  it('a check cell pulled into a cycle shows no verdict', () => {
    const e = sheet({ A1: '1', B1: 'check(A1, 1)' });
    expect(e.get('B1')!.check?.pass).toBe(true);
    e.setCell('A1', 'B1');
    expect(errorOf(e, 'B1')?.kind).toBe('CYCLE');
    expect(e.get('B1')!.check).toBeNull();
  });

  it('two independent cycles are reported separately, each naming only its own cells', () => {
    const e = createEngine();
    e.load({ gradsheet: 1, cells: [{ at: 'A1', formula: 'A1 + 1' }, { at: 'A3', formula: 'A3 + A1' }, { at: 'B1', formula: 'C1 * 2' }, { at: 'C1', formula: 'B1' }] });
    expect(errorOf(e, 'A1')?.message).toBe('circular reference: A1');
    expect(errorOf(e, 'A3')?.message).toBe('circular reference: A3');
    expect(errorOf(e, 'B1')?.message).toBe('circular reference: B1 → C1');
  });

  it('a cycle created by an edit is reported, and undoing the edit heals it', () => {
    const e = sheet({ A1: '1', B1: 'A1 + 1', C1: 'B1 * 2' });
    e.setCell('A1', 'C1');
    for (const at of ['A1', 'B1', 'C1']) expect(errorOf(e, at)?.kind).toBe('CYCLE');
    e.setCell('A1', '1');
    expect(valueOf(e, 'C1')).toBe(4);
  });
});

describe('errors are values that propagate but stay local', () => {
  it('a #SHAPE cell errors, its dependents show the error naming the origin, unrelated cells are fine, and fixing it heals', () => {
    const e = sheet({ A1: '[[1, 2], [3, 4]] + [[1, 2, 3]]', B1: 'A1 * 2', B2: 'sum(B1)', C1: '5', C2: 'C1 + 1' });
    const a = errorOf(e, 'A1')!;
    expect(a.kind).toBe('SHAPE');
    expect(a.message).toContain('2×2');
    expect(a.message).toContain('1×3');
    for (const at of ['B1', 'B2']) {
      const err = errorOf(e, at)!;
      expect(err.kind).toBe('SHAPE');
      expect(err.origin).toBe('A1');
      expect(err.message).toContain('A1');
    }
    expect(valueOf(e, 'C2')).toBe(6);
    e.setCell('A1', '[[1, 2], [3, 4]] + [[1, 2]]');
    expect(valueOf(e, 'B2')).toBe(32);
  });

  it('a matrix product with mismatched inner sizes names both shapes', () => {
    const e = sheet({ A1: 'ones(2, 3) @ ones(2, 3)' });
    expect(errorOf(e, 'A1')).toMatchObject({ kind: 'SHAPE' });
    expect(errorOf(e, 'A1')!.message).toMatch(/2×3 @ 2×3/);
  });

  it('grad of a non-scalar loss is an error on the grad cell saying it must be a scalar', () => {
    const e = sheet({ A1: '[[1, 2, 3]]', B1: 'A1 * A1', C1: 'grad(B1)', C2: 'grad(B1, A1)', C3: 'numgrad(B1, A1)', D1: '4' });
    for (const at of ['C1', 'C2', 'C3']) {
      const err = errorOf(e, at);
      expect(err, at).not.toBeNull();
      expect(err!.message).toContain('must be a scalar');
      expect(err!.message).toContain('1×3');
    }
    expect(grid(e, 'A1')).toBeNull();
    expect(valueOf(e, 'D1')).toBe(4);
  });

  it('grad of a loss holding an error is an error on the grad cell, naming the loss', () => {
    const e = sheet({ A1: 'nope + 1', B1: 'grad(A1)' });
    expect(errorOf(e, 'B1')?.message).toContain('A1');
  });
});

describe('size: no stack overflow, no crash', () => {
  const chainAddress = (i: number) => `${String.fromCharCode(65 + Math.floor(i / 9999))}${(i % 9999) + 1}`;

  it('a 100,000-cell chain (each prev*0.999+1) evaluates, and grad of the last w.r.t. the first is 0.999^(n−1)', () => {
    const n = 100_000;
    const cells = [];
    for (let i = 0; i < n; i++) cells.push({ at: chainAddress(i), formula: i === 0 ? '1' : `${chainAddress(i - 1)}*0.999+1` });
    const last = chainAddress(n - 1);
    cells.push({ at: 'ZZ1', formula: `grad(${last}, A1)` });
    const e = createEngine();
    e.load({ gradsheet: 1, cells });
    const x = valueOf(e, last) as number;
    expect(x).toBeCloseTo(1000 - 999 * Math.pow(0.999, n - 1), 9);
    const g = valueOf(e, 'ZZ1') as number;
    const expected = Math.pow(0.999, n - 1);
    expect(Math.abs(g - expected) / expected).toBeLessThan(1e-9);
    // The grid view runs the same reverse pass from the last cell.
    e.setCell('ZZ2', `grad(${last})`);
    expect(Math.abs((grid(e, 'A1') as number) - expected) / expected).toBeLessThan(1e-9);
  });

  it('a formula nested 100,000 parentheses deep is a #PARSE error on the cell, not a crash', () => {
    const n = 100_000;
    const e = sheet({ A1: '('.repeat(n) + '1' + ')'.repeat(n), A2: '['.repeat(n) + '1' + ']'.repeat(n), A3: '-'.repeat(n) + '1', A4: 'exp('.repeat(n) + '0' + ')'.repeat(n), B1: '2' });
    for (const at of ['A1', 'A2', 'A3', 'A4']) expect(errorOf(e, at)?.kind, at).toBe('PARSE');
    expect(valueOf(e, 'B1')).toBe(2);
  });

  it('a formula of 50,000 `1+1+…` terms (the longest a file holds) evaluates to 50000; a longer one is a #PARSE error', () => {
    const e = sheet({ A1: Array(50_000).fill('1').join('+'), A2: Array(50_001).fill('1').join('+') });
    expect(valueOf(e, 'A1')).toBe(50_000);
    expect(e.get('A2')!.error).toMatchObject({ kind: 'PARSE', message: expect.stringContaining('longer than 100000 characters') });
  });

  it('a formula reading one cell 20,000 times gives that cell a gradient of 20000', () => {
    const e = sheet({ A1: '0.5', B1: Array(20_000).fill('A1').join(' + '), C1: 'grad(B1)' });
    expect(grid(e, 'A1')).toBe(20_000);
  });

  it('zeros(100000, 100000) and other oversized results are #SIZE errors on the cell, not allocations or crashes', () => {
    const e = sheet({
      A1: 'zeros(100000, 100000)',
      A2: 'ones(100000, 100000)',
      A3: 'randn(100000, 100000, 1)',
      A4: 'eye(100000)',
      A5: 'reshape(1, 100000, 100000)',
      A6: 'sum(B1:ZZ9999)',
      // Results larger than their operands: an outer product, a broadcast, a one-hot of many classes.
      A7: 'ones(10000, 1) @ ones(1, 10000)',
      A8: 'ones(10000, 1) + ones(1, 10000)',
      A9: 'onehot(zeros(100, 1), 1000000)',
      // Empty matrices with a huge side: nothing to store, but row loops would walk 1e9 rows.
      C1: 'argmax(zeros(1e9, 0))',
      C2: 'sum(zeros(0, 1e50), 1)',
      C3: 'onehot(zeros(0, 1), 1e9)',
      B1: '1',
    });
    for (const at of ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8', 'A9', 'C1', 'C2', 'C3']) expect(errorOf(e, at)?.kind, at).toBe('SIZE');
    expect(errorOf(e, 'A7')!.message).toContain('10000×10000');
    expect(valueOf(e, 'B1')).toBe(1);
  });
});

describe('non-differentiable points follow PyTorch', () => {
  it("relu'(0) = 0 and abs'(0) = 0", () => {
    const e = sheet({ A1: '0', B1: 'relu(A1)', B2: 'abs(A1)', C1: 'grad(B1, A1)', C2: 'grad(B2, A1)', C3: 'grad(B3, A1)', B3: 'max(0, A1)' });
    expect(valueOf(e, 'C1')).toBe(0);
    expect(valueOf(e, 'C2')).toBe(0);
    expect(valueOf(e, 'C3')).toBe(0);
  });

  it('max(a, b) and min(a, b) send the gradient to a on ties', () => {
    const e = sheet({
      A1: '2', A2: '2',
      B1: 'max(A1, A2)', B2: 'min(A1, A2)',
      C1: 'grad(B1, A1)', C2: 'grad(B1, A2)', C3: 'grad(B2, A1)', C4: 'grad(B2, A2)',
    });
    expect([C(e, 'C1'), C(e, 'C2'), C(e, 'C3'), C(e, 'C4')]).toEqual([1, 0, 1, 0]);
  });

  it('the gradient w.r.t. the exponent of a negative base is 0, not NaN', () => {
    const e = sheet({ A1: '-2', A2: '3', B1: 'A1 ^ A2', C1: 'grad(B1)' });
    expect(valueOf(e, 'B1')).toBe(-8);
    expect(grid(e, 'A1')).toBe(12);
    expect(grid(e, 'A2')).toBe(0);
  });
});

function C(e: ReturnType<typeof createEngine>, at: string): Value {
  return valueOf(e, at);
}

describe('operators as in mathematics', () => {
  it('-x^2 is −(x²), (-x)^2 squares the negation, 2^3^2 = 512', () => {
    const e = sheet({ A1: '3', B1: '-A1^2', B2: '(-A1)^2', B3: '2^3^2', B4: 'exp(-A1^2)', B5: '-2^2', B6: '2**3**2', B7: '-A1**2' });
    expect(valueOf(e, 'B1')).toBe(-9);
    expect(valueOf(e, 'B2')).toBe(9);
    expect(valueOf(e, 'B3')).toBe(512);
    expect(valueOf(e, 'B4')).toBe(Math.exp(-9));
    expect(valueOf(e, 'B5')).toBe(-4);
    expect(valueOf(e, 'B6')).toBe(512);
    expect(valueOf(e, 'B7')).toBe(-9);
  });
});

describe('ranges', () => {
  it('A1:B2 is a 2×2 matrix of the scalar cells, row by row, and gradients flow to each cell', () => {
    const e = sheet({ A1: '1', B1: '2', A2: '3', B2: '4', C1: 'A1:B2', C2: 'sum(C1 * C1) + sum(A1:B1)', C3: 'grad(C2)' });
    expect(toPlain(valueOf(e, 'C1'))).toEqual([[1, 2], [3, 4]]);
    expect([grid(e, 'A1'), grid(e, 'B1'), grid(e, 'A2'), grid(e, 'B2')]).toEqual([3, 5, 6, 8]);
    expect(plainGrad(e, 'C1')).toEqual([[2, 4], [6, 8]]);
  });

  it('a reversed range B2:A1 is the same matrix', () => {
    const e = sheet({ A1: '1', B1: '2', A2: '3', B2: '4', C1: 'B2:A1' });
    expect(toPlain(valueOf(e, 'C1'))).toEqual([[1, 2], [3, 4]]);
  });

  it('a range over a matrix cell or an empty cell is an error naming that cell', () => {
    const e = sheet({ A1: '1', A2: '[[1, 2]]', B1: 'sum(A1:A2)', C1: '1', D1: 'sum(C1:C2)' });
    expect(errorOf(e, 'B1')?.message).toContain('A2');
    expect(errorOf(e, 'B1')?.message).toContain('1×2');
    expect(errorOf(e, 'D1')?.message).toContain('C2');
  });
});

describe('names', () => {
  it('renaming a cell rewrites the formulas that use the name, and values stay the same', () => {
    const e = sheet({ A1: '3', B1: 'x * x + exp(x) + x.T', B2: 'grad(B1, x)', B3: 'xx + x2' }, { A1: 'x' });
    e.setCell('C1', '1');
    e.setCell('C2', '2');
    e.setName('C1', 'xx');
    e.setName('C2', 'x2');
    const before = [valueOf(e, 'B1'), valueOf(e, 'B2'), valueOf(e, 'B3')];
    expect(e.setName('A1', 'input')).toMatchObject({ ok: true });
    expect(e.get('B1')!.formula).toBe('input * input + exp(input) + input.T');
    expect(e.get('B2')!.formula).toBe('grad(B1, input)');
    expect(e.get('B3')!.formula).toBe('xx + x2');
    expect([valueOf(e, 'B1'), valueOf(e, 'B2'), valueOf(e, 'B3')]).toEqual(before);
    expect(e.addressOf('input')).toBe('A1');
    expect(e.addressOf('x')).toBeNull();
  });

  it('a name that is a function, not an identifier, or taken, is refused (address spellings are names: SPEC §2)', () => {
    const e = sheet({ A1: '1', A2: '2' }, { A2: 'w' });
    for (const bad of ['$B$7', 'sum', 'exp', 'grad', 'softmax', '1x', 'a-b', 'w']) {
      const r = e.setName('A1', bad);
      expect(r.ok, bad).toBe(false);
    }
    expect(e.get('A1')!.name).toBeNull();
    // Addresses are upper case: the lecture notes' lower-case names are names.
    expect(e.setName('A1', 'w1')).toMatchObject({ ok: true });
  });

  it('messages name a cell by its current name: naming the loss rewords its grad cell’s error', () => {
    const e = sheet({ B1: '[[0.5, -1], [2, 3]]', A1: 'grad(B1)' });
    expect(errorOf(e, 'A1')?.message).toBe('the loss B1 must be a scalar, it is 2×2');
    e.setName('B1', 'x');
    expect(errorOf(e, 'A1')?.message).toBe('the loss x (B1) must be a scalar, it is 2×2');
  });

  it('a formula using a name that does not exist yet errors, and heals when a cell takes that name', () => {
    const e = sheet({ A1: 'later * 2', B1: '21' });
    expect(errorOf(e, 'A1')).toMatchObject({ kind: 'NAME' });
    expect(errorOf(e, 'A1')!.message).toContain('later');
    e.setName('B1', 'later');
    expect(valueOf(e, 'A1')).toBe(42);
    // Clearing the name rewrites its uses to the address (issue 8): nothing breaks.
    e.setName('B1', null);
    expect(e.get('A1')!.formula).toBe('B1 * 2');
    expect(valueOf(e, 'A1')).toBe(42);
  });
});

describe('values and the non-differentiable ops', () => {
  it('a 1×1 matrix and a scalar are interchangeable', () => {
    const e = sheet({ A1: '[[2]]', B1: 'A1 * [[1, 2]]', B2: 'A1 @ [[1, 2]]', B3: 'sum([[5]]) + A1', B4: 'reshape(A1, 1, 1) == 2', B5: 'A1 + [[3]]' });
    expect(valueOf(e, 'A1')).toBe(2);
    expect(toPlain(valueOf(e, 'B1'))).toEqual([[2, 4]]);
    expect(toPlain(valueOf(e, 'B2'))).toEqual([[2, 4]]);
    expect([valueOf(e, 'B3'), valueOf(e, 'B4'), valueOf(e, 'B5')]).toEqual([7, 1, 5]);
  });

  it('zeros, ones, eye, and seeded randn/rand (the same stream as the peer benchmarks)', () => {
    const e = sheet({ A1: 'zeros(2, 3)', A2: 'ones(1, 2)', A3: 'eye(3)', A4: 'randn(1, 3, 42)', A5: 'randn(1, 3, 42)', A6: 'rand(1, 2, 7)', A7: 'rand(40, 40, 3)', A8: 'zeros(0, 3)', A9: 'randn(2, 2)' });
    expect(toPlain(valueOf(e, 'A1'))).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(toPlain(valueOf(e, 'A2'))).toEqual([[1, 1]]);
    expect(toPlain(valueOf(e, 'A3'))).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    // mulberry32 + Box–Muller (cosine branch), from shared/peers/lib/common.mjs makeRng(42).randn() × 3.
    expect(toPlain(valueOf(e, 'A4'))).toEqual([[-1.2848381576290195, -0.9453528099747296, -0.6112802846514629]]);
    expect(toPlain(valueOf(e, 'A5'))).toEqual(toPlain(valueOf(e, 'A4')));
    expect(toPlain(valueOf(e, 'A6'))).toEqual([[0.011704753153026104, 0.06195825757458806]]);
    const u = (valueOf(e, 'A7') as Matrix).data;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(e.get('A8')!.shape).toEqual([0, 3]);
    expect(shapeOf(valueOf(e, 'A9'))).toEqual([2, 2]);
  });

  it('sizes and seeds must be whole numbers; reshape and rows check their ranges', () => {
    const e = sheet({ A1: 'zeros(1.5, 2)', A2: 'ones(-1, 2)', A3: 'randn(2, 2, 0.5)', A4: 'reshape([[1, 2, 3]], 2, 2)', A5: 'rows([[1], [2]], 1, 3)', A6: 'sum([[1, 2]], 2)', A7: 'rows([[1], [2], [3]], 2, 1)' });
    for (const at of ['A1', 'A2', 'A3', 'A7']) expect(errorOf(e, at)?.kind, at).toBe('ARG');
    expect(errorOf(e, 'A4')).toMatchObject({ kind: 'SHAPE' });
    expect(errorOf(e, 'A4')!.message).toContain('1×3');
    expect(errorOf(e, 'A5')?.kind).toBe('ARG');
    expect(errorOf(e, 'A6')?.message).toContain('axis');
  });

  it('onehot, argmax and accuracy', () => {
    const e = sheet({
      A1: '[[0], [2], [1]]', A2: '[[0.1, 0.5, 0.2], [3, 1, 4], [0, 0, 0]]',
      B1: 'onehot(A1, 3)', B2: 'argmax(A2)', B3: 'accuracy(A2, A1)', B4: 'accuracy(A2, onehot(A1, 3))', B5: 'onehot([[3]], 3)', B6: 'cross_entropy(A2, [[0], [1]])',
    });
    expect(toPlain(valueOf(e, 'B1'))).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(toPlain(valueOf(e, 'B2'))).toEqual([[1], [2], [0]]); // ties: the first
    expect(valueOf(e, 'B3')).toBeCloseTo(1 / 3, 15);
    expect(valueOf(e, 'B4')).toBeCloseTo(1 / 3, 15);
    expect(errorOf(e, 'B5')?.message).toContain('class index');
    expect(errorOf(e, 'B6')).toMatchObject({ kind: 'SHAPE' });
  });

  it('labels, argmax and comparisons pass no gradient: cells upstream only through them show 0', () => {
    const e = sheet({ A1: '[[0.1, 0.5], [3, 1]]', A2: '[[1], [0]]', B1: 'cross_entropy(A1, A2) + sum(argmax(A1)) + accuracy(A1, A2)', C1: 'grad(B1)' });
    expect(plainGrad(e, 'A2')).toEqual([[0], [0]]);
    const g = plainGrad(e, 'A1') as number[][];
    expect(g[0][0] + g[0][1]).toBeCloseTo(0, 15); // softmax − onehot rows sum to 0
  });
});

describe('registries', () => {
  it('an op added to one engine’s registry works there, with its own gradient, and leaks into no other registry', () => {
    const registry = createRegistry();
    registry.add(defineOp({
      name: 'cube', args: 1, category: 'elementwise', signature: 'cube(x)', doc: 'x³', inputs: ['x'],
      forward: ([x]) => map(x, (v) => v ** 3),
      vjp: [(g, [x]) => zip(g, x, (u, v) => 3 * v * v * u, 'cube')],
    }));
    const e = createEngine({ registry });
    e.setCell('A1', '2');
    e.setCell('A2', 'cube(A1)');
    e.setCell('A3', 'grad(A2, A1)');
    expect([valueOf(e, 'A2'), valueOf(e, 'A3')]).toEqual([8, 12]);
    expect(createRegistry().has('cube')).toBe(false);
    expect(errorOf(sheet({ A1: 'cube(2)' }), 'A1')).toMatchObject({ kind: 'NAME' });
    expect(e.setName('A1', 'cube').ok).toBe(false);
  });
});

describe('explain', () => {
  it('lists each consumer of a cell with its part of the fork sum, through ranges and matrix literals too', () => {
    const e = sheet({ A1: '3', A2: '2', B1: '[[A1, A1 * A1]]', B2: 'sum(A1:A2) * 5', C1: 'sum(B1 * [[1, 10]]) + B2', D1: 'grad(C1)' });
    const ex = e.explain('A1');
    expect(ex.loss).toBe('C1');
    expect(ex.grad).toBe(1 + 20 * 3 + 5);
    expect(ex.parts.map((p) => [p.via, p.contribution, p.local])).toEqual([['B1', 61, null], ['B2', 5, 5]]);
    expect(e.explain('Z9')).toEqual({ at: 'Z9', loss: 'C1', grad: null, parts: [] });
  });
});

describe('parameters and several losses', () => {
  it('a parameter cell holds its stored value, gradients stop at it, and clearing it restores the formula', () => {
    const e = sheet({ A1: 'ones(2, 2)', A2: 'sum(A1 * A1)', A3: 'grad(A2)', A4: 'grad(A2, A1)', A5: 'numgrad(A2, A1)' }, { A1: 'w' });
    e.setParameter('A1', Matrix.fromRows([[1, 2], [3, 4]]));
    expect(e.get('A1')!.isParameter).toBe(true);
    expect(valueOf(e, 'A2')).toBe(30);
    expect(toPlain(valueOf(e, 'A4'))).toEqual([[2, 4], [6, 8]]);
    expect(relativeError(valueOf(e, 'A5'), valueOf(e, 'A4'))).toBeLessThan(1e-9);
    expect(e.toDoc().cells.find((c) => c.at === 'A1')!.value).toEqual([[1, 2], [3, 4]]);
    e.setParameter('A1', null);
    expect(valueOf(e, 'A2')).toBe(4);
  });

  it('get(at, { loss }) answers for the loss asked about (the first grad cell\'s by default)', () => {
    const e = sheet({ A1: '3', A2: 'A1 * A1', A3: 'grad(A2)', B1: '2', B2: 'B1 * B1 * B1 + A1', B3: 'grad(B2)' });
    expect(e.gradCells()).toEqual(['A3', 'B3']);
    expect(e.losses()).toEqual([{ gradCell: 'A3', loss: 'A2' }, { gradCell: 'B3', loss: 'B2' }]);
    expect(e.defaultLoss()).toEqual({ gradCell: 'A3', loss: 'A2' });
    expect([grid(e, 'A1'), grid(e, 'B1')]).toEqual([6, null]);
    const forB2 = (at: string) => e.get(at, { loss: 'B2' })!.grad;
    expect([forB2('A1'), forB2('B1')]).toEqual([1, 12]);
    expect(e.get('A1', { loss: null })!.grad).toBeNull();
    e.setCell('B3', '');
    expect(e.defaultLoss()).toEqual({ gradCell: 'A3', loss: 'A2' });
    expect(e.losses()).toEqual([{ gradCell: 'A3', loss: 'A2' }]);
  });

  it('switching the loss read runs no forward evaluation and no reverse pass; an edit reruns only the pass of the loss it reaches', () => {
    const e = sheet({ A1: '3', A2: 'A1 * A1', A3: 'grad(A2)', B1: '2', B2: 'B1 * B1 * B1 + A1', B3: 'grad(B2)' });
    const evals = e.evaluations;
    const passes = e.backwardPasses; // each grad(L) cell ran its loss's pass while computing
    expect(grid(e, 'A1')).toBe(6);
    expect(e.get('A1', { loss: 'B2' })!.grad).toBe(1);
    expect(e.get('A1', { loss: 'A2' })!.grad).toBe(6);
    expect(e.cells({ loss: 'B2' }).find((c) => c.at === 'B1')!.grad).toBe(12);
    expect(e.explain('B1', { loss: 'B2' }).grad).toBe(12);
    expect([e.backwardPasses, e.evaluations]).toEqual([passes, evals]);
    e.setCell('B1', '1');
    expect(e.backwardPasses).toBe(passes + 1); // B2's (for B3); A2 was not recomputed
    expect(e.get('B1', { loss: 'B2' })!.grad).toBe(3);
    expect(e.get('A1', { loss: 'A2' })!.grad).toBe(6);
    expect(e.backwardPasses).toBe(passes + 1);
  });

  it('get(at, { loss }) for a cell no grad(L) reads runs its reverse pass on the first read only, and again after an edit reaches it', () => {
    const e = sheet({ A1: '3', A2: 'A1 * A1', B1: '5' });
    expect(e.defaultLoss()).toBeNull();
    expect(e.get('A1')!.grad).toBeNull();
    const passes = e.backwardPasses;
    expect(e.get('A1', { loss: 'A2' })!.grad).toBe(6);
    expect(e.get('A2', { loss: 'A2' })!.grad).toBe(1);
    expect(e.backwardPasses).toBe(passes + 1);
    e.setCell('B1', '6'); // not upstream of A2
    expect(e.get('A1', { loss: 'A2' })!.grad).toBe(6);
    expect(e.backwardPasses).toBe(passes + 1);
    e.setCell('A1', '4');
    expect(e.get('A1', { loss: 'A2' })!.grad).toBe(8);
    expect(e.backwardPasses).toBe(passes + 2);
    expect(e.get('A1', { loss: 'nothing' })!.grad).toBeNull();
  });

  it('grad(E, W) inside another formula (an update step) is a constant for other gradients, and numgrad agrees', () => {
    const e = sheet({ A1: '1', A2: 'A1 * A1', A3: 'A1 - 0.1 * grad(A2, A1)', A4: 'A3 * A3', B1: 'grad(A4, A1)', B2: 'numgrad(A4, A1)' });
    expect(valueOf(e, 'A3')).toBeCloseTo(0.8, 15);
    expect(valueOf(e, 'B1')).toBeCloseTo(1.6, 15);
    expect(valueOf(e, 'B2')).toBeCloseTo(1.6, 8);
  });
});

describe('numgrad and check', () => {
  function mlp(seed: number) {
    const rand = makeRandom(seed);
    const X = uniform(rand, 6, 3);
    const W1 = uniform(rand, 3, 5);
    const b1 = uniform(rand, 1, 5, -0.1, 0.1);
    // Keep every ReLU pre-activation away from its kink, so finite differences see a smooth function.
    const pre = new Matrix(6, 5, new Float64Array(30));
    for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) {
      let t = b1.data[j];
      for (let k = 0; k < 3; k++) t += X.data[i * 3 + k] * W1.data[k * 5 + j];
      pre.data[i * 5 + j] = t;
    }
    return {
      margin: Math.min(...Array.from(pre.data, Math.abs)),
      cells: {
        A1: literal(X), A2: '[[0], [2], [1], [1], [0], [2]]',
        A3: literal(W1), A4: literal(b1), A5: literal(uniform(rand, 5, 3)), A6: literal(uniform(rand, 1, 3, -0.1, 0.1)),
        B1: 'relu(X @ w1 + b1)', B2: 'h @ w2 + b2', B3: 'cross_entropy(scores, y) + 0.001 * (sum(w1 * w1) + sum(w2 * w2))',
        C1: 'grad(loss)',
      },
      // (Upper-case W1 would be the address of column W, row 1: weights are w1, w2.)
      names: { A1: 'X', A2: 'y', A3: 'w1', A4: 'b1', A5: 'w2', A6: 'b2', B1: 'h', B2: 'scores', B3: 'loss' },
    };
  }

  it('numgrad matches grad for a small ReLU MLP with softmax cross-entropy, for every parameter', () => {
    const { cells, names, margin } = mlp(2024);
    expect(margin).toBeGreaterThan(1e-3);
    const params = ['w1', 'b1', 'w2', 'b2', 'X'];
    const extra: Record<string, string> = {};
    params.forEach((p, i) => {
      extra[`D${i + 1}`] = `grad(loss, ${p})`;
      extra[`E${i + 1}`] = `numgrad(loss, ${p})`;
      extra[`F${i + 1}`] = `check(grad(loss, ${p}), numgrad(loss, ${p}))`;
    });
    const e = sheet({ ...cells, ...extra }, names);
    params.forEach((p, i) => {
      const g = valueOf(e, `D${i + 1}`), n = valueOf(e, `E${i + 1}`);
      expect(relativeError(g, n), p).toBeLessThan(1e-7);
      expect(valueOf(e, `F${i + 1}`), p).toBe(1);
      expect(toPlain(grid(e, e.addressOf(p)!)!)).toEqual(toPlain(g));
    });
    // The whole-sheet gradient check agrees.
    const [gc] = e.gradientCheck();
    expect(gc.error).toBeNull();
    expect(gc.pass).toBe(true);
    expect(gc.rows.map((r) => r.at).sort()).toEqual(['A1', 'A3', 'A4', 'A5', 'A6', 'B1', 'B2']); // every upstream cell but the labels
  });

  it('the whole-sheet gradient check passes a correct sheet whose true gradient is exactly 0 (a scalar bias before softmax)', () => {
    // Softmax is shift-invariant: ∂L/∂b = Σ(p − y)/n = 0, computed as rounding noise (−2.8e−17) against numgrad's 0.
    const e = createEngine();
    e.load({
      gradsheet: 1,
      cells: [
        { at: 'A1', name: 'X', formula: '[[0.5, -1.2], [0.3, 0.8], [-0.7, 0.1]]' },
        { at: 'A2', name: 'W', formula: '[[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]]' },
        { at: 'A3', name: 'b', formula: '0.1' },
        { at: 'A4', name: 'y', formula: '[[0], [2], [1]]' },
        { at: 'B1', name: 'scores', formula: 'X @ W + b' },
        { at: 'B2', name: 'L', formula: 'cross_entropy(scores, y)' },
        { at: 'C1', formula: 'grad(L)' },
      ],
    });
    expect(Math.abs(grid(e, 'A3') as number)).toBeLessThan(1e-15);
    const [gc] = e.gradientCheck();
    expect(gc.rows.find((r) => r.at === 'A3')).toBeDefined();
    expect(gc.pass).toBe(true);
  });

  it('check(a, b) is 1 within relative error 1e-6 and 0 beyond, and reports the relative error', () => {
    const e = sheet({ A1: 'check(1, 1 + 1e-7)', A2: 'check(1, 1.1)', A3: 'check([[1, 2]], [[1, 2]])', A4: 'check(0, 0)', A5: 'check(1, 1/0)' });
    expect(valueOf(e, 'A1')).toBe(1);
    expect(valueOf(e, 'A2')).toBe(0);
    expect(valueOf(e, 'A3')).toBe(1);
    expect(valueOf(e, 'A4')).toBe(1);
    expect(valueOf(e, 'A5')).toBe(0);
    expect(e.get('A1')!.check!.relErr).toBeCloseTo(1e-7 / (1 + 1e-7), 15);
    expect(e.get('A2')!.check).toMatchObject({ pass: false, tol: 1e-6 });
    expect(e.get('A2')!.check!.relErr).toBeCloseTo(0.1 / 1.1, 12);
    expect(e.get('A1')!.isCheck).toBe(true);
  });

  it('check(a, b, tol) uses the given tolerance; a negative tolerance or mismatched shapes are errors', () => {
    const e = sheet({ A1: 'check(1, 1.1, 0.2)', A2: 'check(1, 1.1, 0.05)', A3: 'check(1, 1, -1)', A4: 'check([[1, 2]], [[1, 2, 3]])', A5: 'A1 + A2' });
    expect(valueOf(e, 'A1')).toBe(1);
    expect(e.get('A1')!.check).toMatchObject({ pass: true, tol: 0.2 });
    expect(valueOf(e, 'A2')).toBe(0);
    expect(errorOf(e, 'A3')?.kind).toBe('ARG');
    expect(errorOf(e, 'A4')?.message).toMatch(/1×2.*1×3/);
    expect(valueOf(e, 'A5')).toBe(1); // checks can be counted
  });
});

describe('non-finite values', () => {
  it('NaN and ±Inf are values, not errors', () => {
    const e = sheet({ A1: '1/0', A2: '0/0', A3: 'log(0)', A4: 'A1 - A1' });
    expect(valueOf(e, 'A1')).toBe(Infinity);
    expect(valueOf(e, 'A2')).toBeNaN();
    expect(valueOf(e, 'A3')).toBe(-Infinity);
    expect(valueOf(e, 'A4')).toBeNaN();
  });

  it('a matrix product propagates NaN from 0 · ∞ as NumPy does, forward and in both gradient products', () => {
    const e = sheet({ A1: '[[0, 1]] @ [[1/0], [1]]', A2: '[[0, 1], [1, 1]] @ [[1/0, 1], [1, 1]]' });
    expect(valueOf(e, 'A1')).toBeNaN();
    expect(toPlain(valueOf(e, 'A2'))).toEqual([[NaN, 1], [Infinity, 2]]);
    const a = Matrix.fromRows([[0, 1], [1, 1]]), inf = Matrix.fromRows([[Infinity, 1], [1, 1]]);
    expect(matmulTA(a, inf).toRows()).toEqual([[NaN, 1], [Infinity, 2]]); // aᵀ = a: 0·∞ in entry (0, 0)
    expect(matmulTB(a, inf).toRows()).toEqual([[NaN, 1], [Infinity, 2]]);
  });
});

describe('issue 7: gradient checks to trust at every size', () => {
  it('numgrad is right for a cell past the 1,024th: no NaN from a scratch array that never grew', () => {
    const cells: Record<string, string> = { A1: '0.5' };
    for (let r = 2; r <= 1030; r++) cells[`A${r}`] = `A${r - 1} * 0.999 + 0.001`;
    cells.B1 = 'A1030 * A1030';
    cells.B2 = 'numgrad(B1, A1030)';
    cells.B3 = 'numgrad(B1, A1)';
    const e = sheet(cells);
    const x = valueOf(e, 'A1030') as number;
    expect(valueOf(e, 'B2')).toBeCloseTo(2 * x, 6);
    expect(valueOf(e, 'B3')).toBeCloseTo(2 * x * 0.999 ** 1029, 6);
  });

  it('the whole-sheet check and check() use one rule: no ✓ beside a relative error of 1, and both agree on tiny gradients', () => {
    // ∂L/∂b is 0 in exact arithmetic, computed as rounding noise; numgrad gives noise too.
    const e = createEngine();
    e.load({
      gradsheet: 1,
      cells: [
        { at: 'A1', name: 'X', formula: '[[0.5, -1.2], [0.3, 0.8], [-0.7, 0.1]]' },
        { at: 'A2', name: 'W', formula: '[[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]]' },
        { at: 'A3', name: 'b', formula: '0.1' },
        { at: 'A4', name: 'y', formula: '[[0], [2], [1]]' },
        { at: 'B1', name: 'scores', formula: 'X @ W + b' },
        { at: 'B2', name: 'L', formula: 'cross_entropy(scores, y)' },
        { at: 'C1', formula: 'grad(L)' },
        { at: 'C2', formula: 'check(grad(L, b), numgrad(L, b), 1e-5)' },
      ],
    });
    const [gc] = e.gradientCheck();
    for (const r of gc.rows) expect(r.ok, r.at).toBe(r.relErr <= gc.tol);
    const row = gc.rows.find((r) => r.at === 'A3')!;
    expect(row.relErr).toBeLessThan(1e-5);
    expect(e.get('C2')!.check!.pass).toBe(row.ok);
    expect(valueOf(e, 'C2')).toBe(1);
  });

  it('compareValues: the verdict is relErr ≤ tol, measured against max(|a|, |b|, floor); non-finite fails', async () => {
    const { compareValues } = await import('../../src/engine/ops/verify');
    expect(compareValues(-2.8e-17, 0, 1e-6)).toMatchObject({ pass: true });
    expect(compareValues(1, 1.1, 1e-6)).toMatchObject({ pass: false });
    expect(compareValues(1, 1 + 1e-7, 1e-6).relErr).toBeCloseTo(1e-7 / (1 + 1e-7), 15);
    expect(compareValues(1e-4, 2e-4, 1e-6, 0).relErr).toBeCloseTo(0.5, 12);
    expect(compareValues(1, NaN, 1)).toMatchObject({ pass: false });
    for (const [a, b, t] of [[1, 2, 0.3], [1e-9, 0, 1e-6], [5, 5, 0]] as const) {
      const c = compareValues(a, b, t);
      expect(c.pass).toBe(c.relErr <= t);
    }
  });

  it('numgrad(sum(W*W), W) at 200×200 refuses with #SIZE before doing the work, pointing to grad(L, X)', () => {
    const e = sheet({ A1: 'randn(200, 200, 1)', A2: 'sum(A1 * A1)', A3: 'numgrad(A2, A1)' });
    const err = errorOf(e, 'A3');
    expect(err?.kind).toBe('SIZE');
    expect(err?.message).toMatch(/grad\(A2, A1\)/);
    // The bound counts the 200×200 product inside the formula, not only its 1×1 result.
    expect(err?.message).toMatch(/computing [0-9]{5,} values/);
  });

  it('numgrad still differences a small matrix through a formula (under the bound)', () => {
    const e = sheet({ A1: '[[1, 2], [3, 4]]', A2: 'sum(A1 * A1)', A3: 'numgrad(A2, A1)' });
    const n = toPlain(valueOf(e, 'A3')) as number[][];
    expect(n[0][0]).toBeCloseTo(2, 6);
    expect(n[1][1]).toBeCloseTo(8, 6);
  });

  it('the whole-sheet check of a 500×500 parameter samples a fixed number of entries, seeded, and finishes', () => {
    const e = sheet({ A1: 'randn(500, 500, 3)', A2: 'tanh(A1)', A3: 'sum(A2 * A2)', A4: 'grad(A3)' });
    const [gc] = e.gradientCheck();
    expect(gc.error).toBeNull();
    expect(gc.pass).toBe(true);
    const a1 = gc.rows.find((r) => r.at === 'A1')!;
    expect(a1).toMatchObject({ entries: 16, of: 250_000, ok: true });
    expect(gc.directional).toMatchObject({ inputs: 1, entries: 250_000, ok: true });
    expect(e.gradientCheck()[0].rows).toEqual(gc.rows); // same sample every run
  });

  it('the whole-sheet check fails a wrong gradient, in the per-cell rows and in the directional derivative', () => {
    // A wrong VJP on a 2×2 input is caught by the per-cell rows and the directional derivative alike.
    const reg = createRegistry();
    reg.add(defineOp({
      name: 'wrongsq', args: 1, category: 'elementwise', signature: 'wrongsq(x)', doc: 'x², with a wrong gradient (tests)', inputs: ['x'],
      forward: ([x]) => map(x, (v) => v * v),
      vjp: [(g, [x]) => zip(g, x, (u, v) => u * v, 'wrongsq')],
    }));
    const e = createEngine({ registry: reg });
    // Entries summing to an odd number: no choice of signs makes the directional derivative 0.
    e.load({ gradsheet: 1, cells: [{ at: 'A1', formula: '[[1, 2], [3, 5]]' }, { at: 'A2', formula: 'sum(wrongsq(A1))' }, { at: 'A3', formula: 'grad(A2)' }] });
    const [gc] = e.gradientCheck();
    expect(gc.pass).toBe(false);
    expect(gc.directional?.ok).toBe(false);
    expect(gc.rows[0]).toMatchObject({ at: 'A1', ok: false });
  });
});
