// A cell's formula compiled to a flat program: instruction i writes slot i, reading only
// earlier slots. Forward runs it front to back and keeps every slot (the tape); backward runs
// it back to front applying each op's VJP. Flat arrays keep both passes loop-only, so a
// formula of any depth costs no stack.
//
// A program never names cells: it reads them through *links*, indices into a per-cell list
// of cell ids. Cells whose formulas differ only in the cells they read (A2 = A1*0.999+1,
// A3 = A2*0.999+1, …) share one program object, which keeps a 100,000-cell sheet's hot
// loop in cache (measured: 3.5× faster forward than one program per cell).
import type { Expr } from '../formula/parse';
import type { OpDef, Registry } from '../ops/define';
import { OpError, UnknownNameError } from '../errors';
import type { Value } from '../tensor/value';
import { isAddress } from '../formula/address';

export type InstrKind = 'const' | 'cell' | 'range' | 'op' | 'matrix' | 'grad' | 'numgrad' | 'optimize';

const NO_INTS: readonly number[] = [];

/**
 * One instruction. Every instruction has the same fields (one hidden class), so the
 * evaluator's loops stay monomorphic; each kind uses the fields it needs:
 * const → value; cell → link; range → link (first of rows·cols links), rows, cols;
 * op → op, args, buf; matrix → args, rows, cols; grad/numgrad → loss, wrt (link indices,
 * wrt −1 for grad(L)); optimize (sgd, adam) → op, loss (a link), args (the hyperparameters' slots).
 */
export class Instr {
  t: InstrKind;
  value: Value = 0;
  link = -1;
  rows = 0;
  cols = 0;
  op: OpDef | null = null;
  /** Slots read by an op or a matrix literal (small plain arrays stay on the heap, near the instruction). */
  args: readonly number[] = NO_INTS;
  /** This instruction's reusable argument list (no allocation per evaluation). */
  buf: Value[] = [];
  loss = -1;
  wrt = -1;
  /** The composite op this instruction was expanded from (`mse`), or null. */
  via: string | null = null;

  constructor(t: InstrKind, fields: Partial<Omit<Instr, 't'>> = {}) {
    this.t = t;
    Object.assign(this, fields);
  }
}

export interface Program {
  readonly instrs: Instr[];
  /** Structure of the program (everything but the linked cells): equal keys, same program. */
  readonly key: string;
}

/** A formula compiled for one cell: the (possibly shared) program and this cell's links. */
export interface Compiled {
  program: Program;
  /** Cell ids the program's links point to, in link order (−1 for a missing name). */
  links: number[];
  /** Cells this formula reads (unique): the incoming edges of the dependency graph. */
  deps: number[];
}

export interface Resolver {
  /** Cell id for an A1 address (creating an empty cell record if needed). */
  address(at: string): number;
  /** Cell id for a cell name, or -1 when no cell has that name. */
  name(name: string): number;
  /** Ids of the scalar cells of a range, row-major, and its shape; OpError when too large. */
  range(from: string, to: string): { cells: number[]; rows: number; cols: number };
}

export { UnknownNameError } from '../errors';

/**
 * Compile an Expr into a Program. Throws OpError (kind NAME, ARG, …) for formulas that can
 * never evaluate (unknown function, wrong number of arguments); `mentions` receives every
 * name the formula mentions, found or not, so the engine can recompile when names change.
 */
