// What a newcomer hit (issue 8), each reproduced in real Chromium: the keyboard after load,
// removing a name, an invalid name, pointing at cells while typing, `name = formula` lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cell, expectCell, expectCircuit, expectFormula, nameCell, newSheet, openCircuit, screenshot, useApp, waitFor,
} from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };
const formulaBox = (page) => page.getByRole('textbox', { name: 'Formula', exact: true });
const nameBox = (page) => page.getByRole('textbox', { name: 'Name', exact: true });
const focusedRole = (page) => page.evaluate(() => document.activeElement?.getAttribute('role') ?? document.activeElement?.tagName);

test('after the page loads, arrows and typing act on the grid without a click', T, async () => {
  const page = await openCircuit(app);
  await waitFor(async () => (await focusedRole(page)) === 'grid', 'the grid to have the keyboard focus');
  await page.keyboard.press('ArrowDown'); // A2
  await page.keyboard.press('ArrowDown'); // A3
  await page.keyboard.press('ArrowDown'); // A4
  await page.keyboard.type('41');
  await page.keyboard.press('Enter');
  await expectCell(page, 'A4', { shows: [41] });
});

test('Enter in the title box hands the keyboard back to the grid', T, async () => {
  const page = await openCircuit(app);
  const title = page.getByRole('textbox', { name: 'Title', exact: true });
  await title.fill('My circuit');
  await title.press('Enter');
  await waitFor(async () => (await focusedRole(page)) === 'grid', 'the grid to have the keyboard focus');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight'); // D1
  await page.keyboard.type('7');
  await page.keyboard.press('Enter');
  await expectCell(page, 'D1', { shows: [7] });
});

test('clearing a name rewrites its uses to the address; nothing becomes #NAME', T, async () => {
  const page = await openCircuit(app);
  await nameCell(page, 'A1', '');
  await expectFormula(page, 'B1', 'A1 + y');
  await expectCircuit(page, -2 /* numbers unchanged */).catch(() => {}); // A1 has no name now
  await expectCell(page, 'B2', { name: 'f', shows: [-12, 1] });
  await expectCell(page, 'A1', { shows: [-2, -4] });
});

test('Delete on a named cell that is used keeps its name; formulas name it still', T, async () => {
  const page = await openCircuit(app);
  await cell(page, 'A1').click();
  await page.keyboard.press('Delete');
  await expectCell(page, 'A1', { name: 'x' });
  await expectFormula(page, 'B1', 'x + y');
  // Typing a new value brings the circuit back: the name was kept, so B1 still uses it.
  await cell(page, 'A1').click();
  await page.keyboard.type('3');
  await page.keyboard.press('Enter');
  await expectCircuit(page, 3);
});

test('an invalid name typed in the Name box stops at Tab and Enter, with a reason and a suggestion', T, async () => {
  const page = await openCircuit(app);
  await cell(page, 'D1').click();
  await nameBox(page).click();
  await nameBox(page).fill('1st');
  await page.keyboard.press('Tab');
  // The focus stays in the Name box, which says why.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Name');
  const why = await page.locator('#name-error').innerText();
  assert.match(why, /identifier/);
  await nameBox(page).fill('first');
  await page.keyboard.press('Tab');
  await page.keyboard.type('12');
  await page.keyboard.press('Enter');
  await expectCell(page, 'D1', { name: 'first', shows: [12] });
});

test('`name = formula` with an invalid name is not entered; the reason and a suggestion show under the formula bar', T, async () => {
  const page = await openCircuit(app);
  await cell(page, 'D1').click();
  await page.keyboard.type('exp = 3');
  await page.keyboard.press('Enter');
  const msg = page.locator('.cell-message');
  await waitFor(async () => /function name/.test(await msg.innerText()) && /Try/.test(await msg.innerText()), 'the refusal under the formula bar');
  assert.equal(await formulaBox(page).inputValue(), 'exp = 3', 'the typed text is still there to fix');
  await screenshot(page, 'invalid-name-refused');
  await formulaBox(page).fill('e3 = 3');
  await formulaBox(page).press('Enter');
  await expectCell(page, 'D1', { name: 'e3', shows: [3] });
});

