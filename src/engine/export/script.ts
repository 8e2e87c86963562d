// A sheet as a standalone Python script, read off the plan (eval/plan.ts): one forward
// statement per plan step, named after the cells; for NumPy, the backward pass written out
// from each op's gradient rule, one statement per local derivative, forks added with +=; for
// PyTorch, the same forward over requires_grad tensors and one backward() call. Either way the
// script prints its cells as `gradsheet eval --json` does, so the two can be compared.
import type { Engine } from '../engine';
import { compareAddresses } from '../formula/address';
import { foldExpr } from '../formula/fold';
import { type Expr } from '../formula/parse';
import type { Registry } from '../ops/define';
import { createPlanRunner, fromPlainValue, type Plan, type PlanStep, upstreamSlots } from '../eval/plan';
import { shapeOf, type Value } from '../tensor/value';
import { ARRAY_NUMPY, ARRAY_TORCH, helpersFor, MAIN, PRINTING } from './preamble';
import { exportPlan, trainedParams, trainingSection } from './training';
import { ruleExpr, ruleOp } from '../ops/rules';
import { simplifyExpr } from '../formula/simplify';
import { type Dialect, PREC, type Py, pyNumber, type Shape, spell } from './spell';

export type ExportResult = { ok: true; text: string } | { ok: false; error: string };

/** Matrices with more entries than this are stored bit for bit in base64 instead of written out. */
const INLINE_ENTRIES = 400;

const PY_RESERVED = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from global if import in is ' +
    'lambda nonlocal not or pass raise return try while with yield np torch json sys math base64 print float int len range list CELLS STEP STEPS CURVE TRAIN').split(' '),
);

export interface ExportOptions {
  /** The sheet's title, for the header comment. */
  title?: string;
  /** How many training steps the script takes by default (its own --steps N overrides it); 0 when absent. */
  steps?: number;
}

