// Writing sheet files (FORMAT.md, version 1): stable (fixed key order, cells sorted by
// address, two-space indentation) so that sheets diff well and reading then writing a
// written sheet gives the same text. Fields the reader did not know are written back.
import { compareAddresses, isAddress } from '../formula/address';
import { CELL_FIELDS, FORMAT_VERSION, TOP_FIELDS, type CellDoc, type SheetDoc } from './document';
import { isRecord } from './messages';

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
