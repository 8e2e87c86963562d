// A toolbar dropdown's behaviour, shared by the Examples and Recent menus: open/closed, a click
// outside closes it, the arrow keys move through its items and Escape closes it and gives the
// focus back to its button.
import { createSignal, onCleanup } from 'solid-js';
import { menuKey } from '../kernel/dom';

export function createDropdown() {
  const [open, setOpen] = createSignal(false);
  let root: HTMLElement | undefined;
  let button: HTMLButtonElement | undefined;
  const outside = (e: MouseEvent) => {
    if (open() && root && !root.contains(e.target as Node)) setOpen(false);
  };
  document.addEventListener('mousedown', outside);
  onCleanup(() => document.removeEventListener('mousedown', outside));
  return {
    open,
    setOpen,
    /** ref of the element holding the button and the menu */
    root: (el: HTMLElement) => (root = el),
    /** ref of the button that opens it */
    button: (el: HTMLButtonElement) => (button = el),
    /** the menu's keydown handler */
    onKey(e: KeyboardEvent) {
      if (root) menuKey(root, e, () => {
        setOpen(false);
        button?.focus();
      });
    },
  };
}