test('clicking a cell while the caret waits for an operand inserts its name; Enter commits', T, async () => {
  const page = await openCircuit(app);
  await cell(page, 'D1').click();
  await page.keyboard.type('=');
  await cell(page, 'A2').click(); // y
  await page.keyboard.type(' * ');
  await cell(page, 'A4').click(); // no name: its address
  await cell(page, 'A3').click(); // pointing again replaces the pointed reference: z
  assert.equal(await formulaBox(page).inputValue(), '=y * z');
  await page.keyboard.press('Enter');
  await expectCell(page, 'D1', { shows: [-20] });
  // Arrow keys point too.
  await cell(page, 'D3').click();
  await page.keyboard.type('2 * ');
  await page.keyboard.press('ArrowUp'); // D2
  await page.keyboard.press('ArrowUp'); // D1
  assert.equal(await formulaBox(page).inputValue(), '2 * D1');
  await page.keyboard.press('Enter');
  await expectCell(page, 'D3', { shows: [-40] });
});

test('no error line while a formula is half typed; the grid does not move when an error line appears', T, async () => {
  const page = await openCircuit(app);
  const gridTop = () => page.getByRole('grid').first().evaluate((g) => g.getBoundingClientRect().top);
  const top0 = await gridTop();
  await cell(page, 'D1').click();
  await page.keyboard.type('nosuch + 1');
  await page.keyboard.press('Enter');
  await cell(page, 'D1').click();
  await waitFor(async () => /#NAME/.test(await page.locator('.cell-message').innerText()), 'the error line for D1');
  assert.equal(await gridTop(), top0, 'the grid stays where it was');
  // Typing a new formula into D1: the old error is not shown while typing.
  await page.keyboard.type('A6 +');
  assert.equal((await page.locator('.cell-message').innerText()).trim(), '');
});

test('the sigmoid neuron built with `name = formula` lines only: six gradients', T, async () => {
  const page = await app.open();
  await newSheet(page);
  await cell(page, 'A1').click();
  const lines = [
    'x0 = -1', 'w0 = 2', 'x1 = -2', 'w1 = -3', 'w2 = -3',
    'f = sigmoid(w0*x0 + w1*x1 + w2)', 'grad(f)',
  ];
  let keys = 1; // the click on A1
  for (const l of lines) {
    await page.keyboard.type(l);
    await page.keyboard.press('Enter');
    keys += l.length + 1;
  }
  process.stdout.write(`# sigmoid neuron with name = formula: ${keys} keystrokes (incl. one click)\n`);
  await expectCell(page, 'A6', { name: 'f', shows: [0.7311] });
  await expectCell(page, 'A1', { name: 'x0', shows: [-1, 0.3932] });
  await expectCell(page, 'A2', { name: 'w0', shows: [2, -0.1966] });
  await expectCell(page, 'A3', { name: 'x1', shows: [-2, -0.5898] });
  await expectCell(page, 'A4', { name: 'w1', shows: [-3, -0.3932] });
  await expectCell(page, 'A5', { name: 'w2', shows: [-3, 0.1966] });
  await screenshot(page, 'sigmoid-neuron-typed');
});

// Names spelled like addresses are legal (SPEC §2, issue 6 item 5).
test('`W1 = …` names a cell W1 (a name spelled like an address)', T, async () => {
  const page = await app.open();
  await newSheet(page);
  await cell(page, 'A1').click();
  await page.keyboard.type('W1 = 3');
  await page.keyboard.press('Enter');
  await page.keyboard.type('W1 * 2');
  await page.keyboard.press('Enter');
  await expectCell(page, 'A1', { name: 'W1', shows: [3] });
  await expectCell(page, 'A2', { shows: [6] });
});
