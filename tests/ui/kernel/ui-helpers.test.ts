import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../src/engine/ops/registry';
import { accept, suggest } from '../../../src/ui/kernel/autocomplete';
import { cellAriaLabel } from '../../../src/ui/kernel/cell-text';
import { localBreakdown } from '../../../src/ui/kernel/breakdown';
import { listExamples } from '../../../src/ui/kernel/examples';
import { helpGroups } from '../../../src/ui/kernel/help';
import { gridKeyAction, historyAction } from '../../../src/ui/kernel/keys';
import { visibleWindow } from '../../../src/ui/kernel/grid-window';
import { circuitDoc } from '../../../src/ui/kernel/welcome';
import { createWorkspace } from '../../../src/ui/kernel/workspace';

const reg = createRegistry();

describe('autocomplete', () => {
  it('suggests functions with their signature and names of cells', () => {
    const s = suggest('1 + sig', 7, reg, [{ name: 'sigma', at: 'A1' }])!;
    const labels = s.items.map((i) => i.label);
    expect(labels).toContain('sigmoid');
    expect(labels).toContain('sigma');
    expect(s.items.find((i) => i.label === 'sigmoid')!.detail).toBe(reg.get('sigmoid')!.signature);
    expect(accept('1 + sig', s, s.items.find((i) => i.label === 'sigmoid')!)).toEqual({ text: '1 + sigmoid(', caret: 12 });
  });
  it('offers nothing after a complete cell name, so `q * z` with a cell z is not completed to zeros(', () => {
    expect(suggest('q * z', 5, reg, [{ name: 'z', at: 'A3' }, { name: 'q', at: 'B1' }])).toBeNull();
    expect(suggest('q * z', 5, reg, [])!.items.map((i) => i.label)).toContain('zeros');
  });
  it('offers functions, not the operators behind + - * < (no sub( for "su")', () => {
    const labels = suggest('su', 2, reg, [])!.items.map((i) => i.label);
    expect(labels).toContain('sum');
    expect(labels).not.toContain('sub');
  });
  it('does not suggest inside numbers or after a dot', () => {
    expect(suggest('1e5', 3, reg, [])).toBeNull();
    expect(suggest('x.T', 3, reg, [])).toBeNull();
  });
});

describe('help', () => {
  it('lists every registry op exactly once', () => {
    const names = helpGroups(reg).flatMap((g) => g.ops.map((o) => o.name)).sort();
    expect(names).toEqual(reg.all().map((o) => o.name).sort());
  });

  it('lists the operators in reading order (+ − * / first, then −x, @), not alphabetically', () => {
    const ops = helpGroups(reg).find((g) => g.category === 'operator')!.ops.map((o) => o.name);
    expect(ops.slice(0, 6)).toEqual(['add', 'sub', 'mul', 'div', 'neg', 'matmul']);
  });
});

describe('cell text and breakdown', () => {
  it('accessible names start with the address', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    expect(cellAriaLabel('B2', ws.engine.get('B2'))).toBe('B2 f = -12, gradient 1');
    expect(cellAriaLabel('Z9', null)).toBe('Z9 empty');
    ws.setFormula('D1', '1 +');
    expect(cellAriaLabel('D1', ws.engine.get('D1'))).toMatch(/^D1 error #PARSE/);
  });
  it('explains a fork as a sum of consumer contributions', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    const b = localBreakdown(ws.engine.consumerGraphs('A1'), ws.engine.registry);
    expect(b.groups.map((g) => g.text)).toEqual(['via q: ∂f/∂q · ∂q/∂x = -4 · 1 = -4']);
    expect(b.total).toBe(-4);
    ws.setFormula('B2', 'q * z + x');
    const b2 = localBreakdown(ws.engine.consumerGraphs('A1'), ws.engine.registry);
    expect(b2.groups).toHaveLength(2);
    expect(b2.total).toBe(-3);
  });
});

describe('keys', () => {
  it('maps spreadsheet keys', () => {
    expect(gridKeyAction({ key: 'ArrowDown' })).toEqual({ t: 'move', dc: 0, dr: 1, extend: false });
    expect(gridKeyAction({ key: 'F2' })).toEqual({ t: 'edit', keep: true });
    expect(gridKeyAction({ key: '=' })).toEqual({ t: 'type', text: '=' });
    expect(gridKeyAction({ key: 'Delete' })).toEqual({ t: 'clear' });
    expect(historyAction({ key: 'z', ctrlKey: true })).toBe('undo');
    expect(historyAction({ key: 'Z', metaKey: true, shiftKey: true })).toBe('redo');
    expect(historyAction({ key: 'y', ctrlKey: true })).toBe('redo');
  });
  it('virtualizes: only visible rows and columns', () => {
    const w = visibleWindow({ rowHeight: 50, colWidth: 100, headerHeight: 20, headerWidth: 40 }, 5000, 0, 520, 840, 10000, 100, 0);
    expect(w).toEqual({ r0: 100, r1: 110, c0: 0, c1: 8 });
  });
});

describe('examples list', () => {
  it('uses index.json order and titles, lists other files, and adds the built-in circuit when missing', async () => {
    const files = {
      '/examples/index.json': async () => JSON.stringify({ examples: [{ file: '03-b.json', title: 'B', summary: 'b' }] }),
      '/examples/03-b.json': async () => '{}',
      '/examples/02-a.json': async () => JSON.stringify({ gradsheet: 1, title: 'A title', cells: [] }),
    };
    const list = await listExamples(files);
    expect(list.map((e) => e.title)).toEqual(['Circuit (x + y) * z', 'B', 'A title']);
  });
});
