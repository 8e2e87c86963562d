// A short "how to" beside the function reference: the few things a first visit needs.
export function HowTo() {
  return (
    <section class="howto" aria-label="How to">
      <h3>How to</h3>
      <dl>
        <dt>Name a cell</dt>
        <dd>
          Type <code>x = 3</code> or <code>f = sigmoid(w*x + b)</code> into a cell and press Enter: the cell is named and the next
          cell is ready. The Name box (left of ƒx) renames; clearing it turns uses back into the address.
        </dd>
        <dt>Point at cells</dt>
        <dd>While typing a formula, after an operator or <code>(</code>, click a cell or use the arrow keys to insert its name.</dd>
        <dt>Read ∂</dt>
        <dd>
          The orange <b>∂</b> line under a value is ∂L/∂cell: how much the loss L changes per unit change of that cell. The chip at the top
          says which loss is in use.
        </dd>
        <dt>Grad cells and the loss in use</dt>
        <dd>
          <code>grad(L)</code> in any cell makes L the loss whose gradients the grid shows. With several grad cells, select one (or use the chip) to
          switch. <code>grad(L, x)</code> is the value ∂L/∂x, usable in formulas.
        </dd>
        <dt>Checks</dt>
        <dd>
          <code>check(grad(f, x), -4)</code> shows ✓ when both sides agree (relative error 1e-6), ✗ otherwise;
          <code>numgrad(f, x)</code> is the finite-difference gradient to compare against.
        </dd>
        <dt>Matrices</dt>
        <dd>Small matrices show their numbers; larger ones a heatmap (values blue–orange, gradients purple–green). Hover for an entry, widen a column by dragging its header border, or open the Inspector's table wide.</dd>
        <dt>Keyboard</dt>
        <dd>
          Arrows move; typing starts an edit; Enter/Tab commit and move; Escape cancels; F2 edits; Delete clears; Ctrl+Z / Ctrl+Shift+Z undo and redo;
          Ctrl+C / Ctrl+V copy and paste; Ctrl+D / Ctrl+R fill down / right; Ctrl+Arrow jumps to the edge of the data.
        </dd>
      </dl>
    </section>
  );
}
