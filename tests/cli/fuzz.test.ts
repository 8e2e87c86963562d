// Fuzzing the command line: whatever file it is given, `check` and `eval` exit 0, 1 or 2 —
// 2 only with one line naming the file — and never crash (3 would be an internal error).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main';

const SCALE = Math.max(1, Number(process.env.GRADSHEET_FC_SCALE) || 1);
const dir = mkdtempSync(join(tmpdir(), 'gradsheet-fuzz-'));

async function cli(text: string | Uint8Array, cmd: string): Promise<{ code: number; err: string[] }> {
  const p = join(dir, 'f.json');
  writeFileSync(p, text);
  const err: string[] = [];
  const code = await run(cmd === 'json' ? ['eval', p, '--json'] : [cmd, p], { out: () => {}, err: (s) => void err.push(s), write: () => {} });
  return { code, err };
}

const formula = fc.oneof(fc.constantFrom('1', 'x * 2', 'grad(L)', 'check(1, 1)', 'numgrad(L, x)', '[[1, 2]]', 'bogus(', '0/0', 'A1 + 1', 'randn(3, 3, 1)'), fc.string({ maxLength: 12 }));

describe('fuzz: gradsheet on random files', () => {
  it('random bytes: exit 2 with one line naming the file once (or 0/1 if they happen to be a sheet)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), fc.constantFrom('check', 'eval', 'json'), async (bytes, cmd) => {
        const r = await cli(bytes, cmd);
        expect([0, 1, 2]).toContain(r.code);
        if (r.code === 2) {
          expect(r.err).toHaveLength(1);
          expect(r.err[0].split('f.json').length - 1).toBe(1);
        }
      }),
      { numRuns: 150 * SCALE, seed: 9 },
    );
  });

  it('random valid sheets: exit 0 or 1, never 2 or 3', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(formula, { minLength: 1, maxLength: 6 }), fc.constantFrom('check', 'eval', 'json'), async (formulas, cmd) => {
        const cells = formulas.map((f, i) => ({ at: `A${i + 1}`, formula: f, ...(i === 0 ? { name: 'x' } : i === 1 ? { name: 'L' } : {}) }));
        const r = await cli(JSON.stringify({ gradsheet: 1, cells }), cmd);
        expect([0, 1]).toContain(r.code);
      }),
      { numRuns: 100 * SCALE, seed: 10 },
    );
  });
});
