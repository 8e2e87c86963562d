// Reading and writing sheet files (FORMAT.md, version 1). Pure: no DOM, no Node APIs.
//
// The reader does not trust its input: it never throws, bounds every size, treats keys such as
// `__proto__` as data, and either returns a complete SheetDoc or one message naming the JSON path.
// The writer is stable (fixed key order, cells sorted by address) so that sheets diff well and
// reading then writing a written sheet gives the same text.
import { compareAddresses, isAddress, nameProblem } from '../formula/address';
import { FORMAT_VERSION, type CellDoc, type SheetDoc } from './document';
import { readTrainState } from '../train/state';

export type ReadResult = { ok: true; doc: SheetDoc; warnings: string[] } | { ok: false; error: string };

export interface SheetLimits {
  /** Size of the whole file in UTF-8 bytes. */
  readonly fileBytes: number;
  readonly cells: number;
  /** Length of one formula in characters (UTF-16 code units). */
  readonly formulaChars: number;
  /** Entries of one matrix value (rows × columns). */
  readonly valueEntries: number;
  /** Size of title, notes and each note in UTF-8 bytes. */
  readonly textBytes: number;
  /** Nesting of unknown fields' values; bounded so that writing them back cannot overflow the stack. */
  readonly extraDepth: number;
}

const MiB = 1024 * 1024;

export const SHEET_LIMITS: SheetLimits = {
  fileBytes: 64 * MiB,
  cells: 200_000,
  formulaChars: 100_000,
  valueEntries: 2 ** 25,
  textBytes: 1 * MiB,
  extraDepth: 512,
};

export interface ReadOptions {
  /** Tells function names apart, so that a cell cannot be named like one. Default: no function names. */
  isFunction?: (name: string) => boolean;
  /** Where the text came from (a file name); prefixes the error and the warnings. */
  source?: string;
  /** Overrides of SHEET_LIMITS (tests use small ones). */
  limits?: Partial<SheetLimits>;
}

/** At most this many unknown-field warnings; the rest are summed up in one line. */
const MAX_WARNINGS = 50;

const TOP_FIELDS = ['gradsheet', 'title', 'notes', 'cells'] as const;
const CELL_FIELDS = ['at', 'name', 'formula', 'value', 'note'] as const;

// ---------------------------------------------------------------------------------------------
// Reading

/** A validation failure: thrown inside the reader, caught by readSheet, never escapes. */
const REFUSAL = 'SheetRefusal';

function refuse(message: string): never {
  const e = new Error(message);
  e.name = REFUSAL;
  throw e;
}

export function readSheet(text: string, options?: ReadOptions): ReadResult {
  const opts = options ?? {};
  const prefix = typeof opts.source === 'string' && opts.source ? `${opts.source}: ` : '';
  try {
    const { doc, warnings } = readOrRefuse(text, opts);
    return { ok: true, doc, warnings: warnings.map((w) => prefix + w) };
  } catch (e) {
    return { ok: false, error: prefix + refusalMessage(e) };
  }
}

function refusalMessage(e: unknown): string {
  if (e instanceof Error && e.name === REFUSAL) return e.message;
  // Not a validation failure but something unforeseen (a bug, a throwing isFunction, out of memory):
  // still a message, never an exception, so that the sheet on screen stays untouched.
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `could not read the sheet: ${clip(detail, 200)}`;
}

function readOrRefuse(text: string, options: ReadOptions): { doc: SheetDoc; warnings: string[] } {
  const limits: SheetLimits = { ...SHEET_LIMITS, ...definedOnly(options.limits) };
  if (typeof text !== 'string') refuse(`expected the text of a sheet, got ${describe(text)}`);
  if (utf8LongerThan(text, limits.fileBytes)) refuse(`the file is larger than the limit of ${showSize(limits.fileBytes)}`);
  const root = parseJson(text);
  const ctx: Context = {
    limits,
    isFunction: options.isFunction ?? (() => false),
    warned: new Set(),
    warnings: [],
    unknownCount: 0,
  };
  const doc = readTop(root, ctx);
  if (ctx.unknownCount > ctx.warnings.length) {
    ctx.warnings.push(`ignoring ${ctx.unknownCount - ctx.warnings.length} more unknown fields`);
  }
  return { doc, warnings: ctx.warnings };
}

