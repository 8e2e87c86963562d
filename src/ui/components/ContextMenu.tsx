// The grid's context menu: cut, copy, paste, insert/delete row and column, clear.
import { For, onCleanup, onMount } from 'solid-js';
import type { Controller } from '../controller';
import { clipFromText, clipToText } from '../kernel/clipboard';
import { menuKey } from '../kernel/dom';

export function ContextMenu(props: { ctl: Controller; x: number; y: number; onClose: () => void }) {
  const ctl = props.ctl;
  let root!: HTMLDivElement;
  const r = () => ctl.rect();
  const rows = () => r().r1 - r().r0 + 1;
  const cols = () => r().c1 - r().c0 + 1;
  const plural = (n: number, w: string) => (n > 1 ? `${n} ${w}s` : w);
  const copyOut = () => {
    const d = ctl.copy();
    navigator.clipboard?.writeText(clipToText(d)).catch(() => {});
  };
  const items: { label: () => string; run: () => void | Promise<void> }[] = [
    { label: () => 'Cut', run: () => (copyOut(), ctl.clearSelection()) },
    { label: () => 'Copy', run: copyOut },
    {
      label: () => 'Paste',
      run: async () => {
        if (ctl.internalClip()) return ctl.pasteInternal();
        const text = await navigator.clipboard?.readText().catch(() => '');
        if (text) ctl.paste(clipFromText(text));
      },
    },
    { label: () => `Insert ${plural(rows(), 'row')} above`, run: () => ctl.insertDelete('row', r().r0, rows()) },
    { label: () => `Delete ${plural(rows(), 'row')}`, run: () => ctl.insertDelete('row', r().r0, -rows()) },
    { label: () => `Insert ${plural(cols(), 'column')} left`, run: () => ctl.insertDelete('col', r().c0, cols()) },
    { label: () => `Delete ${plural(cols(), 'column')}`, run: () => ctl.insertDelete('col', r().c0, -cols()) },
    { label: () => 'Clear', run: () => ctl.clearSelection() },
  ];
  const outside = (e: MouseEvent) => {
    if (!root.contains(e.target as Node)) props.onClose();
  };
  onMount(() => {
    document.addEventListener('mousedown', outside);
    root.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  });
  onCleanup(() => document.removeEventListener('mousedown', outside));
  function onKey(e: KeyboardEvent) {
    menuKey(root, e, () => {
      props.onClose();
      ctl.focusGrid();
    });
  }
  return (
    <div ref={root} class="menu context-menu" role="menu" aria-label="Cell actions" style={{ left: `${props.x}px`, top: `${props.y}px` }} onKeyDown={onKey}>
      <For each={items}>
        {(it) => (
          <button
            role="menuitem"
            class="menu-item"
            onClick={async () => {
              props.onClose();
              await it.run();
              ctl.focusGrid();
            }}
          >
            {it.label()}
          </button>
        )}
      </For>
    </div>
  );
}
