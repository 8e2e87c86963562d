// The toolbar's toggles for the explain views: the graph view and the gradient check.
export function ExplainButtons(props: { graphOpen: boolean; toggleGraph: () => void; checkOpen: boolean; toggleCheck: () => void }) {
  return (
    <div class="tb-group">
      <button aria-pressed={props.graphOpen} onClick={props.toggleGraph} title="The sheet as a computational graph; step through the backward pass">
        Graph
      </button>
      <button aria-pressed={props.checkOpen} onClick={props.toggleCheck} title="Compare every gradient with finite differences">
        Gradient check
      </button>
    </div>
  );
}
