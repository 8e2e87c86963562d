// Which sheet the page opens with: a share link in the hash wins, then the autosave, then
// (first visit) the circuit example. A broken link is reported and the page falls back.
import type { SheetDoc } from '../../engine/sheet/document';
import { type StorageLike, decodeShareHash, loadAutosave } from './persistence';
import { circuitDoc } from './welcome';

export interface Boot {
  doc: SheetDoc;
  source: 'link' | 'autosave' | 'welcome';
  /** A message for the alert (a broken link), or null. */
  alert: string | null;
  /** No autosave and no link: show the welcome hints. */
  firstRun: boolean;
}

export function bootSheet(hash: string, storage: StorageLike | null, isFunction?: (n: string) => boolean): Boot {
  const link = decodeShareHash(hash, isFunction);
  if (link?.ok) return { doc: link.doc, source: 'link', alert: null, firstRun: false };
  const alert = link && !link.ok ? link.error : null;
  const saved = storage ? loadAutosave(storage, isFunction) : null;
  if (saved) return { doc: saved, source: 'autosave', alert, firstRun: false };
  return { doc: circuitDoc(), source: 'welcome', alert, firstRun: true };
}
