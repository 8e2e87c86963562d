// Files and links (SPEC §6): open a broken file, open and save a sheet, share links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  alerts, button, circuitSheet, expectAlert, expectCell, expectCircuit, garbageLink, newSheet,
  openCircuit, openFile, readShareLink, screenshot, truncateLink, typeInCell, useApp,
} from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };

/** A page holding the circuit with x = 3 (so it differs from the built-in example). */
async function circuitAt3() {
  const page = await openCircuit(app);
  await typeInCell(page, 'A1', '3');
  await expectCircuit(page, 3);
  return page;
}

test('opening a file that is not JSON is refused with an alert; the sheet is untouched', T, async () => {
  const page = await circuitAt3();
  await openFile(page, 'broken.json', '{ "gradsheet": 1, "cells": [ { "at": "A1", "formula": "777" ');
  const msg = await expectAlert(page, /json/i);
  assert.ok(msg.length > 5, `a message that says what is wrong: ${msg}`);
  await screenshot(page, 'open-broken-file');
  await expectCircuit(page, 3);
  await expectCell(page, 'A1', { name: 'x', shows: [3], hides: [777] });
});

test('opening valid JSON that is not a valid sheet names the problem and its path; nothing is half-loaded', T, async () => {
  const page = await circuitAt3();

  // cells[1].at repeats "A1" (FORMAT.md: `cells[3].at: "A1" is used twice`)
  const duplicate = {
    gradsheet: 1,
    cells: [
      { at: 'A1', name: 'p', formula: '777' },
      { at: 'A1', formula: '778' },
      { at: 'B2', formula: '779' },
    ],
  };
  await openFile(page, 'duplicate.json', JSON.stringify(duplicate));
  await expectAlert(page, /cells\[1\]/);
  await expectCircuit(page, 3);
  await expectCell(page, 'A1', { name: 'x', shows: [3], hides: [777, 778] });
  await expectCell(page, 'B2', { name: 'f', shows: [-32], hides: [779] });

  // a formula that is not a string
  const badFormula = { gradsheet: 1, cells: [{ at: 'A1', formula: '1' }, { at: 'A2', formula: 42 }] };
  await openFile(page, 'bad-formula.json', JSON.stringify(badFormula));
  await expectAlert(page, /cells\[1\]\.formula/);
  await expectCircuit(page, 3);

  // not a sheet at all
  await openFile(page, 'list.json', '[1, 2, 3]');
  await expectAlert(page, /\S/);
  await expectCircuit(page, 3);
});

test('opening a valid sheet file shows it', T, async () => {
  const page = await app.open();
  await newSheet(page);
  await openFile(page, 'circuit.json', JSON.stringify(circuitSheet(3), null, 2));
  await expectCircuit(page, 3);
  assert.deepEqual(await alerts(page).then((a) => a.filter((t) => /error|invalid|not a/i.test(t))), []);
});

test('Save file downloads the sheet as a version-1 JSON file that opens again', T, async () => {
  const page = await circuitAt3();
  const [download] = await Promise.all([page.waitForEvent('download'), button(page, 'Save file').click()]);
  const text = await readFile(await download.path(), 'utf8');
  const doc = JSON.parse(text);
  assert.equal(doc.gradsheet, 1);
  const byAt = Object.fromEntries(doc.cells.map((c) => [c.at, c]));
  assert.equal(byAt.A1.name, 'x');
  assert.equal(String(byAt.A1.formula).replace(/^=/, '').trim(), '3');
  assert.equal(byAt.B2.name, 'f');
  assert.match(byAt.C1.formula, /grad\(\s*f\s*\)/);
  assert.deepEqual(doc.cells.map((c) => c.at), ['A1', 'A2', 'A3', 'B1', 'B2', 'C1'], 'cells sorted by address');

  const other = await app.open();
  await newSheet(other);
  await openFile(other, download.suggestedFilename() || 'sheet.json', text);
  await expectCircuit(other, 3);
});

test('a share link opened in a new browser context shows the same sheet', T, async () => {
  const page = await circuitAt3();
  await button(page, 'Share link').click();
  const link = await readShareLink(page, app.url);
  await screenshot(page, 'share-link');
  const fresh = await app.open(await app.newContext(), link);
  await expectCircuit(fresh, 3);
  await expectCell(fresh, 'B2', { name: 'f', shows: [-32], hides: [-12] });
});

test('a broken share link shows an alert and the app still works', T, async () => {
  const page = await circuitAt3();
  await button(page, 'Share link').click();
  const link = await readShareLink(page, app.url);

  for (const broken of [truncateLink(link), garbageLink(link)]) {
    const fresh = await app.open(await app.newContext(), broken);
    await expectAlert(fresh, /\S/);
    await screenshot(fresh, 'broken-share-link');
    // still usable
    await newSheet(fresh);
    await typeInCell(fresh, 'A1', '7');
    await expectCell(fresh, 'A1', { shows: [7] });
  }
});
