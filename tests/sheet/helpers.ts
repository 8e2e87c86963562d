// Shared by the sheet-file tests (read, write, JSON diagnostics): the FORMAT.md example
// verbatim and small builders.
import { readSheet } from '../../src/engine/sheet/format';
import type { SheetDoc } from '../../src/engine/sheet/document';

/** GRADSHEET_FC_SCALE=10 multiplies the property runs, for a deeper search than the everyday one. */
export const SCALE = Math.max(1, Number(process.env.GRADSHEET_FC_SCALE) || 1);

// The example of FORMAT.md, verbatim: writeSheet must reproduce it byte for byte.
export const FORMAT_EXAMPLE = `{
  "gradsheet": 1,
  "title": "Circuit (x + y) * z",
  "notes": "Optional text shown with the sheet.",
  "cells": [
    { "at": "A1", "name": "x", "formula": "-2" },
    { "at": "A2", "name": "y", "formula": "5" },
    { "at": "A3", "name": "z", "formula": "-4" },
    { "at": "B1", "name": "q", "formula": "x + y" },
    { "at": "B2", "name": "f", "formula": "q * z" },
    { "at": "C1", "formula": "grad(f)" }
  ]
}
`;

/** A version-1 sheet holding `cells` (and top-level `more`), as text. */
export function sheetText(cells: unknown[], more: Record<string, unknown> = {}): string {
  return JSON.stringify({ gradsheet: 1, ...more, cells });
}

export function readOk(text: string, options?: Parameters<typeof readSheet>[1]): { doc: SheetDoc; warnings: string[] } {
  const r = readSheet(text, options);
  if (!r.ok) throw new Error(`expected the sheet to be read, got: ${r.error}`);
  return r;
}

export function readError(text: string, options?: Parameters<typeof readSheet>[1]): string {
  const r = readSheet(text, options);
  if (r.ok) throw new Error('expected the sheet to be refused');
  return r.error;
}

export const c = (at: string, formula = '1', more: Record<string, unknown> = {}) => ({ at, formula, ...more });
