// The gradsheet command, called in-process through run(): output shapes and exit codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  let raw = '';
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s), write: (s) => void (raw += s) });
  return { code, out: raw + out.join('\n'), err: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'gradsheet-cli-'));
function sheet(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
}

const circuit = {
  gradsheet: 1,
  cells: [
    { at: 'A1', name: 'x', formula: '-2' },
    { at: 'A2', name: 'y', formula: '5' },
    { at: 'A3', name: 'z', formula: '-4' },
    { at: 'B1', name: 'q', formula: 'x + y' },
    { at: 'B2', name: 'f', formula: 'q * z' },
    { at: 'C1', formula: 'grad(f)' },
    { at: 'C2', formula: 'check(grad(f, x), -4)' },
    { at: 'D1', name: 'W', formula: '[[1, 2], [3, 4]]' },
  ],
};

describe('gradsheet eval --json', () => {
  it('prints one JSON document with every cell: at, name, formula, shape, value, grad, error', async () => {
    const r = await cli('eval', sheet('c.json', circuit), '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['cells']);
    const byAt = Object.fromEntries(doc.cells.map((c: any) => [c.at, c]));
    expect(byAt.A1).toEqual({ at: 'A1', name: 'x', formula: '-2', shape: [1, 1], value: -2, grad: -4, error: null });
    expect(byAt.B2.grad).toBe(1);
    expect(byAt.D1).toMatchObject({ shape: [2, 2], value: [[1, 2], [3, 4]], grad: null, name: 'W' });
    expect(byAt.C1.name).toBeNull();
  });

  it('reports a cell error as a string and a null value', async () => {
    const r = await cli('eval', sheet('e.json', { gradsheet: 1, cells: [{ at: 'A1', formula: '[[1,2]] @ [[1,2]]' }] }), '--json');
    const c = JSON.parse(r.out).cells[0];
    expect(c.value).toBeNull();
    expect(c.error).toMatch(/^#SHAPE: .*1×2 @ 1×2/);
  });

  it('prints a readable listing without --json', async () => {
    const r = await cli('eval', sheet('c2.json', circuit));
    expect(r.code).toBe(0);
    expect(r.out).toContain('B2 f = q * z');
    expect(r.out).toMatch(/value {2}-12/);
  });
});

describe('gradsheet check', () => {
  it('exits 0 when every check and the gradient check pass', async () => {
    const r = await cli('check', sheet('ok.json', circuit));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^2 passed, 0 failed$/m);
  });

  it('exits 1 when a check fails, and names it', async () => {
    const bad = { ...circuit, cells: [...circuit.cells, { at: 'C3', formula: 'check(grad(f, z), 4)' }] };
    const r = await cli('check', sheet('bad.json', bad));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ C3/);
    expect(r.out).toMatch(/^2 passed, 1 failed$/m);
  });

  it('counts a check cell in error as a failure', async () => {
    const r = await cli('check', sheet('err.json', { gradsheet: 1, cells: [{ at: 'A1', formula: 'check(nope, 1)' }] }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/#NAME/);
  });

  it('exits 2 with one line naming the file and the JSON path for an invalid sheet', async () => {
    const p = sheet('dup.json', { gradsheet: 1, cells: [{ at: 'A1', formula: '1' }, { at: 'A1', formula: '2' }] });
    const r = await cli('check', p);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain(p);
    expect(r.err).toContain('cells[1].at');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a file that is not JSON, or missing', async () => {
    expect((await cli('check', sheet('junk.json', '{not json'))).code).toBe(2);
    const missing = await cli('check', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file/);
  });

  it('exits 2 for a wrong command line', async () => {
    expect((await cli('frobnicate', 'x.json')).code).toBe(2);
    expect((await cli('check')).code).toBe(2);
    expect((await cli('eval', 'a.json', '--bogus')).code).toBe(2);
  });
});

describe('the gradsheet bin', () => {
  it('runs as a command: check on an example exits 0', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['bin/gradsheet.mjs', 'check', 'examples/01-circuit.json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/passed, 0 failed/);
  });
});

describe('issue 7: trust at every size', () => {
  it('check on a correct 1,030-cell sheet passes: numgrad is right past the 1,024th cell', async () => {
    const cells: { at: string; formula: string; name?: string }[] = [{ at: 'A1', name: 'x', formula: '0.5' }];
    for (let r = 2; r <= 1030; r++) cells.push({ at: `A${r}`, formula: `A${r - 1} * 0.999 + 0.001` });
    cells.push({ at: 'B1', name: 'L', formula: 'A1030 * A1030' }, { at: 'B2', formula: 'grad(L)' }, { at: 'B3', formula: 'check(grad(L, A1030), numgrad(L, A1030))' });
    const r = await cli('check', sheet('big.json', { gradsheet: 1, cells }));
    expect(r.out).not.toMatch(/NaN/);
    expect(r.out).toMatch(/✓ B3/);
    expect(r.code).toBe(0);
  });

  it('a correct 100,000-cell chain checks, sampling cells and saying so', async () => {
    const cells: { at: string; formula: string; name?: string }[] = [{ at: 'A1', name: 'x', formula: '0.5' }];
    for (let k = 2; k <= 100_000; k++) cells.push({ at: `${colName(Math.floor((k - 1) / 9999))}${((k - 1) % 9999) + 1}`, formula: 'PREV * 0.99999 + 0.00001' });
    for (let k = 1; k < cells.length; k++) cells[k].formula = cells[k].formula.replace('PREV', cells[k - 1].at);
    const last = cells[cells.length - 1].at;
    cells.push({ at: 'ZZ1', name: 'L', formula: `${last} * ${last}` }, { at: 'ZZ2', formula: 'grad(L)' });
    const r = await cli('check', sheet('chain.json', { gradsheet: 1, cells }));
    expect(r.out).toMatch(/of 100000 cells \(a seeded sample\)/);
    expect(r.out).toMatch(/✓ directional derivative .* over all 1 inputs/);
    expect(r.code).toBe(0);
  });

  it('eval --json streams: each matrix row on one line, chunks bounded, the same document as JSON.parse expects', async () => {
    const out: string[] = [];
    const code = await run(['eval', sheet('wide.json', { gradsheet: 1, cells: [{ at: 'A1', formula: 'randn(300, 400, 1)' }, { at: 'A2', formula: '[[1, 0/0], [1/0, -1/0]]' }] }), '--json'], {
      out: (s) => out.push(s), err: () => {}, write: (s) => void out.push(s),
    });
    expect(code).toBe(0);
    expect(Math.max(...out.map((c) => c.length))).toBeLessThan(2 * 65536);
    const text = out.join('');
    expect(text.split('\n').length).toBeLessThan(320);
    const doc = JSON.parse(text);
    expect(doc.cells[0].value).toHaveLength(300);
    expect(doc.cells[0].value[0]).toHaveLength(400);
    expect(doc.cells[1].value).toEqual([[1, 'NaN'], ['Infinity', '-Infinity']]);
  });

  it('eval --json waits for the reader: the next chunk is not produced before the last write resolved', async () => {
    let pending = 0, maxPending = 0, chunks = 0;
    const code = await run(['eval', sheet('bp.json', { gradsheet: 1, cells: [{ at: 'A1', formula: 'randn(400, 400, 2)' }] }), '--json'], {
      out: () => {}, err: () => {},
      write: () => {
        chunks++;
        pending++;
        maxPending = Math.max(maxPending, pending);
        return new Promise<void>((res) => setTimeout(() => { pending--; res(); }, 0));
      },
    });
    expect(code).toBe(0);
    expect(chunks).toBeGreaterThan(3);
    expect(maxPending).toBe(1);
  });

  it('an internal error is exit 3 with "internal error", never 2 (the invalid-file code)', async () => {
    const { main } = await import('../../src/cli/main');
    const p = sheet('ok2.json', circuit);
    const errs: string[] = [];
    const code = await main(['eval', p, '--json'], { out: () => {}, err: (s) => void errs.push(s), write: () => { throw new Error('disk on fire'); } });
    expect(code).toBe(3);
    expect(errs.join('\n')).toMatch(/internal error.*disk on fire/);
  });

  it('a file error names the file once', async () => {
    const p = sheet('once.json', { gradsheet: 1, cells: [{ at: 'A1', formula: '1' }, { at: 'A1', formula: '2' }] });
    const r = await cli('check', p);
    expect(r.err.split(p).length - 1).toBe(1);
  });
});

function colName(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : String.fromCharCode(64 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26));
}
