// The top bar: title, file commands, examples, share link, undo/redo, the loss in use, help.
import { For, type JSX, Show, createSignal } from 'solid-js';
import type { Controller } from '../controller';
import type { ExampleEntry } from '../kernel/examples';
import { fileNameFor, readSheetFile, sheetText } from '../kernel/persistence';
import { ExportMenu } from './ExportMenu';
import { ImportCsvButton } from './ImportCsv';
import { RecentMenu, type RecentSource } from './RecentMenu';
import { downloadText, pickedFileText } from '../kernel/dom';
import { createDropdown } from './dropdown';

export function ExamplesMenu(props: { ctl: Controller; examples: () => Promise<ExampleEntry[]> }) {
  const menu = createDropdown();
  const { open, setOpen } = menu;
  const [list, setList] = createSignal<ExampleEntry[] | null>(null);

  const load = () => {
    if (list() === null) props.examples().then(setList, () => setList([]));
  };
  load();

  async function pick(ex: ExampleEntry) {
    setOpen(false);
    let text: string;
    try {
      text = await ex.load();
    } catch (e) {
      props.ctl.setAlert(`${ex.file}: could not be loaded (${e instanceof Error ? e.message : String(e)})`);
      return;
    }
    props.ctl.openResult(readSheetFile(ex.file, text, props.ctl.bridge.isFunction), `open example ${ex.title}`);
    props.ctl.focusGrid();
  }

  return (
    <div class="menu-root" ref={menu.root}>
      <button
        ref={menu.button}
        aria-haspopup="menu"
        aria-expanded={open()}
        aria-controls="examples-menu"
        onClick={() => {
          load();
          setOpen(!open());
        }}
      >
        Examples
      </button>
      <Show when={open()}>
        <div class="menu" id="examples-menu" role="menu" aria-label="Examples" onKeyDown={menu.onKey}>
          <Show when={list()} fallback={<div class="muted pad">Loading…</div>}>
            <For each={list()!}>
              {(ex, i) => (
                <>
                  <Show when={ex.group && (i() === 0 || list()![i() - 1].group !== ex.group)}>
                    <div class="menu-group muted" role="presentation">{ex.group}</div>
                  </Show>
                  <button role="menuitem" class="menu-item" title={ex.summary || ex.file} onClick={() => pick(ex)}>
                    {ex.title}
                  </button>
                </>
              )}
            </For>
          </Show>
        </div>
      </Show>
    </div>
  );
}

export function Toolbar(props: { ctl: Controller; examples: () => Promise<ExampleEntry[]>; helpOpen: boolean; toggleHelp: () => void; pageUrl: () => string; recent?: RecentSource; notesOpen?: boolean; toggleNotes?: () => void; views?: JSX.Element }) {
  const ctl = props.ctl;
  const b = ctl.bridge;
  const [link, setLink] = createSignal<string | null>(null);
  const [copied, setCopied] = createSignal(false);
  let linkInput: HTMLInputElement | undefined;

  async function onFile(e: Event) {
    const picked = await pickedFileText(e, ctl.setAlert);
    if (picked && ctl.openFileText(picked.name, picked.text)) ctl.focusGrid();
  }

  async function share() {
    const url = ctl.shareLink(props.pageUrl());
    setLink(url);
    setCopied(false);
    queueMicrotask(() => linkInput?.select());
    try {
      await navigator.clipboard?.writeText(url);
      setCopied(true);
    } catch {
      /* no clipboard permission: the field shows the link to copy by hand */
    }
  }

  const lossName = () => b.lossName();

  return (
    <header class="toolbar">
      <div class="brand" aria-hidden="true">
        <span class="logo">∂</span> Gradsheet
      </div>
      <input
        class="title-input"
        aria-label="Title"
        placeholder="Untitled sheet"
        value={b.title()}
        title={b.title() || 'Untitled sheet'}
        onChange={(e) => ctl.ws.setTitle(e.currentTarget.value)}
        onKeyDown={(e) => {
          // Enter sets the title (the change event) and hands the keyboard back to the grid.
          if (e.key === 'Enter') {
            e.preventDefault();
            ctl.ws.setTitle(e.currentTarget.value);
            ctl.focusGrid();
          }
        }}
      />
      <div class="tb-group">
        <button onClick={() => { ctl.loadDoc({ gradsheet: 1, cells: [] }, 'new sheet'); ctl.focusGrid(); }}>New</button>
        <Show when={props.recent}>{(r) => <RecentMenu recent={r()} />}</Show>
        <ExamplesMenu ctl={ctl} examples={props.examples} />
        <label class="button file-button">
          Open file
          <input type="file" class="visually-hidden" accept=".json,application/json" onChange={onFile} />
        </label>
        <ImportCsvButton ctl={ctl} />
        <button onClick={() => downloadText(fileNameFor(ctl.ws.title()), sheetText(ctl.ws.toDoc()))}>Save file</button>
        <button onClick={share}>Share link</button>
        <ExportMenu ctl={ctl} />
      </div>
      <div class="tb-group">
        <button aria-label="Undo" title={b.undoLabel() ? `Undo ${b.undoLabel()} (Ctrl+Z)` : 'Undo (Ctrl+Z)'} disabled={!b.canUndo()} onClick={() => ctl.undo()}>
          ↶
        </button>
        <button aria-label="Redo" title={b.redoLabel() ? `Redo ${b.redoLabel()} (Ctrl+Shift+Z)` : 'Redo (Ctrl+Shift+Z)'} disabled={!b.canRedo()} onClick={() => ctl.redo()}>
          ↷
        </button>
      </div>
      <Show when={b.progress()}>
        {(p) => (
          <div class="progress-chip" role="status" aria-label="Computing">
            computing… {Math.floor((100 * p().done) / p().total)}%
          </div>
        )}
      </Show>
      <div class="loss-chip" aria-live="polite" aria-label="Loss in use">
        <Show when={b.activeLoss()} fallback={<span class="muted">no grad(L) cell</span>}>
          <span class="grad">
            ∂ {lossName()} / ∂cell
          </span>
          <span class="muted"> — from </span>
          <Show when={b.gradCells().length > 1} fallback={<span>{b.activeLoss()!.gradCell}</span>}>
            <select
              aria-label="Grad cell"
              value={b.activeLoss()!.gradCell}
              onChange={(e) => b.chooseGradCell(e.currentTarget.value)}
            >
              <For each={b.gradCells()}>{(g) => <option value={g}>{g}</option>}</For>
            </select>
          </Show>
        </Show>
      </div>
      <Show when={props.toggleNotes}>
        <button class="notes-button" aria-pressed={!!props.notesOpen} onClick={() => props.toggleNotes!()}>
          Notes
        </button>
      </Show>
      {props.views}
      <button class="help-button" aria-pressed={props.helpOpen} onClick={props.toggleHelp}>
        Help
      </button>
      <Show when={link()}>
        <div class="share-pop">
          <input ref={linkInput} aria-label="Share link URL" readonly value={link()!} onFocus={(e) => e.currentTarget.select()} />
          <span class="muted">{copied() ? 'Copied to the clipboard.' : 'Copy this link.'}</span>
          <button aria-label="Close share link" onClick={() => setLink(null)}>
            ×
          </button>
        </div>
      </Show>
    </header>
  );
}
