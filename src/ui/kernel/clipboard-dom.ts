// The clipboard event's DataTransfer ↔ ClipData: our own JSON when the browser keeps custom
// types, tab-separated formulas always (other programs read those).
import { CLIP_MIME, type ClipData, clipFromJson, clipFromText, clipToJson, clipToText } from './clipboard';

export function writeClip(dt: DataTransfer | null, d: ClipData): void {
  if (!dt) return;
  dt.setData('text/plain', clipToText(d));
  try {
    dt.setData(CLIP_MIME, clipToJson(d));
  } catch {
    /* custom types refused: the internal clipboard still has it */
  }
}

/**
 * What a paste event carries. Our own JSON first; plain text equal to what we last copied
 * means our copy (with its origin, so references shift); other text is pasted as typed.
 */
export function readClip(dt: DataTransfer | null, internal: ClipData | null): ClipData | null {
  const json = dt?.getData(CLIP_MIME);
  const own = json ? clipFromJson(json) : null;
  if (own) return own;
  const text = dt?.getData('text/plain') ?? '';
  if (internal && (!text || text === clipToText(internal))) return internal;
  return text ? clipFromText(text) : null;
}
