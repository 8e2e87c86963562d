// gradsheet train, called in-process: the --json document, --out, and the exit codes of SPEC §7.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main';
import { writeSheet } from '../../src/engine/sheet/format';
import { doc, tinyClassifier } from '../engine/train/fixtures';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  let raw = '';
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s), write: (s) => void (raw += s) });
  return { code, out: raw + out.join('\n'), err: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'gradsheet-train-cli-'));
function file(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : writeSheet(body as never));
  return p;
}

describe('gradsheet train', () => {
  it('--json prints {steps, seconds, loss, accuracy, curve, engine} keyed by cell names; --out saves a sheet eval opens as it is', async () => {
    const sheet = file('tiny.json', tinyClassifier());
    const out = join(dir, 'trained.json');
    const r = (await cli('train', sheet, '--steps', '12', '--out', out, '--json'));
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(Object.keys(d)).toEqual(['steps', 'seconds', 'loss', 'accuracy', 'curve', 'engine']);
    expect(d.engine).toEqual({ kind: 'compiled', compiles: 1, kernels: 'wasm' }); // the compiled plan ran the steps (no fallback reason)
    expect(d.steps).toBe(12);
    expect(typeof d.seconds).toBe('number');
    expect(Object.keys(d.loss)).toEqual(['L']);
    expect(Object.keys(d.accuracy)).toEqual(['acc']);
    expect(d.curve.L.map((p: number[]) => p[0])).toEqual([...Array(12).keys()]);
    const e = (await cli('eval', out, '--json'));
    expect(e.code).toBe(0);
    const cells = JSON.parse(e.out).cells;
    expect(cells.find((c: { at: string }) => c.at === 'A7').value).toBe(12);
    // training on from the saved sheet continues where it stopped
    const again = JSON.parse((await cli('train', out, '--steps', '3', '--json')).out);
    expect(again.curve.L.at(-1)[0]).toBe(14);
    expect(JSON.parse(readFileSync(out, 'utf8')).train.step).toBe(12);
  });

  it('prints the losses and accuracies as text', async () => {
    const r = (await cli('train', file('t.json', tinyClassifier()), '--steps', '5'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/trained 5 steps in .* s/);
    expect(r.out).toMatch(/loss {6}L = /);
    expect(r.out).toMatch(/accuracy {2}acc = /);
  });

  it('exit 1: no optimizer, or a loss that is not finite (naming step and cell)', async () => {
    const none = (await cli('train', file('none.json', doc({ A1: 'param(1)' }))));
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no optimizer/);
    const nan = (await cli('train', file('nan.json', doc({ A1: 'param(1)', A2: 'A1 * A1', A3: 'sgd(A2, 10)' })), '--steps', '500'));
    expect(nan.code).toBe(1);
    expect(nan.err).toMatch(/step \d+: the loss A2 of A3 is Infinity/);
  });

  it('exit 2: an invalid file, a bad training state, bad arguments', async () => {
    expect((await cli('train', file('bad.json', '{"gradsheet": 2}'))).code).toBe(2);
    const badState = (await cli('train', file('state.json', '{"gradsheet": 1, "cells": [], "train": {"step": -3}}')));
    expect(badState.code).toBe(2);
    expect(badState.err).toMatch(/train\.step: expected a whole number/);
    expect((await cli('train', file('ok.json', tinyClassifier()), '--steps', 'many')).code).toBe(2);
    expect((await cli('train')).code).toBe(2);
    expect((await cli('train', join(dir, 'missing.json'))).code).toBe(2);
  });
});
