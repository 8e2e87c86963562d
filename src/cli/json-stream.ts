// `gradsheet eval --json` as a stream of chunks: the document is never built as one string
// (a 5000×5000 matrix printed one entry per line once ran out of string length after 2 GB),
// and each matrix row is one line, entries straight from the Float64Array.
import type { CellView } from '../engine/engine';
import type { Value } from '../engine/tensor/value';

/** Chunks are cut at about this many characters; the writer waits for each to drain. */
export const CHUNK_CHARS = 1 << 16;

/** A finite number as JSON; NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity" (README). */
function num(x: number): string {
  if (Number.isFinite(x)) return String(x);
  return Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"';
}

/**
 * {"cells": [...]} with the fields of the documented shape, in chunks of about CHUNK_CHARS.
 * A cell's scalar fields are on its first line; a matrix value or gradient puts one row per
 * line, so memory stays bounded by one chunk whatever the sizes.
 */
export function* jsonChunks(cells: Iterable<CellView>): Generator<string> {
  let buf = '{"cells": [';
  let first = true;
  for (const c of cells) {
    buf += first ? '\n  ' : ',\n  ';
    first = false;
    buf += `{"at": ${JSON.stringify(c.at)}, "name": ${JSON.stringify(c.name)}, "formula": ${JSON.stringify(c.formula)}, "shape": ${JSON.stringify(c.shape)}, "value": `;
    for (const part of valueParts(c.value)) {
      buf += part;
      if (buf.length >= CHUNK_CHARS) {
        yield buf;
        buf = '';
      }
    }
    buf += ', "grad": ';
    for (const part of valueParts(c.grad)) {
      buf += part;
      if (buf.length >= CHUNK_CHARS) {
        yield buf;
        buf = '';
      }
    }
    buf += `, "error": ${JSON.stringify(c.error ? `#${c.error.kind}: ${c.error.message}` : null)}}`;
    if (buf.length >= CHUNK_CHARS) {
      yield buf;
      buf = '';
    }
  }
  buf += first ? ']}\n' : '\n]}\n';
  yield buf;
}

/** A value as JSON text in pieces: a number, or a list of rows, one row per piece (and line). */
function* valueParts(v: Value | null): Generator<string> {
  if (v === null) {
    yield 'null';
    return;
  }
  if (typeof v === 'number') {
    yield num(v);
    return;
  }
  const { rows, cols, data } = v;
  for (let r = 0; r < rows; r++) {
    let line = r === 0 ? '[\n    [' : ',\n    [';
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      line += (c ? ', ' : '') + num(data[base + c]);
      // A very wide row (1×25,000,000) is still one line, but not one string.
      if ((c & 4095) === 4095) {
        yield line;
        line = '';
      }
    }
    yield line + (r === rows - 1 ? ']\n  ]' : ']');
  }
}
