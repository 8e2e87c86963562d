// The training loop of an exported training sheet (SPEC §4), written out as the lecture notes
// write it: for each step, (1) the cells that read step() take this step's value, (2) forward,
// (3) every optimizer's gradients before any parameter changes, (4) each update in the notes'
// form (SGD `w -= lr * dw`, momentum, decoupled weight decay, Adam with bias correction), (5)
// step() grows by 1. It starts from the sheet's stored parameters, optimizer state and step
// count, so the script trained k steps prints what `gradsheet train --steps k` gives. The
// arithmetic and the written form of each update come from OPTIMIZERS (ops/training.ts:
// `written` beside `update`), operation for operation — also in PyTorch, where it is written by hand under no_grad() rather than with torch.optim,
// whose order of operations differs in the last bits.
import type { Engine } from '../engine';
import { type Plan, upstreamSlots } from '../eval/plan';
import { OPTIMIZERS, type WrittenNames } from '../ops/training';
import { normalize } from '../tensor/value';
import type { ScriptCtx } from './script';
import { PREC, type Py } from './spell';

/** The plan an export writes: every cell, and the optimizers (those without an error) linked with their hyperparameters. */
export function exportPlan(engine: Engine): { plan: Plan; skipped: { at: string; why: string }[] } {
  const skipped: { at: string; why: string }[] = [];
  const ok: string[] = [];
  for (const at of engine.optimizerCells()) {
    const e = engine.get(at)?.error;
    if (e) skipped.push({ at, why: `#${e.kind}: ${e.message}` });
    else ok.push(at);
  }
  if (!ok.length) return { plan: engine.plan(), skipped };
  return { plan: engine.plan({ losses: engine.cells().map((c) => c.at), optimizers: ok }), skipped };
}

/** Param slots some optimizer trains: parameter cells (not imported data) upstream of its loss. */
export function trainedParams(engine: Engine, plan: Plan): Set<number> {
  const trainable = new Set(engine.parameterCells());
  const out = new Set<number>();
  for (const o of plan.optimizers) {
    const up = upstreamSlots(plan, o.loss);
    for (const s of plan.params) if (up.has(s) && trainable.has(cellOf(plan, s))) out.add(s);
  }
  return out;
}

function cellOf(plan: Plan, slot: number): string {
  const s = plan.slots[slot];
  return s.kind === 'const' ? '' : s.cell;
}

export interface TrainingSection {
  /** step() and each optimizer's step count and state, as the sheet saved them. */
  state: string[];
  /** The loop. */
  loop: string[];
  /** After the final forward pass: TRAIN, the losses as `gradsheet train --json` reports them. */
  after: string[];
}

