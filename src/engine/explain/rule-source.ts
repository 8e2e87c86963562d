// Where the explain views read an op's gradient rule: ONE adapter. The registry's rules are
// becoming data (ops/rules.ts: `inputs` names and one formula per input, `matmul: g @ b.T,
// a.T @ g`); until that lands this reads `op.rule` when an op has one and otherwise falls back
// to the op's `gradDoc` words. When ops/rules.ts is merged, the body of `ruleOf` becomes
//   return { input: op.inputs[k], text: ruleText(op, k), expr: ruleExpr(op, k) }
// (after `ruleOp` for `actsAs`), and nothing else in explain/ changes.
import type { OpDef, Registry } from '../ops/define';
import { type Expr, parseFormula } from '../formula/parse';
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

type RuleFields = { rule?: readonly (string | null)[]; inputs?: readonly string[]; gradDoc?: string; actsAs?: (args: readonly Value[]) => string | undefined };

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
  return (op && ((op as RuleFields).inputs?.[k] ?? inputNames(op)[k])) ?? `x${k + 1}`;
}

function readRule(op: OpDef, k: number): GradRule | null {
  const o = op as OpDef & RuleFields;
  if (o.rule) {
    const r = o.rule[k];
    const input = o.inputs?.[k] ?? `x${k + 1}`;
    return r == null ? null : { input, text: `d${input} = ${r}`, expr: tryParse(r) };
  }
  if (!op.vjp?.[k]) return null;
  return fromGradDoc(o.gradDoc ?? '', inputNames(op)[k] ?? `x${k + 1}`);
}

/** Parameter names from the signature (`a * b`, `A @ B`, `sigmoid(x)`, `sum(x, axis)`). */
function inputNames(op: OpDef): string[] {
  const inner = /\(([^)]*)\)/.exec(op.signature);
  if (inner) return inner[1].split(',').map((s) => s.trim().replace(/[^\w].*$/, ''));
  return op.signature.match(/[A-Za-z_]\w*/g) ?? [];
}

/** `da = g · b, db = g · a` → the part for `input`, and a formula when the words read as one. */
function fromGradDoc(doc: string, input: string): GradRule {
  const parts = doc.split(/,\s*(?=d\w+\s*=)|;\s*/);
  const mine = parts.find((p) => new RegExp(`^d${input}\\s*=`).test(p.trim()))?.trim();
  if (!mine) return { input, text: doc, expr: null };
  const formula = (t: string) => t.replace(/·/g, '*').replace(/[−–]/g, '-').replace(/(\w)ᵀ/g, '$1.T').replace(/²/g, '^2');
  const body = mine.replace(/^d\w+\s*=\s*/, '');
  // `g · sign(x) (abs'(0) = 0)`: words in a trailing bracket are a remark, not the rule.
  const remark = /\s+\(([^()]|\([^()]*\))*\)\s*$/.exec(body);
  const rule = remark && /=|[a-z]{3,}\s/.test(remark[0]) ? body.slice(0, remark.index) : body;
  const expr = tryParse(formula(rule));
  return { input, text: mine, expr };
}

function tryParse(text: string): Expr | null {
  try {
    return parseFormula(text);
  } catch {
    return null;
  }
}
