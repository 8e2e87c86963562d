// The reader's and writer's words: values described for messages, quoted and clipped so
// that a message stays one readable line, JSON paths, sizes. Shared by read.ts and
// json-diagnostics.ts.

export const MiB = 1024 * 1024;

/** Whether the UTF-8 encoding of `s` exceeds `limit` bytes; stops counting once it does. */
export function utf8LongerThan(s: string, limit: number): boolean {
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

export function describe(v: unknown): string {
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
export function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return quote(v);
  return describe(v);
}

/** A string as JSON, shortened so that a message stays one readable line. */
export function quote(s: string): string {
  return s.length > 40 ? `${JSON.stringify(s.slice(0, 40))}…` : JSON.stringify(s);
}

/** `.color` for identifier-like keys, `["my color"]` for the rest; no dot at the top level. */
export function pathKey(key: string, top: boolean): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return top ? key : `.${key}`;
  return `[${quote(key)}]`;
}

export function clip(s: string, max: number): string {
  // Engine messages may quote the input, which may be binary.
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export function entries(n: number): string {
  return n === 1 ? '1 entry' : `${groupDigits(n)} entries`;
}

export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function showSize(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${groupDigits(bytes)} bytes`;
}


export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
