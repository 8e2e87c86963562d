// "Recent": the autosaved sheets of this browser, newest first; one click reopens one.
import { For, Show, createSignal } from 'solid-js';
import type { RecentEntry } from '../kernel/recent';
import { createDropdown } from './dropdown';

export interface RecentSource {
  list(): RecentEntry[];
  currentId(): string;
  open(id: string): void;
}

function ago(t: number, now: number): string {
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

export function RecentMenu(props: { recent: RecentSource }) {
  const menu = createDropdown();
  const { open, setOpen } = menu;
  const [items, setItems] = createSignal<RecentEntry[]>([]);

  return (
    <div class="menu-root" ref={menu.root}>
      <button
        ref={menu.button}
        aria-haspopup="menu"
        aria-expanded={open()}
        aria-controls="recent-menu"
        onClick={() => {
          setItems(props.recent.list());
          setOpen(!open());
        }}
      >
        Recent
      </button>
      <Show when={open()}>
        <div class="menu" id="recent-menu" role="menu" aria-label="Recent sheets" onKeyDown={menu.onKey}>
          <Show when={items().length} fallback={<div class="muted pad">No saved sheets yet.</div>}>
            <For each={items()}>
              {(e) => (
                <button
                  role="menuitem"
                  class="menu-item recent-item"
                  classList={{ current: e.id === props.recent.currentId() }}
                  aria-current={e.id === props.recent.currentId() ? 'true' : undefined}
                  title={e.title || 'Untitled sheet'}
                  onClick={() => {
                    setOpen(false);
                    if (e.id !== props.recent.currentId()) props.recent.open(e.id);
                  }}
                >
                  <span class="recent-title">{e.title || 'Untitled sheet'}</span>
                  <span class="muted recent-time">{e.id === props.recent.currentId() ? 'open' : ago(e.time, Date.now())}</span>
                </button>
              )}
            </For>
          </Show>
        </div>
      </Show>
    </div>
  );
}