/** Only the overrides that are numbers, so that `{ cells: undefined }` keeps the default. */
function definedOnly(limits: Partial<SheetLimits> | undefined): Partial<SheetLimits> {
  const out: { -readonly [K in keyof SheetLimits]?: number } = {};
  if (!limits) return out;
  for (const key of Object.keys(SHEET_LIMITS) as (keyof SheetLimits)[]) {
    const v = limits[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

interface Context {
  limits: SheetLimits;
  isFunction: (name: string) => boolean;
  /** Distinct unknown fields already reported, as "level/name". */
  warned: Set<string>;
  warnings: string[];
  unknownCount: number;
}

// --- JSON -------------------------------------------------------------------------------------

function parseJson(text: string): unknown {
  // Editors on Windows may save a byte-order mark; it is not part of the JSON.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') refuse('not valid JSON: the text is empty');
  try {
    return JSON.parse(body);
  } catch (e) {
    // JSON.parse's messages differ between engines and often carry no position (Node 20),
    // so the position comes from our own scan of the text.
    const found = findJsonSyntaxError(body);
    if (found) {
      const { line, column } = lineAndColumn(body, found.pos);
      refuse(`not valid JSON at line ${line}, column ${column}: ${found.what}`);
    }
    if (e instanceof RangeError) refuse('not valid JSON: nested too deeply to read');
    refuse(`not valid JSON: ${clip(e instanceof Error ? e.message : String(e), 200)}`);
  }
}

export interface SyntaxProblem {
  pos: number;
  what: string;
}

/**
 * The first syntax error in `t` with its offset, or null when `t` is valid JSON. Iterative (an
 * explicit stack of open brackets), so that deeply nested garbage cannot overflow the call stack.
 */
export function findJsonSyntaxError(t: string): SyntaxProblem | null {
  const n = t.length;
  const closers: string[] = [];
  let i = 0;
  let state: 'value' | 'firstValue' | 'key' | 'firstKey' | 'after' = 'value';
  let afterComma = false;
  const at = (what: string): SyntaxProblem => ({ pos: i, what });
  const found = (): string => (i >= n ? 'the end of the text' : showChar(t, i));
  for (;;) {
    while (i < n && isJsonSpace(t.charCodeAt(i))) i++;
    const c = i < n ? t[i] : '';
    if (state === 'firstValue' || state === 'firstKey') {
      const close = state === 'firstValue' ? ']' : '}';
      if (c === close) {
        closers.pop();
        i++;
        state = 'after';
      } else state = state === 'firstValue' ? 'value' : 'key';
      continue;
    }
    if (state === 'value') {
      if (c === '{' || c === '[') {
        closers.push(c === '{' ? '}' : ']');
        i++;
        state = c === '{' ? 'firstKey' : 'firstValue';
        continue;
      }
      const problem = c === '"' ? scanString(t, i) : scanScalar(t, i);
      if (typeof problem !== 'number') {
        if (problem.what === '' && afterComma && (c === ']' || c === '}')) return at(`expected a value after ',', found '${c}' (a trailing comma?)`);
        if (problem.what === '') return at(`expected a value, found ${found()}`);
        return problem;
      }
      i = problem;
      state = 'after';
      afterComma = false;
      continue;
    }
    if (state === 'key') {
      if (c !== '"') {
        if (afterComma && c === '}') return at(`expected a property name after ',', found '}' (a trailing comma?)`);
        return at(`expected a property name in double quotes, found ${found()}`);
      }
      const end = scanString(t, i);
      if (typeof end !== 'number') return end;
      i = end;
      while (i < n && isJsonSpace(t.charCodeAt(i))) i++;
      if (t[i] !== ':') return at(`expected ':' after a property name, found ${found()}`);
      i++;
      state = 'value';
      afterComma = false;
      continue;
    }
    // state === 'after': a value is complete.
    const close = closers[closers.length - 1];
    if (close === undefined) return i < n ? at(`unexpected ${found()} after the end of the JSON value`) : null;
    if (c === ',') {
      i++;
      state = close === '}' ? 'key' : 'value';
      afterComma = true;
    } else if (c === close) {
      closers.pop();
      i++;
    } else return at(`expected ',' or '${close}', found ${found()}`);
  }
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Scans the string starting at the quote at `start`: the offset after it, or the problem. */
function scanString(t: string, start: number): number | SyntaxProblem {
  let i = start + 1;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return { pos: i, what: `${showChar(t, i)} inside a string (write a line break as \\n)` };
    if (c === 0x5c) {
      const e = t[i + 1] ?? '';
      if (e === '') break;
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) return { pos: i, what: 'expected four hex digits after \\u' };
        i += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(e)) return { pos: i, what: `unknown escape \\ followed by ${showChar(t, i + 1)} in a string` };
      i += 2;
      continue;
    }
    i++;
  }
  return { pos: start, what: 'a string that is never closed' };
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Scans a number or literal at `start`; `what: ''` means "no value starts here". */
function scanScalar(t: string, start: number): number | SyntaxProblem {
  for (const word of ['true', 'false', 'null']) if (t.startsWith(word, start)) return start + word.length;
  const c = t[start];
  if (c !== '-' && !(c >= '0' && c <= '9')) return { pos: start, what: '' };
  NUMBER_RE.lastIndex = start;
  const m = NUMBER_RE.exec(t);
  if (!m) return { pos: start, what: 'a malformed number' };
  const end = start + m[0].length;
  // "1." or "1e" or "-": the regex stopped early at a character that cannot end a number.
  if (end < t.length && /[.eE0-9+-]/.test(t[end])) return { pos: start, what: 'a malformed number' };
  return end;
}

function showChar(t: string, i: number): string {
  const cp = t.codePointAt(i)!;
  if (cp > 0x20 && cp < 0x7f) return `'${t[i]}'`;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function lineAndColumn(t: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = t.indexOf('\n'); nl !== -1 && nl < pos; nl = t.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

// --- Validation -------------------------------------------------------------------------------

function readTop(root: unknown, ctx: Context): SheetDoc {
  if (!isRecord(root)) refuse(`top level: expected an object with "gradsheet": 1, got ${describe(root)}`);
  if (!Object.hasOwn(root, 'gradsheet')) refuse(`gradsheet: missing, expected the format version ${FORMAT_VERSION}`);
  if (root.gradsheet !== FORMAT_VERSION) refuse(`gradsheet: expected the format version ${FORMAT_VERSION}, got ${show(root.gradsheet)}`);
  const title = readText(root, 'title', 'title', ctx);
  const notes = readText(root, 'notes', 'notes', ctx);
  const extra = readExtra(root, TOP_FIELDS, '', ctx);
  // The training state is documented and validated next to the code that reads it (engine/train/state.ts).
  const train = extra && Object.hasOwn(extra, 'train') ? readTrainState(extra.train) : null;
  if (train && !train.ok) refuse(train.error);
  const cells = readCells(root, ctx);
  // Field by field, never by spreading parsed data: only known keys reach plain objects.
  const doc: SheetDoc = { gradsheet: FORMAT_VERSION, cells };
  if (title !== undefined) doc.title = title;
  if (notes !== undefined) doc.notes = notes;
  if (extra) doc.extra = extra;
  return doc;
}

function readCells(root: Record<string, unknown>, ctx: Context): CellDoc[] {
  if (!Object.hasOwn(root, 'cells')) refuse('cells: missing, expected a list of cells');
  const list = root.cells;
  if (!Array.isArray(list)) refuse(`cells: expected a list of cells, got ${describe(list)}`);
  if (list.length > ctx.limits.cells) {
    refuse(`cells: ${groupDigits(list.length)} cells, more than the limit of ${groupDigits(ctx.limits.cells)}`);
  }
  const seen: Seen = { at: new Map(), name: new Map() };
  return list.map((raw, index) => readCell(raw, index, seen, ctx));
}

/** First index of each address and name, to name the earlier cell in "is used twice". */
interface Seen {
  at: Map<string, number>;
  name: Map<string, number>;
}

function readCell(raw: unknown, index: number, seen: Seen, ctx: Context): CellDoc {
  const path = `cells[${index}]`;
  if (!isRecord(raw)) refuse(`${path}: expected an object, got ${describe(raw)}`);
  const at = readAt(raw, path, index, seen);
  const name = readName(raw, path, index, seen, ctx);
  const formula = readFormula(raw, path, ctx);
  const value = Object.hasOwn(raw, 'value') ? readValue(raw.value, `${path}.value`, ctx) : undefined;
  const note = readText(raw, 'note', `${path}.note`, ctx);
  const extra = readExtra(raw, CELL_FIELDS, path, ctx);
  const cell: CellDoc = { at, formula };
  if (name !== undefined) cell.name = name;
  if (value !== undefined) cell.value = value;
  if (note !== undefined) cell.note = note;
  if (extra) cell.extra = extra;
  return cell;
}

function readAt(raw: Record<string, unknown>, path: string, index: number, seen: Seen): string {
  if (!Object.hasOwn(raw, 'at')) refuse(`${path}.at: missing, expected an address such as "A1"`);
  const at = raw.at;
  if (typeof at !== 'string') refuse(`${path}.at: expected a string, got ${describe(at)}`);
  if (!isAddress(at)) refuse(`${path}.at: ${quote(at)} is not an A1-style address (A1 … ZZ9999)`);
  const first = seen.at.get(at);
  if (first !== undefined) refuse(`${path}.at: ${quote(at)} is used twice (cells[${first}])`);
  seen.at.set(at, index);
  return at;
}

function readName(raw: Record<string, unknown>, path: string, index: number, seen: Seen, ctx: Context): string | undefined {
  if (!Object.hasOwn(raw, 'name')) return undefined;
  const name = raw.name;
  if (typeof name !== 'string') refuse(`${path}.name: expected a string, got ${describe(name)}`);
  // nameProblem quotes the whole name; a huge one would make a huge message.
  if (name.length > 64) refuse(`${path}.name: ${quote(name)} is longer than 64 characters`);
  const problem = nameProblem(name, ctx.isFunction);
  if (problem) refuse(`${path}.name: ${problem}`);
  const first = seen.name.get(name);
  if (first !== undefined) refuse(`${path}.name: ${quote(name)} is used twice (cells[${first}])`);
  seen.name.set(name, index);
  return name;
}

function readFormula(raw: Record<string, unknown>, path: string, ctx: Context): string {
  if (!Object.hasOwn(raw, 'formula')) refuse(`${path}.formula: missing, every cell has a formula`);
  const formula = raw.formula;
  if (typeof formula !== 'string') refuse(`${path}.formula: expected a string, got ${describe(formula)}`);
  if (formula.length > ctx.limits.formulaChars) {
    refuse(`${path}.formula: ${groupDigits(formula.length)} characters, more than the limit of ${groupDigits(ctx.limits.formulaChars)}`);
  }
  return formula;
}

/** A finite number, or a non-empty rectangular list of non-empty rows of finite numbers. */
function readValue(v: unknown, path: string, ctx: Context): number | number[][] {
  if (typeof v === 'number') {
    // JSON.parse turns 1e999 into Infinity: a number the file holds but a double cannot.
    if (!Number.isFinite(v)) refuse(`${path}: expected a finite number, got ${show(v)}`);
    return v;
  }
  if (!Array.isArray(v)) refuse(`${path}: expected a number or a list of rows of numbers, got ${describe(v)}`);
  if (v.length === 0) refuse(`${path}: expected a non-empty list of rows, got an empty list`);
  const first = v[0];
  if (!Array.isArray(first)) {
    const hint = typeof first === 'number' ? ' (write a single row as [[1, 2, 3]])' : '';
    refuse(`${path}[0]: expected a row (a list of numbers), got ${describe(first)}${hint}`);
  }
  const width = first.length;
  if (v.length * width > ctx.limits.valueEntries) {
    refuse(`${path}: ${groupDigits(v.length * width)} entries, more than the limit of ${groupDigits(ctx.limits.valueEntries)}`);
  }
  v.forEach((row, r) => readRow(row, r, width, path));
  return v as number[][];
}

function readRow(row: unknown, r: number, width: number, path: string): void {
  if (!Array.isArray(row)) refuse(`${path}[${r}]: expected a row (a list of numbers), got ${describe(row)}`);
  if (row.length === 0) refuse(`${path}: row ${r + 1} is empty`);
  if (row.length !== width) refuse(`${path}: row ${r + 1} has ${entries(row.length)}, row 1 has ${width}`);
  for (let c = 0; c < row.length; c++) {
    const x = row[c];
    if (typeof x !== 'number') refuse(`${path}[${r}][${c}]: expected a number, got ${describe(x)}`);
    if (!Number.isFinite(x)) refuse(`${path}[${r}][${c}]: expected a finite number, got ${show(x)}`);
  }
}

/** An optional text field (title, notes, note): a string of bounded size. */
function readText(raw: Record<string, unknown>, key: string, path: string, ctx: Context): string | undefined {
  if (!Object.hasOwn(raw, key)) return undefined;
  const s = raw[key];
  if (typeof s !== 'string') refuse(`${path}: expected a string, got ${describe(s)}`);
  if (utf8LongerThan(s, ctx.limits.textBytes)) refuse(`${path}: longer than the limit of ${showSize(ctx.limits.textBytes)}`);
  return s;
}

/**
 * The fields of `raw` that are not `known`, in a prototype-free record (so that a key such as
 * `__proto__` stays a plain entry), or undefined when there are none. Each distinct field is
 * reported once per level ("cells" or the top), at its first occurrence.
 */
function readExtra(raw: Record<string, unknown>, known: readonly string[], path: string, ctx: Context): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const fieldPath = path + pathKey(key, path === '');
    const value = raw[key];
    if (deeperThan(value, ctx.limits.extraDepth)) refuse(`${fieldPath}: nested more than ${ctx.limits.extraDepth} levels deep`);
    // JSON has no Infinity: a literal like 1e999 would be written back as null, so it is refused.
    if (hasNonFinite(value)) refuse(`${fieldPath}: holds a number out of range (JSON cannot write it back)`);
    extra ??= Object.create(null) as Record<string, unknown>;
    defineData(extra, key, value);
    warnUnknown(path === '' ? `top/${key}` : `cell/${key}`, fieldPath, ctx);
  }
  return extra;
}

function warnUnknown(id: string, fieldPath: string, ctx: Context): void {
  if (ctx.warned.has(id) || id === 'top/train') return;
  ctx.warned.add(id);
  ctx.unknownCount++;
  if (ctx.warnings.length < MAX_WARNINGS) ctx.warnings.push(`ignoring unknown field ${fieldPath}`);
}

/** Defines an own data property; unlike `rec[key] = value` it never reaches a `__proto__` setter. */
function defineData(rec: object, key: string, value: unknown): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Whether containers in `v` nest deeper than `max`. Iterative, like the JSON scan. */
function deeperThan(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (depth >= max) return true;
    const children = Array.isArray(x) ? x : Object.values(x);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return false;
}

/** Whether any number inside `v` is not finite. Iterative. */
function hasNonFinite(v: unknown): boolean {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'number' && !Number.isFinite(x)) return true;
    if (x !== null && typeof x === 'object') for (const child of Array.isArray(x) ? x : Object.values(x)) stack.push(child);
  }
  return false;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// --- Sizes and messages -----------------------------------------------------------------------

/** Whether the UTF-8 encoding of `s` exceeds `limit` bytes; stops counting once it does. */
function utf8LongerThan(s: string, limit: number): boolean {
  // UTF-8 takes at least one byte and at most three per UTF-16 code unit.
  if (s.length > limit) return true;
  if (s.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one code point
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    default:
      return typeof v;
  }
}

/** A value itself where that is short (numbers, strings), else its kind. */
function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return quote(v);
  return describe(v);
}

