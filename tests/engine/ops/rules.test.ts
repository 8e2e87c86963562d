// Gradient rules are the definition of each op's gradient; the numeric VJP closures are fast
// copies of them. One test walks the registry: every op whose gradient flows has one rule
// per input (null exactly where its VJP is), every rule compiles against the registry, and
// on the random inputs of the gradient table every numeric VJP equals its evaluated rule.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/engine/eval/program';
import { parseFormula } from '../../../src/engine/formula/parse';
import { isAddress } from '../../../src/engine/formula/address';
import { defineOp, type OpDef, type Registry } from '../../../src/engine/ops/define';
import { createRegistry } from '../../../src/engine/ops/registry';
import { compiledRule, evalRule, ruleExpr, ruleLines, ruleText } from '../../../src/engine/ops/rules';
import { map } from '../../../src/engine/tensor/kernels';
import { Matrix, type Value, normalize, shapeOf } from '../../../src/engine/tensor/value';
import { makeRandom, randomLike } from '../helpers';
import { GRADIENT_CASES, hash } from './op-cases';

const registry = createRegistry();

/** What is wrong with the rules of a registry (empty when nothing is). */
function ruleProblems(reg: Registry): string[] {
  const problems: string[] = [];
  for (const op of reg.all()) {
    if (op.inputs.length !== op.maxArgs) problems.push(`${op.name}: ${op.inputs.length} input names for ${op.maxArgs} arguments`);
    if (new Set(op.inputs).size !== op.inputs.length) problems.push(`${op.name}: input names repeat`);
    for (const n of op.inputs) {
      if (reg.has(n) || isAddress(n) || n === 'g' || n === 'y') problems.push(`${op.name}: input name ${n} is a function, an address or a fixed rule name`);
    }
    if (op.expand && op.rule) problems.push(`${op.name}: composite op with a rule (its gradient is that of its expansion)`);
    if (op.vjp && !op.rule) problems.push(`${op.name}: its gradient flows (it has VJPs) but it has no rule`);
    if (op.rule && !op.vjp) problems.push(`${op.name}: a rule but no VJP`);
    if (!op.rule || !op.vjp) continue;
    if (op.rule.length !== op.inputs.length) problems.push(`${op.name}: ${op.rule.length} rules for ${op.inputs.length} inputs`);
    op.vjp.forEach((v, k) => {
      if ((v === null) !== (op.rule![k] == null)) problems.push(`${op.name}: input ${k} has ${v ? 'a' : 'no'} VJP but ${op.rule![k] == null ? 'no' : 'a'} rule`);
    });
    op.rule.forEach((r, k) => {
      if (r === null) return;
      try {
        compile(parseFormula(r), reg, {
          address: (at) => { throw new Error(`reads the address ${at}`); },
          name: (n) => (n === 'g' || n === 'y' || op.inputs.includes(n) ? 0 : -1),
          range: () => { throw new Error('reads a range'); },
        }, new Set());
      } catch (e) {
        problems.push(`${op.name}: rule ${k} (${r}) does not compile: ${(e as Error).message}`);
      }
    });
  }
  return problems;
}

const show = (v: Value) => JSON.stringify(typeof v === 'number' ? v : v.toRows());

/** Equal to 12 digits entry by entry, NaN where the other is NaN, and of the same shape. */
function same(a: Value, b: Value): boolean {
  const [ar, ac] = shapeOf(a), [br, bc] = shapeOf(b);
  if (ar !== br || ac !== bc) return false;
  const x = typeof a === 'number' ? [a] : Array.from(a.data), y = typeof b === 'number' ? [b] : Array.from(b.data);
  return x.every((u, i) => (Number.isNaN(u) ? Number.isNaN(y[i]) : Math.abs(u - y[i]) <= 1e-12 * Math.max(1, Math.abs(u), Math.abs(y[i]))));
}

