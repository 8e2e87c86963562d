// Keyboard as in any spreadsheet: what a key press on the grid means. Pure, so it is testable.
export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

export type GridAction =
  | { t: 'move'; dc: number; dr: number; extend: boolean }
  | { t: 'page'; dir: 1 | -1; extend: boolean }
  | { t: 'home' | 'end'; ctrl: boolean }
  | { t: 'edit'; keep: true }
  | { t: 'type'; text: string }
  | { t: 'clear' }
  | { t: 'undo' }
  | { t: 'redo' }
  | { t: 'selectAll' }
  | { t: 'fill'; dir: 'down' | 'right' }
  | { t: 'jump'; dc: number; dr: number; extend: boolean }
  | { t: 'none' };

export function isMod(e: KeyLike): boolean {
  return !!(e.ctrlKey || e.metaKey);
}

/** Undo/redo shortcuts shared by the grid and the rest of the page. */
export function historyAction(e: KeyLike): 'undo' | 'redo' | null {
  if (!isMod(e) || e.altKey) return null;
  const k = e.key.toLowerCase();
  if (k === 'z') return e.shiftKey ? 'redo' : 'undo';
  if (k === 'y' && !e.shiftKey) return 'redo';
  return null;
}

export function gridKeyAction(e: KeyLike): GridAction {
  const h = historyAction(e);
  if (h) return { t: h };
  const shift = !!e.shiftKey;
  if (isMod(e)) {
    if (e.key.toLowerCase() === 'a') return { t: 'selectAll' };
    if (e.key.toLowerCase() === 'd' && !e.altKey) return { t: 'fill', dir: 'down' };
    if (e.key.toLowerCase() === 'r' && !e.altKey) return { t: 'fill', dir: 'right' };
    const arrow = ({ ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] } as Record<string, [number, number]>)[e.key];
    if (arrow) return { t: 'jump', dc: arrow[0], dr: arrow[1], extend: shift };
    if (e.key === 'Home') return { t: 'home', ctrl: true };
    if (e.key === 'End') return { t: 'end', ctrl: true };
    return { t: 'none' };
  }
  switch (e.key) {
    case 'ArrowUp': return { t: 'move', dc: 0, dr: -1, extend: shift };
    case 'ArrowDown': return { t: 'move', dc: 0, dr: 1, extend: shift };
    case 'ArrowLeft': return { t: 'move', dc: -1, dr: 0, extend: shift };
    case 'ArrowRight': return { t: 'move', dc: 1, dr: 0, extend: shift };
    case 'Tab': return { t: 'move', dc: shift ? -1 : 1, dr: 0, extend: false };
    case 'PageDown': return { t: 'page', dir: 1, extend: shift };
    case 'PageUp': return { t: 'page', dir: -1, extend: shift };
    case 'Home': return { t: 'home', ctrl: false };
    case 'End': return { t: 'end', ctrl: false };
    case 'Enter':
    case 'F2': return { t: 'edit', keep: true };
    case 'Delete':
    case 'Backspace': return { t: 'clear' };
  }
  if (e.key.length === 1 && !e.altKey) return { t: 'type', text: e.key };
  return { t: 'none' };
}
