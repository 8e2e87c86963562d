// The app: wires the workspace (document + undo), the bridge (engine → signals), the
// controller (selection, editing) and the components. Components only render.
import { Show, createSignal, onCleanup } from 'solid-js';
import type { SheetDoc } from '../engine/sheet/document';
import { createBridge } from './bridge';
import { CellMessage, FormulaBar } from './components/FormulaBar';
import { ExplainButtons } from './components/ExplainButtons';
import { TrainingHost } from './components/training/TrainingHost';
import { GradientCheckPanel } from './components/GradientCheckPanel';
import { GraphView } from './components/GraphView';
import { Grid } from './components/Grid';
import { HelpPanel } from './components/HelpPanel';
import { Inspector } from './components/Inspector';
import { NotesPanel } from './components/NotesPanel';
import { Toolbar } from './components/Toolbar';
import { Welcome } from './components/Welcome';
import { createController } from './controller';
import type { ExampleEntry } from './kernel/examples';
import { historyAction } from './kernel/keys';
import { AUTOSAVE_OFF_MESSAGE, type StorageLike, WELCOME_KEY, autosaveAvailable, createAutosaver, decodeShareHash, fileNameFor, isShareHash, sheetText } from './kernel/persistence';
import { createDocSession } from './kernel/recent';
import { circuitDoc } from './kernel/welcome';
import { createWorkspace } from './kernel/workspace';
import { createEngine, type Slicer } from '../engine/engine';
import { createRegistry } from '../engine/ops/registry';
import { MNIST_FILE, createMnistLoader, recomputeOnMnist } from './kernel/mnist-loader';
import { downloadText } from './kernel/dom';

export interface AppProps {
  /** Where the autosave lives (default: localStorage). */
  storage?: StorageLike | null;
  /** This tab's own memory of which sheet it has open (default: sessionStorage with localStorage, else none). */
  session?: StorageLike | null;
  examples?: () => Promise<ExampleEntry[]>;
  /** The page's hash at start (default: location.hash). */
  hash?: string;
  /** The sheet to open instead of the boot sequence (tests). */
  doc?: SheetDoc;
  autosaveDelay?: number;
  /** Lets long recomputes yield to the page (main.tsx passes one; tests run synchronously). */
  slicer?: Slicer;
}

function defaultStorage(): StorageLike | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null;
  }
}

function defaultSession(): StorageLike | null {
  try {
    return typeof sessionStorage !== 'undefined' ? sessionStorage : null;
  } catch {
    return null;
  }
}

/** Without storage there is no Recent: a link or the welcome sheet. */
function bootWithoutStorage(hash: string, isFunction: (n: string) => boolean) {
  const link = decodeShareHash(hash, isFunction);
  if (link?.ok) return { doc: link.doc, source: 'link' as const, alert: null, firstRun: false };
  return { doc: circuitDoc(), source: 'welcome' as const, alert: link && !link.ok ? link.error : null, firstRun: true };
}

