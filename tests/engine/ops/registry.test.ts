// The registry is the only list of ops: every operator the parser knows names an op in it,
// with the same spelling recorded on the op, and each registry is a fresh instance.
import { describe, expect, it } from 'vitest';
import { BINARY_OPS } from '../../../src/engine/formula/parse';
import { createRegistry } from '../../../src/engine/ops/registry';
import { defineOp } from '../../../src/engine/ops/define';

describe('createRegistry()', () => {
  it('has an op for every operator of the formula language, whose symbol is that operator', () => {
    const reg = createRegistry();
    for (const [symbol, name] of Object.entries(BINARY_OPS)) {
      const op = reg.get(name);
      expect(op, `${symbol} → ${name}`).toBeDefined();
      // ** is the second spelling of ^ (pow); every other operator is its op's symbol.
      expect(symbol === '**' ? '^' : symbol).toBe(op!.symbol);
    }
    expect(reg.get('neg')!.symbol).toBe('-x');
    expect(reg.get('transpose')!.symbol).toBe('.T');
  });

  it('gives each engine its own registry: an op added to one is not in another', () => {
    const a = createRegistry();
    a.add(defineOp({ name: 'twice', args: 1, category: 'elementwise', signature: 'twice(x)', doc: '2x', inputs: ['x'], forward: ([x]) => x }));
    expect(a.has('twice')).toBe(true);
    expect(createRegistry().has('twice')).toBe(false);
  });

  it('names every argument of every op in its signature by the input name its rule and docs use', () => {
    const problems: string[] = [];
    for (const op of createRegistry().all()) {
      if (op.inputs.length !== op.maxArgs) problems.push(`${op.name}: ${op.inputs.length} input names for ${op.maxArgs} arguments`);
      for (const n of op.inputs) if (!new RegExp(`\\b${n}\\b`).test(op.signature)) problems.push(`${op.name}: ${n} not in ${op.signature}`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses an op defined twice', () => {
    const a = createRegistry();
    expect(() => a.add(a.get('exp')!)).toThrow(/defined twice/);
  });
});

describe('work bounds', () => {
  it('a matrix product too large to finish in seconds is a #SIZE error on its cell, not a hang', async () => {
    const { createEngine } = await import('../../../src/engine/engine');
    const e = createEngine();
    e.setCell('A1', 'ones(4000, 4000)');
    e.setCell('A2', 'A1 @ A1');
    e.setCell('A3', 'sum(A1)'); // the matrix itself is fine: a reduction over it works
    expect(e.get('A2')!.error).toMatchObject({ kind: 'SIZE' });
    expect(e.get('A2')!.error!.message).toMatch(/4000×4000 and 4000×4000 needs 6\.40e\+10 multiply-adds/);
    expect(e.get('A3')!.value).toBe(16_000_000);
  });
});

describe('propagated errors', () => {
  it('grad(L, X) and numgrad(L, X) with X in error name where the error started, once', async () => {
    const { createEngine } = await import('../../../src/engine/engine');
    const e = createEngine();
    e.setCell('A1', '[[1, 2]] + [[1, 2, 3]]'); // #SHAPE starts here
    e.setCell('A2', 'A1 * 2'); // carries it
    e.setCell('B1', '3');
    e.setCell('B2', 'B1 * B1');
    e.setCell('C1', 'grad(B2, A2)');
    e.setCell('C2', 'numgrad(B2, A2)');
    for (const at of ['A2', 'C1', 'C2']) {
      const err = e.get(at)!.error!;
      expect(err.kind).toBe('SHAPE');
      expect(err.message.startsWith('A1: ')).toBe(true);
      expect(err.message).not.toMatch(/A2: A1:/);
    }
  });
});
