// The formula parser: the only module that imports jsep. It configures jsep once
// (operators of SPEC §2), then converts jsep's AST into our own Expr, iteratively,
// so that a 100,000-term formula cannot overflow the stack.
import jsep from 'jsep';
import { ParseError } from '../errors';
import { isAddress, readA1 } from './address';

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
const MAX_NESTING = 200;
/** The same bound as the file format's: a formula the engine takes can always be saved. */
const MAX_FORMULA_LENGTH = 100_000;

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

/**
 * Characters pasted from documents that mean an operator or a space: the minus sign (our own
 * README writes `x − 1`), dashes, ×, ÷ and the no-break and thin spaces. Replaced one for one,
 * so every position in a message still points at the character the user typed.
 */
const PASTED: Readonly<Record<string, string>> = {
  '\u2212': '-', // − minus sign
  '\u2013': '-', // – en dash
  '\u00d7': '*', // ×
  '\u22c5': '*', // ⋅ dot operator
  '\u00f7': '/', // ÷
  '\u00a0': ' ', // no-break space
  '\u2007': ' ', // figure space
  '\u2009': ' ', // thin space
  '\u200a': ' ', // hair space
  '\u202f': ' ', // narrow no-break space
  '\u3000': ' ', // ideographic space
};

/** What to write instead of a character the language does not have. */
const INSTEAD: Readonly<Record<string, string>> = {
  '²': 'x^2', '³': 'x^3', '≤': '<=', '≥': '>=', '≠': '!=', '√': 'sqrt(x)', '∑': 'sum(x)', 'ᵀ': 'x.T',
  '\u201c': 'no quotes', '\u201d': 'no quotes', '\u2018': 'no quotes', '\u2019': 'no quotes',
};

/** The pasted characters replaced; any other character outside ASCII refused with its position. */
function normalizePasted(src: string, offset: number): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    const code = ch.charCodeAt(0);
    if (code < 0x80) {
      out += ch;
      continue;
    }
    const sub = PASTED[ch];
    if (sub !== undefined) {
      out += sub;
      continue;
    }
    const cp = src.codePointAt(i)!;
    const shown = String.fromCodePoint(cp);
    const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    const fix = INSTEAD[shown];
    throw new ParseError(
      `the character ${shown} (${hex}) at position ${offset + i + 1} is not part of the formula language${fix ? `: write ${fix}` : ' (names and operators are plain ASCII)'}`,
      offset + i,
    );
  }
  return out;
}

/**
 * Keyword `axis=` (NumPy) and `dim=` (PyTorch) inside a call: the argument is positional here,
 * so `mean(v, axis=0)` is `mean(v, 0)`. The keyword is blanked with spaces (positions kept);
 * `axis == 0` and `axis <= 0` are comparisons and stay.
 */
function blankAxisKeywords(src: string): string {
  return src.replace(/([(,]\s*)(axis|dim)(\s*)=(?![=])/g, (_m, lead: string, kw: string, sp: string) => lead + ' '.repeat(kw.length + sp.length + 1));
}

/** Module prefixes of NumPy, PyTorch and friends: `np.exp(v)` means `exp(v)`. */
const NAMESPACES = new Set(['np', 'numpy', 'torch', 'math', 'jnp', 'jax', 'F', 'nn', 'tf', 'scipy', 'Math']);

/** Methods whose NumPy/PyTorch spelling `v.f(args)` is our `f(v, args)` (reductions and the like). */
const METHODS = new Set(['sum', 'mean', 'argmax', 'softmax', 'logsumexp', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'square', 'reshape']);

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
  src = blankAxisKeywords(normalizePasted(src, offset));
  checkNesting(src);
  let ast: JNode;
  try {
    ast = jsep(src);
  } catch (e: any) {
    if (e instanceof RangeError) throw new ParseError('formula is nested too deeply', offset);
    const idx = typeof e?.index === 'number' ? e.index : 0;
    const desc = String(e?.description ?? e?.message ?? 'syntax error').replace(/ at character \d+$/, '');
    // jsep may report one past the end (an unclosed string): point at the end instead.
    throw new ParseError(desc, Math.min(idx + offset, text.length));
  }
  return convert(ast, offset, src);
}

/**
 * jsep AST → Expr with an explicit stack (post-order): each jsep node is visited twice,
 * first to push its children, then to build its Expr from theirs.
 */
function convert(root: JNode, offset: number, src: string): Expr {
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
    // A refused method or namespace call names its place by its text (jsep gives no positions).
    out.set(n, build(n, (c) => out.get(c)!, pos(n), () => textPos(n, src, offset)));
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
      // v.sum(0): the object is an argument; np.exp(v): the namespace is not.
      if (n.callee?.type === 'MemberExpression' && !isNamespace(n.callee.object)) return [n.callee.object, ...n.arguments];
      return n.arguments;
    case 'ArrayExpression':
      return n.elements.flatMap((e: JNode) => (e?.type === 'ArrayExpression' ? e.elements : [e])).filter(Boolean);
    case 'MemberExpression':
      return [n.object];
    default:
      return [];
  }
}

