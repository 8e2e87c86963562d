// Several autosaved sheets ("Recent"), so that nothing a student made is ever overwritten
// silently: each document has an id and a storage slot of its own; a share link, New, an
// example or a file opens as a new document beside the others; each tab remembers which
// document it has open (sessionStorage), and a tab that finds its slot changed by another tab
// forks its edits into a new document instead of writing over them.
//
// The autosaver itself (persistence.ts) is unchanged: it writes AUTOSAVE_KEY through the
// StorageLike it is given, and `slotStorage` points that key at the current document's slot.
import type { SheetDoc } from '../../engine/sheet/document';
import { readSheet } from '../../engine/sheet/format';
import { AUTOSAVE_KEY, type StorageLike, decodeShareHash, loadAutosave } from './persistence';
import { circuitDoc } from './welcome';

export const RECENT_KEY = 'gradsheet:recent:v1';
export const DOC_PREFIX = 'gradsheet:doc:v1:';
export const TAB_KEY = 'gradsheet:tab-doc:v1';
export const MAX_RECENT = 20;

export interface RecentEntry {
  id: string;
  title: string;
  /** When it was last saved (ms since the epoch). */
  time: number;
  /** Bumped by every save: a tab that finds another revision than its own knows another tab wrote. */
  rev: number;
}

export function readRecent(storage: StorageLike): RecentEntry[] {
  try {
    const j = JSON.parse(storage.getItem(RECENT_KEY) ?? '[]');
    if (!Array.isArray(j)) return [];
    return j.filter((e) => e && typeof e.id === 'string' && typeof e.time === 'number').map((e) => ({ id: e.id, title: String(e.title ?? ''), time: e.time, rev: Number(e.rev) || 0 }));
  } catch {
    return [];
  }
}

function writeRecent(storage: StorageLike, list: RecentEntry[]): void {
  storage.setItem(RECENT_KEY, JSON.stringify(list));
}

export function newDocId(now = Date.now()): string {
  return now.toString(36) + Math.random().toString(36).slice(2, 8);
}

export function loadRecentDoc(storage: StorageLike, id: string, isFunction?: (n: string) => boolean): SheetDoc | null {
  let text: string | null = null;
  try {
    text = storage.getItem(DOC_PREFIX + id);
  } catch {
    return null;
  }
  if (!text) return null;
  const r = readSheet(text, { isFunction, source: 'autosave' });
  return r.ok ? r.doc : null;
}

export interface DocSessionOptions {
  storage: StorageLike;
  /** This tab's own memory (sessionStorage): which document it has open, across reloads. */
  session?: StorageLike | null;
  isFunction?: (n: string) => boolean;
  now?: () => number;
}

export interface SessionBoot {
  doc: SheetDoc;
  source: 'link' | 'tab' | 'recent' | 'legacy' | 'welcome';
  /** A broken link's message, or null. */
  alert: string | null;
  /** Something to tell the user (a link opened beside their sheet), or null. */
  notice: string | null;
  firstRun: boolean;
}

export interface DocSession {
  /** The open document's id. */
  id(): string;
  /** Which sheet the page opens with (a link is a new document; else this tab's, else the latest). */
  boot(hash: string): SessionBoot;
  /** Make a new document current (New, a link, an example, a file); the old one stays in Recent. */
  startNew(): void;
  /** Make a Recent document current; its sheet, or null when it cannot be read. */
  open(id: string): SheetDoc | null;
  list(): RecentEntry[];
  /** The StorageLike to give the autosaver: its AUTOSAVE_KEY is the current document's slot. */
  storage: StorageLike;
  /** The title shown in Recent for the current document. */
  setTitleSource(fn: () => string): void;
  /** Called when this tab's edits were saved as a copy because another tab changed the same sheet. */
  onFork(fn: (message: string) => void): void;
  /** A storage event: true when another tab has saved this tab's document. */
  changedElsewhere(key: string | null): boolean;
}

