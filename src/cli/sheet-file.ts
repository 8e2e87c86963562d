// Reading a sheet file for the exercise and export commands: the file's document (with the
// fields other modules document, such as answer marks) or one message naming the file.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRegistry } from '../engine/ops/registry';
import type { SheetDoc } from '../engine/sheet/document';
import { readSheet, SHEET_LIMITS } from '../engine/sheet/format';

export type DocFile = { ok: true; doc: SheetDoc; warnings: string[] } | { ok: false; error: string };

export function readDocFile(path: string): DocFile {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { ok: false, error: `${path}: not a file` };
    if (st.size > SHEET_LIMITS.fileBytes) return { ok: false, error: `${path}: the file is ${st.size} bytes, larger than the limit of ${SHEET_LIMITS.fileBytes}` };
    text = readFileSync(path, 'utf8');
  } catch (e: any) {
    return { ok: false, error: `${path}: cannot read the file (${e?.code === 'ENOENT' ? 'no such file' : (e?.code ?? e?.message ?? 'error')})` };
  }
  const registry = createRegistry();
  return readSheet(text, { isFunction: (n) => registry.has(n), source: path });
}

/** Write `text` to `path`; a message when that fails. */
export function writeOut(path: string, text: string): string | null {
  try {
    writeFileSync(path, text);
    return null;
  } catch (e: any) {
    return `${path}: cannot write the file (${e?.code ?? e?.message ?? 'error'})`;
  }
}

/** `--name VALUE` from an argument list: the value, undefined when absent, or a problem message. */
export function optionValue(args: string[], name: string): { value?: string; rest: string[]; problem?: string } {
  const i = args.indexOf(name);
  if (i < 0) return { rest: args };
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) return { rest: args, problem: `${name} needs a value` };
  return { value, rest: [...args.slice(0, i), ...args.slice(i + 2)] };
}
