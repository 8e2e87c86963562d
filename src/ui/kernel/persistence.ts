// Files, share links and autosave (SPEC §6). Reading never touches the sheet: every reader
// returns either a complete document or a message saying what is wrong, and the caller loads
// the document only when it is complete.
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import type { SheetDoc } from '../../engine/sheet/document';
import { readSheet, writeSheet } from '../../engine/sheet/format';

export const AUTOSAVE_KEY = 'gradsheet:autosave:v1';
export const WELCOME_KEY = 'gradsheet:welcome-dismissed';
export const SHARE_PREFIX = '#sheet=';

export type OpenResult = { ok: true; doc: SheetDoc; warnings: string[] } | { ok: false; error: string };

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The hash that carries the whole sheet: `#sheet=` + lz-string of the file text. */
export function encodeShareHash(doc: SheetDoc): string {
  return SHARE_PREFIX + compressToEncodedURIComponent(writeSheet(doc));
}

export function shareUrl(pageUrl: string, doc: SheetDoc): string {
  const base = pageUrl.replace(/#.*$/, '');
  return base + encodeShareHash(doc);
}

export function isShareHash(hash: string): boolean {
  return hash.startsWith(SHARE_PREFIX);
}

/** Read a share-link hash. Null when the hash is not a share link at all. */
export function decodeShareHash(hash: string, isFunction?: (n: string) => boolean): OpenResult | null {
  if (!isShareHash(hash)) return null;
  const payload = hash.slice(SHARE_PREFIX.length);
  if (!payload) return { ok: false, error: 'share link: the link holds no sheet (nothing after #sheet=)' };
  let text: string | null = null;
  try {
    text = decompressFromEncodedURIComponent(payload);
  } catch {
    text = null;
  }
  if (!text) return { ok: false, error: 'share link: the link is damaged (its data could not be decompressed); was it cut short when copied?' };
  return readSheet(text, { isFunction, source: 'share link' });
}

export function readSheetFile(fileName: string, text: string, isFunction?: (n: string) => boolean): OpenResult {
  return readSheet(text, { isFunction, source: fileName });
}

/** A file name from the sheet's title: `Circuit (x + y) * z` → `circuit-x-y-z.json`. */
export function fileNameFor(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return (slug || 'sheet') + '.json';
}

export function sheetText(doc: SheetDoc): string {
  return writeSheet(doc);
}

/** Said once, visibly, when the browser gives no storage (disabled, some private modes). */
export const AUTOSAVE_OFF_MESSAGE =
  'Autosave is off: this browser does not let the page store data (storage disabled or a private window), so a reload loses your edits. Use Save file to keep your work.';

/**
 * Whether autosave can work here: a storage exists and takes a write. Private modes and
 * disabled storage either hide localStorage, throw on reading it, or throw on every write;
 * all of them mean "autosave is off", which the user must hear before a reload loses a sheet.
 */
export function autosaveAvailable(storage: StorageLike | null): boolean {
  if (!storage) return false;
  const probe = 'gradsheet:probe';
  try {
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return true;
  } catch {
    return false;
  }
}

export function saveAutosave(storage: StorageLike, doc: SheetDoc): boolean {
  try {
    storage.setItem(AUTOSAVE_KEY, writeSheet(doc));
    return true;
  } catch {
    return false; // quota exceeded or storage disabled: the sheet on screen is unaffected
  }
}

/** The autosaved sheet, or null when there is none (or it cannot be read). */
export function loadAutosave(storage: StorageLike, isFunction?: (n: string) => boolean): SheetDoc | null {
  let text: string | null = null;
  try {
    text = storage.getItem(AUTOSAVE_KEY);
  } catch {
    return null;
  }
  if (!text) return null;
  const r = readSheet(text, { isFunction, source: 'autosave' });
  return r.ok ? r.doc : null;
}

export interface Autosaver {
  /** Note that something changed; saves after `delay` ms of quiet. */
  schedule(): void;
  /** Save now if anything is pending (pagehide). */
  flush(): void;
  dispose(): void;
}

export interface TimerLike {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: TimerLike = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * `onResult` hears whether each save landed: a sheet larger than the browser's storage quota
 * cannot be autosaved, and the user must be told so rather than lose it on a reload.
 */
export function createAutosaver(
  getDoc: () => SheetDoc,
  storage: StorageLike,
  delay = 250,
  timers: TimerLike = realTimers,
  onResult: (ok: boolean) => void = () => {},
): Autosaver {
  let handle: unknown = null;
  let pending = false;
  const save = () => {
    handle = null;
    if (!pending) return;
    pending = false;
    onResult(saveAutosave(storage, getDoc()));
  };
  return {
    schedule() {
      pending = true;
      if (handle !== null) timers.clear(handle);
      handle = timers.set(save, delay);
    },
    flush() {
      if (handle !== null) timers.clear(handle);
      save();
    },
    dispose() {
      if (handle !== null) timers.clear(handle);
      handle = null;
    },
  };
}
