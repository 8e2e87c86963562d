// Sheet notes shown when a sheet opens (Markdown, no raw HTML, safe links), editable; the
// Help panel's "how to" page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { button, openFile, screenshot, useApp, waitFor } from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };

test('a sheet with notes opens with them rendered as Markdown, without raw HTML; they can be edited', T, async () => {
  const page = await app.open();
  const notes = '# What to look at\n\nThe **gradient** of `f`. See [the notes](https://example.org/a).\n\n<img src=x onerror="window.pwned=1">\n\n[bad](javascript:alert(1))';
  await openFile(page, 'n.json', JSON.stringify({ gradsheet: 1, title: 'With notes', notes, cells: [{ at: 'A1', formula: '1' }] }));
  const panel = page.getByRole('complementary', { name: 'Sheet notes' });
  await panel.getByRole('heading', { name: 'What to look at' }).waitFor();
  assert.equal(await panel.locator('strong').innerText(), 'gradient');
  assert.equal(await panel.locator('img').count(), 0, 'raw HTML is not rendered');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  const links = await panel.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.getAttribute('rel')]));
  assert.deepEqual(links, [['https://example.org/a', 'noopener noreferrer']], 'only the safe link is a link');
  await screenshot(page, 'notes-panel');
  await panel.getByRole('button', { name: 'Edit' }).click();
  await panel.getByRole('textbox', { name: 'Notes (Markdown)' }).fill('Now *mine*.');
  await panel.getByRole('button', { name: 'Done' }).click();
  await waitFor(async () => (await panel.locator('em').count()) === 1, 'the edited notes to render');
});

test('Help has a how-to page beside the function reference', T, async () => {
  const page = await app.open();
  await button(page, 'Help').click();
  const howto = page.getByRole('region', { name: 'How to' });
  await howto.waitFor();
  const text = await howto.innerText();
  for (const w of ['Name a cell', 'Read ∂', 'Grad cells', 'Checks', 'Keyboard']) assert.ok(text.includes(w), `how-to covers ${w}`);
  await screenshot(page, 'help-howto');
});
