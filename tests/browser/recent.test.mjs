// Never lose work (issue 8, bug 1): a share link opens as its own sheet beside the autosaved
// ones; a link pasted into an open tab is followed; two tabs never overwrite each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lz from 'lz-string';
import {
  button, cell, circuitSheet, expectAlert, expectCell, expectCircuit, newSheet, screenshot, typeInCell, useApp, waitFor,
} from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };
const linkFor = (doc) => `${app.url}#sheet=${lz.compressToEncodedURIComponent(JSON.stringify(doc))}`;

/** A page in CONTEXT holding a sheet of my own: A1 = 42, titled "Mine". */
async function mySheet(context) {
  const page = await app.open(context);
  await newSheet(page);
  await typeInCell(page, 'A1', '42');
  await expectCell(page, 'A1', { shows: [42] });
  const title = page.getByRole('textbox', { name: 'Title', exact: true });
  await title.fill('Mine');
  await title.press('Enter');
  await waitFor(async () => (await page.evaluate(() => localStorage.getItem('gradsheet:recent:v1') ?? '')).includes('Mine'), 'the sheet to be autosaved');
  return page;
}

async function recentTitles(page) {
  await button(page, 'Recent').click();
  const items = page.getByRole('menu', { name: 'Recent sheets' }).getByRole('menuitem');
  await items.first().waitFor();
  const out = await items.allInnerTexts();
  return { out, items };
}

test('a share link opened in another tab opens beside my sheet; my sheet survives a reload', T, async () => {
  const context = await app.newContext();
  const mine = await mySheet(context);
  const other = await app.open(context, linkFor(circuitSheet(3, 'Shared circuit')));
  await expectCircuit(other, 3);
  await expectAlert(other, /new sheet/i);
  // My tab still has my sheet, also after a reload.
  await mine.reload({ waitUntil: 'load' });
  await mine.getByRole('grid').first().waitFor();
  await expectCell(mine, 'A1', { shows: [42] });
  // Both are listed under Recent.
  const { out } = await recentTitles(mine);
  assert.ok(out.some((t) => /Mine/.test(t)) && out.some((t) => /Shared circuit/.test(t)), `Recent lists both: ${JSON.stringify(out)}`);
});

test('a link pasted into the address bar of an open tab is opened; the previous sheet is one click away in Recent', T, async () => {
  const context = await app.newContext();
  const page = await mySheet(context);
  await page.goto(linkFor(circuitSheet(3, 'Shared circuit')));
  await expectCircuit(page, 3);
  const { items } = await recentTitles(page);
  await screenshot(page, 'recent-menu');
  await items.filter({ hasText: 'Mine' }).first().click();
  await expectCell(page, 'A1', { shows: [42], hides: [3] });
  // And the shared one is kept too.
  const again = await recentTitles(page);
  assert.ok(again.out.some((t) => /Shared circuit/.test(t)), JSON.stringify(again.out));
});

test('two tabs editing the same sheet keep both versions (neither overwrites the other silently)', T, async () => {
  const context = await app.newContext();
  const a = await mySheet(context);
  const b = await app.open(context); // opens the latest sheet: the same one
  await expectCell(b, 'A1', { shows: [42] });
  await typeInCell(a, 'A2', '1');
  await expectCell(a, 'A2', { shows: [1] });
  const saved = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('gradsheet:doc:v1:')).map((k) => localStorage.getItem(k)));
  await waitFor(async () => (await saved(a)).some((t) => /"A2"[^}]*"formula": "1"/.test(t)), 'tab A to save its edit');
  await typeInCell(b, 'A2', '2');
  await expectAlert(b, /another tab/);
  await waitFor(async () => {
    const docs = await saved(b);
    return docs.some((t) => /"A2"[^}]*"formula": "1"/.test(t)) && docs.some((t) => /"A2"[^}]*"formula": "2"/.test(t));
  }, 'both versions of A2 to be saved');
  await screenshot(b, 'two-tabs-fork');
  // Each tab reloads into its own version.
  await a.reload({ waitUntil: 'load' });
  await a.getByRole('grid').first().waitFor();
  await expectCell(a, 'A2', { shows: [1] });
  await b.reload({ waitUntil: 'load' });
  await b.getByRole('grid').first().waitFor();
  await expectCell(b, 'A2', { shows: [2] });
});
