// The training panel in the app: the Worker client is created the first time the panel opens
// (training never costs a page that does not train), its progress goes into the workspace so
// the grid, autosave and Save file show the trained parameters, and edits made during a run
// are passed on (a hyperparameter goes on at the next step; an edit of the network pauses).
import { onCleanup } from 'solid-js';
import { fromPlainValue } from '../../../engine/eval/plan';
import { valueToJson } from '../../../engine/tensor/value';
import type { Controller } from '../../controller';
import { createTrainingDriver } from '../../kernel/training-driver';
import { createTrainClient } from '../../train/client';
import { TrainingPanel } from './TrainingPanel';

export function TrainingHost(props: { ctl: Controller; onClose(): void }) {
  if (typeof Worker === 'undefined') {
    return (
      <section class="training-panel" aria-label="Training">
        <p role="status">Training runs in a Web Worker, which this browser does not offer. The command line trains headless: gradsheet train SHEET.json.</p>
      </section>
    );
  }
  const ws = props.ctl.ws;
  const client = createTrainClient();
  // The user's last key or pointer press: the driver lets a refresh of the sheet wait behind it.
  let lastInput = -Infinity;
  const onInput = () => (lastInput = performance.now());
  const inputs = ['keydown', 'pointerdown', 'wheel'] as const;
  for (const k of inputs) window.addEventListener(k, onInput, { capture: true, passive: true });
  const driver = createTrainingDriver(client, {
    doc: () => ws.toDoc(),
    step: () => ws.engine.trainState().step,
    lastInput: () => lastInput,
    apply: (p) =>
      ws.applyTraining(
        Object.fromEntries(Object.entries(p.params).map(([at, v]) => [at, p.train ? valueToJson(fromPlainValue(v)) : null])),
        p.train,
      ),
  });
  // Formula edits while a run goes on: the Worker decides whether they pause it.
  let last = new Map(ws.toDoc().cells.map((c) => [c.at, c.formula]));
  const off = ws.subscribe((e) => {
    if (e.kind !== 'history' || !driver.status().running) return;
    const now = new Map(ws.toDoc().cells.map((c) => [c.at, c.formula]));
    for (const [at, f] of now) if (last.get(at) !== f) client.edit(at, f);
    for (const at of last.keys()) if (!now.has(at)) client.edit(at, '');
    last = now;
  });
  onCleanup(() => {
    for (const k of inputs) window.removeEventListener(k, onInput, { capture: true });
    off();
    driver.dispose();
  });
  return <TrainingPanel driver={driver} engine={ws.engine} tick={props.ctl.bridge.tick} structure={props.ctl.bridge.structure} onClose={props.onClose} />;
}
