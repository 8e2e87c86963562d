// The help panel's content, generated from the op registry so that it cannot drift.
import type { OpCategory, OpDef } from '../../engine/ops/define';
import type { Registry } from '../../engine/ops/registry';

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
    ops: by.get(c)!.sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

function rank(c: string): number {
  const i = ORDER.indexOf(c as OpCategory);
  return i < 0 ? ORDER.length : i;
}
