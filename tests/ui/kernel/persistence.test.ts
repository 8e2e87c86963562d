import { describe, expect, it } from 'vitest';
import { compressToEncodedURIComponent } from 'lz-string';
import { bootSheet } from '../../../src/ui/kernel/boot';
import {
  AUTOSAVE_KEY, type StorageLike, createAutosaver, decodeShareHash, encodeShareHash, fileNameFor, loadAutosave, readSheetFile, saveAutosave, shareUrl,
} from '../../../src/ui/kernel/persistence';
import { circuitDoc } from '../../../src/ui/kernel/welcome';
import { createWorkspace } from '../../../src/ui/kernel/workspace';
import { createRegistry } from '../../../src/engine/ops/registry';

const reg = createRegistry();
const isFunction = (n: string) => reg.has(n);

function memStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('share links', () => {
  it('round-trips the whole sheet through the URL hash', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setNote('A1', 'input');
    const doc = ws.toDoc();
    const hash = encodeShareHash(doc);
    expect(hash.startsWith('#sheet=')).toBe(true);
    const back = decodeShareHash(hash, isFunction);
    expect(back?.ok).toBe(true);
    if (back?.ok) expect(back.doc).toEqual(doc);
    expect(shareUrl('http://h/app/?q=1#old', doc)).toBe('http://h/app/?q=1' + hash);
  });

  it('a hash that is not a share link is ignored', () => {
    expect(decodeShareHash('#foo', isFunction)).toBeNull();
    expect(decodeShareHash('', isFunction)).toBeNull();
  });

  it('a damaged link gives a message and the sheet is untouched', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    const before = ws.toDoc();
    const cut = encodeShareHash(before).slice(0, 30);
    const r = decodeShareHash(cut, isFunction);
    expect(r?.ok).toBe(false);
    if (r && !r.ok) expect(r.error).toMatch(/share link/);
    const notSheet = decodeShareHash('#sheet=' + compressToEncodedURIComponent('{"cells": []}'), isFunction);
    expect(notSheet?.ok).toBe(false);
    if (notSheet && !notSheet.ok) expect(notSheet.error).toMatch(/^share link: /);
    expect(ws.toDoc()).toEqual(before);
  });
});

describe('files', () => {
  it('a broken file names the file and the problem', () => {
    const r = readSheetFile('bad.json', '{"gradsheet": 1, "cells": [{"at": "A1"}]}', isFunction);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^bad\.json: cells\[0\]/);
    const r2 = readSheetFile('x.json', 'not json', isFunction);
    expect(r2.ok).toBe(false);
  });

  it('file names come from the title', () => {
    expect(fileNameFor('Circuit (x + y) * z')).toBe('circuit-x-y-z.json');
    expect(fileNameFor('')).toBe('sheet.json');
  });
});

describe('autosave', () => {
  it('restores formulas, names, notes and title exactly', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setNote('A2', 'y note');
    ws.setTitle('My title');
    ws.setNotes('Some notes');
    const st = memStorage();
    saveAutosave(st, ws.toDoc());
    const doc = loadAutosave(st, isFunction)!;
    const ws2 = createWorkspace({ doc });
    expect(ws2.toDoc()).toEqual(ws.toDoc());
    expect(ws2.title()).toBe('My title');
    expect(ws2.notes()).toBe('Some notes');
  });

  it('debounces: many edits, one write after the delay; flush writes at once', () => {
    const st = memStorage();
    let writes = 0;
    const counting: StorageLike = { ...st, setItem: (k, v) => (writes++, st.setItem(k, v)) };
    const queue: (() => void)[] = [];
    const timers = { set: (fn: () => void) => (queue.push(fn), queue.length), clear: (h: unknown) => (queue[(h as number) - 1] = () => {}) };
    const ws = createWorkspace({ doc: circuitDoc() });
    const saver = createAutosaver(() => ws.toDoc(), counting, 250, timers);
    for (let i = 0; i < 5; i++) {
      ws.setFormula('A1', String(i));
      saver.schedule();
    }
    expect(writes).toBe(0);
    queue.forEach((f) => f());
    expect(writes).toBe(1);
    ws.setFormula('A1', '42');
    saver.schedule();
    saver.flush();
    expect(writes).toBe(2);
    expect(loadAutosave(st, isFunction)!.cells.find((c) => c.at === 'A1')!.formula).toBe('42');
  });

  it('reports each save: a storage over its quota says so, and the next save that fits says so too', () => {
    let full = true;
    const st = memStorage();
    const quota: StorageLike = {
      ...st,
      setItem: (k, v) => {
        if (full) throw new DOMException('quota', 'QuotaExceededError');
        st.setItem(k, v);
      },
    };
    const results: boolean[] = [];
    const now = { set: (fn: () => void) => (fn(), 0), clear: () => {} };
    const saver = createAutosaver(() => circuitDoc(), quota, 0, now, (ok) => results.push(ok));
    saver.schedule();
    full = false;
    saver.schedule();
    expect(results).toEqual([false, true]);
    expect(loadAutosave(st, isFunction)).not.toBeNull();
  });

  it('boot: link beats autosave; a broken link falls back with a message; first run opens the circuit', () => {
    const st = memStorage();
    expect(bootSheet('', st, isFunction)).toMatchObject({ source: 'welcome', firstRun: true, alert: null });
    saveAutosave(st, { gradsheet: 1, title: 'saved', cells: [] });
    expect(bootSheet('', st, isFunction)).toMatchObject({ source: 'autosave', firstRun: false });
    const link = encodeShareHash({ gradsheet: 1, title: 'linked', cells: [] });
    expect(bootSheet(link, st, isFunction).doc.title).toBe('linked');
    const broken = bootSheet('#sheet=zzzz', st, isFunction);
    expect(broken.source).toBe('autosave');
    expect(broken.alert).toMatch(/share link/);
    st.setItem(AUTOSAVE_KEY, 'garbage');
    expect(bootSheet('', st, isFunction).source).toBe('welcome');
  });
});
