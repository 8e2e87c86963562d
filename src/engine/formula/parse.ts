// The formula parser: the only module that imports jsep. It configures jsep once
// (operators of SPEC §2), then converts jsep's AST into our own Expr, iteratively,
// so that a 100,000-term formula cannot overflow the stack.
import jsep from 'jsep';
import { ParseError } from '../errors';
import { isAddress } from './address';

export type Expr =
  | { k: 'num'; v: number; pos: number }
  /** `pinned`: written with a `$` (`$W$1`, `W$1`): always the address, never a name of the same spelling. */
  | { k: 'ref'; name: string; pos: number; pinned?: boolean }
  | { k: 'range'; from: string; to: string; pos: number }
  | { k: 'call'; fn: string; args: Expr[]; pos: number }
  | { k: 'matrix'; rows: Expr[][]; pos: number }
  /** An already-evaluated value inside the compiler (composite ops expand over these). */
  | { k: 'slot'; slot: number; pos: number };

export { ParseError } from '../errors';

/** Operators of the formula language → the op names in the registry. */
export const BINARY_OPS: Readonly<Record<string, string>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '^': 'pow',
  '**': 'pow',
  '@': 'matmul',
  '<': 'lt',
  '>': 'gt',
  '<=': 'le',
  '>=': 'ge',
  '==': 'eq',
  '!=': 'ne',
};

/** Deepest bracket/unary nesting accepted; jsep recurses per level, so deeper input is refused up front. */
export const MAX_NESTING = 200;
/** The same bound as the file format's: a formula the engine takes can always be saved. */
export const MAX_FORMULA_LENGTH = 100_000;

let configured = false;
function configure(): void {
  if (configured) return;
  configured = true;
  for (const op of ['||', '??', '&&', '|', '^', '&', '===', '!==', '<<', '>>', '>>>', '%', '**']) jsep.removeBinaryOp(op);
  for (const op of ['!', '~']) jsep.removeUnaryOp(op);
  jsep.removeAllLiterals();
  jsep.addBinaryOp('@', 10);
  jsep.addBinaryOp('^', 11, true);
  jsep.addBinaryOp('**', 11, true);
  jsep.addBinaryOp(':', 12);
  // Mark parenthesised groups so that `(-x)^2` and `-x^2` can be told apart afterwards.
  jsep.hooks.add('gobble-token', function markParens(env: any) {
    const ctx = env.context;
    ctx.gobbleSpaces();
    if (ctx.code !== 40 /* ( */) return;
    const inner = ctx.gobbleGroup();
    if (!inner) ctx.throwError('Empty ()');
    env.node = ctx.gobbleTokenProperty({ type: 'Paren', expression: inner });
  });
}

/** Scan brackets and runs of unary signs; reject nesting that would recurse too deep. */
function checkNesting(src: string): void {
  let depth = 0;
  let unaryRun = 0;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === '(' || ch === '[') {
      depth++;
      if (depth > MAX_NESTING) throw new ParseError(`formula is nested more than ${MAX_NESTING} levels deep`, i);
    } else if (ch === ')' || ch === ']') depth--;
    if (ch === '-' || ch === '+') {
      unaryRun++;
      if (unaryRun > MAX_NESTING) throw new ParseError(`more than ${MAX_NESTING} signs in a row`, i);
    } else if (ch !== ' ' && ch !== '(') unaryRun = 0;
  }
}

type JNode = any;

/** Parse formula text (a leading `=` is ignored) into an Expr. Throws ParseError with a position. */
export function parseFormula(text: string): Expr {
  configure();
  let src = text;
  let offset = 0;
  const lead = /^\s*=/.exec(src);
  if (lead) {
    offset = lead[0].length;
    src = src.slice(offset);
  }
  if (src.length > MAX_FORMULA_LENGTH) throw new ParseError(`formula is longer than ${MAX_FORMULA_LENGTH} characters`, 0);
  if (!src.trim()) throw new ParseError('empty formula', offset);
  checkNesting(src);
  let ast: JNode;
  try {
    ast = jsep(src);
  } catch (e: any) {
    if (e instanceof RangeError) throw new ParseError('formula is nested too deeply', offset);
    const idx = typeof e?.index === 'number' ? e.index : 0;
    const desc = String(e?.description ?? e?.message ?? 'syntax error').replace(/ at character \d+$/, '');
    throw new ParseError(desc, idx + offset);
  }
  return convert(ast, offset);
}

