// Small DOM habits the components share: handing text to the browser as a download, reading
// the file a file input was given, and moving through a menu's items with the arrow keys.

/** Save `text` as a file named `name` (Save file, exports, the student copy). */
export function downloadText(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * The text of the file picked in a file input (the input is cleared, so picking the same file
 * again fires again); null when nothing was picked or it could not be read (`fail` says why).
 */
export async function pickedFileText(e: Event, fail: (message: string) => void): Promise<{ name: string; text: string } | null> {
  const input = e.currentTarget as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (!file) return null;
  try {
    return { name: file.name, text: await file.text() };
  } catch (err) {
    fail(`${file.name}: could not be read (${err instanceof Error ? err.message : String(err)})`);
    return null;
  }
}

/** Arrow keys move between the menu's items, Escape calls `close`; true when the key was the menu's. */
export function menuKey(root: HTMLElement, e: KeyboardEvent, close: () => void): boolean {
  const els = [...root.querySelectorAll<HTMLElement>('[role="menuitem"]')];
  const i = els.indexOf(document.activeElement as HTMLElement);
  if (e.key === 'ArrowDown') els[(i + 1) % els.length]?.focus();
  else if (e.key === 'ArrowUp') els[(i - 1 + els.length) % els.length]?.focus();
  else if (e.key === 'Escape') close();
  else return false;
  e.preventDefault();
  return true;
}
