// Two small DOM habits the components share: handing text to the browser as a download, and
// moving through a menu's items with the arrow keys.

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
