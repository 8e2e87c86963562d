// Names spelled like addresses (SPEC §2): W1, b2, L2 are what the notes call weights and losses.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine';
import { readSheet } from '../../src/engine/sheet/format';

function sheet(cells: Record<string, string>, names: Record<string, string> = {}) {
  const e = createEngine();
  // Named cells first, then the formulas that use the names (as a student types them).
  e.batch(() => {
    for (const [at, n] of Object.entries(names)) {
      e.setCell(at, cells[at]);
      expect(e.setName(at, n).ok).toBe(true);
    }
    for (const [at, f] of Object.entries(cells)) if (!(at in names)) e.setCell(at, f);
  });
  return e;
}

describe('names spelled like addresses', () => {
  it("setName('A1', 'W1') makes W1 in formulas mean A1, and $W$1 the address", () => {
    const e = sheet({ A1: '3', W1: '100', B1: 'W1 * 2', B2: '$W$1 * 2' }, { A1: 'W1' });
    expect(e.get('B1')!.value).toBe(6);
    expect(e.get('B2')!.value).toBe(200);
  });

  it('naming a cell never changes an existing formula: uses of the address are pinned, and the note says so', () => {
    const e = sheet({ A1: '3', W1: '100', B1: 'W1 * 2', B2: 'W1 + 1' });
    expect(e.get('B1')!.value).toBe(200);
    const r = e.setName('A1', 'W1');
    expect(r).toMatchObject({ ok: true, note: expect.stringContaining('$W$1') });
    expect(r.ok && r.note).toContain('B1, B2');
    // A document kept beside the engine (the app's workspace) learns every rewrite from the result.
    expect(r.ok && r.rewritten).toEqual([{ at: 'B1', formula: '$W$1 * 2' }, { at: 'B2', formula: '$W$1 + 1' }]);
    expect(e.get('B1')!.formula).toBe('$W$1 * 2');
    expect(e.get('B1')!.value).toBe(200);
    expect(e.get('B2')!.value).toBe(101);
    e.setCell('C1', 'W1 * 10'); // typed after naming: the name
    expect(e.get('C1')!.value).toBe(30);
  });

  it('clearing a name rewrites its uses to the cell address, so they keep reading the same cell', () => {
    const e = sheet({ A1: '3', W1: '100', B1: 'W1 * 2', C1: 'x + 1', A2: '5' }, { A1: 'W1', A2: 'x' });
    expect(e.setName('A1', null).ok).toBe(true);
    expect(e.get('B1')!.formula).toBe('A1 * 2');
    expect(e.get('B1')!.value).toBe(6);
    expect(e.setName('A2', null).ok).toBe(true);
    expect(e.get('C1')!.formula).toBe('A2 + 1');
    expect(e.get('C1')!.value).toBe(6);
  });

  it('renaming W1 to W2 rewrites uses; grad(L, W1) and fill-down templates follow the name', () => {
    const e = sheet({ A1: '2', A2: 'W1 * W1', A3: 'grad(A2, W1)', B1: '1', B2: 'B1 + W1', B3: 'B2 + W1' }, { A1: 'W1' });
    expect(e.get('A3')!.value).toBe(4);
    expect(e.get('B3')!.value).toBe(5);
    e.setName('A1', 'W2');
    expect(e.get('A2')!.formula).toBe('W2 * W2');
    expect(e.get('A3')!.value).toBe(4);
    expect(e.get('B3')!.value).toBe(5);
  });

  it('a sheet file with W1 and b1 names loads with the names winning, in any cell order', () => {
    const r = readSheet(JSON.stringify({
      gradsheet: 1,
      cells: [
        { at: 'B1', formula: 'W1 * x + b1' },
        { at: 'A1', name: 'W1', formula: '2' },
        { at: 'A2', name: 'b1', formula: '0.5' },
        { at: 'A3', name: 'x', formula: '3' },
        { at: 'W1', formula: '1000' },
      ],
    }));
    if (!r.ok) throw new Error(r.error);
    const e = createEngine();
    e.load(r.doc);
    expect(e.get('B1')!.value).toBe(6.5);
  });
});

describe('constants', () => {
  it('pi reads bare, as students write it, and as pi()', () => {
    const e = createEngine();
    e.setCell('A1', '2 * pi');
    e.setCell('A2', 'pi()');
    expect(e.get('A1')!.value).toBeCloseTo(2 * Math.PI, 15);
    expect(e.get('A2')!.value).toBe(Math.PI);
    e.setCell('A3', 'exp + 1');
    expect(e.get('A3')!.error?.message).toContain('call it as exp(');
  });
});
