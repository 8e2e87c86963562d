// The toolbar's "Import CSV": a file into the selected cell as a data cell (kernel/csv-import.ts).
import type { Controller } from '../controller';
import { csvToDataCell } from '../kernel/csv-import';

export function ImportCsvButton(props: { ctl: Controller }) {
  async function onFile(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    let text: string;
    try {
      text = await file.text();
    } catch (err) {
      props.ctl.setAlert(`${file.name}: could not be read (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    const r = csvToDataCell(props.ctl.ws, props.ctl.active(), text, file.name);
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
