// UI state that is not the document: the selection, the cell being edited, the draft name,
// panels, the alert. Every document change goes through the workspace (and so into undo).
import { type Accessor, createMemo, createSignal } from 'solid-js';
import type { CellView } from '../engine/engine';
import type { SheetDoc } from '../engine/sheet/document';
import type { Bridge } from './bridge';
import { nameProblem } from '../engine/formula/address';
import { type ClipData, copyRect, pasteIntoRect } from './kernel/clipboard';
import { insertRef, operandPosition, splitNamedFormula, suggestName } from './kernel/edit-text';
import { edgeOf, fillEdits, fillTo as fillToEdits, insertDelete } from './kernel/fill';
import { type OpenResult, encodeShareHash, readSheetFile, shareUrl } from './kernel/persistence';
import { type Pos, type Rect, type Selection, addressOf, addressesIn, clampPos, moveSelection, posOf, rectOf, single } from './kernel/selection';
import type { Workspace } from './kernel/workspace';

export interface Editing {
  at: string;
  draft: string;
  /** The reference inserted by pointing (a click or an arrow), replaced by the next one. */
  ref?: { start: number; end: number; at: string } | null;
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
  /**
   * Commit the draft (Enter, Tab, a click on another cell). False when it was refused (an
   * invalid name in `name = formula`, or a pending invalid name): the edit stays open and
   * `editError` says why. True when committed or when nothing was being edited.
   */
  commitEdit(): boolean;
  cancelEdit(): void;
  /** Why the last commit was refused (shown under the formula bar), or null. */
  editError: Accessor<string | null>;
  /**
   * Pointing while typing a formula: with the caret in an operand position, put `at`'s
   * reference (its name when it has one) at the caret. False when the caret is not there.
   */
  pointAt(at: string): boolean;
  /** Move the pointed reference by (dc, dr) (arrow keys while typing); false when not pointing. */
  pointMove(dc: number, dr: number): boolean;
  /** The formula input's caret, as the formula bar reports it. */
  setCaretSource(fn: () => number, set: (caret: number) => void): void;
  nameDraft: Accessor<string | null>;
  nameError: Accessor<string | null>;
  setNameDraft(text: string | null): void;
  commitName(): boolean;
  clearSelection(): void;
  /** Ctrl+D / Ctrl+R: fill the selection down or right from its first row or column. */
  fill(dir: 'down' | 'right'): void;
  /** The fill handle dragged from the selection `orig` out to `target`. */
  fillTo(orig: Rect, target: Rect): void;
  /** Ctrl+Arrow: to the edge of the data. */
  jump(dc: number, dr: number, extend?: boolean): void;
  /** Insert (count > 0) or delete (count < 0) rows or columns at index `at`; references follow. */
  insertDelete(axis: 'row' | 'col', at: number, count: number): void;
  /** Copy the selection (kept as the internal clipboard too). */
  copy(): ClipData;
  /** The last copy made in this page, or null. */
  internalClip(): ClipData | null;
  /** Paste clip data at the selection (references shifted); null does nothing. */
  paste(d: ClipData | null): void;
  pasteInternal(): void;
  undo(): void;
  redo(): void;
  alert: Accessor<string | null>;
  setAlert(message: string | null): void;
  /** Load a read result: on failure shows the message and leaves the sheet untouched. */
  openResult(r: OpenResult, label: string): boolean;
  openFileText(name: string, text: string): boolean;
  /**
   * Show `doc`. By default it is a new document (New, an example, a file, a link): the one
   * on screen stays saved under Recent. `fresh = false` reopens a Recent document in place.
   */
  loadDoc(doc: SheetDoc, label: string, fresh?: boolean): void;
  /** Called before a new document replaces the one on screen (the app saves it and starts a new slot). */
  setBeforeNewDocument(fn: () => void): void;
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
  const [editError, setEditError] = createSignal<string | null>(null);
  let internalClip: ClipData | null = null;
  let beforeNewDocument = () => {};
  let caretOf = () => editing()?.draft.length ?? 0;
  let setCaret = (_: number) => {};
  const isFunction = (n: string) => ws.engine.registry.has(n);
  const refusal = (name: string, why: string) => {
    const better = suggestName(name, (n) => nameProblem(n, isFunction) ?? (ws.engine.addressOf(n) ? 'taken' : null));
    return `Not entered: ${why}.${better ? ` Try “${better}”.` : ''}`;
  };
  /** How a pointed-at cell is written: its name, or its address. */
  const refText = (at: string) => ws.cellState(at).name ?? at;
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
    if (bridge.gradCells().includes(at) && bridge.activeLoss()?.gradCell !== at) bridge.chooseGradCell(at);
  }

  const c: Controller = {
    ws,
    bridge,
    selection,
    active,
    activeView,
    rect,
    select(p, extend = false) {
      if (!c.commitEdit()) return;
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
      setEditError(null);
      setEditing({ at, draft: draft ?? ws.cellState(at).formula });
      c.focusFormula(true);
    },
    setDraft(draft) {
      const e = editing();
      setEditError(null);
      // Typing after a pointed reference ends the pointing (the next click inserts anew).
      setEditing({ at: e?.at ?? active(), draft, ref: null });
    },
    commitEdit() {
      const e = editing();
      if (!e) return true;
      const pending = nameDraftState();
      if (pending && pending.at === e.at && !c.commitName()) {
        const why = nameErrorState()?.message ?? 'it is not a valid name';
        setEditError(refusal(pending.text.trim(), why));
        return false;
      }
      const named = splitNamedFormula(e.draft);
      if (named) {
        const res = ws.setNamedFormula(e.at, named.name, named.formula);
        if (!res.ok) {
          setEditError(refusal(named.name, res.message));
          return false;
        }
      } else ws.setFormula(e.at, e.draft);
      setEditing(null);
      setEditError(null);
      return true;
    },
    cancelEdit() {
      setEditing(null);
      setEditError(null);
    },
    editError,
    pointAt(at) {
      const e = editing();
      if (!e) return false;
      const caret = caretOf();
      const replacing = e.ref && e.ref.end === caret;
      if (!replacing && !operandPosition(e.draft, caret)) return false;
      const r = insertRef(e.draft, caret, refText(at), e.ref ?? null);
      setEditing({ at: e.at, draft: r.text, ref: { ...r.span, at } });
      setCaret(r.caret);
      return true;
    },
    pointMove(dc, dr) {
      const e = editing();
      if (!e) return false;
      const caret = caretOf();
      const from = e.ref && e.ref.end === caret ? posOf(e.ref.at) : operandPosition(e.draft, caret) ? posOf(e.at) : null;
      if (!from) return false;
      return c.pointAt(addressOf(clampPos({ col: from.col + dc, row: from.row + dr })));
    },
    setCaretSource(get, set) {
      caretOf = get;
      setCaret = set;
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
      ws.clearContents(addressesIn(rect()));
    },
    fill(dir) {
      const edits = fillEdits(rect(), dir, (at) => ws.cellState(at).formula);
      if (edits.length) ws.setFormulas(edits, `fill ${dir}`);
    },
    fillTo(orig, target) {
      const edits = fillToEdits(orig, target, (at) => ws.cellState(at).formula);
      if (edits.length) ws.setFormulas(edits, 'fill');
      c.selectRect(target);
    },
    jump(dc, dr, extend = false) {
      const s = selection();
      const to = edgeOf(extend ? s.focus : s.anchor, dc, dr, (col, row) => {
        const st = ws.cellState(addressOf({ col, row }));
        return st.formula !== '' || st.name !== null;
      });
      setSelection(extend ? { anchor: s.anchor, focus: to } : single(to));
      afterSelect();
    },
    insertDelete(axis, at, count) {
      if (!c.commitEdit()) return;
      const what = `${count > 0 ? 'insert' : 'delete'} ${Math.abs(count)} ${axis === 'row' ? 'row' : 'column'}${Math.abs(count) > 1 ? 's' : ''}`;
      ws.load(insertDelete(ws.toDoc(), axis, at, count), what);
    },
    copy() {
      internalClip = copyRect({ get: (at) => ws.cellState(at) }, rect());
      return internalClip;
    },
    internalClip: () => internalClip,
    paste(d) {
      if (!d) return;
      const edits = pasteIntoRect(d, rect());
      if (edits.length) ws.setFormulas(edits, `paste into ${addressOf(selection().anchor)}`);
    },
    pasteInternal() {
      c.paste(internalClip);
    },
    undo() {
      setEditing(null);
      setEditError(null);
      setNameDraftState(null);
      setNameErrorState(null);
      ws.undo();
    },
    redo() {
      setEditing(null);
      setEditError(null);
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
      return c.openResult(readSheetFile(name, text, isFunction), `open ${name}`);
    },
    loadDoc(doc, label, fresh = true) {
      setEditing(null);
      setEditError(null);
      setAlert(null);
      if (fresh) beforeNewDocument();
      ws.load(doc, label);
      setSelection(single({ col: 0, row: 0 }));
    },
    shareLink(pageUrl) {
      return shareUrl(pageUrl, ws.toDoc());
    },
    setBeforeNewDocument(fn) {
      beforeNewDocument = fn;
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
