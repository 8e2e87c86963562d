import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { createWorkspace } from '../../../src/ui/kernel/workspace';
import { circuitDoc } from '../../../src/ui/kernel/welcome';

describe('the workspace owns its document', () => {
  it('undo, redo and toDoc never read the engine view (no value, no reverse pass)', () => {
    const engine = createEngine();
    const ws = createWorkspace({ engine, doc: circuitDoc() });
    let gets = 0;
    const get = engine.get;
    engine.get = (at) => (gets++, get(at));
    ws.setFormula('A1', '3');
    ws.rename('A2', 'yy');
    ws.undo();
    ws.redo();
    ws.toDoc();
    ws.cellState('B1');
    expect(gets).toBe(0);
    expect(ws.cellState('B1').formula).toBe('x + yy');
  });

  it('toDoc follows renames the engine makes in other formulas', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.rename('A1', 'xx');
    expect(ws.toDoc().cells.find((c) => c.at === 'B1')!.formula).toBe('xx + y');
    ws.undo();
    expect(ws.toDoc().cells.find((c) => c.at === 'B1')!.formula).toBe('x + y');
  });

  it('removing a name rewrites its uses to the address, as one undoable edit', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    expect(ws.rename('A1', null).ok).toBe(true);
    expect(ws.engine.get('B1')!.formula).toBe('A1 + y');
    expect(ws.engine.get('B2')!.value).toBe(-12);
    ws.undo();
    expect(ws.engine.get('A1')!.name).toBe('x');
    expect(ws.engine.get('B1')!.formula).toBe('x + y');
  });

  it('clearContents keeps the name of a cell that others use', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.clearContents(['A1', 'C1']);
    expect(ws.cellState('A1')).toEqual({ formula: '', name: 'x', note: null });
    expect(ws.cellState('C1').formula).toBe('');
    ws.setFormula('A1', '3');
    expect(ws.engine.get('B2')!.value).toBe(-32);
    // Cleared together with every cell that uses it: the name goes too.
    ws.clearContents(['A1', 'B1']);
    expect(ws.cellState('A1').name).toBeNull();
  });

  it('setNamedFormula names and sets in one edit; a refused name changes nothing', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    expect(ws.setNamedFormula('D1', 'w', '2').ok).toBe(true);
    expect(ws.engine.get('D1')).toMatchObject({ name: 'w', value: 2 });
    expect(ws.setNamedFormula('D2', 'exp', '2').ok).toBe(false);
    expect(ws.cellState('D2').formula).toBe('');
    ws.undo();
    expect(ws.engine.get('D1')).toBeNull();
  });
});