/**
 * jsep AST → Expr with an explicit stack (post-order): each jsep node is visited twice,
 * first to push its children, then to build its Expr from theirs.
 */
function convert(root: JNode, offset: number): Expr {
  const out = new Map<JNode, Expr>();
  const stack: { n: JNode; done: boolean }[] = [{ n: root, done: false }];
  // jsep's nodes carry no source positions: errors found after parsing have none (−1).
  const pos = (n: JNode) => (typeof n?.start === 'number' ? offset + n.start : -1);
  while (stack.length) {
    const top = stack.pop()!;
    const n = top.n;
    if (!top.done) {
      stack.push({ n, done: true });
      for (const c of children(n)) stack.push({ n: c, done: false });
      continue;
    }
    out.set(n, build(n, (c) => out.get(c)!, pos(n)));
  }
  return out.get(root)!;
}

function children(n: JNode): JNode[] {
  switch (n?.type) {
    case 'BinaryExpression':
      return n.operator === ':' ? [] : [n.left, n.right];
    case 'UnaryExpression':
      return [n.argument];
    case 'Paren':
      return [n.expression];
    case 'CallExpression':
      return n.arguments;
    case 'ArrayExpression':
      return n.elements.flatMap((e: JNode) => (e?.type === 'ArrayExpression' ? e.elements : [e])).filter(Boolean);
    case 'MemberExpression':
      return [n.object];
    default:
      return [];
  }
}

function build(n: JNode, get: (c: JNode) => Expr, p: number): Expr {
  switch (n?.type) {
    case 'Literal':
      if (typeof n.value === 'number' && Number.isFinite(n.value)) return { k: 'num', v: n.value, pos: p };
      if (typeof n.value === 'string') throw new ParseError('text is not a value here', p);
      throw new ParseError(`unexpected ${String(n.raw)}`, p);
    case 'Identifier':
      return n.name.includes('$') ? { k: 'ref', name: stripDollars(n.name), pos: p, pinned: true } : { k: 'ref', name: n.name, pos: p };
    case 'Paren':
      return get(n.expression);
    case 'UnaryExpression': {
      const arg = get(n.argument);
      if (n.operator === '+') return arg;
      if (n.operator !== '-') throw new ParseError(`unknown operator ${n.operator}`, p);
      if (arg.k === 'num') return { k: 'num', v: -arg.v, pos: p };
      return { k: 'call', fn: 'neg', args: [arg], pos: p };
    }
    case 'BinaryExpression': {
      if (n.operator === ':') return buildRange(n, p);
      const fn = BINARY_OPS[n.operator];
      if (!fn) throw new ParseError(`unknown operator ${n.operator}`, p);
      // -x^2 is −(x²): jsep binds the sign to x, so lift an unparenthesised sign above the power.
      if (fn === 'pow' && n.left?.type === 'UnaryExpression') return liftSign(n, get, p);
      return { k: 'call', fn, args: [get(n.left), get(n.right)], pos: p };
    }
    case 'CallExpression': {
      if (n.callee?.type !== 'Identifier') throw new ParseError('only named functions can be called', p);
      return { k: 'call', fn: n.callee.name, args: n.arguments.map(get), pos: p };
    }
    case 'MemberExpression': {
      if (!n.computed && n.property?.type === 'Identifier' && n.property.name === 'T') {
        return { k: 'call', fn: 'transpose', args: [get(n.object)], pos: p };
      }
      throw new ParseError('only .T (transpose) may follow a value', p);
    }
    case 'ArrayExpression':
      return buildMatrix(n, get, p);
    case 'Compound':
      throw new ParseError('unexpected text after the formula', p);
    case 'SequenceExpression':
      throw new ParseError('unexpected "," (a list needs [ ] or a function call)', p);
    case 'ConditionalExpression':
      throw new ParseError('the ? : operator is not supported', p);
    case 'ThisExpression':
      return { k: 'ref', name: 'this', pos: p };
    default:
      throw new ParseError(`unexpected ${n?.type ?? 'input'}`, p);
  }
}

