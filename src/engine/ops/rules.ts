// Gradient rules as data: each op's `rule` strings parsed once into Exprs, printed as
// `d<input> = <rule>` for the docs, and evaluated with the sheet's own compiler and forward
// runner (a rule is a tiny formula whose names are g, y and the op's inputs), so there is
// no second interpreter. NumPy export, typeset derivatives and a plan whose backward runs
// rules read `ruleExpr`.
import { OpError } from '../errors';
import { compile, type Compiled, type Resolver } from '../eval/program';
import { runForward, type ForwardEnv } from '../eval/forward';
import { parseFormula, type Expr } from '../formula/parse';
import { type Value, normalize } from '../tensor/value';
import type { OpDef, Registry } from './define';

/** Fixed names inside a rule: ∂L/∂output and the output. */
export const RULE_G = 'g';
export const RULE_Y = 'y';

const parsed = new WeakMap<OpDef, (Expr | null)[]>();

/** The parsed rule for input k of `op`, or null where no gradient flows (or the op has no rule). */
export function ruleExpr(op: OpDef, k: number): Expr | null {
  let list = parsed.get(op);
  if (!list) {
    list = (op.rule ?? []).map((r) => (r === null ? null : parseFormula(r)));
    parsed.set(op, list);
  }
  return list[k] ?? null;
}

/** `d<input> = <rule>` for input k, as written beside the op; null where no gradient flows. */
export function ruleText(op: OpDef, k: number): string | null {
  const r = op.rule?.[k];
  return r == null ? null : `d${op.inputs[k]} = ${r}`;
}

/** Every input's rule line of `op`, in argument order (inputs without a gradient left out). */
export function ruleLines(op: OpDef): string[] {
  const out: string[] = [];
  for (let k = 0; k < op.inputs.length; k++) {
    const t = ruleText(op, k);
    if (t !== null) out.push(t);
  }
  return out;
}

/** A rule's names → link ids: g is 0, y is 1, input i is 2 + i. */
function ruleResolver(op: OpDef): Resolver {
  const ids = new Map<string, number>([[RULE_G, 0], [RULE_Y, 1]]);
  op.inputs.forEach((n, i) => ids.set(n, 2 + i));
  return {
    address: (at) => {
      throw new OpError('NAME', `gradient rule of ${op.name}: ${at} is an address; a rule names only g, y and ${op.inputs.join(', ')}`);
    },
    name: (n) => ids.get(n) ?? -1,
    range: () => {
      throw new OpError('NAME', `gradient rule of ${op.name}: a rule cannot read a range of cells`);
    },
  };
}

const compiled = new WeakMap<Registry, WeakMap<OpDef, (Compiled | null)[]>>();

/** The rule for input k compiled against `registry` (cached per registry, op and input). */
export function compiledRule(registry: Registry, op: OpDef, k: number): Compiled | null {
  let byOp = compiled.get(registry);
  if (!byOp) compiled.set(registry, (byOp = new WeakMap()));
  let list = byOp.get(op);
  if (!list) byOp.set(op, (list = []));
  if (list[k] === undefined) {
    const e = ruleExpr(op, k);
    list[k] = e === null ? null : compile(e, registry, ruleResolver(op), new Set());
  }
  return list[k];
}

/** The op whose rule applies to these arguments (`@` with a scalar operand is `*`). */
export function ruleOp(registry: Registry, op: OpDef, args: readonly Value[]): OpDef {
  const other = op.actsAs?.(args);
  if (other === undefined) return op;
  const o = registry.get(other);
  if (!o) throw new OpError('NAME', `${op.name} acts as ${other}, which is not in the registry`);
  return o;
}

/**
 * ∂L/∂(input k) by the rule of `op`: `g` is ∂L/∂output, `args` the op's arguments (absent
 * optional ones may be left out), `out` its output. Throws OpError where the rule does
 * (shapes), and when input k has no rule.
 */
export function evalRule(registry: Registry, op: OpDef, k: number, g: Value, args: readonly Value[], out: Value): Value {
  const vals = args.map(normalize);
  const target = ruleOp(registry, op, vals);
  const c = compiledRule(registry, target, k);
  if (!c) throw new OpError('GRAD', `${target.name}: no gradient rule for ${target.inputs[k] ?? `argument ${k + 1}`}`);
  const env: ForwardEnv = {
    read: (id) => {
      const v = id === 0 ? g : id === 1 ? out : vals[id - 2];
      if (v === undefined) throw new OpError('ARG', `gradient rule of ${target.name} reads ${target.inputs[id - 2]}, which was not given`);
      return normalize(v);
    },
    gradient: () => {
      throw new OpError('GRAD', `gradient rule of ${target.name}: grad() inside a rule`);
    },
    label: (id) => (id === 0 ? RULE_G : id === 1 ? RULE_Y : target.inputs[id - 2]),
  };
  return runForward(c.program, c.links, [], env, {});
}