export function exportSheet(engine: Engine, dialect: Dialect, options: ExportOptions | string = {}): ExportResult {
  const opts = typeof options === 'string' ? { title: options } : options;
  try {
    return { ok: true, text: writeScript(engine, dialect, opts) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** What the writers of a script share: the plan, its values when exported, and each slot's Python name. */
export interface ScriptCtx {
  plan: Plan;
  d: Dialect;
  registry: Registry;
  values: readonly Value[];
  shapes: readonly Shape[];
  varOf: Map<number, string>;
  cellVar: Map<string, string>;
  formulaOf: Map<string, string>;
  slotPy(s: number): Py;
  gradName(s: number): string;
  isConst(s: number): boolean;
  /** A fresh Python name from `base` (never a reserved word, a helper or a name already given). */
  unique(base: string): string;
  /** PyTorch: the literal needs requires_grad (upstream of the shown loss, or trained). */
  wantsGrad(s: number): boolean;
  /** forwardLines, backwardLines and literal bound to this script (training.ts writes its loop with them). */
  forward(keep: (k: number) => boolean, retain: Set<number> | null): string[];
  backward(loss: number, up: Set<number>, only?: Set<number>): { lines: string[]; started: Set<number> };
  literal(v: Value, grad?: boolean): Py;
}

function writeScript(engine: Engine, d: Dialect, opts: ExportOptions): string {
  const { plan, skipped } = exportPlan(engine);
  const runner = createPlanRunner(plan, engine.registry);
  const values = runner.forward(undefined, engine.trainState().step);
  const shapes: Shape[] = values.map((v) => (v === undefined ? [1, 1] : (shapeOf(v) as Shape)));
  const active = engine.defaultLoss();
  const lossCell = active ? plan.cells.find((c) => c.at === active.loss) : undefined;
  const loss = lossCell?.slot ?? null;
  const up = loss === null ? new Set<number>() : upstreamSlots(plan, loss);
  const trained = trainedParams(engine, plan);

  // Which cells the script has: every cell with steps, every input a step reads or that is a
  // constant cell of the sheet; cells computed outside the plan (grad, numgrad) only when read.
  const read = new Set(plan.steps.flatMap((s) => s.args));
  for (const o of plan.optimizers) for (const s of [o.loss, ...o.hyper]) read.add(s);
  const cells = plan.cells.filter((c) => {
    const s = plan.slots[c.slot];
    return s.kind !== 'input' || s.role !== 'frozen' || read.has(c.slot);
  });
  const given = new Set(cells.filter((c) => { const s = plan.slots[c.slot]; return s.kind === 'input' && s.role === 'frozen'; }).map((c) => c.at));

  // Names: a cell's variable is its name (or address); a step inside it is cell_1, cell_2, …
  const taken = new Set<string>();
  const unique = (base: string) => {
    let n = PY_RESERVED.has(base) || base.startsWith('_') ? `${base}_` : base;
    while (taken.has(n)) n += '_';
    taken.add(n);
    return n;
  };
  const varOf = new Map<number, string>();
  const cellVar = new Map<string, string>();
  for (const c of cells) {
    const v = unique(c.name ?? c.at);
    varOf.set(c.slot, v);
    cellVar.set(c.at, v);
  }
  const names = new Map(engine.cells().map((c) => [c.at, c.name]));
  for (const o of plan.optimizers) cellVar.set(o.cell, unique(names.get(o.cell) ?? o.cell));
  const counter = new Map<string, number>();
  for (const st of plan.steps) {
    if (varOf.has(st.out)) continue;
    const base = cellVar.get(st.cell) ?? st.cell;
    const k = (counter.get(base) ?? 0) + 1;
    counter.set(base, k);
    varOf.set(st.out, unique(`${base}_${k}`));
  }
  const gradOf = new Map<number, string>();
  const gradName = (slot: number) => {
    let g = gradOf.get(slot);
    if (!g) gradOf.set(slot, (g = unique(`d${varOf.get(slot)}`)));
    return g;
  };

  const slotPy = (s: number): Py => {
    const slot = plan.slots[s];
    if (slot.kind === 'const') {
      const v = fromPlainValue(slot.value);
      return typeof v === 'number' ? pyNumber(v, d) : literal(v, d);
    }
    return { code: varOf.get(s)!, prec: PREC.atom, shape: shapes[s], fresh: false };
  };
  const formulaOf = new Map(engine.cells().map((c) => [c.at, c.formula]));
  const ctx: ScriptCtx = {
    plan, d, registry: engine.registry, values, shapes, varOf, cellVar, formulaOf, slotPy, gradName, unique,
    isConst: (s) => plan.slots[s].kind === 'const',
    wantsGrad: (s) => d === 'pytorch' && (up.has(s) || trained.has(s)),
    forward: (keep, retain) => forwardLines(ctx, keep, retain),
    backward: (l, u, only) => backwardLines(ctx, l, u, only),
    literal: (v, grad) => literal(v, d, grad),
  };

  const inputs: string[] = [];
  for (const c of cells) {
    const s = plan.slots[c.slot];
    if (s.kind !== 'input') continue;
    const why = s.role === 'frozen' ? `given: computed by the sheet (${formulaOf.get(c.at)})` : s.role === 'param' ? 'parameter' : formulaOf.get(c.at);
    inputs.push(`${varOf.get(c.slot)} = ${literal(fromPlainValue(s.value), d, ctx.wantsGrad(c.slot)).code}  # ${c.at}: ${why}`);
  }
  const training = trainingSection(ctx, engine, trained, skipped, opts.steps ?? 0);
  const forward = ctx.forward(() => true, up);

  // (never push(...lines): a 100,000-line spread overflows the stack)
  const reverse = loss !== null && d === 'numpy' ? ctx.backward(loss, up) : null;
  const backward: string[] = loss === null ? [] : reverse ? reverse.lines : [`${varOf.get(loss)}.backward()`];

  const rows = cells
    .filter((c) => !given.has(c.at))
    .map((c) => {
      const v = varOf.get(c.slot)!;
      let g = 'None';
      if (up.has(c.slot)) {
        if (d === 'pytorch') g = `${v}.grad if ${v}.grad is not None else torch.zeros_like(${v})`;
        // (a gradient the training loop also names counts only when this reverse pass assigns it)
        else g = reverse?.started.has(c.slot) ? gradName(c.slot) : `np.zeros_like(${v})`;
      }
      return { at: c.at, line: `    (${pyString(c.at)}, ${c.name ? pyString(c.name) : 'None'}, ${pyString(formulaOf.get(c.at) ?? '')}, ${v}, ${g}),` };
    });
  for (const o of plan.optimizers) {
    const name = names.get(o.cell);
    rows.push({ at: o.cell, line: `    (${pyString(o.cell)}, ${name ? pyString(name) : 'None'}, ${pyString(formulaOf.get(o.cell) ?? '')}, ${cellVar.get(o.cell)}, None),` });
  }
  rows.sort((a, b) => compareAddresses(a.at, b.at));

  const body = [
    '# ---- inputs: the cells the sheet takes as given',
    ...inputs,
    ...(training ? ['', ...training.state, '', ...training.loop] : []),
    '',
    training ? '# ---- forward pass after training: one line per operation' : '# ---- forward pass: one line per operation',
    ...forward,
    ...(training ? ['', ...training.after] : []),
    '',
    loss === null ? '# ---- no grad() cell: no backward pass' : `# ---- backward pass: ∂${varOf.get(loss)}/∂cell (the loss of ${active!.gradCell})${d === 'numpy' ? ', one line per local derivative; forks add up (+=)' : ''}`,
    ...backward,
    '',
    'CELLS = [',
    ...rows.map((r) => r.line),
    ']',
  ].join('\n');
  const helpers = helpersFor(d, body);
  const header = [
    '#!/usr/bin/env python3',
    `# ${oneLine(opts.title || 'A Gradsheet sheet')}: exported by \`gradsheet export --to ${d}\`.`,
    d === 'numpy'
      ? '# Values and gradients of the sheet in plain NumPy: the backward pass is written out from the\n# op registry\'s gradient rules, one statement per local derivative.'
      : '# The sheet as PyTorch tensors (float64, requires_grad on the inputs); autograd\'s backward() gives the gradients.',
    training
      ? '# python3 THIS.py [--steps N] trains N steps (SPEC §4) and prints every cell; with --json, the document of\n# `gradsheet eval --json` plus "train": the losses, as `gradsheet train --json` gives them.'
      : '# python3 THIS.py prints every cell; python3 THIS.py --json prints the document of `gradsheet eval --json`.',
    d === 'numpy' ? 'import base64\nimport json\nimport sys\n\nimport numpy as np\n\nnp.seterr(all="ignore")  # NaN and ±inf are values, as in the sheet' : 'import base64\nimport json\nimport math\nimport sys\n\nimport numpy as np\nimport torch',
  ].join('\n');
  return [header, helpers, d === 'numpy' ? ARRAY_NUMPY : ARRAY_TORCH, PRINTING, body, MAIN].filter(Boolean).join('\n\n\n') + '\n';
}

/**
 * The forward statements of the steps `keep` accepts, each cell's preceded by its formula as
 * a comment. PyTorch: cells in `retain` keep their gradient (retain_grad) for printing.
 */
function forwardLines(ctx: ScriptCtx, keep: (k: number) => boolean, retain: Set<number> | null): string[] {
  const { plan, d, varOf, cellVar, formulaOf } = ctx;
  const out: string[] = [];
  let lastCell = '';
  for (let k = 0; k < plan.steps.length; k++) {
    if (!keep(k)) continue;
    const st = plan.steps[k];
    if (st.cell !== lastCell) {
      lastCell = st.cell;
      out.push(`# ${st.cell}${cellVar.get(st.cell) !== st.cell ? ` ${cellVar.get(st.cell)}` : ''} = ${formulaOf.get(st.cell) ?? ''}`);
    }
    out.push(`${varOf.get(st.out)} = ${forwardExpr(st, ctx).code}${st.via ? `  # from ${st.via}` : ''}`);
    const v = varOf.get(st.out);
    if (d === 'pytorch' && retain?.has(st.out) && cellVar.get(st.cell) === v) out.push(`if ${v}.requires_grad: ${v}.retain_grad()  # keep the cell's gradient`);
  }
  return out;
}

/** One forward step as Python. */
function forwardExpr(st: PlanStep, ctx: ScriptCtx): Py {
  const { d, values, slotPy, isConst } = ctx;
  // The step count and this step's batch: computed by the script, so that a training loop moves them on.
  if (st.op === 'step') return { code: d === 'numpy' ? 'np.float64(STEP)' : 'torch.tensor(float(STEP), dtype=torch.float64)', prec: PREC.atom, shape: [1, 1], fresh: true };
  if (st.op === 'minibatch') return { code: `_minibatch(${st.args.map((a) => slotPy(a).code).join(', ')}, STEP)`, prec: PREC.atom, shape: ctx.shapes[st.out], fresh: true };
  // Everything it reads is a literal (zeros, randn, a data set): write the value the sheet computed.
  if (st.args.every(isConst) && st.op !== 'copy' && st.op !== 'stack') {
    const lit = literal(values[st.out], d, ctx.wantsGrad(st.out));
    return { ...lit, code: `${lit.code}  # ${st.op}(…) of literals, as the sheet computed it` };
  }
  const args = st.args.map(slotPy);
  // In PyTorch a copy is its own tensor, so that its gradient is its own (as the cell's is).
  if (st.op === 'copy') return d === 'pytorch' ? { ...args[0], code: `${args[0].code}.clone()` } : args[0];
  if (st.op === 'stack') {
    const rows: string[] = [];
    for (let r = 0; r < st.rows!; r++) rows.push(`[${args.slice(r * st.cols!, (r + 1) * st.cols!).map((a) => a.code).join(', ')}]`);
    if (st.rows === 1 && st.cols === 1) return args[0];
    return { code: d === 'numpy' ? `np.array([${rows.join(', ')}], dtype=float)` : `torch.stack([torch.stack([${rows.map((r) => r.slice(1, -1)).join(']), torch.stack([')}])])`, prec: PREC.atom, shape: [st.rows!, st.cols!], fresh: true };
  }
  return spell(st.op, d, args);
}

/**
 * The reverse pass from `loss` as statements: for each step, last to first, one statement per
 * input that receives a gradient (of those in `only`, when given: the training loop wants the
 * parameters' only); `started` holds the slots whose gradient variable it assigns.
 */
function backwardLines(ctx: ScriptCtx, loss: number, up: Set<number>, only?: Set<number>): { lines: string[]; started: Set<number> } {
  const { plan, registry, values, shapes, slotPy, gradName, isConst, formulaOf, cellVar } = ctx;
  type Term = { slot: number; expr: Py };
  // First which terms there are, so that a slot with several (a fork) can be started as a copy.
  const has = new Set<number>([loss]);
  const perStep: { st: PlanStep; terms: Term[] }[] = [];
  const count = new Map<number, number>();
  for (let k = plan.steps.length - 1; k >= 0; k--) {
    const st = plan.steps[k];
    if (!up.has(st.out) || !has.has(st.out)) continue;
    const terms: Term[] = [];
    const g: Py = { code: gradName(st.out), prec: PREC.atom, shape: shapes[st.out], fresh: false };
    st.args.forEach((a, j) => {
      if (isConst(a) || (only && !only.has(a))) return;
      const expr = localTerm(st, j, g, registry, values, slotPy);
      if (expr === null) return;
      terms.push({ slot: a, expr });
      has.add(a);
      count.set(a, (count.get(a) ?? 0) + 1);
    });
    if (terms.length) perStep.push({ st, terms });
  }
  const lines = [`${gradName(loss)} = np.float64(1.0)`];
  const started = new Set<number>([loss]);
  let lastCell = '';
  for (const { st, terms } of perStep) {
    if (st.cell !== lastCell) {
      lastCell = st.cell;
      lines.push(`# ${st.cell}${cellVar.get(st.cell) !== st.cell ? ` ${cellVar.get(st.cell)}` : ''} = ${formulaOf.get(st.cell) ?? ''}`);
    }
    for (const t of terms) {
      const name = gradName(t.slot);
      if (started.has(t.slot)) lines.push(`${name} += ${t.expr.code}`);
      else {
        started.add(t.slot);
        // += later would write into whatever this names (another gradient, a view): start from a copy.
        const code = (count.get(t.slot) ?? 0) > 1 && !t.expr.fresh ? `np.copy(${t.expr.code})` : t.expr.code;
        lines.push(`${name} = ${code}`);
      }
    }
  }
  return { lines, started };
}

/** The gradient that step `st` sends to its argument j, printed from the op's rule; null where none flows. */
function localTerm(st: PlanStep, j: number, g: Py, registry: Registry, values: readonly Value[], slotPy: (s: number) => Py): Py | null {
  if (st.op === 'copy') return g;
  if (st.op === 'stack') {
    if (st.rows === 1 && st.cols === 1) return g;
    return { code: `${g.code}[${Math.floor(j / st.cols!)}, ${j % st.cols!}]`, prec: PREC.atom, shape: [1, 1], fresh: false };
  }
  const target = ruleOp(registry, registry.get(st.op)!, st.args.map((a) => values[a]));
  if (!target.rule) {
    if (target.vjp) throw new Error(`export: the op ${target.name} has no gradient rule to write out (in ${st.cell})`);
    return null; // no gradient flows through it (comparisons, argmax, check)
  }
  const rule = ruleExpr(target, j);
  if (rule === null) return null;
  const names = target.inputs;
  const env = new Map<string, Py>([['g', g], ['y', slotPy(st.out)]]);
  names.forEach((n, i) => {
    if (i < st.args.length) env.set(n, slotPy(st.args[i]));
  });
  return printRule(rule, env, target.name);
}

/** A rule Expr printed bottom-up through the spelling table (iteratively: no recursion over the tree). */
function printRule(written: Expr, env: Map<string, Py>, opName: string): Py {
  // Literal operands (the exponent of h ** 2) folded into the rule first: `2 * h`, not `np.where((2 == 0) * 1.0, 0, 2 * h ** 1)`.
  const rule = simplifyExpr(written, (name) => env.get(name)?.num);
  return foldExpr<Py>(rule, (e, kids) => {
    if (e.k === 'num') return pyNumber(e.v);
    if (e.k === 'ref') {
      const p = env.get(e.name);
      if (!p) throw new Error(`export: the gradient rule of ${opName} reads ${e.name}, which this step does not have`);
      return p;
    }
    if (e.k === 'call') return spell(e.fn, 'numpy', kids);
    throw new Error(`export: the gradient rule of ${opName} holds a ${e.k}, which export cannot write`);
  });
}

/** A value as a Python literal (bit for bit: JavaScript and Python print the shortest round-trip form). */
function literal(v: Value, d: Dialect, grad = false): Py {
  const np = d === 'numpy';
  const tail = np ? '' : `, dtype=torch.float64${grad ? ', requires_grad=True' : ''}`;
  if (typeof v === 'number') {
    const n = pyNumber(v, d);
    return { code: np ? `np.float64(${n.code})` : `torch.tensor(${n.code}${tail})`, prec: PREC.atom, shape: [1, 1], num: grad ? undefined : v, fresh: true };
  }
  const shape: Shape = [v.rows, v.cols];
  if (v.rows * v.cols > INLINE_ENTRIES) {
    const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    const b64 = base64(bytes);
    return { code: `_load("${b64}", ${v.rows}, ${v.cols}${np ? '' : grad ? ', True' : ''})`, prec: PREC.atom, shape, fresh: true };
  }
  const rows: string[] = [];
  for (let r = 0; r < v.rows; r++) rows.push(`[${Array.from(v.data.subarray(r * v.cols, (r + 1) * v.cols), (x) => pyNumber(x, d).code).join(', ')}]`);
  return { code: np ? `np.array([${rows.join(', ')}], dtype=float)` : `torch.tensor([${rows.join(', ')}]${tail})`, prec: PREC.atom, shape, fresh: true };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (the engine runs in browsers too, where there is no Buffer). */
function base64(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out.push(B64[(n >> 18) & 63], B64[(n >> 12) & 63], i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=', i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return out.join('');
}

function pyString(s: string): string {
  return JSON.stringify(s); // a JSON string is a valid Python string literal
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

