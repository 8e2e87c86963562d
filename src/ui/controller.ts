// UI state that is not the document: the selection, the cell being edited, the draft name,
// panels, the alert. Every document change goes through the workspace (and so into undo).
import { type Accessor, createMemo, createSignal } from 'solid-js';
import type { CellView } from '../engine/engine';
import type { SheetDoc } from '../engine/sheet/document';
import type { Bridge } from './bridge';
import { type ClipData, clipFromJson, clipFromText, clipToJson, clipToText, copyRect, pasteIntoRect } from './kernel/clipboard';
import { type OpenResult, encodeShareHash, readSheetFile, shareUrl } from './kernel/persistence';
import { type Pos, type Rect, type Selection, addressOf, addressesIn, moveSelection, rectOf, single } from './kernel/selection';
import type { Workspace } from './kernel/workspace';
import { CLIP_MIME } from './kernel/clipboard';
import { pasteCsvData } from './kernel/csv-import';

export interface Editing {
  at: string;
  draft: string;
}

export interface Controller {
  ws: Workspace;
  bridge: Bridge;
  selection: Accessor<Selection>;
  active: Accessor<string>;
  activeView: Accessor<CellView | null>;
  rect: Accessor<Rect>;
  select(p: Pos, extend?: boolean): void;
  move(dc: number, dr: number, extend?: boolean): void;
  selectRect(r: Rect): void;
  editing: Accessor<Editing | null>;
  startEdit(draft?: string): void;
  setDraft(draft: string): void;
  commitEdit(): boolean;
  cancelEdit(): void;
  nameDraft: Accessor<string | null>;
  nameError: Accessor<string | null>;
  setNameDraft(text: string | null): void;
  commitName(): boolean;
  clearSelection(): void;
  copy(): ClipData;
  /** Write the selection to a clipboard event (and the internal clipboard). */
  copyTo(dt: DataTransfer | null): void;
  pasteFrom(dt: DataTransfer | null): void;
  pasteInternal(): void;
  undo(): void;
  redo(): void;
  alert: Accessor<string | null>;
  setAlert(message: string | null): void;
  /** Load a read result: on failure shows the message and leaves the sheet untouched. */
  openResult(r: OpenResult, label: string): boolean;
  openFileText(name: string, text: string): boolean;
  loadDoc(doc: SheetDoc, label: string): void;
  shareLink(pageUrl: string): string;
  focusGrid(): void;
  setGridFocuser(fn: () => void): void;
  focusFormula(caretAtEnd?: boolean): void;
  setFormulaFocuser(fn: (caretAtEnd: boolean) => void): void;
}

