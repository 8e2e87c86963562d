// Diagnostics of JSON text that JSON.parse does not give: the position of a syntax error
// (its messages differ between engines and often carry none), and duplicate keys (which it
// accepts silently, the last one winning). Both scans are iterative, with an explicit stack,
// so deeply nested garbage cannot overflow the call stack.
import { pathKey } from './messages';

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

export function lineAndColumn(t: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = t.indexOf('\n'); nl !== -1 && nl < pos; nl = t.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

export interface DuplicateKey {
  /** The JSON path of the repeated field (`cells[1].at`). */
  path: string;
  key: string;
  pos: number;
}

interface Frame {
  /** Keys seen so far in this object, or null for a list. */
  keys: Set<string> | null;
  /** The key whose value is being read (objects), or the index of the entry (lists). */
  key: string;
  index: number;
  expectKey: boolean;
}

/**
 * The first key that appears twice in one object of the valid JSON text `t`, with its path,
 * or null. JSON.parse keeps the last of them, so `"cells"` twice would drop the first list
 * without a word: the reader refuses such a file instead.
 */
export function findDuplicateKey(t: string): DuplicateKey | null {
  const stack: Frame[] = [];
  const n = t.length;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = t.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top && top.keys && top.expectKey) {
        const raw = t.slice(start, i + 1);
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) return { path: pathOf(stack) + pathKey(key, stack.length === 1), key, pos: start };
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
    } else if (c === 0x7b /* { */) stack.push({ keys: new Set(), key: '', index: 0, expectKey: true });
    else if (c === 0x5b /* [ */) stack.push({ keys: null, key: '', index: 0, expectKey: false });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top.keys) top.expectKey = true;
      else top.index++;
    }
  }
  return null;
}

/** The path to the innermost open object or list (`cells[1]`), the way messages write it. */
function pathOf(stack: Frame[]): string {
  let path = '';
  for (let k = 0; k < stack.length - 1; k++) {
    const f = stack[k];
    path += f.keys ? pathKey(f.key, k === 0) : `[${f.index}]`;
  }
  return path;
}