function build(n: JNode, get: (c: JNode) => Expr, p: number, where: () => number): Expr {
  switch (n?.type) {
    case 'Literal':
      if (typeof n.value === 'number' && Number.isFinite(n.value)) return { k: 'num', v: n.value, pos: p };
      if (typeof n.value === 'number') throw new ParseError(`the number ${String(n.raw)} is out of range (a double reaches about 1.8e308)`, where());
      if (typeof n.value === 'string') throw new ParseError('text is not a value here', p);
      throw new ParseError(`unexpected ${String(n.raw)}`, p);
    case 'Identifier': {
      const bad = readA1(n.name)?.problem;
      if (bad) throw new ParseError(bad, where());
      const name = stripDollars(n.name);
      return n.name.includes('$') ? { k: 'ref', name, pos: p, pinned: true } : { k: 'ref', name, pos: p };
    }
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
      if (n.callee?.type === 'MemberExpression') return buildMethodCall(n, get, p, where);
      if (n.callee?.type !== 'Identifier') throw new ParseError('only named functions can be called', p);
      return { k: 'call', fn: n.callee.name, args: n.arguments.map(get), pos: p };
    }
    case 'MemberExpression': {
      if (!n.computed && n.property?.type === 'Identifier' && n.property.name === 'T') {
        return { k: 'call', fn: 'transpose', args: [get(n.object)], pos: p };
      }
      const prop = !n.computed && n.property?.type === 'Identifier' ? n.property.name : null;
      if (prop && METHODS.has(prop)) throw new ParseError(`only .T (transpose) may follow a value: write ${prop}(${text(n.object)})`, p);
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

function isNamespace(n: JNode): boolean {
  return n?.type === 'Identifier' && NAMESPACES.has(n.name);
}

/** A short rendering of a simple jsep node for messages (`v`, `v.T`), else `x`. Not recursive. */
function text(n: JNode): string {
  if (n?.type === 'Identifier') return n.name;
  if (n?.type === 'Literal' && typeof n.raw === 'string' && n.raw.length <= 20) return n.raw;
  if (n?.type === 'MemberExpression' && n.object?.type === 'Identifier' && !n.computed && n.property?.name === 'T') return `${n.object.name}.T`;
  return 'x';
}

/**
 * Where a refused node first appears in the formula text (`obj.fn(`, a literal, a name), for
 * the message's position; −1 if not found. Only computed when refusing: it scans the text.
 */
function textPos(n: JNode, src: string, offset: number): number {
  let re: RegExp | null = null;
  if (n?.type === 'CallExpression' && typeof n.callee?.property?.name === 'string') {
    const obj = n.callee.object?.type === 'Identifier' ? n.callee.object.name : '';
    re = new RegExp(`${obj ? escape(obj) + '\\s*' : ''}\\.\\s*${escape(n.callee.property.name)}\\s*\\(`);
  } else if (n?.type === 'Literal' && typeof n.raw === 'string') re = new RegExp(`(?<![A-Za-z0-9_.$])${escape(n.raw)}`);
  else if (n?.type === 'Identifier') re = new RegExp(`(?<![A-Za-z0-9_$])${escape(n.name)}(?![A-Za-z0-9_$])`);
  const at = re ? src.search(re) : -1;
  return at < 0 ? -1 : offset + at;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * NumPy and PyTorch spellings: `v.sum()`, `v.mean(0)` are our `sum(v)`, `mean(v, 0)`;
 * `np.exp(v)`, `torch.sigmoid(v)`, `math.exp(x)` are refused with the spelling to use.
 */
function buildMethodCall(n: JNode, get: (c: JNode) => Expr, p: number, where: () => number): Expr {
  const callee = n.callee;
  const refuse = (message: string): never => {
    throw new ParseError(message, where());
  };
  if (callee.computed || callee.property?.type !== 'Identifier') return refuse('only named functions can be called');
  const prop: string = callee.property.name;
  const args = n.arguments.map((a: JNode) => text(a));
  if (isNamespace(callee.object)) {
    refuse(`write ${prop}(${args.join(', ')}): functions are called by their own name, without ${callee.object.name}.`);
  }
  if (prop === 'max' || prop === 'min') {
    refuse(`${text(callee.object)}.${prop}(): there is no ${prop} over all entries; ${prop}(a, b) is the elementwise ${prop === 'max' ? 'maximum' : 'minimum'} (argmax(x) gives the index of the largest entry per row)`);
  }
  if (prop === 'T' || !METHODS.has(prop)) {
    refuse(`only .T (transpose) may follow a value${prop !== 'T' ? `: to call ${prop}, write ${prop}(${[text(callee.object), ...args].join(', ')})` : ''}`);
  }
  return { k: 'call', fn: prop, args: [get(callee.object), ...n.arguments.map(get)], pos: p };
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
  return readA1(name) ? name.replace(/\$/g, '') : name;
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