/** The training section of the script; null when the sheet neither trains nor reads step(). */
export function trainingSection(ctx: ScriptCtx, engine: Engine, trained: Set<number>, skipped: { at: string; why: string }[], steps: number): TrainingSection | null {
  const { plan, d, slotPy, cellVar, varOf, formulaOf } = ctx;
  const saved = engine.trainState();
  if (!plan.optimizers.length && !plan.volatile && !skipped.length) return null;
  const untrained = skipped.map((s) => `# ${s.at} = ${formulaOf.get(s.at) ?? ''}: not trained, the cell has an error (${oneLine(s.why)})`);
  const state = [
    '# ---- training state (SPEC §4), as saved with the sheet',
    `STEP = ${saved.step}  # step(): the training steps taken`,
    ...untrained,
  ];
  if (!plan.optimizers.length) return { state, loop: [], after: [] };
  const np = d === 'numpy';
  const zerosLike = np ? 'np.zeros_like' : 'torch.zeros_like';
  const I = '    ';
  const J = np ? I : I + I; // the updates sit inside `with torch.no_grad():`
  const lossKey = (at: string) => engine.get(at)?.name ?? at;
  const temps = new Map<string, string>();
  const temp = (name: string) => temps.get(name) ?? (temps.set(name, ctx.unique(name)), temps.get(name)!);

  const loop = [
    `# ---- training: python3 THIS.py --steps N trains N steps first (exported with --steps ${steps}; SPEC §4)`,
    `STEPS = _steps_arg(${steps})`,
    `CURVE = {${[...new Set(plan.optimizers.map((o) => pyString(lossKey(o.lossCell))))].map((k) => `${k}: []`).join(', ')}}`,
    'for _i in range(STEPS):',
  ];
  // (1)–(2): the steps the optimizers' losses and hyperparameters need.
  const need = new Set<number>();
  for (const o of plan.optimizers) for (const s of [o.loss, ...o.hyper]) need.add(s);
  const keep = new Set<number>();
  for (let k = plan.steps.length - 1; k >= 0; k--) {
    const st = plan.steps[k];
    if (!need.has(st.out)) continue;
    keep.add(k);
    for (const a of st.args) need.add(a);
  }
  loop.push(`${I}# (1) cells that read step() take this step's value; (2) forward: what the optimizers read`);
  for (const l of ctx.forward((k) => keep.has(k), null)) loop.push(I + l);
  for (const o of plan.optimizers) loop.push(`${I}_record(CURVE, ${pyString(lossKey(o.lossCell))}, _i, STEPS, STEP, ${slotPy(o.loss).code})`);

  // (3) every optimizer's gradients, before any parameter changes
  loop.push(`${I}# (3) every optimizer's gradients, before any parameter changes`);
  const paramsOf = plan.optimizers.map((o) => {
    const up = upstreamSlots(plan, o.loss);
    return plan.params.filter((s) => trained.has(s) && up.has(s));
  });
  // Only gradients on the way to a parameter: the slots computed from one.
  const fromParam = new Set<number>(trained);
  for (const st of plan.steps) if (st.args.some((a) => fromParam.has(a))) fromParam.add(st.out);
  plan.optimizers.forEach((o, k) => {
    const ps = paramsOf[k];
    if (!ps.length) return;
    if (np) {
      const { lines, started } = ctx.backward(o.loss, upstreamSlots(plan, o.loss), fromParam);
      loop.push(`${I}# ∂${slotPy(o.loss).code}/∂parameter, for ${o.cell} ${cellVar.get(o.cell)}`);
      for (const l of lines) loop.push(I + l);
      for (const s of ps) if (!started.has(s)) loop.push(`${I}${ctx.gradName(s)} = np.zeros_like(${varOf.get(s)})  # no gradient reaches it`);
    } else {
      const lhs = ps.map((s) => ctx.gradName(s)).join(', ') + (ps.length === 1 ? ',' : '');
      loop.push(`${I}${lhs} = _grads(${slotPy(o.loss).code}, [${ps.map((s) => varOf.get(s)).join(', ')}])  # ∂${slotPy(o.loss).code}/∂parameter, for ${o.cell}`);
    }
  });

  // (4) the updates, in the lecture notes' forms
  loop.push(`${I}# (4) every optimizer updates its parameters`);
  if (!np) loop.push(`${I}with torch.no_grad():  # by hand, not torch.optim: the sheet's arithmetic, so the numbers match`);
  const stateLines: string[] = [];
  plan.optimizers.forEach((o, k) => {
    const rule = OPTIMIZERS[o.op];
    const optVar = cellVar.get(o.cell)!;
    const prev = saved.optimizers.get(o.cell);
    const fresh = !prev || prev.op !== o.op;
    stateLines.push(`${optVar} = ${fresh ? 0 : prev!.steps}  # ${o.cell} = ${formulaOf.get(o.cell)}: the steps it has taken (its value${rule.stepCountNote ? `; ${rule.stepCountNote}` : ''})`);
    const hyper = rule.hyper.map((_, i) => (i < o.hyper.length ? slotPy(o.hyper[i]) : { code: String(rule.defaults[i]), prec: PREC.atom, shape: [1, 1] as const, num: rule.defaults[i] }));
    const fixed = (i: number): number | undefined => {
      if (hyper[i].num !== undefined) return hyper[i].num;
      const s = i < o.hyper.length ? plan.slots[o.hyper[i]] : null;
      const v = s && s.kind === 'input' ? ctx.values[o.hyper[i]] : undefined;
      return typeof v === 'number' ? v : undefined;
    };
    const h = (i: number) => atom(hyper[i]);
    const lr = h(0);
    const decay = hyper[rule.hyper.indexOf('decay')];
    const noDecay = decay.num === 0;
    const keepW = `(1 - ${lr} * ${atom(decay)})`;
    const stateVar = (name: string, s: number) => {
      const v = ctx.unique(`${name}_${varOf.get(s)}`);
      const arr = fresh ? undefined : prev!.state.get(cellOf(plan, s))?.get(name);
      const shape = ctx.shapes[s];
      const init = arr && arr.rows === shape[0] && arr.cols === shape[1] ? ctx.literal(normalize(arr)).code : `${zerosLike}(${varOf.get(s)})`;
      stateLines.push(`${v} = ${init}  # its ${rule.stateMeaning[name]} for ${cellOf(plan, s)}`);
      return v;
    };
    /** w ← (1 − ηγ)·w − η·Δ, as `w -= lr * Δ` when there is no decay. */
    const apply = (w: string, delta: string, ind: string) => {
      if (noDecay) loop.push(`${ind}${w} -= ${lr} * ${delta}`);
      else if (np) loop.push(`${ind}${w} = ${keepW} * ${w} - ${lr} * ${delta}`);
      else loop.push(`${ind}${w}.copy_(${keepW} * ${w} - ${lr} * ${delta})`);
    };
    // Which state arrays the rule keeps: all, none, or — a switch hyperparameter that changes
    // during training (a momentum schedule) — decided each step, as the engine does.
    const sw = rule.stateSwitch;
    const on = sw === undefined ? true : fixed(sw) === undefined ? undefined : fixed(sw) !== 0;
    const decayText = noDecay ? '' : '; weight decay: w = (1 - lr*decay)*w - lr*Δ';
    loop.push(`${J}# ${o.cell} ${optVar} = ${formulaOf.get(o.cell)}: ${rule.summary(on === false ? [] : rule.state)}${decayText}`);
    loop.push(`${J}${optVar} += 1`);
    for (const s of paramsOf[k]) {
      const w = varOf.get(s)!;
      const names: WrittenNames = { g: ctx.gradName(s), h, t: optVar, state: (name) => stateVar(name, s), temp, sqrt: (x) => `${np ? 'np' : 'torch'}.sqrt(${x})` };
      const emit = (uses: readonly string[], ind: string) => {
        const { lines, delta } = rule.written(names, uses);
        for (const l of lines) loop.push(ind + l);
        apply(w, delta, ind);
      };
      if (on !== undefined) emit(on ? rule.state : [], J);
      else {
        loop.push(`${J}if ${h(sw!)} != 0:`);
        emit(rule.state, J + I);
        loop.push(`${J}else:`);
        emit([], J + I);
      }
    }
  });
  loop.push(`${I}# (5) step() grows by 1`, `${I}STEP += 1`);
  const losses = plan.optimizers.map((o) => `${pyString(lossKey(o.lossCell))}: _last(CURVE[${pyString(lossKey(o.lossCell))}], ${slotPy(o.loss).code})`);
  const after = [
    '# the losses as `gradsheet train --json` reports them: the last step\'s (the loss now when no step was taken)',
    `TRAIN = {"steps": STEPS, "loss": {${[...new Set(losses)].join(', ')}}, "curve": CURVE}`,
  ];
  return { state: [...state, ...stateLines], loop, after };
}

function atom(p: Py): string {
  return p.prec >= PREC.atom ? p.code : `(${p.code})`;
}

function pyString(s: string): string {
  return JSON.stringify(s);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
