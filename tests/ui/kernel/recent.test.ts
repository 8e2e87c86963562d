import { describe, expect, it } from 'vitest';
import { compressToEncodedURIComponent } from 'lz-string';
import { AUTOSAVE_KEY, createAutosaver, type StorageLike } from '../../../src/ui/kernel/persistence';
import { DOC_PREFIX, createDocSession, readRecent } from '../../../src/ui/kernel/recent';
import { circuitDoc } from '../../../src/ui/kernel/welcome';

function mem(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}
const doc = (a1: string, title = 'T') => ({ gradsheet: 1 as const, title, cells: [{ at: 'A1', formula: a1 }] });
const save = (s: ReturnType<typeof createDocSession>, d: ReturnType<typeof doc>) => {
  s.setTitleSource(() => d.title);
  const saver = createAutosaver(() => d, s.storage, 0, { set: () => 0, clear: () => {} });
  saver.schedule();
  saver.flush();
};

describe('Recent: one autosave slot per sheet', () => {
  it('a share link opens as a new sheet; the saved one stays', () => {
    const storage = mem();
    const s1 = createDocSession({ storage });
    s1.boot('');
    save(s1, doc('42', 'Mine'));
    const s2 = createDocSession({ storage });
    const link = '#sheet=' + compressToEncodedURIComponent(JSON.stringify(circuitDoc()));
    const b = s2.boot(link);
    expect(b.source).toBe('link');
    expect(b.notice).toMatch(/Mine/);
    save(s2, doc('3', 'Shared'));
    expect(readRecent(storage).map((e) => e.title)).toEqual(['Shared', 'Mine']);
    expect(storage.data.get(DOC_PREFIX + s1.id())).toMatch(/"42"/);
  });

  it('a tab reopens its own sheet after a reload, not the latest of another tab', () => {
    const storage = mem();
    const tab1 = mem();
    const s1 = createDocSession({ storage, session: tab1 });
    s1.boot('');
    save(s1, doc('1', 'One'));
    const s2 = createDocSession({ storage, session: mem() });
    s2.boot('');
    s2.startNew();
    save(s2, doc('2', 'Two'));
    const again = createDocSession({ storage, session: tab1 });
    expect(again.boot('').doc.cells[0].formula).toBe('1');
  });

  it('two tabs on one sheet: the second writer forks instead of overwriting', () => {
    const storage = mem();
    const a = createDocSession({ storage });
    a.boot('');
    save(a, doc('0'));
    const b = createDocSession({ storage });
    b.boot('');
    expect(b.id()).toBe(a.id());
    save(a, doc('1'));
    expect(b.changedElsewhere(DOC_PREFIX + a.id())).toBe(true);
    let told = '';
    b.onFork((m) => (told = m));
    save(b, doc('2'));
    expect(told).toMatch(/another tab/);
    expect(b.id()).not.toBe(a.id());
    expect(storage.data.get(DOC_PREFIX + a.id())).toMatch(/"1"/);
    expect(storage.data.get(DOC_PREFIX + b.id())).toMatch(/"2"/);
  });

  it('the single autosave of earlier versions is opened', () => {
    const storage = mem();
    storage.setItem(AUTOSAVE_KEY, JSON.stringify(doc('7')));
    const b = createDocSession({ storage }).boot('');
    expect(b.source).toBe('legacy');
    expect(b.doc.cells[0].formula).toBe('7');
  });
});
