// The gradient rule of an op's input, as a parsed formula over ops (`g` is ∂L/∂output, `y` the
// output, inputs by name). The registry's own rules (OpDef.inputs / OpDef.rule, parsed by
// ops/rules.ts) are the source; until they are in this branch, FALLBACK holds the same rule
// strings for the ops of main, so that the exporter prints from rules either way.
// TODO(merge rules): delete FALLBACK and read ruleExpr / ruleOp from ../ops/rules.
import { type Expr, parseFormula } from '../formula/parse';
import type { OpDef } from '../ops/define';

interface RuleSpec {
  inputs: readonly string[];
  rule: readonly (string | null)[];
}

const un = (r: string): RuleSpec => ({ inputs: ['x'], rule: [r] });
const FALLBACK: Readonly<Record<string, RuleSpec>> = {
  add: { inputs: ['a', 'b'], rule: ['sum_to(g, a)', 'sum_to(g, b)'] },
  sub: { inputs: ['a', 'b'], rule: ['sum_to(g, a)', 'sum_to(-g, b)'] },
  mul: { inputs: ['a', 'b'], rule: ['sum_to(g * b, a)', 'sum_to(g * a, b)'] },
  div: { inputs: ['a', 'b'], rule: ['sum_to(g / b, a)', 'sum_to(-g * y / b, b)'] },
  pow: { inputs: ['a', 'b'], rule: ['sum_to(g * where(b == 0, 0, b * a^(b - 1)), a)', 'sum_to(g * where(a <= 0, 0, y * log(a)), b)'] },
  neg: un('-g'),
  matmul: { inputs: ['a', 'b'], rule: ['g @ b.T', 'a.T @ g'] },
  transpose: un('g.T'),
  exp: un('g * y'),
  log: un('g / x'),
  sqrt: un('g / (2 * y)'),
  abs: un('g * sign(x)'),
  tanh: un('g * (1 - y^2)'),
  sigmoid: un('g * y * (1 - y)'),
  relu: un('g * heaviside(x, 0)'),
  max: { inputs: ['a', 'b'], rule: ['sum_to(g * heaviside(a - b, 1), a)', 'sum_to(g * (1 - heaviside(a - b, 1)), b)'] },
  min: { inputs: ['a', 'b'], rule: ['sum_to(g * heaviside(b - a, 1), a)', 'sum_to(g * (1 - heaviside(b - a, 1)), b)'] },
  sum: { inputs: ['x', 'axis'], rule: ['broadcast_to(g, x)', null] },
  mean: { inputs: ['x', 'axis'], rule: ['broadcast_to(g, x) * size(y) / size(x)', null] },
  softmax: un('y * (g - sum(g * y, 1))'),
  logsumexp: un('g * softmax(x)'),
  cross_entropy: { inputs: ['scores', 'labels'], rule: ['g * (softmax(scores) * sum(targets(scores, labels), 1) - targets(scores, labels)) / size(scores, 0)', null] },
  reshape: { inputs: ['x', 'r', 'c'], rule: ['reshape(g, size(x, 0), size(x, 1))', null, null] },
  rows: { inputs: ['x', 'from', 'to'], rule: ['put_rows(g, from, x)', null, null] },
};

type WithRules = OpDef & { inputs?: readonly string[]; rule?: readonly (string | null)[]; actsAs?: (args: readonly unknown[]) => string | undefined };

const parsed = new Map<string, (Expr | null)[]>();

/** The op's input names (what its rules call its arguments). */
export function ruleInputs(op: OpDef): readonly string[] {
  return (op as WithRules).inputs ?? FALLBACK[op.name]?.inputs ?? [];
}

/** The parsed rule for input k of `op`; null where no gradient flows; undefined when the op has no rule at all. */
export function ruleFor(op: OpDef, k: number): Expr | null | undefined {
  const own = (op as WithRules).rule;
  const spec = own ? { rule: own } : FALLBACK[op.name];
  if (!spec) return op.vjp ? undefined : null;
  const key = (own ? 'own:' : 'fallback:') + op.name;
  let list = parsed.get(key);
  if (!list) parsed.set(key, (list = spec.rule.map((r) => (r === null ? null : parseFormula(r)))));
  return list[k] ?? null;
}

/** The op whose rule applies for these argument shapes (`@` with a scalar operand is `*`). */
export function ruleOpName(op: OpDef, scalarArgs: readonly boolean[]): string {
  if (op.name === 'matmul' && (scalarArgs[0] || scalarArgs[1])) return 'mul';
  return op.name;
}
