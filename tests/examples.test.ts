// Every example sheet reproduces its lecture notes: each of its check() cells passes and its
// whole-sheet gradient check agrees with finite differences (what `gradsheet check` runs).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine';
import { readSheet, writeSheet } from '../src/engine/sheet/format';

const dir = join(__dirname, '..', 'examples');
const files = readdirSync(dir).filter((f) => /^\d+.*\.json$/.test(f)).sort();

describe('examples/', () => {
  it('holds the worked examples of the lecture notes', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  for (const file of files) {
    it(`${file}: every check passes and gradients agree with finite differences`, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const engine = createEngine();
      const res = readSheet(text, { isFunction: (n) => engine.registry.has(n) });
      if (!res.ok) throw new Error(res.error);
      expect(res.warnings).toEqual([]);
      engine.load(res.doc);
      const cells = engine.cells();
      const checks = cells.filter((c) => c.isCheck);
      expect(checks.length).toBeGreaterThan(0);
      for (const c of checks) expect({ at: c.at, error: c.error, pass: c.check?.pass }).toEqual({ at: c.at, error: null, pass: true });
      expect(engine.gradCells().length).toBeGreaterThan(0);
      for (const g of engine.gradientCheck()) expect({ loss: g.loss, error: g.error, pass: g.pass, worst: g.rows[0] }).toMatchObject({ error: null, pass: true });
      // No cell of an example is in error, and the file is in the stable written form.
      expect(cells.filter((c) => c.error).map((c) => `${c.at}: ${c.error!.message}`)).toEqual([]);
      expect(writeSheet(res.doc)).toBe(text);
    });
  }
});
