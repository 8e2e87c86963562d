// Reading sheet files (FORMAT.md, version 1). Pure: no DOM, no Node APIs.
//
// The reader does not trust its input: it never throws, bounds every size, treats keys such as
// `__proto__` as data, refuses duplicate keys, and either returns a complete SheetDoc or one
// message naming the JSON path.
import { isAddress, nameProblem } from '../formula/address';
import { MARK_FIELDS, marksProblem } from '../exercise/marks';
import { readTrainState } from '../train/state';
import { CELL_FIELDS, FORMAT_VERSION, TOP_FIELDS, type CellDoc, type SheetDoc } from './document';
import { findDuplicateKey, findJsonSyntaxError, lineAndColumn } from './json-diagnostics';
import { MiB, clip, describe, entries, groupDigits, isRecord, pathKey, quote, show, showSize, utf8LongerThan } from './messages';

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
  let root: unknown;
  try {
    root = JSON.parse(body);
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
  // JSON.parse keeps the last of two equal keys: "cells" twice would drop a list of cells unseen.
  const dup = findDuplicateKey(body);
  if (dup) refuse(`${dup.path}: the field ${quote(dup.key)} is given twice in one object (only one may be kept, so the file is refused)`);
  return root;
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
  // Fields documented by another module: kept in `extra`, validated there (exercise/marks.ts).
  const marks = marksProblem(extra, path);
  if (marks) refuse(marks);
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
    if (path !== '' && MARK_FIELDS.includes(key)) continue;
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