export function createController(ws: Workspace, bridge: Bridge): Controller {
  const [selection, setSelection] = createSignal<Selection>(single({ col: 0, row: 0 }));
  const [editing, setEditing] = createSignal<Editing | null>(null);
  const [nameDraftState, setNameDraftState] = createSignal<{ at: string; text: string } | null>(null);
  const [nameErrorState, setNameErrorState] = createSignal<{ at: string; message: string } | null>(null);
  const [alert, setAlert] = createSignal<string | null>(null);
  let internalClip: ClipData | null = null;
  let gridFocuser = () => {};
  let formulaFocuser = (_end: boolean) => {};

  const active = createMemo(() => addressOf(selection().anchor));
  const rect = createMemo(() => rectOf(selection()), undefined, {
    equals: (a, b) => a.c0 === b.c0 && a.c1 === b.c1 && a.r0 === b.r0 && a.r1 === b.r1,
  });
  const activeCell = createMemo(() => bridge.cell(active()));
  const activeView = () => activeCell()();

  function afterSelect(): void {
    // Selecting a grad cell makes its loss the one whose gradients the grid shows.
    const at = active();
    if (bridge.gradCells().includes(at) && bridge.activeLoss()?.gradCell !== at) ws.setActiveGrad(at);
  }

  const c: Controller = {
    ws,
    bridge,
    selection,
    active,
    activeView,
    rect,
    select(p, extend = false) {
      c.commitEdit();
      setSelection((s) => (extend ? { anchor: s.anchor, focus: p } : single(p)));
      afterSelect();
    },
    move(dc, dr, extend = false) {
      setSelection((s) => moveSelection(s, dc, dr, extend));
      afterSelect();
    },
    selectRect(r) {
      setSelection({ anchor: { col: r.c0, row: r.r0 }, focus: { col: r.c1, row: r.r1 } });
    },
    editing,
    startEdit(draft) {
      const at = active();
      setEditing({ at, draft: draft ?? ws.cellState(at).formula });
      c.focusFormula(true);
    },
    setDraft(draft) {
      const e = editing();
      setEditing({ at: e?.at ?? active(), draft });
    },
    commitEdit() {
      const e = editing();
      if (!e) return false;
      setEditing(null);
      ws.setFormula(e.at, e.draft);
      return true;
    },
    cancelEdit() {
      setEditing(null);
    },
    nameDraft: () => {
      const d = nameDraftState();
      return d && d.at === active() ? d.text : null;
    },
    nameError: () => {
      const e = nameErrorState();
      return e && e.at === active() ? e.message : null;
    },
    setNameDraft(text) {
      if (text === null) {
        setNameDraftState(null);
        setNameErrorState(null);
      } else setNameDraftState({ at: active(), text });
    },
    commitName() {
      const d = nameDraftState();
      if (!d) return true;
      const res = ws.rename(d.at, d.text.trim() === '' ? null : d.text.trim());
      if (res.ok) {
        setNameDraftState(null);
        setNameErrorState(null);
        return true;
      }
      setNameErrorState({ at: d.at, message: res.message });
      return false;
    },
    clearSelection() {
      ws.clear(addressesIn(rect()));
    },
    copy() {
      internalClip = copyRect(ws.engine, rect());
      return internalClip;
    },
    copyTo(dt) {
      const d = c.copy();
      if (dt) {
        dt.setData('text/plain', clipToText(d));
        try {
          dt.setData(CLIP_MIME, clipToJson(d));
        } catch {
          /* custom types refused: the internal clipboard still has it */
        }
      }
    },
    pasteFrom(dt) {
      let d: ClipData | null = null;
      const json = dt?.getData(CLIP_MIME);
      if (json) d = clipFromJson(json);
      if (!d) {
        const text = dt?.getData('text/plain') ?? '';
        if (internalClip && (!text || text === clipToText(internalClip))) d = internalClip;
        else if (text && pasteCsvData(ws, active(), text)) return; // comma/semicolon-separated numbers: one data cell
        else if (text) d = clipFromText(text);
      }
      if (!d) return;
      const edits = pasteIntoRect(d, rect());
      if (edits.length) ws.setFormulas(edits, `paste into ${addressOf(selection().anchor)}`);
    },
    pasteInternal() {
      if (internalClip) c.pasteFrom(null);
    },
    undo() {
      setEditing(null);
      setNameDraftState(null);
      setNameErrorState(null);
      ws.undo();
    },
    redo() {
      setEditing(null);
      setNameDraftState(null);
      setNameErrorState(null);
      ws.redo();
    },
    alert,
    setAlert,
    openResult(r, label) {
      if (!r.ok) {
        setAlert(r.error);
        return false;
      }
      c.loadDoc(r.doc, label);
      return true;
    },
    openFileText(name, text) {
      return c.openResult(readSheetFile(name, text, (n) => ws.engine.registry.has(n)), `open ${name}`);
    },
    loadDoc(doc, label) {
      setEditing(null);
      setAlert(null);
      ws.load(doc, label);
      setSelection(single({ col: 0, row: 0 }));
    },
    shareLink(pageUrl) {
      return shareUrl(pageUrl, ws.toDoc());
    },
    focusGrid: () => gridFocuser(),
    setGridFocuser(fn) {
      gridFocuser = fn;
    },
    focusFormula: (end = true) => formulaFocuser(end),
    setFormulaFocuser(fn) {
      formulaFocuser = fn;
    },
  };
  return c;
}

export { encodeShareHash };
