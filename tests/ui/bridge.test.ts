// @vitest-environment jsdom
// The bridge holds which loss the grid shows (a UI choice): switching it re-reads the cells on
// screen for that loss's gradients, which the engine has cached per loss — no cell recomputes.
import { afterEach, describe, expect, it } from 'vitest';
import { createRoot } from 'solid-js';
import { type Bridge, createBridge } from '../../src/ui/bridge';
import { createWorkspace, type Workspace } from '../../src/ui/kernel/workspace';
import type { SheetDoc } from '../../src/engine/sheet/document';

const TWO_LOSSES: SheetDoc = {
  gradsheet: 1,
  cells: [
    { at: 'A1', formula: '3' }, { at: 'A2', formula: 'A1 * A1' }, { at: 'A3', formula: 'grad(A2)' },
    { at: 'B1', formula: '2' }, { at: 'B2', formula: 'B1 * B1 * B1 + A1' }, { at: 'B3', formula: 'grad(B2)' },
  ],
};

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  dispose = null;
});

function mount(doc: SheetDoc = TWO_LOSSES): { ws: Workspace; bridge: Bridge; grad: (at: string) => unknown } {
  return createRoot((d) => {
    dispose = d;
    const ws = createWorkspace({ doc });
    const bridge = createBridge(ws);
    const views = new Map(['A1', 'B1', 'A2'].map((at) => [at, bridge.cell(at)]));
    return { ws, bridge, grad: (at: string) => views.get(at)!()?.grad ?? null };
  });
}

describe('createBridge: the loss shown', () => {
  it('chooseGradCell(B3) shows ∂B2/∂cell on the cells on screen, recomputing no cell and running no reverse pass', () => {
    const { ws, bridge, grad } = mount();
    expect(bridge.activeLoss()).toEqual({ gradCell: 'A3', loss: 'A2' });
    expect([grad('A1'), grad('B1')]).toEqual([6, null]);
    const evals = ws.engine.evaluations, passes = ws.engine.backwardPasses;
    bridge.chooseGradCell('B3');
    expect(bridge.activeLoss()).toEqual({ gradCell: 'B3', loss: 'B2' });
    expect([grad('A1'), grad('B1'), grad('A2')]).toEqual([1, 12, null]);
    expect(bridge.opGraph().loss).toBe('B2');
    expect(bridge.consumerGraphs('B1')).toMatchObject({ loss: 'B2', grad: 12, consumers: [{ at: 'B2', grad: 1 }] });
    bridge.chooseGradCell(null);
    expect([grad('A1'), grad('B1')]).toEqual([6, null]);
    expect([ws.engine.evaluations, ws.engine.backwardPasses]).toEqual([evals, passes]);
  });

  it('an edit re-reads the chosen loss; removing its grad cell falls back to the first; loading a sheet forgets the choice', () => {
    const { ws, bridge, grad } = mount();
    bridge.chooseGradCell('B3');
    ws.setFormula('B1', '1');
    expect(grad('B1')).toBe(3);
    ws.setFormula('B3', '');
    expect(bridge.activeLoss()).toEqual({ gradCell: 'A3', loss: 'A2' });
    expect([grad('A1'), grad('B1')]).toEqual([6, null]);
    ws.undo(); // B3 is back, and still the choice
    expect(bridge.activeLoss()).toEqual({ gradCell: 'B3', loss: 'B2' });
    expect(grad('B1')).toBe(3);
    ws.load(TWO_LOSSES);
    expect(bridge.activeLoss()).toEqual({ gradCell: 'A3', loss: 'A2' });
    expect([grad('A1'), grad('B1')]).toEqual([6, null]);
  });

  it('a note, its undo and redo run no reverse pass and recompute no cell', () => {
    const { ws, bridge, grad } = mount();
    bridge.chooseGradCell('B3');
    expect(grad('B1')).toBe(12);
    const evals = ws.engine.evaluations, passes = ws.engine.backwardPasses;
    ws.setNote('B1', 'the input');
    ws.undo();
    ws.redo();
    ws.toDoc();
    expect(grad('B1')).toBe(12);
    expect([ws.engine.evaluations, ws.engine.backwardPasses]).toEqual([evals, passes]);
  });

  it('without a grad cell there is no loss and no gradient', () => {
    const { bridge, grad } = mount({ gradsheet: 1, cells: [{ at: 'A1', formula: '3' }, { at: 'A2', formula: 'A1 * A1' }] });
    expect(bridge.activeLoss()).toBeNull();
    bridge.chooseGradCell('A2');
    expect(bridge.activeLoss()).toBeNull();
    expect(grad('A1')).toBeNull();
  });
});
