// CSV text → a matrix, for data cells (a pasted or imported file). Comma, semicolon or tab
// separated (the first of tab, semicolon, comma found outside quotes in the first record);
// quoted fields as in RFC 4180 ("a ""b""", delimiters and line breaks inside quotes); a first
// row with a non-empty, non-numeric field is a header and is kept aside; blank lines are
// skipped; with semicolons, a decimal comma (1,5) reads as 1.5. Bad input is an answer, never
// a throw: the message names the line and column (1-based, as an editor counts them).
import { MAX_ELEMENTS, Matrix } from '../tensor/value';

export type CsvDelimiter = ',' | ';' | '\t';

export type CsvResult =
  | { ok: true; matrix: Matrix; header: string[] | null; delimiter: CsvDelimiter }
  | { ok: false; message: string; line: number; column: number };

export interface CsvOptions {
  /** Most entries accepted (default: the engine's matrix limit). */
  maxEntries?: number;
}

interface Field {
  text: string;
  quoted: boolean;
  line: number;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$/;

/** The number a field holds, or null. Strict: no hex, no empty string, no stray spaces inside. */
function numberOf(f: Field, delimiter: CsvDelimiter): number | null {
  const t = f.quoted ? f.text.trim() : f.text;
  if (NUMBER.test(t)) return Number(t);
  if (delimiter === ';' && DECIMAL_COMMA.test(t)) return Number(t.replace(',', '.'));
  return null;
}

/** The delimiter of the first non-blank record: tab, else semicolon, else comma, counting only those outside quotes (comma if none). */
function detectDelimiter(text: string): CsvDelimiter {
  const seen = { '\t': false, ';': false, ',': false };
  let quoted = false;
  let content = false; // the record so far holds more than blanks (blank lines before it are skipped)
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === '\n' || c === '\r')) {
      if (content) break;
    } else if (!quoted && (c === '\t' || c === ';' || c === ',')) seen[c] = content = true;
    else if (c !== ' ') content = true;
  }
  return seen['\t'] ? '\t' : seen[';'] ? ';' : ',';
}

function fail(message: string, line: number, column: number): CsvResult {
  return { ok: false, message: `line ${line}, column ${column}: ${message}`, line, column };
}

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * Split into records of fields (a single pass, no recursion). Returns an error for a quote
 * left open or text between a closing quote and the next delimiter.
 */
function records(text: string, d: CsvDelimiter, each: (fields: Field[], line: number) => CsvResult | null): CsvResult | null {
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: Field[] = [];
    for (;;) {
      // One field starting at i.
      while (i < n && (text[i] === ' ' || (text[i] === '\t' && d !== '\t'))) i++;
      if (text[i] === '"') {
        const open = line;
        let s = '';
        i++;
        for (;;) {
          if (i >= n) return fail('a quoted field is never closed', open, fields.length + 1);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              s += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          s += c;
          i++;
        }
        while (i < n && (text[i] === ' ' || (text[i] === '\t' && d !== '\t'))) i++;
        if (i < n && text[i] !== d && text[i] !== '\n' && text[i] !== '\r') return fail(`unexpected text after a closing quote: ${show(text.slice(i, i + 10))}`, line, fields.length + 1);
        fields.push({ text: s, quoted: true, line });
      } else {
        let j = i;
        while (j < n && text[j] !== d && text[j] !== '\n' && text[j] !== '\r') j++;
        fields.push({ text: text.slice(i, j).trimEnd(), quoted: false, line });
        i = j;
      }
      if (i < n && text[i] === d) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    const blank = fields.length === 1 && !fields[0].quoted && fields[0].text === '';
    if (!blank) {
      const r = each(fields, startLine);
      if (r) return r;
    }
    line++;
  }
  return null;
}

export function parseCsv(input: string, options: CsvOptions = {}): CsvResult {
  const maxEntries = options.maxEntries ?? MAX_ELEMENTS;
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const delimiter = detectDelimiter(text);
  let header: string[] | null = null;
  let cols = -1;
  let firstLine = 0;
  let data = new Float64Array(1024);
  let count = 0;
  let rows = 0;
  const err = records(text, delimiter, (fields, line) => {
    if (cols < 0) {
      cols = fields.length;
      firstLine = line;
      if (header === null && rows === 0 && fields.some((f) => f.text.trim() !== '' && numberOf(f, delimiter) === null)) {
        header = fields.map((f) => f.text.trim());
        return null;
      }
    }
    if (fields.length !== cols) {
      return fail(`${fields.length} fields, but line ${firstLine} has ${cols} (every row needs the same number)`, line, Math.min(fields.length, cols) + 1);
    }
    if (count + cols > maxEntries) return fail(`too large: more than ${maxEntries} numbers (the limit)`, line, 1);
    if (count + cols > data.length) {
      const bigger = new Float64Array(Math.min(Math.max(data.length * 2, count + cols), maxEntries));
      bigger.set(data);
      data = bigger;
    }
    for (let k = 0; k < cols; k++) {
      const f = fields[k];
      const v = numberOf(f, delimiter);
      if (v === null || !Number.isFinite(v)) {
        const what = f.text.trim() === '' ? 'an empty field' : `${show(f.text)} is not a number`;
        return fail(`${what}${v !== null ? ' (out of range)' : ''}`, f.line, k + 1);
      }
      data[count++] = v;
    }
    rows++;
    return null;
  });
  if (err) return err;
  if (rows === 0) return fail(header ? 'only a header row, no numbers' : 'no numbers', 1, 1);
  return { ok: true, matrix: new Matrix(rows, cols, data.slice(0, count)), header, delimiter };
}

/** A matrix as CSV text that parseCsv reads back to the same numbers, bit for bit (−0 included). */
export function toCsv(m: Matrix, delimiter: CsvDelimiter = ','): string {
  const lines: string[] = [];
  for (let i = 0; i < m.rows; i++) {
    const row: string[] = [];
    for (let j = 0; j < m.cols; j++) {
      const x = m.data[i * m.cols + j];
      row.push(Object.is(x, -0) ? '-0' : String(x));
    }
    lines.push(row.join(delimiter));
  }
  return lines.join('\n') + '\n';
}