export function App(props: AppProps) {
  const storage = props.storage === undefined ? defaultStorage() : props.storage;
  const hash = props.hash ?? (typeof location !== 'undefined' ? location.hash : '');
  const isFunction = (n: string) => ws.engine.registry.has(n);
  // MNIST digits are fetched only when a sheet first calls an mnist_* op (kernel/mnist-loader.ts).
  const mnist = createMnistLoader({ url: `${import.meta.env.BASE_URL}${MNIST_FILE}` });
  const ws = createWorkspace({ engine: createEngine({ slicer: props.slicer, registry: createRegistry({ mnist: mnist.source }) }) });
  onCleanup(recomputeOnMnist(mnist, ws.engine));
  // No storage at all (disabled, private mode): said once, visibly, with a Save file button.
  const [autosaveOff, setAutosaveOff] = createSignal(!autosaveAvailable(storage));
  // Each sheet has its own autosave slot; a link opens beside the saved ones (kernel/recent).
  const docs = storage && !autosaveOff() ? createDocSession({ storage, session: props.session !== undefined ? props.session : props.storage === undefined ? defaultSession() : null, isFunction }) : null;
  const boot = props.doc
    ? { doc: props.doc, alert: null, notice: null, firstRun: false, source: 'recent' as const }
    : docs
      ? docs.boot(hash)
      : { ...bootWithoutStorage(hash, isFunction), notice: null };
  // Title and notes come with the document; loading at start is not an undoable edit.
  ws.load(boot.doc, 'open');
  ws.history.clear();
  const bridge = createBridge(ws);
  const ctl = createController(ws, bridge);
  if (boot.alert) ctl.setAlert(boot.alert);
  else if (boot.notice) ctl.setAlert(boot.notice);

  let welcomeDismissed = false;
  try {
    welcomeDismissed = !!storage?.getItem(WELCOME_KEY);
  } catch {
    /* storage disabled */
  }
  const [showWelcome, setShowWelcome] = createSignal(boot.firstRun && !welcomeDismissed);
  // The hints are about the circuit: once another sheet is opened they no longer apply
  // (they come back on the next first run only if never dismissed).
  const offWelcome = ws.subscribe((e) => {
    if (e.kind === 'load') setShowWelcome(false);
  });
  onCleanup(offWelcome);
  const [helpOpen, setHelpOpen] = createSignal(false);
  // The sheet's notes open with a sheet that has some (every example explains what to look at).
  const [notesOpen, setNotesOpen] = createSignal(ws.notes().trim() !== '');
  // (Only when the notes change: inserting a row reloads the same sheet and its notes.)
  let shownNotes = ws.notes();
  const offNotes = ws.subscribe((e) => {
    if (e.kind !== 'load' || (e.doc.notes ?? '') === shownNotes) return;
    shownNotes = e.doc.notes ?? '';
    setNotesOpen(shownNotes.trim() !== '');
  });
  onCleanup(offNotes);
  // Training sheets (an optimizer cell) open with the training panel.
  const [trainOpen, setTrainOpen] = createSignal(ws.engine.optimizerCells().length > 0);
  onCleanup(ws.subscribe((e) => e.kind === 'load' && setTrainOpen(ws.engine.optimizerCells().length > 0)));
  const [graphOpen, setGraphOpen] = createSignal(false);
  const [checkOpen, setCheckOpen] = createSignal(false);

  // Autosave: debounced, and on pagehide; serialisation never blocks an edit.
  // A failed autosave (storage full or off) is said once, until a save works again.
  let autosaveWarned = false;
  const onSaved = (ok: boolean) => {
    if (!ok && !autosaveWarned) ctl.setAlert('Autosave failed: this sheet does not fit in the browser’s storage. Use Save file to keep your work.');
    autosaveWarned = !ok;
  };
  const saver = docs ? createAutosaver(() => ws.toDoc(), docs.storage, props.autosaveDelay ?? 250, undefined, onSaved) : null;
  if (docs && saver) {
    docs.setTitleSource(() => ws.title());
    docs.onFork((m) => ctl.setAlert(m));
    // A new document (New, an example, a file, a link): the one on screen is saved first.
    ctl.setBeforeNewDocument(() => {
      saver.flush();
      docs.startNew();
    });
    // Another tab saved this tab's sheet: say so now; this tab's next save becomes a copy.
    const onStorage = (e: StorageEvent) => {
      if (docs.changedElsewhere(e.key)) ctl.setAlert(`“${ws.title() || 'Untitled sheet'}” was just changed in another tab. Edits made here will be saved as a separate sheet (see Recent).`);
    };
    window.addEventListener('storage', onStorage);
    onCleanup(() => window.removeEventListener('storage', onStorage));
    const off1 = ws.engine.subscribe(() => saver.schedule());
    const off2 = ws.subscribe(() => saver.schedule());
    const onHide = () => saver.flush();
    window.addEventListener('pagehide', onHide);
    onCleanup(() => {
      off1();
      off2();
      window.removeEventListener('pagehide', onHide);
      saver.flush();
      saver.dispose();
    });
    if (boot.source === 'link' || boot.source === 'legacy') saver.schedule();
  }
  const recent = docs && saver
    ? {
        list: () => docs.list(),
        currentId: () => docs.id(),
        open(id: string) {
          saver.flush();
          const doc = docs.open(id);
          if (!doc) {
            ctl.setAlert('That sheet could not be read from the browser’s storage.');
            return;
          }
          ctl.loadDoc(doc, 'open a recent sheet', false);
          // Undo must not carry another document's content into this one's slot.
          ws.history.clear();
          ctl.focusGrid();
        },
      }
    : undefined;

  // A share link pasted into the address bar of an open tab: open it (as a new sheet).
  const onHash = () => {
    const r = decodeShareHash(location.hash, isFunction);
    if (!r) return;
    if (r.ok) {
      ctl.loadDoc(r.doc, 'open a shared sheet');
      ctl.setAlert(`The shared sheet opened as a new sheet${docs ? '; the previous one is kept under Recent' : ''}.`);
      dropHash();
      ctl.focusGrid();
    } else ctl.setAlert(r.error);
  };
  const dropHash = () => {
    try {
      history.replaceState(null, '', location.pathname + location.search);
    } catch {
      /* ignore */
    }
  };
  if (props.hash === undefined && typeof window !== 'undefined') {
    window.addEventListener('hashchange', onHash);
    onCleanup(() => window.removeEventListener('hashchange', onHash));
  }
  if (isShareHash(hash) && typeof history !== 'undefined' && props.hash === undefined) {
    // The link's sheet is now the working copy (autosaved); a reload must not discard edits.
    dropHash();
  }

  // Undo/redo from anywhere on the page except text fields (which keep their own undo).
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented) return;
    const t = e.target as HTMLElement | null;
    const tag = t?.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t?.isContentEditable) return;
    const h = historyAction(e);
    if (h) {
      e.preventDefault();
      if (h === 'undo') ctl.undo();
      else ctl.redo();
    }
  };
  document.addEventListener('keydown', onKey);
  onCleanup(() => {
    document.removeEventListener('keydown', onKey);
    bridge.dispose();
  });

  const examples = props.examples ?? (() => import('./examples').then((m) => m.viteExamples()));

  return (
    <div class="app">
      <Toolbar ctl={ctl} recent={recent} examples={examples} helpOpen={helpOpen()} toggleHelp={() => setHelpOpen(!helpOpen())} notesOpen={notesOpen()} toggleNotes={() => setNotesOpen(!notesOpen())} pageUrl={() => (typeof location !== 'undefined' ? location.href : 'http://localhost/')}
        views={
          <>
            <button aria-pressed={trainOpen()} onClick={() => setTrainOpen(!trainOpen())} title="Train the sheet's parameters: step, run, pause, reset; loss curve and decision boundary">
              Train
            </button>
            <ExplainButtons graphOpen={graphOpen()} toggleGraph={() => setGraphOpen(!graphOpen())} checkOpen={checkOpen()} toggleCheck={() => setCheckOpen(!checkOpen())} />
          </>
        } />
      <Show when={ctl.alert()}>
        <div class="alert">
          <span role="alert">{ctl.alert()}</span>
          <button aria-label="Dismiss message" onClick={() => ctl.setAlert(null)}>
            ×
          </button>
        </div>
      </Show>
      <Show when={autosaveOff()}>
        <div class="alert" data-testid="autosave-off">
          <span role="status">{AUTOSAVE_OFF_MESSAGE}</span>
          <button onClick={() => downloadText(fileNameFor(ws.title()), sheetText(ws.toDoc()))}>Save file</button>
          <button aria-label="Dismiss message" onClick={() => setAutosaveOff(false)}>
            ×
          </button>
        </div>
      </Show>
      <Show when={showWelcome()}>
        <Welcome
          onDismissAll={() => {
            setShowWelcome(false);
            try {
              storage?.setItem(WELCOME_KEY, '1');
            } catch {
              /* ignore */
            }
          }}
        />
      </Show>
      <FormulaBar ctl={ctl} />
      <CellMessage ctl={ctl} />
      <main class="workarea">
        <Grid ctl={ctl} />
        <Show when={notesOpen()}>
          <NotesPanel ctl={ctl} onClose={() => setNotesOpen(false)} />
        </Show>
        <Inspector ctl={ctl} />
        <Show when={trainOpen()}>
          <TrainingHost ctl={ctl} onClose={() => setTrainOpen(false)} />
        </Show>
        <Show when={checkOpen()}>
          <GradientCheckPanel ctl={ctl} onClose={() => setCheckOpen(false)} />
        </Show>
        <Show when={helpOpen()}>
          <HelpPanel registry={bridge.registry} onClose={() => setHelpOpen(false)} />
        </Show>
      </main>
      <Show when={graphOpen()}>
        <GraphView ctl={ctl} onClose={() => setGraphOpen(false)} />
      </Show>
    </div>
  );
}
