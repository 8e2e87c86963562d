// The help panel's content, generated from the op registry so that it cannot drift: the
// gradient text is the op's own rule (or, for a composite, what it stands for).
import type { OpCategory, OpDef } from '../../engine/ops/define';
import { exprText } from '../../engine/ops/print';
import type { Registry } from '../../engine/ops/registry';
import { ruleLines } from '../../engine/ops/rules';

const CATEGORY_TITLES: Record<OpCategory, string> = {
  operator: 'Operators',
  elementwise: 'Elementwise functions',
  binary: 'Two-argument elementwise',
  reduction: 'Reductions',
  rowwise: 'Row-wise',
  loss: 'Losses',
  shape: 'Shape',
  construction: 'Construction',
  data: 'Data sets',
  gradient: 'Gradients',
  training: 'Training',
  verification: 'Verification',
};

const ORDER = Object.keys(CATEGORY_TITLES) as OpCategory[];

export interface HelpGroup {
  category: string;
  title: string;
  ops: OpDef[];
}

export function helpGroups(registry: Registry): HelpGroup[] {
  const by = new Map<string, OpDef[]>();
  for (const op of registry.all()) {
    const list = by.get(op.category) ?? [];
    list.push(op);
    by.set(op.category, list);
  }
  const cats = [...by.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return cats.map((c) => ({
    category: c,
    title: CATEGORY_TITLES[c as OpCategory] ?? c[0].toUpperCase() + c.slice(1),
    // Operators in the order the registry defines them (+ − * / ^, @, .T, comparisons); the rest by name.
    ops: c === 'operator' ? by.get(c)! : by.get(c)!.sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

function rank(c: string): number {
  const i = ORDER.indexOf(c as OpCategory);
  return i < 0 ? ORDER.length : i;
}

/** Why an op without a rule passes no gradient, by kind. */
const NO_GRADIENT: Partial<Record<OpCategory, string>> = {
  construction: 'no gradient (a constant)',
  data: 'no gradient (a constant)',
  verification: 'no gradient (a verdict)',
};

/**
 * The gradient of `op` in a few short lines: its rule per input (`da = g @ b.T`), for a
 * composite what it is made of (its gradient is theirs), else why none flows.
 */
export function gradientText(op: OpDef, registry: Registry): string[] {
  if (op.rule) return ruleLines(op);
  if (op.expand) {
    const out: string[] = [];
    for (let n = Math.max(op.minArgs, 1); n <= op.maxArgs; n++) {
      const args = op.inputs.slice(0, n).map((name) => ({ k: 'ref' as const, name, pos: 0 }));
      out.push(`${op.name}(${op.inputs.slice(0, n).join(', ')}) = ${exprText(op.expand(args), registry)}`);
    }
    out.push('its gradient is that of the ops it is made of');
    return out;
  }
  if (op.engineOp) return ['no gradient: other gradients treat it as a constant'];
  return [NO_GRADIENT[op.category] ?? 'no gradient'];
}
