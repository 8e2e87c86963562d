// The Export menu: the student copy of an exercise (answers emptied, no trace of them) and the
// sheet as a NumPy or a PyTorch script, each downloaded as a file.
import { createSignal, For, Show } from 'solid-js';
import type { Controller } from '../controller';
import { type Download, scriptDownload, studentCopyDownload } from '../kernel/exercise';
import { downloadText } from '../kernel/dom';

function save(d: Download, ctl: Controller) {
  if (!d.ok) {
    ctl.setAlert(d.error);
    return;
  }
  ctl.setAlert(null);
  downloadText(d.name, d.text, d.type);
}

export function ExportMenu(props: { ctl: Controller }) {
  const [open, setOpen] = createSignal(false);
  const items: { label: string; make: () => Download }[] = [
    { label: 'NumPy script (.py)', make: () => scriptDownload(props.ctl.ws, 'numpy') },
    { label: 'PyTorch script (.py)', make: () => scriptDownload(props.ctl.ws, 'pytorch') },
    { label: 'Student copy (.json)', make: () => studentCopyDownload(props.ctl.ws) },
  ];
  return (
    <div class="menu-root" onFocusOut={(e) => { if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOpen(false); }}>
      <button aria-haspopup="menu" aria-expanded={open()} onClick={() => setOpen(!open())}>
        Export
      </button>
      <Show when={open()}>
        <div class="menu" role="menu" aria-label="Export" onKeyDown={(e) => { if (e.key === 'Escape') setOpen(false); }}>
          <For each={items}>
            {(it) => (
              <button role="menuitem" class="menu-item" onClick={() => { setOpen(false); save(it.make(), props.ctl); }}>
                {it.label}
              </button>
            )}
          </For>
        </div>
      </Show>
    </div>
  );
}
