// Where the explain views read an op's gradient rule: ONE adapter over the registry's rules
// (ops/rules.ts: `inputs` names and one formula per input, `matmul: g @ b.T, a.T @ g`), plus
// the two plan-only steps (a matrix literal or range, and `=A1`).
import type { OpDef, Registry } from '../ops/define';
import { type Expr, parseFormula } from '../formula/parse';
import { ruleExpr, ruleText } from '../ops/rules';
import type { Value } from '../tensor/value';

export interface GradRule {
  /** The input's parameter name in the rule (`a`, `x`, `scores`). */
  input: string;
  /** `da = g @ b.T` (or the op's own words when no formula could be read). */
  text: string;
  /** The rule as a formula over `g` (∂L/∂output), `y` (the output) and the input names; null when only words exist. */
  expr: Expr | null;
}

/** Plan-only steps (eval/plan.ts): a matrix literal or range, and `=A1`. */
const PLAN_RULES: Readonly<Record<string, (k: number) => GradRule>> = {
  copy: () => ({ input: 'x', text: 'dx = g', expr: parseFormula('g') }),
  stack: (k) => ({ input: `x${k + 1}`, text: `dx${k + 1} = entry ${k + 1} of g`, expr: null }),
};

type RuleFields = { actsAs?: (args: readonly Value[]) => string | undefined };

const cache = new WeakMap<OpDef, (GradRule | null)[]>();

/** The gradient rule of input k of the op a plan step names; null where no gradient flows. */
export function ruleOf(registry: Registry, opName: string, k: number, args?: readonly Value[]): GradRule | null {
  const plan = PLAN_RULES[opName];
  if (plan) return plan(k);
  let op = registry.get(opName);
  if (!op) return null;
  const other = args ? (op as RuleFields).actsAs?.(args) : undefined;
  if (other !== undefined) op = registry.get(other) ?? op;
  let list = cache.get(op);
  if (!list) cache.set(op, (list = []));
  if (list[k] === undefined) list[k] = readRule(op, k);
  return list[k];
}

/** The name input k goes by in the op's rule (`a`, `b`; `x`; `x3` for the entries of a matrix literal). */
export function inputName(registry: Registry, opName: string, k: number): string {
  if (PLAN_RULES[opName]) return PLAN_RULES[opName](k).input;
  const op = registry.get(opName);
  return op?.inputs[k] ?? `x${k + 1}`;
}

function readRule(op: OpDef, k: number): GradRule | null {
  const text = ruleText(op, k);
  if (text === null) return null;
  return { input: op.inputs[k] ?? `x${k + 1}`, text, expr: ruleExpr(op, k) };
}