export function compile(expr: Expr, registry: Registry, resolve: Resolver, mentions: Set<string>): Compiled {
  const instrs: Instr[] = [];
  const deps = new Set<number>();
  const links: number[] = [];
  const link = (id: number): number => {
    links.push(id);
    if (id >= 0) deps.add(id);
    return links.length - 1;
  };
  const missing: string[] = [];

  const emit = (ins: Instr): number => {
    instrs.push(ins);
    return instrs.length - 1;
  };

  // A name wins over the address of the same spelling; `$W$1` always means the address (SPEC §2).
  const refCell = (name: string, pinned = false): number => {
    if (pinned) return resolve.address(name);
    const named = resolve.name(name);
    if (isAddress(name) && named < 0) return resolve.address(name);
    mentions.add(name);
    if (named < 0) missing.push(name);
    return named;
  };

  const compileTree = (root: Expr): number => {
    const slotOf = new Map<Expr, number>();
    const stack: { e: Expr; done: boolean }[] = [{ e: root, done: false }];
    while (stack.length) {
      const { e, done } = stack.pop()!;
      if (!done) {
        if (e.k === 'call' && registry.get(e.fn)?.engineOp === 'optimizer' && e.args.length) {
          // the loss is a cell; the hyperparameters are values, compiled first
          stack.push({ e, done: true });
          for (let i = e.args.length - 1; i >= 1; i--) stack.push({ e: e.args[i], done: false });
          continue;
        }
        if (e.k === 'call' && (registry.get(e.fn)?.engineOp)) {
          stack.push({ e, done: true }); // its arguments are cells, not values
          continue;
        }
        stack.push({ e, done: true });
        if (e.k === 'call') for (let i = e.args.length - 1; i >= 0; i--) stack.push({ e: e.args[i], done: false });
        else if (e.k === 'matrix') for (const row of e.rows) for (const x of row) stack.push({ e: x, done: false });
        continue;
      }
      slotOf.set(e, compileNode(e, (c) => slotOf.get(c)!));
    }
    return slotOf.get(root)!;
  };

  const compileNode = (e: Expr, slot: (c: Expr) => number): number => {
    switch (e.k) {
      case 'num':
        return emit(new Instr('const', { value: e.v }));
      case 'slot':
        return e.slot;
      case 'ref': {
        const constant = registry.get(e.name);
        // A constant of the catalog (pi) reads as what a student writes: `2 * pi`.
        if (constant && constant.maxArgs === 0 && constant.category === 'construction') return emit(new Instr('op', { op: constant, args: [], buf: [] }));
        if (constant) throw new OpError('NAME', `${e.name} is a function: call it as ${e.name}(…)`);
        return emit(new Instr('cell', { link: link(refCell(e.name, e.pinned)) }));
      }
      case 'range': {
        const r = resolve.range(e.from, e.to);
        const first = links.length;
        for (const id of r.cells) link(id);
        return emit(new Instr('range', { link: first, rows: r.rows, cols: r.cols }));
      }
      case 'matrix': {
        const args = e.rows.flat().map(slot);
        return emit(new Instr('matrix', { rows: e.rows.length, cols: e.rows[0].length, args }));
      }
      case 'call': {
        const op = registry.get(e.fn);
        if (!op) throw new OpError('NAME', `unknown function ${e.fn}()`);
        if (e.args.length < op.minArgs || e.args.length > op.maxArgs) {
          const want = op.minArgs === op.maxArgs ? `${op.minArgs}` : `${op.minArgs} to ${op.maxArgs}`;
          throw new OpError('ARG', `${op.signature} takes ${want} argument${op.maxArgs === 1 ? '' : 's'}, got ${e.args.length}`);
        }
        if (op.engineOp === 'optimizer') return compileOptimizer(op, e.args, slot);
        if (op.engineOp) return compileGradient(op, e.args);
        const args = e.args.map(slot);
        if (op.expand) {
          const first = instrs.length;
          const out = compileTree(op.expand(args.map((s) => ({ k: 'slot', slot: s, pos: e.pos }))));
          // The outermost composite names the origin: mse's sub, square and mean say `mse`.
          for (let i = first; i < instrs.length; i++) instrs[i].via = op.name;
          return out;
        }
        return emit(new Instr('op', { op, args, buf: new Array(args.length).fill(0) }));
      }
    }
  };

  const cellArg = (op: OpDef, a: Expr, what: string): number => {
    if (a.k !== 'ref') throw new OpError('ARG', `${op.name}: ${what} must be a cell (a name or an address)`);
    if (registry.has(a.name)) throw new OpError('ARG', `${op.name}: ${what} must be a cell, ${a.name} is a function`);
    return link(refCell(a.name, a.pinned));
  };

  const compileOptimizer = (op: OpDef, args: Expr[], slot: (c: Expr) => number): number => {
    const loss = cellArg(op, args[0], 'the loss L');
    return emit(new Instr('optimize', { op, loss, args: args.slice(1).map(slot) }));
  };

  const compileGradient = (op: OpDef, args: Expr[]): number => {
    const loss = cellArg(op, args[0], 'the loss L');
    const wrt = args.length > 1 ? cellArg(op, args[1], 'X') : -1;
    return emit(new Instr(op.engineOp as 'grad' | 'numgrad', { loss, wrt }));
  };

  compileTree(expr);
  if (missing.length) {
    const uniq = [...new Set(missing)];
    const hint = uniq.find((n) => n === n.toLowerCase() && isAddress(n.toUpperCase()));
    throw new UnknownNameError(
      uniq,
      `unknown name${uniq.length > 1 ? 's' : ''} ${uniq.join(', ')}` + (hint ? ` (addresses are upper case: ${hint.toUpperCase()})` : ''),
    );
  }
  return { program: { instrs, key: programKey(instrs) }, links, deps: [...deps] };
}

/** A string that is equal for two programs exactly when they compute the same thing from their links. */
function programKey(instrs: readonly Instr[]): string {
  const parts: string[] = [];
  for (const it of instrs) {
    switch (it.t) {
      case 'const':
        parts.push(typeof it.value === 'number' ? `c${Object.is(it.value, -0) ? '-0' : it.value}` : `m${it.value.rows}x${it.value.cols}:${it.value.data.join(',')}`);
        break;
      case 'cell':
        parts.push(`l${it.link}`);
        break;
      case 'range':
        parts.push(`r${it.link}:${it.rows}x${it.cols}`);
        break;
      case 'op':
        parts.push(`${it.via ? it.via + ':' : ''}${it.op!.name}(${it.args.join(',')})`);
        break;
      case 'matrix':
        parts.push(`[${it.rows}x${it.cols}:${it.args.join(',')}]`);
        break;
      case 'optimize':
        parts.push(`${it.op!.name}(l${it.loss};${it.args.join(',')})`);
        break;
      default:
        parts.push(`${it.t}(${it.loss},${it.wrt})`);
    }
  }
  return parts.join(';');
}
