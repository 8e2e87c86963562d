// The toolbar's "Import CSV": a file into the selected cell as a data cell (kernel/csv-import.ts).
import type { Controller } from '../controller';
import { csvToDataCell } from '../kernel/csv-import';
import { pickedFileText } from '../kernel/dom';

export function ImportCsvButton(props: { ctl: Controller }) {
  async function onFile(e: Event) {
    const picked = await pickedFileText(e, props.ctl.setAlert);
    if (!picked) return;
    const r = csvToDataCell(props.ctl.ws, props.ctl.active(), picked.text, picked.name);
    props.ctl.setAlert(r.ok ? null : r.message);
    props.ctl.focusGrid();
  }
  return (
    <label class="button file-button" title="Put a CSV file’s numbers into the selected cell (a data cell)">
      Import CSV
      <input type="file" class="visually-hidden" accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain" onChange={onFile} />
    </label>
  );
}
