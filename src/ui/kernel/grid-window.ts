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

/**
 * Columns whose width the user changed (drag the header border, double-click to fit). The
 * others keep the default, so a column's left edge is the default arithmetic plus the few
 * changes before it, and the column at an offset is found by bisection.
 */
export interface ColumnLayout {
  x(col: number): number;
  width(col: number): number;
  /** The column whose span contains offset x (0 = the first column's left edge). */
  at(x: number): number;
}

export function columnLayout(defaultWidth: number, widths: ReadonlyMap<number, number>): ColumnLayout {
  const changed = [...widths.entries()].sort((a, b) => a[0] - b[0]);
  const width = (c: number) => widths.get(c) ?? defaultWidth;
  const x = (c: number) => {
    let s = c * defaultWidth;
    for (const [k, w] of changed) {
      if (k >= c) break;
      s += w - defaultWidth;
    }
    return s;
  };
  return {
    x,
    width,
    at(px) {
      let lo = 0, hi = 1 << 20;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (x(mid) <= px) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

/** The columns on screen with a column layout (overscan as visibleWindow). */
export function visibleColumns(layout: ColumnLayout, scrollLeft: number, viewWidth: number, headerWidth: number, cols: number, overscan = 2): { c0: number; c1: number } {
  const c0 = Math.max(0, layout.at(scrollLeft) - overscan);
  const c1 = Math.min(cols - 1, layout.at(scrollLeft + Math.max(0, viewWidth - headerWidth)) + overscan);
  return { c0, c1: Math.max(c0, c1) };
}

/** The scrollLeft that brings a column into view. */
export function revealColumn(layout: ColumnLayout, col: number, scrollLeft: number, bodyWidth: number): number {
  const x = layout.x(col), w = layout.width(col);
  if (x < scrollLeft) return x;
  if (x + w > scrollLeft + bodyWidth) return Math.max(0, x + w - bodyWidth);
  return scrollLeft;
}
