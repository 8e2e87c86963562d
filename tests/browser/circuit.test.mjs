// The (x + y) * z circuit built by keyboard, edited, undone and redone, and restored after a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCircuit, button, cell, expectCell, expectCircuit, newSheet, openCircuit, screenshot, storageSnapshot,
  normalize, numbersIn, typeInCell, useApp, waitFor,
} from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };

test('build (x + y) * z by keyboard from a New sheet: values and gradients', T, async () => {
  const page = await app.open();
  await newSheet(page);
  await buildCircuit(page);
  // f = (x + y) z = 3 * -4 = -12; ∂f/∂x = ∂f/∂y = z = -4; ∂f/∂z = x + y = 3
  await expectCircuit(page, -2);
  await screenshot(page, 'circuit-built');
  assert.deepEqual(app.pageErrors.map(String), []);
});

test('the Inspector shows the selected cell: value, gradient, shape, chain rule', T, async () => {
  const page = await openCircuit(app);
  await cell(page, 'A3').click();
  const inspector = page.locator('[aria-label="Inspector"]').first();
  let text = '';
  await waitFor(async () => {
    text = normalize(await inspector.innerText());
    const nums = numbersIn(text);
    return /\bA3\b/.test(text) && nums.includes(-4) && nums.includes(3);
  }, 'the Inspector to show A3 (z = -4, ∂f/∂z = 3)').catch((e) => {
    throw new Error(`${e.message}; it shows: ${JSON.stringify(text)}`);
  });
  assert.match(text, /shape/i, 'the Inspector gives the shape');
  assert.match(text, /chain/i, 'the Inspector gives the chain-rule breakdown');
  await screenshot(page, 'inspector');
});

test('editing an input (x = 3) updates values and gradients downstream', T, async () => {
  const page = await openCircuit(app);
  await typeInCell(page, 'A1', '3');
  // q = 8, f = -32, ∂f/∂z = 8
  await expectCircuit(page, 3);
  await expectCell(page, 'B2', { name: 'f', shows: [-32, 1], hides: [-12] });
  await expectCell(page, 'A3', { name: 'z', shows: [-4, 8], hides: [3] });
});

test('undo with Ctrl+Z brings the old value back; Ctrl+Shift+Z and Ctrl+Y redo', T, async () => {
  const page = await openCircuit(app);
  await typeInCell(page, 'A1', '3');
  await expectCircuit(page, 3);

  // Keyboard shortcuts act on the grid: select a cell first (not an input).
  await cell(page, 'D4').click();
  await page.keyboard.press('Control+z');
  await expectCircuit(page, -2);
  await expectCell(page, 'B2', { name: 'f', shows: [-12], hides: [-32] });

  await page.keyboard.press('Control+Shift+z');
  await expectCircuit(page, 3);

  await page.keyboard.press('Control+z');
  await expectCircuit(page, -2);
  await page.keyboard.press('Control+y');
  await expectCircuit(page, 3);
});

test('the Undo and Redo buttons undo and redo an edit', T, async () => {
  const page = await openCircuit(app);
  await typeInCell(page, 'A1', '3');
  await expectCircuit(page, 3);
  await button(page, 'Undo').click();
  await expectCircuit(page, -2);
  await button(page, 'Redo').click();
  await expectCircuit(page, 3);
});

test('a reload restores the sheet (autosave)', T, async () => {
  const context = await app.newContext();
  const page = await openCircuit(app, context);
  const before = await storageSnapshot(page);
  await typeInCell(page, 'A1', '3');
  await expectCircuit(page, 3);
  // Give a debounced autosave its chance to write (it may also save on unload instead).
  await waitFor(async () => (await storageSnapshot(page)) !== before, 'localStorage to change', 5_000).catch(() => {});
  await page.reload({ waitUntil: 'load' });
  await page.getByRole('grid').first().waitFor();
  // The gradients are back too, so the grad(f) cell was restored with the inputs.
  await expectCircuit(page, 3);
  // A second page of the same browser profile sees the same sheet.
  const again = await app.open(context);
  await expectCircuit(again, 3);
});