function liftSign(n: JNode, get: (c: JNode) => Expr, p: number): Expr {
  // n = pow(Unary(op, a), b); peel every sign of the unary chain.
  let signs = 0;
  let base: JNode = n.left;
  while (base?.type === 'UnaryExpression' && (base.operator === '-' || base.operator === '+')) {
    if (base.operator === '-') signs++;
    base = base.argument;
  }
  if (base?.type === 'UnaryExpression') throw new ParseError(`unknown operator ${base.operator}`, p);
  const power: Expr = { k: 'call', fn: 'pow', args: [get(base), get(n.right)], pos: p };
  return signs % 2 ? { k: 'call', fn: 'neg', args: [power], pos: p } : power;
}

/** `$A$1` is the address A1 with its column and row pinned for copying; the value is the same. */
function stripDollars(name: string): string {
  return /^\$?[A-Z]{1,2}\$?[0-9]+$/.test(name) ? name.replace(/\$/g, '') : name;
}

function buildRange(n: JNode, p: number): Expr {
  const from = n.left?.type === 'Identifier' ? stripDollars(n.left.name) : null;
  let to = n.right?.type === 'Identifier' ? stripDollars(n.right.name) : null;
  let transposed = false;
  // A1:C2.T parses as A1:(C2.T); read it as (A1:C2).T.
  if (!to && n.right?.type === 'MemberExpression' && n.right.object?.type === 'Identifier' && n.right.property?.name === 'T') {
    to = stripDollars(n.right.object.name);
    transposed = true;
  }
  if (!from || !to || !isAddress(from) || !isAddress(to)) throw new ParseError('a range joins two cell addresses, as in A1:C2', p);
  const range: Expr = { k: 'range', from, to, pos: p };
  return transposed ? { k: 'call', fn: 'transpose', args: [range], pos: p } : range;
}

function buildMatrix(n: JNode, get: (c: JNode) => Expr, p: number): Expr {
  const els: JNode[] = n.elements;
  if (els.length === 0) throw new ParseError('empty matrix []', p);
  if (els.some((e) => !e)) throw new ParseError('empty entry in a matrix', p);
  const nested = els.map((e) => e.type === 'ArrayExpression');
  if (nested.every(Boolean)) {
    const rows = els.map((e) => {
      if (e.elements.length === 0) throw new ParseError('empty row []', p);
      if (e.elements.some((x: JNode) => !x || x.type === 'ArrayExpression')) throw new ParseError('matrices have two dimensions at most', p);
      return e.elements.map(get);
    });
    const w = rows[0].length;
    const bad = rows.findIndex((r: Expr[]) => r.length !== w);
    if (bad >= 0) throw new ParseError(`row ${bad + 1} of the matrix has ${rows[bad].length} entries, row 1 has ${w}`, p);
    return { k: 'matrix', rows, pos: p };
  }
  if (nested.some(Boolean)) throw new ParseError('mix of numbers and rows in a matrix', p);
  return { k: 'matrix', rows: [els.map(get)], pos: p };
}

/** Every name or address a formula mentions, and the ranges it spans (for the dependency graph). */
export function collectRefs(e: Expr): { refs: string[]; ranges: { from: string; to: string }[] } {
  const refs: string[] = [];
  const ranges: { from: string; to: string }[] = [];
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.k === 'ref') refs.push(x.name);
    else if (x.k === 'range') ranges.push({ from: x.from, to: x.to });
    else if (x.k === 'call') for (const a of x.args) stack.push(a);
    else if (x.k === 'matrix') for (const r of x.rows) for (const a of r) stack.push(a);
  }
  return { refs, ranges };
}
