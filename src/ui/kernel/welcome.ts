// First run: the (x + y)·z circuit of the lecture notes, and three short hints.
import type { SheetDoc } from '../../engine/sheet/document';

export function circuitDoc(): SheetDoc {
  return {
    gradsheet: 1,
    title: 'Circuit (x + y) * z',
    notes: 'The first circuit of the lecture notes: q = x + y, f = q · z. grad(f) fills in ∂f/∂cell everywhere.',
    cells: [
      { at: 'A1', name: 'x', formula: '-2' },
      { at: 'A2', name: 'y', formula: '5' },
      { at: 'A3', name: 'z', formula: '-4' },
      { at: 'B1', name: 'q', formula: 'x + y' },
      { at: 'B2', name: 'f', formula: 'q * z' },
      { at: 'C1', formula: 'grad(f)' },
    ],
  };
}

export const WELCOME_HINTS: readonly { id: string; text: string }[] = [
  { id: 'grad', text: 'C1 holds grad(f): the orange ∂ line under each value is ∂f/∂cell. With several grad cells, click one to choose the loss.' },
  { id: 'edit', text: 'Select x (A1), type a new number and press Enter: values and gradients update at once.' },
  { id: 'explain', text: 'Select any cell to see its chain-rule breakdown in the Inspector on the right.' },
];
