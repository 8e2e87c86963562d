// The app: wires the workspace (document + undo), the bridge (engine → signals), the
// controller (selection, editing) and the components. Components only render.
import { Show, createSignal, onCleanup, onMount } from 'solid-js';
import type { SheetDoc } from '../engine/sheet/document';
import { createBridge } from './bridge';
import { CellMessage, FormulaBar } from './components/FormulaBar';
import { Grid } from './components/Grid';
import { HelpPanel } from './components/HelpPanel';
import { Inspector } from './components/Inspector';
import { Toolbar } from './components/Toolbar';
import { Welcome } from './components/Welcome';
import { createController } from './controller';
import { bootSheet } from './kernel/boot';
import type { ExampleEntry } from './kernel/examples';
import { historyAction } from './kernel/keys';
import { AUTOSAVE_OFF_MESSAGE, type StorageLike, WELCOME_KEY, autosaveAvailable, createAutosaver, fileNameFor, isShareHash, sheetText } from './kernel/persistence';
import { createWorkspace } from './kernel/workspace';
import { createEngine, type Slicer } from '../engine/engine';
import { createRegistry } from '../engine/ops/registry';
import { MNIST_FILE, createMnistLoader, recomputeOnMnist } from './kernel/mnist-loader';

export interface AppProps {
  /** Where the autosave lives (default: localStorage). */
  storage?: StorageLike | null;
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

export function App(props: AppProps) {
  const storage = props.storage === undefined ? defaultStorage() : props.storage;
  const hash = props.hash ?? (typeof location !== 'undefined' ? location.hash : '');
  const isFunction = (n: string) => ws.engine.registry.has(n);
  // MNIST digits are fetched only when a sheet first calls an mnist_* op (kernel/mnist-loader.ts).
  const mnist = createMnistLoader({ url: `${import.meta.env.BASE_URL}${MNIST_FILE}` });
  const ws = createWorkspace({ engine: createEngine({ slicer: props.slicer, registry: createRegistry({ mnist: mnist.source }) }) });
  onCleanup(recomputeOnMnist(mnist, ws.engine));
  const boot = props.doc ? { doc: props.doc, alert: null, firstRun: false, source: 'autosave' as const } : bootSheet(hash, storage, isFunction);
  // Title and notes come with the document; loading at start is not an undoable edit.
  ws.load(boot.doc, 'open');
  ws.history.clear();
  const bridge = createBridge(ws);
  const ctl = createController(ws, bridge);
  if (boot.alert) ctl.setAlert(boot.alert);

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

  // Autosave: debounced, and on pagehide; serialisation never blocks an edit.
  // A failed autosave (storage full or off) is said once, until a save works again.
  let autosaveWarned = false;
  const onSaved = (ok: boolean) => {
    if (!ok && !autosaveWarned) ctl.setAlert('Autosave failed: this sheet does not fit in the browser’s storage. Use Save file to keep your work.');
    autosaveWarned = !ok;
  };
  // No storage at all (disabled, private mode): said once, visibly, with a Save file button.
  const [autosaveOff, setAutosaveOff] = createSignal(!autosaveAvailable(storage));
  const saver = storage && !autosaveOff() ? createAutosaver(() => ws.toDoc(), storage, props.autosaveDelay ?? 250, undefined, onSaved) : null;
  if (saver) {
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
    if (boot.source === 'link') saver.schedule();
  }
  if (isShareHash(hash) && typeof history !== 'undefined' && props.hash === undefined) {
    // The link's sheet is now the working copy (autosaved); a reload must not discard edits.
    try {
      history.replaceState(null, '', location.pathname + location.search);
    } catch {
      /* ignore */
    }
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

  onMount(() => ctl.focusGrid());

  const examples = props.examples ?? (() => import('./examples').then((m) => m.viteExamples()));

  return (
    <div class="app">
      <Toolbar ctl={ctl} examples={examples} helpOpen={helpOpen()} toggleHelp={() => setHelpOpen(!helpOpen())} pageUrl={() => (typeof location !== 'undefined' ? location.href : 'http://localhost/')} />
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
          <button onClick={() => saveFile(fileNameFor(ws.title()), sheetText(ws.toDoc()))}>Save file</button>
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
        <Inspector ctl={ctl} />
        <Show when={helpOpen()}>
          <HelpPanel registry={ws.engine.registry} onClose={() => setHelpOpen(false)} />
        </Show>
      </main>
    </div>
  );
}

/** The sheet as a downloaded file (the same as the toolbar's Save file). */
function saveFile(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