describe('gradient rules', () => {
  it('every op whose gradient flows has one rule per input, null exactly where its VJP is, and every rule compiles', () => {
    expect(ruleProblems(registry)).toEqual([]);
  });

  it('the rule check fails for an op whose gradient flows without a rule, and for a rule count that does not match its inputs', () => {
    const reg = createRegistry();
    const f = ([x]: readonly Value[]) => x;
    reg.add(defineOp({ name: 'norule', args: 1, category: 'elementwise', inputs: ['x'], signature: 'norule(x)', doc: '', forward: f, vjp: [(g) => g] }));
    reg.add(defineOp({ name: 'tworules', args: 1, category: 'elementwise', inputs: ['x'], signature: 'tworules(x)', doc: '', forward: f, vjp: [(g) => g], rule: ['g', 'g'] }));
    reg.add(defineOp({ name: 'badname', args: 1, category: 'elementwise', inputs: ['x'], signature: 'badname(x)', doc: '', forward: f, vjp: [(g) => g], rule: ['g * z'] }));
    const problems = ruleProblems(reg).join('\n');
    expect(problems).toMatch(/norule: its gradient flows .* but it has no rule/);
    expect(problems).toMatch(/tworules: 2 rules for 1 inputs/);
    expect(problems).toMatch(/badname: rule 0 \(g \* z\) does not compile: unknown name z/);
  });

  const withRules = registry.all().filter((op) => op.vjp);
  it.each(withRules.map((op) => [op.name, op] as const))('%s: every numeric VJP equals its evaluated rule on random inputs', (name, op) => {
    const spec = GRADIENT_CASES[name];
    expect(spec, `${name} has VJPs but no cases in op-cases.ts`).toBeDefined();
    const rand = makeRandom(hash(name) ^ 0x7e1e);
    const failures: string[] = [];
    for (const { label, args } of spec.cases(rand)) {
      const out = normalize(op.forward!(args, { meta: {} }));
      const g = randomLike(rand, out);
      op.vjp!.forEach((vjp, k) => {
        if (!vjp) return;
        const numeric = vjp(g, args, out);
        const byRule = evalRule(registry, op, k, g, args, out);
        if (!same(normalize(numeric), byRule)) failures.push(`${name}(${label}) ${ruleText(op, k)}: rule ${show(byRule)}, VJP ${show(numeric)}`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('rules are parsed and compiled once per registry, op and input', () => {
    const mm = registry.get('matmul')!;
    expect(ruleExpr(mm, 0)).toBe(ruleExpr(mm, 0));
    expect(compiledRule(registry, mm, 1)).toBe(compiledRule(registry, mm, 1));
    expect(ruleExpr(mm, 0)).toMatchObject({ k: 'call', fn: 'matmul' });
    expect(ruleExpr(registry.get('sum')!, 1)).toBeNull();
  });

  it('ruleText gives d<input> = <rule>, as written beside the op', () => {
    expect(ruleLines(registry.get('matmul')!)).toEqual(['da = g @ b.T', 'db = a.T @ g']);
    expect(ruleLines(registry.get('mul')!)).toEqual(['da = sum_to(g * b, a)', 'db = sum_to(g * a, b)']);
    expect(ruleText(registry.get('softmax')!, 0)).toBe('dx = y * (g - sum(g * y, 1))');
    expect(ruleText(registry.get('tanh')!, 0)).toBe('dx = g * (1 - y^2)');
    expect(ruleText(registry.get('sum')!, 0)).toBe('dx = broadcast_to(g, x)');
    expect(ruleText(registry.get('sum')!, 1)).toBeNull();
    expect(ruleText(registry.get('cross_entropy')!, 1)).toBeNull();
  });

  it('@ with a scalar operand is *: its rule is the rule of mul (sum(g · b) for the scalar)', () => {
    const mm = registry.get('matmul')!;
    const b = Matrix.fromRows([[1, 2, 3], [4, 5, 6]]);
    const g = Matrix.fromRows([[1, 0, 1], [0, 1, 0]]);
    expect(evalRule(registry, mm, 0, g, [2, b], map(b, (x) => 2 * x))).toBe(1 + 3 + 5);
    expect(evalRule(registry, mm, 1, g, [2, b], map(b, (x) => 2 * x))).toEqual(Matrix.fromRows([[2, 0, 2], [0, 2, 0]]));
  });

  it('a rule that reads an optional input the call left out is an ARG error naming it', () => {
    const op: OpDef = defineOp({ name: 'opt', args: [1, 2], category: 'elementwise', inputs: ['x', 'w'], signature: 'opt(x, w)', doc: '', forward: ([x]) => x, vjp: [(g) => g, null], rule: ['g * w', null] });
    const reg = createRegistry().add(op);
    expect(() => evalRule(reg, op, 0, 1, [2], 2)).toThrow(/reads w, which was not given/);
    expect(evalRule(reg, op, 0, 1.5, [2, 4], 2)).toBe(6);
  });

  it('the comparison used here tells values and shapes apart, and NaN matches only NaN', () => {
    expect(same(1, 1)).toBe(true);
    expect(same(1, NaN)).toBe(false);
    expect(same(1, 1 + 1e-9)).toBe(false);
    expect(same(NaN, NaN)).toBe(true);
    expect(same(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[1], [2]]))).toBe(false);
  });
});
