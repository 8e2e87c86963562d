// Exercise marks for the selected cell: "Answer cell" and "By hand" (no grad/numgrad, directly
// or through another cell). The marks live in the sheet file (engine/exercise/marks.ts).
import { createMemo, createSignal, onCleanup, Show } from 'solid-js';
import type { Controller } from '../controller';
import { markOf, setMark } from '../kernel/exercise';

export function AnswerToggle(props: { ctl: Controller }) {
  const ctl = props.ctl;
  // Marks change with the document (a load, an undo), not only with the engine's values.
  const [version, setVersion] = createSignal(0);
  onCleanup(ctl.ws.subscribe(() => setVersion((n) => n + 1)));
  const mark = createMemo(() => {
    ctl.bridge.tick();
    version();
    return markOf(ctl.ws, ctl.active());
  });
  const apply = (answer: boolean, byHand: boolean) => {
    const problem = setMark(ctl.ws, ctl.active(), { answer, byHand });
    ctl.setAlert(problem);
  };
  return (
    <div class="answer-toggle" role="group" aria-label="Exercise">
      <label title="Students fill in this cell: the student copy leaves it empty, gradsheet grade takes it from the submission">
        <input type="checkbox" checked={mark().answer} onChange={(e) => apply(e.currentTarget.checked, mark().byHand)} /> Answer cell
      </label>
      <Show when={mark().answer}>
        <label title="The answer may not call grad or numgrad, directly or through another cell">
          <input type="checkbox" checked={mark().byHand} onChange={(e) => apply(true, e.currentTarget.checked)} /> By hand
        </label>
      </Show>
    </div>
  );
}
