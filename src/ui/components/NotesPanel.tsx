// The sheet's notes: what to look at in this sheet, shown when it opens (Markdown, rendered
// safely by kernel/markdown), and editable as the user's own.
import { Show, createMemo, createSignal } from 'solid-js';
import type { Controller } from '../controller';
import { renderNotes } from '../kernel/markdown';

export function NotesPanel(props: { ctl: Controller; onClose: () => void }) {
  const ctl = props.ctl;
  const [editing, setEditing] = createSignal(false);
  const html = createMemo(() => renderNotes(ctl.bridge.notes()));
  let area: HTMLTextAreaElement | undefined;
  return (
    <aside class="notes-panel" aria-label="Sheet notes">
      <div class="help-head">
        <h2>Notes</h2>
        <button class="linklike" onClick={() => {
          if (editing() && area) ctl.ws.setNotes(area.value);
          setEditing(!editing());
        }}>
          {editing() ? 'Done' : 'Edit'}
        </button>
        <button class="close" aria-label="Close notes" onClick={props.onClose}>
          ×
        </button>
      </div>
      <Show
        when={editing()}
        fallback={
          <Show when={ctl.bridge.notes().trim()} fallback={<p class="muted">No notes yet. Edit to write what this sheet shows (Markdown).</p>}>
            {/* markdown-it with html: false: the text cannot carry markup of its own. */}
            <div class="notes-body" innerHTML={html()} />
          </Show>
        }
      >
        <textarea
          ref={area}
          class="notes-edit"
          aria-label="Notes (Markdown)"
          value={ctl.bridge.notes()}
          onChange={(e) => ctl.ws.setNotes(e.currentTarget.value)}
        />
      </Show>
    </aside>
  );
}
