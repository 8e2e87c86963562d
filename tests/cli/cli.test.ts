// The gradsheet command, called in-process through run(): output shapes and exit codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main';

function cli(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [], err: string[] = [];
  const code = run(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
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
  it('prints one JSON document with every cell: at, name, formula, shape, value, grad, error', () => {
    const r = cli('eval', sheet('c.json', circuit), '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['cells']);
    const byAt = Object.fromEntries(doc.cells.map((c: any) => [c.at, c]));
    expect(byAt.A1).toEqual({ at: 'A1', name: 'x', formula: '-2', shape: [1, 1], value: -2, grad: -4, error: null });
    expect(byAt.B2.grad).toBe(1);
    expect(byAt.D1).toMatchObject({ shape: [2, 2], value: [[1, 2], [3, 4]], grad: null, name: 'W' });
    expect(byAt.C1.name).toBeNull();
  });

  it('reports a cell error as a string and a null value', () => {
    const r = cli('eval', sheet('e.json', { gradsheet: 1, cells: [{ at: 'A1', formula: '[[1,2]] @ [[1,2]]' }] }), '--json');
    const c = JSON.parse(r.out).cells[0];
    expect(c.value).toBeNull();
    expect(c.error).toMatch(/^#SHAPE: .*1×2 @ 1×2/);
  });

  it('prints a readable listing without --json', () => {
    const r = cli('eval', sheet('c2.json', circuit));
    expect(r.code).toBe(0);
    expect(r.out).toContain('B2 f = q * z');
    expect(r.out).toMatch(/value {2}-12/);
  });
});

describe('gradsheet check', () => {
  it('exits 0 when every check and the gradient check pass', () => {
    const r = cli('check', sheet('ok.json', circuit));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^2 passed, 0 failed$/m);
  });

  it('exits 1 when a check fails, and names it', () => {
    const bad = { ...circuit, cells: [...circuit.cells, { at: 'C3', formula: 'check(grad(f, z), 4)' }] };
    const r = cli('check', sheet('bad.json', bad));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ C3/);
    expect(r.out).toMatch(/^2 passed, 1 failed$/m);
  });

  it('counts a check cell in error as a failure', () => {
    const r = cli('check', sheet('err.json', { gradsheet: 1, cells: [{ at: 'A1', formula: 'check(nope, 1)' }] }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/#NAME/);
  });

  it('exits 2 with one line naming the file and the JSON path for an invalid sheet', () => {
    const p = sheet('dup.json', { gradsheet: 1, cells: [{ at: 'A1', formula: '1' }, { at: 'A1', formula: '2' }] });
    const r = cli('check', p);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain(p);
    expect(r.err).toContain('cells[1].at');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a file that is not JSON, or missing', () => {
    expect(cli('check', sheet('junk.json', '{not json')).code).toBe(2);
    const missing = cli('check', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file/);
  });

  it('exits 2 for a wrong command line', () => {
    expect(cli('frobnicate', 'x.json').code).toBe(2);
    expect(cli('check').code).toBe(2);
    expect(cli('eval', 'a.json', '--bogus').code).toBe(2);
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