export function createDocSession(opts: DocSessionOptions): DocSession {
  const { storage, session = null, isFunction } = opts;
  const now = opts.now ?? (() => Date.now());
  let id = newDocId(now());
  let rev = 0;
  let title = () => '';
  let fork = (_: string) => {};

  const remember = () => {
    try {
      session?.setItem(TAB_KEY, id);
    } catch {
      /* no session storage: a reload opens the latest sheet */
    }
  };

  function adopt(e: RecentEntry): void {
    id = e.id;
    rev = e.rev;
    remember();
  }

  function write(text: string): void {
    const list = readRecent(storage);
    const mine = list.find((e) => e.id === id);
    if (mine && mine.rev !== rev) {
      // Another tab saved this document since this tab read or wrote it: keep both.
      const was = mine.title || 'Untitled sheet';
      id = newDocId(now());
      rev = 0;
      fork(`“${was}” was also changed in another tab. This tab’s version is saved as a separate sheet (see Recent), so neither overwrites the other.`);
    }
    storage.setItem(DOC_PREFIX + id, text); // may throw (quota): the autosaver reports it
    rev++;
    const entry: RecentEntry = { id, title: title(), time: now(), rev };
    const next = [entry, ...readRecent(storage).filter((e) => e.id !== id)];
    for (const old of next.splice(MAX_RECENT)) {
      try {
        storage.removeItem(DOC_PREFIX + old.id);
      } catch {
        /* ignore */
      }
    }
    writeRecent(storage, next);
    remember();
  }

  const slot: StorageLike = {
    getItem: (key) => (key === AUTOSAVE_KEY ? storage.getItem(DOC_PREFIX + id) : storage.getItem(key)),
    setItem: (key, value) => (key === AUTOSAVE_KEY ? write(value) : storage.setItem(key, value)),
    removeItem: (key) => storage.removeItem(key === AUTOSAVE_KEY ? DOC_PREFIX + id : key),
  };

  return {
    id: () => id,
    storage: slot,
    boot(hash) {
      const link = decodeShareHash(hash, isFunction);
      const list = readRecent(storage);
      if (link?.ok) {
        const prev = list[0];
        return {
          doc: link.doc,
          source: 'link',
          alert: null,
          notice: prev ? `The shared sheet opened as a new sheet. Your sheet “${prev.title || 'Untitled sheet'}” is kept under Recent.` : null,
          firstRun: false,
        };
      }
      const alert = link && !link.ok ? link.error : null;
      let tabId: string | null = null;
      try {
        tabId = session?.getItem(TAB_KEY) ?? null;
      } catch {
        tabId = null;
      }
      const order = [...list.filter((e) => e.id === tabId), ...list.filter((e) => e.id !== tabId)];
      for (const e of order) {
        const doc = loadRecentDoc(storage, e.id, isFunction);
        if (doc) {
          adopt(e);
          return { doc, source: e.id === tabId ? 'tab' : 'recent', alert, notice: null, firstRun: false };
        }
      }
      // The single autosave of earlier versions becomes the first Recent sheet on its next save.
      const legacy = loadAutosave(storage, isFunction);
      if (legacy) return { doc: legacy, source: 'legacy', alert, notice: null, firstRun: false };
      return { doc: circuitDoc(), source: 'welcome', alert, notice: null, firstRun: true };
    },
    startNew() {
      id = newDocId(now());
      rev = 0;
    },
    open(target) {
      const e = readRecent(storage).find((x) => x.id === target);
      const doc = e ? loadRecentDoc(storage, e.id, isFunction) : null;
      if (e && doc) adopt(e);
      return doc;
    },
    list: () => readRecent(storage),
    setTitleSource(fn) {
      title = fn;
    },
    onFork(fn) {
      fork = fn;
    },
    changedElsewhere(key) {
      if (key !== null && key !== RECENT_KEY && key !== DOC_PREFIX + id) return false;
      const mine = readRecent(storage).find((e) => e.id === id);
      return !!mine && mine.rev !== rev;
    },
  };
}
