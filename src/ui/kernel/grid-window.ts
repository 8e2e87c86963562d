// Virtualization: which rows and columns of the grid are on screen. Fixed row height and
// column width make this arithmetic.
export interface GridMetrics {
  rowHeight: number;
  colWidth: number;
  headerHeight: number;
  headerWidth: number;
}

export interface Window {
  r0: number;
  r1: number; // inclusive
  c0: number;
  c1: number; // inclusive
}

export function visibleWindow(
  m: GridMetrics,
  scrollTop: number,
  scrollLeft: number,
  viewHeight: number,
  viewWidth: number,
  rows: number,
  cols: number,
  overscan = 2,
): Window {
  const r0 = Math.max(0, Math.floor(scrollTop / m.rowHeight) - overscan);
  const r1 = Math.min(rows - 1, Math.ceil((scrollTop + Math.max(0, viewHeight - m.headerHeight)) / m.rowHeight) + overscan);
  const c0 = Math.max(0, Math.floor(scrollLeft / m.colWidth) - overscan);
  const c1 = Math.min(cols - 1, Math.ceil((scrollLeft + Math.max(0, viewWidth - m.headerWidth)) / m.colWidth) + overscan);
  return { r0, r1: Math.max(r0, r1), c0, c1: Math.max(c0, c1) };
}

export function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

/** Scroll offsets that bring (col,row) into view, or null when it already is. */
export function scrollToReveal(
  m: GridMetrics,
  col: number,
  row: number,
  scrollTop: number,
  scrollLeft: number,
  viewHeight: number,
  viewWidth: number,
): { top: number; left: number } {
  const bodyH = viewHeight - m.headerHeight;
  const bodyW = viewWidth - m.headerWidth;
  let top = scrollTop, left = scrollLeft;
  const y = row * m.rowHeight, x = col * m.colWidth;
  if (y < top) top = y;
  else if (y + m.rowHeight > top + bodyH) top = y + m.rowHeight - bodyH;
  if (x < left) left = x;
  else if (x + m.colWidth > left + bodyW) left = x + m.colWidth - bodyW;
  return { top: Math.max(0, top), left: Math.max(0, left) };
}