/** A string as JSON, shortened so that a message stays one readable line. */
function quote(s: string): string {
  return s.length > 40 ? `${JSON.stringify(s.slice(0, 40))}…` : JSON.stringify(s);
}

/** `.color` for identifier-like keys, `["my color"]` for the rest; no dot at the top level. */
function pathKey(key: string, top: boolean): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return top ? key : `.${key}`;
  return `[${quote(key)}]`;
}

function clip(s: string, max: number): string {
  // Engine messages may quote the input, which may be binary.
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function entries(n: number): string {
  return n === 1 ? '1 entry' : `${groupDigits(n)} entries`;
}

function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function showSize(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${groupDigits(bytes)} bytes`;
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * The sheet as the text of a file: keys in a fixed order (known fields first, then unknown ones
 * sorted), cells sorted by address, two-space indentation, a trailing newline. A cell whose fields
 * are all plain values is written on one line, so that editing a formula changes one line.
 */
export function writeSheet(doc: SheetDoc): string {
  // Maps keep insertion order for every key; plain objects would put keys like "1" first.
  const top = new Map<string, unknown>([['gradsheet', FORMAT_VERSION]]);
  if (doc.title !== undefined) top.set('title', doc.title);
  if (doc.notes !== undefined) top.set('notes', doc.notes);
  top.set('cells', [...doc.cells].sort(compareCells).map(cellFields));
  addExtra(top, doc.extra, TOP_FIELDS);
  return printFields(top, '', true) + '\n';
}

function cellFields(cell: CellDoc): Map<string, unknown> {
  const fields = new Map<string, unknown>([['at', cell.at]]);
  if (cell.name !== undefined) fields.set('name', cell.name);
  fields.set('formula', cell.formula);
  if (cell.value !== undefined) fields.set('value', cell.value);
  if (cell.note !== undefined) fields.set('note', cell.note);
  addExtra(fields, cell.extra, CELL_FIELDS);
  return fields;
}

/** Unknown fields, sorted; one named like a known field is dropped, as a duplicate key would be read as the last one. */
function addExtra(fields: Map<string, unknown>, extra: Record<string, unknown> | undefined, known: readonly string[]): void {
  if (!extra) return;
  for (const key of Object.keys(extra).sort()) {
    if (!known.includes(key)) fields.set(key, extra[key]);
  }
}

/** compareAddresses, tolerant of invalid addresses (sorted last, by text) so that writing never throws on them. */
function compareCells(a: CellDoc, b: CellDoc): number {
  const va = isAddress(a.at);
  const vb = isAddress(b.at);
  if (va && vb) return compareAddresses(a.at, b.at);
  if (va !== vb) return va ? -1 : 1;
  return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
}

/** A JSON value with JSON.stringify's meaning, laid out our way, and keeping -0 (weights are kept bit for bit). */
function printValue(v: unknown, indent: string): string {
  const x = toJsonValue(v);
  if (x instanceof Map) return printFields(x, indent, false);
  if (Array.isArray(x)) return printArray(x, indent);
  if (isRecord(x)) return printFields(objectFields(x), indent, false);
  return printAtom(x);
}

/** What JSON.stringify would write for `v`, before layout: toJSON applied, non-data as undefined. */
function toJsonValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !(v instanceof Map) && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return (v as { toJSON: () => unknown }).toJSON();
  }
  if (typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (typeof v === 'bigint') throw new TypeError('writeSheet: a BigInt cannot be written as JSON');
  return v;
}

function objectFields(o: Record<string, unknown>): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const key of Object.keys(o)) {
    const v = toJsonValue(o[key]);
    if (v !== undefined) fields.set(key, v);
  }
  return fields;
}

function printFields(fields: Map<string, unknown>, indent: string, multiline: boolean): string {
  const present = [...fields].filter(([, v]) => toJsonValue(v) !== undefined);
  if (present.length === 0) return '{}';
  if (!multiline && present.every(([, v]) => isFlat(v))) {
    return `{ ${present.map(([k, v]) => `${JSON.stringify(k)}: ${printValue(v, indent)}`).join(', ')} }`;
  }
  const inner = indent + '  ';
  const lines = present.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${printValue(v, inner)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** A list of plain values on one line (a matrix row, a loss curve), anything else one entry per line. */
function printArray(items: unknown[], indent: string): string {
  if (items.length === 0) return '[]';
  if (items.every(isFlat)) return `[${items.map((x) => printValue(x, indent)).join(', ')}]`;
  const inner = indent + '  ';
  return `[\n${items.map((x) => inner + printValue(x, inner)).join(',\n')}\n${indent}]`;
}

/** Whether `v` prints without line breaks: a plain value or an empty list or object. */
function isFlat(v: unknown): boolean {
  const x = toJsonValue(v);
  if (x instanceof Map) return x.size === 0;
  if (Array.isArray(x)) return x.length === 0;
  if (isRecord(x)) return objectFields(x).size === 0;
  return true;
}

function printAtom(v: unknown): string {
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return '-0';
    return Number.isFinite(v) ? String(v) : 'null';
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return 'null'; // null, and undefined inside a list, as JSON.stringify writes them
}
